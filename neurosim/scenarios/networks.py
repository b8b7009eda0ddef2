"""The `network:` block of a scenario: a learning rule and its parameters, a weights file, a problem, biases."""

from __future__ import annotations

import dataclasses
import math
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from neurosim.errors import ScenarioError
from neurosim.model.problems import MaxCut, Problem, Rooks
from neurosim.model.registry import LEARNING_RULES
from neurosim.scenarios import keys
from neurosim.scenarios.document import Entry, clipped, shown
from neurosim.scenarios.limits import MAX_EDGES, MAX_LEARNING_STEPS, MAX_NEURONS
from neurosim.scenarios.reading import read_text
from neurosim.scenarios.spec import SavedWeights
from neurosim.typing import Floats

#: The `format` entry of a weights file written by `--save-weights`.
SAVED_WEIGHTS_FORMAT = "neurosim-weights-1"


def _learning(entry: Entry) -> tuple[str, tuple[tuple[str, float], ...]]:
    names = tuple(LEARNING_RULES)
    if not entry.is_mapping:
        return entry.choice(names), ()
    spec = entry.mapping(*keys.of("network.learning"))
    rule = LEARNING_RULES[spec["rule"].choice(names)]
    params: list[tuple[str, float]] = []
    for key, item in spec.items():
        if key == "rule":
            continue
        param = rule.param(key)
        if param is None:
            takes = ", ".join(p.name for p in rule.params) or "nothing"
            raise item.error(f"the {rule.name} rule takes no {shown(key)} (it takes: {takes})")
        if param.kind == "function":  # F: {polynomial: n} (stored as n) or F: exponential (stored as inf)
            if item.is_mapping:
                polynomial = item.mapping(*keys.of("network.learning.F"))["polynomial"]
                degree = polynomial.integer(minimum=2, maximum=MAX_LEARNING_STEPS)
                params.append((key, float(degree)))
            else:
                item.choice(("exponential",))
                params.append((key, math.inf))
            continue
        value = float(item.integer(minimum=1, maximum=MAX_LEARNING_STEPS)) if param.kind == "integer" else item.number()
        if param.non_negative and value < 0.0:
            raise item.error(f"must not be negative, got {value}")
        params.append((key, value))
    return rule.name, tuple(params)


def linear(rule: str) -> bool:
    """Whether the rule's fields are linear in the state (biases and delays apply)."""
    return LEARNING_RULES[rule].linear


@dataclasses.dataclass(slots=True)
class NetworkSpec:
    """What the `network:` block gives, filled in as it is read."""

    learning: str = "hebbian"
    learning_params: tuple[tuple[str, float], ...] = ()
    learning_line: int | None = None
    biases: Floats | None = None
    weights: Floats | None = None
    saved: SavedWeights | None = None
    problem: Problem | None = None


def network_spec(entry: Entry | None, size: int | None, names: list[str], base: Path) -> NetworkSpec:
    """Read the `network:` block (None: Hebbian learning) for `size` neurons and the patterns `names`."""
    out = NetworkSpec()
    if entry is None:
        return out
    spec = entry.mapping(*keys.of("network"))
    given = [k for k in ("learning", "weights", "problem") if k in spec]
    if len(given) > 1:
        raise spec[given[1]].error(f"give one of learning, weights or problem, not {' and '.join(given)}")
    if "learning" in spec:
        out.learning, out.learning_params = _learning(spec["learning"])
        out.learning_line = spec["learning"].line
    if "weights" in spec:
        _weights(spec["weights"], size, names, base, out)
    if "problem" in spec:
        if size is not None:
            raise spec["problem"].error("a problem brings its own network: remove `patterns`")
        out.problem = _problem(spec["problem"], base)
    n = size if size is not None else _size_of(out)
    if n is None:
        raise entry.error("no network: give patterns, weights or a problem")
    if "biases" in spec:
        if out.saved is not None:
            raise spec["biases"].error("saved weights carry their own biases")
        out.biases = _biases(spec["biases"], n, base)
    return out


def _size_of(network: NetworkSpec) -> int | None:
    if network.weights is not None:
        return int(network.weights.shape[0])
    if network.saved is not None:
        return int(network.saved.matrix.shape[0])
    if network.problem is not None:
        return network.problem.size
    return None


class _Archive(dict[str, Any]):
    """The arrays of a .npz file, read while the file was open (numpy leaves a corrupt archive open)."""

    @property
    def files(self) -> list[str]:
        return list(self)


def _read_numpy(path: Path) -> Any:
    """An .npy array, mapped (its header can be checked before it is read), or an .npz archive's arrays."""
    with path.open("rb") as stream:
        if stream.read(4) != b"PK\x03\x04":  # not a zip archive: numpy maps and closes the file itself
            return np.load(path, mmap_mode="r", allow_pickle=False)
        stream.seek(0)
        with np.load(stream, allow_pickle=False) as archive:
            return _Archive((name, archive[name]) for name in archive.files)


def _load_array(entry: Entry, base: Path) -> tuple[Path, Any]:
    path = base / entry.string()
    try:
        data = _read_numpy(path)
    except FileNotFoundError:
        raise entry.error(f"file not found: {clipped(str(path))}") from None
    except Exception as exc:  # a corrupt file fails in many ways (zip, zlib, header, EOF): each is one line
        raise entry.error(f"cannot read {clipped(path.name)} as a numpy file: {clipped(str(exc))}") from None
    if isinstance(data, np.ndarray):
        if data.dtype.kind not in "biuf":
            raise entry.error(f"{clipped(path.name)} holds {clipped(str(data.dtype))} values, not real numbers")
        if any(extent > MAX_NEURONS for extent in data.shape):
            shape = clipped(str(data.shape))
            raise entry.error(f"{clipped(path.name)} holds an array of shape {shape}: at most {MAX_NEURONS:,} a side")
        try:
            data = np.array(data, dtype=np.float64)  # read now, into memory: the file may change later
        except Exception as exc:
            raise entry.error(f"cannot read {clipped(path.name)} as a numpy file: {clipped(str(exc))}") from None
    return path, data


def _weights(entry: Entry, size: int | None, names: list[str], base: Path, out: NetworkSpec) -> None:
    path, data = _load_array(entry, base)
    if isinstance(data, np.ndarray):
        matrix = np.asarray(data, dtype=np.float64)
        if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1]:
            raise entry.error(f"{path.name} holds an array of shape {matrix.shape}, not a square matrix")
        if not np.all(np.isfinite(matrix)):
            raise entry.error(f"{path.name} holds values that are not finite")
        if size is not None and matrix.shape[0] != size:
            raise entry.error(f"{path.name} is for {matrix.shape[0]} neurons, the patterns have {size}")
        out.weights = matrix
        return
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # a complex or ragged member is refused, not warned about on stderr
            saved = read_saved_weights(data, path, entry)
        matrix, biases = saved.matrix, saved.biases
        if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1] or biases.shape != matrix.shape[:1]:
            raise entry.error(f"{clipped(path.name)} holds a matrix of shape {matrix.shape} and {biases.shape} biases")
        if not (np.all(np.isfinite(matrix)) and np.all(np.isfinite(biases)) and math.isfinite(saved.divisor)):
            raise entry.error(f"{clipped(path.name)} holds values that are not finite")
    except ScenarioError:
        raise
    except Exception as exc:
        raise entry.error(f"cannot read {clipped(path.name)} as a neurosim weights file: {clipped(str(exc))}") from None
    if size is not None and saved.matrix.shape[0] != size:
        raise entry.error(f"{path.name} was saved for {saved.matrix.shape[0]} neurons, the patterns have {size}")
    if names and list(saved.patterns) != names:
        raise entry.error(
            f"{path.name} was learned from patterns {', '.join(saved.patterns[:8])}"
            f"{' …' if len(saved.patterns) > 8 else ''}, not from this scenario's patterns"
        )
    out.saved = saved


def read_saved_weights(data: Any, path: Path, entry: Entry | None = None) -> SavedWeights:
    """Check and unpack a .npz file written by `--save-weights`."""
    needed = {"matrix", "divisor", "biases", "rule", "patterns", "format"}
    files = set(getattr(data, "files", ()))
    if not needed <= files or str(data["format"]) != SAVED_WEIGHTS_FORMAT:
        message = f"{path.name} is not a neurosim weights file (save one with `neurosim run --save-weights`)"
        raise entry.error(message) if entry is not None else ScenarioError(message, file=path)
    return SavedWeights(
        path=path,
        matrix=np.asarray(data["matrix"], dtype=np.float64),
        divisor=float(data["divisor"]),
        biases=np.asarray(data["biases"], dtype=np.float64),
        rule=str(data["rule"]),
        patterns=tuple(str(n) for n in data["patterns"]),
    )


def _biases(entry: Entry, size: int, base: Path) -> Floats:
    if entry.is_sequence:
        items = entry.sequence()
        if len(items) != size:
            raise entry.error(f"{len(items)} biases for {size} neurons")
        return np.array([item.number() for item in items])
    value = entry.scalar()
    if isinstance(value, str):
        path, data = _load_array(entry, base)
        biases = np.asarray(data, dtype=np.float64)
        if biases.shape != (size,):
            raise entry.error(f"{path.name} holds {biases.shape}, expected {size} biases")
        if not np.all(np.isfinite(biases)):
            raise entry.error(f"{path.name} holds values that are not finite")
        return biases
    return np.full(size, entry.number())


def _problem(entry: Entry, base: Path) -> Problem:
    spec = entry.mapping(*keys.of("network.problem"))
    if len(spec) != 1:
        raise entry.error(f"give exactly one problem: {' or '.join(_PROBLEMS)}")
    [(name, given)] = spec.items()
    return _PROBLEMS[name](given, base)


def _rooks(entry: Entry, base: Path) -> Rooks:
    side = math.isqrt(MAX_NEURONS)  # the board's n × n rooks are n² neurons
    return Rooks(entry.mapping(*keys.of("network.problem.rooks"))["n"].integer(minimum=2, maximum=side))


def _maxcut(entry: Entry, base: Path) -> MaxCut:
    graph = entry.mapping(*keys.of("network.problem.maxcut"))
    edges_entry = graph["edges"]
    if edges_entry.is_sequence:
        pairs = []
        for item in edges_entry.sequence():
            ends = item.sequence()
            if len(ends) != 2:
                raise item.error("an edge is a pair [i, j]")
            pairs.append([end.integer(minimum=0, maximum=MAX_NEURONS - 1) for end in ends])
        edges = np.array(pairs, dtype=np.int64).reshape(-1, 2)
        where = edges_entry
    else:
        edges, where = _edge_list(edges_entry, base), edges_entry
    if edges.size == 0:
        raise where.error("the graph has no edges")
    nodes = graph["nodes"].integer(minimum=2, maximum=MAX_NEURONS) if "nodes" in graph else int(edges.max()) + 1
    if edges.max() >= nodes:
        raise where.error(f"an edge names node {int(edges.max())}, but the graph has {nodes} nodes (0-based)")
    if np.any(edges[:, 0] == edges[:, 1]):
        raise where.error("an edge joins a node to itself")
    return MaxCut(nodes=nodes, edges=edges)


#: How each problem under `network.problem` is read.
_PROBLEMS: dict[str, Callable[[Entry, Path], Problem]] = {"maxcut": _maxcut, "rooks": _rooks}


def _edge_list(entry: Entry, base: Path) -> npt.NDArray[np.int64]:
    """An edge-list file: one edge `i j` per line (0-based), `#` comments and blank lines ignored."""
    path = base / entry.string()
    try:
        lines = read_text(path, "edge-list file").splitlines()
    except ScenarioError as exc:
        raise ScenarioError(exc.one_line(), file=entry.file, line=entry.line, key=entry.key) from None
    pairs: list[list[int]] = []
    for number, line in enumerate(lines, start=1):
        text = line.split("#", 1)[0].strip()
        if not text:
            continue
        fields = text.split()
        if len(fields) < 2 or not all(f.isascii() and f.isdigit() for f in fields[:2]):
            raise ScenarioError("expected an edge `i j` (two node numbers)", file=path, line=number)
        ends = [int(fields[0]), int(fields[1])]
        if max(ends) >= MAX_NEURONS:
            raise ScenarioError(f"node {max(ends):,}: at most {MAX_NEURONS - 1:,} (0-based)", file=path, line=number)
        if len(pairs) == MAX_EDGES:
            raise ScenarioError(f"more than {MAX_EDGES:,} edges", file=path, line=number)
        pairs.append(ends)
    return np.array(pairs, dtype=np.int64).reshape(-1, 2)
