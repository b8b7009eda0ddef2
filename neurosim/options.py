"""The options of `neurosim run`, and how a stopped run says so: shared by the run and the sweep commands."""

from __future__ import annotations

import signal
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Literal

from neurosim import api, backends
from neurosim.engines import EngineName
from neurosim.engines.actors.clock import DEFAULT_TIME_SCALE
from neurosim.errors import EXIT_INTERRUPTED, EXIT_TERMINATED

#: The exit status of a run stopped by each stop signal.
EXIT_STOPPED = {signal.SIGINT: EXIT_INTERRUPTED, signal.SIGTERM: EXIT_TERMINATED}


@dataclass(frozen=True, slots=True)
class RunOptions:
    """The options of `neurosim run`, one field per command-line option."""

    file: Path
    out: Path | None = None
    seed: int | None = None
    log_format: Literal["console", "json"] = "console"
    log_level: Literal["info", "debug"] = "info"
    quiet: bool = False
    force: bool = False
    plot: bool = False
    workers: int | None = None
    resume: bool = False
    save_weights: Path | None = None
    engine: EngineName = "actors"
    realtime: bool = False
    time_scale: float = DEFAULT_TIME_SCALE
    backend: backends.BackendName = "local"
    address: str | None = None
    shards: int | None = None


def stopped(stop: api.Stop, err: IO[str], message: str) -> int:
    """Say why the run stopped in one line; the exit status of the signal that stopped it."""
    print(f"neurosim: {message}", file=err)
    return EXIT_STOPPED.get(signal.Signals(stop.signum), EXIT_INTERRUPTED) if stop.signum else EXIT_INTERRUPTED
