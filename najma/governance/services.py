"""Governance rules: body composition and its gaps, seats, meetings, minutes and decisions."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy import orm

from najma import audit
from najma.auth import services as auth_services
from najma.auth.models import RoleAssignment, User
from najma.errors import DomainError, StaleEditError
from najma.extensions import db
from najma.governance.models import Attendance, Body, Decision, Meeting, Membership
from najma.models_base import utcnow
from najma.permissions import MEMBERSHIP_ROLE
from najma.vocab import (ATTENDANCE, MEMBER_ROLES, RECOMMENDED_COMMITTEE_SECTORS,
                         REQUIRED_COMMITTEE_SECTORS, SECTORS, label)

MEMBERSHIP_FIELDS = ("full_name", "role", "sector", "organisation", "discipline", "voting",
                     "start_date", "end_date", "user_id")
MEETING_FIELDS = ("title", "starts_at", "place", "agenda")
_ROLE_ORDER = {"chair": 0, "secretary": 1, "member": 2}


@dataclass(frozen=True)
class Finding:
    """Something the programme expects of a body but is missing. ``level``: danger, warning, info."""

    level: str
    message: str


def get_steering_body() -> Body:
    """The national steering committee, created on first use."""
    body = db.session.execute(sa.select(Body).where(Body.kind == "steering")).scalar_one_or_none()
    if body is None:
        body = Body(kind="steering", territory_id=None)
        db.session.add(body)
        db.session.commit()
    return body


def current_members(body: Body, today: date) -> list[Membership]:
    """The seats held today, chair first, then secretary, then members by name (one query)."""
    rows = db.session.execute(
        sa.select(Membership)
        .where(Membership.body_id == body.id, Membership.start_date <= today,
               sa.or_(Membership.end_date.is_(None), Membership.end_date >= today))
    ).scalars().all()
    return sorted(rows, key=lambda m: (_ROLE_ORDER.get(m.role, 9), m.full_name.lower()))


def past_members(body: Body, today: date) -> list[Membership]:
    """Seats that ended before today or have not started yet, most recent first."""
    return list(db.session.execute(
        sa.select(Membership)
        .where(Membership.body_id == body.id,
               sa.or_(Membership.end_date < today, Membership.start_date > today))
        .order_by(Membership.start_date.desc())
    ).scalars())


def body_findings(body: Body, members: list[Membership]) -> list[Finding]:
    """What the programme expects of this body but its current composition lacks."""
    findings: list[Finding] = []
    if body.kind == "antenna":
        if len(members) < 2:
            findings.append(Finding("danger", str(_l(
                "The antenna has %(n)d staff; the programme expects two, of complementary disciplines.",
                n=len(members)))))
        disciplines = {m.discipline.strip().lower() for m in members if m.discipline.strip()}
        if any(not m.discipline.strip() for m in members):
            findings.append(Finding("warning", str(_l("Some staff have no discipline recorded."))))
        elif len(members) >= 2 and len(disciplines) < 2:
            findings.append(Finding("warning", str(_l(
                "All staff share one discipline; the programme expects complementary disciplines."))))
        return findings
    if not members:
        findings.append(Finding("danger", str(_l("This body has no current member."))))
    if body.kind in ("committee", "steering") and not any(m.role == "chair" for m in members):
        message = (_l("The committee has no chair; the provincial delegate of Entraide Nationale chairs it.")
                   if body.kind == "committee" else _l("The steering committee has no chair."))
        findings.append(Finding("danger", str(message)))
    if body.kind == "committee":
        represented = {m.sector for m in members}
        for sector in REQUIRED_COMMITTEE_SECTORS:
            if sector not in represented:
                findings.append(Finding("danger", str(_l("Required sector not represented: %(sector)s.",
                                                         sector=label(SECTORS, sector)))))
        for sector in RECOMMENDED_COMMITTEE_SECTORS:
            if sector not in represented:
                findings.append(Finding("info", str(_l(
                    "Where possible, the programme also invites: %(sector)s.", sector=label(SECTORS, sector)))))
        if members and not any(m.voting for m in members):
            findings.append(Finding("warning", str(_l("No member of the committee has a vote."))))
    return findings


def _clean_membership(body: Body, data: dict, current_id: int | None = None) -> dict:
    data = {key: data.get(key) for key in MEMBERSHIP_FIELDS}
    data["full_name"] = (data.get("full_name") or "").strip()
    data["organisation"] = (data.get("organisation") or "").strip()
    data["discipline"] = (data.get("discipline") or "").strip()
    data["sector"] = data.get("sector") or None
    data["voting"] = bool(data.get("voting")) and body.kind != "antenna"
    user = db.session.get(User, data["user_id"]) if data.get("user_id") else None
    if data.get("user_id") and user is None:
        raise DomainError(_l("Unknown user account."), field="account_email")
    if not data["full_name"] and user is not None:
        data["full_name"] = user.full_name
    if not data["full_name"]:
        raise DomainError(_l("Give the member's name or link a user account."), field="full_name")
    if data.get("role") not in MEMBER_ROLES:
        raise DomainError(_l("Choose chair, secretary or member."), field="role")
    if data["sector"] is not None and data["sector"] not in SECTORS:
        raise DomainError(_l("Unknown sector."), field="sector")
    if body.kind == "committee" and data["sector"] is None:
        raise DomainError(_l("A committee member represents a sector: choose one."), field="sector")
    if body.kind == "antenna" and not data["discipline"]:
        raise DomainError(_l("Give the staff member's discipline."), field="discipline")
    if not isinstance(data.get("start_date"), date):
        raise DomainError(_l("Give the date the seat starts."), field="start_date")
    if data.get("end_date") is not None and data["end_date"] < data["start_date"]:
        raise DomainError(_l("The end date comes before the start date."), field="end_date")
    if data["role"] == "chair":
        _refuse_second_chair(body, data, current_id)
    return data


def _refuse_second_chair(body: Body, data: dict, current_id: int | None) -> None:
    """Two chairs may not overlap in time on one body."""
    start, end = data["start_date"], data.get("end_date") or date.max
    query = sa.select(Membership).where(Membership.body_id == body.id, Membership.role == "chair",
                                        Membership.start_date <= end,
                                        sa.or_(Membership.end_date.is_(None), Membership.end_date >= start))
    if current_id is not None:
        query = query.where(Membership.id != current_id)
    other = db.session.execute(query).scalars().first()
    if other is not None:
        raise DomainError(_l("%(name)s already chairs this body over these dates; end that seat first.",
                             name=other.full_name), field="role")


def _sync_membership_roles(actor, membership: Membership, body: Body) -> None:
    """Keep the roles a seat gives its linked user in step with the seat."""
    existing = db.session.execute(
        sa.select(RoleAssignment).where(RoleAssignment.membership_id == membership.id)).scalars().all()
    wanted: set[str] = set()
    if membership.user_id is not None and membership.is_current(date.today()):
        wanted.add(MEMBERSHIP_ROLE[body.kind])
        if body.kind == "committee" and membership.role == "chair":
            wanted.add("delegate")
    for grant in existing:
        if grant.role not in wanted or grant.user_id != membership.user_id:
            auth_services.revoke_role(actor, grant, commit=False)
        else:
            wanted.discard(grant.role)
    if wanted:
        user = db.session.get(User, membership.user_id)
        for role in sorted(wanted):
            auth_services.grant_role(actor, user, role, territory_id=body.territory_id,
                                     membership_id=membership.id, commit=False)


def add_member(actor, body: Body, data: dict) -> Membership:
    """Seat someone on a body; a linked user account receives the role the seat gives."""
    clean = _clean_membership(body, data)
    membership = Membership(body_id=body.id, **clean)
    db.session.add(membership)
    db.session.flush()
    _sync_membership_roles(actor, membership, body)
    audit.record(actor, "create", membership, {}, audit.snapshot(membership),
                 territory_id=body.territory_id)
    db.session.commit()
    return membership


def update_member(actor, membership: Membership, data: dict) -> Membership:
    """Change a seat (role, sector, dates...), keeping the linked user's roles in step."""
    body = membership.body
    clean = _clean_membership(body, data, current_id=membership.id)
    before = audit.snapshot(membership)
    for key, value in clean.items():
        setattr(membership, key, value)
    db.session.flush()
    _sync_membership_roles(actor, membership, body)
    audit.record(actor, "update", membership, before, audit.snapshot(membership),
                 territory_id=body.territory_id)
    db.session.commit()
    return membership


def end_membership(actor, membership: Membership, end_date: date) -> Membership:
    """End a seat on ``end_date``; the history stays, the role it gave is withdrawn."""
    if end_date < membership.start_date:
        raise DomainError(_l("The end date comes before the start date."), field="end_date")
    before = audit.snapshot(membership)
    membership.end_date = end_date
    db.session.flush()
    _sync_membership_roles(actor, membership, membership.body)
    audit.record(actor, "update", membership, before, audit.snapshot(membership),
                 territory_id=membership.body.territory_id)
    db.session.commit()
    return membership


def create_meeting(actor, body: Body, data: dict) -> Meeting:
    """Schedule a meeting of ``body``."""
    title = (data.get("title") or "").strip()
    if not title:
        raise DomainError(_l("Give the meeting a title."), field="title")
    if not isinstance(data.get("starts_at"), datetime):
        raise DomainError(_l("Give the date and time of the meeting."), field="starts_at")
    meeting = Meeting(body_id=body.id, title=title, starts_at=data["starts_at"],
                      place=(data.get("place") or "").strip(), agenda=data.get("agenda") or "",
                      created_by_id=getattr(actor, "id", None))
    db.session.add(meeting)
    db.session.flush()
    audit.record(actor, "create", meeting, {}, audit.snapshot(meeting), territory_id=body.territory_id)
    db.session.commit()
    return meeting


def _refuse_if_locked(meeting: Meeting) -> None:
    if meeting.is_locked:
        raise DomainError(_l("These minutes are adopted and locked; they can no longer change."))


def update_meeting(actor, meeting: Meeting, data: dict) -> Meeting:
    """Change a meeting's title, date, place or agenda (not once its minutes are adopted)."""
    _refuse_if_locked(meeting)
    title = (data.get("title") or "").strip()
    if not title:
        raise DomainError(_l("Give the meeting a title."), field="title")
    if not isinstance(data.get("starts_at"), datetime):
        raise DomainError(_l("Give the date and time of the meeting."), field="starts_at")
    before = audit.snapshot(meeting)
    meeting.title, meeting.starts_at = title, data["starts_at"]
    meeting.place, meeting.agenda = (data.get("place") or "").strip(), data.get("agenda") or ""
    audit.record(actor, "update", meeting, before, audit.snapshot(meeting),
                 territory_id=meeting.body.territory_id)
    db.session.commit()
    return meeting


def save_minutes(actor, meeting: Meeting, minutes: str, base_version: int) -> Meeting:
    """Save the minutes unless someone saved since ``base_version`` (then StaleEditError)."""
    _refuse_if_locked(meeting)
    if base_version != meeting.version:
        raise StaleEditError(mine=minutes, current=meeting.minutes, current_version=meeting.version)
    before = audit.snapshot(meeting)
    # Compare-and-set in the database too, so two simultaneous requests cannot both win.
    result = db.session.execute(
        sa.update(Meeting).where(Meeting.id == meeting.id, Meeting.version == base_version)
        .values(minutes=minutes, version=base_version + 1, updated_at=utcnow())
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        db.session.rollback()
        db.session.refresh(meeting)
        raise StaleEditError(mine=minutes, current=meeting.minutes, current_version=meeting.version)
    db.session.refresh(meeting)
    audit.record(actor, "update", meeting, before, audit.snapshot(meeting),
                 territory_id=meeting.body.territory_id)
    db.session.commit()
    return meeting


def set_attendance(actor, meeting: Meeting, statuses: dict[int, str]) -> None:
    """Record who attended: ``{membership_id: present|excused|absent}`` for the body's seats."""
    _refuse_if_locked(meeting)
    seat_ids = set(db.session.execute(
        sa.select(Membership.id).where(Membership.body_id == meeting.body_id)).scalars())
    for membership_id, status in statuses.items():
        if membership_id not in seat_ids:
            raise DomainError(_l("This person does not sit on this body."))
        if status not in ATTENDANCE:
            raise DomainError(_l("Unknown attendance status."))
    existing = {a.membership_id: a for a in meeting.attendance}
    before = {str(k): a.status for k, a in existing.items()}
    for membership_id, status in statuses.items():
        if membership_id in existing:
            existing[membership_id].status = status
        else:
            meeting.attendance.append(Attendance(membership_id=membership_id, status=status))
    after = {**before, **{str(k): v for k, v in statuses.items()}}
    audit.record(actor, "attendance", meeting, before, after, territory_id=meeting.body.territory_id)
    db.session.commit()


def add_decision(actor, meeting: Meeting, text: str) -> Decision:
    """Record a decision taken in the meeting."""
    _refuse_if_locked(meeting)
    text = (text or "").strip()
    if not text:
        raise DomainError(_l("Write the decision."), field="text")
    position = max((d.position for d in meeting.decisions), default=0) + 1
    decision = Decision(meeting=meeting, position=position, text=text)
    db.session.add(decision)
    db.session.flush()
    audit.record(actor, "create", decision, {}, audit.snapshot(decision), label=text[:80],
                 territory_id=meeting.body.territory_id)
    db.session.commit()
    return decision


def delete_decision(actor, decision: Decision) -> None:
    """Remove a decision from draft minutes (kept in the audit log)."""
    meeting = decision.meeting
    _refuse_if_locked(meeting)
    audit.record(actor, "delete", decision, audit.snapshot(decision), {}, label=decision.text[:80],
                 territory_id=meeting.body.territory_id)
    db.session.delete(decision)
    db.session.commit()


def adopt_minutes(actor, meeting: Meeting) -> Meeting:
    """Adopt the minutes: they are locked from then on. Empty minutes cannot be adopted."""
    _refuse_if_locked(meeting)
    if not meeting.minutes.strip():
        raise DomainError(_l("Write the minutes before adopting them."))
    if meeting.starts_at > utcnow():
        raise DomainError(_l("Minutes cannot be adopted before the meeting has taken place."))
    before = audit.snapshot(meeting)
    meeting.minutes_status = "adopted"
    meeting.adopted_at = utcnow()
    meeting.adopted_by_id = getattr(actor, "id", None)
    audit.record(actor, "adopt", meeting, before, audit.snapshot(meeting),
                 territory_id=meeting.body.territory_id)
    db.session.commit()
    return meeting


def list_meetings(body: Body, page: int = 1, per_page: int = 20):
    """The body's meetings, most recent first, paginated."""
    query = sa.select(Meeting).where(Meeting.body_id == body.id).order_by(Meeting.starts_at.desc())
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def meeting_attendance(meeting: Meeting) -> list[tuple[Membership, str | None]]:
    """Every seat of the body that was current on the meeting day, with its recorded status."""
    day = meeting.starts_at.date()
    seats = db.session.execute(
        sa.select(Membership).where(Membership.body_id == meeting.body_id)
    ).scalars().all()
    recorded = {a.membership_id: a.status for a in meeting.attendance}
    rows = [(m, recorded.get(m.id)) for m in seats if m.is_current(day) or m.id in recorded]
    return sorted(rows, key=lambda row: (_ROLE_ORDER.get(row[0].role, 9), row[0].full_name.lower()))


def _user_body_filter(user: User):
    """SQL condition: meetings of the bodies on which ``user`` holds a seat or a scoped role."""
    territory_ids = user.territory_ids()
    today = date.today()
    seated = sa.select(Membership.body_id).where(
        Membership.user_id == user.id, Membership.start_date <= today,
        sa.or_(Membership.end_date.is_(None), Membership.end_date >= today))
    condition = Meeting.body_id.in_(seated)
    if territory_ids:
        condition = sa.or_(condition, Body.territory_id.in_(territory_ids))
    if user.has_role("steering"):
        condition = sa.or_(condition, Body.kind == "steering")
    return condition


def upcoming_meetings_for(user: User, limit: int = 10) -> list[Meeting]:
    """The next meetings of the user's bodies and territories."""
    return list(db.session.execute(
        sa.select(Meeting).join(Meeting.body).where(_user_body_filter(user), Meeting.starts_at >= utcnow())
        .order_by(Meeting.starts_at).limit(limit)
    ).scalars())


def minutes_awaiting(user: User, limit: int = 10) -> list[Meeting]:
    """Past meetings of the user's bodies whose minutes are still drafts."""
    return list(db.session.execute(
        sa.select(Meeting).join(Meeting.body)
        .where(_user_body_filter(user), Meeting.starts_at < utcnow(), Meeting.minutes_status == "draft")
        .order_by(Meeting.starts_at).limit(limit)
    ).scalars())


def user_memberships(user: User, today: date) -> list[Membership]:
    """The seats ``user`` holds today, with their bodies."""
    return list(db.session.execute(
        sa.select(Membership).options(orm.joinedload(Membership.body))
        .where(Membership.user_id == user.id, Membership.start_date <= today,
               sa.or_(Membership.end_date.is_(None), Membership.end_date >= today))
    ).scalars())


def member_counts(body_ids: list[int], today: date) -> dict[int, int]:
    """Current seat counts for several bodies in one query."""
    if not body_ids:
        return {}
    rows = db.session.execute(
        sa.select(Membership.body_id, sa.func.count())
        .where(Membership.body_id.in_(body_ids), Membership.start_date <= today,
               sa.or_(Membership.end_date.is_(None), Membership.end_date >= today))
        .group_by(Membership.body_id)).all()
    counts = dict.fromkeys(body_ids, 0)
    counts.update(dict(rows))
    return counts


def governance_overview(territory_ids: list[int], today: date
                        ) -> dict[int, list[tuple[Body, list[Membership], list[Finding]]]]:
    """For several territories: each body with its current members and findings (two queries)."""
    order = {"antenna": 0, "commission": 1, "committee": 2}
    bodies = sorted(db.session.execute(sa.select(Body).where(Body.territory_id.in_(territory_ids))).scalars(),
                    key=lambda b: (b.territory_id, order.get(b.kind, 9)))
    seats = db.session.execute(
        sa.select(Membership).where(Membership.body_id.in_([b.id for b in bodies]),
                                    Membership.start_date <= today,
                                    sa.or_(Membership.end_date.is_(None), Membership.end_date >= today))
    ).scalars().all() if bodies else []
    by_body: dict[int, list[Membership]] = {b.id: [] for b in bodies}
    for seat in seats:
        by_body[seat.body_id].append(seat)
    overview: dict[int, list] = {tid: [] for tid in territory_ids}
    for body in bodies:
        members = sorted(by_body[body.id], key=lambda m: (_ROLE_ORDER.get(m.role, 9), m.full_name.lower()))
        overview[body.territory_id].append((body, members, body_findings(body, members)))
    return overview


def territory_governance(territory_id: int, today: date) -> list[tuple[Body, list[Membership], list[Finding]]]:
    """Each body of one territory with its current members and findings."""
    return governance_overview([territory_id], today)[territory_id]


def territory_meetings(territory_id: int, *, upcoming: bool, limit: int = 5) -> list[Meeting]:
    """The next (or latest past) meetings of a territory's bodies."""
    now = utcnow()
    query = sa.select(Meeting).join(Meeting.body).where(Body.territory_id == territory_id)
    if upcoming:
        query = query.where(Meeting.starts_at >= now).order_by(Meeting.starts_at)
    else:
        query = query.where(Meeting.starts_at < now).order_by(Meeting.starts_at.desc())
    return list(db.session.execute(query.limit(limit)).scalars())
