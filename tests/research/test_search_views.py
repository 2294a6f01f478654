"""The research search page over HTTP: the form, results with marked snippets and links, counts
by type, pagination, drafts hidden, inert XSS, bad filters, and a constant query count."""
import re

import pytest
import sqlalchemy as sa

from tests.conftest import make_territory, make_user
from tests.research.conftest import add_note, target_group
from tests.research.test_search import add_path

from najma.research import services


@pytest.fixture
def staff(territory):
    return make_user("antenna_staff", territory=territory)


def result_keys(response) -> list[str]:
    return re.findall(r'data-result="([a-z]+-\d+)"', response.text)


def test_page_opens_with_the_form_for_any_signed_in_user(client, login, territory):
    login("viewer")
    response = client.get("/research/search")
    assert response.status_code == 200
    assert 'name="q"' in response.text and 'name="date_from"' in response.text
    assert "Type one or more words" in response.text


def test_signed_out_visitor_is_sent_to_sign_in(client, db):
    response = client.get("/research/search?q=eleve")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_results_show_marked_snippets_and_link_to_the_note(client, login, territory, staff):
    note = add_note(territory, staff, title="Entretien au foyer", body="Une élève a quitté l'école en juin.",
                    visibility="shared")
    login("commission_member")
    response = client.get("/research/search?q=eleve")
    assert response.status_code == 200
    assert result_keys(response) == [f"note-{note.id}"]
    assert "<mark>élève</mark>" in response.text
    assert f'href="/research/notes/{note.id}"' in response.text
    assert "Azilal" in response.text and staff.full_name in response.text


def test_comment_result_links_to_the_comment(client, login, territory, staff):
    note = add_note(territory, staff, title="Foyer", body="Visite.", visibility="shared")
    comment = services.add_comment(staff, note, "Un atelier de couture serait utile.")
    login("commission_member")
    response = client.get("/research/search?q=couture")
    assert f'href="/research/notes/{note.id}#comment-{comment.id}"' in response.text
    assert "<mark>couture</mark>" in response.text


def test_path_result_links_to_the_path(client, login, territory, staff):
    path = add_path(territory, staff, title="Crèche communale", rationale="Garde des enfants des ouvrières.")
    login("antenna_staff")
    response = client.get("/research/search?q=creche")
    assert result_keys(response) == [f"path-{path.id}"]
    assert f'href="/research/paths/{path.id}"' in response.text
    assert "<mark>Crèche</mark>" in response.text


def test_drafts_never_reach_the_commission_page(client, login, territory, staff):
    add_note(territory, staff, title="Brouillon secret", body="La source du douar.")
    shared = add_note(territory, staff, title="Note partagée", body="La source du douar.", visibility="shared")
    login("commission_member")
    response = client.get("/research/search?q=source")
    assert result_keys(response) == [f"note-{shared.id}"]
    assert "Brouillon secret" not in response.text


def test_arabic_query_finds_arabic_note(client, login, territory, staff):
    note = add_note(territory, staff, title="مقابلة مع الأمهات", body="تحدثت الأمهات عن التعليم.", visibility="shared")
    login("commission_member")
    response = client.get("/research/search", query_string={"q": "تعليم"})
    assert result_keys(response) == [f"note-{note.id}"]
    assert "<mark>التعليم</mark>" in response.text


def test_xss_in_titles_bodies_and_comments_is_inert(client, login, territory, staff):
    note = add_note(territory, staff, title='<script>alert("t")</script> Moussem',
                    body='<img src=x onerror=alert("b")> moussem <a href="javascript:alert(1)">lien</a>',
                    visibility="shared")
    services.add_comment(staff, note, '<svg onload=alert("c")> moussem')
    add_path(territory, staff, title='<iframe src="//evil"></iframe> moussem', rationale="<b onmouseover=x>moussem</b>")
    login("antenna_staff")
    response = client.get("/research/search?q=moussem")
    assert len(result_keys(response)) == 3
    for raw in ("<script>alert", "<img src=x", "<svg onload", "<iframe", "<b onmouseover", 'href="javascript:'):
        assert raw not in response.text
    assert "&lt;script&gt;" in response.text and "&lt;img src=x onerror" in response.text


def test_query_is_echoed_escaped(client, login, territory):
    login("antenna_staff")
    response = client.get("/research/search", query_string={"q": '"><script>alert(1)</script>'})
    assert response.status_code == 200
    assert "<script>alert(1)" not in response.text


def test_counts_by_type_and_type_filter(client, login, territory, staff):
    note = add_note(territory, staff, title="Moussem", body="moussem", visibility="shared")
    comment = services.add_comment(staff, note, "Le moussem encore.")
    add_path(territory, staff, title="Piste", rationale="Stand au moussem.")
    login("antenna_staff")
    everything = client.get("/research/search?q=moussem")
    assert len(result_keys(everything)) == 3
    counts = everything.text[everything.text.index('data-testid="type-counts"'):]
    assert re.search(r"Comments <span[^>]*>1</span>", counts)
    comments_only = client.get("/research/search?q=moussem&type=comment")
    assert result_keys(comments_only) == [f"comment-{comment.id}"]


def test_filters_from_the_form(client, login, territory, staff):
    elderly = add_note(territory, staff, title="Personnes âgées", body="moussem", groups=("elderly_in_difficulty",),
                       kind="focus_group", visibility="shared")
    add_note(territory, staff, title="Femmes", body="moussem", groups=("women_in_difficulty",), visibility="shared")
    login("antenna_staff")
    by_group = client.get(f"/research/search?q=moussem&target_group={target_group('elderly_in_difficulty').id}")
    assert result_keys(by_group) == [f"note-{elderly.id}"]
    by_kind = client.get(f"/research/search?q=moussem&kind=focus_group&territory={territory.id}")
    assert result_keys(by_kind) == [f"note-{elderly.id}"]
    by_date = client.get("/research/search?q=moussem&date_from=2026-03-03")
    assert result_keys(by_date) == []


def test_author_filter_from_a_result_link(client, login, territory, staff):
    other = make_user("antenna_staff", territory=territory, name="Autre Auteur")
    mine = add_note(territory, staff, title="Mienne", body="moussem", visibility="shared")
    add_note(territory, other, title="Sienne", body="moussem", visibility="shared")
    login("antenna_staff")
    response = client.get(f"/research/search?q=moussem&author={staff.id}")
    assert result_keys(response) == [f"note-{mine.id}"]
    assert f"Written by {staff.full_name}" in response.text
    listing = client.get("/research/search?q=moussem")
    assert f"author={other.id}" in listing.text


@pytest.mark.parametrize("query_string, message", [
    ("date_from=2026-13-45", "The start date must be a date"),
    ("date_to=hier", "The end date must be a date"),
    ("date_from=2026-05-01&date_to=2026-01-01", "The start date is after the end date"),
    ("territory=abc", "Unknown territory"),
    ("kind=poem", "Unknown kind"),
    ("type=file", "Unknown type of result"),
    ("target_group=999999", "Unknown target group"),
    ("chantier=-3", "Unknown chantier"),
    ("author=999999", "Unknown author"),
])
def test_bad_filters_get_a_message_and_no_search(client, login, territory, staff, query_string, message):
    add_note(territory, staff, title="Moussem", body="moussem", visibility="shared")
    login("antenna_staff")
    response = client.get(f"/research/search?q=moussem&{query_string}")
    assert response.status_code == 200
    assert message in response.text
    assert result_keys(response) == []


def test_territory_one_cannot_read_is_refused(client, login, territory, staff):
    elsewhere = make_territory("Safi")
    add_note(elsewhere, make_user("antenna_staff", territory=elsewhere), title="Ailleurs", body="moussem",
             visibility="shared")
    login("commission_member")
    response = client.get(f"/research/search?q=moussem&territory={elsewhere.id}")
    assert "Unknown territory, or one whose research you cannot read" in response.text
    assert result_keys(response) == []
    form = client.get("/research/search").text
    select = form[form.index('id="territory"'):]
    select = select[:select.index("</select>")]
    assert ">Azilal<" in select and ">Safi<" not in select


def test_pagination_keeps_the_query_and_filters(client, login, territory, staff):
    for n in range(23):
        add_note(territory, staff, title=f"Puits {n:02d}", body="Le puits.", visibility="shared")
    login("antenna_staff")
    first = client.get(f"/research/search?q=puits&territory={territory.id}")
    second = client.get(f"/research/search?q=puits&territory={territory.id}&page=2")
    assert len(result_keys(first)) == 20 and len(result_keys(second)) == 3
    assert not set(result_keys(first)) & set(result_keys(second))
    assert re.search(r'href="/research/search\?[^"]*page=2', first.text)
    link = re.search(r'href="(/research/search\?[^"]*page=2[^"]*)"', first.text).group(1)
    assert "q=puits" in link and f"territory={territory.id}" in link


def test_query_count_does_not_grow_with_results(app, client, login, db, territory, staff):
    from najma.extensions import db as _db

    add_note(territory, staff, title="Rare", body="oasis", visibility="shared")
    for n in range(25):
        note = add_note(territory, make_user("antenna_staff", territory=territory), title=f"Douar {n}",
                        body="douar", visibility="shared")
        services.add_comment(staff, note, "Le douar encore.")
    login("antenna_staff")
    counter = []

    def count(*_args):
        counter.append(1)

    def queries(url):
        counter.clear()
        sa.event.listen(_db.engine, "before_cursor_execute", count)
        try:
            assert client.get(url).status_code == 200
        finally:
            sa.event.remove(_db.engine, "before_cursor_execute", count)
        return len(counter)

    few = queries("/research/search?q=oasis")
    many = queries("/research/search?q=douar")
    assert many == few <= 10
