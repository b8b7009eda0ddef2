"""The live console view."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from neurosim import ListSink, parse_scenario, run_scenario
from neurosim.engines import EngineName
from neurosim.events import FlipRun, NeuronFlipped

rich = pytest.importorskip("rich")

SCENARIO = """
name: live
seed: 1
patterns:
  random: {count: 3, size: 40}
dynamics:
  schedule: permutation
trials:
  - cue: all
    noise: {flip: 6}
"""


def test_the_live_view_passes_every_event_on_and_shows_the_last_trials() -> None:
    from rich.console import Console

    from neurosim.console import LiveView

    inner = ListSink()
    screen = io.StringIO()
    console = Console(file=screen, force_terminal=True, width=100, color_system=None)
    with LiveView(inner, 3, console) as view:
        result = run_scenario(parse_scenario(SCENARIO), view)
    shown = screen.getvalue()
    plain = ListSink()
    run_scenario(parse_scenario(SCENARIO), plain)
    assert [type(e) for e in inner.records] == [type(e) for e in plain.records]
    hits = sum(t.success for t in result.trials)
    assert f"recalled {hits}/3" in shown
    assert "3/3" in shown  # the progress bar completed
    for trial in result.trials:
        assert f"p{trial.trial}" in shown


class _BulkRecorder(ListSink):
    """A sink that notes the size of every bulk run of flips it is given."""

    def __init__(self) -> None:
        super().__init__()
        self.runs: list[int] = []

    def emit_flips(self, run: FlipRun) -> None:
        self.runs.append(len(run.times))
        super().emit_flips(run)


@pytest.mark.parametrize("engine", ["actors", "kernel"])
def test_the_live_view_keeps_the_bulk_flip_path_of_the_sink_it_wraps(engine: EngineName) -> None:
    from rich.console import Console

    from neurosim.console import LiveView

    inner = _BulkRecorder()
    console = Console(file=io.StringIO(), force_terminal=True, width=100, color_system=None)
    with LiveView(inner, 3, console) as view:
        run_scenario(parse_scenario(SCENARIO), view, engine=engine)
    flips = inner.of(NeuronFlipped)
    assert flips
    assert inner.runs
    assert sum(inner.runs) == len(flips)  # every flip came in bulk
    alone = ListSink()
    run_scenario(parse_scenario(SCENARIO), alone, engine=engine)
    assert flips == alone.of(NeuronFlipped)


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_one_rule_decides_every_progress_display(monkeypatch: pytest.MonkeyPatch) -> None:
    from neurosim import console

    assert console.live_view(False, _Terminal(), 3) is not None
    assert console.sweep_bar(False, _Terminal()) is not None
    for quiet, out in ((True, _Terminal()), (False, io.StringIO())):  # --quiet, or stdout not a terminal
        assert console.live_view(quiet, out, 3) is None
        assert console.sweep_bar(quiet, out) is None
    monkeypatch.setattr(console, "Console", None)  # rich not installed: silent
    assert console.live_view(False, _Terminal(), 3) is None
    assert console.sweep_bar(False, _Terminal()) is None


def test_a_sweep_shows_no_progress_where_nobody_watches(tmp_path: Path) -> None:
    from neurosim import cli

    path = tmp_path / "s.yaml"
    path.write_text(SCENARIO + "sweep:\n  grid:\n    trials[0].noise.flip: [2, 4]\n")
    out, err = _Terminal(), _Terminal()  # stderr a terminal too: still only the log's events, no second bar
    out.isatty = lambda: False  # type: ignore[method-assign]
    assert cli.main(["run", str(path), "--out", str(tmp_path / "r"), "--workers", "1"], stdout=out, stderr=err) == 0
    assert "points," not in err.getvalue()
    assert "\r" not in err.getvalue()
