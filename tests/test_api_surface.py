"""The public API is pinned, and the inner layers stay free of the outer ones."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import neurosim

PACKAGE = Path(neurosim.__file__).parent


def test_the_public_api_is_exactly_this() -> None:
    assert sorted(neurosim.__all__) == [
        "Coordinator", "Couplings", "ListSink", "NeurosimError", "PatternFileError", "PatternSet",
        "Run", "RunInterrupted", "RunResult", "ScenarioError", "TrialResult", "build_network", "energy",
        "hamming", "hebbian", "is_fixed_point", "load_scenario", "local_fields", "overlaps",
        "parse_scenario", "prepare_trials", "read_pattern_file", "read_run", "record_run", "run_scenario",
        "run_scenario_async",
        "write_pattern_file",
    ]  # fmt: skip
    for name in neurosim.__all__:
        assert getattr(neurosim, name) is not None


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


FORBIDDEN = {
    "model": ("asyncio", "yaml", "structlog", "matplotlib", "neurosim.cli", "neurosim.engines", "neurosim.scenarios",
              "neurosim.api", "neurosim.logs", "neurosim.events"),
    "engines": ("yaml", "structlog", "matplotlib", "neurosim.cli", "neurosim.scenarios", "neurosim.api",
                "neurosim.logs"),
    "scenarios": ("asyncio", "structlog", "matplotlib", "neurosim.cli", "neurosim.engines", "neurosim.api"),
}  # fmt: skip


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_an_inner_layer_imports_nothing_from_the_outer_ring(layer: str) -> None:
    for path in sorted((PACKAGE / layer).rglob("*.py")):
        bad = {m for m in _imports(path) for f in FORBIDDEN[layer] if m == f or m.startswith(f + ".")}
        assert not bad, f"{path.name} imports {sorted(bad)}"


def test_nothing_imports_the_cli() -> None:
    for path in PACKAGE.rglob("*.py"):
        if path.name not in ("cli.py", "__main__.py"):
            assert "neurosim.cli" not in _imports(path), path


def test_no_module_uses_global_random_state() -> None:
    for path in PACKAGE.rglob("*.py"):
        text = path.read_text()
        assert "import random" not in text, path
        for banned in ("np.random.seed", "np.random.rand", "np.random.randint", "np.random.choice",
                       "np.random.permutation", "np.random.normal", "np.random.shuffle"):  # fmt: skip
            assert banned not in text, (path, banned)
