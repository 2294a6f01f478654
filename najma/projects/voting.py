"""The committee's vote on a project: the voting rules of a committee, casting a ballot, and the
tally that says whether the quorum is reached and whether the project is approved.

The tally is computed from the record (the seats copied when the vote opened and the ballots),
never stored on its own, so the procès-verbal and the page always agree with the ballots. Only
the outcome and the code of its reason are written on the vote when it closes.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import format_decimal
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from najma import audit
from najma.errors import DomainError
from najma.extensions import db
from najma.permissions import can, is_committee_chair
from najma.projects.models import Ballot, ProjectVote, TerritoryProject, VoteRules, VoteSeat
from najma.vocab import BALLOT_CHOICES, MAJORITY_RULES

#: The rules a committee follows until it sets its own.
DEFAULT_RULES = {"quorum_percent": 50, "majority_rule": "votes_cast", "chair_breaks_tie": True}

#: Why a vote came out as it did (the code is stored on the vote, the sentence shown in the reader's language).
REASONS = {
    "more_for": _l("More votes for than against."),
    "more_against": _l("More votes against than for, or as many."),
    "tie_chair_for": _l("As many votes for as against: the chair's vote for the project breaks the tie."),
    "tie_chair_against": _l("As many votes for as against: the chair's vote against the project breaks the tie."),
    "tie": _l("As many votes for as against, and no casting vote of the chair: a tie rejects the project."),
    "no_votes": _l("No vote for or against: every participant abstained."),
    "members_majority": _l("More than half of all the voting members voted for."),
    "members_half_chair": _l("Exactly half of the voting members voted for, the chair among them: "
                             "the chair's vote decides."),
    "members_short": _l("Not more than half of all the voting members voted for."),
    "two_thirds": _l("At least two thirds of the votes cast were for."),
    "short_of_two_thirds": _l("Fewer than two thirds of the votes cast were for."),
}


class VoteRefused(DomainError):
    """A ballot or a change of rules was refused; the message says why."""


def reason_label(code: str | None) -> str:
    """The sentence of a stored reason code, in the reader's language ("" when unknown)."""
    return str(REASONS[code]) if code in REASONS else (code or "")


@dataclass(frozen=True)
class Tally:
    """The count of a vote and what it means under the vote's rules."""

    eligible: int
    approve: int
    reject: int
    abstain: int
    quorum_percent: int
    majority_rule: str
    chair_breaks_tie: bool
    chair_choice: str | None
    outcome: str
    reason_code: str
    tie: bool

    @property
    def participants(self) -> int:
        """Members who took part, abstentions included (they count for the quorum)."""
        return self.approve + self.reject + self.abstain

    @property
    def quorum_needed(self) -> Decimal:
        """The number of participants the quorum must strictly exceed (``2.5`` for 50 % of 5)."""
        return (Decimal(self.quorum_percent) * self.eligible / 100).normalize()

    @property
    def quorum_needed_text(self) -> str:
        """``quorum_needed`` in the reader's number format."""
        return format_decimal(self.quorum_needed)

    @property
    def quorum_reached(self) -> bool:
        """Strictly more than ``quorum_percent`` % of the voting members took part."""
        return self.eligible > 0 and self.participants * 100 > self.quorum_percent * self.eligible

    @property
    def reason(self) -> str:
        """Why the vote comes out as it does, in the reader's language."""
        return reason_label(self.reason_code)

    @property
    def majority_label(self) -> str:
        """The majority rule, named in the reader's language."""
        return str(MAJORITY_RULES.get(self.majority_rule, self.majority_rule))

    @property
    def quorum_message(self) -> str:
        """The figures of the quorum as a sentence ("2 of 5 voting members voted; more than 2.5 needed.")."""
        from flask_babel import gettext as _

        return _("%(participants)s of %(eligible)s voting members voted; more than %(needed)s needed.",
                 participants=self.participants, eligible=self.eligible, needed=self.quorum_needed_text)


def decide(eligible: int, approve: int, reject: int, abstain: int, *, quorum_percent: int, majority_rule: str,
           chair_breaks_tie: bool, chair_choice: str | None) -> Tally:
    """The tally of the given counts under the given rules (pure: no database)."""
    chair_decides = chair_breaks_tie and chair_choice in ("approve", "reject")
    tie = False
    if majority_rule == "voting_members":
        tie = approve * 2 == eligible
        if approve * 2 > eligible:
            outcome, code = "approved", "members_majority"
        elif tie and approve > 0 and chair_breaks_tie and chair_choice == "approve":
            outcome, code = "approved", "members_half_chair"
        else:
            outcome, code = "rejected", "members_short"
    elif majority_rule == "two_thirds_cast":
        if approve + reject == 0:
            outcome, code = "rejected", "no_votes"
        elif approve > 0 and approve * 3 >= 2 * (approve + reject):
            outcome, code = "approved", "two_thirds"
        else:
            outcome, code = "rejected", "short_of_two_thirds"
    else:
        if approve + reject == 0:
            outcome, code = "rejected", "no_votes"
        elif approve > reject:
            outcome, code = "approved", "more_for"
        elif approve < reject:
            outcome, code = "rejected", "more_against"
        else:
            tie = True
            if chair_decides:
                outcome = "approved" if chair_choice == "approve" else "rejected"
                code = "tie_chair_for" if chair_choice == "approve" else "tie_chair_against"
            else:
                outcome, code = "rejected", "tie"
    return Tally(eligible=eligible, approve=approve, reject=reject, abstain=abstain, quorum_percent=quorum_percent,
                 majority_rule=majority_rule, chair_breaks_tie=chair_breaks_tie, chair_choice=chair_choice,
                 outcome=outcome, reason_code=code, tie=tie)


def seats_and_ballots(vote: ProjectVote) -> tuple[list[VoteSeat], dict[int, Ballot]]:
    """The seats of ``vote`` (chair first, then by name) and its ballots by seat id (two queries)."""
    seats = list(db.session.execute(sa.select(VoteSeat).where(VoteSeat.vote_id == vote.id)
                                    .order_by(VoteSeat.is_chair.desc(), VoteSeat.full_name, VoteSeat.id)).scalars())
    ballots = {b.seat_id: b for b in db.session.execute(
        sa.select(Ballot).where(Ballot.vote_id == vote.id).order_by(Ballot.id)).scalars()}
    return seats, ballots


def tally(vote: ProjectVote, seats: list[VoteSeat] | None = None, ballots: dict[int, Ballot] | None = None) -> Tally:
    """The tally of ``vote`` from its seats and ballots (loaded when not given)."""
    if seats is None or ballots is None:
        seats, ballots = seats_and_ballots(vote)
    counts = {choice: 0 for choice in BALLOT_CHOICES}
    chair_choice = None
    for seat in seats:
        ballot = ballots.get(seat.id)
        if ballot is None:
            continue
        counts[ballot.choice] = counts.get(ballot.choice, 0) + 1
        if seat.is_chair:
            chair_choice = ballot.choice
    return decide(len(seats), counts["approve"], counts["reject"], counts["abstain"],
                  quorum_percent=vote.quorum_percent, majority_rule=vote.majority_rule,
                  chair_breaks_tie=vote.chair_breaks_tie, chair_choice=chair_choice)


def tallies(votes: list[ProjectVote]) -> dict[int, Tally]:
    """The tally of each vote of ``votes`` by vote id, in two queries whatever their number."""
    ids = [vote.id for vote in votes]
    seats: dict[int, list[VoteSeat]] = {i: [] for i in ids}
    ballots: dict[int, dict[int, Ballot]] = {i: {} for i in ids}
    if ids:
        for seat in db.session.execute(sa.select(VoteSeat).where(VoteSeat.vote_id.in_(ids))).scalars():
            seats[seat.vote_id].append(seat)
        for ballot in db.session.execute(sa.select(Ballot).where(Ballot.vote_id.in_(ids))).scalars():
            ballots[ballot.vote_id][ballot.seat_id] = ballot
    return {vote.id: tally(vote, seats[vote.id], ballots[vote.id]) for vote in votes}


# --- the committee's rules -----------------------------------------------------------------------

def rules_of(body) -> VoteRules:
    """The voting rules of the committee ``body``: its own row, or the defaults (not saved)."""
    rules = None
    if body is not None:
        rules = db.session.execute(sa.select(VoteRules).where(VoteRules.body_id == body.id)).scalar_one_or_none()
    return rules or VoteRules(body_id=body.id if body is not None else None, **DEFAULT_RULES)


def open_vote_of_territory(territory_id: int) -> ProjectVote | None:
    """The vote open on the territory's project, if any."""
    return db.session.execute(
        sa.select(ProjectVote).join(TerritoryProject, TerritoryProject.id == ProjectVote.project_id)
        .where(TerritoryProject.territory_id == territory_id, ProjectVote.state == "open")).scalars().first()


def set_rules(actor, body, quorum_percent: int, majority_rule: str, chair_breaks_tie: bool) -> VoteRules:
    """Set the quorum and majority of the committee ``body`` (its chair or the delegate).

    Refused while a vote is open on the territory's project: a vote keeps the rules it opened with
    anyway, but changing them mid-vote would look like moving the goalposts.
    """
    if not can(actor, "project.rules", body):
        raise VoteRefused(_l("Only the committee's chair or the provincial delegate sets the voting rules."))
    if quorum_percent is None or not 1 <= int(quorum_percent) <= 99:
        raise VoteRefused(_l("The quorum is a percentage between 1 and 99."), field="quorum_percent")
    if majority_rule not in MAJORITY_RULES:
        raise VoteRefused(_l("Choose one of the majority rules."), field="majority_rule")
    if open_vote_of_territory(body.territory_id) is not None:
        raise VoteRefused(_l("A vote is open: the rules can change once it is closed or cancelled."))
    rules = db.session.execute(sa.select(VoteRules).where(VoteRules.body_id == body.id)).scalar_one_or_none()
    created = rules is None
    before = {} if created else audit.snapshot(rules, ("quorum_percent", "majority_rule", "chair_breaks_tie"))
    if created:
        rules = VoteRules(body_id=body.id)
        db.session.add(rules)
    rules.quorum_percent = int(quorum_percent)
    rules.majority_rule = majority_rule
    rules.chair_breaks_tie = bool(chair_breaks_tie)
    db.session.flush()
    audit.record(actor, "create" if created else "update", rules, before,
                 audit.snapshot(rules, ("quorum_percent", "majority_rule", "chair_breaks_tie")),
                 label=str(_l("Voting rules of the committee")), territory_id=body.territory_id)
    db.session.commit()
    return rules


# --- ballots -------------------------------------------------------------------------------------

def _refuse(message, field: str | None = None):
    db.session.rollback()
    raise VoteRefused(message, field=field)


def cast_ballot(actor, vote: ProjectVote, choice: str, comment: str = "", *, seat_id: int | None = None) -> Ballot:
    """Record ``actor``'s ballot on ``vote`` (approve, reject or abstain, with an optional comment).

    A member votes for their own seat, once, even when ``seat_id`` names it; the chair may also
    record the paper ballot of a member without an account (``seat_id``). Each seat votes once:
    the unique seat of a ballot makes a second one fail even from another connection at the
    same moment.
    """
    if choice not in BALLOT_CHOICES:
        raise VoteRefused(_l("Choose approve, reject or abstain."), field="choice")
    # Lock the vote row: closing the vote waits for ballots being cast, and they wait for it.
    row = db.session.execute(
        sa.select(ProjectVote.state, TerritoryProject.status, TerritoryProject.territory_id)
        .join(TerritoryProject, TerritoryProject.id == ProjectVote.project_id)
        .where(ProjectVote.id == vote.id).with_for_update(of=ProjectVote)).one()
    if row.state != "open" or row.status != "voting":
        _refuse(_l("This vote is closed: no ballot can be cast any more."))
    seat = None
    if seat_id is not None:
        seat = db.session.execute(sa.select(VoteSeat).where(
            VoteSeat.vote_id == vote.id, VoteSeat.id == seat_id)).scalar_one_or_none()
        if seat is None:
            _refuse(_l("This seat is not part of this vote."), field="seat_id")
        if seat.user_id != actor.id:
            if seat.user_id is not None:
                _refuse(_l("This member has an account and casts their own ballot."), field="seat_id")
            if not is_committee_chair(actor, row.territory_id):
                _refuse(_l("Only the chair records the ballot of a member voting on paper."), field="seat_id")
    own = seat is None or seat.user_id == actor.id
    already = _l("You have already voted.") if own else _l("This member has already voted.")
    if own:
        # A person votes once, whichever of their seats is named (a vote opened before seats were
        # limited to one per account may give them several).
        seats = list(db.session.execute(sa.select(VoteSeat).where(
            VoteSeat.vote_id == vote.id, VoteSeat.user_id == actor.id)
            .order_by(VoteSeat.is_chair.desc(), VoteSeat.id)).scalars())
        if not seats:
            _refuse(_l("You have no seat in this vote: only the committee's voting members vote."))
        if db.session.execute(sa.select(Ballot.id).where(
                Ballot.seat_id.in_([s.id for s in seats]))).first() is not None:
            _refuse(already)
        seat = seat or seats[0]
    elif db.session.execute(sa.select(Ballot.id).where(Ballot.seat_id == seat.id)).first() is not None:
        _refuse(already)
    ballot = Ballot(vote_id=vote.id, seat_id=seat.id, choice=choice, comment=(comment or "").strip(),
                    recorded_by_id=actor.id)
    db.session.add(ballot)
    try:
        db.session.flush()
    except IntegrityError:
        _refuse(already)
    audit.record(actor, "vote", ballot, {}, {"choice": choice, "seat": seat.full_name,
                                             "on_paper": not own},
                 label=seat.full_name, territory_id=row.territory_id)
    db.session.commit()
    return ballot
