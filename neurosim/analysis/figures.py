"""matplotlib for neurosim: figures drawn off-screen (Agg), written as PNG, and boards of ±1 states.

Figures are plain `Figure` objects with their own Agg canvas; pyplot and its
global state are never used, so nothing here changes a caller's backend.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np

from neurosim.analysis.extras import PlotsUnavailable
from neurosim.typing import Floats, Indices, Spins

try:
    from matplotlib.axes import Axes
    from matplotlib.axis import Axis
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.colors import ListedColormap
    from matplotlib.figure import Figure
    from matplotlib.image import AxesImage
    from matplotlib.ticker import MaxNLocator
except ImportError as exc:
    raise PlotsUnavailable("matplotlib") from exc

DPI = 100
#: Without a glyph shape, up to this many neurons are drawn as one strip; more are folded into rows.
STRIP_LIMIT = 100
#: Cell borders and per-cell marks are drawn on boards of at most this many cells.
CELL_LIMIT = 400
#: −1 light, +1 dark (a glyph's '#'); padding cells of a folded board are transparent.
SPINS = ListedColormap(["#f0f0f0", "#202020"], name="spins").with_extremes(bad=(1.0, 1.0, 1.0, 0.0))
#: Flips to +1 and to −1; cells that differ from the target.
UP, DOWN, MARK = "#c44e52", "#4c72b0", "#e8a33d"

BoardKind = Literal["glyph", "strip", "folded"]


def new_figure(width: float, height: float, *, constrained: bool = True) -> Figure:
    """A figure of `width` × `height` inches with its own Agg canvas."""
    fig = Figure(figsize=(width, height), dpi=DPI, layout="constrained" if constrained else None)
    FigureCanvasAgg(fig)
    return fig


def figure_png(fig: Figure, dpi: float = DPI) -> bytes:
    """The figure as PNG bytes."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


def write_figure(fig: Figure, path: str | Path, *, overwrite: bool = False) -> Path:
    """Write the figure as a PNG file; an existing file is kept (FileExistsError) unless `overwrite`."""
    target = Path(path)
    data = figure_png(fig)
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("wb" if overwrite else "xb") as out:
        out.write(data)
    return target


def integer_ticks(axis: Axis) -> None:
    """Ticks at whole numbers only (counts)."""
    axis.set_major_locator(MaxNLocator(integer=True))


def refuse_existing(paths: list[Path]) -> None:
    """Raise FileExistsError naming the first of `paths` that exists."""
    for path in paths:
        if path.exists():
            raise FileExistsError(f"{path} exists; pass overwrite=True (--force) to replace it")


@dataclass(frozen=True, slots=True)
class Board:
    """How N neurons are laid out as an image: a glyph's rows × cols, one strip, or rows of a folded vector."""

    rows: int
    cols: int
    kind: BoardKind

    @classmethod
    def of(cls, neurons: int, shape: tuple[int, int] | None) -> Board:
        """The glyph shape when known; else a strip, or near-square rows (row-major) for many neurons."""
        if shape is not None:
            return cls(shape[0], shape[1], "glyph")
        if neurons <= STRIP_LIMIT:
            return cls(1, neurons, "strip")
        cols = math.ceil(math.sqrt(neurons))
        return cls(math.ceil(neurons / cols), cols, "folded")

    @property
    def cells(self) -> int:
        """Cells of the image (a folded board pads the last row)."""
        return self.rows * self.cols

    @property
    def caption(self) -> str:
        """What the image's axes mean."""
        if self.kind == "folded":
            return f"neurons row-major, {self.cols} per row"
        return "neurons" if self.kind == "strip" else ""

    def grid(self, state: Spins) -> Floats:
        """The state as a rows × cols float image, NaN in padding cells."""
        image = np.full(self.cells, np.nan)
        image[: state.size] = state
        return image.reshape(self.rows, self.cols)

    def cell(self, neurons: Indices) -> tuple[Indices, Indices]:
        """Row and column of each neuron."""
        rows, cols = np.divmod(neurons, self.cols)
        return rows, cols

    def draw(self, ax: Axes, state: Spins, *, title: str = "", marks: Spins | None = None) -> AxesImage:
        """Draw the state on `ax`; `marks` (a boolean mask) dots the cells that differ from a target."""
        image = ax.imshow(
            self.grid(state),
            cmap=SPINS,
            vmin=-1,
            vmax=1,
            interpolation="nearest",
            aspect="auto" if self.kind == "strip" else "equal",
        )
        ax.set_xticks([])
        ax.set_yticks([])
        if title:
            ax.set_title(title, fontsize=9)
        if self.cells <= CELL_LIMIT:
            _cell_borders(ax, self.rows, self.cols)
            if marks is not None and marks.any():
                rows, cols = self.cell(np.flatnonzero(marks))
                size = max(2.0, min(6.0, 60.0 / max(self.rows, self.cols, 10)))
                ax.plot(cols, rows, linestyle="none", marker="o", markersize=size, color=MARK, gid="marks")
        return image


def draw_strips(ax: Axes, states: list[Spins], labels: list[str], marks: list[Spins | None]) -> AxesImage:
    """Draw 1-D states as the rows of one image, labelled, neuron index along x."""
    image = ax.imshow(
        np.vstack(states).astype(np.float64), cmap=SPINS, vmin=-1, vmax=1, interpolation="nearest", aspect="auto"
    )
    ax.set_yticks(range(len(labels)), labels, fontsize=9)
    ax.set_xlabel("neuron")
    n = states[0].size
    if n <= CELL_LIMIT:
        _cell_borders(ax, len(states), n)
        for row, mask in enumerate(marks):
            if mask is not None and mask.any():
                cols = np.flatnonzero(mask)
                ax.plot(cols, np.full(cols.size, row), linestyle="none", marker="o", markersize=4, color=MARK)
    return image


def _cell_borders(ax: Axes, rows: int, cols: int) -> None:
    """Thin lines between cells (two collections: far cheaper than a grid of minor ticks)."""
    ax.vlines(np.arange(0.5, cols - 1), -0.5, rows - 0.5, colors="#b0b0b0", linewidth=0.5)
    ax.hlines(np.arange(0.5, rows - 1), -0.5, cols - 0.5, colors="#b0b0b0", linewidth=0.5)
