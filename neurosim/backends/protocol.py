"""The backends' vocabulary and what a backend does: `Dispatch`, which runs points and hands each back."""

from __future__ import annotations

import importlib.util
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, Protocol, get_args

if TYPE_CHECKING:
    from neurosim.api import Stop
    from neurosim.rundir import Row
    from neurosim.scenarios.sweep import Point

BackendName = Literal["local", "ray"]
#: The backends, in the order `neurosim run --backend` lists them (the first is the default).
BACKENDS: tuple[BackendName, ...] = get_args(BackendName)
#: The module each backend needs beyond the base install; its extra (`pip install 'neurosim[NAME]'`) has its name.
NEEDS: dict[BackendName, str] = {"ray": "ray"}
#: Seconds between two looks at a stop signal while points run elsewhere.
POLL_S = 0.05

#: Runs one point and returns its rows: `task(point)`, or `task(point, stop=stop)` in this process.
PointTask = Callable[..., "list[Row]"]
#: Each point as it finishes, with its rows or the one line saying why it failed (then nothing more).
Finished = Generator[tuple["Point", "list[Row] | str"], None, None]


class Dispatch(Protocol):
    """Runs a sweep's points somewhere and gives each back as it finishes."""

    @property
    def slots(self) -> int:
        """Points that run at once."""
        ...

    @property
    def capacity(self) -> int:
        """Points that could run at once: the cores of this machine, or the CPUs of the Ray cluster."""
        ...

    def finished(self, todo: Sequence[Point], task: PointTask, stop: Stop) -> Finished:
        """Run `todo`; stop starting points at a stop signal; on leaving, stop the work still running."""
        ...


class StartInterrupted(Exception):
    """A stop signal ended the start of a backend (Ray's connection); the run's `Stop` has recorded it."""


@dataclass(frozen=True, slots=True)
class Backend:
    """Where to run: a backend's name and, for Ray, the address of a cluster (None: a local instance)."""

    name: BackendName = "local"
    address: str | None = None


def missing(name: BackendName) -> str | None:
    """The one line saying which extra `name` needs when that is not installed (None: it can run)."""
    module = NEEDS.get(name)
    if module is None or importlib.util.find_spec(module) is not None:
        return None
    return f"--backend {name} needs {module}, which is not installed: pip install 'neurosim[{name}]'"
