"""Coding, findings, coverage and plan pages over HTTP: permissions, messages, what is shown,
and a query count that does not grow with the passages."""
from datetime import date

import pytest
import sqlalchemy as sa

from najma.extensions import db as _db
from najma.research import coding, plan
from najma.research.models import CodedPassage, ResearchPlan
from tests.conftest import make_territory, make_user
from tests.research.conftest import add_note, target_group

BODY = "Les femmes demandent une crèche près du souk. Elles voudraient apprendre la couture."


@pytest.fixture
def staff(territory):
    return make_user("antenna_staff", territory=territory)


@pytest.fixture
def note(territory, staff):
    return add_note(territory, staff, title="Entretien à Tabant", body=BODY, visibility="shared")


def passage_count():
    return _db.session.execute(sa.select(sa.func.count(CodedPassage.id)).where(
        CodedPassage.deleted_at.is_(None))).scalar_one()


def code(client, note, quote="demandent une crèche", code="need", group="women_in_difficulty", memo=""):
    return client.post(f"/research/notes/{note.id}/passages", data={
        "quote": quote, "code": code, "target_group_id": str(target_group(group).id) if group else "", "memo": memo})


def test_antenna_staff_codes_a_passage_and_goes_back_to_it(client, login, note):
    login("antenna_staff")
    response = code(client, note, memo="Demande répétée")
    passage = _db.session.execute(sa.select(CodedPassage)).scalar_one()
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/research/notes/{note.id}#passage-{passage.id}")
    assert (passage.code, passage.memo, passage.target_group_id) == ("need", "Demande répétée", target_group().id)


@pytest.mark.parametrize("data, message", [
    ({"quote": "les hommes demandent un stade"}, "This passage is not in the current text of the note"),
    ({"quote": ""}, "Passage: This field is required."),
    ({"group": None}, "Target group: This field is required."),
    ({"code": "wish"}, "What it says: Not a valid choice."),
])
def test_bad_coding_flashes_a_message_and_writes_nothing(client, login, territory, note, data, message):
    login("antenna_staff")
    response = code(client, note, **data)
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/research/notes/{note.id}#passages")
    assert passage_count() == 0
    # The message is shown on the next page the user opens.
    assert message in client.get(f"/territories/{territory.slug}/research/findings").text


@pytest.mark.parametrize("role, other_territory", [("commission_member", False), ("delegate", False),
                                                   ("viewer", False), ("antenna_staff", True)])
def test_only_the_antenna_of_the_territory_codes_and_removes(client, login, territory, staff, note, role,
                                                             other_territory):
    passage = coding.code_passage(staff, note, "apprendre la couture", "aspiration", target_group().id)
    login(role, on=make_territory("Safi") if other_territory else None)
    assert code(client, note).status_code == 403
    assert client.post(f"/research/passages/{passage.id}/delete").status_code == 403
    assert passage_count() == 1


def test_a_passage_is_removed_by_the_antenna(client, login, staff, note):
    passage = coding.code_passage(staff, note, "apprendre la couture", "aspiration", target_group().id)
    login("antenna_staff")
    response = client.post(f"/research/passages/{passage.id}/delete")
    assert response.status_code == 302 and response.headers["Location"].endswith("#passages")
    assert passage_count() == 0
    assert client.post(f"/research/passages/{passage.id}/delete").status_code == 404


def test_findings_page_groups_filters_and_links_back(client, login, territory, staff, note):
    need = coding.code_passage(staff, note, "demandent une crèche", "need", target_group().id, memo="Urgent")
    coding.code_passage(staff, note, "apprendre la couture", "aspiration", target_group("girls_out_of_school").id)
    login("commission_member")
    page = client.get(f"/territories/{territory.slug}/research/findings")
    assert page.status_code == 200
    assert "Women in difficulty" in page.text and "Illiterate and out-of-school girls" in page.text
    assert f'href="/research/notes/{note.id}#passage-{need.id}"' in page.text and "Urgent" in page.text
    assert "2 coded passages" in page.text
    only = client.get(f"/territories/{territory.slug}/research/findings?group=girls_out_of_school&code=aspiration")
    assert "apprendre la couture" in only.text and "demandent une crèche" not in only.text
    assert "1 coded passage" in only.text
    none = client.get(f"/territories/{territory.slug}/research/findings?code=obstacle")
    assert "No coded passage matches these filters." in none.text


def test_findings_hide_drafts_from_the_commission_but_not_from_the_antenna(client, login, territory, staff, note):
    draft = add_note(territory, staff, title="Brouillon", body="Un besoin de bus scolaire.")
    coding.code_passage(staff, draft, "besoin de bus scolaire", "need", target_group("boys_out_of_school").id)
    coding.code_passage(staff, note, "demandent une crèche", "need", target_group().id)
    path = f"/territories/{territory.slug}/research/findings"
    login("commission_member")
    seen = client.get(path).text
    assert "demandent une crèche" in seen and "besoin de bus scolaire" not in seen and "Brouillon" not in seen
    login("antenna_staff")
    seen = client.get(path).text
    assert "demandent une crèche" in seen and "besoin de bus scolaire" in seen


@pytest.mark.parametrize("page", ["findings", "coverage", "plan"])
def test_research_pages_are_refused_to_viewers_and_other_territories(client, login, territory, page):
    login("viewer")
    assert client.get(f"/territories/{territory.slug}/research/{page}").status_code == 403
    login("commission_member", on=make_territory("Chefchaouen"))
    assert client.get(f"/territories/{territory.slug}/research/{page}").status_code == 403
    assert client.get(f"/territories/nowhere/research/{page}").status_code == 404


def test_quotes_and_memos_render_inert(client, login, territory, staff):
    note = add_note(territory, staff, body='Texte <img src=x onerror="alert(1)"> fin', visibility="shared")
    coding.code_passage(staff, note, '<img src=x onerror="alert(1)">', "obstacle", target_group().id,
                        memo="<script>alert(2)</script>")
    login("commission_member")
    page = client.get(f"/territories/{territory.slug}/research/findings").text
    assert "<img src=x" not in page and "<script>alert(2)" not in page
    assert "&lt;img src=x" in page and "&lt;script&gt;alert(2)" in page


def test_coverage_page_highlights_the_gaps(client, login, territory, staff, note):
    coding.code_passage(staff, note, "demandent une crèche", "need", target_group().id)
    login("delegate")
    page = client.get(f"/territories/{territory.slug}/research/coverage").text
    women = page[page.index('data-group="women_in_difficulty"'):]
    women = women[:women.index("</tr>")]
    assert 'class="gap" data-cell="interview"' in women  # the note is an observation
    assert 'data-cell="observation"' in women and 'class="gap" data-cell="observation"' not in women
    assert 'class="gap group-start" data-cell="need"' not in women and 'class="gap" data-cell="aspiration"' in women
    assert "No focus group with elderly people in difficulty yet." not in page  # a group without any note...
    assert "Nothing about elderly people in difficulty yet: no note and no coded passage." in page  # ...says so
    assert "No aspiration of women in difficulty coded yet." in page


def test_plan_page_shows_progress_status_and_who_may_change_it(client, login, territory, staff):
    plan.save_plan(staff, territory, date(2025, 9, 1), 6)
    add_note(territory, staff, kind="interview", groups=("women_in_difficulty", "elderly_in_difficulty"))
    login("commission_member")
    page = client.get(f"/territories/{territory.slug}/research/plan")
    assert page.status_code == 200
    assert "Experimentation window: 6 months" in page.text and "How progress is computed" in page.text
    assert 'value="33"' in page.text  # 2 of 6 target groups have a field note
    assert "milestones are overdue" in page.text and 'data-status="overdue"' in page.text  # the window ended
    assert 'data-testid="edit-plan"' not in page.text and "Mark done" not in page.text
    assert client.get(f"/territories/{territory.slug}/research/plan?edit=1").status_code == 403
    assert client.post(f"/territories/{territory.slug}/research/plan",
                       data={"start_date": "2026-01-01", "window_months": "8"}).status_code == 403
    assert client.post(f"/territories/{territory.slug}/research/plan/milestones/needs",
                       data={"done": "1"}).status_code == 403


def test_the_delegate_sets_the_plan_and_marks_a_milestone(client, login, territory):
    login("delegate")
    assert "No plan yet" in client.get(f"/territories/{territory.slug}/research/plan").text
    assert client.get(f"/territories/{territory.slug}/research/plan?edit=1").status_code == 200
    response = client.post(f"/territories/{territory.slug}/research/plan",
                           data={"start_date": "2026-01-15", "window_months": "7", "due_needs": "2026-03-01"})
    assert response.status_code == 302
    saved = plan.get_plan(territory)
    assert saved.window_months == 7 and saved.milestones[1].due_date == date(2026, 3, 1)
    response = client.post(f"/territories/{territory.slug}/research/plan/milestones/populations", data={"done": "1"})
    assert response.status_code == 302 and response.headers["Location"].endswith("#milestone-populations")
    assert plan.get_plan(territory).milestones[0].completed_on == date.today()
    page = client.get(f"/territories/{territory.slug}/research/plan").text
    assert "Know the target populations marked done." in page and "Mark not done" in page
    assert client.post(f"/territories/{territory.slug}/research/plan/milestones/party",
                       data={"done": "1"}).status_code == 404


@pytest.mark.parametrize("data, message", [
    ({"start_date": "2026-01-15", "window_months": "8", "due_paths": "2026-12-01"}, "must fall within the window"),
    ({"start_date": "2026-01-15", "window_months": "8", "due_needs": "2026-02-01", "due_populations": "2026-03-01"},
     "milestones follow each other"),
    ({"start_date": "", "window_months": "8"}, "This field is required."),
    ({"start_date": "2026-01-15", "window_months": "12"}, "Not a valid choice"),
])
def test_a_bad_plan_is_shown_again_with_the_reason_and_nothing_saved(client, login, territory, data, message):
    login("antenna_staff")
    response = client.post(f"/territories/{territory.slug}/research/plan", data=data)
    assert response.status_code == 400 and message in response.text
    assert "Nothing was saved" in response.text
    assert _db.session.execute(sa.select(sa.func.count(ResearchPlan.id))).scalar_one() == 0


def test_findings_and_coverage_query_counts_do_not_grow_with_the_passages(client, login, territory, staff):
    login("antenna_staff")

    def queries(path):
        statements = []
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        sa.event.listen(_db.engine, "before_cursor_execute", listener)
        try:
            assert client.get(path).status_code == 200
        finally:
            sa.event.remove(_db.engine, "before_cursor_execute", listener)
        return len(statements)

    def add(n):
        for i in range(n):
            note = add_note(territory, staff, title=f"Note {i}", body=f"Passage numéro {i} sur la crèche.",
                            visibility="shared" if i % 2 else "draft")
            for group in ("women_in_difficulty", "children_precarious"):
                coding.code_passage(staff, note, f"numéro {i}", "need" if i % 3 else "obstacle", target_group(group).id)

    paths = [f"/territories/{territory.slug}/research/{page}" for page in ("findings", "coverage", "plan")]
    add(1)
    few = [queries(path) for path in paths]
    add(12)
    many = [queries(path) for path in paths]
    assert many == few, (few, many)
    assert few[0] <= 12
