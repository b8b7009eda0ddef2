"""Reading a scenario's files within the limits: bytes to text, text to a YAML document of entries.

Every input gets an answer here: a document, or one ScenarioError naming the
file and the line (and column, where the problem has one).
"""

from __future__ import annotations

from pathlib import Path

import yaml

from neurosim.errors import ScenarioError
from neurosim.scenarios.document import Entry, clipped, shown
from neurosim.scenarios.limits import MAX_DEPTH, MAX_FILE_BYTES, MAX_NODES, MAX_STRING


def read_text(path: Path, what: str, encoding: str = "utf-8") -> str:
    """The text of a file the scenario reads; refused in one line when missing, too large or not `encoding`."""
    try:
        with path.open("rb") as stream:
            data = stream.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise ScenarioError(f"{what} not found", file=path) from None
    except OSError as exc:
        raise ScenarioError(f"cannot read {what}: {exc.strerror or exc}", file=path) from None
    if len(data) > MAX_FILE_BYTES:
        raise ScenarioError(f"the {what} is larger than {MAX_FILE_BYTES:,} bytes", file=path)
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        head = data[: exc.start]
        line = head.count(b"\n") + 1
        column = len(head) - (head.rfind(b"\n") + 1) + 1
        raise ScenarioError(
            f"cannot read {what}: column {column}: not {encoding.upper()} text (the byte {data[exc.start]:#04x})",
            file=path,
            line=line,
        ) from None


class _Loader(yaml.SafeLoader):
    """PyYAML's safe loader, refusing documents nested deeper than MAX_DEPTH while it composes them."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.depth = 0

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:  # composing recurses: refuse before Python's stack does
                mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
                raise yaml.MarkedYAMLError(problem=f"nested deeper than {MAX_DEPTH} levels", problem_mark=mark)
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


def _where(text: str, position: int) -> tuple[int, int]:
    """1-based line and column of character `position` of `text`."""
    line = text.count("\n", 0, position) + 1
    return line, position - (text.rfind("\n", 0, position) + 1) + 1


def values_in(entry: Entry) -> int:
    """How many values an entry stands for, its aliases expanded."""
    return _expanded(entry.node, entry.file, {})


def _expanded(node: yaml.Node, file: Path, sizes: dict[int, int]) -> int:
    """How many values `node` stands for with its aliases expanded; refuses more than MAX_NODES, or a long value."""
    known = sizes.get(id(node))
    if known is not None:
        return known  # an alias: the same node again, counted again without walking it again
    size = 1
    if isinstance(node, yaml.ScalarNode):
        if len(node.value) > MAX_STRING:
            raise ScenarioError(
                f"a value of {len(node.value):,} characters (at most {MAX_STRING:,})",
                file=file,
                line=node.start_mark.line + 1,
            )
    elif isinstance(node, yaml.SequenceNode):
        size += sum(_expanded(item, file, sizes) for item in node.value)
    elif isinstance(node, yaml.MappingNode):
        size += sum(_expanded(k, file, sizes) + _expanded(v, file, sizes) for k, v in node.value)
    if size > MAX_NODES:
        raise ScenarioError(
            f"the document expands to more than {MAX_NODES:,} values (through aliases)",
            file=file,
            line=node.start_mark.line + 1,
        )
    sizes[id(node)] = size
    return size


def parse(text: str, file: Path) -> Entry:
    """Parse YAML text (safe loading only) into its root entry, within the limits of `limits`."""
    if len(text) > MAX_FILE_BYTES:
        raise ScenarioError(f"the file is larger than {MAX_FILE_BYTES:,} bytes", file=file)
    loader: _Loader | None = None
    try:
        loader = _Loader(text)  # reading starts here: it refuses characters YAML does not allow
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = None if mark is None else mark.line + 1
        at = "" if mark is None else f"column {mark.column + 1}: "
        problem = exc.problem or exc.context or "malformed YAML"
        raise ScenarioError(f"malformed YAML: {at}{clipped(problem)}", file=file, line=line) from None
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow
        line, column = _where(text, exc.position)
        raise ScenarioError(
            f"malformed YAML: column {column}: the character {shown(chr(exc.character))} is not allowed",
            file=file,
            line=line,
        ) from None
    except yaml.YAMLError as exc:
        raise ScenarioError(f"malformed YAML: {clipped(str(exc))}", file=file) from None
    except RecursionError:
        raise ScenarioError("malformed YAML: nested too deeply", file=file) from None
    finally:
        if loader is not None:
            loader.dispose()
    if node is None:
        raise ScenarioError("the file is empty", file=file, line=1)
    _expanded(node, file, {})
    return Entry(node, "", file, loader)
