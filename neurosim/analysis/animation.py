"""An animated GIF of the board during one recall, replayed from the run directory.

Frame k shows the state after the first `frames[k]` flips, evenly spaced from
the start (0) to the final state, so a 25-neuron recall of 8 flips gets 9
frames and a 10,000-neuron recall of 5,000 flips gets MAX_FRAMES; the final
state is held for about a second. Beside the board, the energy descent with a
dot at the current flip.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from neurosim.analysis.extras import PlotsUnavailable
from neurosim.analysis.figures import Board, new_figure
from neurosim.rundir import PLOTS_DIR, apply_flips, read_run

try:
    from matplotlib.animation import PillowWriter
except ImportError as exc:  # pragma: no cover - matplotlib without pillow
    raise PlotsUnavailable("pillow") from exc

#: At most this many distinct frames (plus the held final frame).
MAX_FRAMES = 100
#: The recall itself lasts about this many seconds (at 2 to 20 frames per second).
SECONDS = 5.0
#: GIF pixels per inch: 7 × 3.4 inches → 560 × 272 pixels.
GIF_DPI = 80


def frame_flips(flips: int, max_frames: int = MAX_FRAMES) -> list[int]:
    """Flip counts shown by the frames: 0 (start) … `flips` (final), evenly spaced, at most `max_frames`."""
    if max_frames < 2:
        raise ValueError("an animation needs at least 2 frames")
    count = min(flips + 1, max_frames)
    return sorted({round(k * flips / (count - 1)) for k in range(count)}) if count > 1 else [0]


def frames_per_second(frames: int) -> int:
    """Play the recall in about SECONDS: between 2 and 20 frames per second."""
    return int(np.clip(round(frames / SECONDS), 2, 20))


def write_animation(
    run_dir: str | Path,
    trial: int,
    out_path: str | Path | None = None,
    *,
    overwrite: bool = False,
    max_frames: int = MAX_FRAMES,
    fps: int | None = None,
) -> Path:
    """Write a GIF of one trial's recall (default: RUN_DIR/plots/trial-K-recall.gif) and return its path."""
    run = read_run(run_dir)
    t = run.trial(trial)
    width = len(str(max(x.trial for x in run.trials)))  # the numbering of write_plots' files
    target = Path(out_path) if out_path is not None else run.path / PLOTS_DIR / f"trial-{trial:0{width}d}-recall.gif"
    if target.exists() and not overwrite:
        raise FileExistsError(f"{target} exists; pass overwrite=True (--force) to replace it")
    shown = frame_flips(t.flips, max_frames)
    rate = fps if fps is not None else frames_per_second(len(shown))
    board = Board.of(run.neurons, run.shape)

    fig = new_figure(7.0, 3.4, constrained=False)  # a fixed layout: titles that change must not move the board
    board_ax = fig.add_axes((0.03, 0.08, 0.42, 0.76))
    energy_ax = fig.add_axes((0.58, 0.16, 0.39, 0.68))
    state = t.start_state.copy()
    image = board.draw(board_ax, state)
    if board.caption:
        board_ax.set_xlabel(board.caption, fontsize=8)
    energies, times = t.energies, t.times
    energy_ax.plot(times, energies, drawstyle="steps-post", color="#a0a0a0", linewidth=1.0)
    (dot,) = energy_ax.plot([0.0], [energies[0]], marker="o", color="#c44e52")
    energy_ax.set_xlim(0.0, max(t.t_end, float(times[-1]), 1e-9))
    energy_ax.set_xlabel("simulated time", fontsize=8)
    energy_ax.set_ylabel("energy E", fontsize=8)
    energy_ax.tick_params(labelsize=7)
    title = fig.suptitle("", fontsize=10)

    target.parent.mkdir(parents=True, exist_ok=True)
    writer = PillowWriter(fps=rate)
    done = 0
    with writer.saving(fig, str(target), dpi=GIF_DPI):
        for k, count in enumerate(shown):
            apply_flips(state, t.flip_neurons[done:count], t.flip_states[done:count])
            done = count
            image.set_data(board.grid(state))
            dot.set_data([times[count]], [energies[count]])
            end = f" · {t.status}" if k == len(shown) - 1 else ""
            title.set_text(f"{run.name} · trial {t.trial} · t = {times[count]:.3g} · {count}/{t.flips} flips{end}")
            for _ in range(rate if k == len(shown) - 1 else 1):  # hold the final state about a second
                writer.grab_frame()
    return target
