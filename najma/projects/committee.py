"""The territory's local committee as the project workflow sees it: its chair, its voting
members today, and a member's seat in a vote.

The answers are looked up once per request (``flask.g``) because permission checks ask them
again for every button a page shows.
"""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask import g, has_request_context

from najma.extensions import db
from najma.governance.models import Body, Membership


def _cache() -> dict:
    if not has_request_context():
        return {}
    if "_najma_committee" not in g:
        g._najma_committee = {}
    return g._najma_committee


def committee_of(territory_id: int) -> Body | None:
    """The local institutional committee of the territory, if it has one."""
    return db.session.execute(sa.select(Body).where(
        Body.territory_id == territory_id, Body.kind == "committee")).scalar_one_or_none()


def _current(query, today: date):
    return query.where(Membership.start_date <= today,
                       sa.or_(Membership.end_date.is_(None), Membership.end_date >= today))


def chair_user_id(territory_id: int, today: date | None = None) -> int | None:
    """The account of the committee's current chair, or ``None`` (no chair, or a chair without
    an account)."""
    cache = _cache()
    key = ("chair", territory_id)
    if key not in cache:
        query = (sa.select(Membership.user_id).join(Body, Body.id == Membership.body_id)
                 .where(Body.territory_id == territory_id, Body.kind == "committee", Membership.role == "chair"))
        cache[key] = db.session.execute(_current(query, today or date.today()).limit(1)).scalar()
    return cache[key]


def voting_members(territory_id: int, today: date | None = None) -> list[Membership]:
    """The committee's voting members today, chair first, then by name."""
    query = (sa.select(Membership).join(Body, Body.id == Membership.body_id)
             .where(Body.territory_id == territory_id, Body.kind == "committee", Membership.voting.is_(True))
             .order_by(sa.case((Membership.role == "chair", 0), else_=1), Membership.full_name))
    return list(db.session.execute(_current(query, today or date.today())).scalars())


def seat_of(vote, user):
    """The seat ``user`` holds in ``vote`` (a ``VoteSeat``), or ``None``."""
    from najma.projects.models import VoteSeat

    cache = _cache()
    key = ("seat", vote.id, user.id)
    if key not in cache:
        # One seat per account since votes open that way; an older vote may hold two, the first counts.
        cache[key] = db.session.execute(sa.select(VoteSeat).where(
            VoteSeat.vote_id == vote.id, VoteSeat.user_id == user.id).order_by(VoteSeat.id).limit(1)).scalar()
    return cache[key]
