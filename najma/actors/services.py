"""Actor map rules: actors and ties, imports, analysis (cached per map version), governance
findings, snapshots and their comparison, and the national view.

Every write goes through one function here, in one transaction, with an audit event, and
bumps the territory's map version so cached analyses and layouts are never stale.
"""
from __future__ import annotations

import threading
from collections import Counter, OrderedDict
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy import orm

from najma import audit
from najma.actors import graph, io
from najma.actors.models import KIND_FAMILY, KIND_SECTOR, Actor, ActorMap, ActorSnapshot, Tie
from najma.errors import DomainError
from najma.extensions import db
from najma.geography.models import Commune
from najma.governance.models import Body, Membership
from najma.governance.services import Finding
from najma.models_base import utcnow
from najma.territories.models import Territory
from najma.vocab import ACTOR_KINDS, REQUIRED_COMMITTEE_SECTORS, SECTORS, STANCES, TIE_KINDS, label

ACTOR_FIELDS = ("name", "kind", "sector", "commune_id", "latitude", "longitude", "influence", "stance",
                "membership_id", "description")
TIE_FIELDS = ("source_id", "target_id", "kind", "directed", "strength", "since", "until", "evidence", "note_id")
#: Centralities the picture can size nodes by.
SIZE_METRICS = ("influence", "degree", "betweenness", "closeness", "eigenvector")
#: Bodies whose seats count as "a seat on the commission or the committee".
SEAT_BODIES = ("commission", "committee")
_CACHE_SIZE = 64
_cache: OrderedDict = OrderedDict()
_cache_lock = threading.Lock()


# --- the map row and its version -----------------------------------------------------------------

def map_of(territory: Territory) -> ActorMap | None:
    """The territory's map row (None until the first actor is added)."""
    return db.session.execute(sa.select(ActorMap).where(ActorMap.territory_id == territory.id)).scalar_one_or_none()


def _touch(territory_id: int) -> ActorMap:
    """Bump the map's version (creating its row); caches keyed on the old version go stale."""
    actor_map = db.session.execute(
        sa.select(ActorMap).where(ActorMap.territory_id == territory_id)).scalar_one_or_none()
    if actor_map is None:
        actor_map = ActorMap(territory_id=territory_id, version=1)
        db.session.add(actor_map)
    else:
        actor_map.version = (actor_map.version or 0) + 1
    actor_map.updated_at = utcnow()
    return actor_map


def _cached(key: tuple, compute):
    with _cache_lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    value = compute()
    with _cache_lock:
        _cache[key] = value
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return value


def clear_cache() -> None:
    """Forget every cached analysis and layout (tests, benchmarks)."""
    with _cache_lock:
        _cache.clear()


# --- reading -----------------------------------------------------------------------------------

def list_actors(territory: Territory) -> list[Actor]:
    """The territory's actors by name, with their commune and seat (one query)."""
    return list(db.session.execute(
        sa.select(Actor).where(Actor.territory_id == territory.id)
        .options(orm.selectinload(Actor.commune), orm.selectinload(Actor.membership).joinedload(Membership.body))
        .order_by(Actor.name)).scalars())


def list_ties(territory: Territory) -> list[Tie]:
    """The territory's ties with both ends loaded."""
    return list(db.session.execute(
        sa.select(Tie).where(Tie.territory_id == territory.id)
        .options(orm.joinedload(Tie.source), orm.joinedload(Tie.target)).order_by(Tie.id)).scalars())


def ties_of(actor: Actor) -> list[Tie]:
    """Every tie of one actor, with both ends loaded."""
    return list(db.session.execute(
        sa.select(Tie).where(sa.or_(Tie.source_id == actor.id, Tie.target_id == actor.id))
        .options(orm.joinedload(Tie.source), orm.joinedload(Tie.target), orm.joinedload(Tie.note))
        .order_by(Tie.kind, Tie.id)).scalars())


def map_rows(territory_id: int) -> tuple[list[graph.NodeRow], list[graph.EdgeRow]]:
    """The plain rows the analysis works on (two narrow queries)."""
    nodes = [graph.NodeRow(*row) for row in db.session.execute(
        sa.select(Actor.id, Actor.name, Actor.kind, Actor.sector, Actor.influence, Actor.membership_id)
        .where(Actor.territory_id == territory_id).order_by(Actor.id))]
    edges = [graph.EdgeRow(*row) for row in db.session.execute(
        sa.select(Tie.id, Tie.source_id, Tie.target_id, Tie.kind, Tie.directed, Tie.strength)
        .where(Tie.territory_id == territory_id).order_by(Tie.id))]
    return nodes, edges


def cached_rows(territory: Territory) -> tuple[list[graph.NodeRow], list[graph.EdgeRow]]:
    """``map_rows``, read once per map version."""
    return _cached(_key(territory, "rows"), lambda: map_rows(territory.id))


def actors_by_id(ids: list[int]) -> list[Actor]:
    """Some actors, in the order of ``ids`` (one query)."""
    found = {a.id: a for a in db.session.execute(sa.select(Actor).where(Actor.id.in_(ids))).scalars()}
    return [found[i] for i in ids if i in found]


def _key(territory: Territory, what: str) -> tuple:
    actor_map = map_of(territory)
    if actor_map is None:
        return (territory.id, "empty", 0, what)
    return (territory.id, actor_map.token, actor_map.version, what)


def analysis(territory: Territory) -> graph.Analysis:
    """The map's metrics, computed once per map version (in-process LRU cache)."""
    def compute():
        nodes, edges = cached_rows(territory)
        return graph.analyse(nodes, edges)

    return _cached(_key(territory, "analysis"), compute)


@dataclass(frozen=True)
class Drawing:
    """Everything the SVG needs, computed once per map version and size metric."""

    nodes: list[dict]
    edges_by_kind: dict[str, dict[bool, list[tuple]]]
    labelled: int
    communities: int


def drawing(territory: Territory, size_by: str = "influence") -> Drawing:
    """Positions, radii and classes of the picture, cached with the map version."""
    size_by = size_by if size_by in SIZE_METRICS else "influence"
    result = analysis(territory)

    def compute_positions():
        nodes, edges = cached_rows(territory)
        return nodes, edges, graph.layout(nodes, edges, result.communities)

    nodes, edges, positions = _cached(_key(territory, "layout"), compute_positions)

    def compute():
        if size_by == "influence":
            values = {node.id: node.influence / 5 for node in nodes}
        else:
            metric = result.metric(size_by)
            top = max(metric.values(), default=0) or 1
            values = {node.id: metric.get(node.id, 0) / top for node in nodes}
        small = len(nodes) > 200
        base, extra = (3.0, 7.0) if small else (9.0, 14.0)
        labelled = set(sorted(values, key=lambda i: (-values[i], i))[:40 if small else 200])
        drawn = []
        for node in nodes:
            x, y = positions[node.id]
            drawn.append({"id": node.id, "name": node.name, "kind": node.kind,
                          "family": KIND_FAMILY.get(node.kind, "other"), "x": x, "y": y,
                          "r": round(base + extra * values[node.id], 1),
                          "community": result.community_of.get(node.id, 0),
                          "label": node.id in labelled})
        by_kind: dict[str, dict[bool, list[tuple]]] = {}
        for edge in edges:
            x1, y1 = positions[edge.source]
            x2, y2 = positions[edge.target]
            ca, cb = result.community_of.get(edge.source), result.community_of.get(edge.target)
            by_kind.setdefault(edge.kind, {False: [], True: []})[edge.directed].append(
                (round(x1), round(y1), round(x2), round(y2), ca if ca == cb else None, edge.strength))
        return Drawing(drawn, by_kind, len(labelled), len(result.communities))

    return _cached(_key(territory, f"drawing:{size_by}"), compute)


def svg_markup(territory: Territory, size_by: str, actor_url_prefix: str):
    """The graph's SVG elements, built once per map version and size metric."""
    from najma.actors import svg

    picture = drawing(territory, size_by)
    return _cached(_key(territory, f"svg:{size_by}:{actor_url_prefix}"), lambda: svg.render(picture, actor_url_prefix))


def metrics_document(territory: Territory) -> dict:
    """The analysis as a JSON-ready dictionary (the page's JSON and the CLI's ``--json``)."""
    result = analysis(territory)
    names = {a.id: a for a in list_actors(territory)}
    return {
        "territory": territory.slug, "actors": result.actor_count, "ties": result.tie_count,
        "density": result.density, "average_degree": result.average_degree,
        "components": len(result.components), "communities": len(result.communities),
        "isolates": [names[i].name for i in result.isolates],
        "brokers": [names[i].name for i in result.brokers],
        "articulation_points": [names[i].name for i in result.articulation_points],
        "bridges": [[names[a].name, names[b].name] for a, b in result.bridges],
        "betweenness_exact": result.exact, "sample_size": result.sample_size,
        "metrics": [{"id": i, "name": a.name, "kind": a.kind, "degree": result.degree.get(i, 0),
                     "in_degree": result.in_degree.get(i, 0), "out_degree": result.out_degree.get(i, 0),
                     "betweenness": result.betweenness.get(i, 0.0), "closeness": result.closeness.get(i, 0.0),
                     "eigenvector": result.eigenvector.get(i, 0.0), "community": result.community_of.get(i)}
                    for i, a in names.items()],
        "partnership": partnership_indicators(territory),
    }


# --- validation ----------------------------------------------------------------------------------

def seat_choices(territory: Territory) -> list[Membership]:
    """Seats on the territory's commission and committee an actor may hold."""
    return list(db.session.execute(
        sa.select(Membership).join(Body, Body.id == Membership.body_id)
        .where(Body.territory_id == territory.id, Body.kind.in_(SEAT_BODIES))
        .options(orm.contains_eager(Membership.body)).order_by(Body.kind, Membership.full_name)).scalars())


def seat_label(membership_id: int) -> str:
    """"Name · body" of a seat, for an actor's card."""
    seat = db.session.execute(sa.select(Membership).where(Membership.id == membership_id)
                              .options(orm.joinedload(Membership.body))).scalar_one_or_none()
    return f"{seat.full_name} · {seat.body.kind_label}" if seat else ""


def _clean_actor(territory: Territory, data: dict, actor: Actor | None = None) -> dict:
    clean = {key: data.get(key) for key in ACTOR_FIELDS}
    clean["name"] = (clean["name"] or "").strip()
    if not clean["name"]:
        raise DomainError(_l("Give the actor a name."), field="name")
    if clean["kind"] not in ACTOR_KINDS:
        raise DomainError(_l("Choose a kind of actor."), field="kind")
    clean["sector"] = clean["sector"] or KIND_SECTOR[clean["kind"]]
    if clean["sector"] not in SECTORS:
        raise DomainError(_l("Unknown sector."), field="sector")
    clean["stance"] = clean["stance"] or None
    if clean["stance"] is not None and clean["stance"] not in STANCES:
        raise DomainError(_l("Unknown stance."), field="stance")
    clean["influence"] = int(clean["influence"] or 0)
    if not 0 <= clean["influence"] <= 5:
        raise DomainError(_l("Influence goes from 0 to 5."), field="influence")
    clean["description"] = clean["description"] or ""
    if (clean["latitude"] is None) != (clean["longitude"] is None):
        raise DomainError(_l("Give both the latitude and the longitude, or neither."), field="latitude")
    if clean["membership_id"]:
        if clean["membership_id"] not in {m.id for m in seat_choices(territory)}:
            raise DomainError(_l("This seat is not on this territory's commission or committee."),
                              field="membership_id")
    else:
        clean["membership_id"] = None
    clean["commune_id"] = clean["commune_id"] or None
    if clean["commune_id"] is not None and db.session.get(Commune, clean["commune_id"]) is None:
        raise DomainError(_l("Unknown commune."), field="commune_id")
    clash = db.session.execute(
        sa.select(Actor.id).where(Actor.territory_id == territory.id,
                                  sa.func.lower(Actor.name) == clean["name"].lower(),
                                  Actor.id != (actor.id if actor else -1))).first()
    if clash:
        raise DomainError(_l("An actor of this territory already has this name."), field="name")
    return clean


def _clean_tie(territory: Territory, data: dict) -> dict:
    clean = {key: data.get(key) for key in TIE_FIELDS}
    ends = db.session.execute(
        sa.select(Actor.id).where(Actor.id.in_([clean["source_id"] or 0, clean["target_id"] or 0]),
                                  Actor.territory_id == territory.id)).scalars().all()
    if clean["source_id"] not in ends:
        raise DomainError(_l("Choose an actor of this territory."), field="source_id")
    if clean["target_id"] not in ends:
        raise DomainError(_l("Choose an actor of this territory."), field="target_id")
    if clean["source_id"] == clean["target_id"]:
        raise DomainError(_l("A tie links two different actors."), field="target_id")
    if clean["kind"] not in TIE_KINDS:
        raise DomainError(_l("Choose a kind of tie."), field="kind")
    clean["strength"] = int(clean["strength"] or 2)
    if not 1 <= clean["strength"] <= 3:
        raise DomainError(_l("Strength goes from 1 to 3."), field="strength")
    if clean["since"] and clean["until"] and clean["until"] < clean["since"]:
        raise DomainError(_l("The tie cannot end before it starts."), field="until")
    clean["directed"] = bool(clean["directed"])
    clean["evidence"] = (clean["evidence"] or "").strip()
    if clean["note_id"]:
        from najma.research.models import ResearchNote

        found = db.session.execute(sa.select(ResearchNote.id).where(
            ResearchNote.id == clean["note_id"], ResearchNote.territory_id == territory.id,
            ResearchNote.deleted_at.is_(None))).scalar_one_or_none()
        if found is None:
            raise DomainError(_l("Choose a research note of this territory."), field="note_id")
    else:
        clean["note_id"] = None
    return clean


# --- writing -----------------------------------------------------------------------------------

def create_actor(user, territory: Territory, data: dict) -> Actor:
    """Add an actor to the territory's map."""
    actor = Actor(territory_id=territory.id, **_clean_actor(territory, data))
    db.session.add(actor)
    _touch(territory.id)
    audit.record(user, "create", actor, {}, audit.snapshot(actor))
    db.session.commit()
    return actor


class ConcurrentEditError(DomainError):
    """The actor changed since the form was opened; nothing was saved."""


def update_actor(user, actor: Actor, data: dict, *, stamp: str | None = None) -> Actor:
    """Change an actor; with ``stamp`` (its ``updated_at`` when the form was read), refuse a stale edit."""
    if stamp and actor.updated_at.isoformat() != stamp:
        raise ConcurrentEditError(_l("Someone changed this actor while you were editing it; nothing was saved. "
                                     "Review the current values below and save again."))
    territory = db.session.get(Territory, actor.territory_id)
    before = audit.snapshot(actor)
    for key, value in _clean_actor(territory, data, actor).items():
        setattr(actor, key, value)
    _touch(actor.territory_id)
    audit.record(user, "update", actor, before, audit.snapshot(actor))
    db.session.commit()
    return actor


TABLE_FIELDS = ("name", "kind", "sector", "influence", "stance")


def update_actors(user, territory: Territory, rows: list[dict]) -> int:
    """Save the editable table: every changed row, or none (a row changed meanwhile is refused).

    Each row carries the actor's ``id``, the ``stamp`` (``updated_at``) it was read with, and
    the table's fields; returns how many actors changed.
    """
    actors = {a.id: a for a in db.session.execute(
        sa.select(Actor).where(Actor.territory_id == territory.id,
                               Actor.id.in_([row["id"] for row in rows]))).scalars()}
    names = {}
    changed = 0
    for number, row in enumerate(rows, start=1):
        actor = actors.get(row["id"])
        if actor is None:
            raise DomainError(_l("Row %(n)d: this actor is no longer on the map; reload the table.", n=number))
        if actor.updated_at.isoformat() != row["stamp"]:
            raise DomainError(_l("%(name)s was changed by someone else meanwhile; reload the table "
                                 "(nothing was saved).", name=actor.name))
        data = {key: getattr(actor, key) for key in ACTOR_FIELDS}
        data.update({key: row[key] for key in TABLE_FIELDS})
        key = (data["name"] or "").strip().casefold()
        if key in names:
            raise DomainError(_l("Row %(n)d: the name %(name)s is already used on row %(first)d.",
                                 n=number, name=data["name"], first=names[key]))
        names[key] = number
        clean = _clean_actor(territory, data, actor)
        if all(getattr(actor, k) == clean[k] for k in TABLE_FIELDS):
            continue
        before = audit.snapshot(actor)
        for field_name in TABLE_FIELDS:
            setattr(actor, field_name, clean[field_name])
        audit.record(user, "update", actor, before, audit.snapshot(actor))
        changed += 1
    if changed:
        _touch(territory.id)
    db.session.commit()
    return changed


def delete_actor(user, actor: Actor) -> None:
    """Remove an actor and its ties (confirmed in the interface)."""
    tie_count = db.session.execute(sa.select(sa.func.count()).select_from(Tie).where(
        sa.or_(Tie.source_id == actor.id, Tie.target_id == actor.id))).scalar_one()
    audit.record(user, "delete", actor, audit.snapshot(actor), {"ties_removed": tie_count})
    db.session.execute(sa.delete(Tie).where(sa.or_(Tie.source_id == actor.id, Tie.target_id == actor.id)))
    _touch(actor.territory_id)
    db.session.delete(actor)
    db.session.commit()


def _tie_label(tie: Tie) -> str:
    names = dict(db.session.execute(sa.select(Actor.id, Actor.name).where(
        Actor.id.in_([tie.source_id, tie.target_id]))).all())
    arrow = "→" if tie.directed else "—"
    return f"{names.get(tie.source_id, '?')} {arrow} {names.get(tie.target_id, '?')} ({label(TIE_KINDS, tie.kind)})"


def create_tie(user, territory: Territory, data: dict) -> Tie:
    """Tie two actors of the territory."""
    tie = Tie(territory_id=territory.id, **_clean_tie(territory, data))
    db.session.add(tie)
    _touch(territory.id)
    audit.record(user, "create", tie, {}, audit.snapshot(tie), label=_tie_label(tie))
    db.session.commit()
    return tie


def update_tie(user, tie: Tie, data: dict) -> Tie:
    """Change a tie."""
    territory = db.session.get(Territory, tie.territory_id)
    before = audit.snapshot(tie)
    for key, value in _clean_tie(territory, data).items():
        setattr(tie, key, value)
    _touch(tie.territory_id)
    audit.record(user, "update", tie, before, audit.snapshot(tie), label=_tie_label(tie))
    db.session.commit()
    return tie


def delete_tie(user, tie: Tie) -> None:
    """Remove a tie."""
    audit.record(user, "delete", tie, audit.snapshot(tie), {}, label=_tie_label(tie))
    db.session.delete(tie)
    _touch(tie.territory_id)
    db.session.commit()


# --- import and export -------------------------------------------------------------------------

def known_names(territory: Territory) -> dict[str, int]:
    """Casefolded names of the actors on the map, with their ids."""
    return {name.casefold(): actor_id for actor_id, name in db.session.execute(
        sa.select(Actor.id, Actor.name).where(Actor.territory_id == territory.id))}


def preview_import(territory: Territory, data: bytes, filename: str, *, ties_data: bytes | None = None,
                   ties_filename: str = "ties.csv", mode: str = "add", max_bytes: int | None = None
                   ) -> io.ImportPreview:
    """Read and check a file against the map (``add``: names must be new; ``replace``: the file is the map)."""
    existing = set(known_names(territory)) if mode == "add" else None
    preview = io.parse(data, filename, ties_data=ties_data, ties_filename=ties_filename,
                       known_names=existing, max_bytes=max_bytes)
    codes = {a.commune_code for a in preview.actors if a.commune_code}
    if codes:
        found = set(db.session.execute(sa.select(Commune.code).where(Commune.code.in_(codes))).scalars())
        for actor in preview.actors:
            if actor.commune_code and actor.commune_code not in found:
                preview.error(_l("%(where)s: unknown commune code '%(code)s'.", where=actor.where,
                                 code=actor.commune_code))
    return preview


def apply_import(user, territory: Territory, preview: io.ImportPreview, *, mode: str = "add") -> dict:
    """Write a checked preview in one transaction (all or nothing); ``replace`` empties the map first."""
    if not preview.ok:
        raise DomainError(_l("The file has errors; nothing was imported."))
    removed = 0
    if mode == "replace":
        removed = db.session.execute(sa.select(sa.func.count()).select_from(Actor)
                                     .where(Actor.territory_id == territory.id)).scalar_one()
        db.session.execute(sa.delete(Tie).where(Tie.territory_id == territory.id))
        db.session.execute(sa.delete(Actor).where(Actor.territory_id == territory.id))
        existing: dict[str, int] = {}
    else:
        existing = known_names(territory)
    codes = {a.commune_code for a in preview.actors if a.commune_code}
    commune_ids = dict(db.session.execute(sa.select(Commune.code, Commune.id).where(Commune.code.in_(codes))).all()) \
        if codes else {}
    now = utcnow()
    rows = [{"territory_id": territory.id, "name": a.name, "kind": a.kind, "sector": a.sector,
             "commune_id": commune_ids.get(a.commune_code), "latitude": a.latitude, "longitude": a.longitude,
             "influence": a.influence, "stance": a.stance, "membership_id": None, "description": a.description,
             "created_at": now, "updated_at": now} for a in preview.actors]
    if rows:
        db.session.execute(sa.insert(Actor), rows)
    ids = known_names(territory)
    by_ref = {a.ref: ids[a.name.casefold()] for a in preview.actors}
    for name, actor_id in existing.items():
        by_ref.setdefault(name, actor_id)

    def resolve(ref: str) -> int:
        return by_ref[ref] if ref in by_ref else by_ref[ref.casefold()]

    tie_rows = [{"territory_id": territory.id, "source_id": resolve(t.source), "target_id": resolve(t.target),
                 "kind": t.kind, "directed": t.directed, "strength": t.strength, "since": t.since,
                 "until": t.until, "evidence": t.evidence, "created_at": now, "updated_at": now}
                for t in preview.ties]
    if tie_rows:
        db.session.execute(sa.insert(Tie), tie_rows)
    actor_map = _touch(territory.id)
    db.session.flush()
    result = {"actors": len(rows), "ties": len(tie_rows), "removed": removed, "mode": mode,
              "format": preview.format}
    audit.record(user, "import", actor_map, {}, result, label=territory.name, territory_id=territory.id)
    db.session.commit()
    return result


def export_rows(territory: Territory) -> tuple[list[dict], list[dict]]:
    """Actors and ties as plain dictionaries, as every export format writes them."""
    actors = db.session.execute(
        sa.select(Actor, Commune.code).outerjoin(Commune, Commune.id == Actor.commune_id)
        .where(Actor.territory_id == territory.id).order_by(Actor.id)).all()
    names = {actor.id: actor.name for actor, _code in actors}
    nodes = [{"id": a.id, "label": a.name, "name": a.name, "kind": a.kind, "sector": a.sector, "commune": code,
              "influence": a.influence, "stance": a.stance, "latitude": a.latitude, "longitude": a.longitude,
              "description": a.description} for a, code in actors]
    ties = db.session.execute(sa.select(Tie).where(Tie.territory_id == territory.id).order_by(Tie.id)).scalars()
    edges = [{"id": t.id, "source": t.source_id, "target": t.target_id, "source_name": names[t.source_id],
              "target_name": names[t.target_id], "kind": t.kind, "directed": t.directed, "strength": t.strength,
              "since": t.since.isoformat() if t.since else None, "until": t.until.isoformat() if t.until else None,
              "evidence": t.evidence} for t in ties]
    return nodes, edges


def export_map(territory: Territory, fmt: str) -> bytes:
    """The map as ``gexf``, ``graphml``, ``json`` (node-link), ``actors.csv`` or ``ties.csv``."""
    nodes, edges = export_rows(territory)
    if fmt == "actors.csv":
        return io.actors_csv(nodes)
    if fmt == "ties.csv":
        return io.ties_csv([{**e, "source": e["source_name"], "target": e["target_name"]} for e in edges])
    plain = [{k: v for k, v in e.items() if k not in ("source_name", "target_name")} for e in edges]
    return graph.export_bytes(nodes, plain, fmt)


# --- governance check --------------------------------------------------------------------------

def governance_findings(territory: Territory, result: graph.Analysis | None = None) -> list[Finding]:
    """What the actor map says the territory's governance lacks, each with what to do."""
    result = result or analysis(territory)
    nodes, edges = cached_rows(territory)
    findings: list[Finding] = []
    if not nodes:
        return [Finding("info", str(_l("The map is empty: add the actors working on the territory, "
                                       "or import a file from Gephi or a spreadsheet.")))]
    sector_of = {n.id: n.sector or KIND_SECTOR.get(n.kind, "other") for n in nodes}
    present = set(sector_of.values())
    for sector in REQUIRED_COMMITTEE_SECTORS:
        if sector not in present:
            findings.append(Finding("danger", str(_l(
                "No actor of the sector \u201c%(sector)s\u201d is on the map: identify its services on the "
                "territory and invite them to the commission.", sector=label(SECTORS, sector)))))
    anchors = {n.id for n in nodes if KIND_FAMILY.get(n.kind) == "entraide_nationale"}
    antenna_seats = set(db.session.execute(
        sa.select(Membership.id).join(Body, Body.id == Membership.body_id)
        .where(Body.territory_id == territory.id, Body.kind == "antenna")).scalars())
    anchors |= {n.id for n in nodes if n.membership_id in antenna_seats}
    if not anchors:
        findings.append(Finding("warning", str(_l(
            "No Entraide Nationale institution or antenna is on the map: add them, so the map shows "
            "who works with the programme."))))
    else:
        tied: set[str] = {sector_of[a] for a in anchors}
        for edge in edges:
            if edge.kind == "conflict":
                continue
            if edge.source in anchors:
                tied.add(sector_of[edge.target])
            if edge.target in anchors:
                tied.add(sector_of[edge.source])
        for sector in sorted(present - tied, key=lambda s: list(SECTORS).index(s) if s in SECTORS else 99):
            findings.append(Finding("warning", str(_l(
                "The sector \u201c%(sector)s\u201d has no tie with the antenna or an Entraide Nationale "
                "institution: plan a meeting or a convention with its actors.", sector=label(SECTORS, sector)))))
    seated = set(db.session.execute(
        sa.select(Membership.id).join(Body, Body.id == Membership.body_id)
        .where(Body.territory_id == territory.id, Body.kind.in_(SEAT_BODIES))).scalars())
    names = {n.id: n.name for n in nodes}
    membership = {n.id: n.membership_id for n in nodes}
    for broker in result.brokers:
        if membership[broker] not in seated and broker not in anchors:
            findings.append(Finding("warning", str(_l(
                "%(name)s links otherwise distant actors (high betweenness) but holds no seat on the commission "
                "or the committee: consider inviting them.", name=names[broker]))))
    if result.isolates:
        findings.append(Finding("info", str(_l(
            "%(count)d actor(s) have no tie: record their relations or check that they still work on the "
            "territory.", count=len(result.isolates)))))
    if len(result.components) - len(result.isolates) > 1:
        findings.append(Finding("info", str(_l(
            "The map falls into %(count)d separate groups: look for actors who could bridge them.",
            count=len(result.components) - len(result.isolates)))))
    return findings


# --- snapshots -----------------------------------------------------------------------------------

def take_snapshot(user, territory: Territory, label_text: str, on: date) -> ActorSnapshot:
    """Freeze the map as it stood on ``on``: its actors, and the ties active that day."""
    label_text = (label_text or "").strip()
    if not label_text:
        raise DomainError(_l("Name the snapshot (for example \u201cpilot start\u201d)."), field="label")
    actors = db.session.execute(sa.select(Actor).where(Actor.territory_id == territory.id).order_by(Actor.id)).scalars()
    actor_rows = [{"id": a.id, "name": a.name, "kind": a.kind, "sector": a.sector or KIND_SECTOR.get(a.kind),
                   "influence": a.influence, "stance": a.stance} for a in actors]
    ties = db.session.execute(sa.select(Tie).where(Tie.territory_id == territory.id).order_by(Tie.id)).scalars()
    tie_rows = [{"id": t.id, "source": t.source_id, "target": t.target_id, "kind": t.kind,
                 "directed": t.directed, "strength": t.strength} for t in ties if t.is_active(on)]
    snapshot = ActorSnapshot(territory_id=territory.id, label=label_text[:120], taken_on=on,
                             created_by_id=getattr(user, "id", None), actor_count=len(actor_rows),
                             tie_count=len(tie_rows), data={"actors": actor_rows, "ties": tie_rows})
    db.session.add(snapshot)
    audit.record(user, "snapshot", snapshot, {}, {"label": snapshot.label, "taken_on": on.isoformat(),
                                                  "actors": len(actor_rows), "ties": len(tie_rows)})
    db.session.commit()
    return snapshot


def list_snapshots(territory: Territory) -> list[ActorSnapshot]:
    """The territory's snapshots, oldest first (without loading their data)."""
    return list(db.session.execute(
        sa.select(ActorSnapshot).where(ActorSnapshot.territory_id == territory.id)
        .options(orm.defer(ActorSnapshot.data)).order_by(ActorSnapshot.taken_on, ActorSnapshot.id)).scalars())


@dataclass(frozen=True)
class SnapshotFigures:
    """The partnership figures of one snapshot."""

    actors: int
    ties: int
    density: float
    average_degree: float
    cross_sector_ties: int
    entraide_ties: int


@dataclass(frozen=True)
class Comparison:
    """What changed between two snapshots: the measure of partnership developed and reinforced."""

    before: SnapshotFigures
    after: SnapshotFigures
    actors_added: list[str]
    actors_lost: list[str]
    ties_added: list[str]
    ties_lost: list[str]

    def change(self, name: str) -> float:
        return getattr(self.after, name) - getattr(self.before, name)


def _figures(data: dict) -> SnapshotFigures:
    actors = {a["id"]: a for a in data.get("actors", [])}
    ties = [t for t in data.get("ties", []) if t["source"] in actors and t["target"] in actors]
    nodes = [graph.NodeRow(a["id"], a["name"], a["kind"], a.get("sector")) for a in actors.values()]
    edges = [graph.EdgeRow(t["id"], t["source"], t["target"], t["kind"], t["directed"], t["strength"]) for t in ties]
    summary = graph.summarise(nodes, edges)
    collaborative = [t for t in ties if t["kind"] != "conflict"]
    cross = sum(1 for t in collaborative if actors[t["source"]].get("sector") != actors[t["target"]].get("sector"))
    entraide = sum(1 for t in collaborative
                   if "entraide_nationale" in (KIND_FAMILY.get(actors[t["source"]]["kind"]),
                                               KIND_FAMILY.get(actors[t["target"]]["kind"])))
    return SnapshotFigures(summary.actor_count, summary.tie_count, summary.density, summary.average_degree,
                           cross, entraide)


def _tie_keys(data: dict) -> dict[tuple, str]:
    names = {a["id"]: a["name"] for a in data.get("actors", [])}
    keys = {}
    for t in data.get("ties", []):
        a, b = names.get(t["source"], "?"), names.get(t["target"], "?")
        if not t["directed"]:
            a, b = sorted((a, b))
        arrow = "→" if t["directed"] else "—"
        keys[(a.casefold(), b.casefold(), t["kind"], t["directed"])] = f"{a} {arrow} {b} ({label(TIE_KINDS, t['kind'])})"
    return keys


def compare_snapshots(before: ActorSnapshot, after: ActorSnapshot) -> Comparison:
    """Actors and ties added and lost (matched by name and kind), and the change in the figures."""
    names_before = {a["name"].casefold(): a["name"] for a in before.data.get("actors", [])}
    names_after = {a["name"].casefold(): a["name"] for a in after.data.get("actors", [])}
    ties_before, ties_after = _tie_keys(before.data), _tie_keys(after.data)
    return Comparison(
        before=_figures(before.data), after=_figures(after.data),
        actors_added=sorted(names_after[k] for k in names_after.keys() - names_before.keys()),
        actors_lost=sorted(names_before[k] for k in names_before.keys() - names_after.keys()),
        ties_added=sorted(ties_after[k] for k in ties_after.keys() - ties_before.keys()),
        ties_lost=sorted(ties_before[k] for k in ties_before.keys() - ties_after.keys()),
    )


def partnership_indicators(territory: Territory) -> dict:
    """For the indicators: the first and latest snapshots' figures and their change (empty without two)."""
    snapshots = list_snapshots(territory)
    if len(snapshots) < 2:
        return {}
    first, last = db.session.get(ActorSnapshot, snapshots[0].id), db.session.get(ActorSnapshot, snapshots[-1].id)
    comparison = compare_snapshots(first, last)
    fields = ("actors", "ties", "density", "average_degree", "cross_sector_ties", "entraide_ties")
    return {"from": {"label": first.label, "date": first.taken_on.isoformat()},
            "to": {"label": last.label, "date": last.taken_on.isoformat()},
            **{name: {"before": getattr(comparison.before, name), "after": getattr(comparison.after, name),
                      "change": comparison.change(name)} for name in fields},
            "actors_added": len(comparison.actors_added), "actors_lost": len(comparison.actors_lost),
            "ties_added": len(comparison.ties_added), "ties_lost": len(comparison.ties_lost)}


# --- national view -----------------------------------------------------------------------------

def national_overview() -> dict:
    """Totals by kind and tie kind, maps per territory, and actors present on several territories."""
    by_kind = Counter(dict(db.session.execute(sa.select(Actor.kind, sa.func.count()).group_by(Actor.kind)).all()))
    by_tie_kind = Counter(dict(db.session.execute(sa.select(Tie.kind, sa.func.count()).group_by(Tie.kind)).all()))
    per_territory = db.session.execute(
        sa.select(Territory, sa.func.count(sa.distinct(Actor.id)), ActorMap.updated_at)
        .join(Actor, Actor.territory_id == Territory.id)
        .outerjoin(ActorMap, ActorMap.territory_id == Territory.id)
        .group_by(Territory.id, ActorMap.updated_at).order_by(Territory.name)).all()
    tie_counts = dict(db.session.execute(sa.select(Tie.territory_id, sa.func.count()).group_by(Tie.territory_id)).all())
    folded = sa.func.lower(sa.func.trim(Actor.name))
    shared_names = db.session.execute(
        sa.select(folded, sa.func.count(sa.distinct(Actor.territory_id)))
        .group_by(folded).having(sa.func.count(sa.distinct(Actor.territory_id)) > 1)
        .order_by(sa.func.count(sa.distinct(Actor.territory_id)).desc(), folded).limit(200)).all()
    presence: dict[str, list] = {}
    if shared_names:
        rows = db.session.execute(
            sa.select(Actor.name, Actor.kind, Territory.name, Territory.slug).join(Territory, Territory.id == Actor.territory_id)
            .where(folded.in_([name for name, _n in shared_names])).order_by(Territory.name)).all()
        for name, kind, territory_name, slug in rows:
            entry = presence.setdefault(name.strip().casefold(), {"name": name, "kind": kind, "territories": []})
            entry["territories"].append((territory_name, slug))
    shared = sorted(presence.values(), key=lambda e: (-len(e["territories"]), e["name"].casefold()))
    families = Counter()
    for kind, count in by_kind.items():
        families[KIND_FAMILY.get(kind, "other")] += count
    return {
        "by_kind": [(kind, by_kind.get(kind, 0)) for kind in ACTOR_KINDS],
        "by_family": families,
        "by_tie_kind": [(kind, by_tie_kind.get(kind, 0)) for kind in TIE_KINDS],
        "territories": [(territory, actors, tie_counts.get(territory.id, 0), updated)
                        for territory, actors, updated in per_territory],
        "shared": shared,
        "actor_total": sum(by_kind.values()),
        "tie_total": sum(by_tie_kind.values()),
    }
