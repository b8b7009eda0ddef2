"""The layers of the package, as a test: imports point inward, no cycles, modules stay small."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import neurosim

PACKAGE = Path(neurosim.__file__).parent
#: Past this many lines a module must be one concern and say so (and why) in its docstring.
MODULE_LINES = 400


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(module: str) -> set[str]:
    """The neurosim modules `module` imports at run time (imports for type checkers only are left out)."""
    path = MODULES[module]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:  # `from pkg import module` imports the module, else a name of `base`
                found.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return {m for m in found if m in MODULES and m != module}


GRAPH = {m: _imports(m) for m in MODULES}


def _reaches(module: str) -> set[str]:
    seen: set[str] = set()
    todo = [module]
    while todo:
        for nxt in GRAPH[todo.pop()]:
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def _under(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


def test_no_module_imports_itself_back_through_others() -> None:
    cycles = sorted(m for m in MODULES if m in _reaches(m))
    assert not cycles, f"import cycles through {cycles}"


def _third_party(module: str) -> set[str]:
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("module", [m for m in MODULES if _under(m, "neurosim.model")])
def test_the_model_imports_no_asyncio_yaml_logging_or_plotting(module: str) -> None:
    assert not _third_party(module) & {"asyncio", "yaml", "structlog", "matplotlib", "rich"}
    outer = {m for m in GRAPH[module] if not _under(m, "neurosim.model")} - {"neurosim.typing", "neurosim.errors"}
    assert not outer, f"{module} imports {sorted(outer)}"


@pytest.mark.parametrize("module", [m for m in MODULES if _under(m, "neurosim.engines")])
def test_an_engine_imports_the_model_and_the_event_records_only(module: str) -> None:
    allowed = ("neurosim.model", "neurosim.engines", "neurosim.events", "neurosim.typing", "neurosim.errors")
    outer = {m for m in GRAPH[module] if not any(_under(m, a) for a in allowed)}
    assert not outer, f"{module} imports {sorted(outer)}"
    assert not _third_party(module) & {"yaml", "structlog", "matplotlib", "rich"}


@pytest.mark.parametrize("engine", ["neurosim.engines.actors", "neurosim.engines.kernel"])
def test_neither_engine_imports_the_other(engine: str) -> None:
    other = {"neurosim.engines.actors": "neurosim.engines.kernel"}.get(engine, "neurosim.engines.actors")
    for module in (m for m in MODULES if _under(m, engine)):
        assert not any(_under(m, other) for m in _reaches(module)), module


@pytest.mark.parametrize("module", [m for m in MODULES if _under(m, "neurosim.analysis")])
def test_analysis_reads_runs_and_draws_but_runs_no_simulation(module: str) -> None:
    running = ("neurosim.api", "neurosim.engines", "neurosim.sweeps", "neurosim.network", "neurosim.trials")
    assert not {m for m in _reaches(module) if any(_under(m, r) for r in running)}, module


@pytest.mark.parametrize("layer", ["neurosim.scenarios", "neurosim.model", "neurosim.engines"])
def test_inner_layers_never_reach_the_shell(layer: str) -> None:
    for module in (m for m in MODULES if _under(m, layer)):
        shell = {m for m in _reaches(module) if m in ("neurosim.cli", "neurosim.logs", "neurosim.console")}
        assert not shell, f"{module} reaches {sorted(shell)}"


@pytest.mark.parametrize("module", sorted(MODULES))
def test_a_long_module_is_one_concern_and_says_why(module: str) -> None:
    path = MODULES[module]
    lines = len(path.read_text(encoding="utf-8").splitlines())
    if lines <= MODULE_LINES:
        return
    doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
    assert "one concern" in doc.lower(), f"{path.name}: {lines} lines; its docstring must say why it is one concern"
