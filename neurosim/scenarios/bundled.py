"""The bundled scenarios: shipped inside the package, run by name, listed, copied out to edit.

They live in the repository's `scenarios/` directory; the package reaches it as
`neurosim/bundled` (a link in the source tree, a copy in the wheel: setuptools'
package data), so there is one copy of each file. A scenario's one-line
description is its own `description:` (`neurosim scenarios` reads it); its side files (a pattern file, an edge
list, the schema its editor comment names) are the bundled files it names.
"""

from __future__ import annotations

import importlib.resources
import shutil
from pathlib import Path

from neurosim.errors import OutputError, ScenarioError

#: The suffix of a scenario file.
SUFFIX = ".yaml"


def directory() -> Path:
    """Where the bundled scenarios are (inside the installed package, or the source tree's `scenarios/`)."""
    return Path(str(importlib.resources.files("neurosim") / "bundled"))


def names() -> list[str]:
    """The bundled scenarios' names, sorted."""
    return sorted(p.stem for p in directory().glob(f"*{SUFFIX}"))


def resolve(given: str | Path) -> Path:
    """A scenario file as given, else the bundled scenario of that name; otherwise one line saying what exists."""
    path = Path(given)
    if path.is_file():
        return path
    text = str(given)
    name = text.removesuffix(SUFFIX)
    if name in names() and "/" not in text and "\\" not in text:
        return directory() / f"{name}{SUFFIX}"
    if path.exists():
        return path  # a directory: the loader says it cannot be read
    if "/" in text or "\\" in text or path.suffix:
        raise ScenarioError("scenario file not found", file=path)
    raise ScenarioError(f"no such scenario file or bundled scenario (bundled: {', '.join(names())})", file=path)


def side_files(name: str) -> list[Path]:
    """The other bundled files the scenario `name` names (pattern files, edge lists, the schema)."""
    text = (directory() / f"{name}{SUFFIX}").read_text(encoding="utf-8")
    return [p for p in sorted(directory().iterdir()) if p.suffix != SUFFIX and p.is_file() and p.name in text]


def copy(name: str, target: Path) -> list[Path]:
    """Write the bundled scenario `name` and its side files into the directory `target`; refuses to overwrite."""
    if name not in names():
        raise OutputError(f"{name}: no bundled scenario of that name (bundled: {', '.join(names())})")
    sources = [directory() / f"{name}{SUFFIX}", *side_files(name)]
    if target.exists() and not target.is_dir():
        raise OutputError(f"{target}: not a directory")
    written = [target / p.name for p in sources]
    for path in written:
        if path.exists():
            raise OutputError(f"{path}: exists; copy into another directory or remove it first")
    target.mkdir(parents=True, exist_ok=True)
    for source, path in zip(sources, written, strict=True):
        shutil.copyfile(source, path)
    return written
