"""The workflow service: every status change goes through one function that checks the step, the
role, the comment and the guard, moves the status with a compare-and-set, and records the step;
a refusal says why and changes nothing."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
import sqlalchemy as sa
from tests.conftest import make_territory, make_user
from tests.projects._workflow_fixtures import add_voting_member, approved, ballots, scene, take, to_voting

from najma.audit import AuditEvent
from najma.errors import DomainError
from najma.extensions import db
from najma.governance import services as governance
from najma.governance.models import Membership
from najma.projects import services, voting, workflow
from najma.projects.models import (ActionExecution, Convention, ProjectAction, ProjectTransition, ProjectVersion,
                                   ProjectVote, VoteRules, VoteSeat)
from najma.projects.workflow import TransitionRefused


def transitions(project) -> list[str]:
    return list(db.session.execute(sa.select(ProjectTransition.name).where(ProjectTransition.project_id == project.id)
                                   .order_by(ProjectTransition.id)).scalars())


def version(project, number) -> ProjectVersion:
    return db.session.execute(sa.select(ProjectVersion).where(ProjectVersion.project_id == project.id,
                                                              ProjectVersion.number == number)).scalar_one()


def edit_title(actor, project, title):
    current = services.current_version(project)
    return services.update_content(actor, project, {"title": title, "general_objective": "Objectif"},
                                   current.lock_version)


def test_the_whole_road_to_approval_is_recorded_step_by_step(db, territory):
    s = scene(territory, members=2)
    record = take(s.staff, s.project, "submit", "Prêt pour le comité")
    assert (record.from_status, record.to_status, record.version_number) == ("draft", "submitted", 1)
    assert record.actor_id == s.staff.id and record.actor_name == "Amina Antenne"
    assert record.comment == "Prêt pour le comité"
    take(s.chair, s.project, "start_review")
    take(s.chair, s.project, "open_vote")
    vote = workflow.open_vote_of(s.project)
    assert s.project.status == "voting" and vote.version_number == 1
    ballots(vote, [(s.chair, "approve"), (s.members[0], "approve"), (s.members[1], "reject")])
    take(s.chair, s.project, "close_vote", "Séance du comité")
    db.session.refresh(vote)
    assert (vote.state, vote.outcome, vote.outcome_reason) == ("closed", "approved", "more_for")
    assert vote.closed_by_id == s.chair.id and vote.closed_at is not None
    assert s.project.status == "approved" and s.project.approved_number == 1
    assert s.project.status_version == 5
    assert transitions(s.project) == ["submit", "start_review", "open_vote", "close_vote"]
    events = db.session.execute(sa.select(AuditEvent).where(AuditEvent.verb == "transition")
                                .order_by(AuditEvent.id)).scalars().all()
    assert [e.changes["status"]["after"] for e in events] == ["submitted", "under_review", "voting", "approved"]
    assert all(e.territory_id == territory.id for e in events)


def test_a_step_not_possible_from_the_current_status_is_refused(db, territory):
    s = scene(territory)
    with pytest.raises(TransitionRefused, match="not possible while the project is draft"):
        take(s.chair, s.project, "open_vote")
    with pytest.raises(TransitionRefused, match="does not exist"):
        take(s.chair, s.project, "approve")
    assert s.project.status == "draft" and transitions(s.project) == []


def test_a_step_taken_by_the_wrong_role_is_refused_even_without_the_page(db, territory):
    s = scene(territory)
    with pytest.raises(TransitionRefused, match="You may not take this step") as refused:
        take(s.members[0], s.project, "submit")
    assert "taken by: Antenna staff, Commission member" in str(refused.value.message)
    take(s.staff, s.project, "submit")
    with pytest.raises(TransitionRefused, match="taken by: Committee chair"):
        take(s.staff, s.project, "start_review")
    other = make_territory("Safi")
    with pytest.raises(TransitionRefused, match="You may not take this step"):
        take(make_user("delegate", territory=other), s.project, "start_review")
    assert s.project.status == "submitted"


def test_an_incomplete_project_cannot_be_submitted_and_the_refusal_lists_why(db, territory):
    s = scene(territory)
    current = services.current_version(s.project)
    services.update_content(s.staff, s.project, {"title": "Projet", "general_objective": ""}, current.lock_version)
    with pytest.raises(TransitionRefused, match="cannot be submitted yet: The project needs a general objective"):
        take(s.staff, s.project, "submit")
    assert s.project.status == "draft" and transitions(s.project) == []
    assert db.session.execute(sa.select(AuditEvent).where(AuditEvent.verb == "transition")).first() is None


def test_a_required_comment_is_asked_for(db, territory):
    s = scene(territory)
    take(s.staff, s.project, "submit")
    with pytest.raises(TransitionRefused, match="comment is required") as refused:
        take(s.chair, s.project, "send_back", "   ")
    assert refused.value.field == "comment"
    assert s.project.status == "submitted" and s.project.current_number == 1


def test_sending_back_freezes_the_version_and_opens_the_next_one(db, territory):
    s = scene(territory, actions=2)
    take(s.staff, s.project, "submit")
    take(s.chair, s.project, "start_review")
    record = take(s.chair, s.project, "send_back", "Préciser le budget de l'action 2")
    assert record.version_number == 1 and s.project.status == "draft" and s.project.current_number == 2
    first, second = version(s.project, 1), version(s.project, 2)
    assert first.frozen_at is not None and second.frozen_at is None
    assert second.reason == "Préciser le budget de l'action 2"
    keys = lambda v: sorted(db.session.execute(sa.select(ProjectAction.key).where(  # noqa: E731
        ProjectAction.version_id == v.id)).scalars())
    assert keys(first) == keys(second) and len(keys(second)) == 2
    edit_title(s.staff, s.project, "Projet amendé")
    assert version(s.project, 1).title == "Projet de territoire d'Azilal"
    take(s.staff, s.project, "submit")
    assert s.project.status == "submitted"


def test_a_stale_page_cannot_take_a_step(db, territory):
    s = scene(territory)
    stale = s.project.status_version
    take(s.staff, s.project, "submit")
    with pytest.raises(TransitionRefused, match="changed meanwhile; reload the page"):
        workflow.transition(s.staff, s.project, "submit", status_version=stale)
    take(s.chair, s.project, "start_review")
    with pytest.raises(TransitionRefused, match="changed meanwhile"):
        workflow.transition(s.chair, s.project, "send_back", "Trop tard", status_version=stale + 1)
    assert s.project.status == "under_review" and s.project.current_number == 1
    assert transitions(s.project) == ["submit", "start_review"]


def test_opening_the_vote_freezes_the_version_and_seats_the_voting_members(db, territory):
    s = scene(territory, members=2)
    add_voting_member(s.body, "Observateur", voting=False)
    add_voting_member(s.body, "Membre papier")
    db.session.add(VoteRules(body_id=s.body.id, quorum_percent=60, majority_rule="two_thirds_cast",
                             chair_breaks_tie=False))
    db.session.commit()
    vote = to_voting(s)
    assert (vote.quorum_percent, vote.majority_rule, vote.chair_breaks_tie) == (60, "two_thirds_cast", False)
    seats = db.session.execute(sa.select(VoteSeat).where(VoteSeat.vote_id == vote.id)
                               .order_by(VoteSeat.id)).scalars().all()
    assert [seat.full_name for seat in seats] == ["Président du comité", "Membre 1", "Membre 2", "Membre papier"]
    assert [seat.is_chair for seat in seats] == [True, False, False, False]
    assert seats[0].user_id == s.chair.id and seats[3].user_id is None
    assert version(s.project, 1).frozen_at is not None
    with pytest.raises(DomainError):
        edit_title(s.staff, s.project, "Pendant le vote")
    # Later changes of the rules or the committee do not rewrite the open vote.
    add_voting_member(s.body, "Arrivé après")
    assert len(voting.seats_and_ballots(vote)[0]) == 4


def test_a_vote_needs_voting_members_and_only_one_is_open(db, territory):
    s = scene(territory, members=1)
    take(s.staff, s.project, "submit")
    take(s.chair, s.project, "start_review")
    db.session.execute(sa.update(Membership).where(Membership.body_id == s.body.id).values(voting=False))
    db.session.commit()
    with pytest.raises(TransitionRefused, match="no voting member today"):
        take(s.chair, s.project, "open_vote")
    assert s.project.status == "under_review"
    assert db.session.execute(sa.select(ProjectVote)).first() is None
    assert version(s.project, 1).frozen_at is None


def test_the_vote_may_name_a_meeting_of_this_committee_only(db, territory):
    s = scene(territory)
    other = make_territory("Chefchaouen")
    from najma.projects.committee import committee_of

    def meeting(body):
        return governance.create_meeting(None, body, {
            "title": "Séance du comité", "starts_at": datetime(2026, 5, 4, 9, tzinfo=timezone.utc),
            "place": "Province d'Azilal", "agenda": ""})

    foreign = meeting(committee_of(other.id))
    ours = meeting(s.body)
    take(s.staff, s.project, "submit")
    take(s.chair, s.project, "start_review")
    with pytest.raises(TransitionRefused, match="meeting of this territory's committee") as refused:
        take(s.chair, s.project, "open_vote", meeting_id=foreign.id)
    assert refused.value.field == "meeting_id" and s.project.status == "under_review"
    take(s.chair, s.project, "open_vote", meeting_id=ours.id)
    assert workflow.open_vote_of(s.project).meeting_id == ours.id


def test_cancelling_keeps_the_ballots_and_a_change_then_needs_a_send_back(db, territory):
    s = scene(territory, members=2)
    vote = to_voting(s)
    ballots(vote, [(s.members[0], "reject")])
    with pytest.raises(TransitionRefused, match="comment is required"):
        take(s.chair, s.project, "cancel_vote")
    take(s.chair, s.project, "cancel_vote", "Le quorum ne sera pas atteint aujourd'hui")
    db.session.refresh(vote)
    assert vote.state == "cancelled" and vote.outcome is None
    assert len(voting.seats_and_ballots(vote)[1]) == 1
    assert s.project.status == "under_review"
    with pytest.raises(DomainError):
        edit_title(s.staff, s.project, "Sans renvoi")
    with pytest.raises(voting.VoteRefused, match="closed"):
        voting.cast_ballot(s.members[1], vote, "approve")
    take(s.chair, s.project, "open_vote")
    second = workflow.open_vote_of(s.project)
    assert second.id != vote.id and second.version_number == 1


def test_closing_without_quorum_is_refused_with_the_figures(db, territory):
    s = scene(territory, members=4)
    vote = to_voting(s)
    ballots(vote, [(s.chair, "approve"), (s.members[0], "abstain")])
    with pytest.raises(TransitionRefused) as refused:
        take(s.chair, s.project, "close_vote")
    assert str(refused.value.message) == ("Quorum not reached: 2 of 5 voting members voted; "
                                          "more than 2.5 needed.")
    db.session.refresh(vote)
    assert vote.state == "open" and s.project.status == "voting"
    ballots(vote, [(s.members[1], "approve")])
    take(s.chair, s.project, "close_vote")
    assert s.project.status == "approved"


def test_a_rejected_project_is_revised_into_a_new_draft_version(db, territory):
    s = scene(territory, members=2)
    vote = to_voting(s)
    ballots(vote, [(s.chair, "reject"), (s.members[0], "reject"), (s.members[1], "approve")])
    take(s.chair, s.project, "close_vote")
    assert s.project.status == "rejected" and s.project.approved_number is None
    with pytest.raises(TransitionRefused, match="comment is required"):
        take(s.staff, s.project, "revise")
    take(s.staff, s.project, "revise", "Nous reprenons le budget")
    assert s.project.status == "draft" and s.project.current_number == 2
    edit_title(s.staff, s.project, "Projet révisé")


def test_the_approved_version_never_changes_again(db, territory):
    s = scene(territory, members=1)
    approved(s)
    with pytest.raises(DomainError):
        edit_title(s.staff, s.project, "Après l'approbation")
    for name in ("send_back", "revise", "submit", "open_vote"):
        with pytest.raises(TransitionRefused, match="not possible while the project is approved"):
            take(s.chair, s.project, name, "Essai")
    assert version(s.project, 1).title == "Projet de territoire d'Azilal"


def test_conventions_execution_and_evaluation_need_their_record(db, territory):
    s = scene(territory, members=1, actions=2)
    approved(s)
    keys = db.session.execute(sa.select(ProjectAction.key, ProjectAction.title).where(
        ProjectAction.version_id == version(s.project, 1).id).order_by(ProjectAction.position)).all()
    with pytest.raises(TransitionRefused, match="still missing for: “Action 1”, “Action 2”"):
        take(s.delegate, s.project, "sign_conventions")
    db.session.add(Convention(project_id=s.project.id, action_key=keys[0].key, institution="Centre",
                              signed_on=date(2026, 6, 1), document_name="c.pdf", document_stored="abc"))
    db.session.add(Convention(project_id=s.project.id, action_key=keys[1].key, institution="Centre",
                              signed_on=None, document_name="c.pdf", document_stored="def"))
    db.session.commit()
    with pytest.raises(TransitionRefused, match="still missing for: “Action 2”\\."):
        take(s.delegate, s.project, "sign_conventions")
    db.session.execute(sa.update(Convention).values(signed_on=date(2026, 6, 2)))
    db.session.commit()
    with pytest.raises(TransitionRefused, match="taken by: Provincial delegate"):
        take(s.staff, s.project, "sign_conventions")
    take(s.delegate, s.project, "sign_conventions")
    take(s.staff, s.project, "start_execution")
    assert s.project.status == "in_execution"
    db.session.add(ActionExecution(project_id=s.project.id, action_key=keys[0].key, status="done", progress=100))
    db.session.commit()
    with pytest.raises(TransitionRefused, match="not yet: “Action 2”"):
        take(s.delegate, s.project, "evaluate", "Bilan")
    db.session.add(ActionExecution(project_id=s.project.id, action_key=keys[1].key, status="dropped"))
    db.session.commit()
    take(s.delegate, s.project, "evaluate", "Bilan positif")
    assert s.project.status == "evaluated"
    assert transitions(s.project)[-3:] == ["sign_conventions", "start_execution", "evaluate"]


def test_possible_steps_follow_status_and_role(db, territory):
    s = scene(territory)
    assert [t.name for t in workflow.possible(s.staff, s.project)] == ["submit"]
    assert workflow.possible(s.chair, s.project) == []
    take(s.staff, s.project, "submit")
    assert [t.name for t in workflow.possible(s.chair, s.project)] == ["start_review", "send_back"]
