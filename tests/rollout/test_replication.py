"""The replication kit: a new territory in the launch phase with the pilot's structure (vacant
seats, milestones at the same offsets, adopted tools) and none of its data."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from tests.conftest import make_member, make_user, province
from tests.projects.conftest import make_project
from tests.research.conftest import add_note, chantier
from tests.rollout.conftest import pilot as make_pilot

from najma.actors.models import Actor
from najma.auth.models import RoleAssignment
from najma.audit import AuditEvent
from najma.errors import DomainError
from najma.extensions import db
from najma.governance.models import Membership
from najma.projects.models import TerritoryProject
from najma.research import plan as research_plan
from najma.research.models import InterventionPath, ResearchNote
from najma.rollout import gates, tools
from najma.rollout.models import ToolAdoption
from najma.rollout.replication import ReplicationData, replicate, vacant_seat_name
from najma.territories.models import Territory
from najma.territories.services import territory_bodies


@pytest.fixture
def pilot(db):
    """A pilot with staffed bodies (one seat linked to an account, one ended), a research plan with
    a milestone done, a note, a project, an actor and two adopted tools."""
    territory = make_pilot("Azilal")
    bodies = territory_bodies(territory)
    linked = make_user(territory=territory, name="Karima Commission")
    make_member(bodies["commission"], name="Karima Commission", user=linked, sector="communes")
    make_member(bodies["committee"], name="Ancien membre", sector="health", end=date.today() - timedelta(days=3))
    make_member(bodies["committee"], name="Représentant ENF", sector="non_formal_education", voting=False)
    research_plan.save_plan(None, territory, date(2025, 1, 6), 7)
    research_plan.mark_milestone(None, territory, "populations", True)
    author = make_user("antenna_staff", territory=territory)
    add_note(territory, author, title="Entretien avec les femmes du douar", visibility="shared")
    make_project(territory, author)
    for position, title in ((1, "Guide d'écoute"), (4, "Module de couture")):
        tool = tools.create_tool(None, tools.ToolData(chantier_id=chantier(position).id, title=title,
                                                      origin_territory_id=territory.id))
        tools.adopt(None, territory, tool)
    tools.create_tool(None, tools.ToolData(chantier_id=chantier(2).id, title="Outil non adopté"))
    return territory


def kit(name="Ouaouizeght", **overrides) -> ReplicationData:
    data = ReplicationData(name=name, province_id=province("05.081").id, setting="rural", cohort="Appropriation 2026",
                           start_date=date(2026, 9, 1))
    for key, value in overrides.items():
        setattr(data, key, value)
    return data


def seats(territory) -> list[tuple]:
    bodies = {body.id: kind for kind, body in territory_bodies(territory).items()}
    rows = db.session.execute(sa.select(Membership).where(Membership.body_id.in_(bodies))
                              .order_by(Membership.body_id, Membership.id)).scalars()
    return [(bodies[m.body_id], m.role, m.sector, m.organisation, m.discipline, m.voting, m.full_name, m.user_id,
             m.start_date) for m in rows]


def test_the_kit_copies_the_structure_as_vacant_seats(pilot):
    steering = make_user("steering")
    result = replicate(steering, pilot, kit())
    new = result.territory
    assert (new.name, new.phase, new.cohort, new.setting) == ("Ouaouizeght", "launch", "Appropriation 2026", "rural")
    assert result.seats == {"antenna": 2, "commission": 2, "committee": 2}
    copied = seats(new)
    vacant = vacant_seat_name()
    assert all(row[6] == vacant and row[7] is None and row[8] == date(2026, 9, 1) for row in copied)
    antenna = [(role, sector, discipline) for kind, role, sector, _o, discipline, *_ in copied if kind == "antenna"]
    assert antenna == [("member", None, "Sociologie"), ("member", None, "Travail social")]
    committee = [(role, sector, voting) for kind, role, sector, _o, _d, voting, *_ in copied if kind == "committee"]
    assert committee == [("chair", "entraide_nationale", True), ("member", "non_formal_education", False)]
    names = {row[6] for row in copied}
    assert "Karima Commission" not in names and "Ancien membre" not in names


def test_milestones_keep_their_offsets_from_the_new_start_and_none_is_done(pilot):
    result = replicate(make_user("steering"), pilot, kit())
    assert result.milestones == 5
    old, new = research_plan.get_plan(pilot), research_plan.get_plan(result.territory)
    assert (new.start_date, new.window_months) == (date(2026, 9, 1), 7)
    assert [(m.code, (m.due_date - new.start_date).days) for m in new.milestones] == \
        [(m.code, (m.due_date - old.start_date).days) for m in old.milestones]
    assert all(m.completed_on is None for m in new.milestones)


def test_the_pilots_adopted_tools_are_adopted(pilot):
    result = replicate(make_user("steering"), pilot, kit())
    assert result.tools == 2
    assert sorted(a.tool.title for a in tools.adopted_tools(result.territory)) == ["Guide d'écoute",
                                                                                  "Module de couture"]


def test_the_kit_never_copies_notes_paths_actors_projects_or_people(pilot):
    new = replicate(make_user("steering"), pilot, kit()).territory
    for model in (ResearchNote, InterventionPath, Actor, TerritoryProject, RoleAssignment):
        assert db.session.execute(sa.select(sa.func.count()).select_from(model)
                                  .where(model.territory_id == new.id)).scalar_one() == 0, model
    assert all(row[7] is None for row in seats(new))  # no seat linked to an account


def test_the_new_territory_is_gated_like_any_other(pilot, gates_seeded):
    new = replicate(make_user("steering"), pilot, kit()).territory
    result = gates.evaluate(new, "experimentation")
    assert {item.code for item in result.failing} == {"antenna_two_staff", "commission_in_place",
                                                      "committee_with_chair"}


def test_replication_is_audited(pilot):
    steering = make_user("steering")
    new = replicate(steering, pilot, kit()).territory
    event = db.session.execute(sa.select(AuditEvent).where(
        AuditEvent.object_type == "Territory", AuditEvent.territory_id == new.id, AuditEvent.actor_id == steering.id)
        .order_by(AuditEvent.id.desc()).limit(1)).scalar_one()
    assert event.changes["replicated_from"]["after"] == "Azilal"
    assert event.changes["vacant_seats"]["after"] == 6 and event.changes["tools"]["after"] == 2


@pytest.mark.parametrize(("overrides", "field"), [
    ({"name": "  "}, "name"), ({"province_id": None}, "province_id"), ({"setting": "lunar"}, "setting"),
    ({"start_date": None}, "start_date")])
def test_bad_input_is_refused_and_creates_nothing(pilot, overrides, field):
    count = db.session.execute(sa.select(sa.func.count()).select_from(Territory)).scalar_one()
    with pytest.raises(DomainError) as refused:
        replicate(make_user("steering"), pilot, kit(**overrides))
    assert refused.value.field == field
    db.session.rollback()
    assert db.session.execute(sa.select(sa.func.count()).select_from(Territory)).scalar_one() == count


def test_a_failure_while_copying_removes_the_new_territory(pilot, monkeypatch):
    from najma.rollout import replication

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(replication, "_copy", broken)
    with pytest.raises(RuntimeError):
        replicate(make_user("steering"), pilot, kit())
    assert db.session.execute(sa.select(Territory).where(Territory.name == "Ouaouizeght")).first() is None
    assert db.session.execute(sa.select(ToolAdoption)).scalars().all() != []  # the pilot's stay
