"""Time the actor map at scale: 2,000 actors and 10,000 ties on one territory.

    python -m benchmarks.actors [--actors 2000] [--ties 10000] [--requests 30] [--seed 1]

Builds a fresh SQLite file in ``benchmarks/out/actors.sqlite`` (about 2 s), then measures:
the analysis cold (cache cleared) and from the cache, the layout, the first page view after a
change (analysis + layout + SVG), the actor page's median and p95 with a warm cache, the SVG's
size, and the card of one actor. Exit status 1 when the issue's targets are missed: analysis
under 2 s cold and 50 ms cached, page p95 under 300 ms, SVG under 1 MB.
"""
from __future__ import annotations

import argparse
import math
import random
import statistics
import sys
import time
from pathlib import Path

import sqlalchemy as sa

from benchmarks.generate import OUT_DIR, bench_config

TARGETS = {"analysis_cold_s": 2.0, "analysis_cached_ms": 50.0, "page_p95_ms": 300.0, "svg_bytes": 1_000_000}
_KINDS = ("commune", "service_health", "service_youth_sport", "service_non_formal_education",
          "service_employment_training", "en_training_centre", "en_kindergarten", "association", "association",
          "association", "cooperative", "business", "artisan", "international_partner", "other")
_TIE_KINDS = ("funding", "coordination", "coordination", "information", "information", "partnership",
              "hierarchy", "conflict")


def build(path: Path, actors: int, ties: int, seed: int):
    """A fresh database with one territory holding ``actors`` actors and ``ties`` ties (clustered)."""
    from najma import create_app
    from najma.actors.models import Actor, ActorMap, Tie
    from najma.auth import services as auth_services
    from najma.extensions import db
    from najma.geography.services import PILOT_PROVINCE_CODES, load_regions_and_provinces
    from najma.models_base import utcnow
    from najma.territories.services import create_territory

    path.unlink(missing_ok=True)
    app = create_app(bench_config(f"sqlite:///{path}"))
    rng = random.Random(seed)
    with app.app_context():
        db.create_all()
        load_regions_and_provinces(PILOT_PROVINCE_CODES)
        province_id = db.session.execute(sa.text("SELECT id FROM provinces WHERE code = '05.081'")).scalar_one()
        territory = create_territory(None, {"name": "Bench actors", "province_id": province_id, "setting": "rural",
                                            "phase": "experimentation", "cohort": "Benchmark"})
        user = auth_services.create_user(None, "bench.actors@bench.najma.invalid", "Bench (bench)",
                                         "bench-password-2026")
        auth_services.grant_role(None, user, "antenna_staff", territory_id=territory.id)
        now = utcnow()
        db.session.execute(sa.insert(Actor), [
            {"territory_id": territory.id, "name": f"Acteur {n:05d} (bench)", "kind": rng.choice(_KINDS),
             "influence": rng.randint(0, 5), "description": "", "created_at": now, "updated_at": now}
            for n in range(actors)])
        ids = db.session.execute(sa.select(Actor.id).order_by(Actor.id)).scalars().all()
        groups = 20  # ties mostly inside 20 groups, as on a real territory (neighbourhoods, sectors)
        pairs = set()
        while len(pairs) < ties:
            a = rng.randrange(actors)
            if rng.random() < 0.8:
                b = (a // (actors // groups)) * (actors // groups) + rng.randrange(actors // groups)
            else:
                b = rng.randrange(actors)
            if a != b:
                pairs.add((min(a, b), max(a, b)))
        db.session.execute(sa.insert(Tie), [
            {"territory_id": territory.id, "source_id": ids[a], "target_id": ids[b], "kind": rng.choice(_TIE_KINDS),
             "directed": rng.random() < 0.3, "strength": rng.randint(1, 3), "evidence": "",
             "created_at": now, "updated_at": now} for a, b in sorted(pairs)])
        db.session.add(ActorMap(territory_id=territory.id, version=1))
        db.session.commit()
        slug, user_id, actor_id = territory.slug, user.id, ids[0]
        db.session.remove()
    return app, slug, user_id, actor_id


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--actors", type=int, default=2000)
    parser.add_argument("--ties", type=int, default=10000)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)

    from najma.actors import services
    from najma.extensions import db
    from najma.territories.services import get_by_slug

    OUT_DIR.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    app, slug, user_id, actor_id = build(OUT_DIR / "actors.sqlite", args.actors, args.ties, args.seed)
    built = time.perf_counter() - started
    figures: dict[str, float] = {}
    with app.app_context():
        territory = get_by_slug(slug)
        services.clear_cache()
        t = time.perf_counter()
        result = services.analysis(territory)
        figures["analysis_cold_s"] = time.perf_counter() - t
        t = time.perf_counter()
        for _ in range(20):
            services.analysis(territory)
        figures["analysis_cached_ms"] = (time.perf_counter() - t) / 20 * 1000
        t = time.perf_counter()
        services.drawing(territory, "influence")
        figures["layout_and_drawing_s"] = time.perf_counter() - t
        services.clear_cache()
        db.session.remove()

    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = str(user_id)
        session["_fresh"] = True
    url = f"/territories/{slug}/actors"
    t = time.perf_counter()
    response = client.get(url)
    figures["first_page_after_change_s"] = time.perf_counter() - t
    assert response.status_code == 200, response.status_code
    page = response.get_data(as_text=True)
    svg = page[page.index("<svg class=\"actor-graph"):page.index("</svg>") + 6]
    figures["svg_bytes"] = len(svg.encode("utf-8"))
    figures["page_bytes"] = len(response.data)
    for _ in range(3):
        client.get(url)
    times = []
    for _ in range(args.requests):
        t = time.perf_counter()
        assert client.get(url).status_code == 200
        times.append((time.perf_counter() - t) * 1000)
    figures["page_median_ms"] = statistics.median(times)
    figures["page_p95_ms"] = p95(times)
    card = []
    for _ in range(args.requests):
        t = time.perf_counter()
        assert client.get(f"/actors/{actor_id}?partial=1").status_code == 200
        card.append((time.perf_counter() - t) * 1000)
    figures["card_p95_ms"] = p95(card)

    print(f"\nActor map benchmark: {args.actors:,} actors, {args.ties:,} ties (SQLite; data built in {built:.1f} s)")
    print(f"Betweenness/closeness: {'exact' if result.exact else f'sampled, k={result.sample_size}'}; "
          f"{len(result.communities)} communities, {len(result.components)} components.\n")
    print("| Measure | Value | Target |\n|---|---:|---:|")
    rows = (("Analysis, cold", f"{figures['analysis_cold_s']:.2f} s", "< 2 s"),
            ("Analysis, from cache", f"{figures['analysis_cached_ms']:.3f} ms", "< 50 ms"),
            ("Layout + drawing (once per version)", f"{figures['layout_and_drawing_s']:.2f} s", ""),
            ("First actor page after a change", f"{figures['first_page_after_change_s']:.2f} s", ""),
            ("Actor page, median (warm)", f"{figures['page_median_ms']:.1f} ms", ""),
            ("Actor page, p95 (warm)", f"{figures['page_p95_ms']:.1f} ms", "< 300 ms"),
            ("Actor card (partial), p95", f"{figures['card_p95_ms']:.1f} ms", ""),
            ("SVG size", f"{figures['svg_bytes'] / 1e6:.2f} MB", "< 1 MB"),
            ("Whole page size", f"{figures['page_bytes'] / 1e6:.2f} MB", ""))
    for row in rows:
        print(f"| {row[0]} | {row[1]} | {row[2]} |")
    failures = [name for name, limit in TARGETS.items() if figures[name] > limit]
    if failures:
        print("\nFAILED: " + ", ".join(failures))
        return 1
    print("\nOK: every target met.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
