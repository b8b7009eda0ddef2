"""The bounds on scenario input, each defined once (docs/scenarios.md, "Limits", states them).

A scenario file is user input: these bounds make every input get a one-line
answer before anything large is built. They are generous (the bundled scenarios
use a small fraction of each); the memory a valid network needs is estimated
elsewhere, against the machine.
"""

from __future__ import annotations

#: Bytes in a scenario file, a pattern file, a states file or an edge-list file (a 180×180 glyph is ~33 kB).
MAX_FILE_BYTES = 16 * 2**20

#: Nesting of YAML lists and mappings (the bundled scenarios nest 5 deep); deeper input is refused, not recursed into.
MAX_DEPTH = 64

#: Values of a YAML document once its aliases are expanded (an alias bomb expands exponentially).
MAX_NODES = 1_000_000

#: Characters in one YAML value (a glyph of 1000 × 1000 neurons fits).
MAX_STRING = 2**20

#: Neurons in a network (patterns, weights, problems): 2^20; its couplings alone would need 8 TiB.
MAX_NEURONS = 2**20

#: Stored patterns (random, glyphs, vectors or files together).
MAX_PATTERNS = 2**20

#: Pattern entries P × N (one byte each): 1 GiB.
MAX_PATTERN_ENTRIES = 2**30

#: Edges of a max-cut graph.
MAX_EDGES = 2**24

#: Cities of a travelling salesman: its n × n neurons stay within MAX_NEURONS.
MAX_CITIES = 2**10

#: Spins of a spin glass: its dense couplings, all non-zero, take at most 2 GiB.
MAX_SPIN_GLASS = 2**14

#: `repeats` of one trial.
MAX_REPEATS = 1_000_000

#: Trials of one run (each trial's repeats and cues counted).
MAX_TRIALS = 10_000_000

#: Runs of one sweep (grid points × seeds).
MAX_SWEEP_POINTS = 10_000

#: `dynamics.max_sweeps`: with at most MAX_NEURONS neurons, a run's budget of wake-ups (max_sweeps · N) stays
#: below 2^60, inside the engines' 64-bit counters.
MAX_SWEEPS = 2**40

#: `sweeps` of an annealing schedule: its table of temperatures, one per sweep, takes at most 8 MiB.
MAX_ANNEALING_SWEEPS = 2**20

#: Any other whole number (seeds, sweeps, epochs, degrees): below 2^63, so it fits a 64-bit integer.
MAX_INTEGER = 2**63 - 1

#: Characters of a value echoed back in an error line (longer values end in "…").
MAX_SHOWN = 80

#: Whole-number parameters of a learning rule (epochs, a dream's sweeps, a polynomial's degree).
MAX_LEARNING_STEPS = 1_000_000

#: Values validated across a sweep (its runs × the values of its document): each point is a scenario to check.
MAX_SWEEP_VALUES = 2_000_000
