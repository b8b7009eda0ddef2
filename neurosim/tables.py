"""The tables a person reads after a run or a sweep (the CLI prints them)."""

from __future__ import annotations

from typing import Any

from neurosim.results import RunResult, recall_tally
from neurosim.scenarios.spec import Scenario


def format_sweep(scenario: Scenario, keys: list[str], table: list[dict[str, Any]], outcome: Any) -> str:
    """A readable table of a sweep's results per parameter combination."""
    head = f"{scenario.name} · sweep over {', '.join(keys)} · {outcome.points} points · {outcome.seconds:.1f} s"
    columns = (*keys, "trials", "recall", "retrieval (m≥0.9)", "overlap")
    rows = [columns]
    for entry in table:
        recall, retrieval = entry["recall_rate"], entry["retrieval_rate"]
        rows.append(
            (
                *(str(entry[k]) for k in keys),
                str(entry["trials"]),
                "-" if recall is None else f"{recall:.3f} ± {entry['recall_rate_sd']:.3f}",
                "-" if retrieval is None else f"{retrieval:.3f} ± {entry['retrieval_rate_sd']:.3f}",
                "-" if entry.get("overlap") is None else f"{entry['overlap']:.3f} ± {entry['overlap_sd']:.3f}",
            )
        )
    widths = [max(len(r[k]) for r in rows) for k in range(len(columns))]
    return "\n".join(
        [head, ""] + ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    )


def format_summary(result: RunResult) -> str:
    """A readable table of a run's trials."""
    head = (
        f"{result.scenario} · seed {result.seed} · {result.neurons} neurons · {len(result.patterns)} patterns · "
        f"{result.schedule} · {len(result.trials)} trials"
        + ("" if result.status == "completed" else f" · {result.status.upper()}")
    )
    columns = ("trial", "cue", "rep", "flipped", "status", "sweeps", "flips", "energy", "recalled", "hamming", "ending")
    rows = [columns]
    for t in result.trials:
        rows.append(
            (
                str(t.trial),
                t.cue or "-",
                str(t.repeat),
                "-" if t.flipped is None else str(t.flipped),
                t.status,
                f"{t.sweeps:.2f}",
                str(t.flips),
                f"{t.energy_initial:.4g} → {t.energy_final:.4g}",
                t.recalled or "-",
                "-" if t.hamming is None else str(t.hamming),
                t.ending,
            )
        )
    widths = [max(len(r[k]) for r in rows) for k in range(len(columns))]
    lines = [head, ""]
    for r in rows:
        lines.append("  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip())
    tally = recall_tally(result.trials)
    if tally.rate is not None:
        lines += ["", f"recall rate: {tally} = {tally.rate:.3f}"]
    return "\n".join(lines)
