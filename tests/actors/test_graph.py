"""The app's metrics equal NetworkX's on Zachary's karate club and Les Misérables, imported as GEXF."""
import io
import random

import networkx as nx
import pytest
import rustworkx as rx

from najma.actors import graph, services


def _gexf(original) -> bytes:
    buffer = io.BytesIO()
    nx.write_gexf(original, buffer)
    return buffer.getvalue()


@pytest.mark.parametrize("make", [nx.karate_club_graph, nx.les_miserables_graph], ids=["karate", "lesmis"])
def test_imported_graph_metrics_equal_networkx(db, territory, make):
    original = make()
    preview = services.preview_import(territory, _gexf(original), "original.gexf")
    assert preview.ok, preview.errors
    services.apply_import(None, territory, preview)
    result = services.analysis(territory)
    by_name = {a.name: a.id for a in services.list_actors(territory)}
    node_of = {str(n) if not isinstance(n, str) else n: n for n in original}
    ids = {node_of[name]: actor_id for name, actor_id in by_name.items()}

    assert result.actor_count == original.number_of_nodes()
    assert result.tie_count == original.number_of_edges()
    assert result.exact
    assert result.density == pytest.approx(nx.density(original), abs=1e-12)
    expected = {
        "degree": dict(original.degree()),
        "betweenness": nx.betweenness_centrality(original),
        "closeness": nx.closeness_centrality(original),
        "eigenvector": nx.eigenvector_centrality(original, max_iter=graph.EIGENVECTOR_MAX_ITER,
                                                 tol=graph.EIGENVECTOR_TOL),
    }
    for metric, values in expected.items():
        mine = result.metric(metric)
        assert max(abs(mine[ids[n]] - v) for n, v in values.items()) < 1e-9, metric
    communities = nx.community.louvain_communities(original, seed=graph.SEED, weight=None)
    assert {frozenset(ids[n] for n in c) for c in communities} == {frozenset(c) for c in result.communities}
    assert set(result.articulation_points) == {ids[n] for n in nx.articulation_points(original)}
    assert {frozenset(b) for b in result.bridges} == {frozenset((ids[a], ids[b])) for a, b in nx.bridges(original)}


def test_disconnected_map_eigenvector_is_per_component_and_isolates_are_zero():
    nodes = [graph.NodeRow(i, f"A{i}") for i in range(7)]
    edges = [graph.EdgeRow(1, 0, 1), graph.EdgeRow(2, 1, 2), graph.EdgeRow(3, 2, 0), graph.EdgeRow(4, 3, 4)]
    result = graph.analyse(nodes, edges)
    assert result.eigenvector[5] == result.eigenvector[6] == 0
    assert sum(v * v for v in result.eigenvector.values()) == pytest.approx(1.0)
    # the triangle (3 of 5 connected actors) weighs more than the pair
    assert result.eigenvector[0] > result.eigenvector[3] > 0
    assert result.isolates == [5, 6]
    assert len(result.components) == 4
    assert result.bridges == [(3, 4)]


def _rows(original):
    """Rows of a NetworkX graph, actors numbered 0..n-1 in node order; ties directed if it is."""
    number = {node: i for i, node in enumerate(original)}
    nodes = [graph.NodeRow(number[node], str(node)) for node in original]
    edges = [graph.EdgeRow(j, number[a], number[b], directed=original.is_directed())
             for j, (a, b) in enumerate(original.edges())]
    return number, nodes, edges


def _directed_random():
    return nx.gnp_random_graph(120, 0.03, seed=5, directed=True)


def _disconnected_with_isolates():
    parts = nx.disjoint_union_all([nx.karate_club_graph(), nx.path_graph(6), nx.star_graph(4), nx.cycle_graph(5),
                                   nx.complete_graph(2), nx.empty_graph(4)])
    return nx.relabel_nodes(parts, {node: (node * 7) % parts.number_of_nodes() for node in parts})


@pytest.mark.parametrize("make", [nx.karate_club_graph, nx.les_miserables_graph, _directed_random,
                                  _disconnected_with_isolates],
                         ids=["karate", "lesmis", "directed-random", "disconnected-isolates"])
def test_exact_betweenness_and_closeness_equal_networkx(make):
    original = make()
    number, nodes, edges = _rows(original)
    result = graph.analyse(nodes, edges)
    assert result.exact and result.sample_size is None
    # centralities use the undirected, unweighted view (Les Misérables has weights: NetworkX called without)
    view = original.to_undirected() if original.is_directed() else original
    for metric, expected in (("betweenness", nx.betweenness_centrality(view)),
                             ("closeness", nx.closeness_centrality(view))):
        mine = result.metric(metric)
        assert len(mine) == original.number_of_nodes()
        assert max(abs(mine[number[n]] - v) for n, v in expected.items()) < 1e-9, metric
    if original.is_directed():
        assert result.in_degree == {number[n]: d for n, d in original.in_degree()}
        assert result.out_degree == {number[n]: d for n, d in original.out_degree()}


def _clustered(actors, ties, seed=1):
    """A map shaped like the benchmark's: ties mostly inside 20 groups."""
    rng = random.Random(seed)
    size = actors // 20
    pairs = set()
    while len(pairs) < ties:
        a = rng.randrange(actors)
        b = (a // size) * size + rng.randrange(size) if rng.random() < 0.8 else rng.randrange(actors)
        if a != b:
            pairs.add((min(a, b), max(a, b)))
    nodes = [graph.NodeRow(i, f"A{i}") for i in range(actors)]
    edges = [graph.EdgeRow(j, a, b) for j, (a, b) in enumerate(sorted(pairs))]
    return nodes, edges


def test_sample_size_rule():
    assert graph.sample_size(graph.EXACT_ACTORS, 10_000) is None  # the scale is exact
    assert graph.sample_size(graph.EXACT_ACTORS, 20_000) is None
    assert graph.sample_size(graph.EXACT_ACTORS + 1, 10_000) == 50  # above 2,000 actors: sampled
    assert graph.sample_size(3_000, 15_000) == graph.SAMPLE_WORK // 15_000
    assert graph.sample_size(1_500, 30_000) == graph.MIN_SAMPLE  # a dense map is sampled too
    assert graph.sample_size(2_500, 100) is None  # a sample of everyone is the exact computation


def test_two_thousand_actors_are_exact_and_reproducible():
    nodes, edges = _clustered(2_000, 10_000)
    result = graph.analyse(nodes, edges)
    assert result.sample_size is None and result.exact
    view = graph._undirected(nodes, edges)
    for node in (0, 7, 999, 1_998):
        assert result.closeness[node] == pytest.approx(nx.closeness_centrality(view, u=node), abs=1e-12)
    again, _ = graph._exact_centralities(view)
    assert again == result.betweenness  # rounded, so the parallel sum's last bits do not show
    assert result.brokers == graph._brokers(again)


def test_three_thousand_actors_are_sampled_with_the_sample_size_reported():
    nodes, edges = _clustered(3_000, 15_000, seed=2)
    result = graph.analyse(nodes, edges)
    assert result.sample_size == graph.sample_size(3_000, 15_000) == 33 and not result.exact
    view = graph._undirected(nodes, edges)
    # NetworkX's estimate with the fixed seed: reproducible
    assert result.betweenness == nx.betweenness_centrality(view, k=33, seed=graph.SEED)
    exact = rx.graph_closeness_centrality(rx.networkx_converter(view))
    order = list(view)
    assert max(abs(result.closeness[order[i]] - v) for i, v in exact.items()) < 0.05


def test_many_actors_with_few_ties_are_exact():
    sparse = nx.gnm_random_graph(2_500, 100, seed=4)
    number, nodes, edges = _rows(sparse)
    result = graph.analyse(nodes, edges)
    assert result.exact and graph.sample_size(2_500, 100) is None
    closeness = nx.closeness_centrality(sparse)
    assert max(abs(result.closeness[number[n]] - v) for n, v in closeness.items()) < 1e-9
    # NetworkX's betweenness is slow on 2,500 actors; isolates add nothing but the normalisation
    core = sparse.subgraph([n for n in sparse if sparse.degree(n)])
    scale = 2 / ((2_500 - 1) * (2_500 - 2))
    raw = nx.betweenness_centrality(core, normalized=False)  # unordered pairs
    assert max(abs(result.betweenness[number[n]] - raw.get(n, 0.0) * scale) for n in sparse) < 1e-9


def test_directed_ties_count_in_and_out():
    nodes = [graph.NodeRow(i, f"A{i}") for i in range(3)]
    edges = [graph.EdgeRow(1, 0, 1, directed=True), graph.EdgeRow(2, 1, 2, directed=False)]
    result = graph.analyse(nodes, edges)
    assert (result.out_degree[0], result.in_degree[0]) == (1, 0)
    assert (result.out_degree[1], result.in_degree[1]) == (1, 2)
    assert result.degree == {0: 1, 1: 2, 2: 1}


def test_layout_is_deterministic_and_inside_the_box():
    random_graph = nx.gnm_random_graph(600, 1500, seed=1)
    nodes = [graph.NodeRow(i, f"A{i}") for i in random_graph]
    edges = [graph.EdgeRow(j, a, b) for j, (a, b) in enumerate(random_graph.edges())]
    first, second = graph.layout(nodes, edges), graph.layout(nodes, edges)
    assert first == second and len(first) == 600
    assert all(0 <= x <= graph.WIDTH and 0 <= y <= graph.HEIGHT for x, y in first.values())
