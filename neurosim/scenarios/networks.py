"""The `network:` block of a scenario: a learning rule and its parameters, a weights file, a problem, biases."""

from __future__ import annotations

import dataclasses
import math
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from neurosim.errors import ScenarioError
from neurosim.model.graph import Connectivity
from neurosim.model.problems import MaxCut, Problem, Rooks
from neurosim.model.registry import LEARNING_RULES
from neurosim.model.sparse import SparseCouplings
from neurosim.scenarios import keys
from neurosim.scenarios.document import Entry, clipped, shown
from neurosim.scenarios.limits import MAX_LEARNING_STEPS, MAX_NEURONS
from neurosim.scenarios.problemspecs import coloring, graph_edges, spin_glass, tsp
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
    connectivity: Connectivity | None = None
    connectivity_line: int | None = None


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
    if "connectivity" in spec:
        out.connectivity = _connectivity(spec["connectivity"], n, out)
        out.connectivity_line = spec["connectivity"].line
    if "biases" in spec:
        if out.saved is not None:
            raise spec["biases"].error("saved weights carry their own biases")
        out.biases = _biases(spec["biases"], n, base)
    return out


def _connectivity(entry: Entry, size: int, out: NetworkSpec) -> Connectivity:
    """`connectivity: {in_degree: K | probability: p, symmetric: true | false}` (a diluted network)."""
    if out.weights is not None or out.saved is not None or out.problem is not None:
        raise entry.error(
            "connectivity dilutes a learned network: give patterns and a learning rule, not weights or a problem"
        )
    rule = LEARNING_RULES[out.learning]
    if rule.on_graph is None:
        on_graph = ", ".join(r.name for r in LEARNING_RULES.values() if r.on_graph is not None)
        raise entry.error(f"the {rule.name} rule has no diluted form (rules that do: {on_graph})")
    spec = entry.mapping(*keys.of("network.connectivity"))
    given = [k for k in ("in_degree", "probability") if k in spec]
    if len(given) != 1:
        raise entry.error("give one of in_degree (synapses per neuron) or probability (of each synapse)")
    kind = given[0]
    symmetric = spec["symmetric"].boolean() if "symmetric" in spec else True
    value = float(spec[kind].integer(minimum=1, maximum=MAX_NEURONS)) if kind == "in_degree" else spec[kind].number()
    connectivity = Connectivity("in_degree" if kind == "in_degree" else "probability", value, symmetric)
    problem = connectivity.problem(size)
    if problem is not None:
        raise spec[kind].error(problem)
    return connectivity


def _size_of(network: NetworkSpec) -> int | None:
    if network.weights is not None:
        return int(network.weights.shape[0])
    if network.saved is not None:
        return network.saved.size
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
        held, biases = saved.matrix, saved.biases
        if held is not None and (held.ndim != 2 or held.shape[0] != held.shape[1] or biases.shape != held.shape[:1]):
            raise entry.error(f"{clipped(path.name)} holds a matrix of shape {held.shape} and {biases.shape} biases")
        finite = held is None or bool(np.all(np.isfinite(held)))
        if not (finite and np.all(np.isfinite(biases)) and math.isfinite(saved.divisor)):
            raise entry.error(f"{clipped(path.name)} holds values that are not finite")
    except ScenarioError:
        raise
    except Exception as exc:
        raise entry.error(f"cannot read {clipped(path.name)} as a neurosim weights file: {clipped(str(exc))}") from None
    if size is not None and saved.size != size:
        raise entry.error(f"{path.name} was saved for {saved.size} neurons, the patterns have {size}")
    if names and list(saved.patterns) != names:
        raise entry.error(
            f"{path.name} was learned from patterns {', '.join(saved.patterns[:8])}"
            f"{' …' if len(saved.patterns) > 8 else ''}, not from this scenario's patterns"
        )
    out.saved = saved


def read_saved_weights(data: Any, path: Path, entry: Entry | None = None) -> SavedWeights:
    """Check and unpack a .npz file written by `--save-weights` (a matrix, or a diluted network's rows)."""
    needed = {"divisor", "biases", "rule", "patterns", "format"}
    files = set(getattr(data, "files", ()))
    sparse = files >= SPARSE_ARRAYS
    if not needed <= files or not (sparse or "matrix" in files) or str(data["format"]) != SAVED_WEIGHTS_FORMAT:
        message = f"{path.name} is not a neurosim weights file (save one with `neurosim run --save-weights`)"
        raise entry.error(message) if entry is not None else ScenarioError(message, file=path)
    biases = np.asarray(data["biases"], dtype=np.float64)
    divisor = float(data["divisor"])
    rule = str(data["rule"])
    patterns = tuple(str(n) for n in data["patterns"])
    if not sparse:
        matrix = np.asarray(data["matrix"], dtype=np.float64)
        return SavedWeights(path, matrix, divisor, biases, rule, patterns)
    couplings = _saved_rows(data, divisor, biases, rule)
    if isinstance(couplings, str):
        message = f"{path.name}: {couplings}"
        raise entry.error(message) if entry is not None else ScenarioError(message, file=path)
    return SavedWeights(path, None, divisor, couplings.biases, rule, patterns, sparse=couplings)  # type: ignore[arg-type]


#: The arrays a diluted network's weights file holds beyond a dense one's common entries.
SPARSE_ARRAYS = frozenset({"indptr", "indices", "values", "connectivity", "symmetric"})


def _saved_rows(data: Any, divisor: float, biases: Floats, rule: str) -> SparseCouplings | str:
    """A diluted network's rows from a weights file, or what is wrong with them."""
    indptr = np.asarray(data["indptr"])
    indices = np.asarray(data["indices"])
    values = np.asarray(data["values"])
    kind, value = str(data["connectivity"][0]), float(data["connectivity"][1])
    symmetric = bool(data["symmetric"])
    size = indptr.size - 1
    if indptr.ndim != 1 or indptr.dtype != np.int64 or indices.dtype != np.int32 or values.dtype.kind != "i":
        return "its rows of synapses have the wrong types"
    if size < 1 or indptr[0] != 0 or np.any(np.diff(indptr) < 0) or indptr[-1] != indices.size:
        return "its rows of synapses are not well formed"
    if indices.size != values.size or biases.shape != (size,):
        return f"{indices.size} synapses, {values.size} weights and {biases.size} biases for {size} neurons"
    rows = np.repeat(np.arange(size), np.diff(indptr))
    if indices.size and (indices.min() < 0 or indices.max() >= size or np.any(indices == rows)):
        return "its synapses name neurons outside the network, or a neuron's synapse from itself"
    if kind not in ("in_degree", "probability"):
        return f"unknown connectivity {shown(kind)}"
    connectivity = Connectivity("in_degree" if kind == "in_degree" else "probability", value, symmetric)
    return SparseCouplings(indptr, indices, values, divisor, symmetric, connectivity, biases, rule)


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
    where = graph["edges"]
    edges, declared = graph_edges(where, base)
    if edges.size == 0:
        raise where.error("the graph has no edges")
    nodes = int(edges.max()) + 1 if declared is None else declared
    if "nodes" in graph:
        nodes = graph["nodes"].integer(minimum=2, maximum=MAX_NEURONS)
    if edges.max() >= nodes:
        raise where.error(f"an edge names node {int(edges.max())}, but the graph has {nodes} nodes (0-based)")
    if np.any(edges[:, 0] == edges[:, 1]):
        raise where.error("an edge joins a node to itself")
    return MaxCut(nodes=nodes, edges=edges)


#: How each problem under `network.problem` is read.
_PROBLEMS: dict[str, Callable[[Entry, Path], Problem]] = {
    "maxcut": _maxcut,
    "rooks": _rooks,
    "coloring": coloring,
    "tsp": tsp,
    "spin_glass": spin_glass,
}
