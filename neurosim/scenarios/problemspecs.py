"""The graphs and cities of `network.problem`: edge lists (inline, a file, DIMACS `.col`), colouring, the salesman."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from neurosim.errors import ScenarioError
from neurosim.model.coloring import Coloring
from neurosim.model.problems import Edges
from neurosim.model.spinglass import SpinGlass
from neurosim.model.tsp import Tsp, random_cities
from neurosim.scenarios import keys
from neurosim.scenarios.document import Entry
from neurosim.scenarios.limits import MAX_CITIES, MAX_EDGES, MAX_NEURONS, MAX_SPIN_GLASS
from neurosim.scenarios.reading import read_text


def graph_edges(entry: Entry, base: Path) -> tuple[Edges, int | None]:
    """`edges:` as pairs [[i, j], ...], an edge-list file or a DIMACS `.col` file; and the node count a file gives."""
    if entry.is_sequence:
        pairs = []
        for item in entry.sequence():
            ends = item.sequence()
            if len(ends) != 2:
                raise item.error("an edge is a pair [i, j]")
            pairs.append([end.integer(minimum=0, maximum=MAX_NEURONS - 1) for end in ends])
        return np.array(pairs, dtype=np.int64).reshape(-1, 2), None
    path = base / entry.string()
    try:
        lines = read_text(path, "edge-list file").splitlines()
    except ScenarioError as exc:
        raise ScenarioError(exc.one_line(), file=entry.file, line=entry.line, key=entry.key) from None
    if path.suffix.lower() == ".col":
        return _dimacs(lines, path)
    return edge_list(lines, path), None


def edge_list(lines: list[str], path: Path) -> Edges:
    """An edge-list file: one edge `i j` per line (0-based), `#` comments and blank lines ignored."""
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


def _dimacs(lines: list[str], path: Path) -> tuple[Edges, int | None]:
    """A DIMACS graph (`c` comments, one `p edge V E` line, edges `e u v` numbered from 1), as 0-based edges."""
    nodes: int | None = None
    pairs: list[list[int]] = []
    for number, line in enumerate(lines, start=1):
        fields = line.split()
        if not fields or fields[0] == "c":
            continue
        if fields[0] == "p":
            if nodes is not None or len(fields) != 4 or not fields[2].isascii() or not fields[2].isdigit():
                raise ScenarioError("expected one problem line `p edge V E`", file=path, line=number)
            nodes = int(fields[2])
            if not 1 <= nodes <= MAX_NEURONS:
                raise ScenarioError(f"{nodes:,} vertices: 1 to {MAX_NEURONS:,}", file=path, line=number)
            continue
        if fields[0] != "e" or len(fields) != 3 or not all(f.isascii() and f.isdigit() for f in fields[1:]):
            raise ScenarioError("expected an edge `e u v` (vertices numbered from 1)", file=path, line=number)
        if nodes is None:
            raise ScenarioError("an edge before the problem line `p edge V E`", file=path, line=number)
        ends = [int(fields[1]) - 1, int(fields[2]) - 1]
        if min(ends) < 0 or max(ends) >= nodes:
            raise ScenarioError(f"a vertex outside 1..{nodes}", file=path, line=number)
        if len(pairs) == MAX_EDGES:
            raise ScenarioError(f"more than {MAX_EDGES:,} edges", file=path, line=number)
        pairs.append(ends)
    if nodes is None:
        raise ScenarioError("no problem line `p edge V E`", file=path)
    return np.array(pairs, dtype=np.int64).reshape(-1, 2), nodes


def simple_edges(edges: Edges) -> Edges:
    """Each undirected edge once (i < j), in sorted order."""
    ordered = np.sort(edges, axis=1)
    unique: Edges = np.unique(ordered, axis=0) if ordered.size else ordered
    return unique


def coloring(entry: Entry, base: Path) -> Coloring:
    """`coloring: {colors: k, edges: FILE or [[i, j], ...], nodes: n}`."""
    spec = entry.mapping(*keys.of("network.problem.coloring"))
    edges, declared = graph_edges(spec["edges"], base)
    where = spec["edges"]
    if edges.size and np.any(edges[:, 0] == edges[:, 1]):
        raise where.error("an edge joins a vertex to itself")
    highest = int(edges.max()) + 1 if edges.size else 1
    if "nodes" in spec:
        nodes = spec["nodes"].integer(minimum=1, maximum=MAX_NEURONS)
    else:
        nodes = declared if declared is not None else highest
    if highest > nodes:
        raise where.error(f"an edge names vertex {highest - 1}, but the graph has {nodes} vertices (0-based)")
    colors = spec["colors"].integer(minimum=1, maximum=MAX_NEURONS)
    if nodes * colors > MAX_NEURONS:
        raise spec["colors"].error(f"{nodes:,} vertices × {colors:,} colours: at most {MAX_NEURONS:,} neurons")
    return Coloring(nodes=nodes, colors=colors, edges=simple_edges(edges))


def tsp(entry: Entry, base: Path) -> Tsp:
    """`tsp: {cities: [[x, y], ...]}` or `tsp: {random: n, seed: s}` (n cities uniform in the unit square).

    `penalty: A` and `distance: D` weigh the one-hot squares and the length (model/tsp.py).
    """
    spec = entry.mapping(*keys.of("network.problem.tsp"))
    if ("cities" in spec) == ("random" in spec):
        raise entry.error("give cities or random (a number of cities)")
    weights = {key: _positive(spec[key]) for key in ("penalty", "distance") if key in spec}
    if "random" in spec:
        count = spec["random"].integer(minimum=3, maximum=MAX_CITIES)
        return Tsp(random_cities(count, spec["seed"].integer(minimum=0) if "seed" in spec else 0), **weights)
    if "seed" in spec:
        raise spec["seed"].error("seed goes with random")
    items = spec["cities"].sequence()
    if not 3 <= len(items) <= MAX_CITIES:
        raise spec["cities"].error(f"{len(items)} cities: 3 to {MAX_CITIES:,}")
    points = []
    for item in items:
        xy = item.sequence()
        if len(xy) != 2:
            raise item.error("a city is a pair [x, y]")
        points.append([value.number() for value in xy])
    return Tsp(np.array(points, dtype=np.float64), **weights)


def _positive(entry: Entry) -> float:
    value = entry.number()
    if value <= 0.0:
        raise entry.error(f"must be positive, got {value:g}")
    return value


def spin_glass(entry: Entry, base: Path) -> SpinGlass:
    """`spin_glass: {size: N, seed: s}`: an SK spin glass (its couplings drawn from their own `seed`, default 0)."""
    spec = entry.mapping(*keys.of("network.problem.spin_glass"))
    size = spec["size"].integer(minimum=2, maximum=MAX_SPIN_GLASS)
    return SpinGlass(size, spec["seed"].integer(minimum=0) if "seed" in spec else 0)
