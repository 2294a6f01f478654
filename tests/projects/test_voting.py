"""The committee's vote: quorum and majority edge cases, who may vote and how often, the rules of a
committee and who sets them."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from tests.conftest import make_member, make_territory, make_user
from tests.projects._workflow_fixtures import add_voting_member, ballots, scene, take, to_voting

from najma.audit import AuditEvent
from najma.projects import voting
from najma.projects.committee import committee_of
from najma.extensions import db
from najma.projects.models import Ballot, VoteRules, VoteSeat
from najma.projects.voting import VoteRefused, decide


def rules(quorum=50, majority="votes_cast", chair=True):
    return {"quorum_percent": quorum, "majority_rule": majority, "chair_breaks_tie": chair}


@pytest.mark.parametrize("counts, chair_choice, chair_breaks, expected", [
    # votes cast: the majority of for and against; abstentions do not count
    ((3, 2, 0), None, True, ("approved", "more_for", False)),
    ((2, 3, 0), None, True, ("rejected", "more_against", False)),
    ((2, 1, 2), None, True, ("approved", "more_for", False)),
    # tie with the chair's casting vote, either way, and without it
    ((2, 2, 1), "approve", True, ("approved", "tie_chair_for", True)),
    ((2, 2, 1), "reject", True, ("rejected", "tie_chair_against", True)),
    ((2, 2, 1), "abstain", True, ("rejected", "tie", True)),
    ((2, 2, 0), None, True, ("rejected", "tie", True)),
    ((2, 2, 0), "approve", False, ("rejected", "tie", True)),
    # everyone abstains
    ((0, 0, 4), "abstain", True, ("rejected", "no_votes", False)),
])
def test_majority_of_the_votes_cast(counts, chair_choice, chair_breaks, expected):
    approve, reject, abstain = counts
    tally = decide(5, approve, reject, abstain, chair_choice=chair_choice, **rules(chair=chair_breaks))
    assert (tally.outcome, tally.reason_code, tally.tie) == expected


@pytest.mark.parametrize("eligible, counts, chair_choice, chair_breaks, expected", [
    (6, (4, 0, 2), None, True, ("approved", "members_majority")),
    (6, (3, 0, 3), "approve", True, ("approved", "members_half_chair")),  # exact half with the chair
    (6, (3, 0, 3), "approve", False, ("rejected", "members_short")),
    (6, (3, 1, 0), "reject", True, ("rejected", "members_short")),  # exact half without the chair
    (5, (2, 0, 3), "approve", True, ("rejected", "members_short")),  # less than half, even with the chair
    (4, (0, 0, 4), "abstain", True, ("rejected", "members_short")),
])
def test_majority_of_all_voting_members(eligible, counts, chair_choice, chair_breaks, expected):
    tally = decide(eligible, *counts, chair_choice=chair_choice, **rules(majority="voting_members", chair=chair_breaks))
    assert (tally.outcome, tally.reason_code) == expected


@pytest.mark.parametrize("counts, expected", [
    ((2, 1, 0), ("approved", "two_thirds")),  # exactly two thirds
    ((3, 2, 0), ("rejected", "short_of_two_thirds")),
    ((1, 0, 5), ("approved", "two_thirds")),  # abstentions do not count
    ((0, 0, 3), ("rejected", "no_votes")),
    ((0, 2, 0), ("rejected", "short_of_two_thirds")),
])
def test_two_thirds_of_the_votes_cast(counts, expected):
    tally = decide(6, *counts, chair_choice=None, **rules(majority="two_thirds_cast"))
    assert (tally.outcome, tally.reason_code) == expected


@pytest.mark.parametrize("eligible, participants, quorum, reached", [
    (5, 2, 50, False), (5, 3, 50, True),
    (4, 2, 50, False),  # exactly half is not more than half
    (4, 3, 50, True),
    (10, 6, 60, False), (10, 7, 60, True),  # a custom quorum
    (3, 1, 30, True), (1, 1, 99, True), (0, 0, 50, False),
])
def test_quorum_is_strictly_more_than_the_share(eligible, participants, quorum, reached):
    tally = decide(eligible, 0, 0, participants, chair_choice=None, **rules(quorum=quorum))
    assert tally.quorum_reached is reached


def test_the_quorum_figures_read_in_the_readers_number_format(app):
    from flask_babel import force_locale

    tally = decide(5, 1, 0, 1, chair_choice=None, **rules())
    assert tally.quorum_message == "2 of 5 voting members voted; more than 2.5 needed."
    with force_locale("fr"):
        assert "2,5" in tally.quorum_needed_text
    assert decide(4, 0, 0, 0, chair_choice=None, **rules()).quorum_needed_text == "2"


def test_the_tally_of_a_vote_comes_from_its_seats_and_ballots(db, territory):
    s = scene(territory, members=3)
    vote = to_voting(s)
    ballots(vote, [(s.chair, "approve"), (s.members[0], "reject"), (s.members[1], "abstain")])
    tally = voting.tally(vote)
    assert (tally.eligible, tally.approve, tally.reject, tally.abstain, tally.participants) == (4, 1, 1, 1, 3)
    assert tally.chair_choice == "approve" and tally.outcome == "approved" and tally.reason_code == "tie_chair_for"
    assert tally.quorum_reached and voting.tallies([vote])[vote.id] == tally


def test_the_chairs_casting_vote_decides_a_closed_tie(db, territory):
    s = scene(territory, members=3)
    vote = to_voting(s)
    ballots(vote, [(s.chair, "reject"), (s.members[0], "approve"), (s.members[1], "approve"),
                   (s.members[2], "reject")])
    take(s.chair, s.project, "close_vote")
    db.session.refresh(vote)
    assert s.project.status == "rejected" and vote.outcome_reason == "tie_chair_against"
    assert voting.reason_label(vote.outcome_reason).startswith("As many votes for as against")


def test_only_voting_members_of_this_committee_vote(db, territory):
    s = scene(territory, members=2)
    observer = make_user(territory=territory)
    add_voting_member(s.body, "Observateur", user=observer, voting=False)
    bystander = make_user("committee_member", territory=territory)
    other = make_territory("Safi")
    foreign = make_user(territory=other)
    make_member(committee_of(other.id), name="Membre de Safi", user=foreign)
    vote = to_voting(s)
    for user in (observer, bystander, foreign, s.staff, s.delegate):
        with pytest.raises(VoteRefused, match="no seat in this vote"):
            voting.cast_ballot(user, vote, "approve")
    assert db.session.execute(sa.select(Ballot)).first() is None


def test_each_member_votes_once_and_never_after_closing(db, territory):
    s = scene(territory, members=2)
    vote = to_voting(s)
    voting.cast_ballot(s.members[0], vote, "approve", "  Bien construit  ")
    with pytest.raises(VoteRefused, match="You have already voted."):
        voting.cast_ballot(s.members[0], vote, "reject")
    ballot = db.session.execute(sa.select(Ballot)).scalar_one()
    assert (ballot.choice, ballot.comment, ballot.recorded_by_id) == ("approve", "Bien construit", s.members[0].id)
    with pytest.raises(VoteRefused, match="Choose approve, reject or abstain"):
        voting.cast_ballot(s.members[1], vote, "maybe")
    event = db.session.execute(sa.select(AuditEvent).where(AuditEvent.verb == "vote")).scalar_one()
    assert event.changes["choice"]["after"] == "approve" and event.territory_id == territory.id
    ballots(vote, [(s.chair, "approve")])
    take(s.chair, s.project, "close_vote")
    with pytest.raises(VoteRefused, match="This vote is closed"):
        voting.cast_ballot(s.members[1], vote, "approve")
    assert db.session.execute(sa.select(sa.func.count(Ballot.id))).scalar() == 2


def test_the_rules_are_the_defaults_until_the_chair_or_delegate_sets_them(db, territory):
    s = scene(territory, members=1)
    default = voting.rules_of(s.body)
    assert (default.quorum_percent, default.majority_rule, default.chair_breaks_tie) == (50, "votes_cast", True)
    with pytest.raises(VoteRefused, match="Only the committee's chair or the provincial delegate"):
        voting.set_rules(s.members[0], s.body, 60, "votes_cast", True)
    with pytest.raises(VoteRefused, match="between 1 and 99") as refused:
        voting.set_rules(s.chair, s.body, 0, "votes_cast", True)
    assert refused.value.field == "quorum_percent"
    with pytest.raises(VoteRefused, match="majority rules"):
        voting.set_rules(s.chair, s.body, 50, "unanimity", True)
    voting.set_rules(s.delegate, s.body, 75, "voting_members", False)
    voting.set_rules(s.chair, s.body, 60, "voting_members", False)
    stored = db.session.execute(sa.select(VoteRules)).scalar_one()
    assert (stored.quorum_percent, stored.majority_rule, stored.chair_breaks_tie) == (60, "voting_members", False)
    events = db.session.execute(sa.select(AuditEvent).where(AuditEvent.object_type == "VoteRules")
                                .order_by(AuditEvent.id)).scalars().all()
    assert [e.verb for e in events] == ["create", "update"]
    assert events[1].changes["quorum_percent"] == {"before": 75, "after": 60}


def test_the_rules_cannot_change_during_a_vote_and_the_vote_keeps_its_own(db, territory):
    s = scene(territory, members=1)
    voting.set_rules(s.chair, s.body, 60, "two_thirds_cast", True)
    vote = to_voting(s)
    with pytest.raises(VoteRefused, match="A vote is open"):
        voting.set_rules(s.chair, s.body, 50, "votes_cast", True)
    take(s.chair, s.project, "cancel_vote", "Report")
    voting.set_rules(s.chair, s.body, 50, "votes_cast", True)
    db.session.refresh(vote)
    assert (vote.quorum_percent, vote.majority_rule) == (60, "two_thirds_cast")


def _seats_of(vote, user) -> list:
    return list(db.session.execute(sa.select(VoteSeat).where(VoteSeat.vote_id == vote.id,
                                                             VoteSeat.user_id == user.id)).scalars())


def test_an_account_linked_to_two_voting_seats_gets_one_seat_and_one_ballot(db, territory):
    s = scene(territory, members=3)
    twice = s.members[0]
    add_voting_member(s.body, "Même personne, second siège", user=twice)
    add_voting_member(s.body, "Le président, second siège", user=s.chair)
    vote = to_voting(s)
    seats = _seats_of(vote, twice)
    assert len(seats) == 1
    chair_seats = _seats_of(vote, s.chair)
    assert len(chair_seats) == 1 and chair_seats[0].is_chair  # the chair keeps the chair's seat
    assert voting.tally(vote).eligible == 4  # the chair and three members, each once
    voting.cast_ballot(twice, vote, "approve")
    with pytest.raises(VoteRefused, match="You have already voted."):
        voting.cast_ballot(twice, vote, "approve", seat_id=seats[0].id)
    assert db.session.execute(sa.select(sa.func.count(Ballot.id))).scalar() == 1


def test_naming_ones_own_seat_is_ones_own_ballot_even_with_two_seats(db, territory):
    s = scene(territory, members=2)
    vote = to_voting(s)
    twice = s.members[0]
    first = _seats_of(vote, twice)[0]
    # a vote opened before seats were limited to one per account
    other = add_voting_member(s.body, "Second siège", user=twice)
    second = VoteSeat(vote_id=vote.id, membership_id=other.id, user_id=twice.id,
                      full_name="Second siège", sector=first.sector, organisation="", is_chair=False)
    db.session.add(second)
    db.session.commit()
    voting.cast_ballot(twice, vote, "approve", seat_id=second.id)
    for seat_id in (first.id, second.id, None):
        with pytest.raises(VoteRefused, match="You have already voted."):
            voting.cast_ballot(twice, vote, "reject", seat_id=seat_id)
    ballot = db.session.execute(sa.select(Ballot)).scalar_one()
    assert (ballot.seat_id, ballot.choice) == (second.id, "approve")
