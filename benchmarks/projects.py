"""Time the territory project pages at national scale: 400 territories, each with its project.

    python -m benchmarks.projects [--territories 400] [--actions 12] [--big-actions 40]
                                  [--requests 30] [--warmup 3] [--seed 1]
                                  [--db PATH | --database-url URL] [--regenerate]

Territories, bodies, users and roles come from :func:`benchmarks.generate.generate`. Every
territory then gets, inserted in bulk: three retained intervention paths, and a territory project
spread over the workflow's statuses (a share of each), with two versions (the first frozen, as
after a send-back) of ``--actions`` actions each: two target groups, one or two paths, two
partners, beneficiaries by group and sex, three budget lines. Projects past the vote carry the
closed vote (every voting member of the committee seated, most of them having voted), those past
approval a convention and a follow-up (with two milestones) per action. The measured territory
(``bench-0001``) has a project of ``--big-actions`` actions, under its vote.

Scenarios, signed in through the test client's session: the national projects list (steering
member; also filtered on stuck projects), the project page, the vote page, the deliberations
page, the execution page of an executed project, and the procès-verbal page. The same runs on a
small database (8 territories, 3 actions each) to show that no query count grows with the rows a
page lists. Exit status 1 when a target is missed: p95 under 100 ms (at 400 territories on
SQLite), or a query count that grows.
"""
from __future__ import annotations

import argparse
import gc
import json
import random
import sys
import time
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa

from benchmarks.generate import OUT_DIR, Scale, bench_config, database_url, generate, remove_sqlite, sidecar
from benchmarks.run import Measure, Page, growing, growth, table, time_requests

PROJECTS_GENERATOR_VERSION = 2  # 2: actions gained frozen_names
PAGE_P95_MS = 100.0
NATIONAL_TERRITORIES = 400
#: How the projects spread over the workflow (status, share).
_STATUS_SHARES = (("draft", 20), ("submitted", 8), ("under_review", 10), ("voting", 7), ("approved", 10),
                  ("rejected", 5), ("contracted", 10), ("in_execution", 25), ("evaluated", 5))
_PAST_VOTE = ("approved", "rejected", "contracted", "in_execution", "evaluated")
_PAST_APPROVAL = ("approved", "contracted", "in_execution", "evaluated")
_ACTION_TITLES = ("Alphabétisation fonctionnelle des femmes", "Garderie communautaire", "Transport scolaire des filles",
                  "Atelier de couture et de tissage", "Visites à domicile des personnes âgées",
                  "Accompagnement des jeunes diplômés", "Cellule d'écoute et d'orientation",
                  "Microprojets de la coopérative", "Soutien scolaire au douar", "Maison de jeunes : ateliers")
_FUNDERS = ("Entraide Nationale", "INDH", "Commune", "Conseil provincial", "Association partenaire")
_ITEMS = ("Animation", "Équipement", "Transport", "Formation des encadrants", "Fournitures")
_EXECUTION = ("not_started", "ongoing", "ongoing", "delayed", "done")
_CHOICES = ("approve", "approve", "approve", "reject", "abstain")


SCENARIOS = (
    ("national", Page("national", "National projects list", "steering"), "projects.national",
     lambda t: "/projects"),
    ("national_stuck", Page("national_stuck", "National list, stuck only", "steering"), "projects.national",
     lambda t: "/projects?stuck=1&stuck_after=30"),
    ("project", Page("project", "Project page (big project)", "member"), "projects.project",
     lambda t: f"/territories/{t['slug']}/project"),
    ("vote", Page("vote", "Vote page (big project)", "member"), "projects.vote",
     lambda t: f"/territories/{t['slug']}/project/vote"),
    ("deliberations", Page("deliberations", "Deliberations page", "steering"), "projects.deliberations",
     lambda t: f"/territories/{t['executed_slug']}/project/votes"),
    ("execution", Page("execution", "Execution page", "steering"), "projects.execution",
     lambda t: f"/territories/{t['executed_slug']}/project/execution"),
    ("minutes", Page("minutes", "Procès-verbal page", "steering"), "projects.minutes",
     lambda t: f"/territories/{t['executed_slug']}/project/votes/{t['executed_vote']}/minutes"),
)


def _bench_scale(territories: int) -> Scale:
    """Territories with complete bodies and their members (no audit noise)."""
    return Scale("projects", territories=territories, users=max(200, territories * 15),
                 memberships=territories * 15, meetings=territories * 2, audit_events=0, hot_members=12,
                 hot_meetings=2, steering_members=3, steering_meetings=2, attended_meetings=2)


def _insert(session, table, rows: list[dict], chunk: int = 2000) -> None:
    for start in range(0, len(rows), chunk):
        session.execute(sa.insert(table), rows[start:start + chunk])


def _status_for(index: int, rng: random.Random) -> str:
    if index == 0:
        return "voting"  # the measured project: its vote is open
    total = sum(share for _s, share in _STATUS_SHARES)
    pick = rng.uniform(0, total)
    for status, share in _STATUS_SHARES:
        pick -= share
        if pick <= 0:
            return status
    return _STATUS_SHARES[-1][0]


def build(app, territories: int, actions: int, big_actions: int, seed: int) -> dict:
    """Fill ``app``'s empty database: people, then paths and projects for every territory."""
    from najma.actors.models import Actor
    from najma.extensions import db
    from najma.governance.models import Body, Membership
    from najma.projects import models as pm
    from najma.reference.models import Chantier, TargetGroup
    from najma.research.models import InterventionPath, path_target_groups
    from najma.territories.models import Territory

    started = time.perf_counter()
    generate(app, _bench_scale(territories), seed, verbose=False)
    rng = random.Random(seed * 104729 + territories)
    now = datetime.now(timezone.utc).replace(microsecond=0)
    today = now.date()
    counts = dict.fromkeys(("projects", "versions", "actions", "budget_lines", "ballots", "conventions",
                            "executions"), 0)
    with app.app_context():
        session = db.session
        territory_rows = session.execute(sa.select(Territory.id, Territory.slug).order_by(Territory.id)).all()
        group_ids = list(session.execute(sa.select(TargetGroup.id).order_by(TargetGroup.position)).scalars())
        chantier_ids = list(session.execute(sa.select(Chantier.id).order_by(Chantier.position)).scalars())
        voters: dict[int, list[tuple]] = {}
        for tid, mid, uid, name, sector, role in session.execute(
                sa.select(Body.territory_id, Membership.id, Membership.user_id, Membership.full_name,
                          Membership.sector, Membership.role)
                .join(Body, Body.id == Membership.body_id)
                .where(Body.kind == "committee", Membership.voting.is_(True), Membership.end_date.is_(None))
                .order_by(Membership.id)):
            voters.setdefault(tid, []).append((mid, uid, name, sector, role == "chair"))
        ids = {name: (session.execute(sa.select(sa.func.max(model.id))).scalar() or 0)
               for name, model in (("path", InterventionPath), ("actor", Actor), ("project", pm.TerritoryProject),
                                   ("version", pm.ProjectVersion), ("action", pm.ProjectAction),
                                   ("vote", pm.ProjectVote), ("seat", pm.VoteSeat), ("execution", pm.ActionExecution))}

        def next_id(name: str) -> int:
            ids[name] += 1
            return ids[name]

        rows: dict[str, list[dict]] = {key: [] for key in (
            "paths", "path_groups", "actors", "projects", "versions", "actions", "action_groups", "action_paths",
            "action_partners", "beneficiaries", "budget", "transitions", "votes", "seats", "ballots", "conventions",
            "executions", "milestones")}
        for index, (tid, slug) in enumerate(territory_rows):
            path_ids = []
            for n in range(3):
                pid = next_id("path")
                path_ids.append(pid)
                rows["paths"].append({"id": pid, "territory_id": tid, "title": f"Piste {n + 1} (benchmark)",
                                      "rationale": "Piste retenue par la commission (données de benchmark).",
                                      "chantier_id": chantier_ids[n % len(chantier_ids)], "priority": "medium",
                                      "partners_text": "", "status": "retained", "decision_reason": "",
                                      "decided_at": now, "version": 1, "is_demo": False,
                                      "created_at": now, "updated_at": now})
                rows["path_groups"].append({"path_id": pid, "target_group_id": group_ids[n % len(group_ids)]})
            actor_ids = []
            for n, kind in enumerate(("en_training_centre", "association", "commune", "cooperative")):
                aid = next_id("actor")
                actor_ids.append(aid)
                rows["actors"].append({"id": aid, "territory_id": tid, "name": f"Acteur {n + 1} · {slug} (benchmark)",
                                       "kind": kind, "created_at": now, "updated_at": now})
            status = _status_for(index, rng)
            project_id = next_id("project")
            in_status_days = rng.randint(1, 200)
            rows["projects"].append({
                "id": project_id, "territory_id": tid, "status": status, "status_version": 5,
                "status_changed_at": now - timedelta(days=in_status_days), "current_number": 2,
                "approved_number": 2 if status in _PAST_APPROVAL else None, "is_demo": False,
                "created_at": now - timedelta(days=300), "updated_at": now})
            counts["projects"] += 1
            n_actions = big_actions if index == 0 else actions
            keys = [f"k{project_id}x{n}" for n in range(n_actions)]
            for number in (1, 2):
                vid = next_id("version")
                frozen = number == 1 or status not in ("draft",)
                rows["versions"].append({
                    "id": vid, "project_id": project_id, "number": number,
                    "title": f"Projet de territoire {slug} (benchmark)",
                    "context": "## Contexte\n\nProjet issu des pistes retenues (données de benchmark).",
                    "general_objective": "Améliorer l'accès des populations cibles aux services.",
                    "specific_objectives": "Objectif 1\nObjectif 2\nObjectif 3", "reason": "",
                    "frozen_at": now if frozen else None, "lock_version": 1,
                    "created_at": now, "updated_at": now})
                counts["versions"] += 1
                for position, key in enumerate(keys):
                    aid = next_id("action")
                    start = today - timedelta(days=rng.randint(0, 200))
                    rows["actions"].append({
                        "id": aid, "version_id": vid, "key": key, "position": position,
                        "title": _ACTION_TITLES[position % len(_ACTION_TITLES)],
                        "description": "Description de l'action (données de benchmark).",
                        "chantier_id": chantier_ids[position % len(chantier_ids)], "lead_actor_id": actor_ids[1],
                        "partners_text": "", "institution_actor_id": actor_ids[0], "institution_name": "",
                        "start_date": start, "end_date": start + timedelta(days=rng.randint(90, 540)),
                        "indicators_text": "Bénéficiaires touchés\nTaux d'assiduité"})
                    counts["actions"] += 1
                    for g in (group_ids[position % 6], group_ids[(position + 1) % 6]):
                        rows["action_groups"].append({"action_id": aid, "target_group_id": g})
                        for sex in ("female", "male"):
                            rows["beneficiaries"].append({"action_id": aid, "target_group_id": g, "sex": sex,
                                                          "expected": rng.randint(5, 80)})
                    for pid in {path_ids[position % 3], path_ids[(position + 1) % 3]}:
                        rows["action_paths"].append({"action_id": aid, "path_id": pid})
                    for partner in actor_ids[2:]:
                        rows["action_partners"].append({"action_id": aid, "actor_id": partner})
                    for line in range(3):
                        rows["budget"].append({"action_id": aid, "position": line, "item": _ITEMS[line],
                                               "funder": _FUNDERS[(position + line) % len(_FUNDERS)],
                                               "amount": Decimal(rng.randint(5, 200) * 1000)})
                        counts["budget_lines"] += 1
            rows["transitions"].append({"project_id": project_id, "name": "submit", "from_status": "draft",
                                        "to_status": "submitted", "version_number": 1, "actor_name": "Bench",
                                        "at": now - timedelta(days=250), "comment": ""})
            rows["transitions"].append({"project_id": project_id, "name": "send_back", "from_status": "under_review",
                                        "to_status": "draft", "version_number": 1, "actor_name": "Bench",
                                        "at": now - timedelta(days=240), "comment": "Préciser le budget."})
            seats = voters.get(tid, [])
            if status in _PAST_VOTE or status == "voting":
                vote_id = next_id("vote")
                closed = status != "voting"
                rows["votes"].append({
                    "id": vote_id, "project_id": project_id, "version_number": 2,
                    "state": "closed" if closed else "open", "opened_at": now - timedelta(days=in_status_days + 3),
                    "closed_at": now - timedelta(days=in_status_days) if closed else None,
                    "quorum_percent": 50, "majority_rule": "votes_cast", "chair_breaks_tie": True,
                    "outcome": ("rejected" if status == "rejected" else "approved") if closed else None,
                    "outcome_reason": ""})
                for mid, uid, name, sector, is_chair in seats:
                    seat_id = next_id("seat")
                    rows["seats"].append({"id": seat_id, "vote_id": vote_id, "membership_id": mid, "user_id": uid,
                                          "full_name": name, "sector": sector, "organisation": "",
                                          "is_chair": is_chair})
                    if rng.random() < 0.8:
                        choice = "reject" if status == "rejected" else rng.choice(_CHOICES)
                        rows["ballots"].append({"vote_id": vote_id, "seat_id": seat_id, "choice": choice,
                                                "comment": "", "cast_at": now - timedelta(days=in_status_days + 1),
                                                "recorded_by_id": uid})
                        counts["ballots"] += 1
            if status in _PAST_APPROVAL:
                for position, key in enumerate(keys):
                    signed = status != "approved"
                    rows["conventions"].append({
                        "project_id": project_id, "action_key": key, "institution": "Centre EN (benchmark)",
                        "parties": "Entraide Nationale ; Comité local", "commitments": "Engagements (benchmark).",
                        "amount": Decimal(rng.randint(20, 400) * 1000), "start_date": today, "end_date": today,
                        "due_date": today + timedelta(days=rng.randint(-10, 60)),
                        "signed_on": today - timedelta(days=30) if signed else None,
                        "document_name": "convention.pdf" if signed else "", "document_stored": "",
                        "document_media_type": "application/pdf" if signed else "", "document_size": 0,
                        "lock_version": 1, "created_at": now, "updated_at": now})
                    counts["conventions"] += 1
                    if status in ("contracted", "in_execution", "evaluated"):
                        eid = next_id("execution")
                        state = "done" if status == "evaluated" else rng.choice(_EXECUTION)
                        rows["executions"].append({
                            "id": eid, "project_id": project_id, "action_key": key, "status": state,
                            "progress": 100 if state == "done" else rng.randint(0, 90), "notes": "",
                            "weight": None, "lock_version": 1, "created_at": now, "updated_at": now})
                        counts["executions"] += 1
                        for m in range(2):
                            rows["milestones"].append({"execution_id": eid, "title": f"Jalon {m + 1}",
                                                       "due_date": today + timedelta(days=30 * m - 20),
                                                       "done_on": today - timedelta(days=25) if m == 0 else None})
        for key, target in (("paths", InterventionPath.__table__), ("path_groups", path_target_groups),
                           ("actors", Actor.__table__), ("projects", pm.TerritoryProject.__table__),
                           ("versions", pm.ProjectVersion.__table__), ("actions", pm.ProjectAction.__table__),
                           ("action_groups", pm.action_target_groups), ("action_paths", pm.action_paths),
                           ("action_partners", pm.action_partners),
                           ("beneficiaries", pm.ActionBeneficiaries.__table__), ("budget", pm.BudgetLine.__table__),
                           ("transitions", pm.ProjectTransition.__table__), ("votes", pm.ProjectVote.__table__),
                           ("seats", pm.VoteSeat.__table__), ("ballots", pm.Ballot.__table__),
                           ("conventions", pm.Convention.__table__), ("executions", pm.ActionExecution.__table__),
                           ("milestones", pm.ExecutionMilestone.__table__)):
            _insert(session, target, rows[key])
        session.commit()
        if db.engine.dialect.name == "sqlite":
            session.execute(sa.text("ANALYZE"))
            session.commit()
        session.remove()
    return {"territories": territories, "actions": actions, "big_actions": big_actions, "seed": seed,
            "generator_version": PROJECTS_GENERATOR_VERSION, "counts": counts,
            "seconds": round(time.perf_counter() - started, 1)}


def prepare(url: str, path: Path | None, territories: int, actions: int, big_actions: int, seed: int, *,
            regenerate: bool) -> dict:
    """Make sure the database at ``url`` holds these projects; return the generation summary.

    A SQLite file is reused while its description matches; a PostgreSQL database is emptied
    (``drop_all``) only with ``regenerate``.
    """
    from najma import create_app
    from najma.extensions import db

    wanted = {"territories": territories, "actions": actions, "big_actions": big_actions, "seed": seed,
              "generator_version": PROJECTS_GENERATOR_VERSION}
    if path is not None:
        meta = sidecar(path)
        if path.exists() and not meta.exists():
            raise SystemExit(f"{path} exists but was not made by benchmarks.projects; remove it or pick another --db.")
        if path.exists() and not regenerate:
            summary = json.loads(meta.read_text())
            if all(summary.get(key) == value for key, value in wanted.items()):
                return {**summary, "reused": True}
        remove_sqlite(path)
        path.parent.mkdir(parents=True, exist_ok=True)
    app = create_app(bench_config(url))
    if path is None:
        with app.app_context():
            if sa.inspect(db.engine).has_table("territory_projects") and not regenerate:
                raise SystemExit("The database holds data; pass --regenerate to empty it (drop_all).")
            db.session.remove()
            db.drop_all()
            db.session.remove()
    summary = build(app, territories, actions, big_actions, seed)
    with app.app_context():
        db.engine.dispose()
    if path is not None:
        sidecar(path).write_text(json.dumps(summary, indent=2, default=str) + "\n")
    return summary


def find_targets(app) -> dict:
    """Who signs in and what is requested, found in the generated data."""
    from najma.auth.models import RoleAssignment
    from najma.extensions import db
    from najma.projects.models import ProjectVote, TerritoryProject
    from najma.territories.models import Territory

    with app.app_context():
        session = db.session
        territory = session.execute(sa.select(Territory).where(Territory.slug == "bench-0001")).scalar_one()
        executed = session.execute(
            sa.select(Territory.slug, ProjectVote.id).join(TerritoryProject, TerritoryProject.territory_id == Territory.id)
            .join(ProjectVote, ProjectVote.project_id == TerritoryProject.id)
            .where(TerritoryProject.status == "in_execution").order_by(Territory.id).limit(1)).one()
        member = session.execute(sa.select(sa.func.min(RoleAssignment.user_id)).where(
            RoleAssignment.role == "committee_member", RoleAssignment.territory_id == territory.id)).scalar_one()
        steering = session.execute(sa.select(sa.func.min(RoleAssignment.user_id)).where(
            RoleAssignment.role == "steering")).scalar_one()
        session.remove()
    return {"slug": territory.slug, "executed_slug": executed[0], "executed_vote": executed[1],
            "member": member, "steering": steering}


def measure(app, *, requests: int, warmup: int) -> tuple[dict[str, Measure], list[str]]:
    """Time every scenario whose endpoint exists; return the measures and the scenarios skipped."""
    from najma.extensions import db

    targets = find_targets(app)
    counter = {"n": 0, "statements": []}

    def count(_conn, _cursor, statement, _params, _context, _executemany):
        counter["n"] += 1
        counter["statements"].append(statement)

    clients = {}
    for who in ("member", "steering"):
        client = app.test_client()
        with client.session_transaction() as session:
            session["_user_id"] = str(targets[who])
            session["_fresh"] = True
        clients[who] = client
    results: dict[str, Measure] = {}
    skipped = [page.label for _k, page, endpoint, _u in SCENARIOS if endpoint not in app.view_functions]
    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        for key, page, endpoint, url in SCENARIOS:
            if endpoint not in app.view_functions:
                continue
            m = Measure(page, url(targets))
            gc.collect()
            time_requests(clients[page.user], m, page.label, counter, warmup=warmup, requests=requests)
            results[key] = m
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    return results, skipped


def run(url: str, path: Path | None, territories: int, actions: int, big_actions: int, seed: int, *,
        requests: int, warmup: int, regenerate: bool):
    """Prepare the database at ``url``, then measure every scenario on it."""
    from najma import create_app
    from najma.extensions import db

    summary = prepare(url, path, territories, actions, big_actions, seed, regenerate=regenerate)
    app = create_app(bench_config(url))
    results, skipped = measure(app, requests=requests, warmup=warmup)
    with app.app_context():
        dialect = db.engine.dialect.name
        db.engine.dispose()
    return summary, results, skipped, dialect


def check(big: dict[str, Measure], small: dict[str, Measure], *, enforce_time: bool) -> list[str]:
    """Targets missed: p95 over 100 ms (when timed targets apply) or a query count that grows."""
    failures = [f"{m.page.label}: p95 {m.p95:.1f} ms > {PAGE_P95_MS:.0f} ms"
                for m in big.values() if enforce_time and m.p95 > PAGE_P95_MS]
    return failures + growing(big, small)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; 0 when every target holds, 1 otherwise."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--territories", type=int, default=NATIONAL_TERRITORIES)
    parser.add_argument("--actions", type=int, default=12, help="actions of each project (default 12)")
    parser.add_argument("--big-actions", type=int, default=40, help="actions of the measured project (default 40)")
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--db", help="SQLite file (default: benchmarks/out/projects-<territories>.sqlite)")
    where.add_argument("--database-url", help="another database, e.g. postgresql+psycopg://.../najma_bench")
    parser.add_argument("--regenerate", action="store_true", help="build the data again")
    args = parser.parse_args(argv)

    if args.database_url:
        url, path = args.database_url, None
    else:
        path = Path(args.db).resolve() if args.db else OUT_DIR / f"projects-{args.territories}.sqlite"
        url = database_url(path)
    summary, big, skipped, dialect = run(url, path, args.territories, args.actions, args.big_actions, args.seed,
                                         requests=args.requests, warmup=args.warmup, regenerate=args.regenerate)
    small_path = OUT_DIR / "projects-small.sqlite"
    _s, small, _k, _d = run(database_url(small_path), small_path, 8, 3, 3, args.seed, requests=2, warmup=1,
                            regenerate=args.regenerate)
    how = "reused" if summary.get("reused") else f"generated in {summary.get('seconds')} s"
    print(f"\nProjects benchmark: {args.territories} territories, {args.actions} actions per project, "
          f"{args.big_actions} in the measured one ({dialect}; {path or url}; {how})")
    print("Rows: " + ", ".join(f"{k} {v:,}" for k, v in summary.get("counts", {}).items()))
    print(f"{args.requests} measured requests per page after {args.warmup} warm-ups; query counts per request "
          "(max), compared with 8 territories of 3 actions.\n")
    print(table(big, small, str(args.territories), "8"))
    for label in skipped:
        print(f"\nSkipped (page not available yet): {label}")
    for key, m in big.items():
        if key in small and m.query_count > small[key].query_count:
            print(f"\nWARNING {m.page.label}: statements sent more often at scale:")
            for statement, a, b in growth(m, small[key])[:5]:
                print(f"  {a} -> {b}: {statement[:300]}")
    failures = check(big, small, enforce_time=args.territories >= NATIONAL_TERRITORIES and dialect == "sqlite")
    for failure in failures:
        print(f"FAIL {failure}")
    if not failures:
        print("\nAll targets hold.")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
