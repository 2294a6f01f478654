"""The actor map benchmark runs (at a small size) and reports its figures."""
import benchmarks.actors as bench


def test_actor_benchmark_smoke(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(bench, "OUT_DIR", tmp_path)
    status = bench.main(["--actors", "300", "--ties", "1200", "--requests", "3"])
    output = capsys.readouterr().out
    assert "| Analysis, cold |" in output and "| SVG size |" in output
    assert status == 0, output
