"""Graph analysis of an actor map: the only module of NAJMA that imports NetworkX (and rustworkx).

Graphs are rebuilt from plain rows (:class:`NodeRow`, :class:`EdgeRow`) on every call, never
pickled. The choices, stated once here and on the page:

* Centralities, communities, brokers, density and components use the **undirected simple
  view** of the map (who is tied with whom, whatever the kind and direction; parallel ties
  count once). In- and out-degree count distinct partners on the directed view, where an
  undirected tie goes both ways.
* Betweenness and closeness are exact up to :data:`EXACT_ACTORS` actors (2,000), as long as
  ``actors x ties`` stays under :data:`EXACT_WORK` (2,000 actors with 20,000 ties). The exact
  values are computed by rustworkx (Rust, parallel) on a copy of the undirected view and equal
  NetworkX's ``betweenness_centrality`` and ``closeness_centrality`` (normalised, endpoints
  excluded, unweighted, Wasserman-Faust closeness on disconnected maps); betweenness is rounded
  to 12 decimals, because the parallel sum changes its last bits from run to run.
  Above, betweenness is NetworkX's estimate from ``k`` source actors drawn with the fixed
  :data:`SEED` (``k``, bounded by :data:`SAMPLE_WORK`, is reported and stated on the page), and
  closeness is estimated from the same number of sources per component. When ``k`` would cover
  every actor, the map is computed exactly instead.
* Eigenvector centrality is computed per connected component (power iteration does not
  converge on a disconnected graph). Each component's vector, of unit length, is scaled by
  ``sqrt(size / actors in components)``, so the whole vector keeps unit length and a small
  component does not look as central as the main one. Isolated actors get 0. On a connected
  map this equals NetworkX's ``eigenvector_centrality`` (computed by rustworkx, to 1e-16).
* Communities: Louvain (``louvain_communities``, unweighted) with :data:`SEED`, numbered by
  decreasing size.
* Layout: ``spring_layout`` with :data:`SEED` below 500 actors. Above, NetworkX needs SciPy
  for its sparse solver, so each community is laid out on its own and the communities are
  placed by a spring layout of the graph of communities.
"""
from __future__ import annotations

import io
import json
import math
import random
import time
from dataclasses import dataclass, field
from typing import Iterable

import networkx as nx
import numpy as np
import rustworkx as rx

#: Seed of every random choice (sampling, Louvain, layouts): the same map gives the same picture.
SEED = 42
#: Largest map whose betweenness and closeness are exact (the issue: "exact up to about 2,000").
EXACT_ACTORS = 2_000
#: Largest ``actors x ties`` computed exactly by rustworkx (about 1 s of work; a dense map is sampled).
EXACT_WORK = 40_000_000
#: Largest ``sources x ties`` of an estimate (NetworkX, pure Python: about 1 s of work).
SAMPLE_WORK = 500_000
#: Smallest sample of source actors when estimating.
MIN_SAMPLE = 32
#: Decimals kept of exact betweenness (rustworkx's parallel sum varies in the last bits).
BETWEENNESS_DECIMALS = 12
#: Power-iteration settings of eigenvector centrality.
EIGENVECTOR_MAX_ITER = 1000
EIGENVECTOR_TOL = 1e-10
#: Size of the drawing's coordinate system (the SVG viewBox).
WIDTH, HEIGHT, MARGIN = 1000.0, 700.0, 55.0
#: Above this many actors, a community is laid out by itself (NetworkX's dense solver).
DENSE_LAYOUT_LIMIT = 500


@dataclass(frozen=True)
class NodeRow:
    """An actor as the analysis sees it."""

    id: int
    name: str
    kind: str = "other"
    sector: str | None = None
    influence: int = 0
    membership_id: int | None = None


@dataclass(frozen=True)
class EdgeRow:
    """A tie as the analysis sees it."""

    id: int
    source: int
    target: int
    kind: str = "coordination"
    directed: bool = False
    strength: int = 2


@dataclass
class Analysis:
    """Every metric of one version of a map; dictionaries are keyed by actor id."""

    actor_count: int
    tie_count: int
    density: float
    average_degree: float
    degree: dict[int, int]
    in_degree: dict[int, int]
    out_degree: dict[int, int]
    betweenness: dict[int, float]
    closeness: dict[int, float]
    eigenvector: dict[int, float]
    communities: list[list[int]]
    community_of: dict[int, int]
    components: list[list[int]]
    isolates: list[int]
    articulation_points: list[int]
    bridges: list[tuple[int, int]]
    brokers: list[int]
    sample_size: int | None = None  # None: betweenness and closeness are exact
    seconds: float = 0.0
    extra: dict = field(default_factory=dict)

    @property
    def exact(self) -> bool:
        return self.sample_size is None

    def metric(self, name: str) -> dict[int, float]:
        """One centrality by name (degree, betweenness, closeness, eigenvector, in/out degree)."""
        return getattr(self, name)


def _undirected(nodes: Iterable[NodeRow], edges: Iterable[EdgeRow]) -> nx.Graph:
    graph = nx.Graph()
    graph.add_nodes_from(node.id for node in nodes)
    graph.add_edges_from((edge.source, edge.target) for edge in edges
                         if edge.source != edge.target and edge.source in graph and edge.target in graph)
    return graph


def _directed(nodes: Iterable[NodeRow], edges: Iterable[EdgeRow]) -> nx.DiGraph:
    graph = nx.DiGraph()
    graph.add_nodes_from(node.id for node in nodes)
    for edge in edges:
        if edge.source == edge.target or edge.source not in graph or edge.target not in graph:
            continue
        graph.add_edge(edge.source, edge.target)
        if not edge.directed:
            graph.add_edge(edge.target, edge.source)
    return graph


def sample_size(actor_count: int, tie_count: int) -> int | None:
    """How many source actors the estimates use; ``None`` when the exact computation is affordable."""
    ties = max(tie_count, 1)
    if actor_count <= EXACT_ACTORS and actor_count * ties <= EXACT_WORK:
        return None
    k = max(MIN_SAMPLE, SAMPLE_WORK // ties)
    return None if k >= actor_count else k


def _rustworkx_copy(graph: nx.Graph) -> tuple[rx.PyGraph, list[int]]:
    """The undirected graph copied into rustworkx, and the actor id of each rustworkx index."""
    order = list(graph)
    index = {node: i for i, node in enumerate(order)}
    copy = rx.PyGraph(multigraph=False, node_count_hint=len(order), edge_count_hint=graph.number_of_edges())
    copy.add_nodes_from(order)
    copy.extend_from_edge_list([(index[a], index[b]) for a, b in graph.edges()])
    return copy, order


def _exact_centralities(graph: nx.Graph) -> tuple[dict[int, float], dict[int, float]]:
    """Betweenness and closeness of every actor, exact, computed by rustworkx.

    Same definitions as NetworkX's defaults on an undirected, unweighted graph: betweenness
    normalised by ``(n-1)(n-2)``, endpoints excluded; closeness with the Wasserman-Faust
    scaling ``(r/(n-1)) * (r/total distance)`` over the ``r`` actors reachable, 0 when none.
    """
    copy, order = _rustworkx_copy(graph)
    scores = rx.graph_betweenness_centrality(copy, normalized=True, endpoints=False)
    betweenness = {order[i]: round(value, BETWEENNESS_DECIMALS) for i, value in scores.items()}
    n = len(order)
    if n <= EXACT_ACTORS:
        # All distances at once (n x n floats, 32 MB at 2,000 actors): BFS in Rust, four times
        # faster than rustworkx's closeness; integer sums, so the same floats as NetworkX's.
        distances = rx.graph_distance_matrix(copy, null_value=0.0)
        reached = np.count_nonzero(distances, axis=1).astype(float)
        total = distances.sum(axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            values = np.where(total > 0, (reached / total) * (reached / (n - 1)), 0.0)
        closeness = {node: float(values[i]) for i, node in enumerate(order)}
    else:  # a sparse map of many actors, exact because its work is small
        scores = rx.graph_closeness_centrality(copy, wf_improved=True)
        closeness = {order[i]: value for i, value in scores.items()}
    return betweenness, closeness


def _sampled_closeness(graph: nx.Graph, components: list[list[int]], k: int) -> dict[int, float]:
    """Closeness (Wasserman-Faust, as NetworkX) from ``k`` BFS sources per component."""
    rng = random.Random(SEED)
    n = graph.number_of_nodes()
    result: dict[int, float] = {}
    for component in components:
        size = len(component)
        if size == 1:
            result[component[0]] = 0.0
            continue
        sources = component if size <= k else rng.sample(component, k)
        total = dict.fromkeys(component, 0)
        count = dict.fromkeys(component, 0)
        for source in sources:
            for node, distance in nx.single_source_shortest_path_length(graph, source).items():
                if node != source:
                    total[node] += distance
                    count[node] += 1
        for node in component:
            if count[node] == 0 or total[node] == 0:
                result[node] = 0.0
            else:
                result[node] = ((size - 1) / (n - 1)) / (total[node] / count[node])
    return result


def _eigenvector(graph: nx.Graph, components: list[list[int]]) -> dict[int, float]:
    """Eigenvector centrality per component, scaled so the whole vector has unit length."""
    result = dict.fromkeys(graph, 0.0)
    in_components = sum(len(c) for c in components if len(c) > 1)
    for component in components:
        if len(component) < 2:
            continue
        sub = graph if len(component) == graph.number_of_nodes() else graph.subgraph(component)
        # rustworkx's power iteration gives NetworkX's values (to 1e-16) a hundred times faster.
        copy, order = _rustworkx_copy(sub)
        try:
            scores = rx.eigenvector_centrality(copy, max_iter=EIGENVECTOR_MAX_ITER, tol=EIGENVECTOR_TOL)
            values = {order[i]: value for i, value in scores.items()}
        except rx.FailedToConverge:  # pragma: no cover - converges on every connected graph tried
            norm = math.sqrt(sum(d * d for _, d in sub.degree())) or 1.0
            values = {node: d / norm for node, d in sub.degree()}
        scale = math.sqrt(len(component) / in_components)
        for node, value in values.items():
            result[node] = value * scale
    return result


def _numbered_communities(graph: nx.Graph) -> list[list[int]]:
    if graph.number_of_nodes() == 0:
        return []
    found = nx.community.louvain_communities(graph, seed=SEED)
    return sorted((sorted(c) for c in found), key=lambda c: (-len(c), c[0]))


def _brokers(betweenness: dict[int, float], limit: int = 10) -> list[int]:
    """Actors whose betweenness is well above the rest: above the mean plus one standard deviation."""
    values = [v for v in betweenness.values()]
    if not values:
        return []
    mean = sum(values) / len(values)
    spread = math.sqrt(sum((v - mean) ** 2 for v in values) / len(values))
    threshold = mean + spread
    ranked = sorted((node for node, v in betweenness.items() if v > 0 and v >= threshold),
                    key=lambda node: (-betweenness[node], node))
    return ranked[:limit]


def analyse(nodes: list[NodeRow], edges: list[EdgeRow]) -> Analysis:
    """All the metrics of a map (see the module docstring for the choices made)."""
    started = time.perf_counter()
    graph = _undirected(nodes, edges)
    digraph = _directed(nodes, edges)
    n, m = graph.number_of_nodes(), graph.number_of_edges()
    components = sorted((sorted(c) for c in nx.connected_components(graph)), key=lambda c: (-len(c), c[0]))
    k = sample_size(n, m)
    if n < 2:
        betweenness = dict.fromkeys(graph, 0.0)
        closeness = dict.fromkeys(graph, 0.0)
    elif k is None:
        betweenness, closeness = _exact_centralities(graph)
    else:
        betweenness = nx.betweenness_centrality(graph, k=k, seed=SEED)
        closeness = _sampled_closeness(graph, components, k)
    communities = _numbered_communities(graph)
    community_of = {node: number for number, members in enumerate(communities) for node in members}
    return Analysis(
        actor_count=n,
        tie_count=len(edges),
        density=nx.density(graph) if n > 1 else 0.0,
        average_degree=(2 * m / n) if n else 0.0,
        degree=dict(graph.degree()),
        in_degree=dict(digraph.in_degree()),
        out_degree=dict(digraph.out_degree()),
        betweenness=betweenness,
        closeness=closeness,
        eigenvector=_eigenvector(graph, components),
        communities=communities,
        community_of=community_of,
        components=components,
        isolates=sorted(nx.isolates(graph)),
        articulation_points=sorted(nx.articulation_points(graph)),
        bridges=sorted(tuple(sorted(pair)) for pair in nx.bridges(graph)),
        brokers=_brokers(betweenness),
        sample_size=k,
        seconds=time.perf_counter() - started,
    )


@dataclass(frozen=True)
class Summary:
    """The few figures compared between two snapshots (cheap: no centrality)."""

    actor_count: int
    tie_count: int
    density: float
    average_degree: float
    component_count: int


def summarise(nodes: list[NodeRow], edges: list[EdgeRow]) -> Summary:
    """Density, average degree and components of a map."""
    graph = _undirected(nodes, edges)
    n, m = graph.number_of_nodes(), graph.number_of_edges()
    return Summary(n, len(edges), nx.density(graph) if n > 1 else 0.0, (2 * m / n) if n else 0.0,
                   nx.number_connected_components(graph) if n else 0)


def _fit(positions: dict, width: float = WIDTH, height: float = HEIGHT, margin: float = MARGIN) -> dict:
    """Scale positions into the drawing's box, keeping the aspect ratio."""
    if not positions:
        return {}
    xs = [p[0] for p in positions.values()]
    ys = [p[1] for p in positions.values()]
    span_x, span_y = (max(xs) - min(xs)) or 1.0, (max(ys) - min(ys)) or 1.0
    scale = min((width - 2 * margin) / span_x, (height - 2 * margin) / span_y)
    off_x = margin + ((width - 2 * margin) - span_x * scale) / 2
    off_y = margin + ((height - 2 * margin) - span_y * scale) / 2
    return {node: (round(off_x + (p[0] - min(xs)) * scale, 1), round(off_y + (p[1] - min(ys)) * scale, 1))
            for node, p in positions.items()}


def _spring(graph: nx.Graph) -> dict:
    if graph.number_of_nodes() == 1:
        return {next(iter(graph)): (0.0, 0.0)}
    if graph.number_of_nodes() < DENSE_LAYOUT_LIMIT:
        return {node: (float(p[0]), float(p[1])) for node, p in nx.spring_layout(graph, seed=SEED).items()}
    return {node: (float(p[0]), float(p[1])) for node, p in nx.circular_layout(graph).items()}


def layout(nodes: list[NodeRow], edges: list[EdgeRow], communities: list[list[int]] | None = None) -> dict:
    """Position of every actor in the ``WIDTH x HEIGHT`` box, deterministic for a map."""
    graph = _undirected(nodes, edges)
    if graph.number_of_nodes() == 0:
        return {}
    if graph.number_of_nodes() < DENSE_LAYOUT_LIMIT:
        return _fit(_spring(graph))
    groups = communities if communities is not None else _numbered_communities(graph)
    group_of = {node: number for number, members in enumerate(groups) for node in members}
    quotient = nx.Graph()
    quotient.add_nodes_from(range(len(groups)))
    for a, b in graph.edges():
        ga, gb = group_of[a], group_of[b]
        if ga != gb:
            weight = quotient.get_edge_data(ga, gb, {"weight": 0})["weight"]
            quotient.add_edge(ga, gb, weight=weight + 1)
    centres = _spring(quotient) if len(groups) < DENSE_LAYOUT_LIMIT else nx.circular_layout(quotient)
    total = graph.number_of_nodes()
    positions = {}
    for number, members in enumerate(groups):
        radius = 0.9 * math.sqrt(len(members) / total)
        local = _spring(graph.subgraph(members))
        xs = [p[0] for p in local.values()]
        ys = [p[1] for p in local.values()]
        cx, cy = (max(xs) + min(xs)) / 2, (max(ys) + min(ys)) / 2
        half = max(max(xs) - min(xs), max(ys) - min(ys)) / 2 or 1.0
        ox, oy = centres[number]
        for node, (x, y) in local.items():
            positions[node] = (ox * 2 + (x - cx) / half * radius, oy * 2 + (y - cy) / half * radius)
    return _fit(positions)


def _export_graph(nodes: list[dict], edges: list[dict]) -> nx.MultiDiGraph | nx.MultiGraph:
    """A NetworkX multigraph of exported rows (directed when any tie is)."""
    graph = nx.MultiDiGraph() if any(edge.get("directed") for edge in edges) else nx.MultiGraph()
    for node in nodes:
        attributes = {key: value for key, value in node.items() if key != "id" and value not in (None, "")}
        graph.add_node(str(node["id"]), **attributes)
    for edge in edges:
        attributes = {key: value for key, value in edge.items()
                      if key not in ("id", "source", "target") and value not in (None, "")}
        attributes["weight"] = edge.get("strength", 1)
        graph.add_edge(str(edge["source"]), str(edge["target"]), key=str(edge["id"]), **attributes)
    return graph


def export_bytes(nodes: list[dict], edges: list[dict], fmt: str) -> bytes:
    """The map in ``fmt`` (gexf, graphml or json: node-link), written by NetworkX.

    ``nodes`` carry ``id`` and ``label`` plus attributes; ``edges`` carry ``id``, ``source``,
    ``target`` and attributes (booleans stay booleans, dates are ISO strings).
    """
    graph = _export_graph(nodes, edges)
    if fmt == "json":
        data = nx.node_link_data(graph, edges="links")
        return json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8")
    buffer = io.BytesIO()
    if fmt == "gexf":
        nx.write_gexf(graph, buffer)
    elif fmt == "graphml":
        nx.write_graphml(graph, buffer)
    else:
        raise ValueError(fmt)
    return buffer.getvalue()
