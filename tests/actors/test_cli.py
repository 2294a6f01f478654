"""`flask najma actors import|export|metrics`."""
import json

import networkx as nx

from najma.actors import services


def test_import_export_and_metrics_commands(runner, db, territory, tmp_path):
    source = tmp_path / "lesmis.gexf"
    nx.write_gexf(nx.les_miserables_graph(), source)
    result = runner.invoke(args=["najma", "actors", "import", territory.slug, str(source)])
    assert result.exit_code == 0, result.output
    assert "Imported 77 actors and 254 ties" in result.output
    target = tmp_path / "out.graphml"
    assert runner.invoke(args=["najma", "actors", "export", territory.slug, str(target)]).exit_code == 0
    assert b"<graphml" in target.read_bytes()
    result = runner.invoke(args=["najma", "actors", "metrics", territory.slug, "--json"])
    document = json.loads(result.output)
    assert document["actors"] == 77 and document["betweenness_exact"]
    assert abs(document["density"] - nx.density(nx.les_miserables_graph())) < 1e-12


def test_import_command_refuses_a_broken_file(runner, db, territory, tmp_path):
    source = tmp_path / "broken.gexf"
    source.write_text("<gexf><graph>")
    result = runner.invoke(args=["najma", "actors", "import", territory.slug, str(source)])
    assert result.exit_code != 0 and "nothing was imported" in result.output
    assert services.list_actors(territory) == []
