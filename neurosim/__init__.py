"""neurosim: Hopfield networks in which every neuron is an asyncio actor.

Layers, imports pointing only inward (tests/test_layering.py holds them to it):
  model       numpy and a few compiled helpers: patterns, learning rules and their
              registry, dense memories, problems, energy, update rules, schedules,
              streams, the seed layout
  events      frozen event records and sinks; results: frozen trial and run records
  engines     the engines behind one protocol: actors (one asyncio task per neuron)
              and kernel (the compiled loop that replays them exactly)
  scenarios   YAML in, validated frozen specs out; sweep points as overrides
  network, trials, api
              composition: scenario → network → trials → engine → results
  rundir      the run directory, a file format with one owner
  sweeps, bench
              grids of runs in worker processes; the benchmark
  analysis    reads runs and draws: figures, animations, reports
  logs, console, tables, commands, cli
              the edge: structlog configuration, the live view, the printed
              tables, what each command does, the `neurosim` command
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from neurosim.analysis.data import Run, read_run
    from neurosim.api import run_scenario, run_scenario_async
    from neurosim.engines.actors.coordinator import Coordinator
    from neurosim.errors import NeurosimError, PatternFileError, RunInterrupted, ScenarioError
    from neurosim.events import ListSink
    from neurosim.model.couplings import Couplings
    from neurosim.model.energy import energy, hamming, is_fixed_point, local_fields, overlaps
    from neurosim.model.learning import hebbian
    from neurosim.model.patterns import PatternSet
    from neurosim.network import build_network
    from neurosim.recording import record_run
    from neurosim.results import RunResult, TrialResult
    from neurosim.scenarios.loader import load_scenario, parse_scenario
    from neurosim.scenarios.patternfile import read_pattern_file, write_pattern_file
    from neurosim.trials import prepare_trials

#: Where each public name is defined. Names are imported on first use, so that `import neurosim`
#: (and the `neurosim` command, before it can answer Ctrl-C) does not load numba and the engines.
_HOMES = {
    "Run": "neurosim.analysis.data",
    "read_run": "neurosim.analysis.data",
    "record_run": "neurosim.recording",
    "run_scenario": "neurosim.api",
    "run_scenario_async": "neurosim.api",
    "Coordinator": "neurosim.engines.actors.coordinator",
    "NeurosimError": "neurosim.errors",
    "PatternFileError": "neurosim.errors",
    "RunInterrupted": "neurosim.errors",
    "ScenarioError": "neurosim.errors",
    "ListSink": "neurosim.events",
    "Couplings": "neurosim.model.couplings",
    "energy": "neurosim.model.energy",
    "hamming": "neurosim.model.energy",
    "is_fixed_point": "neurosim.model.energy",
    "local_fields": "neurosim.model.energy",
    "overlaps": "neurosim.model.energy",
    "hebbian": "neurosim.model.learning",
    "PatternSet": "neurosim.model.patterns",
    "build_network": "neurosim.network",
    "RunResult": "neurosim.results",
    "TrialResult": "neurosim.results",
    "load_scenario": "neurosim.scenarios.loader",
    "parse_scenario": "neurosim.scenarios.loader",
    "read_pattern_file": "neurosim.scenarios.patternfile",
    "write_pattern_file": "neurosim.scenarios.patternfile",
    "prepare_trials": "neurosim.trials",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'neurosim' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value  # once: later lookups find it directly
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])


__all__ = [
    "Coordinator",
    "Couplings",
    "ListSink",
    "NeurosimError",
    "PatternFileError",
    "PatternSet",
    "Run",
    "RunInterrupted",
    "RunResult",
    "ScenarioError",
    "TrialResult",
    "build_network",
    "energy",
    "hamming",
    "hebbian",
    "is_fixed_point",
    "load_scenario",
    "local_fields",
    "overlaps",
    "parse_scenario",
    "prepare_trials",
    "read_pattern_file",
    "read_run",
    "record_run",
    "run_scenario",
    "run_scenario_async",
    "write_pattern_file",
]
