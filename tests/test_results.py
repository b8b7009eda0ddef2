"""How a trial ended (one vocabulary) and the recall rate (one definition)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from neurosim.model.capacity import FinalKind
from neurosim.results import ENDINGS, RecallTally, ending, recall_rate, recall_tally


@dataclass(frozen=True, slots=True)
class Trial:
    cue: str | None
    recalled: str | None
    status: str = "converged"
    final_kind: FinalKind | None = None


@pytest.mark.parametrize(
    ("trial", "expected"),
    [
        (Trial("a", "a", final_kind="recalled"), "target"),
        (Trial("a", "b", final_kind="recalled"), "another pattern"),
        (Trial(None, "b", final_kind="recalled"), "another pattern"),
        (Trial("a", None, final_kind="reversed"), "reversed"),
        (Trial("a", None, final_kind="mixture"), "mixture"),
        (Trial("a", None, final_kind="other"), "spurious"),
        (Trial("a", None, status="cycle", final_kind="reversed"), "not converged"),
        (Trial("a", None, status="max_sweeps", final_kind="other"), "not converged"),
        (Trial(None, None), "no target"),
    ],
)
def test_every_way_a_trial_ends_has_one_name(trial: Trial, expected: str) -> None:
    assert ending(trial) == expected
    assert expected in ENDINGS


def test_the_endings_are_seven() -> None:
    assert ENDINGS == ("target", "another pattern", "reversed", "mixture", "spurious", "not converged", "no target")


def test_the_recall_rate_scores_only_trials_with_a_target() -> None:
    trials = [Trial("a", "a"), Trial("a", "b"), Trial(None, "a"), Trial("b", "b"), Trial("b", None)]
    tally = recall_tally(trials)
    assert (tally.hits, tally.scored, str(tally)) == (2, 4, "2/4")
    assert recall_rate(trials) == 0.5
    assert recall_rate([{"cue": "a", "recalled": "a"}, {"cue": None, "recalled": None}]) == 1.0  # sweep rows
    assert recall_rate([Trial(None, None)]) is None
    assert RecallTally().add(None, "a") == RecallTally()
