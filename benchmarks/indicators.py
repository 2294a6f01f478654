"""Time the indicator pages at national scale: 400 territories, every default indicator, 10 periods.

    python -m benchmarks.indicators [--territories 400] [--periods 10] [--requests 30] [--warmup 3]
                                    [--seed 1] [--db PATH | --database-url URL] [--regenerate]
                                    [--no-map]

Territories, bodies, users and roles come from :func:`benchmarks.generate.generate`; the default
indicator set from ``seed_default_indicators``. Every territory then gets, inserted in bulk and
approved, for every indicator: measures for ``--periods`` half-years (rates with their numerators
and denominators; by sex too where the indicator is broken down by sex), census-year baselines
(2014, 2024) and two targets (2026, 2028); 3 % of the measures also carry a correction awaiting
validation, so that the approved version they replace stays the figure evaluators read. Unless ``--no-map``, the census and province outlines
are loaded (``load_geography``, about 15 s once per database) so that the map is drawn.

Scenarios, signed in as a steering member (who sees every value) and as an evaluator (approved
values only): the nation's page of a rate indicator and of a count indicator, a territory's
page of the rate indicator, a province's, the territory's indicator values, the charts as SVG,
the CSV and XLSX exports of the nation, the map by province, and the steering dashboard (cached,
and rebuilt as after an approval). The same runs on 8 territories to show that no query count
grows. Exit status 1 when a target is missed: the nation's pages' p95 under 150 ms (at 400
territories on SQLite), or a query count that grows.
"""
from __future__ import annotations

import argparse
import gc
import json
import random
import sys
import time
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa

from benchmarks.generate import OUT_DIR, Scale, bench_config, database_url, generate, remove_sqlite, sidecar
from benchmarks.run import Measure, Page, ensure_map_data, growing, growth, table, time_requests

INDICATORS_GENERATOR_VERSION = 3
#: Share of measures with a correction awaiting approval (the approved version stays official).
CORRECTED_SHARE = 0.03
NATION_P95_MS = 150.0
NATIONAL_TERRITORIES = 400
RATE, COUNT = "illiteracy_10_plus", "cooperatives_created"
CENSUS_YEARS = ("2014", "2024")
TARGET_PERIODS = ("2026", "2028")

#: (key, page, url (from the targets found), cache): ``cold`` clears the dashboard's cache first.
SCENARIOS = (
    ("nation_rate", Page("nation_rate", "Nation page, rate indicator", "steering", critical=True),
     lambda t: f"/indicators/{RATE}", "warm"),
    ("nation_rate_evaluator", Page("nation_rate_evaluator", "Nation page, rate (evaluator: approved only)",
                                   "evaluator", critical=True), lambda t: f"/indicators/{RATE}", "warm"),
    ("nation_count", Page("nation_count", "Nation page, count indicator", "steering", critical=True),
     lambda t: f"/indicators/{COUNT}", "warm"),
    ("province", Page("province", "Province page, rate", "steering"),
     lambda t: f"/indicators/{RATE}?place=province:{t['province']}", "warm"),
    ("territory", Page("territory", "Territory page, rate", "steering"),
     lambda t: f"/indicators/{RATE}?place=territory:{t['slug']}", "warm"),
    ("territory_values", Page("territory_values", "Territory's indicator values", "steering"),
     lambda t: f"/territories/{t['slug']}/indicators", "warm"),
    ("series_svg", Page("series_svg", "Series chart SVG (nation)", "steering"),
     lambda t: f"/indicators/{RATE}/chart.svg", "warm"),
    ("bars_svg", Page("bars_svg", "Bars chart SVG (nation, by province)", "steering"),
     lambda t: f"/indicators/{RATE}/chart.svg?chart=bars", "warm"),
    ("csv", Page("csv", "CSV export (nation)", "steering"), lambda t: f"/indicators/{RATE}/export.csv", "warm"),
    ("xlsx", Page("xlsx", "XLSX export (nation)", "steering"), lambda t: f"/indicators/{RATE}/export.xlsx", "warm"),
    ("map", Page("map", "Map by province", "steering"), lambda t: f"/indicators/{RATE}/map", "warm"),
    ("dashboard", Page("dashboard", "Steering dashboard (cached)", "steering"), lambda t: "/rollout", "warm"),
    ("dashboard_cold", Page("dashboard_cold", "Steering dashboard (rebuilt)", "steering"), lambda t: "/rollout",
     "cold"),
)


def _bench_scale(territories: int) -> Scale:
    """Territories with their bodies and a few people (the indicator pages do not list people)."""
    return Scale("indicators", territories=territories, users=max(100, territories * 3),
                 memberships=territories * 3, meetings=territories, audit_events=0, hot_members=9, hot_meetings=2,
                 steering_members=3, steering_meetings=2, attended_meetings=2)


def half_years(count: int, last_year: int = 2025) -> list[str]:
    """``count`` half-year periods ending with the second half of ``last_year``, oldest first."""
    out = []
    year, half = last_year, 2
    for _n in range(count):
        out.append(f"{year}-S{half}")
        year, half = (year, 1) if half == 2 else (year - 1, 2)
    return list(reversed(out))


def add_values(app, periods: int, seed: int) -> dict[str, int]:
    """Seed the default indicators and give every territory approved values of each (bulk inserts)."""
    from najma.auth.models import RoleAssignment
    from najma.extensions import db
    from najma.indicators.entry import slot_of
    from najma.indicators.models import Indicator, IndicatorValue
    from najma.indicators.register import seed_default_indicators
    from najma.territories.models import Territory

    rng = random.Random(seed * 31 + periods)
    now = datetime.now(timezone.utc)
    with app.app_context():
        db.create_all()
        seed_default_indicators()
        session = db.session
        steering = session.execute(sa.select(sa.func.min(RoleAssignment.user_id)).where(
            RoleAssignment.role == "steering")).scalar()
        indicators = session.execute(sa.select(Indicator).order_by(Indicator.position)).scalars().all()
        territories = session.execute(sa.select(Territory.id).order_by(Territory.id)).scalars().all()
        codes = half_years(periods)
        rows: list[dict] = []

        def add(indicator, territory_id, period, kind, value, numerator=None, denominator=None, sex=None):
            rows.append({
                "indicator_id": indicator.id, "territory_id": territory_id, "province_id": None, "period": period,
                "kind": kind, "sex": sex, "target_group_id": None, "area": None,
                "slot": slot_of(indicator.id, territory_id, None, period, kind, sex, None, None),
                "value": value, "numerator": numerator, "denominator": denominator,
                "source_text": "Données de benchmark", "note": "", "status": "approved", "version": 1,
                "is_current": True, "entered_by_id": steering, "entered_at": now, "validated_by_id": steering,
                "validated_at": now, "approved_by_id": steering, "approved_at": now, "is_demo": False,
                "is_official": True})

        def correct_some() -> None:
            """A correction awaiting validation on some measures: the approved version steps aside
            (not current) and stays the official figure for readers who do not see pending values."""
            if rows[-1]["kind"] != "measure" or rng.random() >= CORRECTED_SHARE:
                return
            approved = rows[-1]
            approved["is_current"] = False
            rows.append({**approved, "version": 2, "is_current": True, "is_official": False, "status": "entered",
                         "validated_by_id": None,
                         "validated_at": None, "approved_by_id": None, "approved_at": None,
                         "value": approved["value"] + 1 if approved["numerator"] is None else approved["value"]})

        def rate(share: float, denominator: int) -> tuple[Decimal, Decimal, Decimal]:
            numerator = Decimal(round(share * denominator))
            return (numerator * 100 / denominator).quantize(Decimal("0.0001")), numerator, Decimal(denominator)

        for indicator in indicators:
            by_sex = "sex" in (indicator.disaggregations or ())
            for territory_id in territories:
                size = rng.randint(2000, 40000)
                level = rng.uniform(0.2, 0.6)
                for year in CENSUS_YEARS if indicator.source == "census" else CENSUS_YEARS[1:]:
                    if indicator.aggregation == "rate":
                        add(indicator, territory_id, year, "baseline", *rate(level, size))
                    else:
                        add(indicator, territory_id, year, "baseline", Decimal(rng.randint(0, 20)))
                for step, period in enumerate(codes):
                    if indicator.aggregation == "rate":
                        share = max(0.01, level - 0.01 * step + rng.uniform(-0.02, 0.02))
                        add(indicator, territory_id, period, "measure", *rate(share, size))
                        correct_some()
                        if by_sex:
                            add(indicator, territory_id, period, "measure", *rate(min(share * 1.2, 0.99), size // 2),
                                sex="female")
                            add(indicator, territory_id, period, "measure", *rate(share * 0.8, size // 2), sex="male")
                    else:
                        value = rng.randint(0, 30) + step
                        add(indicator, territory_id, period, "measure", Decimal(value))
                        correct_some()
                        if by_sex:
                            add(indicator, territory_id, period, "measure", Decimal(value // 2), sex="female")
                            add(indicator, territory_id, period, "measure", Decimal(value - value // 2), sex="male")
                for offset, period in enumerate(TARGET_PERIODS):
                    if indicator.aggregation == "rate":
                        add(indicator, territory_id, period, "target", *rate(max(0.01, level - 0.1 * (offset + 1)), size))
                    else:
                        add(indicator, territory_id, period, "target", Decimal(40 + 20 * offset))
        for start in range(0, len(rows), 5000):
            session.execute(sa.insert(IndicatorValue.__table__), rows[start:start + 5000])
        session.commit()
        # Fresh statistics, as autovacuum would soon have them: without them PostgreSQL expects one
        # row per indicator and joins the territories in a nested loop (ten times slower).
        session.execute(sa.text("ANALYZE"))
        session.commit()
        session.remove()
    return {"indicators": len(indicators), "indicator_values": len(rows)}


def prepare(url: str, path: Path | None, territories: int, periods: int, seed: int, *, regenerate: bool,
            with_map: bool) -> dict:
    """Make sure the database at ``url`` holds the territories and their indicator values.

    A SQLite file is reused while its description matches; a PostgreSQL database is emptied
    (``drop_all``) only with ``regenerate``."""
    from najma import create_app
    from najma.extensions import db

    wanted = {"territories": territories, "periods": periods, "seed": seed, "with_map": with_map,
              "generator_version": INDICATORS_GENERATOR_VERSION}
    if path is not None:
        meta = sidecar(path)
        if path.exists() and not meta.exists():
            raise SystemExit(f"{path} exists but was not made by benchmarks.indicators; remove it or pick another --db.")
        if path.exists() and not regenerate:
            summary = json.loads(meta.read_text())
            if all(summary.get(key) == value for key, value in wanted.items()):
                return {**summary, "reused": True}
        remove_sqlite(path)
        path.parent.mkdir(parents=True, exist_ok=True)
    app = create_app(bench_config(url))
    if path is None:
        with app.app_context():
            if sa.inspect(db.engine).has_table("indicator_values") and not regenerate:
                raise SystemExit("The database holds data; pass --regenerate to empty it (drop_all).")
            db.session.remove()
            db.drop_all()
            db.session.remove()
    started = time.perf_counter()
    generate(app, _bench_scale(territories), seed, verbose=False)
    counts = add_values(app, periods, seed)
    if with_map:
        ensure_map_data(app)
    with app.app_context():
        db.engine.dispose()
    summary = {**wanted, "counts": counts, "seconds": round(time.perf_counter() - started, 1)}
    if path is not None:
        sidecar(path).write_text(json.dumps(summary, indent=2, default=str) + "\n")
    return summary


def find_targets(app) -> dict:
    """Who signs in, and the territory and province measured."""
    from najma.auth.models import RoleAssignment
    from najma.extensions import db
    from najma.geography.models import Province
    from najma.territories.models import Territory

    with app.app_context():
        session = db.session
        slug, province = session.execute(
            sa.select(Territory.slug, Province.code).join(Province, Province.id == Territory.province_id)
            .where(Territory.slug == "bench-0001")).one()
        users = {role: session.execute(sa.select(sa.func.min(RoleAssignment.user_id)).where(
            RoleAssignment.role == role)).scalar() for role in ("steering", "evaluator")}
        if users["evaluator"] is None:
            from najma.auth import services as auth_services

            user = auth_services.create_user(None, "evaluator@bench.najma.invalid", "Évaluatrice (bench)",
                                             "bench-password-2026")
            auth_services.grant_role(None, user, "evaluator")
            users["evaluator"] = user.id
        session.remove()
    return {"slug": slug, "province": province, **users}


def measure(app, *, requests: int, warmup: int) -> dict[str, Measure]:
    """Time every scenario."""
    from najma.extensions import db
    from najma.rollout import dashboard

    targets = find_targets(app)
    counter = {"n": 0, "statements": []}

    def count(_conn, _cursor, statement, _params, _context, _executemany):
        counter["n"] += 1
        counter["statements"].append(statement)

    clients = {}
    for who in ("steering", "evaluator"):
        client = app.test_client()
        with client.session_transaction() as session:
            session["_user_id"] = str(targets[who])
            session["_fresh"] = True
        clients[who] = client
    with app.app_context():
        engine = db.engine
    results: dict[str, Measure] = {}
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        for key, page, url, cache in SCENARIOS:
            m = Measure(page, url(targets))
            gc.collect()
            if cache == "warm":
                time_requests(clients[page.user], m, page.label, counter, warmup=warmup, requests=requests)
            else:
                for n in range(warmup + requests):
                    dashboard.clear_cache()
                    counter["n"], counter["statements"] = 0, []
                    started = time.perf_counter()
                    response = clients[page.user].get(m.url)
                    elapsed = (time.perf_counter() - started) * 1000
                    if response.status_code != 200:
                        raise RuntimeError(f"{page.label} {m.url} answered {response.status_code}")
                    if n >= warmup:
                        m.times_ms.append(elapsed)
                        m.queries.append(counter["n"])
                        m.statements = counter["statements"]
            results[key] = m
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    return results


def run(url: str, path: Path | None, territories: int, periods: int, seed: int, *, requests: int, warmup: int,
        regenerate: bool, with_map: bool):
    """Prepare the database at ``url``, then measure every scenario on it."""
    from najma import create_app
    from najma.extensions import db

    summary = prepare(url, path, territories, periods, seed, regenerate=regenerate, with_map=with_map)
    app = create_app(bench_config(url))
    results = measure(app, requests=requests, warmup=warmup)
    with app.app_context():
        dialect = db.engine.dialect.name
        db.engine.dispose()
    return summary, results, dialect


def check(big: dict[str, Measure], small: dict[str, Measure], *, enforce_time: bool) -> list[str]:
    """Targets missed: a nation page's p95 over 150 ms (when timed targets apply), or a query count
    that grows."""
    failures = [f"{m.page.label}: p95 {m.p95:.1f} ms > {NATION_P95_MS:.0f} ms"
                for m in big.values() if enforce_time and m.page.critical and m.p95 > NATION_P95_MS]
    return failures + growing(big, small)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; 0 when every target holds, 1 otherwise."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--territories", type=int, default=NATIONAL_TERRITORIES)
    parser.add_argument("--periods", type=int, default=10)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-map", action="store_true", help="skip loading the census and outlines")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--db", help="SQLite file (default: benchmarks/out/indicators-<territories>.sqlite)")
    where.add_argument("--database-url", help="another database, e.g. postgresql+psycopg://.../najma_bench")
    parser.add_argument("--regenerate", action="store_true", help="build the data again")
    args = parser.parse_args(argv)

    if args.database_url:
        url, path = args.database_url, None
    else:
        path = Path(args.db).resolve() if args.db else OUT_DIR / f"indicators-{args.territories}.sqlite"
        url = database_url(path)
    with_map = not args.no_map
    summary, big, dialect = run(url, path, args.territories, args.periods, args.seed, requests=args.requests,
                                warmup=args.warmup, regenerate=args.regenerate, with_map=with_map)
    small_path = OUT_DIR / "indicators-small.sqlite"
    _s, small, _d = run(database_url(small_path), small_path, 8, args.periods, args.seed, requests=2, warmup=1,
                        regenerate=args.regenerate, with_map=with_map)
    how = "reused" if summary.get("reused") else f"generated in {summary.get('seconds')} s"
    print(f"\nIndicators benchmark: {args.territories} territories, {args.periods} periods "
          f"({dialect}; {path or url}; {how})")
    print("Rows: " + ", ".join(f"{k} {v:,}" for k, v in summary.get("counts", {}).items()))
    print(f"{args.requests} measured requests per page after {args.warmup} warm-ups; query counts per request "
          "(max), compared with 8 territories.\n")
    print(table(big, small, str(args.territories), "8"))
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
