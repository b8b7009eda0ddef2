"""The engines that run recalls, peers behind one protocol (`protocol.Engine`) and one registry (`ENGINES`).

- `actors`: one asyncio task per neuron (`actors/neuron.py`); live (wall-clock)
  mode is `actors/live.py`, which overrides the pacing only.
- `kernel`: the same schedule and rules as one compiled loop (`kernel/loops.py`),
  driven by `kernel/engine.py`; it replays the actors flip for flip.
- A third engine (say, a network sharded across processes) is a package here
  and one `EngineEntry` in `registry.ENGINES`; the other two do not change.

Where does a neuron decide to flip? `neurosim.model.rules.decide`: the actors
call it and the kernel compiles it. Every other piece of the dynamics has one
definition per language too; the few measured specialisations that remain are
listed, with the test that pins each to its reference, in `copies.COPIES`.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from neurosim.engines.collector import collector_paused
    from neurosim.engines.protocol import Engine, EngineFault, Outcome, Recall, Status
    from neurosim.engines.registry import ENGINES, EngineEntry, EngineName, engine_problem, open_engine
    from neurosim.engines.sharded import Sharding

#: Where each name of the package is defined; each is imported on first use, so that a light module of an
#: engine (the actors' clock) loads without numba.
_HOMES = {
    "collector_paused": "neurosim.engines.collector",
    "Sharding": "neurosim.engines.sharded",
    **dict.fromkeys(("Engine", "EngineFault", "Outcome", "Recall", "Status"), "neurosim.engines.protocol"),
    **dict.fromkeys(
        ("ENGINES", "EngineEntry", "EngineName", "engine_problem", "open_engine"), "neurosim.engines.registry"
    ),
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'neurosim.engines' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value


__all__ = [
    "ENGINES",
    "Engine",
    "EngineEntry",
    "EngineFault",
    "EngineName",
    "Outcome",
    "Recall",
    "Sharding",
    "Status",
    "collector_paused",
    "engine_problem",
    "open_engine",
]
