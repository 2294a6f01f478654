"""The app's metrics equal NetworkX's on Zachary's karate club and Les Misérables, imported as GEXF."""
import io

import networkx as nx
import pytest

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


def test_large_maps_are_sampled_with_the_sample_size_reported():
    random_graph = nx.gnm_random_graph(400, 1600, seed=3)
    nodes = [graph.NodeRow(i, f"A{i}") for i in random_graph]
    edges = [graph.EdgeRow(j, a, b) for j, (a, b) in enumerate(random_graph.edges())]
    result = graph.analyse(nodes, edges)
    assert result.sample_size == graph.sample_size(400, 1600) and not result.exact
    again = graph.analyse(nodes, edges)
    assert again.betweenness == result.betweenness  # the fixed seed makes it reproducible
    exact = nx.closeness_centrality(random_graph)
    assert max(abs(result.closeness[n] - exact[n]) for n in random_graph) < 0.05


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
