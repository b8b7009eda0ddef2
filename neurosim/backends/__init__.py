"""Where a sweep's points run: this machine's worker processes (`local`) or tasks on a Ray cluster (`ray`).

One place decides: `opened(backend, workers)` gives a `Dispatch`, which runs
points and hands each back as it finishes, with its rows or the one line
saying why it failed; the sweep (`neurosim.sweeps.run_sweep`) writes the rows,
shows the progress and keeps what finished whatever the backend. `local` is
`local.LocalDispatch` (in this process for one worker, else a process pool);
`ray` is `ray_tasks.session`, which starts a local Ray instance for the run or
connects to the cluster at `--address`. This module stays light (the command
line reads `BACKENDS` before anything loads); Ray is imported only when it is
chosen.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from neurosim.backends.protocol import (
    BACKENDS,
    NEEDS,
    POLL_S,
    Backend,
    BackendName,
    Dispatch,
    Finished,
    PointTask,
    StartInterrupted,
    missing,
)
from neurosim.errors import OutputError


@contextlib.contextmanager
def opened(backend: Backend, workers: int | None) -> Iterator[Dispatch]:
    """A dispatch on `backend` while inside: `workers` points at once (None: all the capacity; never more).

    Ray's session (a local instance started, or a connection to a cluster)
    opens here, before the sweep writes anything, and closes on leaving: a
    local instance is stopped, a cluster is only disconnected from. SIGTERM
    while Ray connects raises `StartInterrupted` (the caller's stop signals
    have recorded it); Ctrl-C is recorded and the start goes on.
    """
    if backend.name == "local":
        if backend.address is not None:
            raise OutputError("--address applies to --backend ray")
        from neurosim.backends.local import LocalDispatch  # noqa: PLC0415 - the pool only when sweeping

        yield LocalDispatch.sized(workers)
        return
    problem = missing(backend.name)
    if problem is not None:
        raise OutputError(problem)
    from neurosim.backends import ray_tasks  # noqa: PLC0415 - Ray (a heavy import) only when it is chosen

    with ray_tasks.session(backend.address, workers) as dispatch:
        yield dispatch


__all__ = [
    "BACKENDS",
    "NEEDS",
    "POLL_S",
    "Backend",
    "BackendName",
    "Dispatch",
    "Finished",
    "PointTask",
    "StartInterrupted",
    "missing",
    "opened",
]
