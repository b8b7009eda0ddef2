"""Figures of a run, drawn from its directory alone: recall, flip raster, overlaps, energies, outcomes.

Every figure function takes a `RunRecord` (see `neurosim.rundir`) and
returns a matplotlib `Figure`, whose artists carry the data exactly (the energy
line is `gid="energy"`, the raster's marks `gid="flips-up"` / `"flips-down"`,
the overlap lines `gid="overlap:NAME"`); `write_plots` writes a run's figures
as PNG files and returns their paths.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from neurosim.analysis.figures import (
    CELL_LIMIT,
    DOWN,
    UP,
    Board,
    draw_strips,
    integer_ticks,
    new_figure,
    refuse_existing,
    write_figure,
)
from neurosim.analysis.recall_curve import recall_curve_figure
from neurosim.analysis.trials import describe_final, select_trials
from neurosim.results import ENDINGS, Ending
from neurosim.rundir import (
    PLOTS_DIR,
    SUMMARY_FILE,
    RunDirError,
    RunRecord,
    TrialRecord,
    parameter_columns,
    read_run,
    read_sweep,
)
from neurosim.typing import Floats, Spins

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

#: At most this many stored patterns get a panel (target and recalled first, then by |overlap|).
PATTERN_PANELS = 6
#: The run-level energy figure draws at most this many trials.
ENERGY_TRIALS = 200
#: The colour of each ending (`results.Ending`), in the order the outcomes figure stacks them (ENDINGS).
ENDING_COLOURS: dict[Ending, str] = dict(
    zip(ENDINGS, ("#55a868", "#8172b2", "#dd8452", "#ccb974", "#c44e52", "#8c8c8c", "#64b5cd"), strict=True)
)


def _pattern_panels(run: RunRecord, trial: TrialRecord) -> list[str]:
    overlaps: dict[str, float] = trial.summary.get("overlaps", {})
    first = [n for n in (trial.cue, trial.recalled) if n is not None and n in run.patterns]
    rest = sorted((n for n in run.patterns if n not in first), key=lambda n: -abs(overlaps.get(n, 0.0)))
    return list(dict.fromkeys(first + rest))[:PATTERN_PANELS]


def _step(ax: Axes, x: Floats, y: Floats, t_end: float, gid: str, **style: Any) -> None:
    """A step line through exactly (x, y), held at its last value until `t_end` by a second line."""
    (line,) = ax.plot(x, y, drawstyle="steps-post", gid=gid, **style)
    if t_end > x[-1]:
        rest = {k: v for k, v in style.items() if k not in ("label", "marker", "color")}
        ax.plot([x[-1], t_end], [y[-1], y[-1]], color=line.get_color(), gid=gid + ":rest", **rest)


def _energy_axes(ax: Axes, trial: TrialRecord) -> None:
    energies, times = trial.energies, trial.times
    marker = "." if trial.flips <= 200 else None
    _step(ax, times, energies, trial.t_end, "energy", color="#202020", marker=marker, linewidth=1.2)
    rises = np.flatnonzero(np.diff(energies) > 0) + 1
    if 0 < rises.size <= 100:
        ax.plot(times[rises], energies[rises], linestyle="none", marker="^", markersize=4, color=UP, gid="rises")
    if rises.size:
        ax.text(0.98, 0.95, f"{rises.size} rises", transform=ax.transAxes, ha="right", va="top", color=UP)
    ax.set_xlabel("simulated time")
    ax.set_ylabel("energy E")
    ax.set_xlim(0.0, max(trial.t_end, float(times[-1]), 1e-9))
    period = trial.summary.get("period")
    ax.set_title(
        f"{trial.status}"
        + (f" (period {period})" if period else "")
        + f" · {trial.flips} flips · t = {trial.t_end:.3g}",
        fontsize=10,
    )
    ax.grid(alpha=0.3)


def recall_figure(run: RunRecord, trial: int) -> Figure:
    """Stored patterns (when known), start, final state and target beside the energy descent."""
    t = run.trial(trial)
    board = Board.of(run.neurons, run.shape)
    target = run.target(t)
    off = "" if target is None else f" · {{}} off {t.cue}"
    start_off = "" if target is None else off.format(int(np.sum(t.start_state != target)))
    final_off = "" if target is None or t.success else off.format(int(np.sum(t.final_state != target)))
    main: list[tuple[str, Spins, Spins | None]] = [
        (f"start{start_off}", t.start_state, None if target is None else t.start_state != target),
        (f"final: {describe_final(t)}{final_off}", t.final_state, None if target is None else t.final_state != target),
    ]
    if target is not None:
        main.append((f"target {t.cue}", target, None))
    if board.kind != "strip":  # small panels side by side: the role on one line, the details on the next
        main = [(label.replace(": ", "\n", 1).replace(" · ", "\n", 1), state, marks) for label, state, marks in main]
    overlaps: dict[str, float] = t.summary.get("overlaps", {})
    names = _pattern_panels(run, t)
    stored = [(f"{n} (m = {overlaps[n]:+.2f})" if n in overlaps else n, run.patterns[n], None) for n in names]
    more = len(run.patterns) - len(names)
    note = _pattern_note(run) + (f", {more} more not shown" if more > 0 else "")
    if target is not None and board.cells <= CELL_LIMIT:
        note += " · ● differs from the target"

    fig = new_figure(11.0, 4.6 if board.kind == "strip" else 5.2)
    halves = fig.add_gridspec(1, 2, width_ratios=[1.25, 1.0])
    left, right = fig.add_subfigure(halves[0]), fig.add_subfigure(halves[1])
    if board.kind == "strip":
        ax = left.subplots()
        rows = [*stored, *main]
        draw_strips(ax, [r[1] for r in rows], [r[0] for r in rows], [r[2] for r in rows])
        ax.set_title(note, fontsize=9)
    else:
        columns = max(len(stored), len(main))
        grid = left.add_gridspec(2 if stored else 1, columns)
        for k, (label, state, _) in enumerate(stored):
            board.draw(left.add_subplot(grid[0, k]), state, title=label)
        for k, (label, state, marks) in enumerate(main):
            board.draw(left.add_subplot(grid[-1, k]), state, title=label, marks=marks)
        left.suptitle(note + (f" · {board.caption}" if board.caption else ""), fontsize=9)
    _energy_axes(right.subplots(), t)
    heading = f"{run.name} · trial {t.trial} · " + (f"cue {t.cue}, " if t.cue else "") + f"repeat {t.repeat}"
    measure = t.summary.get("measure")
    if isinstance(measure, dict):  # an optimisation problem's score of the final state
        heading += " · " + ", ".join(f"{k} {v}" for k, v in measure.items() if k != "problem")
    fig.suptitle(heading, fontsize=12)
    return fig


def _pattern_note(run: RunRecord) -> str:
    if run.pattern_source == "summary":
        return "stored patterns"
    if run.pattern_source == "recalled":
        return "patterns known from recalled final states"
    if not run.pattern_names:
        return "no stored patterns"
    return f"stored patterns unknown (not in {SUMMARY_FILE})"


def raster_figure(run: RunRecord, trial: int) -> Figure:
    """Every flip of a trial as one mark at (time, neuron), coloured by the new state."""
    t = run.trial(trial)
    fig = new_figure(9.0, 4.5)
    ax = fig.subplots()
    height_pt = 4.5 * 72 * 0.7
    size = float(np.clip((height_pt / run.neurons) ** 2, 16.0, 80.0))
    up = t.flip_states > 0
    for mask, colour, gid, label in ((up, UP, "flips-up", "to +1"), (~up, DOWN, "flips-down", "to −1")):
        ax.scatter(
            t.flip_times[mask],
            t.flip_neurons[mask],
            s=size,
            marker="|",
            linewidths=1.0,
            color=colour,
            gid=gid,
            label=f"{label} ({int(mask.sum())})",
        )
    if t.flips == 0:
        ax.text(0.5, 0.5, "no flips", transform=ax.transAxes, ha="center", va="center")
    else:
        ax.legend(loc="upper right", fontsize=8, markerscale=max(1.0, 8.0 / np.sqrt(size)))
    ax.set_xlim(0.0, max(t.t_end, float(t.times[-1]), 1e-9))
    ax.set_ylim(-0.5, run.neurons - 0.5)
    ax.set_xlabel("simulated time")
    ax.set_ylabel("neuron")
    ax.set_title(f"{run.name} · trial {t.trial} · {t.flips} flips of {run.neurons} neurons", fontsize=11)
    ax.grid(alpha=0.3, axis="x")
    return fig


def overlap_figure(run: RunRecord, trial: int) -> Figure:
    """Overlap m_μ(t) with each known stored pattern, replayed flip by flip from the start."""
    t = run.trial(trial)
    if not run.patterns:
        raise RunDirError(f"{run.path}: no stored pattern is known ({SUMMARY_FILE} has no stored_patterns)")
    fig = new_figure(9.0, 4.5)
    ax = fig.subplots()
    shown = set(_pattern_panels(run, t))
    for name, pattern in run.patterns.items():
        style: dict[str, Any] = {"linewidth": 0.8, "color": "#c0c0c0"}
        if name in shown:
            style = {"linewidth": 2.2 if name == t.cue else 1.3, "label": name + (" (target)" if name == t.cue else "")}
        _step(ax, t.times, t.overlap_series(pattern), t.t_end, f"overlap:{name}", **style)
    if "mean_overlaps" in t.summary and t.t_end > 0:
        ax.axvspan(t.t_end / 2, t.t_end, color="#e0e0e0", alpha=0.5, label="averaging window")
    ax.axhline(0.0, color="#808080", linewidth=0.5)
    ax.set_ylim(-1.05, 1.05)
    ax.set_xlim(0.0, max(t.t_end, float(t.times[-1]), 1e-9))
    ax.set_xlabel("simulated time")
    ax.set_ylabel("overlap m = ξ·s / N")
    ax.legend(loc="lower right", fontsize=8)
    ax.set_title(f"{run.name} · trial {t.trial} · {_pattern_note(run)}", fontsize=11)
    ax.grid(alpha=0.3)
    return fig


def energies_figure(run: RunRecord) -> Figure:
    """The energy descent of every trial (the first ENERGY_TRIALS), coloured by outcome."""
    fig = new_figure(9.0, 4.5)
    ax = fig.subplots()
    drawn = run.trials[:ENERGY_TRIALS]
    for t in drawn:
        colour = ENDING_COLOURS[t.ending]
        _step(ax, t.times, t.energies, t.t_end, f"energy:{t.trial}", color=colour, linewidth=0.9, alpha=0.7)
    for name in dict.fromkeys(t.ending for t in drawn):
        ax.plot([], [], color=ENDING_COLOURS[name], label=name)
    ax.set_xlabel("simulated time")
    ax.set_ylabel("energy E")
    shown = f"first {len(drawn)} of {len(run.trials)}" if len(drawn) < len(run.trials) else f"{len(drawn)}"
    ax.set_title(f"{run.name} · energy of {shown} trials", fontsize=11)
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    return fig


def outcomes_figure(run: RunRecord) -> Figure:
    """How the trials of each cue ended, as stacked bars."""
    cues = list(dict.fromkeys(t.cue or "(none)" for t in run.trials))
    counts = {name: np.zeros(len(cues)) for name in ENDING_COLOURS}
    for t in run.trials:
        counts[t.ending][cues.index(t.cue or "(none)")] += 1
    fig = new_figure(9.0, max(2.2, 1.0 + 0.45 * len(cues)))
    ax = fig.subplots()
    left = np.zeros(len(cues))
    for name, colour in ENDING_COLOURS.items():
        if counts[name].any():
            bars = ax.barh(cues, counts[name], left=left, color=colour, label=name, gid=f"outcome:{name}")
            ax.bar_label(bars, [f"{c:.0f}" if c else "" for c in counts[name]], label_type="center", fontsize=8)
            left += counts[name]
    ax.invert_yaxis()
    integer_ticks(ax.xaxis)
    ax.set_xlabel("trials")
    ax.set_ylabel("cue")
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    ax.set_title(f"{run.name} · how {len(run.trials)} trials ended", fontsize=11)
    return fig


def write_plots(
    run_dir: str | Path,
    out_dir: str | Path | None = None,
    *,
    trials: Sequence[int] | None = None,
    overwrite: bool = False,
) -> list[Path]:
    """Write a run's figures as PNG files (default: RUN_DIR/plots/) and return their paths.

    Run figures: `outcomes.png`, `energies.png`; per trial (default: `select_trials`):
    `trial-K-recall.png`, `trial-K-raster.png` and, when stored patterns are known,
    `trial-K-overlaps.png`. A sweep's directory gets `recall-PARAMETER.png` for
    each swept parameter. Nothing is written if any of them exists, unless `overwrite`.
    """
    run = read_run(run_dir)
    out = run.path / PLOTS_DIR if out_dir is None else Path(out_dir)
    chosen = select_trials(run) if trials is None else list(trials)
    for k in chosen:
        run.trial(k)  # an unknown trial fails before anything is written
    plan: list[tuple[Path, Callable[[], Figure]]] = []
    sweep = run.sweep_csv
    if sweep is not None:
        header, _ = read_sweep(sweep)
        for parameter in [str(p) for p in run.summary.get("parameters", [])] or parameter_columns(header):
            plan.append(
                (out / f"recall-{parameter}.png", partial(recall_curve_figure, sweep, parameter, title=run.name))
            )
    if run.trials:
        plan += [
            (out / "outcomes.png", partial(outcomes_figure, run)),
            (out / "energies.png", partial(energies_figure, run)),
        ]
    width = len(str(max((t.trial for t in run.trials), default=0)))
    for k in chosen:
        stem = out / f"trial-{k:0{width}d}"
        plan.append((stem.with_name(stem.name + "-recall.png"), partial(recall_figure, run, k)))
        plan.append((stem.with_name(stem.name + "-raster.png"), partial(raster_figure, run, k)))
        if run.patterns:
            plan.append((stem.with_name(stem.name + "-overlaps.png"), partial(overlap_figure, run, k)))
    if not overwrite:
        refuse_existing([path for path, _ in plan])
    return [write_figure(build(), path, overwrite=overwrite) for path, build in plan]
