"""Smoke test of ``benchmarks/``: generate two tiny databases and compare the pages' query counts.

A page whose SQL query count is larger on the bigger database sends queries per row (N+1).
Runs on its own applications and SQLite files, not on the shared test fixtures.
"""
from __future__ import annotations

from benchmarks.generate import SCALES, bench_config, database_url, generate_into
from benchmarks.run import MAX_QUERIES, PAGES, check, growth, measure_pages

from najma import create_app
from najma.extensions import db


def _measure(path, scale):
    summary = generate_into(path, scale, seed=7, verbose=False)
    assert summary["counts"]["territories"] == SCALES[scale].territories
    assert summary["counts"]["memberships"] == SCALES[scale].memberships
    assert summary["counts"]["meetings"] == SCALES[scale].meetings
    app = create_app(bench_config(database_url(path)))
    try:
        return measure_pages(app, requests=1, warmup=1)
    finally:
        with app.app_context():
            db.engine.dispose()


def test_query_counts_do_not_grow_with_rows(tmp_path):
    tiny = _measure(tmp_path / "tiny.sqlite", "tiny")
    small = _measure(tmp_path / "small.sqlite", "small")

    assert set(tiny) == set(small) == {page.key for page in PAGES}
    for key, measure in small.items():
        assert measure.query_count <= tiny[key].query_count, (
            f"{measure.page.label} sends {tiny[key].query_count} queries on the tiny database and "
            f"{measure.query_count} on the small one: {growth(measure, tiny[key])}")
    for results in (tiny, small):
        assert check(results, enforce_time=False) == []
        for measure in results.values():
            if measure.page.critical:
                assert 0 < measure.query_count <= MAX_QUERIES
