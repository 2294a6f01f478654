"""Time NAJMA's main pages and count their SQL queries, at national scale and at a small scale.

    python -m benchmarks.run [--db PATH] [--requests N] [--scale small|national]

Data is generated first when the database does not exist yet (or was generated another day,
with another seed or at another scale). Each page is requested ``--warmup`` times, then
``--requests`` times with the Flask test client, signed in by setting ``_user_id`` in the
session; the table gives the median and 95th percentile of the wall time of one request
(routing, SQL, template rendering; no network) and the number of SQL statements the request
sent, counted with a ``before_cursor_execute`` listener on the engine.

The same pages are measured on a small database; a query count that differs between the two
scales means a page sends queries per row (N+1), and the statements whose count grew are
printed.

Exit status 1 when, at national scale on SQLite, the territory list, a territory page or a
body page sends more than 10 queries or takes more than 100 ms at p95 (the requirement).
"""
from __future__ import annotations

import argparse
import gc
import json
import math
import re
import statistics
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import sqlalchemy as sa

from benchmarks.generate import GENERATOR_VERSION, bench_config, database_url, default_db_path, sidecar

#: The requirement for the three key pages, at national scale on SQLite.
MAX_QUERIES = 10
MAX_P95_MS = 100.0


@dataclass(frozen=True)
class Page:
    key: str
    label: str
    user: str  # "staff" (antenna staff of Bench 0001) or "admin"
    critical: bool = False


PAGES = (
    Page("territory_list", "Territory list", "staff", critical=True),
    Page("territory", "Territory page", "staff", critical=True),
    Page("body", "Body page (committee)", "staff", critical=True),
    Page("steering", "Steering page", "staff"),
    Page("home_staff", "Home (antenna staff)", "staff"),
    Page("home_admin", "Home (admin)", "admin"),
    Page("audit", "Audit log (admin)", "admin"),
    Page("users", "Users list (admin)", "admin"),
    Page("meeting", "Meeting page", "staff"),
    Page("national_map", "National map (indicator)", "staff"),
    Page("national_map_phase", "National map (phases)", "staff"),
    Page("province_geojson", "Provinces GeoJSON (cached)", "staff"),
)


@dataclass
class Measure:
    page: Page
    url: str
    times_ms: list[float] = field(default_factory=list)
    queries: list[int] = field(default_factory=list)
    statements: list[str] = field(default_factory=list)  # of the last request

    @property
    def median(self) -> float:
        return statistics.median(self.times_ms) if self.times_ms else float("nan")

    @property
    def p95(self) -> float:
        if not self.times_ms:
            return float("nan")
        ordered = sorted(self.times_ms)
        return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]  # nearest rank

    @property
    def query_count(self) -> int:
        return max(self.queries) if self.queries else 0


def find_targets(app) -> dict:
    """The users and objects the pages are requested for, found in the generated data."""
    from najma.auth.models import RoleAssignment, User
    from najma.extensions import db
    from najma.governance.models import Body, Meeting
    from najma.territories.models import Territory

    with app.app_context():
        session = db.session
        territory = session.execute(sa.select(Territory).where(Territory.slug == "bench-0001")).scalar_one()
        # The generator gives Bench 0001's committee the most seats and meetings.
        body_id = session.execute(
            sa.select(Body.id).where(Body.kind == "committee", Body.territory_id == territory.id)).scalar_one()
        # Its first meeting: a recent past one, adopted, with its attendance recorded, at every scale.
        meeting_id = session.execute(
            sa.select(sa.func.min(Meeting.id)).where(Meeting.body_id == body_id)).scalar_one()

        def first_user(role: str, territory_id: int | None = None) -> int:
            query = (sa.select(RoleAssignment.user_id).join(User, User.id == RoleAssignment.user_id)
                     .where(RoleAssignment.role == role, User.active.is_(True)).order_by(RoleAssignment.user_id))
            if territory_id is not None:
                query = query.where(RoleAssignment.territory_id == territory_id)
            return session.execute(query.limit(1)).scalar_one()

        targets = {"slug": territory.slug, "body_id": body_id, "meeting_id": meeting_id,
                   "staff": first_user("antenna_staff", territory.id), "admin": first_user("admin")}
        db.session.remove()
    return targets


def page_urls(targets: dict) -> dict[str, str]:
    return {
        "territory_list": "/territories/",
        "territory": f"/territories/{targets['slug']}",
        "body": f"/bodies/{targets['body_id']}",
        "steering": "/steering",
        "home_staff": "/",
        "home_admin": "/",
        "audit": "/admin/audit",
        "users": "/admin/users",
        "meeting": f"/meetings/{targets['meeting_id']}",
        "national_map": "/geo/map?indicator=illiteracy_10_plus&census=2024",
        "national_map_phase": "/geo/map?mode=phase",
        "province_geojson": "/geo/boundaries/province.geojson",
    }


def measure_pages(app, *, requests: int = 30, warmup: int = 3, pages=PAGES) -> dict[str, Measure]:
    """Request every page ``warmup`` + ``requests`` times; no application context stays pushed."""
    from najma.extensions import db

    targets = find_targets(app)
    urls = page_urls(targets)
    with app.app_context():
        engine = db.engine
    counter = {"n": 0, "statements": []}

    def count(_conn, _cursor, statement, _params, _context, _executemany):
        counter["n"] += 1
        counter["statements"].append(statement)

    clients = {}
    for who in ("staff", "admin"):
        client = app.test_client()
        with client.session_transaction() as session:
            session["_user_id"] = str(targets[who])
            session["_fresh"] = True
        clients[who] = client

    results: dict[str, Measure] = {}
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        for page in pages:
            measure = Measure(page, urls[page.key])
            gc.collect()  # start each page from the same heap; full collections during the loop still count
            time_requests(clients[page.user], measure, page.label, counter, warmup=warmup, requests=requests)
            results[page.key] = measure
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    return results


def time_requests(client, measure: Measure, label: str, counter: dict, *, warmup: int, requests: int) -> None:
    """GET ``measure.url`` ``warmup`` times, then ``requests`` times recording each time (ms) and
    query count (``counter``, filled by a ``before_cursor_execute`` listener); non-200 stops the run."""
    for n in range(warmup + requests):
        counter["n"], counter["statements"] = 0, []
        started = time.perf_counter()
        response = client.get(measure.url)
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 200:
            raise RuntimeError(f"{label} {measure.url} answered {response.status_code}")
        if n >= warmup:
            measure.times_ms.append(elapsed)
            measure.queries.append(counter["n"])
            measure.statements = counter["statements"]


def _normalise(statement: str) -> str:
    """A statement with its IN lists and whitespace collapsed, to compare across scales."""
    statement = re.sub(r"\s+", " ", statement).strip()
    return re.sub(r"IN \((?:\?|__\[POSTCOMPILE_\w+\]|%\(\w+\)s|, )+\)", "IN (...)", statement)


def growth(big: Measure, small: Measure) -> list[tuple[str, int, int]]:
    """Statements sent more often at the big scale: (statement, count small, count big)."""
    a, b = Counter(map(_normalise, small.statements)), Counter(map(_normalise, big.statements))
    return [(s, a.get(s, 0), n) for s, n in b.most_common() if n > a.get(s, 0)]


def prepare(db: str | Path, scale: str, seed: int, *, regenerate: bool = False) -> dict:
    """Make sure the SQLite file ``db`` holds ``scale``'s data; return the generation summary."""
    path = Path(db).resolve()
    meta = sidecar(path)
    if path.exists() and not meta.exists():
        raise SystemExit(f"{path} exists but was not made by benchmarks.generate; remove it or pick another --db.")
    if path.exists() and not regenerate:
        summary = json.loads(meta.read_text())
        if (summary.get("scale"), summary.get("seed"), summary.get("generated_on"),
                summary.get("generator_version")) == (scale, seed, date.today().isoformat(), GENERATOR_VERSION):
            summary["reused"] = True
            return summary
    # In a child process, so that the measuring process holds only what a server would.
    command = [sys.executable, "-m", "benchmarks.generate", "--scale", scale, "--seed", str(seed), "--db", str(path),
               "--force"]
    subprocess.run(command, check=True, cwd=Path(__file__).resolve().parent.parent)
    return json.loads(meta.read_text())


def run_scale(db: str | Path, scale: str, seed: int, *, requests: int, warmup: int,
              regenerate: bool = False) -> tuple[dict, dict[str, Measure], str]:
    from najma import create_app
    from najma.extensions import db as _db

    summary = prepare(db, scale, seed, regenerate=regenerate)
    app = create_app(bench_config(database_url(db)))
    ensure_map_data(app)
    results = measure_pages(app, requests=requests, warmup=warmup)
    with app.app_context():
        dialect = _db.engine.dialect.name
        _db.engine.dispose()
    return summary, results, dialect


def ensure_map_data(app) -> None:
    """Census records and outlines for the map pages: ``load_geography`` once per database (about 15 s)."""
    from najma.extensions import db as _db
    from najma.geography.models import Boundary
    from najma.geography.services import load_geography

    with app.app_context():
        if _db.session.execute(sa.select(Boundary.id).limit(1)).first() is None:
            load_geography()
        _db.session.remove()


def table(big: dict[str, Measure], small: dict[str, Measure], big_name: str, small_name: str) -> str:
    """The results as a Markdown table, with the small database's query counts beside (the
    benchmarks of pages share it)."""
    header = (f"| Page | URL | Median ms | p95 ms | Queries ({big_name}) | Queries ({small_name}) |\n"
              "|---|---|---:|---:|---:|---:|")
    rows = []
    for key, m in big.items():
        s = small[key].query_count if key in small else 0
        flag = " ⚠ grows" if m.query_count > s else ""
        rows.append(f"| {m.page.label} | `{m.url}` | {m.median:.1f} | {m.p95:.1f} | {m.query_count}{flag} | {s} |")
    return "\n".join([header, *rows])


def growing(big: dict[str, Measure], small: dict[str, Measure]) -> list[str]:
    """Pages that send more queries on the big database than on the small one."""
    return [f"{m.page.label}: {small[key].query_count} queries on the small database, {m.query_count} on the big one"
            for key, m in big.items() if key in small and m.query_count > small[key].query_count]


def check(results: dict[str, Measure], *, enforce_time: bool = True) -> list[str]:
    """Requirement failures of the critical pages."""
    failures = []
    for m in results.values():
        if not m.page.critical:
            continue
        if m.query_count > MAX_QUERIES:
            failures.append(f"{m.page.label}: {m.query_count} queries > {MAX_QUERIES}")
        if enforce_time and m.p95 > MAX_P95_MS:
            failures.append(f"{m.page.label}: p95 {m.p95:.1f} ms > {MAX_P95_MS:.0f} ms")
    return failures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", choices=("small", "national"), default="national")
    parser.add_argument("--db", help="SQLite file for --scale (default: benchmarks/out/<scale>.sqlite)")
    parser.add_argument("--requests", type=int, default=30, help="measured requests per page (default 30)")
    parser.add_argument("--warmup", type=int, default=3, help="unmeasured requests first (default 3)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--regenerate", action="store_true", help="generate the data again even if present")
    args = parser.parse_args(argv)

    compare = "small" if args.scale == "national" else "tiny"
    db = args.db or default_db_path(args.scale)
    started = time.perf_counter()
    summary, big, dialect = run_scale(db, args.scale, args.seed, requests=args.requests, warmup=args.warmup,
                                      regenerate=args.regenerate)
    _small_summary, small, _ = run_scale(default_db_path(compare), compare, args.seed, requests=3, warmup=1,
                                         regenerate=args.regenerate)

    counts = summary.get("counts", {})
    how = "reused" if summary.get("reused") else "generated"
    print(f"\nDatabase: {db} ({dialect}), {args.scale} scale, {how}"
          + (f" (generation took {summary['seconds']} s)" if summary.get("seconds") is not None else ""))
    print("Rows: " + ", ".join(f"{k} {v:,}" for k, v in counts.items()))
    print(f"{args.requests} measured requests per page after {args.warmup} warm-ups; "
          f"query counts per request (max over the requests).\n")
    print(table(big, small, args.scale, compare))

    grown = [(m, growth(m, small[key])) for key, m in big.items() if m.query_count > small[key].query_count]
    for m, statements in grown:
        print(f"\nWARNING {m.page.label}: {small[m.page.key].query_count} queries at {compare} scale, "
              f"{m.query_count} at {args.scale} scale. Statements sent more often:")
        for statement, a, b in statements[:5]:
            print(f"  {a} -> {b}: {statement[:300]}")

    failures = check(big, enforce_time=args.scale == "national" and dialect == "sqlite")
    if args.scale != "national":
        failures = [f for f in failures if "queries" in f]
    print(f"\nTotal {time.perf_counter() - started:.1f} s.")
    if failures:
        print("FAILED requirement (<= %d queries, p95 <= %.0f ms on the key pages):" % (MAX_QUERIES, MAX_P95_MS))
        for failure in failures:
            print("  " + failure)
        return 1
    print(f"OK: territory list, territory page and body page within {MAX_QUERIES} queries"
          + (f" and {MAX_P95_MS:.0f} ms p95." if args.scale == "national" and dialect == "sqlite" else "."))
    return 0


if __name__ == "__main__":
    sys.exit(main())
