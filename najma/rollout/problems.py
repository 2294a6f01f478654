"""The site problems log: any body of a territory (its antenna, permanent commission or local
committee) raises a problem met on the ground; the national steering committee proposes a
solution, closes the problem, and may reopen it with a reason.

Open problems (and those with a solution proposed but not yet closed) age on the steering
dashboard. Every write is one transaction with its audit event and its notifications: the
steering committee hears of each problem raised, the raiser and the territory's delegate of
each solution proposed. The solution is saved by compare-and-set on ``lock_version``, so two
steering members answering at once cannot overwrite each other silently.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy import orm

from najma import audit
from najma.audit import AuditEvent
from najma.auth.models import RoleAssignment, User
from najma.errors import DomainError, StaleEditError
from najma.extensions import db
from najma.governance.models import Body
from najma.models_base import utcnow
from najma.notifications import services as notifications
from najma.reference.models import Chantier
from najma.rollout.models import SiteProblem
from najma.territories.models import Territory
from najma.vocab import PROBLEM_SEVERITIES, PROBLEM_STATUSES

#: The columns the audit log keeps before and after each write.
PROBLEM_FIELDS = ("territory_id", "body_id", "chantier_id", "severity", "title", "description", "status",
                  "solution", "solution_by_id", "solution_at", "closed_at", "closed_by_id")
#: The bodies of a territory that may raise a problem, in the order the form offers them.
RAISING_BODY_KINDS = ("antenna", "commission", "committee")
#: The body a user sits on, from the role that seat gives (the delegate chairs the committee).
_BODY_OF_ROLE = (("antenna_staff", "antenna"), ("commission_member", "commission"),
                 ("committee_member", "committee"), ("delegate", "committee"))
#: Problems not closed yet: the ones that age on the dashboard.
UNRESOLVED = ("open", "solution_proposed")
#: Severities from the most to the least serious.
SEVERITY_ORDER = ("blocking", "high", "medium", "low")
#: Ages (days) beyond which an unresolved problem is flagged, then flagged as late.
AGE_WARNING_DAYS, AGE_DANGER_DAYS = 30, 60
MAX_TITLE = 200
MAX_TEXT = 50_000
MAX_REASON = 20_000
PER_PAGE = 50


@dataclass
class ProblemData:
    """What the raise form carries."""

    body_id: int | None
    title: str
    severity: str = "medium"
    description: str = ""
    chantier_id: int | None = None


class SolutionConflict(StaleEditError):
    """A solution written from an older version of the problem: carries the text typed
    (``mine``) and the solution saved meanwhile (``current``)."""


@dataclass
class ProblemRow:
    """A problem with what its lines show: territory, raising body, chantier, the raiser's
    name, and its age in days (until today while unresolved, until it was closed otherwise)."""

    problem: SiteProblem
    territory: Territory
    body: Body | None = None
    chantier: Chantier | None = None
    raised_by_name: str = ""
    age_days: int = 0

    @property
    def unresolved(self) -> bool:
        return self.problem.status in UNRESOLVED

    @property
    def age_level(self) -> str:
        """``danger`` beyond 60 days unresolved, ``warning`` beyond 30, ``""`` otherwise."""
        if not self.unresolved:
            return ""
        if self.age_days > AGE_DANGER_DAYS:
            return "danger"
        if self.age_days > AGE_WARNING_DAYS:
            return "warning"
        return ""


@dataclass
class Filters:
    """What the national list shows: a status (``unresolved`` by default, ``all``, or one
    status), a severity, a territory, a chantier, the order and the page."""

    status: str = "unresolved"
    severity: str = ""
    territory_id: int | None = None
    chantier_id: int | None = None
    sort: str = "age"
    page: int = 1


#: The national list's orders: oldest first, newest first, most severe first (then oldest).
SORTS = ("age", "recent", "severity")
#: The national list's status filter: the statuses, plus every unresolved one and all of them.
STATUS_FILTERS = ("unresolved", "all", *PROBLEM_STATUSES)


@dataclass
class Pages:
    """The pagination the shared ``pagination`` macro reads."""

    page: int
    pages: int
    total: int

    def iter_pages(self, left_edge=2, left_current=2, right_current=4, right_edge=2):
        """Page numbers to link, ``None`` for a gap."""
        last = 0
        for number in range(1, self.pages + 1):
            if (number <= left_edge or number > self.pages - right_edge
                    or self.page - left_current - 1 < number < self.page + right_current):
                if last + 1 != number:
                    yield None
                yield number
                last = number


@dataclass
class NationalPage:
    """One page of the national list, with the counts of unresolved problems by severity."""

    filters: Filters
    rows: list[ProblemRow]
    page: Pages
    severity_counts: dict[str, int] = field(default_factory=dict)


# --- reading -------------------------------------------------------------------------------------

def _age_days(problem: SiteProblem, now: datetime) -> int:
    end = problem.closed_at if (problem.status == "closed" and problem.closed_at) else now
    return max((end - problem.raised_at).days, 0)


def _rows_query():
    """Problems with their territory, body, chantier and raiser: one query, whatever their number."""
    return (sa.select(SiteProblem, Territory, Body, Chantier, User.full_name)
            .join(Territory, Territory.id == SiteProblem.territory_id)
            .outerjoin(Body, Body.id == SiteProblem.body_id)
            .outerjoin(Chantier, Chantier.id == SiteProblem.chantier_id)
            .outerjoin(User, User.id == SiteProblem.raised_by_id))


def _rows(query) -> list[ProblemRow]:
    now = utcnow()
    return [ProblemRow(problem=p, territory=t, body=b, chantier=c, raised_by_name=name or "",
                       age_days=_age_days(p, now))
            for p, t, b, c, name in db.session.execute(query).all()]


def _severity_rank():
    return sa.case({code: rank for rank, code in enumerate(SEVERITY_ORDER)}, value=SiteProblem.severity,
                   else_=len(SEVERITY_ORDER))


def open_problems(limit: int | None = None) -> list[ProblemRow]:
    """Problems not closed (open or with a solution proposed), oldest first, each with its
    age in days, territory, body, chantier and raiser (one query); at most ``limit``."""
    query = (_rows_query().where(SiteProblem.status.in_(UNRESOLVED))
             .order_by(SiteProblem.raised_at, SiteProblem.id))
    if limit is not None:
        query = query.limit(limit)
    return _rows(query)


def counts_by_severity(statuses: tuple[str, ...] = UNRESOLVED) -> dict[str, int]:
    """How many problems at ``statuses`` (unresolved by default) there are of each severity
    (every severity present, from the most serious)."""
    counts = dict.fromkeys(SEVERITY_ORDER, 0)
    counts.update(dict(db.session.execute(
        sa.select(SiteProblem.severity, sa.func.count()).where(SiteProblem.status.in_(statuses))
        .group_by(SiteProblem.severity)).all()))
    return counts


def territory_problems(territory: Territory) -> list[ProblemRow]:
    """The territory's problems: unresolved ones first, oldest first, then closed ones, most
    recently closed first (one query)."""
    closed = sa.case((SiteProblem.status == "closed", 1), else_=0)
    return _rows(_rows_query().where(SiteProblem.territory_id == territory.id).order_by(
        closed, sa.case((SiteProblem.status == "closed", SiteProblem.closed_at), else_=None).desc(),
        SiteProblem.raised_at, SiteProblem.id))


def _filtered(query, filters: Filters):
    if filters.status == "unresolved":
        query = query.where(SiteProblem.status.in_(UNRESOLVED))
    elif filters.status in PROBLEM_STATUSES:
        query = query.where(SiteProblem.status == filters.status)
    if filters.severity in PROBLEM_SEVERITIES:
        query = query.where(SiteProblem.severity == filters.severity)
    if filters.territory_id:
        query = query.where(SiteProblem.territory_id == filters.territory_id)
    if filters.chantier_id:
        query = query.where(SiteProblem.chantier_id == filters.chantier_id)
    return query


def national_page(filters: Filters) -> NationalPage:
    """One page of the national list after ``filters``, in three queries whatever the number of
    problems: the count, the page's rows, the unresolved counts by severity."""
    total = db.session.execute(_filtered(sa.select(sa.func.count()).select_from(SiteProblem), filters)).scalar_one()
    pages = max((total + PER_PAGE - 1) // PER_PAGE, 1)
    page = min(max(filters.page, 1), pages)
    filters.page = page
    if filters.sort == "recent":
        order = (SiteProblem.raised_at.desc(), SiteProblem.id.desc())
    elif filters.sort == "severity":
        order = (_severity_rank(), SiteProblem.raised_at, SiteProblem.id)
    else:
        order = (SiteProblem.raised_at, SiteProblem.id)
    rows = _rows(_filtered(_rows_query(), filters).order_by(*order).limit(PER_PAGE).offset((page - 1) * PER_PAGE))
    return NationalPage(filters=filters, rows=rows, page=Pages(page=page, pages=pages, total=total),
                        severity_counts=counts_by_severity())


def load_problem(problem_id: int) -> ProblemRow | None:
    """The problem with its territory, body, chantier and raiser (one query), or None."""
    rows = _rows(_rows_query().where(SiteProblem.id == problem_id).execution_options(populate_existing=True))
    return rows[0] if rows else None


def problem_history(problem: SiteProblem) -> list[AuditEvent]:
    """The problem's audit events, oldest first, with who did them (one query)."""
    return list(db.session.execute(
        sa.select(AuditEvent).where(AuditEvent.object_type == "SiteProblem", AuditEvent.object_id == str(problem.id))
        .options(orm.joinedload(AuditEvent.actor)).order_by(AuditEvent.at, AuditEvent.id)).scalars())


def raising_bodies(territory: Territory) -> list[Body]:
    """The territory's bodies that may raise a problem: antenna, commission, committee."""
    bodies = {body.kind: body for body in db.session.execute(
        sa.select(Body).where(Body.territory_id == territory.id, Body.kind.in_(RAISING_BODY_KINDS))).scalars()}
    return [bodies[kind] for kind in RAISING_BODY_KINDS if kind in bodies]


def default_body_id(user, territory: Territory, bodies: list[Body]) -> int | None:
    """The body ``user`` sits on among ``bodies`` (antenna first), to preselect on the form."""
    by_kind = {body.kind: body.id for body in bodies}
    for role, kind in _BODY_OF_ROLE:
        if kind in by_kind and user.has_role(role, territory_id=territory.id):
            return by_kind[kind]
    return None


# --- writing -------------------------------------------------------------------------------------

def _as_data(data: ProblemData | Mapping) -> ProblemData:
    """Accept the dataclass or a mapping with the same keys (missing keys take their defaults)."""
    if isinstance(data, ProblemData):
        return data
    known = {f.name for f in fields(ProblemData)}
    values = {key: value for key, value in data.items() if key in known and value is not None}
    values.setdefault("body_id", None)
    values.setdefault("title", "")
    return ProblemData(**values)


def _optional_id(value, message, field_name: str) -> int | None:
    if value in (None, "", 0):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise DomainError(message, field=field_name) from None


def _validate(territory: Territory, data: ProblemData) -> None:
    """Check the raise form's fields (the body must be one of the territory's)."""
    data.title = (data.title or "").strip()
    if not data.title:
        raise DomainError(_l("A problem needs a title."), field="title")
    if len(data.title) > MAX_TITLE:
        raise DomainError(_l("The title is limited to 200 characters."), field="title")
    data.description = data.description or ""
    if len(data.description) > MAX_TEXT:
        raise DomainError(_l("The description is limited to 50,000 characters."), field="description")
    if data.severity not in PROBLEM_SEVERITIES:
        raise DomainError(_l("Choose a severity."), field="severity")
    refusal = _l("Choose the body raising the problem among this territory's antenna, commission and committee.")
    data.body_id = _optional_id(data.body_id, refusal, "body_id")
    if data.body_id is None or data.body_id not in {body.id for body in raising_bodies(territory)}:
        raise DomainError(refusal, field="body_id")
    data.chantier_id = _optional_id(data.chantier_id, _l("Unknown chantier."), "chantier_id")
    if data.chantier_id is not None and db.session.get(Chantier, data.chantier_id) is None:
        raise DomainError(_l("Unknown chantier."), field="chantier_id")


def _active_ids(user_ids) -> list[int]:
    ids = {i for i in user_ids if i is not None}
    if not ids:
        return []
    return sorted(db.session.execute(sa.select(User.id).where(User.id.in_(ids), User.active.is_(True))).scalars())


def _notify(user_ids, actor, kind: str, problem: SiteProblem, territory_name: str) -> list[int]:
    """Notify the active accounts among ``user_ids`` (never the actor of their own step)."""
    me = getattr(actor, "id", None)
    recipients = [i for i in _active_ids(user_ids) if i != me]
    params = {"territory": territory_name, "title": problem.title, "severity": problem.severity}
    for user_id in recipients:
        notifications.notify(user_id, kind, params, problem_url(problem.id))
    return recipients


def problem_url(problem_id: int) -> str:
    """The path of the problem page (built without a request, for notifications)."""
    return f"/rollout/problems/{problem_id}"


def steering_members() -> set[int]:
    """Accounts holding the steering role."""
    return set(db.session.execute(sa.select(RoleAssignment.user_id).where(RoleAssignment.role == "steering")).scalars())


def delegates(territory_id: int) -> set[int]:
    """Accounts holding the delegate role on the territory."""
    return set(db.session.execute(sa.select(RoleAssignment.user_id).where(
        RoleAssignment.territory_id == territory_id, RoleAssignment.role == "delegate")).scalars())


def raise_problem(actor, territory: Territory, data: ProblemData | Mapping, *, is_demo: bool = False,
                  raised_at: datetime | None = None) -> SiteProblem:
    """Record a problem raised on ``territory`` by one of its bodies, and tell the steering
    committee. ``raised_at`` dates a problem recorded afterwards (demo data); now by default."""
    data = _as_data(data)
    _validate(territory, data)
    problem = SiteProblem(territory_id=territory.id, body_id=data.body_id, chantier_id=data.chantier_id,
                          severity=data.severity, title=data.title, description=data.description, status="open",
                          raised_by_id=getattr(actor, "id", None), raised_at=raised_at or utcnow(),
                          lock_version=1, is_demo=is_demo)
    db.session.add(problem)
    db.session.flush()
    audit.record(actor, "create", problem, {}, audit.snapshot(problem, PROBLEM_FIELDS))
    _notify(steering_members(), actor, "problem_raised", problem, territory.name)
    db.session.commit()
    return problem


def _refuse_if_closed(problem: SiteProblem) -> None:
    if problem.status == "closed":
        raise DomainError(_l("This problem is closed: reopen it first."))


def propose_solution(actor, problem: SiteProblem, solution: str, base_lock_version: int) -> SiteProblem:
    """Record the steering committee's proposed solution (Markdown), written from version
    ``base_lock_version``; tell the raiser and the territory's delegate.

    If someone saved since, nothing is written and :class:`SolutionConflict` carries both texts.
    """
    _refuse_if_closed(problem)
    solution = (solution or "").strip()
    if not solution:
        raise DomainError(_l("Write the proposed solution."), field="solution")
    if len(solution) > MAX_TEXT:
        raise DomainError(_l("The solution is limited to 50,000 characters."), field="solution")
    if base_lock_version != problem.lock_version:
        raise SolutionConflict(mine=solution, current=problem.solution, current_version=problem.lock_version)
    before = audit.snapshot(problem, PROBLEM_FIELDS)
    now = utcnow()
    result = db.session.execute(
        sa.update(SiteProblem).where(SiteProblem.id == problem.id, SiteProblem.lock_version == base_lock_version,
                                     SiteProblem.status != "closed")
        .values(lock_version=base_lock_version + 1, updated_at=now).execution_options(synchronize_session=False))
    if result.rowcount != 1:
        db.session.rollback()
        db.session.refresh(problem)
        _refuse_if_closed(problem)
        raise SolutionConflict(mine=solution, current=problem.solution, current_version=problem.lock_version)
    db.session.refresh(problem, ["lock_version", "updated_at"])
    problem.solution, problem.status = solution, "solution_proposed"
    problem.solution_by_id, problem.solution_at = getattr(actor, "id", None), now
    territory = db.session.get(Territory, problem.territory_id)
    audit.record(actor, "update", problem, before, audit.snapshot(problem, PROBLEM_FIELDS))
    _notify({problem.raised_by_id} | delegates(problem.territory_id), actor, "problem_answered", problem,
            territory.name)
    db.session.commit()
    return problem


def _change_status(actor, problem: SiteProblem, verb: str, expected: tuple[str, ...], values: dict,
                   reason_key: str, reason: str, refusal) -> SiteProblem:
    """Compare-and-set the problem's status from one of ``expected`` with ``values``, audited
    with ``reason`` kept under ``reason_key`` in the event's changes."""
    before = audit.snapshot(problem, PROBLEM_FIELDS)
    now = utcnow()
    result = db.session.execute(
        sa.update(SiteProblem).where(SiteProblem.id == problem.id, SiteProblem.status.in_(expected))
        .values(lock_version=SiteProblem.lock_version + 1, updated_at=now, **values)
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        db.session.rollback()
        raise DomainError(refusal)
    db.session.refresh(problem)
    after = audit.snapshot(problem, PROBLEM_FIELDS)
    if reason:
        after[reason_key] = reason
    audit.record(actor, verb, problem, before, after)
    db.session.commit()
    return problem


def close_problem(actor, problem: SiteProblem, note: str = "") -> SiteProblem:
    """Close the problem (from open or solution proposed), with an optional note kept in its history."""
    if problem.status == "closed":
        raise DomainError(_l("This problem is already closed."))
    note = (note or "").strip()
    if len(note) > MAX_REASON:
        raise DomainError(_l("The note is limited to 20,000 characters."), field="note")
    return _change_status(actor, problem, "close", UNRESOLVED,
                          {"status": "closed", "closed_at": utcnow(), "closed_by_id": getattr(actor, "id", None)},
                          "note", note, _l("Someone closed this problem meanwhile; look at it again."))


def reopen_problem(actor, problem: SiteProblem, reason: str) -> SiteProblem:
    """Put a closed problem back to open, with the reason; its closing stays in its history."""
    if problem.status != "closed":
        raise DomainError(_l("Only a closed problem can be reopened."))
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_l("Reopening a problem needs a reason."), field="reason")
    if len(reason) > MAX_REASON:
        raise DomainError(_l("The reason is limited to 20,000 characters."), field="reason")
    return _change_status(actor, problem, "reopen", ("closed",),
                          {"status": "open", "closed_at": None, "closed_by_id": None},
                          "reason", reason, _l("Someone reopened this problem meanwhile; look at it again."))
