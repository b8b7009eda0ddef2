"""Which trials of a run get figures, and a short phrase for how each ended."""

from __future__ import annotations

from neurosim.results import Ending
from neurosim.rundir import RunRecord, TrialRecord


def describe_final(trial: TrialRecord) -> str:
    """A short phrase for the final state: `recalled X`, `reversed X`, `spurious`, `cycle, period 2`, …."""
    kind = trial.ending
    if trial.recalled is not None:
        return f"recalled {trial.recalled}"
    if kind == "reversed":
        names = [k for k, m in trial.summary.get("overlaps", {}).items() if m == -1.0]
        return f"reversed {names[0]}" if names else "reversed"
    if kind == "not converged":
        period = trial.summary.get("period")
        return trial.status + (f", period {period}" if period else "")
    return {"mixture": "mixture", "no target": "fixed point"}.get(kind, "spurious")


def select_trials(run: RunRecord, limit: int = 6) -> list[int]:
    """The first trial of each distinct (cue, ending), in trial order, at most `limit`."""
    seen: set[tuple[str | None, Ending]] = set()
    chosen: list[int] = []
    for t in run.trials:
        key = (t.cue, t.ending)
        if key not in seen and len(chosen) < limit:
            seen.add(key)
            chosen.append(t.trial)
    return chosen
