"""YAML documents whose values remember where they were written.

The loader walks these entries instead of plain Python values, so every error
can name the file, the line and the key path (`trials[0].noise.flip`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

from neurosim.errors import NeurosimError, ScenarioError
from neurosim.scenarios.limits import MAX_INTEGER, MAX_SHOWN

_FLOAT = re.compile(r"^[-+]?(\d+(\.\d*)?|\.\d+)[eE][-+]?\d+$")
_INDEX = re.compile(r"^(?P<key>[^\[\]]+)(?:\[(?P<index>\d+)\])?$")
_STR = "tag:yaml.org,2002:str"
_MAP = "tag:yaml.org,2002:map"


def clipped(text: str) -> str:
    """`text` on one line (line breaks and other unprintable characters escaped), at most MAX_SHOWN characters."""
    if not text.isprintable():
        text = text.encode("unicode_escape").decode("ascii")
    return text if len(text) <= MAX_SHOWN else text[: MAX_SHOWN - 1] + "…"


def shown(value: Any) -> str:
    """A value as an error line echoes it: its repr, on one line, cut to MAX_SHOWN characters."""
    return clipped(repr(value))


def _key_path(parent: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{parent}[{key}]"
    key = clipped(key)
    return f"{parent}.{key}" if parent else key


class Entry:
    """One value of a YAML document, with its file, line and key path."""

    __slots__ = ("_key_line", "_loader", "file", "key", "node")

    def __init__(
        self, node: yaml.Node, key: str, file: Path, loader: yaml.SafeLoader, key_line: int | None = None
    ) -> None:
        self.node = node
        self.key = key
        self.file = file
        self._loader = loader
        self._key_line = key_line

    @property
    def line(self) -> int:
        """1-based line of the value's key (or of the value itself, for list items and the root)."""
        if self._key_line is not None:
            return self._key_line
        return int(self.node.start_mark.line) + 1

    def error(self, message: str) -> ScenarioError:
        """Return a ScenarioError that points at this value."""
        return ScenarioError(message, file=self.file, line=self.line, key=self.key or None)

    def with_node(self, node: yaml.Node) -> Entry:
        """This entry holding another value (an overridden copy of it), at the same key path."""
        return Entry(node, self.key, self.file, self._loader, self._key_line)

    def without(self, key: str) -> Entry:
        """This mapping without `key`, the original left as it is."""
        assert isinstance(self.node, yaml.MappingNode)
        pairs = [(k, v) for k, v in self.node.value if not _is_key(k, key)]
        return self.with_node(_mapping(self.node, pairs))

    def _child(self, node: yaml.Node, key: str | int, key_node: yaml.Node | None = None) -> Entry:
        key_line = None if key_node is None else int(key_node.start_mark.line) + 1
        return Entry(node, _key_path(self.key, key), self.file, self._loader, key_line)

    def _construct(self, node: yaml.Node) -> Any:
        """Build a scalar's value; values YAML cannot build are scenario errors, not tracebacks."""
        if isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:merge":
            raise ScenarioError(
                "merge keys (<<) are not supported", file=self.file, line=node.start_mark.line + 1, key=self.key or None
            )
        try:
            return self._loader.construct_object(node, deep=True)
        except Exception as exc:  # PyYAML's constructors fail on odd tagged values in many ways (KeyError, …)
            problem = getattr(exc, "problem", None) or str(exc) or type(exc).__name__
            raise ScenarioError(
                f"cannot read this value: {clipped(problem)}",
                file=self.file,
                line=node.start_mark.line + 1,
                key=self.key or None,
            ) from None

    @property
    def is_mapping(self) -> bool:
        return isinstance(self.node, yaml.MappingNode)

    @property
    def is_sequence(self) -> bool:
        return isinstance(self.node, yaml.SequenceNode)

    def mapping(self, allowed: Iterable[str], required: Iterable[str] = ()) -> dict[str, Entry]:
        """Return the entries of a mapping, refusing unknown, duplicate and missing keys."""
        if not isinstance(self.node, yaml.MappingNode):
            raise self.error(f"expected a mapping, got {self._kind()}")
        allowed = tuple(allowed)
        out: dict[str, Entry] = {}
        for key_node, value_node in self.node.value:
            key = self._construct(key_node)
            where = ScenarioError
            if not isinstance(key, str):
                raise where(
                    f"keys must be strings, got {shown(key)}",
                    file=self.file,
                    line=key_node.start_mark.line + 1,
                    key=self.key or None,
                )
            if key not in allowed:
                hint = ", ".join(allowed)
                raise where(
                    f"unknown key {shown(key)} (expected one of: {hint})",
                    file=self.file,
                    line=key_node.start_mark.line + 1,
                    key=_key_path(self.key, key),
                )
            if key in out:
                raise where(
                    "duplicate key", file=self.file, line=key_node.start_mark.line + 1, key=_key_path(self.key, key)
                )
            out[key] = self._child(value_node, key, key_node)
        for key in required:
            if key not in out:
                raise self.error(f"missing key {shown(key)}")
        return out

    def named(self) -> dict[str, Entry]:
        """Return a mapping whose keys are free names (pattern names)."""
        if not isinstance(self.node, yaml.MappingNode):
            raise self.error(f"expected a mapping of names, got {self._kind()}")
        out: dict[str, Entry] = {}
        for key_node, value_node in self.node.value:
            line = int(key_node.start_mark.line) + 1
            if not isinstance(key_node, yaml.ScalarNode) or not key_node.value:
                raise ScenarioError("names must be plain text", file=self.file, line=line, key=self.key or None)
            if not str(key_node.value).isprintable():
                raise ScenarioError(
                    f"names must be printable text (no line breaks or tabs), got {shown(key_node.value)}",
                    file=self.file,
                    line=line,
                    key=self.key or None,
                )
            name = str(key_node.value)  # as written: `NO` and `1` are names, not a boolean and a number
            if name in out:
                raise ScenarioError("duplicate name", file=self.file, line=line, key=_key_path(self.key, name))
            out[name] = self._child(value_node, name, key_node)
        return out

    def plain(self) -> Any:
        """Return the value (scalar, list or mapping) as plain Python data."""
        return self._construct(self.node)

    def is_scalar_text(self, value: str) -> bool:
        """True when this is the plain scalar `value` (for keywords such as `random`)."""
        return isinstance(self.node, yaml.ScalarNode) and self.node.value == value and self.node.style is None

    def text(self) -> str:
        """Return a scalar exactly as written (for names, which YAML would otherwise read as booleans)."""
        if not isinstance(self.node, yaml.ScalarNode):
            raise self.error(f"expected a single value, got {self._kind()}")
        return str(self.node.value)

    def sequence(self) -> list[Entry]:
        """Return the items of a sequence."""
        if not isinstance(self.node, yaml.SequenceNode):
            raise self.error(f"expected a list, got {self._kind()}")
        return [self._child(item, k) for k, item in enumerate(self.node.value)]

    def scalar(self) -> Any:
        """Return a scalar's Python value (str, int, float, bool or None)."""
        if not isinstance(self.node, yaml.ScalarNode):
            raise self.error(f"expected a single value, got {self._kind()}")
        return self._construct(self.node)

    def string(self) -> str:
        value = self.scalar()
        if not isinstance(value, str):
            raise self.error(f"expected a string, got {shown(value)}")
        return value

    def integer(self, minimum: int | None = None, maximum: int = MAX_INTEGER) -> int:
        value = self.scalar()
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.error(f"expected an integer, got {shown(value)}")
        if minimum is not None and value < minimum:
            raise self.error(f"must be at least {minimum}, got {shown(value)}")
        if value > maximum:
            raise self.error(f"must be at most {maximum:,}, got {shown(value)}")
        return value

    def number(self) -> float:
        value = self.scalar()
        if isinstance(value, str) and _FLOAT.match(value.strip()):
            value = float(value)  # YAML 1.1 reads 1e-3 (no dot) as a string
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.error(f"expected a number, got {shown(value)}")
        if not math.isfinite(value):
            raise self.error(f"expected a finite number, got {shown(value)}")
        return float(value)

    def boolean(self) -> bool:
        value = self.scalar()
        if not isinstance(value, bool):
            raise self.error(f"expected true or false, got {shown(value)}")
        return value

    def fraction(self) -> float:
        value = self.number()
        if not 0.0 <= value <= 1.0:
            raise self.error(f"must be a fraction between 0 and 1, got {value}")
        return value

    def choice(self, options: Iterable[str]) -> str:
        options = tuple(options)
        value = self.scalar()
        if value not in options:
            raise self.error(f"expected one of {', '.join(options)}, got {shown(value)}")
        return str(value)

    def _kind(self) -> str:
        if isinstance(self.node, yaml.MappingNode):
            return "a mapping"
        if isinstance(self.node, yaml.SequenceNode):
            return "a list"
        return shown(self._construct(self.node))


# ---- overrides: a document with some values replaced, as a sweep point is ---


def _is_key(node: yaml.Node, name: str) -> bool:
    """True when `node` is the mapping key `name` (a string, as `yaml.safe_load` would read it)."""
    return isinstance(node, yaml.ScalarNode) and node.tag == _STR and node.value == name


def _position(node: yaml.MappingNode, name: str) -> int | None:
    found = [k for k, (key, _) in enumerate(node.value) if _is_key(key, name)]
    return found[-1] if found else None  # a repeated key: the last one wins, as when loading plain data


def _mapping(like: yaml.MappingNode, pairs: list[tuple[yaml.Node, yaml.Node]]) -> yaml.MappingNode:
    return yaml.MappingNode(like.tag, pairs, like.start_mark, like.end_mark, flow_style=like.flow_style)


def _marked(node: yaml.Node, mark: yaml.Mark) -> yaml.Node:
    node.start_mark = node.end_mark = mark
    if isinstance(node, yaml.SequenceNode):
        for item in node.value:
            _marked(item, mark)
    elif isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            _marked(key, mark)
            _marked(value, mark)
    return node


def _assigned(node: yaml.Node, parts: list[str], depth: int, value: yaml.Node, mark: yaml.Mark) -> yaml.Node:
    """A copy of `node` with `value` at `parts[depth:]`; only the nodes along the path are new."""
    match = _INDEX.match(parts[depth])
    if match is None:
        raise NeurosimError(f"cannot read the key path {'.'.join(parts)!r}")
    if not isinstance(node, yaml.MappingNode):
        raise NeurosimError(f"{'.'.join(parts[:depth])} is not a mapping")
    name, index = match["key"], match["index"]
    last = depth == len(parts) - 1
    pairs = list(node.value)
    position = _position(node, name)
    child = None if position is None else pairs[position][1]
    new: yaml.Node
    if index is None:
        if last:
            new = value
        else:  # a missing mapping on the way is created, an empty one
            made = child if child is not None else yaml.MappingNode(_MAP, [], mark, mark)
            new = _assigned(made, parts, depth + 1, value, mark)
    else:
        if not isinstance(child, yaml.SequenceNode) or int(index) >= len(child.value):
            raise NeurosimError(f"{name}[{index}] does not exist")
        items = list(child.value)
        at = int(index)
        items[at] = value if last else _assigned(items[at], parts, depth + 1, value, mark)
        new = yaml.SequenceNode(child.tag, items, child.start_mark, child.end_mark, flow_style=child.flow_style)
    if position is None:
        pairs.append((yaml.ScalarNode(_STR, name, mark, mark), new))
    else:
        pairs[position] = (pairs[position][0], new)
    return _mapping(node, pairs)


def override(root: Entry, key: str, value: Any, line: int) -> Entry:
    """The document with plain `value` at key path `key` (`trials[0].noise.flip`); `root` is left as it is.

    Mappings missing on the way are created. The new value reads as if written at
    `line` (1-based), so an error in it points there.

    Raises:
        NeurosimError: the key path cannot be followed (a list index that does not exist, a value
            that is not a mapping).
    """
    mark = yaml.Mark(str(root.file), 0, line - 1, 0, None, 0)
    represented = yaml.representer.SafeRepresenter(sort_keys=False).represent_data(value)
    return root.with_node(_assigned(root.node, key.split("."), 0, _marked(represented, mark), mark))


def lookup(root: Entry, key: str) -> Any:
    """The plain value at a dotted key path through mappings, or None where the path is missing."""
    node = root.node
    for name in key.split("."):
        position = _position(node, name) if isinstance(node, yaml.MappingNode) else None
        if position is None:
            return None
        node = node.value[position][1]
    return root.with_node(node).plain()
