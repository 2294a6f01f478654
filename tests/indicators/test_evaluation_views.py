"""Participatory evaluation and comparison pages: who sees and writes what (403, 404), the form
(errors keep what was typed, a stale save answers 409 with both versions), sanitised Markdown,
linked notes by reader, the caveats of the comparison, and query counts that do not grow."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from tests.conftest import count_queries, make_territory, make_user
from tests.indicators.test_comparison import census_world  # noqa: F401  (a fixture the comparison pages use)
from tests.research.conftest import add_note

from najma.extensions import db
from najma.indicators import evaluation as services
from najma.indicators.evaluation import EvaluationData
from najma.indicators.models import EvaluationEntry

FORM = {"period": "2025-S2", "title": "Bilan avec les femmes", "what_changed": "Douze femmes lisent.",
        "for_whom": "Les femmes du douar", "participants_said": "« Je lis les ordonnances. »"}


def write(territory, author, **overrides):
    values = {**FORM, **overrides}
    return services.create_entry(author, territory, EvaluationData(**values))


# --- Permissions -----------------------------------------------------------------------------------------

def test_pages_need_a_signed_in_reader_of_the_territory(client, login, territory):
    entry = write(territory, make_user("antenna_staff", territory=territory))
    pages = (f"/territories/{territory.slug}/evaluation", f"/evaluation/{entry.id}")
    for url in pages:
        assert client.get(url).status_code in (302, 401)
    other = make_territory("Safi", province_code="07.431")
    login("antenna_staff", on=other)
    for url in (*pages, f"/territories/{territory.slug}/evaluation/new", f"/evaluation/{entry.id}/edit"):
        assert client.get(url).status_code == 403


def test_a_committee_member_reads_but_cannot_write(client, login, territory):
    entry = write(territory, make_user("antenna_staff", territory=territory))
    login("committee_member")
    page = client.get(f"/territories/{territory.slug}/evaluation")
    assert page.status_code == 200 and "Bilan avec les femmes" in page.text
    assert 'data-testid="new-evaluation"' not in page.text
    assert 'data-testid="edit-evaluation"' not in client.get(f"/evaluation/{entry.id}").text
    assert client.get(f"/territories/{territory.slug}/evaluation/new").status_code == 403
    assert client.post(f"/territories/{territory.slug}/evaluation/new", data=FORM).status_code == 403
    assert client.post(f"/evaluation/{entry.id}/edit", data={**FORM, "lock_version": "1"}).status_code == 403
    assert db.session.execute(sa.select(sa.func.count()).select_from(EvaluationEntry)).scalar() == 1


def test_unknown_territory_entry_or_indicator_is_404(client, login, seeded):
    login("steering")
    assert client.get("/territories/nowhere/evaluation").status_code == 404
    assert client.get("/evaluation/999999").status_code == 404
    assert client.get("/evaluation/99999999999/edit").status_code == 404
    assert client.get("/indicators/nothing/comparison").status_code == 404


# --- Writing ----------------------------------------------------------------------------------------------

def test_the_antenna_writes_an_entry_linked_to_indicators_and_notes(client, login, territory, seeded):
    user = login("antenna_staff")
    draft = add_note(territory, user, title="Notes du focus group")
    form = client.get(f"/territories/{territory.slug}/evaluation/new")
    assert form.status_code == 200 and "Notes du focus group" in form.text
    response = client.post(f"/territories/{territory.slug}/evaluation/new", data={
        **FORM, "indicator_ids": [str(seeded["illiteracy_10_plus"].id)], "note_ids": [str(draft.id)]})
    assert response.status_code == 302
    entry = db.session.execute(sa.select(EvaluationEntry)).scalar_one()
    assert response.headers["Location"].endswith(f"/evaluation/{entry.id}")
    page = client.get(f"/evaluation/{entry.id}").text
    assert "Notes du focus group" in page and 'data-indicator="illiteracy_10_plus"' in page


def test_a_refused_entry_keeps_what_was_typed(client, login, territory):
    login("delegate")
    response = client.post(f"/territories/{territory.slug}/evaluation/new",
                           data={**FORM, "period": f"{2100}", "participants_said": "Ce qu'elles ont dit"})
    assert response.status_code == 400
    assert "has not begun" in response.text and "Ce qu&#39;elles ont dit" in response.text
    assert db.session.execute(sa.select(sa.func.count()).select_from(EvaluationEntry)).scalar() == 0


def test_a_delegate_cannot_link_a_draft_by_forging_the_form(client, login, territory):
    draft = add_note(territory, make_user("antenna_staff", territory=territory), title="Brouillon secret")
    login("delegate")
    assert "Brouillon secret" not in client.get(f"/territories/{territory.slug}/evaluation/new").text
    response = client.post(f"/territories/{territory.slug}/evaluation/new", data={**FORM, "note_ids": [str(draft.id)]})
    assert response.status_code == 400 and "notes you may read" in response.text
    assert db.session.execute(sa.select(sa.func.count()).select_from(EvaluationEntry)).scalar() == 0


def test_a_stale_edit_answers_409_and_keeps_both_texts(client, login, territory):
    user = login("commission_member")
    entry = write(territory, user)
    services.update_entry(make_user("antenna_staff", territory=territory), services.load_entry(entry.id),
                          EvaluationData(**{**FORM, "participants_said": "Version du collègue"}), 1)
    response = client.post(f"/evaluation/{entry.id}/edit",
                           data={**FORM, "participants_said": "Ma version", "lock_version": "1"})
    assert response.status_code == 409
    assert 'data-testid="evaluation-conflict"' in response.text
    assert "Ma version" in response.text and "Version du collègue" in response.text
    assert 'name="lock_version" type="hidden" value="2"' in response.text
    assert services.load_entry(entry.id).participants_said == "Version du collègue"
    # Saving the merged text from the conflict page works.
    assert client.post(f"/evaluation/{entry.id}/edit", data={
        **FORM, "participants_said": "Fusion", "lock_version": "2"}).status_code == 302
    assert services.load_entry(entry.id).participants_said == "Fusion"


# --- Reading ----------------------------------------------------------------------------------------------

def test_markdown_is_sanitised_and_notes_are_shown_by_reader(client, login, territory):
    antenna = make_user("antenna_staff", territory=territory)
    draft = add_note(territory, antenna, title="Brouillon de l'antenne")
    published = add_note(territory, antenna, title="Note publiée", visibility="published")
    entry = write(territory, antenna, what_changed="**Plus** de lectrices <script>alert(1)</script>",
                  note_ids=[draft.id, published.id])
    login("committee_member")
    page = client.get(f"/evaluation/{entry.id}").text
    assert "<strong>Plus</strong>" in page and "<script>alert(1)" not in page
    assert "Note publiée" in page and "Brouillon de l" not in page
    assert "1 linked note is not visible to you." in page


def test_the_list_groups_entries_by_period_and_filters(client, login, territory):
    antenna = make_user("antenna_staff", territory=territory)
    write(territory, antenna, period="2025-S1", title="Premier semestre")
    write(territory, antenna, period="2025-S2", title="Second semestre")
    login("steering")
    page = client.get(f"/territories/{territory.slug}/evaluation").text
    assert page.index('data-period="2025-S2"') < page.index("Premier semestre")
    filtered = client.get(f"/territories/{territory.slug}/evaluation?period=2025-S1").text
    assert "Premier semestre" in filtered and "Second semestre" not in filtered


def test_the_list_and_entry_pages_do_not_grow_with_their_rows(client, login, territory, seeded):
    antenna = make_user("antenna_staff", territory=territory)
    notes = [add_note(territory, antenna, title=f"Note {n}", visibility="shared") for n in range(4)]
    indicators = [seeded[code].id for code in ("unemployment", "activity", "schooling_6_11")]
    small = write(territory, antenna, note_ids=[notes[0].id], indicator_ids=indicators[:1])
    login("delegate")
    url = f"/territories/{territory.slug}/evaluation"
    few = count_queries(lambda: client.get(url))
    large = write(territory, antenna, note_ids=[n.id for n in notes], indicator_ids=indicators)
    for n in range(5):
        write(territory, antenna, title=f"Entrée {n}", period="2024", indicator_ids=indicators)
    assert count_queries(lambda: client.get(url)) == few
    assert (count_queries(lambda: client.get(f"/evaluation/{small.id}"))
            == count_queries(lambda: client.get(f"/evaluation/{large.id}")))


# --- Comparison --------------------------------------------------------------------------------------------

@pytest.mark.usefixtures("census_world")
def test_the_comparison_page_states_its_caveats_beside_the_figures(client, login, seeded):
    login("committee_member")
    page = client.get("/indicators/unemployment/comparison?size=2")
    assert page.status_code == 200
    text = page.text
    assert 'data-testid="caveats"' in text
    for words in ("not matched on everything", "predate the programme", "The numbers are small", "No causal claim"):
        assert words in text
    assert text.index('data-testid="caveats"') < text.index('data-testid="comparison-summary"')
    assert "Azilal pilote" in text and "Commune 99.002.01.1" in text
    assert "−3.0" in text or "-3.0" in text  # the pilot's change
    assert "+0.2&nbsp;pts" in text  # difference 0.25, to one decimal
    assert 'data-testid="few-people"' in text


@pytest.mark.usefixtures("census_world")
def test_the_comparison_page_refuses_a_bad_size_and_says_when_nothing_compares(client, login, seeded):
    login("steering")
    page = client.get("/indicators/unemployment/comparison?size=abc")
    assert page.status_code == 200 and 'name="size" type="number" value="5"' in page.text
    assert page.text.count("Not a valid integer value.") == 1 and "between 1 and 20" not in page.text
    assert "one census only" in client.get("/indicators/illiteracy_15_plus/comparison").text
    assert "two periods" in client.get("/indicators/cooperatives_created/comparison").text


@pytest.mark.usefixtures("census_world", "seeded")
def test_the_comparison_page_needs_an_indicator_reader(client, login):
    login("viewer")
    assert client.get("/indicators/unemployment/comparison").status_code == 403
