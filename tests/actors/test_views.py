"""Actor map pages: who may see and edit, forms that refuse bad input, the import preview and confirm."""
import io
import os
import re
from html import unescape

import networkx as nx
import pytest
import sqlalchemy as sa

from najma.actors import services
from najma.actors.models import Actor, ActorSnapshot, Tie
from tests.actors.conftest import add_actor, add_tie
from tests.conftest import make_territory


def count(db, model) -> int:
    return db.session.execute(sa.select(sa.func.count()).select_from(model)).scalar_one()


def text(response) -> str:
    return unescape(response.get_data(as_text=True))


def actor_form(**overrides):
    data = {"name": "Association Amal", "kind": "association", "sector": "", "influence": "3", "stance": "supportive",
            "commune_id": "", "membership_id": "", "latitude": "", "longitude": "", "description": ""}
    data.update(overrides)
    return data


@pytest.fixture
def small_map(db, territory):
    a = add_actor(territory, "Commune d'Azilal", "commune", influence=5)
    b = add_actor(territory, "Centre EN <Azilal>", "en_training_centre")
    add_tie(territory, a, b, "funding", directed=True, evidence="Convention n°12")
    return a, b


def test_map_page_shows_graph_legend_table_and_findings(client, login, territory, small_map):
    login("viewer")
    response = client.get(f"/territories/{territory.slug}/actors")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    svg = page[page.index("<svg class=\"actor-graph"):page.index("</svg>")]
    assert svg.count('class="n f-') == 2 and 'data-kind="funding"' in svg and "directed" in svg
    assert "Centre EN &lt;Azilal&gt;" in svg  # escaped
    assert 'data-testid="legend"' in page and 'data-testid="actor-table"' in page
    assert "Non-formal education" in unescape(page)  # a required sector is missing
    assert 'data-testid="add-actor"' not in page and 'data-testid="quick-actor"' not in page
    assert "<script>" not in page and "style=" not in page


def test_antenna_staff_add_actors_and_ties_from_the_page(client, login, db, territory):
    login("antenna_staff")
    page = client.get(f"/territories/{territory.slug}/actors").get_data(as_text=True)
    assert 'data-testid="quick-actor"' in page
    response = client.post(f"/territories/{territory.slug}/actors/new", data=actor_form())
    assert response.status_code == 302
    client.post(f"/territories/{territory.slug}/actors/new", data=actor_form(name="Commune", kind="commune"))
    ids = db.session.execute(sa.select(Actor.id).order_by(Actor.id)).scalars().all()
    response = client.post(f"/territories/{territory.slug}/ties/new", data={
        "source_id": ids[0], "target_id": ids[1], "kind": "partnership", "strength": "3", "directed": "y",
        "since": "2025-01-01", "until": "", "evidence": "Entretien du 3 mars"})
    assert response.status_code == 302
    tie = db.session.execute(sa.select(Tie)).scalar_one()
    assert (tie.kind, tie.strength, tie.directed, tie.evidence) == ("partnership", 3, True, "Entretien du 3 mars")
    card = text(client.get(f"/actors/{ids[0]}?partial=1"))
    assert 'data-testid="actor-card"' in card and "Partnership or convention" in card and "<html" not in card


@pytest.mark.parametrize("overrides,message", [
    ({"name": ""}, "This field is required."),
    ({"kind": "spaceship"}, "Not a valid choice"),
    ({"influence": "9"}, "Number must be between 0 and 5."),
    ({"latitude": "31.9"}, "Give both the latitude and the longitude"),
    ({"membership_id": "99999"}, "This seat is not on this territory"),
])
def test_bad_actor_input_rerenders_with_a_message_and_writes_nothing(client, login, db, territory, overrides,
                                                                      message):
    login("antenna_staff")
    response = client.post(f"/territories/{territory.slug}/actors/new", data=actor_form(**overrides))
    assert response.status_code == 400
    assert message in text(response)
    assert count(db, Actor) == 0


def test_bad_tie_input_is_refused(client, login, db, territory, small_map):
    login("antenna_staff")
    a, _b = small_map
    response = client.post(f"/territories/{territory.slug}/ties/new", data={
        "source_id": a.id, "target_id": a.id, "kind": "funding", "strength": "2"})
    assert response.status_code == 400 and "A tie links two different actors." in text(response)
    assert count(db, Tie) == 1


@pytest.mark.parametrize("role,status", [("viewer", 403), ("delegate", 403), ("commission_member", 403),
                                         ("steering", 403), ("antenna_staff", 200), ("admin", 200)])
def test_only_the_antenna_and_admins_edit(client, login, territory, small_map, role, status):
    login(role)
    assert client.get(f"/territories/{territory.slug}/actors").status_code == 200
    for path in (f"/territories/{territory.slug}/actors/new", f"/territories/{territory.slug}/ties/new",
                 f"/territories/{territory.slug}/actors/import", f"/actors/{small_map[0].id}/edit"):
        assert client.get(path).status_code == status, path


def test_antenna_staff_of_another_territory_cannot_edit(client, login, territory, small_map):
    login("antenna_staff", on=make_territory("Ailleurs"))
    assert client.get(f"/territories/{territory.slug}/actors/new").status_code == 403
    assert client.post(f"/actors/{small_map[0].id}/delete").status_code == 403


def test_delete_actor_removes_its_ties(client, login, db, territory, small_map):
    login("antenna_staff")
    assert client.post(f"/actors/{small_map[0].id}/delete").status_code == 302
    assert count(db, Actor) == 1 and count(db, Tie) == 0


def _upload(client, slug, content, name, mode="add"):
    return client.post(f"/territories/{slug}/actors/import", data={
        "file": (io.BytesIO(content), name), "mode": mode}, content_type="multipart/form-data")


def test_import_through_the_upload_view_previews_then_writes_all(client, login, db, territory):
    login("antenna_staff")
    buffer = io.BytesIO()
    nx.write_gexf(nx.karate_club_graph(), buffer)
    response = _upload(client, territory.slug, buffer.getvalue(), "karate.gexf")
    assert response.status_code == 200
    page = text(response)
    assert "34 actors and 78 ties" in page and count(db, Actor) == 0  # nothing written yet
    token = re.search(r'name="token" type="hidden" value="(\w+)"', page) or \
        re.search(r'name="token" value="(\w+)"', page)
    response = client.post(f"/territories/{territory.slug}/actors/import/confirm",
                           data={"token": token.group(1), "mode": "add"})
    assert response.status_code == 302
    assert (count(db, Actor), count(db, Tie)) == (34, 78)
    metrics = client.get(f"/territories/{territory.slug}/actors/metrics.json").get_json()
    expected = nx.betweenness_centrality(nx.karate_club_graph())
    mine = {int(m["name"]): m["betweenness"] for m in metrics["metrics"]}
    assert max(abs(mine[n] - v) for n, v in expected.items()) < 1e-9
    # the token was used up
    assert client.post(f"/territories/{territory.slug}/actors/import/confirm",
                       data={"token": token.group(1), "mode": "add"}).status_code == 404


def test_broken_upload_lists_problems_and_writes_nothing(client, login, db, territory):
    login("antenna_staff")
    response = _upload(client, territory.slug, b"name,kind\nA,association\nA,martian\n", "actors.csv")
    assert response.status_code == 400
    page = text(response)
    assert "line 3: unknown actor kind 'martian'" in page and "duplicate name 'A'" in page
    assert 'data-testid="import-confirm"' not in page and count(db, Actor) == 0


def test_ten_megabytes_of_noise_are_refused_by_the_upload(client, login, db, territory):
    login("antenna_staff")
    response = _upload(client, territory.slug, os.urandom(10 * 1024 * 1024), "noise.graphml")
    assert response.status_code == 400
    assert "larger than the limit of" in text(response) and count(db, Actor) == 0


@pytest.mark.parametrize("fmt,marker", [("gexf", b"<gexf"), ("graphml", b"<graphml"), ("json", b'"nodes"'),
                                        ("actors.csv", b"name,kind"), ("ties.csv", b"source,target")])
def test_exports(client, login, territory, small_map, fmt, marker):
    login("viewer")
    response = client.get(f"/territories/{territory.slug}/actors/export.{fmt}")
    assert response.status_code == 200 and marker in response.data
    assert "attachment" in response.headers["Content-Disposition"]


def test_snapshots_and_comparison_pages(client, login, db, territory, small_map):
    login("antenna_staff")
    url = f"/territories/{territory.slug}/actors/snapshots"
    assert client.post(url, data={"label": "", "taken_on": "2025-01-01"}).status_code == 400
    assert client.post(url, data={"label": "Départ", "taken_on": "2025-01-01"}).status_code == 302
    add_actor(territory, "Nouvelle coopérative", "cooperative")
    client.post(url, data={"label": "Six mois", "taken_on": "2025-07-01"})
    first, second = db.session.execute(sa.select(ActorSnapshot.id).order_by(ActorSnapshot.id)).scalars().all()
    page = text(client.get(f"/territories/{territory.slug}/actors/compare?a={first}&b={second}"))
    assert "Nouvelle coopérative" in page and 'data-row="entraide_ties"' in page
    login("viewer")
    assert client.post(url, data={"label": "X", "taken_on": "2025-01-01"}).status_code == 403


def test_national_view_and_arabic_page(client, login, db, territory, small_map):
    user = login("viewer")
    assert "Actor maps: national view" in text(client.get("/actors/national"))
    user.locale = "ar"
    db.session.commit()
    page = client.get(f"/territories/{territory.slug}/actors").get_data(as_text=True)
    assert 'dir="rtl"' in page and "bootstrap.rtl" in page


def test_map_page_query_count_does_not_grow_with_actors(client, login, db, territory, app):
    from najma.extensions import db as _db

    login("viewer")

    def queries(path):
        statements = []
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        sa.event.listen(_db.engine, "before_cursor_execute", listener)
        try:
            assert client.get(path).status_code == 200
        finally:
            sa.event.remove(_db.engine, "before_cursor_execute", listener)
        return len(statements)

    path = f"/territories/{territory.slug}/actors"
    a = add_actor(territory, "A")
    add_tie(territory, a, add_actor(territory, "B"))
    few = queries(path)
    for n in range(30):
        add_actor(territory, f"Acteur {n}", "cooperative")
    services.clear_cache()
    assert queries(path) <= few


def _table_post(client, slug, page_html, **changes):
    """Post the editable table as the page shows it, with ``changes`` (field name -> value) applied."""
    fields = dict(re.findall(r'name="(rows-\d+-\w+)"[^>]*value="([^"]*)"', page_html))
    for name in re.findall(r'<select[^>]*name="(rows-\d+-\w+)"', page_html):
        block = page_html[page_html.index(f'name="{name}"'):]
        block = block[:block.index("</select>")]
        selected = re.search(r'<option selected value="([^"]*)"', block) or re.search(r'<option value="([^"]*)"', block)
        fields[name] = unescape(selected.group(1))
    fields = {k: unescape(v) for k, v in fields.items()}
    fields.update(changes)
    return client.post(f"/territories/{slug}/actors/table", data=fields)


def test_editable_table_saves_every_row_or_none(client, login, db, territory, small_map):
    login("antenna_staff")
    page = client.get(f"/territories/{territory.slug}/actors/table").get_data(as_text=True)
    assert page.count('name="rows-') >= 14
    response = _table_post(client, territory.slug, page, **{"rows-0-influence": "9", "rows-1-name": "Renamed"})
    assert response.status_code == 400 and count(db, Actor) == 2
    assert {a.name for a in services.list_actors(territory)} == {"Commune d'Azilal", "Centre EN <Azilal>"}
    response = _table_post(client, territory.slug, page, **{"rows-0-influence": "1", "rows-1-stance": "opposed"})
    assert response.status_code == 302
    db.session.expire_all()
    assert sorted((a.influence, a.stance) for a in services.list_actors(territory)) == [(1, None), (5, "opposed")]
    # the same stale page again: refused, nothing saved
    response = _table_post(client, territory.slug, page, **{"rows-0-influence": "4"})
    assert response.status_code == 409 and "changed by someone else" in text(response)
    db.session.expire_all()
    assert 4 not in {a.influence for a in services.list_actors(territory)}
    login("viewer")
    assert client.get(f"/territories/{territory.slug}/actors/table").status_code == 403


def test_a_stale_actor_edit_is_refused_with_409(client, login, db, territory, small_map):
    login("antenna_staff")
    actor = small_map[0]
    page = client.get(f"/actors/{actor.id}/edit").get_data(as_text=True)
    stamp = unescape(re.search(r'name="stamp" type="hidden" value="([^"]+)"', page).group(1))
    form = actor_form(name="Commune d'Azilal", kind="commune", influence="4", stamp=stamp)
    services.update_actor(None, actor, {**{k: getattr(actor, k) for k in services.ACTOR_FIELDS}, "influence": 1})
    response = client.post(f"/actors/{actor.id}/edit", data=form)
    assert response.status_code == 409 and "Someone changed this actor" in text(response)
    db.session.expire_all()
    assert db.session.get(Actor, actor.id).influence == 1
    fresh = re.search(r'name="stamp" type="hidden" value="([^"]+)"', text(response)).group(1)
    assert client.post(f"/actors/{actor.id}/edit", data={**form, "stamp": fresh}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Actor, actor.id).influence == 4


@pytest.mark.parametrize("path", ["/territories/azilal/actors", "/actors/1", "/actors/national",
                                  "/territories/azilal/actors/export.gexf", "/territories/azilal/actors/snapshots"])
def test_anonymous_is_sent_to_sign_in(client, territory, path):
    response = client.get(path)
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


@pytest.mark.parametrize("path", ["/territories/nowhere/actors", "/actors/99999", "/ties/99999/edit",
                                  "/territories/azilal/actors/export.xlsx",
                                  "/territories/azilal/actors/compare?a=1&b=2"])
def test_unknown_things_are_404(client, login, territory, path):
    login("admin")
    assert client.get(path).status_code == 404
