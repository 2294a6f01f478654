"""Project content services: one project per territory built on retained paths, the rules of an
action, draft-only editing, the concurrent-edit check, new versions and the completeness check."""
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa
from tests.conftest import make_territory, make_user
from tests.projects.conftest import action_data, add_actor, institution, make_project, retained_path
from tests.research.conftest import target_group

from najma.audit import AuditEvent
from najma.errors import DomainError
from najma.projects import services
from najma.projects.models import ProjectAction, ProjectVersion, TerritoryProject
from najma.projects.services import ActionConflict, BudgetRow, ProjectConflict
from najma.research import paths


def _count(db, model) -> int:
    return db.session.execute(sa.select(sa.func.count()).select_from(model)).scalar_one()


def _set_status(db, project, status):
    """Simulate the workflow (its own service is tested elsewhere)."""
    project.status = status
    db.session.commit()


# --- starting a project --------------------------------------------------------------------------

def test_a_project_needs_a_retained_path_and_says_so(db, territory, staff):
    with pytest.raises(DomainError) as refused:
        services.create_project(staff, territory, "Projet d'Azilal")
    assert "retained" in str(refused.value.message) and "none is retained yet" in str(refused.value.message)
    assert _count(db, TerritoryProject) == 0


def test_one_project_per_territory(db, territory, staff):
    retained_path(territory, staff)
    project = services.create_project(staff, territory, "  Projet d'Azilal  ")
    assert project.status == "draft" and project.current_number == 1
    assert services.current_version(project).title == "Projet d'Azilal"
    with pytest.raises(DomainError) as refused:
        services.create_project(staff, territory, "Un second projet")
    assert "already has a project" in str(refused.value.message)
    assert _count(db, TerritoryProject) == 1
    assert db.session.execute(sa.select(AuditEvent).where(AuditEvent.object_type == "TerritoryProject")).scalar_one()


def test_a_project_needs_a_title(db, territory, staff):
    retained_path(territory, staff)
    with pytest.raises(DomainError) as refused:
        services.create_project(staff, territory, "   ")
    assert refused.value.field == "title"
    assert _count(db, TerritoryProject) == 0


# --- content -------------------------------------------------------------------------------------

def test_content_is_saved_with_its_objectives_one_per_line_and_audited(db, territory, staff):
    retained_path(territory, staff)
    project = services.create_project(staff, territory, "Projet")
    version = services.current_version(project)
    services.update_content(staff, project, {"title": "Projet d'Azilal", "context": "# Le territoire",
                                             "general_objective": "Autonomie",
                                             "specific_objectives": "  Former\n\n  Créer \n"}, version.lock_version)
    version = services.current_version(project)
    assert version.title == "Projet d'Azilal" and version.lock_version == 2
    assert version.objectives_list == ["Former", "Créer"]
    event = db.session.execute(sa.select(AuditEvent).where(AuditEvent.object_type == "ProjectVersion")).scalar_one()
    assert event.changes["title"] == {"before": "Projet", "after": "Projet d'Azilal"}


def test_a_stale_content_save_is_a_conflict_that_keeps_what_the_user_typed(db, territory, staff):
    project = make_project(territory, staff)
    version = services.current_version(project)
    base = version.lock_version
    services.update_content(staff, project, {"title": "Titre A", "context": "Texte de A"}, base)
    with pytest.raises(ProjectConflict) as conflict:
        services.update_content(staff, project, {"title": "Titre B", "context": "Texte de B"}, base)
    assert conflict.value.mine == "Texte de B" and conflict.value.data.title == "Titre B"
    assert conflict.value.current.context == "Texte de A" and conflict.value.current_version == base + 1
    assert services.current_version(project).context == "Texte de A"


def test_a_too_long_title_is_refused(db, territory, staff):
    project = make_project(territory, staff)
    version = services.current_version(project)
    with pytest.raises(DomainError) as refused:
        services.update_content(staff, project, {"title": "x" * 201}, version.lock_version)
    assert refused.value.field == "title"
    assert services.current_version(project).lock_version == version.lock_version


@pytest.mark.parametrize("status", ["submitted", "voting", "approved"])
def test_only_a_draft_changes_and_the_refusal_names_the_status(db, territory, staff, status):
    project = make_project(territory, staff)
    version = services.load_version(project)
    key, lock = version.actions[0].key, version.lock_version
    path = version.actions[0].paths[0]
    _set_status(db, project, status)
    attempts = [
        lambda: services.update_content(staff, project, {"title": "Changé"}, lock),
        lambda: services.save_action(staff, project, None, action_data(path), lock),
        lambda: services.save_action(staff, project, key, action_data(path, title="Changé"), lock),
        lambda: services.delete_action(staff, project, key),
        lambda: services.move_action(staff, project, key, "down"),
    ]
    for attempt in attempts:
        with pytest.raises(DomainError) as refused:
            attempt()
        assert "only be changed while it is a draft" in str(refused.value.message)
    if status == "voting":
        assert "it is vote open" in str(refused.value.message)
    version = services.load_version(project)
    assert version.title != "Changé" and [a.title for a in version.actions] == ["Action 1"]
    assert version.lock_version == lock


def test_a_frozen_version_no_longer_changes(db, territory, staff):
    project = make_project(territory, staff)
    version = services.current_version(project)
    services.freeze_version(version)
    db.session.commit()
    with pytest.raises(DomainError) as refused:
        services.update_content(staff, project, {"title": "Changé"}, version.lock_version)
    assert "frozen" in str(refused.value.message)


# --- actions -------------------------------------------------------------------------------------

def _refusal(staff, project, data, key=None) -> DomainError:
    with pytest.raises(DomainError) as refused:
        services.save_action(staff, project, key, data, None)
    return refused.value


def test_an_action_is_saved_with_everything_it_carries(db, territory, staff):
    path = retained_path(territory, staff, groups=("women_in_difficulty", "girls_out_of_school"))
    project = services.create_project(staff, territory, "Projet")
    centre, lead, partner = institution(territory, "Centre EN Azilal"), add_actor(territory, "Commune"), add_actor(
        territory, "Association Tifawin")
    women, girls = target_group(), target_group("girls_out_of_school")
    data = action_data(path, title="  Atelier de couture  ", institution_actor=centre,
                       target_group_ids=[women.id, girls.id], lead_actor_id=lead.id, partner_ids=[partner.id],
                       beneficiaries={(women.id, "female"): "30", (girls.id, "female"): 12, (girls.id, "male"): "",
                                      (target_group("elderly_in_difficulty").id, "male"): "0"},
                       budget_lines=[BudgetRow("Formatrice", "Entraide Nationale", "1 500,50"), BudgetRow("", "", ""),
                                     BudgetRow("Machines", " Commune ", Decimal("2000"))])
    action = services.save_action(staff, project, None, data, services.current_version(project).lock_version)
    key = action.key
    version = services.load_version(project)
    saved = version.actions[0]
    assert saved.key == key and saved.title == "Atelier de couture" and saved.position == 1
    assert [p.id for p in saved.paths] == [path.id]
    assert saved.institution_actor_id == centre.id and saved.institution_name == ""
    assert saved.lead_actor_id == lead.id and [a.id for a in saved.partners] == [partner.id]
    assert sorted((b.target_group_id, b.sex, b.expected) for b in saved.beneficiaries) == sorted(
        [(women.id, "female", 30), (girls.id, "female", 12)])
    assert [(line.item, line.funder, line.amount) for line in saved.budget_lines] == [
        ("Formatrice", "Entraide Nationale", Decimal("1500.50")), ("Machines", "Commune", Decimal("2000.00"))]
    assert saved.indicators_list == ["Nombre de femmes formées", "Taux d'insertion"]
    assert version.lock_version == 2
    event = db.session.execute(sa.select(AuditEvent).where(AuditEvent.object_type == "ProjectAction")).scalar_one()
    assert event.verb == "create" and event.territory_id == territory.id


@pytest.mark.parametrize("overrides, field, words", [
    ({"title": "  "}, "title", "needs a title"),
    ({"path_ids": []}, "path_ids", "at least one retained intervention path"),
    ({"chantier_id": 9999}, "chantier_id", "Unknown chantier"),
    ({"start_date": date(2027, 1, 1), "end_date": date(2026, 1, 1)}, "end_date", "cannot be before the start"),
    ({"budget_lines": [BudgetRow("Formatrice", "EN", "100"), BudgetRow("Matériel", "", "50")]}, "budget_lines",
     "Budget line 2: give the item, the funder and the amount"),
    ({"budget_lines": [BudgetRow("Formatrice", "EN", "100.555")]}, "budget_lines", "at most two decimals"),
    ({"budget_lines": [BudgetRow("Formatrice", "EN", "-5")]}, "budget_lines", "Budget line 1"),
    ({"budget_lines": [BudgetRow("Formatrice", "EN", "beaucoup")]}, "budget_lines", "Budget line 1"),
])
def test_an_invalid_action_is_refused_with_its_reason_and_nothing_changes(db, territory, staff, overrides, field,
                                                                         words):
    project = make_project(territory, staff)
    version = services.load_version(project)
    path, lock = version.actions[0].paths[0], version.lock_version
    refused = _refusal(staff, project, action_data(path, **overrides))
    assert refused.field == field and words in str(refused.message)
    assert _count(db, ProjectAction) == 1
    assert services.current_version(project).lock_version == lock


def test_paths_must_be_retained_paths_of_this_territory(db, territory, staff):
    project = make_project(territory, staff)
    path = services.load_version(project).actions[0].paths[0]
    other_territory = make_territory("Chefchaouen")
    elsewhere = retained_path(other_territory)
    refused = _refusal(staff, project, action_data(path, path_ids=[path.id, elsewhere.id]))
    assert refused.field == "path_ids" and "paths of this territory" in str(refused.message)
    paths.reopen(staff, path, "La commission revoit cette piste")
    refused = _refusal(staff, project, action_data(path))
    assert "is no longer a retained path" in str(refused.message) and path.title in str(refused.message)


def test_actors_come_from_this_territory_and_the_institution_from_entraide_nationale(db, territory, staff):
    project = make_project(territory, staff)
    path = services.load_version(project).actions[0].paths[0]
    other = make_territory("Chefchaouen")
    stranger = add_actor(other, "Association d'ailleurs")
    association = add_actor(territory, "Association locale")
    assert _refusal(staff, project, action_data(path, lead_actor_id=stranger.id)).field == "lead_actor_id"
    assert _refusal(staff, project, action_data(path, partner_ids=[association.id, stranger.id])).field == "partner_ids"
    refused = _refusal(staff, project, action_data(path, institution_actor=association))
    assert refused.field == "institution_actor_id" and "Entraide Nationale" in str(refused.message)
    refused = _refusal(staff, project, action_data(path, institution_actor=institution(other)))
    assert refused.field == "institution_actor_id"
    both = action_data(path, institution_actor=institution(territory))
    both.institution_name = "Centre du douar"
    assert "not both" in str(_refusal(staff, project, both).message)


def test_beneficiaries_only_for_the_actions_target_groups(db, territory, staff):
    project = make_project(territory, staff)
    path = services.load_version(project).actions[0].paths[0]
    elderly = target_group("elderly_in_difficulty")
    refused = _refusal(staff, project, action_data(path, beneficiaries={(elderly.id, "male"): 4}))
    assert refused.field == "beneficiaries" and elderly.name in str(refused.message)
    refused = _refusal(staff, project, action_data(path, beneficiaries={(target_group().id, "female"): -1}))
    assert "between 0 and" in str(refused.message)
    refused = _refusal(staff, project, action_data(path, beneficiaries={(target_group().id, "female"): "trente"}))
    assert "whole numbers" in str(refused.message)


def test_editing_an_action_keeps_its_key_and_replaces_its_lines(db, territory, staff):
    project = make_project(territory, staff, actions=2)
    version = services.load_version(project)
    first = version.actions[0]
    key, path = first.key, first.paths[0]
    services.save_action(staff, project, key, action_data(
        path, title="Action renommée", budget=(("Local", "Commune", "1000"),)), version.lock_version)
    version = services.load_version(project)
    edited = services.find_action(version, key)
    assert edited.title == "Action renommée" and edited.position == 1
    assert [(line.item, line.amount) for line in edited.budget_lines] == [("Local", Decimal("1000.00"))]
    assert _count(db, ProjectAction) == 2
    with pytest.raises(DomainError):
        services.save_action(staff, project, "nokey", action_data(path), None)


def test_a_stale_action_save_is_a_conflict(db, territory, staff):
    project = make_project(territory, staff)
    version = services.load_version(project)
    base, path = version.lock_version, version.actions[0].paths[0]
    services.save_action(staff, project, None, action_data(path, title="Ajoutée par A"), base)
    with pytest.raises(ActionConflict) as conflict:
        services.save_action(staff, project, None, action_data(path, title="Ajoutée par B"), base)
    assert conflict.value.data.title == "Ajoutée par B"
    assert [a.title for a in services.load_version(project).actions] == ["Action 1", "Ajoutée par A"]


def test_actions_are_moved_and_deleted(db, territory, staff):
    project = make_project(territory, staff, actions=3)
    keys = [a.key for a in services.load_version(project).actions]
    services.move_action(staff, project, keys[2], "up")
    assert [a.key for a in services.load_version(project).actions] == [keys[0], keys[2], keys[1]]
    services.move_action(staff, project, keys[0], "up")  # already first: nothing moves
    services.delete_action(staff, project, keys[2])
    version = services.load_version(project)
    assert [(a.key, a.position) for a in version.actions] == [(keys[0], 1), (keys[1], 2)]
    with pytest.raises(DomainError):
        services.move_action(staff, project, keys[0], "sideways")


# --- versions ------------------------------------------------------------------------------------

def test_a_new_version_copies_everything_with_the_same_keys_and_freezes_the_old_one(db, territory, staff):
    centre, partner = institution(territory), add_actor(territory)
    project = make_project(territory, staff, actions=2)
    version = services.load_version(project)
    path = version.actions[0].paths[0]
    services.save_action(staff, project, version.actions[1].key, action_data(
        path, title="Action 2", institution_actor=centre, partner_ids=[partner.id], lead_actor_id=partner.id),
        version.lock_version)
    services.open_new_version(staff, project, "Préciser le budget")
    db.session.commit()
    assert project.current_number == 2
    old = services.load_version(project, 1)
    new = services.load_version(project, 2)
    assert old.frozen_at is not None and new.frozen_at is None and new.reason == "Préciser le budget"
    assert (new.title, new.context, new.general_objective, new.specific_objectives) == (
        old.title, old.context, old.general_objective, old.specific_objectives)
    assert [a.key for a in new.actions] == [a.key for a in old.actions]
    for before, after in zip(old.actions, new.actions):
        assert after.id != before.id
        for name in services.ACTION_FIELDS:
            assert getattr(after, name) == getattr(before, name)
        assert [g.id for g in after.target_groups] == [g.id for g in before.target_groups]
        assert [p.id for p in after.paths] == [p.id for p in before.paths]
        assert [a.id for a in after.partners] == [a.id for a in before.partners]
        assert sorted((b.target_group_id, b.sex, b.expected) for b in after.beneficiaries) == sorted(
            (b.target_group_id, b.sex, b.expected) for b in before.beneficiaries)
        assert [(x.item, x.funder, x.amount) for x in after.budget_lines] == [
            (x.item, x.funder, x.amount) for x in before.budget_lines]
    # Editing the new version leaves the frozen one as it was.
    services.save_action(staff, project, new.actions[0].key, action_data(path, title="Modifiée"), new.lock_version)
    assert services.load_version(project, 1).actions[0].title == "Action 1"
    assert services.load_version(project, 2).actions[0].title == "Modifiée"
    assert _count(db, ProjectVersion) == 2


# --- completeness --------------------------------------------------------------------------------

def test_a_complete_project_has_no_problem(db, territory, staff):
    project = make_project(territory, staff, actions=2)
    assert services.completeness_problems(services.current_version(project)) == []


def test_completeness_lists_what_is_missing(db, territory, staff):
    path = retained_path(territory, staff)
    project = services.create_project(staff, territory, "Projet")
    problems = services.completeness_problems(services.current_version(project))
    assert any("general objective" in p for p in problems) and any("no action yet" in p for p in problems)
    bare = action_data(path, title="Esquisse", chantier_id=None, target_group_ids=[], beneficiaries={},
                       institution_name="", start_date=None, budget_lines=[])
    services.save_action(staff, project, None, bare, None)
    problems = " | ".join(services.completeness_problems(services.current_version(project)))
    for words in ("“Esquisse” has no chantier", "“Esquisse” has no target group",
                  "“Esquisse” names no Entraide Nationale institution", "“Esquisse” needs a start and an end date",
                  "“Esquisse” has no budget line"):
        assert words in problems
    assert "no action yet" not in problems


def test_a_path_reopened_since_makes_the_project_incomplete(db, territory, staff):
    project = make_project(territory, staff)
    path = services.load_version(project).actions[0].paths[0]
    paths.reopen(staff, path, "À revoir")
    problems = services.completeness_problems(services.current_version(project))
    assert len(problems) == 1 and "no longer a retained path" in problems[0] and path.title in problems[0]


# --- comments ------------------------------------------------------------------------------------

def test_comments_are_taken_during_the_review_only_on_known_sections(db, territory, staff):
    project = make_project(territory, staff)
    member = make_user("committee_member", territory=territory)
    with pytest.raises(DomainError) as refused:
        services.add_comment(member, project, "context", "Préciser les chiffres")
    assert "while the committee reviews" in str(refused.value.message)
    _set_status(db, project, "under_review")
    key = services.load_version(project).actions[0].key
    services.add_comment(member, project, "context", "Préciser les chiffres")
    services.add_comment(member, project, f"action:{key}", "Quel local ?")
    for section in ("elsewhere", "action:nokey"):
        with pytest.raises(DomainError):
            services.add_comment(member, project, section, "Texte")
    with pytest.raises(DomainError):
        services.add_comment(member, project, "budget", "   ")
    grouped = services.comments_by_section(services.current_version(project))
    assert [c.body for c in grouped["context"]] == ["Préciser les chiffres"]
    assert grouped[f"action:{key}"][0].author_name == member.full_name
    assert set(grouped) == {"context", f"action:{key}"}


@pytest.mark.parametrize(("start", "end", "field"), [
    (date(1, 1, 1), date(2026, 6, 30), "start_date"),
    (date(1999, 12, 31), date(2026, 6, 30), "start_date"),
    (date(2026, 1, 1), date(9999, 12, 31), "end_date"),
    (date(2026, 1, 1), date(2101, 1, 1), "end_date"),
])
def test_action_dates_outside_2000_to_2100_are_refused_on_their_field(db, territory, staff, start, end, field):
    path = retained_path(territory, staff)
    project = services.create_project(staff, territory, "Projet")
    error = _refusal(staff, project, action_data(path, start=start, end=end))
    assert error.field == field and str(error.message) == "Give a date between 2000 and 2100."
    assert services.load_version(project).actions == []
    services.save_action(staff, project, None, action_data(path, start=date(2000, 1, 1), end=date(2100, 12, 31)),
                         None)
    assert len(services.load_version(project).actions) == 1
