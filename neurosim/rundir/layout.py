"""The run directory's file names and format version, and writing its files.

`neurosim run` writes a directory: `scenario.yaml` (the scenario's text),
`events.jsonl` (one event per line), `summary.json` (the run's settings and
trials, or a sweep's table), and for a sweep `sweep.csv` (one row per trial,
`sweep.parquet` when pyarrow is installed); `neurosim plot` adds `plots/` and
`neurosim report` `report.html`. Results are never silently overwritten, and
`--force` removes only the regular files this module names as neurosim's
(OWNED_FILES, and in `plots/` the names PLOT_NAME matches).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from neurosim.errors import NeurosimError, OutputError
from neurosim.rundir.files import LineFile, output_error, write_text_atomically

EVENTS_FILE = "events.jsonl"
SUMMARY_FILE = "summary.json"
#: The text of the scenario that was run, for the record (and to refuse resuming another one).
SCENARIO_FILE = "scenario.yaml"
#: A sweep's directory holds one row per trial here (its summary.json has a `table`, not `trials`).
SWEEP_FILE = "sweep.csv"
SWEEP_PARQUET = "sweep.parquet"
REPORT_FILE = "report.html"
PLOTS_DIR = "plots"
#: The regular files neurosim writes into a run directory; `--force` removes these (and PLOT_NAME's in PLOTS_DIR).
OWNED_FILES = (SCENARIO_FILE, EVENTS_FILE, SUMMARY_FILE, SWEEP_FILE, SWEEP_PARQUET, REPORT_FILE)
OWNED = (*OWNED_FILES, PLOTS_DIR)
#: The names of the figures and animations `neurosim plot` writes (`analysis/plots.py`, `analysis/animation.py`).
PLOT_NAME = re.compile(
    r"outcomes\.png|energies\.png|recall-.+\.png|trial-\d+-(?:recall|raster|overlaps)\.png|trial-\d+-(?:recall|board)\.gif"
)

#: The version of the run-directory format, the `format` of summary.json. Format 1 records each
#: trial's `start_state` (in summary.json and in its `trial_started` event); runs written before
#: it carry no `format` and are refused by the reader, since their start states are unknown.
FORMAT = 1
FORMAT_KEY = "format"


class RunDirError(NeurosimError):
    """A run directory is missing a file, or its files are unreadable or disagree."""


def prepare_output(requested: Path | None, name: str, force: bool) -> Path:
    """Create the run directory; an existing one with files is used only with --force, and cleared of our files.

    Without `requested`, a new `runs/<name>-<UTC timestamp>` (never one that exists).
    """
    try:
        return _prepare(requested, name, force)
    except OSError as exc:  # an unwritable place: name the path that failed
        raise output_error(exc.filename or requested or "runs", exc) from exc


def _prepare(requested: Path | None, name: str, force: bool) -> Path:
    if requested is not None:
        if requested.exists() and not requested.is_dir():
            raise OutputError(f"{requested}: exists and is not a directory")
        if requested.is_dir() and any(requested.iterdir()):
            if not force:
                raise OutputError(f"{requested}: already holds files; choose another --out or add --force")
            for target in _owned_files(requested):  # no stale figures or sweep rows next to the new results
                target.unlink()
            plots = requested / PLOTS_DIR
            if plots.is_dir() and not plots.is_symlink() and not any(plots.iterdir()):
                plots.rmdir()  # emptied of our figures (an empty plots/ of the user's goes too: it held nothing)
        requested.mkdir(parents=True, exist_ok=True)
        return requested
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    base = Path("runs") / f"{name}-{stamp}"
    base.parent.mkdir(parents=True, exist_ok=True)
    for k in itertools.count(1):  # never reuse a default directory, even with runs started at once
        candidate = base if k == 1 else base.with_name(f"{base.name}-{k}")
        try:
            candidate.mkdir()
        except FileExistsError:
            continue
        return candidate
    raise AssertionError("unreachable")


def _owned_files(directory: Path) -> list[Path]:
    """The files of `directory` that neurosim wrote; refuses (before anything is removed) an owned name that is not one.

    An owned name that is a symlink or a directory was not written by
    neurosim, and a run would write through it or fail on it: `--force`
    refuses it in one line rather than following or deleting it.
    """
    plots = directory / PLOTS_DIR
    _refuse_unless_ours(plots, directory=True)
    names = [directory / owned for owned in OWNED_FILES]
    if plots.is_dir():
        names += sorted(p for p in plots.iterdir() if PLOT_NAME.fullmatch(p.name))
    for path in names:
        _refuse_unless_ours(path, directory=False)
    return [path for path in names if path.is_file()]


def _refuse_unless_ours(path: Path, *, directory: bool) -> None:
    if path.is_symlink():
        found = "a symbolic link"
    elif not path.exists() or (path.is_dir() if directory else path.is_file()):
        return
    else:
        found = "a directory" if path.is_dir() else "a file" if path.is_file() else "a special file"
    raise OutputError(f"{path}: {found}, which neurosim does not write; --force leaves it alone: move it away")


def run_id(name: str, seed: int, text: str) -> str:
    """The run id every event carries: the scenario's name, the seed and a hash of both with the scenario text."""
    digest = hashlib.sha256(f"{seed}\n{text}".encode()).hexdigest()[:10]
    return f"{name}-{seed}-{digest}"


def open_events(directory: Path, *, append: bool = False) -> LineFile:
    """The event log, opened for writing (appending: a resumed sweep); it always ends on a whole line."""
    return LineFile.open(directory / EVENTS_FILE, "a" if append else "w")


def write_scenario(directory: Path, text: str) -> Path:
    """Keep the scenario's text beside its results."""
    return write_text_atomically(directory / SCENARIO_FILE, text)


def read_scenario(directory: Path) -> str | None:
    """The scenario text the directory keeps, if any."""
    path = directory / SCENARIO_FILE
    return path.read_text(encoding="utf-8") if path.is_file() else None


_FLAT_LIST = re.compile(r"\[[^\[\]{}\"]*\]")


def write_summary(directory: Path, data: dict[str, Any]) -> Path:
    """Write summary.json with the format version first: indented JSON, lists of numbers on one line each."""
    text = json.dumps({FORMAT_KEY: FORMAT, **data}, indent=2, allow_nan=False)
    text = _FLAT_LIST.sub(lambda m: json.dumps(json.loads(m.group(0))), text)
    return write_text_atomically(directory / SUMMARY_FILE, text + "\n")


def check_format(path: Path, summary: dict[str, Any]) -> None:
    """Refuse a summary.json of another format than this neurosim's, in one line naming it."""
    found = summary.get(FORMAT_KEY)
    if found == FORMAT:
        return
    if found is None:
        raise RunDirError(
            f"{path}: written by neurosim before run-directory format {FORMAT} (no start states); re-run the scenario"
        )
    raise RunDirError(f"{path}: run-directory format {found!r}; this neurosim reads format {FORMAT}")
