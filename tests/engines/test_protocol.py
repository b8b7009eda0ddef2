"""The engines are peers behind one protocol and one registry; the table of copies names real tests."""

from __future__ import annotations

import ast
import asyncio
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import neurosim
from neurosim.engines import ENGINES, EngineEntry, engine_problem, open_engine
from neurosim.engines import protocol as engine_protocol
from neurosim.engines.copies import COPIES
from neurosim.engines.protocol import DENSE_MEMORY_REFUSAL, LIVE_REFUSAL, CycleWatch
from neurosim.errors import NeurosimError
from neurosim.events import ListSink
from neurosim.model.dynamics import Dynamics
from neurosim.model.learning import DENSE_LIMIT, hebbian
from neurosim.model.patterns import PatternSet

ENGINES_DIR = Path(neurosim.__file__).parent / "engines"
ROOT = Path(__file__).parents[2]


def test_a_cycle_watch_reports_the_period_of_a_recurring_state() -> None:
    a, b, c = (np.array(s, dtype=np.int8) for s in ([1, 1], [1, -1], [-1, -1]))
    watch = CycleWatch(a)
    assert watch.period(b, 1) is None
    assert watch.period(c, 2) is None
    assert watch.period(b, 3) == 2
    assert CycleWatch(a).period(a.copy(), 1) == 1


def test_each_engine_says_what_it_refuses_before_anything_runs() -> None:
    assert engine_problem("actors", "dense", 10**6) is None
    assert engine_problem("kernel", "dense", 10) == DENSE_MEMORY_REFUSAL
    assert engine_problem("kernel", "modern", 10) == DENSE_MEMORY_REFUSAL
    assert engine_problem("kernel", "hebbian", DENSE_LIMIT + 1) is None  # low-rank: fields from the patterns
    assert engine_problem("kernel", "hebbian", DENSE_LIMIT) is None


class _Paced:
    paced = True

    def start(self) -> None:
        pass

    async def sleep_until(self, t: float) -> None:
        pass


def test_an_engine_without_a_wall_clock_refuses_live_mode() -> None:
    couplings = hebbian(PatternSet(("a",), np.ones((1, 4), dtype=np.int8)))

    async def main() -> None:
        async with open_engine("kernel", couplings, ListSink(), Dynamics(), _Paced()):
            pass

    with pytest.raises(NeurosimError, match=LIVE_REFUSAL):
        asyncio.run(main())


def test_a_third_engine_plugs_in_with_one_registry_entry(monkeypatch: pytest.MonkeyPatch) -> None:
    opened: list[str] = []

    @asynccontextmanager
    async def _open(*args: Any) -> Any:
        opened.append("sharded")
        yield "engine"

    def _opener(*args: Any) -> AbstractAsyncContextManager[Any]:
        return _open(*args)

    entry = EngineEntry("sharded", "a network sharded across processes", _opener, lambda rule, size: None, live=False)
    monkeypatch.setitem(ENGINES, "sharded", entry)
    couplings = hebbian(PatternSet(("a",), np.ones((1, 4), dtype=np.int8)))

    async def main() -> object:
        async with open_engine("sharded", couplings, ListSink(), Dynamics()) as engine:
            return engine

    assert asyncio.run(main()) == "engine"
    assert opened == ["sharded"]
    assert engine_problem("sharded", "hebbian", 10) is None


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


@pytest.mark.parametrize(("engine", "other"), [("actors", "kernel"), ("kernel", "actors")])
def test_neither_engine_imports_the_other(engine: str, other: str) -> None:
    for path in sorted((ENGINES_DIR / engine).rglob("*.py")):
        bad = {m for m in _imports(path) if m.startswith(f"neurosim.engines.{other}")}
        assert not bad, f"{path} imports {sorted(bad)}"


def test_the_protocol_module_imports_no_engine() -> None:
    assert not {m for m in _imports(Path(engine_protocol.__file__)) if m.startswith("neurosim.engines.")}


def _test_names(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    return {n.name for n in tree.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)}


def test_every_test_the_table_of_copies_names_exists() -> None:
    named = [test for piece in COPIES for test in piece.tests]
    assert named
    for test in named:
        file, name = test.split("::")
        assert name.startswith("test_"), test
        assert name in _test_names(ROOT / file), f"{test} is not a test"


def test_every_piece_with_a_copy_says_why_it_stays() -> None:
    for piece in COPIES:
        assert piece.tests, piece.piece
        for copy in piece.copies:
            assert "faster" in copy.why or "slower" in copy.why, copy  # a measured speed-up
