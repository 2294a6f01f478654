"""Project pages through HTTP: who reads them, starting a project, editing content and actions
(form errors change nothing, 409 on a stale save), draft-only editing, comments during the
review, versions and their comparison, and a query count that does not grow with the content."""
from decimal import Decimal

import pytest
import sqlalchemy as sa
from tests.conftest import count_queries, make_territory, make_user
from tests.projects.conftest import action_data, add_actor, institution, make_project, retained_path
from tests.research.conftest import chantier, target_group

from najma.projects import services
from najma.research.paths import retained_paths
from najma.projects.models import ProjectAction, ProjectComment, TerritoryProject




def _url(territory, tail=""):
    return f"/territories/{territory.slug}/project{tail}"


def _action_form(path, lock, **overrides):
    """What the action form posts for a complete action answering ``path``."""
    women = target_group()
    form = {
        "title": "Atelier de couture", "description": "Pour les femmes du douar.", "path_ids": [str(path.id)],
        "chantier_id": str(chantier(5).id), "target_group_ids": [str(women.id)], "lead_actor_id": "",
        "partners_text": "", "institution_actor_id": "", "institution_name": "Centre EN d'Azilal",
        "start_date": "2026-09-01", "end_date": "2027-06-30", "indicators_text": "Femmes formées",
        f"beneficiaries-{women.id}-female": "30", f"beneficiaries-{women.id}-male": "",
        "budget_lines-0-item": "Formatrice", "budget_lines-0-funder": "Entraide Nationale",
        "budget_lines-0-amount": "24 000,50", "budget_lines-1-item": "", "budget_lines-1-funder": "",
        "budget_lines-1-amount": "", "lock_version": str(lock),
    }
    form.update(overrides)
    return form


# --- reading -------------------------------------------------------------------------------------

@pytest.mark.parametrize("role", ["antenna_staff", "commission_member", "delegate", "committee_member", "steering",
                                  "evaluator"])
def test_the_project_page_renders_for_its_readers(client, login, db, territory, role):
    project = make_project(territory, actions=2)
    key = services.load_version(project).actions[0].key
    login(role)
    page = client.get(_url(territory))
    assert page.status_code == 200
    text = page.text
    assert "Projet de territoire d&#39;Azilal" in text and 'data-status="draft"' in text
    assert f'id="action-{key}"' in text and text.count('data-testid="action"') == 2
    assert 'data-testid="budget-total"' in text and "64,001.00" in text
    assert text.count('class="gantt-bar') == 2 and 'data-testid="schedule-table"' in text
    assert 'data-testid="tab-versions"' in text and 'data-testid="tab-conventions"' not in text
    assert ('data-testid="edit-content"' in text) == (role in ("antenna_staff", "commission_member"))


def test_the_page_links_each_path_with_its_evidence_and_lists_the_paths_not_answered(client, login, db, territory):
    staff = login("antenna_staff")
    project = make_project(territory, staff)
    answered = services.load_version(project).actions[0].paths[0]
    waiting = retained_path(territory, staff, title="Piste sans action")
    text = client.get(_url(territory)).text
    assert f'href="/research/paths/{answered.id}"' in text and "1 note cited" in text
    unanswered = text[text.index('data-testid="unanswered-paths"'):]
    assert "Piste sans action" in unanswered and f"/research/paths/{waiting.id}" in unanswered
    assert answered.title not in unanswered


def test_readers_of_other_territories_viewers_and_strangers_are_refused(client, login, db, territory):
    make_project(territory)
    other = make_territory("Chefchaouen")
    login("commission_member", on=other)
    assert client.get(_url(territory)).status_code == 403
    assert client.get(_url(territory, "/versions")).status_code == 403
    login("viewer")
    assert client.get(_url(territory)).status_code == 403
    client.get("/logout")
    with client.session_transaction() as session:
        session.clear()
    response = client.get(_url(territory))
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_unknown_territory_action_or_version_is_404(client, login, db, territory):
    make_project(territory)
    login("antenna_staff")
    assert client.get("/territories/nowhere/project").status_code == 404
    assert client.get(_url(territory, "/actions/nokey/edit")).status_code == 404
    assert client.get(_url(territory, "/versions/9")).status_code == 404
    assert client.get(_url(territory, "/versions/diff?from=1&to=9")).status_code == 404


def test_the_project_page_query_count_does_not_grow_with_the_content(client, login, db, territory):
    staff = login("antenna_staff")
    project = make_project(territory, staff, actions=0)
    paths = [retained_paths(territory)[0],
             retained_path(territory, staff, groups=("women_in_difficulty", "girls_out_of_school"))]
    centre, partner = institution(territory), add_actor(territory)

    def add(i):
        services.save_action(staff, project, None, action_data(
            paths[1], title=f"Action {i}", institution_actor=centre, path_ids=[p.id for p in paths],
            target_group_ids=[target_group().id, target_group("girls_out_of_school").id],
            lead_actor_id=partner.id, partner_ids=[partner.id], chantier_id=chantier(1 + i % 5).id,
            budget=tuple((f"Ligne {n}", f"Financeur {n}", "100") for n in range(1 + i % 4))), None)

    add(0)
    url = _url(territory)
    few = count_queries(lambda: client.get(url))
    for i in range(1, 8):
        add(i)
    many = count_queries(lambda: client.get(url))
    assert client.get(url).text.count('data-testid="action"') == 8
    assert many == few
    # Under review, with comments on every section: one query whatever their number.
    project.status = "under_review"
    db.session.commit()
    member = make_user("committee_member", territory=territory)
    services.add_comment(member, project, "context", "Premier commentaire")
    few = count_queries(lambda: client.get(url))
    keys = [a.key for a in services.load_version(project).actions]
    for section in ["objectives", "budget", "schedule"] + [f"action:{key}" for key in keys]:
        services.add_comment(member, project, section, f"Sur {section}")
    assert count_queries(lambda: client.get(url)) == few


# --- starting ------------------------------------------------------------------------------------

def test_without_retained_path_the_start_page_sends_to_the_paths(client, login, db, territory):
    login("antenna_staff")
    page = client.get(_url(territory))
    assert page.status_code == 200 and 'data-testid="no-retained-path"' in page.text
    assert f"/territories/{territory.slug}/research/paths" in page.text
    response = client.post(_url(territory), data={"title": "Projet"})
    assert response.status_code == 400 and "none is retained yet" in response.text
    assert db.session.execute(sa.select(sa.func.count()).select_from(TerritoryProject)).scalar_one() == 0


def test_the_antenna_starts_the_project_from_the_start_page(client, login, db, territory):
    staff = login("antenna_staff")
    retained_path(territory, staff, title="Coopérative de couture")
    page = client.get(_url(territory))
    assert 'data-testid="create-project"' in page.text and "Coopérative de couture" in page.text
    response = client.post(_url(territory), data={"title": "Projet d'Azilal"})
    assert response.status_code == 302
    project = services.project_of(territory)
    assert services.current_version(project).title == "Projet d'Azilal"
    assert client.post(_url(territory), data={"title": "Encore"}).status_code == 400


def test_a_committee_member_reads_but_does_not_start_a_project(client, login, db, territory):
    retained_path(territory)
    login("committee_member")
    assert 'data-testid="create-project"' not in client.get(_url(territory)).text
    assert client.post(_url(territory), data={"title": "Projet"}).status_code == 403


# --- content -------------------------------------------------------------------------------------

def test_content_is_edited_and_errors_change_nothing(client, login, db, territory):
    staff = login("antenna_staff")
    project = make_project(territory, staff)
    lock = services.current_version(project).lock_version
    page = client.get(_url(territory, "/edit"))
    assert page.status_code == 200 and f'value="{lock}"' in page.text
    refused = client.post(_url(territory, "/edit"), data={"title": "", "context": "Nouveau", "lock_version": lock})
    assert refused.status_code == 400 and "Nothing was saved" in refused.text
    assert services.current_version(project).context != "Nouveau"
    saved = client.post(_url(territory, "/edit"), data={
        "title": "Projet révisé", "context": "Le **contexte**", "general_objective": "Autonomie",
        "specific_objectives": "Un\nDeux", "lock_version": lock})
    assert saved.status_code == 302
    text = client.get(_url(territory)).text
    assert "Projet révisé" in text and "<strong>contexte</strong>" in text


def test_a_stale_content_save_gets_the_409_page_with_both_texts(client, login, db, territory):
    staff = login("antenna_staff")
    project = make_project(territory, staff)
    lock = services.current_version(project).lock_version
    services.update_content(staff, project, {"title": "Titre du collègue", "context": "Texte du collègue",
                                             "general_objective": "Autonomie"}, lock)
    response = client.post(_url(territory, "/edit"), data={
        "title": "Mon titre", "context": "Mon texte", "general_objective": "Le mien", "lock_version": lock})
    assert response.status_code == 409
    text = response.text
    assert 'data-testid="project-conflict"' in text
    assert "Texte du collègue" in text and "Mon texte</textarea>" in text and 'value="Mon titre"' in text
    assert f'value="{lock + 1}"' in text
    assert services.current_version(project).context == "Texte du collègue"
    retry = client.post(_url(territory, "/edit"), data={
        "title": "Mon titre", "context": "Fusion", "general_objective": "Le mien", "lock_version": lock + 1})
    assert retry.status_code == 302 and services.current_version(project).context == "Fusion"


# --- actions -------------------------------------------------------------------------------------

def test_an_action_is_added_through_the_form(client, login, db, territory):
    staff = login("antenna_staff")
    project = make_project(territory, staff, actions=0)
    path = retained_path(territory, staff, title="Piste choisie")
    lock = services.current_version(project).lock_version
    page = client.get(_url(territory, "/actions/new"))
    assert page.status_code == 200 and "Piste choisie" in page.text
    assert page.text.count('name="budget_lines-') == 9 and 'data-testid="beneficiaries-grid"' in page.text
    response = client.post(_url(territory, "/actions/new"), data=_action_form(path, lock))
    assert response.status_code == 302
    action = services.load_version(project).actions[0]
    assert action.title == "Atelier de couture" and action.budget_lines[0].amount == Decimal("24000.50")
    assert [(b.sex, b.expected) for b in action.beneficiaries] == [("female", 30)]
    edit = client.get(_url(territory, f"/actions/{action.key}/edit")).text
    assert 'value="24000.50"' in edit and 'value="Formatrice"' in edit
    assert f'name="beneficiaries-{target_group().id}-female" value="30"' in edit


@pytest.mark.parametrize("overrides, message", [
    ({"budget_lines-1-item": "Matériel"}, "Budget line 2: give the item, the funder and the amount"),
    ({"beneficiaries-{elderly}-male": "3"}, "which is not a target group of this action"),
    ({"path_ids": []}, "at least one retained intervention path"),
    ({"start_date": "2027-09-01"}, "cannot be before the start date"),
    ({"title": ""}, "Nothing was saved"),
])
def test_action_form_errors_re_render_with_the_message_and_change_nothing(client, login, db, territory, overrides,
                                                                          message):
    staff = login("antenna_staff")
    project = make_project(territory, staff)
    version = services.load_version(project)
    path, lock = version.actions[0].paths[0], version.lock_version
    overrides = {key.replace("{elderly}", str(target_group("elderly_in_difficulty").id)): value
                 for key, value in overrides.items()}
    response = client.post(_url(territory, "/actions/new"), data=_action_form(path, lock, **overrides))
    assert response.status_code == 400
    assert message in response.text
    assert 'value="Formatrice"' in response.text  # what was typed is kept
    assert db.session.execute(sa.select(sa.func.count()).select_from(ProjectAction)).scalar_one() == 1
    assert services.current_version(project).lock_version == lock


def test_a_stale_action_save_answers_409_and_keeps_the_entries(client, login, db, territory):
    staff = login("antenna_staff")
    project = make_project(territory, staff)
    version = services.load_version(project)
    path, lock = version.actions[0].paths[0], version.lock_version
    services.update_content(staff, project, {"title": "Titre", "general_objective": "Objectif"}, lock)
    response = client.post(_url(territory, "/actions/new"), data=_action_form(path, lock, title="Mon action"))
    assert response.status_code == 409 and 'data-testid="action-conflict"' in response.text
    assert 'value="Mon action"' in response.text and f'value="{lock + 1}"' in response.text
    assert len(services.load_version(project).actions) == 1


def test_actions_are_moved_and_removed(client, login, db, territory):
    staff = login("antenna_staff")
    project = make_project(territory, staff, actions=2)
    first, second = (a.key for a in services.load_version(project).actions)
    assert client.post(_url(territory, f"/actions/{second}/move"), data={"direction": "up"}).status_code == 302
    assert [a.key for a in services.load_version(project).actions] == [second, first]
    assert client.post(_url(territory, f"/actions/{second}/delete")).status_code == 302
    assert [a.key for a in services.load_version(project).actions] == [first]


def test_during_a_vote_edits_are_refused_and_nothing_changes(client, login, db, territory):
    staff = login("antenna_staff")
    project = make_project(territory, staff)
    version = services.load_version(project)
    key, path, lock = version.actions[0].key, version.actions[0].paths[0], version.lock_version
    project.status = "voting"
    db.session.commit()
    page = client.get(_url(territory))
    assert 'data-testid="edit-content"' not in page.text and 'data-testid="edit-action"' not in page.text
    refused = client.get(_url(territory, "/edit"), follow_redirects=True)
    assert "only be changed while it is a draft; it is vote open" in refused.text
    for tail, data in [("/edit", {"title": "Changé", "lock_version": lock}),
                       ("/actions/new", _action_form(path, lock)),
                       (f"/actions/{key}/edit", _action_form(path, lock, title="Changé"))]:
        assert client.post(_url(territory, tail), data=data).status_code == 409
    assert client.post(_url(territory, f"/actions/{key}/delete"), data={}).status_code == 302
    version = services.load_version(project)
    assert version.title != "Changé" and [a.title for a in version.actions] == ["Action 1"]
    assert version.lock_version == lock


def test_only_the_antenna_and_the_commission_edit(client, login, db, territory):
    project = make_project(territory)
    key = services.load_version(project).actions[0].key
    for role in ("committee_member", "delegate", "steering"):
        login(role)
        assert client.get(_url(territory, "/edit")).status_code == 403
        assert client.post(_url(territory, f"/actions/{key}/delete")).status_code == 403
    assert len(services.load_version(project).actions) == 1


# --- comments ------------------------------------------------------------------------------------

def test_committee_members_comment_section_by_section_during_the_review(client, login, db, territory):
    project = make_project(territory)
    key = services.load_version(project).actions[0].key
    member = login("committee_member")
    assert client.post(_url(territory, "/comments"), data={"section": "context", "body": "Trop tôt"}).status_code == 403
    project.status = "under_review"
    db.session.commit()
    page = client.get(_url(territory))
    assert 'name="section" value="budget"' in page.text and f'name="section" value="action:{key}"' in page.text
    response = client.post(_url(territory, "/comments"), data={"section": f"action:{key}", "body": "Quel local ?"})
    assert response.status_code == 302 and f"#section-action-{key}" in response.headers["Location"]
    client.post(_url(territory, "/comments"), data={"section": "elsewhere", "body": "Perdu"})
    assert [c.body for c in db.session.execute(sa.select(ProjectComment)).scalars()] == ["Quel local ?"]
    text = client.get(_url(territory)).text
    action_block = text[text.index(f'id="action-{key}"'):text.index('id="section-budget"')]
    assert "Quel local ?" in action_block and member.full_name in action_block


# --- versions ------------------------------------------------------------------------------------

def test_versions_a_frozen_version_and_the_comparison(client, login, db, territory):
    staff = login("antenna_staff")
    project = make_project(territory, staff, actions=2)
    services.open_new_version(staff, project, "Préciser le budget")
    db.session.commit()
    version = services.load_version(project)
    removed = version.actions[1].key
    services.delete_action(staff, project, removed)
    page = client.get(_url(territory, "/versions"))
    assert page.status_code == 200 and page.text.count('data-testid="version-row"') == 2
    assert "Préciser le budget" in page.text
    frozen = client.get(_url(territory, "/versions/1"))
    assert frozen.status_code == 200 and 'data-testid="frozen"' in frozen.text
    assert frozen.text.count('data-testid="action"') == 2 and 'data-testid="edit-action"' not in frozen.text
    comparison = client.get(_url(territory, "/versions/diff?from=1&to=2"))
    assert comparison.status_code == 200
    assert f'data-state="removed" data-action-key="{removed}"' in comparison.text
    assert "1 action removed" in comparison.text
    assert client.get(_url(territory, "/versions/diff")).status_code == 200


def test_the_content_renders_printable_without_a_request(app, db, territory, staff):
    from flask import has_request_context, render_template

    project = make_project(territory, staff, actions=2)
    version = services.load_version(project)
    assert not has_request_context()
    html = render_template("projects/_content.html", version=version, actions=version.actions, printable=True)
    assert "Action 1" in html and "Action 2" in html and "Améliorer l&#39;autonomie des femmes." in html
    assert 'data-testid="budget-total"' in html and html.count('class="gantt-bar') == 2
    assert "<form" not in html and "href=" not in html


def test_text_typed_while_the_project_left_draft_is_shown_again_with_the_reason(client, login, db, territory):
    staff = login("antenna_staff")
    project = make_project(territory, staff)
    version = services.load_version(project)
    key, path, lock = version.actions[0].key, version.actions[0].paths[0], version.lock_version
    assert client.get(_url(territory, "/edit")).status_code == 200
    project.status = "submitted"  # a colleague submits it meanwhile
    db.session.commit()
    typed = "Deux heures de rédaction sur le contexte du douar"
    response = client.post(_url(territory, "/edit"), data={
        "title": "Titre retapé", "context": typed, "general_objective": "G", "lock_version": lock})
    assert response.status_code == 409
    assert typed in response.text and "Titre retapé" in response.text
    assert 'data-testid="edit-refused"' in response.text and "it is submitted" in response.text
    description = "Une description longue à ne pas perdre"
    for tail in ("/actions/new", f"/actions/{key}/edit"):
        response = client.post(_url(territory, tail), data=_action_form(path, lock, title="Action retapée",
                                                                         description=description))
        assert response.status_code == 409
        assert "Action retapée" in response.text and description in response.text
        assert 'data-testid="edit-refused"' in response.text
    assert client.get(_url(territory, "/edit")).status_code == 302  # reading the form still sends back
    version = services.load_version(project)
    assert version.context != typed and [a.title for a in version.actions] == ["Action 1"]
