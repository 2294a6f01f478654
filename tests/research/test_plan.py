"""The research plan: default due dates, validation, progress computed from the research, status."""
from datetime import date

import pytest
import sqlalchemy as sa

from najma.audit import AuditEvent
from najma.errors import DomainError
from najma.extensions import db as _db
from najma.research import coding, plan, services
from najma.research.models import InterventionPath, ResearchMilestone, ResearchPlan
from tests.conftest import make_user
from tests.research.conftest import add_note, target_group

START = date(2026, 1, 15)
GROUPS = ("women_in_difficulty", "girls_out_of_school", "boys_out_of_school", "children_precarious",
          "elderly_in_difficulty", "training_graduates")


@pytest.fixture
def staff(territory):
    return make_user("antenna_staff", territory=territory)


def by_code(statuses):
    return {m.code: m for m in statuses}


def test_default_due_dates_are_spread_over_the_window_in_order(db, territory, staff):
    saved = plan.save_plan(staff, territory, START, 8)
    dues = [m.due_date for m in saved.milestones]
    assert [m.code for m in saved.milestones] == ["populations", "needs", "inventory", "analysis", "paths"]
    assert dues == sorted(dues) and len(set(dues)) == 5
    assert START < dues[0] and dues[-1] == date(2026, 9, 15)  # the last milestone closes the 8-month window
    assert plan.default_due_dates(date(2026, 1, 31), 6)["paths"] == date(2026, 7, 31)
    assert plan.add_months(date(2026, 8, 31), 6) == date(2027, 2, 28)


def test_given_due_dates_are_kept_and_missing_ones_defaulted(db, territory, staff):
    saved = plan.save_plan(staff, territory, START, 6, {"populations": date(2026, 2, 1), "paths": None})
    dues = {m.code: m.due_date for m in saved.milestones}
    assert dues["populations"] == date(2026, 2, 1) and dues["paths"] == date(2026, 7, 15)
    event = _db.session.execute(sa.select(AuditEvent).where(AuditEvent.object_type == "ResearchPlan")).scalar_one()
    assert event.verb == "create" and event.changes["populations_due"]["after"] == "2026-02-01"


@pytest.mark.parametrize("window, dues, message", [
    (5, {}, "6 to 8 months"),
    (9, {}, "6 to 8 months"),
    (6, {"needs": date(2026, 1, 10)}, "within the window"),
    (6, {"paths": date(2026, 8, 1)}, "within the window"),
    (8, {"needs": date(2026, 2, 1), "populations": date(2026, 3, 1)}, "milestones follow each other"),
    (8, {"final_report": date(2026, 3, 1)}, "Unknown milestone"),
])
def test_bad_plans_are_refused_and_nothing_is_written(db, territory, staff, window, dues, message):
    with pytest.raises(DomainError) as refused:
        plan.save_plan(staff, territory, START, window, dues)
    assert message in str(refused.value.message)
    _db.session.rollback()
    assert _db.session.execute(sa.select(sa.func.count(ResearchPlan.id))).scalar_one() == 0


def test_changing_the_plan_keeps_milestones_done(db, territory, staff):
    plan.save_plan(staff, territory, START, 8)
    plan.mark_milestone(staff, territory, "populations", True, today=date(2026, 3, 1))
    changed = plan.save_plan(staff, territory, date(2026, 2, 1), 7)
    assert changed.window_months == 7 and changed.milestones[-1].due_date == date(2026, 9, 1)
    assert changed.milestones[0].completed_on == date(2026, 3, 1)
    assert _db.session.execute(sa.select(sa.func.count(ResearchMilestone.id))).scalar_one() == 5
    plan.mark_milestone(staff, territory, "populations", False)
    assert plan.get_plan(territory).milestones[0].completed_on is None
    with pytest.raises(DomainError, match="not marked done"):
        plan.mark_milestone(staff, territory, "populations", False)


def test_marking_needs_a_plan_and_a_known_milestone(db, territory, staff):
    with pytest.raises(DomainError, match="Set the plan"):
        plan.mark_milestone(staff, territory, "needs", True)
    plan.save_plan(staff, territory, START, 8)
    with pytest.raises(DomainError, match="Unknown milestone"):
        plan.mark_milestone(staff, territory, "party", True)


def test_status_follows_the_dates_with_a_fixed_today(db, territory, staff):
    plan.save_plan(staff, territory, START, 8, {"populations": date(2026, 3, 1), "needs": date(2026, 4, 10),
                                                "inventory": date(2026, 5, 1)})
    plan.mark_milestone(staff, territory, "inventory", True, today=date(2026, 3, 20))
    statuses = by_code(plan.progress(None, territory, today=date(2026, 4, 1)))
    assert (statuses["populations"].status, statuses["populations"].days) == ("overdue", 31)
    assert (statuses["needs"].status, statuses["needs"].days) == ("due_soon", 9)
    assert statuses["inventory"].status == "done"
    assert statuses["paths"].status == "on_track"
    summary = plan.plan_summary(territory, today=date(2026, 4, 1))
    assert [m.code for m in summary.overdue] == ["populations"]
    assert summary.end_date == date(2026, 9, 15) and summary.next_milestone.code == "populations"


def test_without_a_plan_progress_is_still_computed(db, territory, staff):
    add_note(territory, staff, kind="diagnostic", groups=())
    summary = plan.plan_summary(territory, today=START)
    assert summary.plan is None and {m.status for m in summary.milestones} == {"unplanned"}
    assert by_code(summary.milestones)["analysis"].progress == 50


def test_progress_is_computed_from_all_the_notes_of_the_territory(db, territory, staff):
    statuses = by_code(plan.progress(None, territory, today=START))
    assert {code: m.progress for code, m in statuses.items()} == dict.fromkeys(statuses, 0)

    # populations: field notes (any visibility) for 3 of the 6 groups; an inventory note does not count.
    add_note(territory, staff, kind="interview", groups=GROUPS[:2])
    add_note(territory, staff, kind="focus_group", groups=GROUPS[2:3], visibility="published")
    add_note(territory, staff, kind="inventory", groups=GROUPS[3:], body="Le centre social accueille les femmes.")
    deleted = add_note(territory, staff, kind="survey", groups=GROUPS[4:])
    services.delete_note(staff, deleted)
    # needs: one group with a need and an aspiration, another with a need only.
    note = add_note(territory, staff, kind="observation", groups=GROUPS[:1],
                    body="Elles veulent un atelier. Elles rêvent d'ouvrir une boutique.")
    coding.code_passage(staff, note, "veulent un atelier", "need", target_group(GROUPS[0]).id)
    coding.code_passage(staff, note, "ouvrir une boutique", "aspiration", target_group(GROUPS[0]).id)
    coding.code_passage(staff, note, "veulent un atelier", "need", target_group(GROUPS[1]).id)
    coding.code_passage(staff, note, "un atelier", "resource", target_group(GROUPS[1]).id)
    removed = coding.code_passage(staff, note, "une boutique", "aspiration", target_group(GROUPS[1]).id)
    coding.remove_passage(staff, removed)
    # analysis and paths
    add_note(territory, staff, kind="analysis", groups=())
    _db.session.add(InterventionPath(territory_id=territory.id, title="Atelier de couture", status="proposed"))
    _db.session.commit()

    statuses = by_code(plan.progress(None, territory, today=START))
    assert statuses["populations"].progress == 50  # 3 of 6 groups (the deleted survey is not counted)
    assert statuses["needs"].progress == 17  # 1 of 6
    assert statuses["inventory"].progress == 60  # 1 inventory note (50) + 1 resource passage (10)
    assert statuses["analysis"].progress == 50  # an analysis but no diagnostic yet
    assert statuses["paths"].progress == 50  # proposed, none retained
    assert "3 of 6" in statuses["populations"].detail

    _db.session.add(InterventionPath(territory_id=territory.id, title="Crèche", status="retained"))
    add_note(territory, staff, kind="inventory", groups=())
    add_note(territory, staff, kind="diagnostic", groups=())
    statuses = by_code(plan.progress(None, territory, today=START))
    assert statuses["inventory"].progress == 100 and statuses["analysis"].progress == 100
    assert statuses["paths"].progress == 100
