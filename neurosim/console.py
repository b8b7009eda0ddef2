"""The one progress display: a rich progress bar, over a run's trials (the live view) or a sweep's points.

It is shown by one rule (`watched`): rich is installed (`pip install
'neurosim[live]'`), stdout is a terminal and `--quiet` is not given;
otherwise nothing is shown. Both displays draw the same bar (`progress_bar`).
The live view is an event sink that wraps the run's own sink, so it sees
exactly what the log sees; runs of flips pass through to that sink in bulk (it
is a `FlipSink`); beside the bar it shows the current trial and the last results.
"""

from __future__ import annotations

import contextlib
import time
from collections import deque
from collections.abc import Iterator
from typing import IO, Any

from neurosim.events import Event, FlipRun, NeuronFlipped, RunStarted, TrialFinished, TrialStarted, flip_writer
from neurosim.results import RecallTally
from neurosim.typing import EventSink

try:
    from rich.console import Console, Group
    from rich.live import Live
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
    from rich.table import Table
except ImportError:  # pragma: no cover - the extra is missing
    Console = None  # type: ignore[assignment,misc]  # the view is simply not offered

#: Redraw at most this often, so that a view never slows a run down.
REFRESH_PER_SECOND = 8


def available() -> bool:
    """True when rich is installed."""
    return Console is not None


def watched(quiet: bool, out: IO[str]) -> bool:
    """Whether to show progress: rich installed, `out` (stdout) a terminal, no --quiet."""
    return not quiet and out.isatty() and available()


def progress_bar(console: Any) -> Any:
    """The progress bar every display draws: what, the bar, done of total, time elapsed."""
    columns = (TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    return Progress(*columns, console=console)


class LiveView:
    """Wraps a sink; shows trials done, the current trial's energy and flips, and the last results."""

    def __init__(self, inner: EventSink, trials: int, console: Any = None, *, recent: int = 6) -> None:
        if Console is None:
            raise RuntimeError("the live view needs rich: pip install 'neurosim[live]'")
        self._inner = inner
        self._write_flips = flip_writer(inner)
        self.console = console or Console(stderr=False)
        self._progress = progress_bar(self.console)
        self._task = self._progress.add_task("trials", total=trials)
        self._recent: deque[tuple[str, ...]] = deque(maxlen=recent)
        self._current: dict[str, Any] = {}
        self._tally = RecallTally()
        self._last_draw = 0.0
        self._live = Live(self._render(), console=self.console, refresh_per_second=REFRESH_PER_SECOND, transient=False)

    @property
    def verbose(self) -> bool:
        return self._inner.verbose

    @property
    def discards(self) -> bool:
        return False  # the view shows the flips, whatever the inner sink does with them

    def __enter__(self) -> LiveView:
        self._live.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._live.update(self._render())
        self._live.__exit__(None, None, None)

    def emit_flips(self, run: FlipRun) -> None:
        """Pass a run of flips on in bulk; the view keeps the last flip's energy and time, and the count."""
        self._write_flips(run)
        if run.times:
            self._flipped(run.energies[-1], run.times[-1], len(run.times))

    def _flipped(self, energy: float, t: float, count: int) -> None:
        current = self._current
        current["energy"], current["t"] = energy, t
        current["flips"] = current.get("flips", 0) + count
        now = time.monotonic()
        if now - self._last_draw < 1.0 / REFRESH_PER_SECOND:
            return  # cheap: most flips only update numbers
        self._last_draw = now
        self._live.update(self._render())

    def emit(self, event: Event) -> None:
        self._inner.emit(event)
        if isinstance(event, NeuronFlipped):
            self._flipped(event.energy, event.t, 1)
            return
        if isinstance(event, RunStarted):
            self._progress.update(self._task, description=f"{event.scenario} · {event.neurons} neurons")
        elif isinstance(event, TrialStarted):
            self._current = {"trial": event.trial, "cue": event.cue, "energy": event.energy, "t": 0.0, "flips": 0}
        elif isinstance(event, TrialFinished):
            cue = self._current.get("cue")
            self._tally = self._tally.add(cue, event.recalled)
            self._recent.append(
                (
                    str(event.trial),
                    cue or "-",
                    event.status,
                    str(event.flips),
                    f"{event.energy:.4g}",
                    event.recalled or "-",
                )
            )
            self._progress.advance(self._task)
        self._live.update(self._render())

    def _render(self) -> Any:
        table = Table(title="last trials", expand=False)
        for column in ("trial", "cue", "status", "flips", "energy", "recalled"):
            table.add_column(column)
        for row in self._recent:
            table.add_row(*row)
        current = self._current
        line = ""
        if current:
            line = (
                f"trial {current['trial']} · cue {current.get('cue') or '-'} · t = {current['t']:.2f} · "
                f"flips {current['flips']} · energy {current['energy']:.4g}"
            )
        rate = f"recalled {self._tally}" if self._tally.scored else ""
        return Group(self._progress, line, rate, table)


class ViewFactory:
    """Makes the live view around the run's sink once the sink exists."""

    def __init__(self, trials: int, stream: IO[str]) -> None:
        self.trials = trials
        self.stream = stream

    @contextlib.contextmanager
    def wrapping(self, sink: EventSink) -> Iterator[EventSink]:
        with LiveView(sink, self.trials, Console(file=self.stream)) as view:
            yield view


def live_view(quiet: bool, out: IO[str], trials: int) -> ViewFactory | None:
    """The live view over a run's trials, when someone watches (`watched`), else None."""
    return ViewFactory(trials, out) if watched(quiet, out) else None


def sweep_bar(quiet: bool, out: IO[str]) -> Any:
    """The progress bar over a sweep's points, when someone watches (`watched`), else None."""
    return progress_bar(Console(file=out)) if watched(quiet, out) else None
