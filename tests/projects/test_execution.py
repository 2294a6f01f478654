"""Execution follow-up: recorded only once the conventions are signed, checked, done forcing
100 %, stale saves refused, milestones added, reached and removed with their audit, and the
page listing every action even before any follow-up was saved."""
from datetime import date, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from tests.projects._execution_fixtures import action_keys, approved_project, in_execution

from najma.audit import AuditEvent
from najma.errors import DomainError
from najma.extensions import db
from najma.projects import execution
from najma.projects.execution import ExecutionConflict, ExecutionData
from najma.projects.models import ActionExecution, ActionReached


@pytest.fixture
def scene(db, territory):
    return in_execution(approved_project(territory))


def _row(project, key):
    return db.session.execute(sa.select(ActionExecution).where(
        ActionExecution.project_id == project.id, ActionExecution.action_key == key)
        .execution_options(populate_existing=True)).scalar_one_or_none()


def test_the_page_lists_every_action_before_any_follow_up(scene):
    page = execution.execution_page(scene.project)
    assert [row.action.title for row in page.rows] == ["Action 1", "Action 2"]
    assert all(row.execution is None and row.status == "not_started" and row.progress == 0 for row in page.rows)
    assert [row.figure.weight_used for row in page.rows] == [Decimal("1000.00"), Decimal("3000.00")]
    assert page.progress == 0.0
    assert [round(page.weight_share(row)) for row in page.rows] == [25, 75]


def test_follow_up_is_refused_before_the_conventions_are_signed(db, territory):
    scene = approved_project(territory)
    key = action_keys(scene.project)[0]
    with pytest.raises(DomainError, match="once the conventions are signed"):
        execution.save_execution(scene.delegate, scene.project, key, ExecutionData("ongoing", 10), 0)
    with pytest.raises(DomainError, match="once the conventions are signed"):
        execution.add_milestone(scene.delegate, scene.project, key, "Réunion", date(2026, 1, 1))
    db.session.rollback()
    assert _row(scene.project, key) is None


def test_save_creates_then_updates_with_audit(scene):
    key = action_keys(scene.project)[0]
    row = execution.save_execution(scene.delegate, scene.project, key,
                                   ExecutionData("ongoing", 40, "Les **inscriptions** sont ouvertes.", "2,5"), 0)
    assert (row.status, row.progress, row.weight, row.lock_version) == ("ongoing", 40, Decimal("2.50"), 1)
    execution.save_execution(scene.staff, scene.project, key, ExecutionData("delayed", 45, "Retard", None), 1)
    row = _row(scene.project, key)
    assert (row.status, row.progress, row.weight, row.lock_version) == ("delayed", 45, None, 2)
    events = db.session.execute(sa.select(AuditEvent.verb, AuditEvent.changes).where(
        AuditEvent.object_type == "ActionExecution").order_by(AuditEvent.id)).all()
    assert [verb for verb, _ in events] == ["create", "update"]
    assert events[1][1]["status"] == {"before": "ongoing", "after": "delayed"}


def test_done_forces_100(scene):
    key = action_keys(scene.project)[0]
    row = execution.save_execution(scene.delegate, scene.project, key, ExecutionData("done", 60), 0)
    assert row.progress == 100


@pytest.mark.parametrize(("data", "field", "message"), [
    (ExecutionData("finished", 10), "status", "Choose the action's status"),
    (ExecutionData("ongoing", 101), "progress", "from 0 to 100"),
    (ExecutionData("ongoing", -1), "progress", "from 0 to 100"),
    (ExecutionData("ongoing", 10, weight="-3"), "weight", "at least 0"),
    (ExecutionData("ongoing", 10, weight="beaucoup"), "weight", "at least 0"),
    (ExecutionData("ongoing", 10, notes="x" * 100_001), "notes", "100,000"),
])
def test_refusals_say_why_and_change_nothing(scene, data, field, message):
    key = action_keys(scene.project)[0]
    with pytest.raises(DomainError) as error:
        execution.save_execution(scene.delegate, scene.project, key, data, 0)
    assert error.value.field == field and message in str(error.value.message)
    db.session.rollback()
    assert _row(scene.project, key) is None


def test_a_stale_save_is_a_conflict_and_changes_nothing(scene):
    key = action_keys(scene.project)[0]
    execution.save_execution(scene.delegate, scene.project, key, ExecutionData("ongoing", 10), 0)
    execution.save_execution(scene.staff, scene.project, key, ExecutionData("ongoing", 30, "Collègue"), 1)
    with pytest.raises(ExecutionConflict) as error:
        execution.save_execution(scene.delegate, scene.project, key, ExecutionData("ongoing", 20, "Moi"), 1)
    assert error.value.current_execution.notes == "Collègue" and error.value.data.notes == "Moi"
    db.session.rollback()
    assert _row(scene.project, key).progress == 30
    with pytest.raises(ExecutionConflict):  # based on "nothing saved yet" while a row exists
        execution.save_execution(scene.delegate, scene.project, key, ExecutionData("ongoing", 20), 0)


def test_an_action_outside_the_approved_version_is_refused(scene):
    with pytest.raises(DomainError, match="not in the approved version"):
        execution.save_execution(scene.delegate, scene.project, "nokey", ExecutionData("ongoing", 10), 0)


def test_milestones_added_reached_and_removed_with_their_audit(scene):
    key = action_keys(scene.project)[0]
    today = date(2026, 10, 15)
    first = execution.add_milestone(scene.delegate, scene.project, key, "Inscriptions", date(2026, 10, 1))
    execution.add_milestone(scene.delegate, scene.project, key, "Première session", date(2026, 11, 1))
    page = execution.execution_page(scene.project, today)
    row = page.rows[0]
    assert [m.title for m in row.milestones] == ["Inscriptions", "Première session"]
    assert [m.title for m in row.overdue] == ["Inscriptions"] and row.late
    assert execution.late_action_count(scene.project, today) == 1
    with pytest.raises(DomainError, match="in the future"):
        execution.set_milestone_done(scene.delegate, scene.project, key, first.id, date.today() + timedelta(days=1))
    db.session.rollback()
    execution.set_milestone_done(scene.delegate, scene.project, key, first.id, date(2026, 10, 3), today=today)
    row = execution.execution_page(scene.project, today).rows[0]
    assert row.overdue == [] and not row.late
    assert execution.late_action_count(scene.project, today) == 0
    execution.delete_milestone(scene.delegate, scene.project, key, first.id)
    assert [m.title for m in execution.execution_page(scene.project, today).rows[0].milestones] == ["Première session"]
    with pytest.raises(DomainError, match="no longer exists"):
        execution.delete_milestone(scene.delegate, scene.project, key, first.id)
    changes = db.session.execute(sa.select(AuditEvent.changes).where(
        AuditEvent.object_type == "ActionExecution").order_by(AuditEvent.id)).scalars().all()
    assert len(changes) == 4
    assert changes[-1]["milestones"]["before"][0] == "Inscriptions · 2026-10-01 · 2026-10-03"


@pytest.mark.parametrize(("title", "due", "field"), [("", date(2026, 1, 1), "title"), ("Réunion", None, "due_date")])
def test_a_milestone_needs_a_title_and_a_due_date(scene, title, due, field):
    key = action_keys(scene.project)[0]
    with pytest.raises(DomainError) as error:
        execution.add_milestone(scene.delegate, scene.project, key, title, due)
    assert error.value.field == field


def test_late_actions_count_delayed_ones_and_overdue_milestones_but_not_finished_ones(scene):
    first, second = action_keys(scene.project)
    today = date(2026, 10, 15)
    execution.save_execution(scene.delegate, scene.project, first, ExecutionData("delayed", 10), 0)
    execution.add_milestone(scene.delegate, scene.project, second, "Inscriptions", date(2026, 10, 1))
    assert execution.late_action_count(scene.project, today) == 2
    execution.save_execution(scene.delegate, scene.project, second, ExecutionData("dropped", 0), 1)
    assert execution.late_action_count(scene.project, today) == 1


def test_milestone_dates_outside_2000_to_2100_are_refused_on_their_field(scene):
    key = action_keys(scene.project)[0]
    for due in (date(1999, 12, 31), date(2101, 1, 1), date(9999, 12, 31)):
        with pytest.raises(DomainError) as error:
            execution.add_milestone(scene.delegate, scene.project, key, "Inscriptions", due)
        assert error.value.field == "due_date" and str(error.value.message) == "Give a date between 2000 and 2100."
    milestone = execution.add_milestone(scene.delegate, scene.project, key, "Inscriptions", date(2026, 10, 1))
    with pytest.raises(DomainError) as error:
        execution.set_milestone_done(scene.delegate, scene.project, key, milestone.id, date(1, 1, 1))
    assert error.value.field == "done_on" and str(error.value.message) == "Give a date between 2000 and 2100."
    row = execution.execution_page(scene.project).rows[0]
    assert [(m.due_date, m.done_on) for m in row.milestones] == [(date(2026, 10, 1), None)]


# --- beneficiaries reached -----------------------------------------------------------------------

def _group(code):
    from tests.research.conftest import target_group

    return target_group(code).id


def _reached(project, key):
    execution_row = _row(project, key)
    if execution_row is None:
        return None
    return {(r.target_group_id, r.sex): r.reached for r in db.session.execute(
        sa.select(ActionReached).where(ActionReached.execution_id == execution_row.id)).scalars()}


def test_reached_beneficiaries_are_recorded_then_replaced_with_their_audit(scene):
    key = action_keys(scene.project)[0]
    women = _group("women_in_difficulty")
    saved = execution.save_reached(scene.staff, scene.project, key, {(women, "female"): "12", (women, "male"): ""}, 0)
    assert saved.lock_version == 1 and saved.status == "not_started"
    assert _reached(scene.project, key) == {(women, "female"): 12}
    execution.save_reached(scene.delegate, scene.project, key, {(women, "female"): "0", (women, "male"): " 3 "}, 1)
    assert _reached(scene.project, key) == {(women, "male"): 3}
    assert _row(scene.project, key).lock_version == 2
    events = db.session.execute(sa.select(AuditEvent.verb, AuditEvent.actor_id, AuditEvent.changes).where(
        AuditEvent.object_type == "ActionExecution").order_by(AuditEvent.id)).all()
    assert [(verb, actor) for verb, actor, _ in events] == [("create", scene.staff.id), ("update", scene.delegate.id)]
    assert events[0][2]["reached"]["after"] == ["Femmes en difficulté · female: 12"]
    assert events[1][2]["reached"] == {"before": ["Femmes en difficulté · female: 12"],
                                       "after": ["Femmes en difficulté · male: 3"]}


def test_the_page_shows_reached_beside_expected_and_flags_what_exceeds_it(scene):
    first, second = action_keys(scene.project)
    women = _group("women_in_difficulty")
    execution.save_reached(scene.staff, scene.project, first, {(women, "female"): "25"}, 0)
    execution.save_reached(scene.staff, scene.project, second, {(women, "female"): "31", (women, "male"): "2"}, 0)
    rows = execution.execution_page(scene.project).rows
    assert [[group_id for group_id, _name in row.groups] for row in rows] == [[women]] * 2
    assert [(row.reached_total, row.expected_total, row.above_expected) for row in rows] == [
        (25, 30, False), (33, 30, True)]  # 30 women expected on each; men were not expected at all
    grid = execution.reached_grid(rows[1])
    assert [(c.sex, c.value, c.expected, c.above_expected) for c in grid.rows[0][2]] == [
        ("female", "31", 30, True), ("male", "2", 0, True)]
    assert (grid.reached_total("female"), grid.expected_total(), grid.reached_total()) == (31, 30, 33)


@pytest.mark.parametrize("value", ["-1", "2.5", "douze", "1000001", "1e3"])
def test_a_reached_number_that_is_not_a_whole_number_from_0_is_refused_and_nothing_is_written(scene, value):
    key = action_keys(scene.project)[0]
    women = _group("women_in_difficulty")
    with pytest.raises(execution.InvalidReached) as error:
        execution.save_reached(scene.staff, scene.project, key, {(women, "male"): "4", (women, "female"): value}, 0)
    assert error.value.field == "reached" and error.value.cell == (women, "female")
    assert str(error.value.message).endswith(
        ", Women and girls: beneficiaries reached are whole numbers from 0 to 1,000,000.")
    db.session.rollback()
    assert _row(scene.project, key) is None


def test_reached_only_for_the_actions_target_groups_and_known_sexes(scene):
    key = action_keys(scene.project)[0]
    women, boys = _group("women_in_difficulty"), _group("boys_out_of_school")
    with pytest.raises(execution.InvalidReached, match="the action's target groups"):
        execution.save_reached(scene.staff, scene.project, key, {(boys, "male"): "5"}, 0)
    with pytest.raises(execution.InvalidReached, match="Unknown sex"):
        execution.save_reached(scene.staff, scene.project, key, {(women, "other"): "5"}, 0)
    db.session.rollback()
    assert _row(scene.project, key) is None
    execution.save_reached(scene.staff, scene.project, key, {(boys, "male"): "", (women, "female"): "5"}, 0)
    assert _reached(scene.project, key) == {(women, "female"): 5}


def test_a_stale_reached_save_is_a_conflict_and_changes_nothing(scene):
    key = action_keys(scene.project)[0]
    women = _group("women_in_difficulty")
    execution.save_reached(scene.staff, scene.project, key, {(women, "female"): "10"}, 0)
    execution.save_reached(scene.delegate, scene.project, key, {(women, "female"): "14"}, 1)
    with pytest.raises(execution.ReachedConflict) as error:
        execution.save_reached(scene.staff, scene.project, key, {(women, "female"): "11"}, 1)
    assert error.value.current_reached == {(women, "female"): 14} and error.value.current_version == 2
    assert error.value.typed == {(women, "female"): "11"}
    db.session.rollback()
    assert _reached(scene.project, key) == {(women, "female"): 14}
    # The follow-up and the reached numbers share one compare-and-set.
    execution.save_execution(scene.delegate, scene.project, key, ExecutionData("ongoing", 20), 2)
    with pytest.raises(execution.ReachedConflict):
        execution.save_reached(scene.staff, scene.project, key, {(women, "female"): "15"}, 2)
    db.session.rollback()
    execution.save_reached(scene.staff, scene.project, key, {(women, "female"): "15"}, 3)
    with pytest.raises(ExecutionConflict):
        execution.save_execution(scene.delegate, scene.project, key, ExecutionData("ongoing", 30), 3)
    db.session.rollback()
    assert _row(scene.project, key).progress == 20 and _reached(scene.project, key) == {(women, "female"): 15}


def test_a_dropped_action_records_no_more_beneficiaries(scene):
    key = action_keys(scene.project)[0]
    women = _group("women_in_difficulty")
    execution.save_reached(scene.staff, scene.project, key, {(women, "female"): "9"}, 0)
    execution.save_execution(scene.delegate, scene.project, key, ExecutionData("dropped", 40), 1)
    with pytest.raises(DomainError, match="dropped"):
        execution.save_reached(scene.staff, scene.project, key, {(women, "female"): "12"}, 2)
    db.session.rollback()
    assert _reached(scene.project, key) == {(women, "female"): 9}
    assert not execution.execution_page(scene.project).rows[0].records_reached


def test_reached_is_refused_before_the_conventions_are_signed(db, territory):
    scene = approved_project(territory)
    key = action_keys(scene.project)[0]
    with pytest.raises(DomainError, match="once the conventions are signed"):
        execution.save_reached(scene.delegate, scene.project, key, {(_group("women_in_difficulty"), "female"): "3"}, 0)
    db.session.rollback()
    assert _row(scene.project, key) is None
