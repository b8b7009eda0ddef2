"""neurosim: Hopfield networks in which every neuron is an asyncio actor.

Layers, imports pointing only downwards:
  model       numpy (and a few compiled helpers): patterns, learning rules and their
              registry, dense memories, problems, energy, noise, dynamics, schedules,
              streams, the seed layout
  events      frozen event records; results: frozen trial and run records
  runtime     the actor engine: board, neuron, coordinator, clocks
  kernel      the compiled engine that replays the actors' dynamics exactly
  scenarios   YAML in, validated frozen specs out
  network     scenario → stored patterns and couplings; trials: starts, schedules, results
  api         the run composition: network → engine → results, with the run's events
  analysis    benchmark, sweeps, figures, reports, live view (the outer ring)
  logs, cli   the edge: structlog configuration, the `neurosim` command
"""

from neurosim.api import run_scenario, run_scenario_async
from neurosim.engines.actors.coordinator import Coordinator
from neurosim.errors import NeurosimError, PatternFileError, RunInterrupted, ScenarioError
from neurosim.events import ListSink
from neurosim.model.couplings import Couplings
from neurosim.model.energy import energy, hamming, is_fixed_point, local_fields, overlaps
from neurosim.model.learning import hebbian
from neurosim.model.patterns import PatternSet
from neurosim.network import build_network
from neurosim.results import RunResult, TrialResult
from neurosim.scenarios.loader import load_scenario, parse_scenario
from neurosim.scenarios.patternfile import read_pattern_file, write_pattern_file
from neurosim.trials import prepare_trials

__all__ = [
    "Coordinator",
    "Couplings",
    "ListSink",
    "NeurosimError",
    "PatternFileError",
    "PatternSet",
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
    "run_scenario",
    "run_scenario_async",
    "write_pattern_file",
]
