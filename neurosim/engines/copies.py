"""Where each piece of the dynamics is defined, and every copy of it that remains.

Each piece is written once in Python and once in compiled code; a copy stays
only where it is a measured hot-path specialisation, and the tests named here
pin it to its reference (a test checks that every named test exists). Speed-ups
are per recall on `neurosim bench`'s recall workload (N = 1000, 50 random
patterns, cues with 10 % of the neurons flipped, permutation schedule).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Copy:
    """A specialisation of a piece: where it is, and why it stays (its speed-up and the workload measured)."""

    where: str
    why: str


@dataclass(frozen=True, slots=True)
class Piece:
    """One piece of the dynamics: its Python definition, its compiled one, its copies, the tests that pin them."""

    piece: str
    python: str
    compiled: str
    copies: tuple[Copy, ...]
    tests: tuple[str, ...]  # "tests/<file>.py::<test function>"


_KERNEL_TESTS = "tests/engines/test_kernel.py::"
_ACTOR_TESTS = "tests/engines/actors/test_coordinator.py::"
_DYNAMICS_TESTS = "tests/engines/actors/test_dynamics.py::"
_EQUIVALENCE = _KERNEL_TESTS + "test_actors_and_kernel_produce_identical_events_and_summaries"
_FAST_PATH = _KERNEL_TESTS + "test_the_fast_path_of_the_actors_matches_the_kernel"
_FAST_PATH_LIMITS = _KERNEL_TESTS + "test_the_fast_path_converges_and_stops_where_the_kernel_does"
_NEW_KNOBS = "tests/engines/test_engines_agree_on_new_knobs.py::"

#: The actors' fast path (`Coordinator.plain`: deterministic, undelayed, asynchronous, symmetric W without
#: self-couplings, no debug events): a woken neuron compares and flips, the coordinator accounts for the
#: flips of a whole run of wake-ups at once.
ACTOR_FAST_PATH = (
    "the actors' fast path: about 1.5 times faster per recall than the general update (Neuron.update reporting "
    "each wake-up to the coordinator), events written as JSON lines"
)
#: The kernel's plain loop (`loops._wake_plain`, for `Dynamics.plain`).
KERNEL_PLAIN_LOOP = (
    "the kernel's plain loop: calling the compiled `decide`, or writing the flip through `_flip` as the general "
    "loop does, measured 25-30 % slower per recall (compiled part)"
)

#: A small network's poisson windows, drawn in Python by the actors' iterator (`schedules.SMALL_SIZE`).
FIRST_RUN = (
    "a small network's first run: `neurosim run letters` on a fresh install, 2 shared cores, starts in about "
    "1.2 s, where compiling the window took about 5 s more (far faster); slower per wake-up than the compiled "
    "window, so only up to 128 neurons"
)

COPIES: tuple[Piece, ...] = (
    Piece(
        "decision: flip when the field opposes the state (T = 0), Glauber's heat bath (T > 0)",
        "neurosim.model.rules.decide (called by Neuron.update)",
        "rules.decide compiled as it is (kernel.loops._decide)",
        (
            Copy("Neuron._live_plain: the T = 0 sign test written out", ACTOR_FAST_PATH),
            Copy("kernel.loops._wake_plain: the T = 0 sign test written out", KERNEL_PLAIN_LOOP),
        ),
        (
            _KERNEL_TESTS + "test_the_compiled_rule_decides_as_the_python_rule",
            _FAST_PATH,
            _FAST_PATH_LIMITS,
            _ACTOR_TESTS + "test_a_tie_keeps_the_state",
        ),
    ),
    Piece(
        "the temperature of a wake-up: constant, or the annealing schedule's entry for its sweep",
        "neurosim.model.rules.temperature_at (called by Neuron.update)",
        "rules.temperature_at compiled inline as it is (kernel.loops._temperature_at, in _wake)",
        (),
        (
            _NEW_KNOBS + "test_the_compiled_temperature_is_the_python_one",
            _NEW_KNOBS + "test_actors_and_kernel_agree_flip_for_flip",
        ),
    ),
    Piece(
        "a flip's energy change",
        "neurosim.model.rules.energy_change (called by Coordinator.flipped)",
        "rules.energy_change compiled inline as it is (kernel.loops._energy_change, in _flip and _wake_plain)",
        (Copy("Coordinator._account: −2·s·u, the change without asymmetry, diagonal or delay", ACTOR_FAST_PATH),),
        (
            _KERNEL_TESTS + "test_the_compiled_energy_change_is_the_python_one",
            _ACTOR_TESTS + "test_every_flip_lowers_the_energy_by_exactly_twice_the_field",
            _KERNEL_TESTS + "test_asymmetric_weights_with_self_couplings_and_biases_track_the_true_energy",
            _FAST_PATH,
        ),
    ),
    Piece(
        "writing a flip: state, flip log, fields (and Wᵀs for an asymmetric W)",
        "neurosim.engines.actors.board.StateBoard.write",
        "kernel.loops._flip (the general loop's flips and the synchronous commit)",
        (
            Copy("StateBoard.flip: the write without delay or asymmetry, logging the decided field", ACTOR_FAST_PATH),
            Copy("kernel.loops._wake_plain: the flip written out", KERNEL_PLAIN_LOOP),
        ),
        (_EQUIVALENCE, _FAST_PATH, _FAST_PATH_LIMITS),
    ),
    Piece(
        "convergence: every neuron woke without flipping since the last visible flip, none in transit",
        "Neuron.update marks itself settled once per epoch; Coordinator.settled counts the marks",
        "kernel.loops._wake",
        (
            Copy("engines.actors.runs.settle: a whole run of wake-ups marked in one compiled pass", ACTOR_FAST_PATH),
            Copy("kernel.loops._wake_plain: the marks without delay", KERNEL_PLAIN_LOOP),
        ),
        (
            _ACTOR_TESTS + "test_the_fast_paths_bookkeeping_finds_the_wake_up_that_completes_a_quiet_epoch",
            _ACTOR_TESTS + "test_a_converged_state_is_a_fixed_point_and_needs_a_quiet_wake_up_of_every_neuron",
            _FAST_PATH_LIMITS,
            _EQUIVALENCE,
        ),
    ),
    Piece(
        "delayed catch-up: a neuron waking at t sees the flips up to t − d",
        "neurosim.engines.actors.board.StateBoard.catch_up",
        "kernel.loops._wake",
        (),
        (_DYNAMICS_TESTS + "test_a_neuron_waking_at_t_sees_exactly_the_flips_up_to_t_minus_d", _EQUIVALENCE),
    ),
    Piece(
        "the synchronous commit: the deciding neurons write, in index order",
        "Coordinator._commit (each neuron writes in Neuron.update's write phase)",
        "kernel.loops._commit",
        (),
        (_DYNAMICS_TESTS + "test_synchronous_updates_of_a_two_neuron_ferromagnet_fall_into_a_two_cycle", _EQUIVALENCE),
    ),
    Piece(
        "the poisson schedule's windows: each neuron's clock draws, ordered by time then neuron",
        "neurosim.model.schedules._small_window and _first_clocks (the iterator, up to SMALL_SIZE neurons)",
        "schedules.poisson_batch (_window, _by_time) and schedules._advance_clocks",
        (Copy("schedules._small_window: the window drawn in Python", FIRST_RUN),),
        (
            "tests/model/test_schedules.py::"
            "test_a_small_networks_poisson_windows_drawn_in_python_equal_the_compiled_windows",
            _EQUIVALENCE,
        ),
    ),
    Piece(
        "cycle detection: a state recurring at a sweep boundary",
        "neurosim.engines.protocol.CycleWatch (both drivers use it)",
        "none: a recall whose cycles are watched comes back to Python after every sweep",
        (),
        (
            "tests/engines/test_protocol.py::test_a_cycle_watch_reports_the_period_of_a_recurring_state",
            _DYNAMICS_TESTS + "test_an_antisymmetric_pair_cycles_with_period_four_under_synchronous_updates",
            _EQUIVALENCE,
        ),
    ),
)
