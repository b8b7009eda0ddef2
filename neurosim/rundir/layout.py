"""The run directory's file names and format version, and writing its files.

`neurosim run` writes a directory: `scenario.yaml` (the scenario's text),
`events.jsonl` (one event per line), `summary.json` (the run's settings and
trials, or a sweep's table), and for a sweep `sweep.csv` (one row per trial,
`sweep.parquet` when pyarrow is installed); `neurosim plot` adds `plots/` and
`neurosim report` `report.html`. Results are never silently overwritten.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import re
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from neurosim.errors import NeurosimError, OutputError

EVENTS_FILE = "events.jsonl"
SUMMARY_FILE = "summary.json"
#: The text of the scenario that was run, for the record (and to refuse resuming another one).
SCENARIO_FILE = "scenario.yaml"
#: A sweep's directory holds one row per trial here (its summary.json has a `table`, not `trials`).
SWEEP_FILE = "sweep.csv"
SWEEP_PARQUET = "sweep.parquet"
REPORT_FILE = "report.html"
PLOTS_DIR = "plots"
#: What neurosim writes into a run directory; `--force` removes these, and only these.
OWNED = (SCENARIO_FILE, EVENTS_FILE, SUMMARY_FILE, SWEEP_FILE, SWEEP_PARQUET, REPORT_FILE, PLOTS_DIR)

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
    if requested is not None:
        if requested.exists() and not requested.is_dir():
            raise OutputError(f"{requested}: exists and is not a directory")
        if requested.is_dir() and any(requested.iterdir()):
            if not force:
                raise OutputError(f"{requested}: already holds files; choose another --out or add --force")
            for owned in OWNED:  # no stale figures or sweep rows next to the new results
                target = requested / owned
                if target.is_dir():
                    shutil.rmtree(target)
                else:
                    target.unlink(missing_ok=True)
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


def run_id(name: str, seed: int, text: str) -> str:
    """The run id every event carries: the scenario's name, the seed and a hash of both with the scenario text."""
    digest = hashlib.sha256(f"{seed}\n{text}".encode()).hexdigest()[:10]
    return f"{name}-{seed}-{digest}"


def open_events(directory: Path, *, append: bool = False) -> IO[str]:
    """The event log, opened for writing (appending: a resumed sweep)."""
    return (directory / EVENTS_FILE).open("a" if append else "w", encoding="utf-8")


def write_scenario(directory: Path, text: str) -> Path:
    """Keep the scenario's text beside its results."""
    return _replace(directory / SCENARIO_FILE, text)


def read_scenario(directory: Path) -> str | None:
    """The scenario text the directory keeps, if any."""
    path = directory / SCENARIO_FILE
    return path.read_text(encoding="utf-8") if path.is_file() else None


_FLAT_LIST = re.compile(r"\[[^\[\]{}\"]*\]")


def write_summary(directory: Path, data: dict[str, Any]) -> Path:
    """Write summary.json with the format version first: indented JSON, lists of numbers on one line each."""
    text = json.dumps({FORMAT_KEY: FORMAT, **data}, indent=2, allow_nan=False)
    text = _FLAT_LIST.sub(lambda m: json.dumps(json.loads(m.group(0))), text)
    return _replace(directory / SUMMARY_FILE, text + "\n")


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


def _replace(path: Path, text: str) -> Path:
    """Write `text` to a temporary file beside `path`, then put it in place: readers never see half a file."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
    return path
