"""Gate evaluation on crafted territories: each default item passes when its data is there and
fails, with a detail saying why, when it is not; manual items follow the ticks; many territories
are evaluated in a fixed number of queries."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import sqlalchemy as sa
from tests.conftest import counted_queries, make_member, make_territory
from tests.projects._execution_fixtures import approved_project, sign_all
from tests.projects.conftest import make_project
from tests.rollout.conftest import staffed

from najma.extensions import db
from najma.projects.models import TerritoryProject
from najma.research import plan as research_plan
from najma.rollout import gates
from najma.rollout.models import GateItem
from najma.rollout.services import check_item, seed_default_gates
from najma.territories.services import territory_bodies


def items(result) -> dict:
    return {item.code: item for item in result.items}


def plan_done(territory, done: int = 5):
    """A research plan whose first ``done`` milestones are declared done."""
    research_plan.save_plan(None, territory, date.today() - timedelta(days=240), 8)
    for code in list(research_plan.MILESTONES)[:done]:
        research_plan.mark_milestone(None, territory, code, True)


def ready_for_appropriation(territory):
    """Milestones done, project approved and every convention signed (its committee gets a chair:
    stage the territory with ``committee_chair=False``)."""
    plan_done(territory)
    scene = approved_project(territory)
    sign_all(scene)
    return scene


def test_next_phase_follows_the_rollout_and_stops_after_generalisation():
    assert gates.next_phase("launch") == "experimentation"
    assert gates.next_phase("experimentation") == "appropriation"
    assert gates.next_phase("extension") == "generalisation"
    assert gates.next_phase("generalisation") is None


def test_seeding_the_default_gates_is_idempotent_and_keeps_admin_edits(db):
    assert seed_default_gates() == 10
    item = db.session.execute(sa.select(GateItem).where(GateItem.code == "antenna_two_staff")).scalar_one()
    item.label_fr, item.active = "Antenne au complet", False
    db.session.commit()
    assert seed_default_gates() == 0
    db.session.refresh(item)
    assert (item.label_fr, item.active) == ("Antenne au complet", False)
    codes = {(i.to_phase, i.code, i.kind) for i in gates.gate_items(active_only=False)}
    assert ("extension", "external_evaluation", "manual") in codes
    assert ("generalisation", "previous_evaluation_recorded", "auto") in codes


def test_a_staffed_territory_passes_the_gate_to_experimentation(gates_seeded):
    territory = staffed(phase="launch")
    result = gates.evaluate(territory, "experimentation")
    assert result.passed
    assert [i.code for i in result.items] == ["antenna_two_staff", "commission_in_place", "committee_with_chair"]
    found = items(result)
    assert found["antenna_two_staff"].detail == "2 staff seats filled"
    assert found["committee_with_chair"].evidence_url == f"/bodies/{territory_bodies(territory)['committee'].id}"


def test_an_antenna_with_one_staff_fails(gates_seeded):
    territory = staffed(phase="launch", antenna_staff=1)
    result = gates.evaluate(territory, "experimentation")
    assert not result.passed
    assert [i.code for i in result.failing] == ["antenna_two_staff"]
    assert items(result)["antenna_two_staff"].detail == "1 of 2 staff seats filled"
    assert items(result)["antenna_two_staff"].evidence_url == f"/bodies/{territory_bodies(territory)['antenna'].id}"


def test_a_staff_seat_that_ended_does_not_count(gates_seeded):
    territory = staffed(phase="launch", antenna_staff=1)
    make_member(territory_bodies(territory)["antenna"], name="Partie", sector=None, discipline="Droit",
                start=date(2024, 1, 1), end=date.today() - timedelta(days=1))
    assert items(gates.evaluate(territory, "experimentation"))["antenna_two_staff"].passed is False


def test_a_commission_without_members_fails(gates_seeded):
    territory = staffed(phase="launch", commission_members=0)
    result = gates.evaluate(territory, "experimentation")
    assert [i.code for i in result.failing] == ["commission_in_place"]
    assert items(result)["commission_in_place"].detail == "No current member"


def test_a_committee_without_a_chair_fails(gates_seeded):
    territory = staffed(phase="launch", committee_chair=False)
    make_member(territory_bodies(territory)["committee"], name="Simple membre", role="member")
    result = gates.evaluate(territory, "experimentation")
    assert [i.code for i in result.failing] == ["committee_with_chair"]
    assert items(result)["committee_with_chair"].detail == "No current chair (1 current member)"


def test_the_gate_to_appropriation_passes_when_research_project_and_conventions_are_done(gates_seeded):
    territory = staffed(phase="experimentation", committee_chair=False)
    ready_for_appropriation(territory)
    result = gates.evaluate(territory, "appropriation")
    assert result.passed, [(i.code, i.detail) for i in result.failing]
    found = items(result)
    assert found["research_milestones_done"].detail == "5 of 5 milestones done"
    assert found["research_milestones_done"].evidence_url == f"/territories/{territory.slug}/research/plan"
    assert found["project_approved"].evidence_url == f"/territories/{territory.slug}/project"
    assert found["conventions_signed"].detail == "2 of 2 conventions signed"
    assert found["conventions_signed"].evidence_url == f"/territories/{territory.slug}/project/conventions"


def test_research_milestones_fail_without_a_plan_or_with_one_left(gates_seeded):
    territory = staffed(phase="experimentation")
    assert items(gates.evaluate(territory, "appropriation"))["research_milestones_done"].detail == \
        "No research plan yet"
    plan_done(territory, done=4)
    item = items(gates.evaluate(territory, "appropriation"))["research_milestones_done"]
    assert (item.passed, item.detail) == (False, "4 of 5 milestones done")


def test_a_project_not_approved_fails(gates_seeded):
    territory = staffed(phase="experimentation")
    item = items(gates.evaluate(territory, "appropriation"))["project_approved"]
    assert (item.passed, item.detail) == (False, "No territory project yet")
    make_project(territory)
    item = items(gates.evaluate(territory, "appropriation"))["project_approved"]
    assert (item.passed, item.detail) == (False, "Status: Draft")


def test_unsigned_conventions_fail(gates_seeded):
    territory = staffed(phase="experimentation", committee_chair=False)
    approved_project(territory)
    result = gates.evaluate(territory, "appropriation")
    assert items(result)["project_approved"].passed
    item = items(result)["conventions_signed"]
    assert (item.passed, item.detail) == (False, "0 of 2 conventions signed")


def test_conventions_fail_before_any_approved_version(gates_seeded):
    territory = staffed(phase="experimentation")
    make_project(territory)
    item = items(gates.evaluate(territory, "appropriation"))["conventions_signed"]
    assert (item.passed, item.detail) == (False, "No approved version yet")


def test_the_previous_evaluation_is_the_project_reaching_evaluated(gates_seeded):
    territory = staffed(phase="appropriation", committee_chair=False)
    scene = ready_for_appropriation(territory)
    result = gates.evaluate(territory, "extension")
    assert {i.code for i in result.failing} == {"previous_evaluation_recorded", "external_evaluation"}
    assert "evaluated" in items(result)["previous_evaluation_recorded"].label
    _evaluate(scene.project, at=datetime(2026, 6, 1, tzinfo=timezone.utc))
    assert items(gates.evaluate(territory, "extension"))["previous_evaluation_recorded"].passed


def _evaluate(project, *, at):
    """The project reaches "evaluated" at ``at`` (the workflow's record, written directly here)."""
    from najma.projects.models import ProjectTransition

    db.session.execute(sa.update(TerritoryProject).where(TerritoryProject.id == project.id)
                       .values(status="evaluated"))
    db.session.add(ProjectTransition(project_id=project.id, name="evaluate", from_status="in_execution",
                                     to_status="evaluated", version_number=1, at=at))
    db.session.commit()


def test_an_evaluation_counts_only_for_the_phase_it_was_made_in(gates_seeded):
    """Evaluated during appropriation, the project opens the gate to extension; once the territory
    is in extension, that same evaluation does not open the gate to generalisation."""
    from najma.rollout.models import PhaseTransition

    territory = staffed(phase="extension", committee_chair=False)
    scene = ready_for_appropriation(territory)
    _evaluate(scene.project, at=datetime(2026, 6, 1, tzinfo=timezone.utc))
    db.session.add(PhaseTransition(territory_id=territory.id, from_phase="appropriation", to_phase="extension",
                                   decided_on=date(2026, 7, 1),
                                   decided_at=datetime(2026, 7, 1, tzinfo=timezone.utc), decision="Extension"))
    db.session.commit()
    item = items(gates.evaluate(territory, "generalisation"))["previous_evaluation_recorded"]
    assert not item.passed and "before the territory entered its current phase" in item.detail


def test_a_manual_item_passes_once_ticked_for_that_territory_only(gates_seeded, steering):
    territory, other = staffed(phase="appropriation"), staffed(phase="appropriation")
    item = db.session.execute(sa.select(GateItem).where(GateItem.to_phase == "extension",
                                                        GateItem.code == "external_evaluation")).scalar_one()
    assert items(gates.evaluate(territory, "extension"))["external_evaluation"].detail == "Not ticked yet"
    check_item(steering, territory, item, "Rapport du cabinet reçu le 3 mars")
    ticked = items(gates.evaluate(territory, "extension"))["external_evaluation"]
    assert ticked.passed and "Rapport du cabinet reçu le 3 mars" in ticked.detail
    assert not items(gates.evaluate(other, "extension"))["external_evaluation"].passed


def test_an_inactive_item_does_not_count(gates_seeded):
    territory = staffed(phase="launch", antenna_staff=1)
    db.session.execute(sa.update(GateItem).where(GateItem.code == "antenna_two_staff").values(active=False))
    db.session.commit()
    assert gates.evaluate(territory, "experimentation").passed


def test_vacant_seats_do_not_fill_a_gate(gates_seeded):
    from najma.governance.models import Membership
    from najma.rollout.replication import vacant_seat_name

    territory = make_territory(phase="launch")
    bodies = territory_bodies(territory)
    for kind, role in (("antenna", "member"), ("antenna", "member"), ("commission", "member"),
                       ("committee", "chair")):
        db.session.add(Membership(body_id=bodies[kind].id, full_name=vacant_seat_name(), role=role,
                                  sector="entraide_nationale", discipline="Sociologie", start_date=date(2025, 1, 1)))
    db.session.commit()
    result = gates.evaluate(territory, "experimentation")
    assert {i.code for i in result.failing} == {"antenna_two_staff", "commission_in_place", "committee_with_chair"}
    assert items(result)["antenna_two_staff"].detail == "0 of 2 staff seats filled · 2 vacant"
    assert items(result)["committee_with_chair"].detail == "Seats vacant: no chair"


def test_many_territories_are_evaluated_in_a_fixed_number_of_queries(gates_seeded):
    few = [staffed(phase="launch")]
    many = few + [staffed(phase=phase) for phase in ("launch", "experimentation", "appropriation",
                                                      "generalisation")]
    for territory in many:
        db.session.refresh(territory)  # loaded, as the dashboard's territories are
    with counted_queries() as small:
        gates.evaluate_many(few)
    with counted_queries() as large:
        gates.evaluate_many(many)
    assert large.n == small.n
    results = gates.evaluate_many(many)
    assert results[many[0].id].to_phase == "experimentation" and results[many[0].id].passed
    assert results[many[-1].id] is None
    assert results[many[2].id].to_phase == "appropriation" and not results[many[2].id].passed
