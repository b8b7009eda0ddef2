"""The run directory, a file format with one owner: its file names, writing its files and reading them back.

Everything that touches a run directory asks here: the CLI to create it and
write `scenario.yaml` and `summary.json` (with the format version, FORMAT),
sweeps to write and read `sweep.csv`, `analysis/` to read a run for its
figures; and whoever else writes a result file (`--save-weights`) writes it
atomically through `write_atomically`. It is a small package rather than one
module because its parts (`files`: writing safely; `layout`: names, version
and writing; `sweepfile`: the sweep's typed rows; `reader`: a run read back)
make over 600 lines together; this face is the only import the rest of
neurosim uses.
"""

from __future__ import annotations

from neurosim.rundir.files import LineFile, write_atomically, write_text_atomically
from neurosim.rundir.layout import (
    EVENTS_FILE,
    FORMAT,
    FORMAT_KEY,
    OWNED,
    OWNED_FILES,
    PLOT_NAME,
    PLOTS_DIR,
    REPORT_FILE,
    SCENARIO_FILE,
    SUMMARY_FILE,
    SWEEP_FILE,
    SWEEP_PARQUET,
    RunDirError,
    check_format,
    open_events,
    prepare_output,
    read_scenario,
    run_id,
    write_scenario,
    write_summary,
)
from neurosim.rundir.reader import PatternSource, RunRecord, TrialRecord, apply_flips, read_run
from neurosim.rundir.sweepfile import (
    RESULT_COLUMNS,
    Row,
    SweepWriter,
    finished_rows,
    open_sweep,
    parameter_columns,
    read_sweep,
    rewrite_sorted,
    sweep_columns,
    sweep_path,
    write_parquet,
)

__all__ = [
    "EVENTS_FILE",
    "FORMAT",
    "FORMAT_KEY",
    "OWNED",
    "OWNED_FILES",
    "PLOTS_DIR",
    "PLOT_NAME",
    "REPORT_FILE",
    "RESULT_COLUMNS",
    "SCENARIO_FILE",
    "SUMMARY_FILE",
    "SWEEP_FILE",
    "SWEEP_PARQUET",
    "LineFile",
    "PatternSource",
    "Row",
    "RunDirError",
    "RunRecord",
    "SweepWriter",
    "TrialRecord",
    "apply_flips",
    "check_format",
    "finished_rows",
    "open_events",
    "open_sweep",
    "parameter_columns",
    "prepare_output",
    "read_run",
    "read_scenario",
    "read_sweep",
    "rewrite_sorted",
    "run_id",
    "sweep_columns",
    "sweep_path",
    "write_atomically",
    "write_parquet",
    "write_scenario",
    "write_summary",
    "write_text_atomically",
]
