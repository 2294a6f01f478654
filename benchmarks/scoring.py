"""Time the selection of the next territories on the whole country: 1,503 communes scored.

    python -m benchmarks.scoring [--db PATH] [--requests 30] [--regenerate]

Loads the full reference geography and census (``load_geography()``, about 15 s, once) into
``benchmarks/out/scoring.sqlite``, with four benchmark pilot territories (three communes each,
in the four pilot provinces), a steering account and 100 staff scores. Then measures: building
the standardised matrix (cache cleared), scoring every commune cold (matrix included) and warm,
the similarity to the pilots, the coverage, and the three pages (median and p95). Exit status 1
when scoring the 1,503 communes takes 1 s or more, cold.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import sqlalchemy as sa

from benchmarks.generate import OUT_DIR, bench_config

TARGET_SCORING_S = 1.0
PILOTS = (("05.081", "Bench pilote Azilal"), ("01.151", "Bench pilote Chefchaouen"),
          ("07.041", "Bench pilote El Haouz"), ("07.431", "Bench pilote Safi"))


def _ready(app) -> bool:
    from najma.extensions import db
    from najma.geography.models import Commune

    with app.app_context():
        try:
            return db.session.execute(sa.select(sa.func.count(Commune.id))).scalar() >= 1503
        except sa.exc.OperationalError:
            return False
        finally:
            db.session.remove()


def prepare(path: Path, *, regenerate: bool):
    """The application on ``path``, loaded with the whole country once (reused afterwards)."""
    from najma import create_app

    if regenerate:
        path.unlink(missing_ok=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    app = create_app(bench_config(f"sqlite:///{path}"))
    if _ready(app):
        return app
    from najma.auth import services as auth_services
    from najma.extensions import db
    from najma.geography.models import Commune, Province
    from najma.geography.services import load_geography
    from najma.rollout.models import ManualScore
    from najma.territories.services import create_territory, set_communes

    with app.app_context():
        db.create_all()
        started = time.perf_counter()
        load_geography()
        print(f"load_geography(): {time.perf_counter() - started:.1f} s")
        for code, name in PILOTS:
            province = db.session.execute(sa.select(Province).where(Province.code == code)).scalar_one()
            territory = create_territory(None, {"name": name, "province_id": province.id, "setting": "rural",
                                                "phase": "experimentation", "cohort": "Benchmark"})
            ids = db.session.execute(sa.select(Commune.id).where(Commune.province_id == province.id)
                                     .order_by(Commune.code).limit(3)).scalars().all()
            set_communes(None, territory, ids)
        user = auth_services.create_user(None, "bench.selection@bench.najma.invalid", "Sélection (bench)",
                                         "bench-password-2026")
        auth_services.grant_role(None, user, "steering")
        ids = db.session.execute(sa.select(Commune.id).order_by(Commune.code)).scalars().all()
        db.session.add_all(ManualScore(commune_id=commune_id, criterion="staff_qualification", score=n % 6,
                                       note="Score de benchmark") for n, commune_id in enumerate(ids[::15]))
        db.session.commit()
        db.session.remove()
    return app


def _times(call, repeat: int, clear=None) -> list[float]:
    result = []
    for _ in range(repeat):
        if clear:
            clear()
        started = time.perf_counter()
        call()
        result.append((time.perf_counter() - started) * 1000)
    return result


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, round(0.95 * len(ordered)) - 1)]


def measure(app, requests: int) -> dict[str, list[float]]:
    """Timings in milliseconds of each scenario."""
    from najma.auth.models import User
    from najma.extensions import db
    from najma.rollout import scoring

    results: dict[str, list[float]] = {}
    with app.app_context():
        count = len(scoring.matrix().codes)
        weights = scoring.DEFAULT_WEIGHTS
        results["matrix build (cold)"] = _times(scoring.matrix, 5, scoring.clear_cache)
        results[f"score_communes, {count} communes, cold"] = _times(
            lambda: scoring.score_communes(weights), 5, scoring.clear_cache)
        scoring.matrix()
        results[f"score_communes, {count} communes, warm"] = _times(lambda: scoring.score_communes(weights), requests)
        results["similar_to_pilots(50), warm"] = _times(lambda: scoring.similar_to_pilots(50), requests)
        results["coverage()"] = _times(scoring.coverage, requests)
        user_id = db.session.execute(sa.select(User.id).where(
            User.email == "bench.selection@bench.najma.invalid")).scalar_one()
        db.session.remove()
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = str(user_id)
        session["_fresh"] = True
    for name, url in (("page /rollout/candidates", "/rollout/candidates"),
                      ("page /rollout/similar", "/rollout/similar"),
                      ("page /rollout/coverage", "/rollout/coverage")):
        for _ in range(3):
            assert client.get(url).status_code == 200
        results[name] = _times(lambda: client.get(url), requests)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=OUT_DIR / "scoring.sqlite")
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--regenerate", action="store_true")
    args = parser.parse_args(argv)
    app = prepare(args.db, regenerate=args.regenerate)
    results = measure(app, args.requests)
    print("| Scenario | Median ms | p95 ms | Runs |\n|---|---:|---:|---:|")
    for name, values in results.items():
        print(f"| {name} | {statistics.median(values):.1f} | {_p95(values):.1f} | {len(values)} |")
    cold = max(next(v for k, v in results.items() if k.startswith("score_communes") and k.endswith("cold")))
    if cold >= TARGET_SCORING_S * 1000:
        print(f"FAIL: scoring took {cold:.0f} ms cold (target under {TARGET_SCORING_S * 1000:.0f} ms)")
        return 1
    print(f"OK: scoring under {TARGET_SCORING_S * 1000:.0f} ms cold (worst {cold:.0f} ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
