"""Time the steering committee's rollout dashboard at national scale: 400 territories.

    python -m benchmarks.dashboard [--territories 400] [--requests 30] [--warmup 3] [--seed 1]
                                   [--db PATH | --database-url URL] [--regenerate]

The territories, their bodies and members, and their territory projects (spread over the
workflow, with votes, conventions and follow-up) come from :mod:`benchmarks.projects`, whose
SQLite file is copied and reused. On top of it: the default gates, each territory's history of
phase moves (one per phase it went through, dated over the past two years), about two site
problems per territory (a quarter closed), the manual gate items ticked for some territories, and
the census and province outlines (``load_geography``, about 15 s once per database) so that the
map is drawn.

Scenarios, as a steering member: the dashboard served from its cache (the usual case), the
dashboard rebuilt on every request (its cache cleared before each: the first request after any
change), with the full timeline, the phase map image and the phase report's page; then a few
PDFs of the report. The same runs on a small database (8 territories) to show that no query
count grows with the territories. Exit status 1 when a target is missed: the cached dashboard's
p95 under 150 ms at 400 territories on SQLite, or a query count that grows.
"""
from __future__ import annotations

import argparse
import gc
import json
import random
import shutil
import statistics
import sys
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import sqlalchemy as sa

from benchmarks import projects
from benchmarks.generate import OUT_DIR, bench_config, database_url, remove_sqlite, sidecar
from benchmarks.run import Measure, Page, ensure_map_data, growing, growth, table, time_requests

DASHBOARD_GENERATOR_VERSION = 2  # 2: projects and rollout schema changes after review
DASHBOARD_P95_MS = 150.0
NATIONAL_TERRITORIES = 400
_PHASES = ("launch", "experimentation", "appropriation", "extension", "generalisation")
_SEVERITIES = ("low", "medium", "medium", "high", "blocking")
_PROBLEMS = ("Local de l'antenne indisponible", "Transport des bénéficiaires interrompu",
             "Animatrice en congé non remplacée", "Convention en attente de signature",
             "Faible participation des jeunes", "Matériel de formation manquant")

#: (key, page, url, cache): ``cold`` clears the dashboard's cache before every request.
SCENARIOS = (
    ("dashboard", Page("dashboard", "Dashboard (cached)", "steering"), "/rollout", "warm"),
    ("dashboard_cold", Page("dashboard_cold", "Dashboard (rebuilt: first request after a change)", "steering"),
     "/rollout", "cold"),
    ("dashboard_all", Page("dashboard_all", "Dashboard, full timeline (cached)", "steering"),
     "/rollout?timeline=all", "warm"),
    ("map", Page("map", "Phase map SVG (cached)", "steering"), "/rollout/map.svg", "warm"),
    ("report", Page("report", "Phase report page (cached data)", "steering"), "/rollout/report", "warm"),
)


def add_rollout(app, seed: int) -> dict[str, int]:
    """Gates, phase histories, site problems and gate ticks for every territory (bulk inserts)."""
    from najma.auth.models import RoleAssignment
    from najma.extensions import db
    from najma.governance.models import Body
    from najma.rollout.models import GateCheck, GateItem, PhaseTransition, SiteProblem
    from najma.rollout.services import seed_default_gates
    from najma.territories.models import Territory

    rng = random.Random(seed * 7 + 3)
    now = datetime.now(timezone.utc)
    today = date.today()
    counts = {"phase_transitions": 0, "site_problems": 0, "gate_checks": 0}
    with app.app_context():
        db.create_all()  # the rollout's tables, when the projects file predates them
        session = db.session
        seed_default_gates()
        manual = dict(session.execute(sa.select(GateItem.to_phase, GateItem.id).where(GateItem.kind == "manual")).all())
        antennas = dict(session.execute(sa.select(Body.territory_id, Body.id).where(Body.kind == "antenna")).all())
        steering = session.execute(sa.select(sa.func.min(RoleAssignment.user_id)).where(
            RoleAssignment.role == "steering")).scalar()
        transitions, problems, checks = [], [], []
        territories = session.execute(sa.select(Territory.id, Territory.phase).order_by(Territory.id)).all()
        session.execute(sa.update(Territory).values(created_at=now - timedelta(days=760)))
        for tid, phase in territories:
            reached = _PHASES.index(phase)
            days = sorted(rng.sample(range(5, 730), reached), reverse=True) if reached else []
            for step, ago in enumerate(days):
                transitions.append({
                    "territory_id": tid, "from_phase": _PHASES[step], "to_phase": _PHASES[step + 1],
                    "decided_on": today - timedelta(days=ago), "decided_at": now - timedelta(days=ago),
                    "decided_by_id": steering, "decided_by_name": "Comité de pilotage (bench)",
                    "decision": "Décision du comité de pilotage (données de benchmark).", "gate": [],
                    "overridden": False, "justification": ""})
            for n in range(rng.choice((0, 1, 2, 2, 3, 4))):
                ago = rng.randint(0, 240)
                status = rng.choices(("open", "solution_proposed", "closed"), (60, 15, 25))[0]
                problems.append({
                    "territory_id": tid, "body_id": antennas.get(tid), "severity": rng.choice(_SEVERITIES),
                    "title": f"{_PROBLEMS[n % len(_PROBLEMS)]} (benchmark)", "description": "",
                    "raised_at": now - timedelta(days=ago), "status": status,
                    "solution": "Solution proposée (benchmark)." if status != "open" else "",
                    "closed_at": now - timedelta(days=ago // 2) if status == "closed" else None,
                    "lock_version": 1, "is_demo": False, "created_at": now, "updated_at": now})
            target = _PHASES[reached + 1] if reached + 1 < len(_PHASES) else None
            if target in manual and rng.random() < 0.4:
                checks.append({"territory_id": tid, "gate_item_id": manual[target], "checked_by_id": steering,
                               "checked_at": now - timedelta(days=rng.randint(1, 60)), "note": "Rapport reçu (bench)."})
        for target, rows, key in ((PhaseTransition.__table__, transitions, "phase_transitions"),
                                 (SiteProblem.__table__, problems, "site_problems"),
                                 (GateCheck.__table__, checks, "gate_checks")):
            for start in range(0, len(rows), 2000):
                session.execute(sa.insert(target), rows[start:start + 2000])
            counts[key] = len(rows)
        session.commit()
        if db.engine.dialect.name == "sqlite":
            session.execute(sa.text("ANALYZE"))
            session.commit()
        session.remove()
    ensure_map_data(app)
    return counts


def prepare(url: str, path: Path | None, territories: int, seed: int, *, regenerate: bool) -> dict:
    """Make sure the database at ``url`` holds the projects benchmark's data plus the rollout's.

    A SQLite file is a copy of ``projects-<territories>.sqlite`` (generated first if needed), reused
    while its description matches; a PostgreSQL database is filled in place (``--regenerate``
    empties it first).
    """
    from najma import create_app
    from najma.extensions import db

    wanted = {"territories": territories, "seed": seed, "generator_version": DASHBOARD_GENERATOR_VERSION,
              "projects_generator_version": projects.PROJECTS_GENERATOR_VERSION}
    started = time.perf_counter()
    if path is not None:
        meta = sidecar(path)
        if path.exists() and not meta.exists():
            raise SystemExit(f"{path} exists but was not made by benchmarks.dashboard; remove it or pick another --db.")
        if path.exists() and not regenerate:
            summary = json.loads(meta.read_text())
            if all(summary.get(key) == value for key, value in wanted.items()):
                return {**summary, "reused": True}
        source = OUT_DIR / f"projects-{territories}.sqlite"
        projects.prepare(database_url(source), source, territories, 12, 40, seed, regenerate=regenerate)
        remove_sqlite(path)
        shutil.copyfile(source, path)
    else:
        projects.prepare(url, None, territories, 12, 40, seed, regenerate=regenerate)
    app = create_app(bench_config(url))
    counts = add_rollout(app, seed)
    with app.app_context():
        db.engine.dispose()
    summary = {**wanted, "counts": counts, "seconds": round(time.perf_counter() - started, 1)}
    if path is not None:
        sidecar(path).write_text(json.dumps(summary, indent=2, default=str) + "\n")
    return summary


def _steering(app) -> int:
    from najma.auth.models import RoleAssignment
    from najma.extensions import db

    with app.app_context():
        user_id = db.session.execute(sa.select(sa.func.min(RoleAssignment.user_id)).where(
            RoleAssignment.role == "steering")).scalar_one()
        db.session.remove()
    return user_id


def measure(app, *, requests: int, warmup: int) -> tuple[dict[str, Measure], list[float], int]:
    """Time every scenario; then the report's PDF a few times. Returns the measures, the PDF
    times (ms) and the PDF's size."""
    from najma.extensions import db
    from najma.rollout import dashboard

    counter = {"n": 0, "statements": []}

    def count(_conn, _cursor, statement, _params, _context, _executemany):
        counter["n"] += 1
        counter["statements"].append(statement)

    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = str(_steering(app))
        session["_fresh"] = True
    with app.app_context():
        engine = db.engine
    results: dict[str, Measure] = {}
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        for key, page, url, cache in SCENARIOS:
            m = Measure(page, url)
            gc.collect()
            if cache == "warm":
                time_requests(client, m, page.label, counter, warmup=warmup, requests=requests)
            else:
                for n in range(warmup + requests):
                    dashboard.clear_cache()
                    counter["n"], counter["statements"] = 0, []
                    started = time.perf_counter()
                    response = client.get(url)
                    elapsed = (time.perf_counter() - started) * 1000
                    if response.status_code != 200:
                        raise RuntimeError(f"{page.label} {url} answered {response.status_code}")
                    if n >= warmup:
                        m.times_ms.append(elapsed)
                        m.queries.append(counter["n"])
                        m.statements = counter["statements"]
            results[key] = m
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    pdf_times, size = [], 0
    for _n in range(3):
        started = time.perf_counter()
        response = client.get("/rollout/report.pdf")
        pdf_times.append((time.perf_counter() - started) * 1000)
        size = len(response.data)
    return results, pdf_times, size


def run(url: str, path: Path | None, territories: int, seed: int, *, requests: int, warmup: int,
        regenerate: bool):
    """Prepare the database at ``url``, then measure every scenario on it."""
    from najma import create_app
    from najma.extensions import db

    summary = prepare(url, path, territories, seed, regenerate=regenerate)
    app = create_app(bench_config(url))
    results, pdf_times, pdf_size = measure(app, requests=requests, warmup=warmup)
    with app.app_context():
        dialect = db.engine.dialect.name
        db.engine.dispose()
    return summary, results, pdf_times, pdf_size, dialect


def check(big: dict[str, Measure], small: dict[str, Measure], *, enforce_time: bool) -> list[str]:
    """Targets missed: the cached dashboard's p95 over 150 ms, or a query count that grows."""
    failures = []
    if enforce_time and big["dashboard"].p95 > DASHBOARD_P95_MS:
        failures.append(f"{big['dashboard'].page.label}: p95 {big['dashboard'].p95:.1f} ms > {DASHBOARD_P95_MS:.0f} ms")
    failures.extend(growing(big, small))
    return failures


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; 0 when every target holds, 1 otherwise."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--territories", type=int, default=NATIONAL_TERRITORIES)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--db", help="SQLite file (default: benchmarks/out/dashboard-<territories>.sqlite)")
    where.add_argument("--database-url", help="another database, e.g. postgresql+psycopg://.../najma_bench")
    parser.add_argument("--regenerate", action="store_true", help="build the data again")
    args = parser.parse_args(argv)

    if args.database_url:
        url, path = args.database_url, None
    else:
        path = Path(args.db).resolve() if args.db else OUT_DIR / f"dashboard-{args.territories}.sqlite"
        url = database_url(path)
    summary, big, pdf_times, pdf_size, dialect = run(url, path, args.territories, args.seed, requests=args.requests,
                                                     warmup=args.warmup, regenerate=args.regenerate)
    small_path = OUT_DIR / "dashboard-small.sqlite"
    _s, small, _p, _z, _d = run(database_url(small_path), small_path, 8, args.seed, requests=2, warmup=1,
                                regenerate=args.regenerate)
    how = "reused" if summary.get("reused") else f"generated in {summary.get('seconds')} s"
    print(f"\nDashboard benchmark: {args.territories} territories ({dialect}; {path or url}; {how})")
    print("Rollout rows: " + ", ".join(f"{k} {v:,}" for k, v in summary.get("counts", {}).items()))
    print(f"{args.requests} measured requests per page after {args.warmup} warm-ups; query counts per request "
          "(max), compared with 8 territories.\n")
    print(table(big, small, str(args.territories), "8"))
    print(f"\nPhase report PDF ({pdf_size / 1024:.0f} KB): median {statistics.median(pdf_times):.0f} ms "
          f"over {len(pdf_times)} requests.")
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
