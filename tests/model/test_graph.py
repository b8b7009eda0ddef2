"""The diluted graph: exact degrees, symmetry, rows drawn alone identically, and Hebbian weights on it."""

from __future__ import annotations

import numpy as np
import pytest

from neurosim.model.graph import BLOCK, Connectivity, draw_rows
from neurosim.model.patterns import PatternSet, random_patterns
from neurosim.model.sparse import hebbian_on_graph, weight_type

KEY = np.uint64(0xC0FFEE)
KINDS = [
    Connectivity("in_degree", 8, True),
    Connectivity("in_degree", 7, False),
    Connectivity("probability", 0.02, False),
    Connectivity("probability", 0.02, True),
]


def _rows(connectivity: Connectivity, size: int) -> list[set[int]]:
    graph = draw_rows(connectivity, size, KEY)
    out = []
    for i in range(size):
        row = graph.indices[graph.indptr[i] : graph.indptr[i + 1]].tolist()
        assert len(set(row)) == len(row)  # distinct
        out.append(set(row))
    return out


@pytest.mark.parametrize("connectivity", KINDS, ids=lambda c: c.describe())
def test_rows_name_distinct_other_neurons_and_a_symmetric_graph_is_symmetric(connectivity: Connectivity) -> None:
    size = 3000
    rows = _rows(connectivity, size)
    assert all(i not in row for i, row in enumerate(rows))
    if connectivity.kind == "in_degree":
        assert {len(row) for row in rows} == {connectivity.in_degree}
    else:  # Binomial(N − 1, p) synapses per neuron: the mean within 4 standard errors
        mean = np.mean([len(row) for row in rows])
        expected = connectivity.value * (size - 1)
        assert abs(mean - expected) < 4 * np.sqrt(expected / size)
    if connectivity.symmetric:
        assert all(i in rows[j] for i, row in enumerate(rows) for j in row)


@pytest.mark.parametrize("connectivity", KINDS, ids=lambda c: c.describe())
@pytest.mark.parametrize(("lo", "hi"), [(0, 1), (17, 18), (100, 2 * BLOCK + 5), (2 * BLOCK + 1, 3 * BLOCK + 300)])
def test_any_range_of_rows_is_drawn_alone_exactly_as_in_the_whole_graph(
    connectivity: Connectivity, lo: int, hi: int
) -> None:
    size = 3 * BLOCK + 300  # several blocks, the last one partial
    whole = draw_rows(connectivity, size, KEY)
    part = draw_rows(connectivity, size, KEY, lo, hi)
    assert np.array_equal(part.indices, whole.indices[whole.indptr[lo] : whole.indptr[hi]])
    assert np.array_equal(part.indptr, whole.indptr[lo : hi + 1] - whole.indptr[lo])


def test_another_key_draws_another_graph_and_the_same_key_the_same() -> None:
    c = Connectivity("in_degree", 10, False)
    assert np.array_equal(draw_rows(c, 500, KEY).indices, draw_rows(c, 500, KEY).indices)
    assert not np.array_equal(draw_rows(c, 500, KEY).indices, draw_rows(c, 500, KEY + np.uint64(1)).indices)


@pytest.mark.parametrize(
    ("connectivity", "size", "message"),
    [
        (Connectivity("in_degree", 5, True), 100, "a symmetric in_degree must be even"),
        (Connectivity("in_degree", 100, True), 100, "a symmetric in_degree of 100 neurons is at most 98"),
        (Connectivity("in_degree", 100, False), 100, "in_degree 100 exceeds the 99 other neurons"),
        (Connectivity("probability", 1.5, False), 100, "probability must be in (0, 1]"),
        (Connectivity("probability", 0.0, True), 100, "probability must be in (0, 1]"),
    ],
)
def test_impossible_graphs_are_refused_with_the_reason(connectivity: Connectivity, size: int, message: str) -> None:
    assert message in (connectivity.problem(size) or "")
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        draw_rows(connectivity, size, KEY)


def test_a_complete_graph_is_reached_at_the_largest_degree() -> None:
    rows = _rows(Connectivity("in_degree", 40, True), 41)
    assert all(row == set(range(41)) - {i} for i, row in enumerate(rows))
    rows = _rows(Connectivity("probability", 1.0, True), 50)
    assert all(row == set(range(50)) - {i} for i, row in enumerate(rows))


@pytest.mark.parametrize("count", [1, 7, 64, 65, 130])
@pytest.mark.parametrize("connectivity", KINDS[:3], ids=lambda c: c.describe())
def test_hebbian_weights_on_the_graph_are_the_dense_hebbian_numerators_where_a_synapse_is(
    connectivity: Connectivity, count: int
) -> None:
    size = 400
    xi = random_patterns(count, size, np.random.default_rng(count))
    couplings = hebbian_on_graph(
        PatternSet(tuple(f"p{k}" for k in range(count)), xi), draw_rows(connectivity, size, KEY), connectivity
    )
    assert couplings.values.dtype == weight_type(count)
    assert couplings.divisor == connectivity.divisor(size)
    full = xi.T.astype(np.int64) @ xi.astype(np.int64)
    w = np.zeros((size, size), dtype=np.int64)
    for i in range(size):
        idx, values = couplings.row(i)
        assert np.array_equal(values, full[i, idx])
        w[i, idx] = values
    s = xi[0]
    assert np.array_equal(couplings.product(s), (w @ s).astype(float))
    assert np.array_equal(couplings.transposed_product(s), (w.T @ s).astype(float))
    for j in range(0, size, 37):  # the fanout of j: the synapses j projects through
        targets, values = couplings.fanout(j)
        assert np.array_equal(np.sort(targets), np.flatnonzero(w[:, j] != 0) if count % 2 else np.sort(targets))
        assert np.array_equal(values, w[targets, j])
