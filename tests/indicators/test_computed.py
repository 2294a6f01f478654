"""Computed indicators on crafted data: research coverage, paths retained, actions on schedule,
expected and reached beneficiaries, partnership ties; each read as of the period's end."""
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest
import sqlalchemy as sa

from najma.actors import services as actor_services
from najma.actors.models import ActorSnapshot
from najma.errors import DomainError
from najma.indicators import services
from najma.projects.models import (ActionBeneficiaries, ActionExecution, ActionReached, ExecutionMilestone,
                                   ProjectAction, ProjectVersion, TerritoryProject)
from najma.research.models import InterventionPath
from tests.conftest import make_territory, make_user
from tests.projects.conftest import retained_path
from tests.research.conftest import add_note, target_group

TODAY = date(2026, 11, 20)


def _at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 9, tzinfo=timezone.utc)


def test_only_computed_indicators_are_computed_and_never_for_a_period_not_started(seeded, territory):
    with pytest.raises(DomainError, match="not computed"):
        services.compute(seeded["cooperatives_created"], territory, "2026")
    with pytest.raises(DomainError, match="not started"):
        services.compute(seeded["paths_retained"], territory, "2027-Q1", today=TODAY)
    with pytest.raises(DomainError, match="not a period"):
        services.compute(seeded["paths_retained"], territory, "2026-T1", today=TODAY)


# --- research coverage ------------------------------------------------------------------------------

def _shared_note(db, territory, author, kind, groups, shared_on, visibility="shared"):
    note = add_note(territory, author, title=f"{kind} {shared_on}", kind=kind, groups=groups, visibility=visibility)
    if visibility != "draft":
        note.shared_at = _at(shared_on)
        db.session.commit()
    return note


def test_research_coverage_counts_target_groups_by_kinds_of_field_note_shared_by_the_periods_end(
        seeded, db, territory):
    author = make_user("antenna_staff", territory=territory)
    _shared_note(db, territory, author, "interview", ("women_in_difficulty",), date(2026, 2, 1))
    _shared_note(db, territory, author, "interview", ("women_in_difficulty",), date(2026, 2, 5))  # same cell
    _shared_note(db, territory, author, "focus_group", ("women_in_difficulty", "girls_out_of_school"),
                 date(2026, 3, 1))
    _shared_note(db, territory, author, "survey", ("boys_out_of_school",), date(2026, 8, 1))  # after Q1
    _shared_note(db, territory, author, "observation", ("elderly_in_difficulty",), date(2026, 1, 10),
                 visibility="draft")  # the antenna's draft does not count
    gone = _shared_note(db, territory, author, "observation", ("children_precarious",), date(2026, 1, 10))
    gone.deleted_at = _at(date(2026, 2, 1))
    _shared_note(db, territory, author, "inventory", ("children_precarious",), date(2026, 1, 10))  # not a column
    db.session.commit()

    q1 = services.compute(seeded["research_coverage"], territory, "2026-Q1", today=TODAY)
    # Women: interview + focus group; girls: focus group. 3 of 6 x 4 = 24 cells.
    assert (q1.numerator, q1.denominator) == (3, 24)
    assert q1.value == Decimal("12.5000") and q1.as_of == date(2026, 3, 31)
    women = next(row for row in q1.breakdowns if row.target_group_id == target_group("women_in_difficulty").id)
    assert (women.value, women.numerator, women.denominator) == (Decimal("50.0000"), 2, 4)
    assert len(q1.breakdowns) == 6

    year = services.compute(seeded["research_coverage"], territory, "2026", today=TODAY)
    assert year.numerator == 4 and year.as_of == TODAY  # the survey shared in August now counts


# --- paths retained -------------------------------------------------------------------------------

def test_paths_retained_by_the_periods_end_are_counted(seeded, db, territory):
    early = retained_path(territory)
    late = retained_path(territory)
    proposed = retained_path(territory)
    db.session.execute(sa.update(InterventionPath).where(InterventionPath.id == early.id)
                       .values(decided_at=_at(date(2026, 2, 1))))
    db.session.execute(sa.update(InterventionPath).where(InterventionPath.id == late.id)
                       .values(decided_at=_at(date(2026, 9, 1))))
    db.session.execute(sa.update(InterventionPath).where(InterventionPath.id == proposed.id)
                       .values(status="set_aside", decided_at=_at(date(2026, 1, 5))))
    db.session.commit()
    assert services.compute(seeded["paths_retained"], territory, "2026-S1", today=TODAY).value == 1
    assert services.compute(seeded["paths_retained"], territory, "2026", today=TODAY).value == 2
    other = make_territory("Ailleurs")
    assert services.compute(seeded["paths_retained"], other, "2026", today=TODAY).value == 0


# --- project actions ------------------------------------------------------------------------------

def _project(db, territory, status="in_execution", actions=()):
    """An approved project (version 2 approved, version 3 a draft amendment) with ``actions``:
    (key, start, execution status or None, milestones [(due, done)], beneficiaries {(group, sex): n})."""
    project = TerritoryProject(territory_id=territory.id, status=status, current_number=3, approved_number=2)
    db.session.add(project)
    db.session.flush()
    versions = {n: ProjectVersion(project_id=project.id, number=n, title=f"Version {n}") for n in (1, 2, 3)}
    db.session.add_all(versions.values())
    db.session.flush()
    for position, (key, start, status_, milestones, beneficiaries) in enumerate(actions):
        for number in (1, 2, 3):  # the same action in every version; only version 2 counts
            action = ProjectAction(version_id=versions[number].id, key=key, position=position, title=key,
                                   start_date=start)
            db.session.add(action)
            db.session.flush()
            for (group, sex), expected in beneficiaries.items():
                db.session.add(ActionBeneficiaries(action_id=action.id, target_group_id=target_group(group).id,
                                                   sex=sex, expected=expected if number == 2 else expected * 7 + 1))
        if status_ is not None:
            execution = ActionExecution(project_id=project.id, action_key=key, status=status_,
                                        created_at=_at(date(2026, 1, 2)))
            db.session.add(execution)
            db.session.flush()
            for due, done in milestones:
                db.session.add(ExecutionMilestone(execution_id=execution.id, title="Jalon", due_date=due,
                                                  done_on=done))
    db.session.commit()
    return project


def test_actions_on_schedule_are_the_followed_ones_not_delayed_at_the_periods_end(seeded, db, territory):
    _project(db, territory, actions=[
        ("ontime", date(2026, 1, 1), "ongoing", [(date(2026, 3, 1), date(2026, 2, 20))], {}),
        ("marked", date(2026, 1, 1), "delayed", [], {}),
        ("overdue", date(2026, 1, 1), "ongoing", [(date(2026, 5, 1), date(2026, 7, 15))], {}),
        ("finished", date(2026, 1, 1), "done", [(date(2026, 4, 1), None)], {}),
        ("dropped", date(2026, 1, 1), "dropped", [], {}),
        ("unfollowed", date(2026, 1, 1), None, [], {}),
    ])
    # At the end of S1: 4 followed (dropped and unfollowed aside); "marked" and "overdue" (due 1 May,
    # reached 15 July) are late.
    s1 = services.compute(seeded["actions_on_schedule"], territory, "2026-S1", today=TODAY)
    assert (s1.numerator, s1.denominator, s1.value) == (2, 4, Decimal("50.0000"))
    # At the end of Q1 the May milestone was not due yet.
    q1 = services.compute(seeded["actions_on_schedule"], territory, "2026-Q1", today=TODAY)
    assert (q1.numerator, q1.denominator) == (3, 4)
    # By the year, the overdue milestone was reached: only the marked action is late.
    year = services.compute(seeded["actions_on_schedule"], territory, "2026", today=TODAY)
    assert (year.numerator, year.denominator) == (3, 4)


def test_no_followed_action_gives_no_rate(seeded, territory):
    computation = services.compute(seeded["actions_on_schedule"], territory, "2026", today=TODAY)
    assert (computation.value, computation.numerator, computation.denominator) == (None, None, None)


def test_expected_beneficiaries_of_the_actions_in_execution_by_target_group_and_sex(seeded, db, territory):
    _project(db, territory, actions=[
        ("literacy", date(2026, 2, 1), "ongoing", [], {("women_in_difficulty", "female"): 40,
                                                         ("girls_out_of_school", "female"): 25}),
        ("training", date(2026, 1, 1), "done", [], {("boys_out_of_school", "male"): 15,
                                                     ("women_in_difficulty", "female"): 10}),
        ("later", date(2026, 10, 1), "ongoing", [], {("boys_out_of_school", "male"): 100}),
        ("waiting", date(2026, 1, 1), "not_started", [], {("women_in_difficulty", "female"): 1000}),
        ("gone", date(2026, 1, 1), "dropped", [], {("women_in_difficulty", "female"): 1000}),
    ])
    s1 = services.compute(seeded["beneficiaries_expected"], territory, "2026-S1", today=TODAY)
    assert s1.value == 90
    by = {(row.target_group_id, row.sex): row.value for row in s1.breakdowns}
    women, girls, boys = (target_group(code).id for code in ("women_in_difficulty", "girls_out_of_school",
                                                             "boys_out_of_school"))
    assert by[(None, "female")] == 75 and by[(None, "male")] == 15
    assert by[(women, None)] == 50 and by[(girls, "female")] == 25 and by[(boys, "male")] == 15
    assert "Expected" in s1.total.source_text
    # By the year's end the action starting in October is in execution too.
    assert services.compute(seeded["beneficiaries_expected"], territory, "2026", today=TODAY).value == 190


def test_no_beneficiary_counts_before_the_conventions_are_signed(seeded, db, territory):
    _project(db, territory, status="approved", actions=[
        ("literacy", date(2026, 2, 1), "ongoing", [], {("women_in_difficulty", "female"): 40})])
    assert services.compute(seeded["beneficiaries_expected"], territory, "2026", today=TODAY).value == 0


def _reached(db, project, key, counts, recorded_on=date(2026, 3, 1)):
    """Beneficiaries reached on the follow-up of ``key``: {(group code, sex): n}, first recorded on a day."""
    execution = db.session.execute(sa.select(ActionExecution).where(
        ActionExecution.project_id == project.id, ActionExecution.action_key == key)).scalar_one()
    for (group, sex), number in counts.items():
        db.session.add(ActionReached(execution_id=execution.id, target_group_id=target_group(group).id, sex=sex,
                                     reached=number, created_at=_at(recorded_on)))
    db.session.commit()


def test_beneficiaries_reached_add_up_the_follow_up_by_target_group_and_sex(seeded, db, territory):
    project = _project(db, territory, actions=[
        ("literacy", date(2026, 2, 1), "ongoing", [], {("women_in_difficulty", "female"): 40}),
        ("training", date(2026, 1, 1), "done", [], {("boys_out_of_school", "male"): 15}),
        ("gone", date(2026, 1, 1), "dropped", [], {("women_in_difficulty", "female"): 20}),
    ])
    _reached(db, project, "literacy", {("women_in_difficulty", "female"): 30, ("girls_out_of_school", "female"): 12})
    _reached(db, project, "training", {("boys_out_of_school", "male"): 9, ("women_in_difficulty", "female"): 4})
    _reached(db, project, "gone", {("women_in_difficulty", "female"): 5})  # reached before it was dropped
    _reached(db, project, "training", {("elderly_in_difficulty", "male"): 6}, recorded_on=date(2026, 8, 1))
    # Another territory's project, approved but its conventions not signed: never counted.
    other = make_territory("Autre territoire")
    waiting = _project(db, other, status="approved", actions=[("literacy", date(2026, 1, 1), "ongoing", [], {})])
    _reached(db, waiting, "literacy", {("women_in_difficulty", "female"): 100})

    s1 = services.compute(seeded["beneficiaries_reached"], territory, "2026-S1", today=TODAY)
    women, girls, boys, elderly = (target_group(code).id for code in (
        "women_in_difficulty", "girls_out_of_school", "boys_out_of_school", "elderly_in_difficulty"))
    # 30 + 12 + 9 + 4 + 5; the elderly men were first recorded in August, after the half-year.
    assert s1.value == 60
    by = {(row.target_group_id, row.sex): row.value for row in s1.breakdowns}
    assert by == {(None, "female"): 51, (None, "male"): 9, (women, None): 39, (girls, None): 12, (boys, None): 9,
                  (women, "female"): 39, (girls, "female"): 12, (boys, "male"): 9}
    assert "today" in s1.total.source_text
    year = services.compute(seeded["beneficiaries_reached"], territory, "2026", today=TODAY)
    assert year.value == 66
    assert {(row.target_group_id, row.sex): row.value for row in year.breakdowns}[(elderly, "male")] == 6
    assert services.compute(seeded["beneficiaries_reached"], other, "2026", today=TODAY).value == 0


def test_beneficiaries_reached_recorded_through_the_follow_up_are_counted(seeded, db, territory):
    from tests.projects._execution_fixtures import action_keys, approved_project, in_execution

    from najma.projects import execution

    scene = in_execution(approved_project(territory))
    first, second = action_keys(scene.project)
    women = target_group("women_in_difficulty").id
    execution.save_reached(scene.staff, scene.project, first, {(women, "female"): "17"}, 0)
    execution.save_reached(scene.staff, scene.project, second, {(women, "female"): "8"}, 0)
    today = date.today()
    computation = services.compute(seeded["beneficiaries_reached"], territory, f"{today.year}", today=today)
    assert computation.value == 25
    expected = services.compute(seeded["beneficiaries_expected"], territory, f"{today.year}", today=today)
    assert expected.value == 0  # not started yet: the reached numbers do not depend on it


# --- partnerships ---------------------------------------------------------------------------------

def _snapshot(db, territory, on, actors, ties):
    snapshot = ActorSnapshot(territory_id=territory.id, label=f"Carte {on}", taken_on=on, actor_count=len(actors),
                             tie_count=len(ties), data={"actors": actors, "ties": ties})
    db.session.add(snapshot)
    db.session.commit()
    return snapshot


def _actor(actor_id, sector):
    return {"id": actor_id, "name": f"Acteur {actor_id}", "kind": "association", "sector": sector}


def _tie(tie_id, source, target, kind="partnership"):
    return {"id": tie_id, "source": source, "target": target, "kind": kind, "directed": False, "strength": 2}


def test_partnership_ties_come_from_the_latest_snapshot_taken_by_the_periods_end(seeded, db, territory):
    actors = [_actor(1, "associations"), _actor(2, "associations"), _actor(3, "health"), _actor(4, "communes")]
    _snapshot(db, territory, date(2026, 2, 1), actors, [_tie(1, 1, 2), _tie(2, 1, 3)])
    _snapshot(db, territory, date(2026, 6, 30), actors,
              [_tie(1, 1, 2), _tie(2, 1, 3), _tie(3, 3, 4, "coordination"), _tie(4, 2, 4, "conflict"),
               _tie(5, 1, 99)])  # a conflict is no partnership; a tie to an unknown actor is ignored
    _snapshot(db, territory, date(2026, 9, 1), actors, [])

    q1 = services.compute(seeded["partnership_ties"], territory, "2026-Q1", today=TODAY)
    assert q1.value == 2 and "Carte 2026-02-01" in q1.total.source_text
    s1_ties = services.compute(seeded["partnership_ties"], territory, "2026-S1", today=TODAY)
    s1_cross = services.compute(seeded["cross_sector_ties"], territory, "2026-S1", today=TODAY)
    assert (s1_ties.value, s1_cross.value) == (3, 2)
    assert services.compute(seeded["partnership_ties"], territory, "2026", today=TODAY).value == 0


def test_no_snapshot_by_the_periods_end_gives_no_value(seeded, db, territory):
    _snapshot(db, territory, date(2026, 9, 1), [_actor(1, "health")], [])
    computation = services.compute(seeded["partnership_ties"], territory, "2026-Q1", today=TODAY)
    assert computation.value is None and "No actor-map snapshot" in computation.total.source_text


def test_a_snapshot_taken_through_the_actor_map_is_counted_like_its_comparison(seeded, db, territory):
    association = actor_services.create_actor(None, territory, {"name": "Association Tifawt", "kind": "association"})
    centre = actor_services.create_actor(None, territory, {"name": "Centre EN", "kind": "en_training_centre"})
    commune = actor_services.create_actor(None, territory, {"name": "Commune", "kind": "commune"})
    for source, target, kind in ((association, centre, "partnership"), (centre, commune, "funding"),
                                 (association, commune, "conflict")):
        actor_services.create_tie(None, territory, {"source_id": source.id, "target_id": target.id, "kind": kind})
    first = actor_services.take_snapshot(None, territory, "Départ", date(2026, 1, 15))
    figures = actor_services.compare_snapshots(first, first).after
    ties = services.compute(seeded["partnership_ties"], territory, "2026-Q1", today=TODAY)
    cross = services.compute(seeded["cross_sector_ties"], territory, "2026-Q1", today=TODAY)
    assert ties.value == 2 and cross.value == figures.cross_sector_ties
