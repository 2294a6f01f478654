"""Convention and execution pages: who may read and write them (403/404), forms that re-render
with their errors and change nothing, the 409 page keeping what was typed, the signed document
served safely, every action listed, the project page's summary, and constant query counts."""
import io
import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from tests.conftest import count_queries, make_territory, make_user
from tests.projects._execution_fixtures import HTML_BYTES, PDF_BYTES, action_keys, approved_project, in_execution

from najma.extensions import db
from najma.projects import conventions, execution
from najma.projects.execution import ExecutionData
from najma.projects.models import ActionExecution, ActionReached, Convention




@pytest.fixture
def scene(db, territory):
    return approved_project(territory)


def _sign_in(client, user):
    user.locale = "en"
    db.session.commit()
    with client.session_transaction() as session:
        session["_user_id"] = str(user.id)
        session["_fresh"] = True


def _url(territory, page, key=None):
    base = f"/territories/{territory.slug}/project/{page}"
    return f"{base}/{key}" if key else base


def _convention_form(**overrides):
    values = {"institution": "Centre EF", "parties": "Entraide Nationale\nComité", "commitments": "Former 30 femmes",
              "amount": "1000,00", "start_date": "2026-09-01", "end_date": "2027-06-30", "due_date": "2026-08-01",
              "signed_on": "", "lock_version": "0"}
    values.update(overrides)
    return values


# --- permissions ---------------------------------------------------------------------------------

@pytest.mark.parametrize("page", ["conventions", "execution"])
def test_pages_need_project_view(client, scene, territory, page):
    assert client.get(_url(territory, page)).status_code in (302, 401)
    _sign_in(client, make_user("antenna_staff", territory=make_territory("Ailleurs")))
    assert client.get(_url(territory, page)).status_code == 403
    _sign_in(client, make_user("steering"))
    assert client.get(_url(territory, page)).status_code == 200


def test_pages_of_a_territory_without_project_are_404(client, db, territory):
    other = make_territory("Sans projet")
    _sign_in(client, make_user("steering"))
    assert client.get(_url(other, "conventions")).status_code == 404
    assert client.get(_url(other, "execution")).status_code == 404


def test_convention_edit_needs_convention_edit(client, scene, territory):
    key = action_keys(scene.project)[0]
    _sign_in(client, scene.members[0])  # a committee member reads, does not write
    assert client.get(_url(territory, "conventions")).status_code == 200
    assert client.get(_url(territory, "conventions", key)).status_code == 403
    assert client.post(_url(territory, "conventions", key), data=_convention_form()).status_code == 403
    _sign_in(client, scene.delegate)
    assert client.get(_url(territory, "conventions", "nokey")).status_code == 404
    response = client.get(_url(territory, "conventions", key))
    assert response.status_code == 200
    assert b"Centre d&#39;\xc3\xa9ducation et de formation" in response.data  # prefilled institution


def test_execution_edit_needs_execution_edit_and_a_signed_project(client, scene, territory):
    key = action_keys(scene.project)[0]
    _sign_in(client, scene.delegate)
    assert client.get(_url(territory, "execution", key)).status_code == 403  # approved: not yet
    in_execution(scene)
    assert client.get(_url(territory, "execution", key)).status_code == 200
    assert client.get(_url(territory, "execution", "nokey")).status_code == 404
    _sign_in(client, scene.members[0])
    assert client.get(_url(territory, "execution", key)).status_code == 403


# --- conventions ---------------------------------------------------------------------------------

def test_conventions_page_lists_every_action_with_its_budget(client, scene, territory):
    _sign_in(client, scene.delegate)
    response = client.get(_url(territory, "conventions"))
    page = response.get_data(as_text=True)
    for key in action_keys(scene.project):
        assert f'data-action="{key}"' in page
    assert "0 of 2 conventions signed" in page
    assert "3,000.00" in page


def test_saving_a_convention_and_the_amount_warning(client, scene, territory):
    key = action_keys(scene.project)[0]
    _sign_in(client, scene.delegate)
    response = client.post(_url(territory, "conventions", key), data=_convention_form(amount="900"),
                           follow_redirects=True)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "is not the action&#39;s budget" in page or "is not the action's budget" in page
    assert 'data-testid="amount-differs"' in page
    convention = db.session.execute(sa.select(Convention)).scalar_one()
    assert str(convention.amount) == "900.00"


def test_an_invalid_convention_form_re_renders_and_changes_nothing(client, scene, territory):
    key = action_keys(scene.project)[0]
    _sign_in(client, scene.delegate)
    response = client.post(_url(territory, "conventions", key),
                           data=_convention_form(start_date="2027-01-01", end_date="2026-01-01"))
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "The convention cannot end before it starts." in page
    assert "Former 30 femmes" in page  # what was typed stays
    response = client.post(_url(territory, "conventions", key),
                           data=_convention_form(signed_on=date.today().isoformat()))
    assert response.status_code == 400
    assert "Upload the signed document" in response.get_data(as_text=True)
    assert db.session.execute(sa.select(sa.func.count()).select_from(Convention)).scalar_one() == 0


def test_signing_with_an_upload_and_serving_the_document_safely(client, scene, territory):
    key = action_keys(scene.project)[0]
    _sign_in(client, scene.delegate)
    data = _convention_form(signed_on=date.today().isoformat())
    data["document"] = (io.BytesIO(PDF_BYTES), "Convention signée.pdf")
    response = client.post(_url(territory, "conventions", key), data=data, content_type="multipart/form-data")
    assert response.status_code == 302
    _sign_in(client, scene.members[0])  # any reader of the project
    response = client.get(_url(territory, "conventions", key) + "/document")
    assert response.status_code == 200
    assert response.data == PDF_BYTES
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    assert "inline;" in response.headers["Content-Disposition"]
    page = client.get(_url(territory, "conventions")).get_data(as_text=True)
    assert "1 of 2 conventions signed" in page and 'data-testid="document-link"' in page
    _sign_in(client, make_user("antenna_staff", territory=make_territory("Ailleurs")))
    assert client.get(_url(territory, "conventions", key) + "/document").status_code == 403


def test_a_document_is_404_before_one_is_stored(client, scene, territory):
    key = action_keys(scene.project)[0]
    _sign_in(client, scene.delegate)
    assert client.get(_url(territory, "conventions", key) + "/document").status_code == 404


def test_an_html_file_named_pdf_is_refused_on_the_form(client, scene, territory):
    key = action_keys(scene.project)[0]
    _sign_in(client, scene.delegate)
    data = _convention_form(signed_on=date.today().isoformat())
    data["document"] = (io.BytesIO(HTML_BYTES), "convention.pdf")
    response = client.post(_url(territory, "conventions", key), data=data, content_type="multipart/form-data")
    assert response.status_code == 400
    assert "must be a PDF or an image" in response.get_data(as_text=True)
    assert db.session.execute(sa.select(sa.func.count()).select_from(Convention)).scalar_one() == 0


def test_a_stale_convention_save_is_a_409_keeping_the_input(client, scene, territory):
    key = action_keys(scene.project)[0]
    conventions.save_convention(scene.staff, scene.project, key, conventions.ConventionData(
        institution="Centre EF", parties="A\nB", commitments="Texte du collègue", amount="1000"), 0)
    _sign_in(client, scene.delegate)
    response = client.post(_url(territory, "conventions", key),
                           data=_convention_form(commitments="Mon texte", lock_version="0"))
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "Mon texte" in page and "Texte du collègue" in page
    assert re.search(r'name="lock_version" type="hidden" value="1"', page)  # saving again overrides
    convention = db.session.execute(sa.select(Convention).execution_options(populate_existing=True)).scalar_one()
    assert convention.commitments == "Texte du collègue"


def test_signed_conventions_cannot_be_edited_once_recorded(client, scene, territory):
    in_execution(scene)
    key = action_keys(scene.project)[0]
    _sign_in(client, scene.delegate)
    response = client.get(_url(territory, "conventions", key))
    assert response.status_code == 302
    page = client.get(_url(territory, "conventions")).get_data(as_text=True)
    assert 'data-testid="edit-convention"' not in page


# --- execution -----------------------------------------------------------------------------------

def test_execution_page_lists_every_action_and_states_the_rule(client, scene, territory):
    _sign_in(client, scene.delegate)
    page = client.get(_url(territory, "execution")).get_data(as_text=True)
    assert 'data-testid="not-followed"' in page
    in_execution(scene)
    first, second = action_keys(scene.project)
    execution.save_execution(scene.delegate, scene.project, first, ExecutionData("done", 100), 0)
    execution.save_execution(scene.delegate, scene.project, second, ExecutionData("dropped", 30), 0)
    execution.add_milestone(scene.delegate, scene.project, first, "Bilan", date.today() - timedelta(days=3))
    page = client.get(_url(territory, "execution")).get_data(as_text=True)
    assert f'data-action="{first}"' in page and f'data-action="{second}"' in page
    assert 'data-testid="rollup-rule"' in page and "Dropped actions are left out" in page
    assert "1 dropped action is left out." in page
    assert 'data-testid="project-progress">100.0 %' in page
    assert "Left out (dropped)" in page
    assert 'data-testid="milestone-overdue"' not in page  # a done action awaits no milestone
    assert 'data-testid="edit-execution"' in page


def test_saving_a_follow_up_through_the_form(client, scene, territory):
    in_execution(scene)
    key = action_keys(scene.project)[0]
    _sign_in(client, scene.staff)
    response = client.post(_url(territory, "execution", key), data={
        "status": "done", "progress": "60", "notes": "Fini", "weight": "", "lock_version": "0"})
    assert response.status_code == 302
    row = db.session.execute(sa.select(ActionExecution)).scalar_one()
    assert (row.status, row.progress) == ("done", 100)


def test_an_invalid_follow_up_form_re_renders_and_changes_nothing(client, scene, territory):
    in_execution(scene)
    key = action_keys(scene.project)[0]
    _sign_in(client, scene.staff)
    response = client.post(_url(territory, "execution", key), data={
        "status": "ongoing", "progress": "150", "notes": "Mes notes", "weight": "", "lock_version": "0"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Progress is a whole number from 0 to 100." in page and "Mes notes" in page
    response = client.post(_url(territory, "execution", key), data={
        "status": "ongoing", "progress": "10", "notes": "Mes notes", "weight": "-1", "lock_version": "0"})
    assert response.status_code == 400 and "at least 0" in response.get_data(as_text=True)
    assert db.session.execute(sa.select(sa.func.count()).select_from(ActionExecution)).scalar_one() == 0


def test_a_stale_follow_up_save_is_a_409_keeping_the_input(client, scene, territory):
    in_execution(scene)
    key = action_keys(scene.project)[0]
    execution.save_execution(scene.delegate, scene.project, key, ExecutionData("ongoing", 30, "Collègue"), 0)
    _sign_in(client, scene.staff)
    response = client.post(_url(territory, "execution", key), data={
        "status": "ongoing", "progress": "50", "notes": "Mes notes", "weight": "", "lock_version": "0"})
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "Mes notes" in page and "Collègue" in page and 'data-testid="execution-conflict"' in page
    row = db.session.execute(sa.select(ActionExecution).execution_options(populate_existing=True)).scalar_one()
    assert row.progress == 30


def test_milestones_through_the_forms(client, scene, territory):
    in_execution(scene)
    key = action_keys(scene.project)[0]
    _sign_in(client, scene.staff)
    response = client.post(_url(territory, "execution", key) + "/milestones", data={"title": "", "due_date": ""})
    assert response.status_code == 400
    assert "A milestone needs a title." in response.get_data(as_text=True)
    response = client.post(_url(territory, "execution", key) + "/milestones",
                           data={"title": "Inscriptions", "due_date": (date.today() - timedelta(days=2)).isoformat()})
    assert response.status_code == 302
    page = client.get(_url(territory, "execution", key)).get_data(as_text=True)
    assert "Inscriptions" in page and 'data-testid="milestone-overdue"' in page
    milestone_id = execution.execution_page(scene.project).rows[0].milestones[0].id
    response = client.post(_url(territory, "execution", key) + f"/milestones/{milestone_id}/done",
                           data={"done_on": date.today().isoformat()})
    assert response.status_code == 302
    page = client.get(_url(territory, "execution")).get_data(as_text=True)
    assert 'data-testid="milestone-overdue"' not in page
    response = client.post(_url(territory, "execution", key) + f"/milestones/{milestone_id}/delete")
    assert response.status_code == 302
    assert execution.execution_page(scene.project).rows[0].milestones == []
    _sign_in(client, scene.members[0])
    assert client.post(_url(territory, "execution", key) + "/milestones",
                       data={"title": "X", "due_date": "2026-01-01"}).status_code == 403


# --- beneficiaries reached -----------------------------------------------------------------------

def _women():
    from tests.research.conftest import target_group

    return target_group("women_in_difficulty").id


def _reached_rows():
    return {(row.target_group_id, row.sex): row.reached
            for row in db.session.execute(sa.select(ActionReached)).scalars()}


@pytest.mark.parametrize(("role", "allowed"), [
    ("antenna_staff", True), ("delegate", True), ("commission_member", False), ("committee_member", False),
    ("steering", False), ("other_antenna", False),
])
def test_who_may_record_beneficiaries_reached(client, scene, territory, role, allowed):
    in_execution(scene)
    key = action_keys(scene.project)[0]
    women = _women()
    if role == "other_antenna":
        user = make_user("antenna_staff", territory=make_territory("Ailleurs"))
    else:
        user = make_user(role, territory=territory)
    _sign_in(client, user)
    response = client.post(_url(territory, "execution", key) + "/reached",
                           data={f"reached-{women}-female": "7", "lock_version": "0"})
    assert response.status_code == (302 if allowed else 403)
    assert _reached_rows() == ({(women, "female"): 7} if allowed else {})
    page = client.get(_url(territory, "execution", key))
    if allowed:
        assert 'data-testid="reached-form"' in page.get_data(as_text=True)
    else:
        assert page.status_code == 403


def test_no_reached_entry_before_the_conventions_are_signed(client, scene, territory):
    key = action_keys(scene.project)[0]
    _sign_in(client, scene.delegate)
    response = client.post(_url(territory, "execution", key) + "/reached",
                           data={f"reached-{_women()}-female": "7", "lock_version": "0"})
    assert response.status_code == 403 and _reached_rows() == {}


def test_the_reached_grid_is_prefilled_beside_the_expected_numbers_and_saved(client, scene, territory):
    in_execution(scene)
    first, second = action_keys(scene.project)
    women = _women()
    _sign_in(client, scene.staff)
    page = client.get(_url(territory, "execution", first)).get_data(as_text=True)
    assert f'name="reached-{women}-female" value=""' in page and "expected: 30" in page
    response = client.post(_url(territory, "execution", first) + "/reached",
                           data={f"reached-{women}-female": "18", f"reached-{women}-male": "", "lock_version": "0"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"#action-{first}")
    assert _reached_rows() == {(women, "female"): 18}
    page = client.get(_url(territory, "execution", first)).get_data(as_text=True)
    assert f'name="reached-{women}-female" value="18"' in page and 'data-testid="above-expected"' not in page
    assert "18 of 30 expected" in page
    # Above the expected number: saved, and flagged.
    response = client.post(_url(territory, "execution", second) + "/reached",
                           data={f"reached-{women}-female": "34", "lock_version": "0"}, follow_redirects=True)
    listing = response.get_data(as_text=True)
    assert "above the expected beneficiaries" in listing and 'data-testid="above-expected"' in listing
    assert re.search(r'data-testid="action-reached">\s*<strong>18</strong>', listing)
    assert "of 30 expected" in listing
    assert 'data-testid="above-expected"' in client.get(_url(territory, "execution", second)).get_data(as_text=True)


@pytest.mark.parametrize("value", ["-3", "4.5", "beaucoup", "2000000"])
def test_a_bad_reached_number_is_a_400_keeping_the_grid_and_writing_nothing(client, scene, territory, value):
    in_execution(scene)
    key = action_keys(scene.project)[0]
    women = _women()
    _sign_in(client, scene.staff)
    response = client.post(_url(territory, "execution", key) + "/reached",
                           data={f"reached-{women}-female": value, f"reached-{women}-male": "6", "lock_version": "0"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'data-testid="reached-error"' in page and "whole numbers from 0 to 1,000,000" in page
    assert "Nothing was saved." in page
    assert re.search(rf'is-invalid[^"]*"\s+id="reached-{women}-female"', page)
    assert f'value="{value}"' in page and f'name="reached-{women}-male" value="6"' in page
    assert _reached_rows() == {}
    assert db.session.execute(sa.select(sa.func.count()).select_from(ActionExecution)).scalar_one() == 0


def test_a_stale_reached_save_is_a_409_keeping_what_was_typed(client, scene, territory):
    in_execution(scene)
    key = action_keys(scene.project)[0]
    women = _women()
    execution.save_reached(scene.delegate, scene.project, key, {(women, "female"): "21"}, 0)
    _sign_in(client, scene.staff)
    response = client.post(_url(territory, "execution", key) + "/reached",
                           data={f"reached-{women}-female": "19", "lock_version": "0"})
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert 'data-testid="reached-conflict"' in page and f'name="reached-{women}-female" value="19"' in page
    assert re.search(r'data-testid="current-reached">.*: 21</li>', page, re.S)
    assert 'id="reached-lock-version" name="lock_version" type="hidden" value="1"' in page
    assert _reached_rows() == {(women, "female"): 21}
    # Saving again from the 409 page (its lock version is the current one) goes through.
    response = client.post(_url(territory, "execution", key) + "/reached",
                           data={f"reached-{women}-female": "19", "lock_version": "1"})
    assert response.status_code == 302 and _reached_rows() == {(women, "female"): 19}


def test_a_dropped_action_shows_what_it_reached_and_offers_no_entry(client, scene, territory):
    in_execution(scene)
    key = action_keys(scene.project)[0]
    women = _women()
    execution.save_reached(scene.delegate, scene.project, key, {(women, "female"): "9"}, 0)
    execution.save_execution(scene.delegate, scene.project, key, ExecutionData("dropped", 20), 1)
    _sign_in(client, scene.staff)
    page = client.get(_url(territory, "execution", key)).get_data(as_text=True)
    assert 'data-testid="reached-dropped"' in page and "9 people reached" in page
    assert 'data-testid="reached-form"' not in page
    response = client.post(_url(territory, "execution", key) + "/reached",
                           data={f"reached-{women}-female": "12", "lock_version": "2"})
    assert response.status_code == 409 and "records no more beneficiaries" in response.get_data(as_text=True)
    assert _reached_rows() == {(women, "female"): 9}


# --- summary and query counts --------------------------------------------------------------------

def test_summary_is_none_before_approval_and_counts_after(db, territory, scene):
    from tests.projects.conftest import make_project

    from najma.projects.execution_views import summary_context

    draft = make_project(make_territory("Brouillon"))
    assert summary_context(draft, scene.delegate) is None
    summary = summary_context(scene.project, scene.delegate)
    assert (summary["signed"], summary["total"], summary["progress"], summary["followed"]) == (0, 2, None, False)
    in_execution(scene)
    first = action_keys(scene.project)[0]
    execution.save_execution(scene.delegate, scene.project, first, ExecutionData("delayed", 100), 0)
    summary = summary_context(scene.project, scene.delegate)
    assert (summary["signed"], summary["total"], summary["progress"], summary["late"]) == (2, 2, 25.0, 1)


def test_the_project_page_shows_the_summary(client, scene, territory):
    _sign_in(client, scene.delegate)
    page = client.get(f"/territories/{territory.slug}/project").get_data(as_text=True)
    assert 'data-testid="execution-summary"' in page
    assert "0 of 2" in page


def test_query_counts_do_not_grow_with_actions(client, db):
    small = in_execution(approved_project(make_territory("Petit"), budgets=(("100",),)))
    large = in_execution(approved_project(make_territory("Grand"), budgets=(("100",),) * 6))
    for scene in (small, large):
        for key in action_keys(scene.project):
            execution.save_execution(scene.delegate, scene.project, key, ExecutionData("ongoing", 10), 0)
            execution.add_milestone(scene.delegate, scene.project, key, "Étape", date.today())
            execution.save_reached(scene.delegate, scene.project, key, {(_women(), "female"): "4"}, 1)
    viewer = make_user("steering")
    _sign_in(client, viewer)
    for page in ("conventions", "execution"):
        counts = [count_queries(lambda t=s.territory: client.get(_url(t, page))) for s in (small, large)]
        assert counts[0] == counts[1], (page, counts)
    # An action's follow-up page (with its reached grid) reads the whole page's data too.
    counts = []
    for scene in (small, large):
        key = action_keys(scene.project)[0]
        _sign_in(client, scene.delegate)
        counts.append(count_queries(lambda s=scene, k=key: client.get(_url(s.territory, "execution", k))))
    assert counts[0] == counts[1], counts
    _sign_in(client, viewer)
    from najma.projects.execution_views import summary_context

    def summary_queries(project):
        project_id = project.id
        count = 0

        def before(*args, **kwargs):
            nonlocal count
            count += 1

        sa.event.listen(db.engine, "before_cursor_execute", before)
        try:
            summary_context(db.session.get(type(project), project_id), viewer)
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", before)
        return count

    assert summary_queries(small.project) == summary_queries(large.project)

