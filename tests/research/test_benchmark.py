"""The research benchmark runs at a tiny size: data built as indexing builds it, every scenario
answered, and no query count growing between its two databases."""
import sqlalchemy as sa

import benchmarks.research as bench


def test_research_benchmark_smoke(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(bench, "OUT_DIR", tmp_path)
    status = bench.main(["--notes", "240", "--territories", "3", "--compare-notes", "120", "--requests", "2",
                         "--warmup", "1"])
    output = capsys.readouterr().out
    assert status == 0, output
    assert "| Search: common word (admin) |" in output and "| Search: rare word (commission member) |" in output
    assert "documents checked against fold()" in output
    assert "⚠ grows" not in output


def test_generated_documents_are_those_indexing_writes(tmp_path):
    """Every generated note's search document equals what ``indexing.index_note`` writes for it."""
    from benchmarks.generate import bench_config, database_url
    from najma import create_app
    from najma.extensions import db
    from najma.research import indexing
    from najma.research.models import ResearchNote, SearchDocument
    from najma.research.services import note_tags

    path = tmp_path / "research.sqlite"
    summary = bench.prepare(database_url(path), path, 60, 2, seed=3, regenerate=False, verbose=False)
    assert summary["counts"]["notes"] == 60 and summary["counts"]["paths"] == 2 * bench.PATHS_PER_TERRITORY
    app = create_app(bench_config(database_url(path)))
    with app.app_context():
        columns = ("visibility", "kind", "author_id", "on_date", "target_group_ids", "chantier_ids", "title", "text",
                   "search_title", "content")
        generated = {row.note_id: tuple(getattr(row, c) for c in columns) for row in db.session.execute(
            sa.select(SearchDocument).where(SearchDocument.object_type == "note")).scalars()}
        notes = db.session.execute(sa.select(ResearchNote)).scalars().all()
        assert len(generated) == len(notes) == 60
        for note in notes:
            indexing.index_note(note, *note_tags(note.id))
        db.session.flush()
        reindexed = {row.note_id: tuple(getattr(row, c) for c in columns) for row in db.session.execute(
            sa.select(SearchDocument).where(SearchDocument.object_type == "note")).scalars()}
        assert reindexed == generated
        assert any("zaou" in document[-1] for document in generated.values())  # the rare word is there
        db.session.rollback()
        db.engine.dispose()
