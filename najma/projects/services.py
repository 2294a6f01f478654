"""The territory project's content: creating the project from retained paths, editing its newest
version (title, context, objectives, actions) while it is a draft, the concurrent-edit check,
opening a new version and freezing the old one, the completeness check before submission, and
the committee's comments section by section.

Every write is one transaction with its audit event, except :func:`open_new_version` and
:func:`freeze_version`, which the workflow calls inside its own transition.
"""
from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import date
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy import orm

from najma import audit
from najma.actors.models import Actor
from najma.errors import DomainError, StaleEditError
from najma.extensions import db
from najma.models_base import utcnow
from najma.projects.models import (ActionBeneficiaries, BudgetLine, ProjectAction, ProjectComment, ProjectVersion,
                                   TerritoryProject, action_partners)
from najma.reference.models import Chantier, TargetGroup
from najma.research.models import InterventionPath, PathEvidence
from najma.research.paths import retained_paths
from najma.territories.models import Territory
from najma.vocab import PROJECT_SECTIONS, PROJECT_STATUSES, SEXES, label

MAX_TITLE = 200
MAX_TEXT = 100_000
MAX_SHORT_TEXT = 20_000
MAX_NAME = 200
MAX_COMMENT = 10_000
MAX_BENEFICIARIES = 1_000_000
#: ``Numeric(14, 2)``: at most twelve digits before the decimal separator.
MAX_AMOUNT = Decimal("999999999999.99")
VERSION_FIELDS = ("number", "title", "context", "general_objective", "specific_objectives", "reason", "frozen_at")
ACTION_FIELDS = ("key", "position", "title", "description", "chantier_id", "lead_actor_id", "partners_text",
                 "institution_actor_id", "institution_name", "start_date", "end_date", "indicators_text")
#: Actor kinds that are institutions of Entraide Nationale.
INSTITUTION_KIND_PREFIX = "en_"
#: The dates a project, a convention or a milestone may carry: a typing slip ("0202", "20266")
#: is refused instead of stretching the schedule over centuries.
MIN_DATE = date(2000, 1, 1)
MAX_DATE = date(2100, 12, 31)


def check_date(value, field_name: str) -> None:
    """Refuse a date outside :data:`MIN_DATE`..:data:`MAX_DATE` (``None`` passes), on its field."""
    if isinstance(value, date) and not MIN_DATE <= value <= MAX_DATE:
        raise DomainError(_l("Give a date between 2000 and 2100."), field=field_name)


@dataclass
class ContentData:
    """What the content form carries."""

    title: str
    context: str = ""
    general_objective: str = ""
    specific_objectives: str = ""


@dataclass
class BudgetRow:
    """One row of the action form's budget table, as typed (the amount is text until checked)."""

    item: str = ""
    funder: str = ""
    amount: str | Decimal | None = ""


@dataclass
class ActionData:
    """What the action form carries.

    ``beneficiaries`` maps ``(target_group_id, sex)`` to the expected number (text or int);
    ``budget_lines`` is a list of :class:`BudgetRow` (or ``(item, funder, amount)`` tuples).
    """

    title: str
    description: str = ""
    chantier_id: int | None = None
    target_group_ids: list[int] = field(default_factory=list)
    path_ids: list[int] = field(default_factory=list)
    lead_actor_id: int | None = None
    partner_ids: list[int] = field(default_factory=list)
    partners_text: str = ""
    institution_actor_id: int | None = None
    institution_name: str = ""
    beneficiaries: dict = field(default_factory=dict)
    budget_lines: list = field(default_factory=list)
    start_date: date | None = None
    end_date: date | None = None
    indicators_text: str = ""


class ProjectConflict(StaleEditError):
    """A content save based on an older state of the version: carries what the user typed and
    what the version holds now."""

    def __init__(self, version: ProjectVersion, data: ContentData):
        super().__init__(mine=data.context, current=version.context, current_version=version.lock_version)
        self.data = data
        self.current = ContentData(title=version.title, context=version.context,
                                   general_objective=version.general_objective,
                                   specific_objectives=version.specific_objectives)


class ActionConflict(StaleEditError):
    """An action save based on an older state of the version: carries what the user typed."""

    def __init__(self, version: ProjectVersion, data: ActionData):
        super().__init__(mine=data.description, current="", current_version=version.lock_version)
        self.message = _l("The project was changed by someone else while you were editing this action. "
                          "Your entries are kept below: check the project, then save again.")
        self.data = data


# --- reading -------------------------------------------------------------------------------------

def project_of(territory: Territory) -> TerritoryProject | None:
    """The territory's project, or ``None`` when it has none yet."""
    return db.session.execute(
        sa.select(TerritoryProject).where(TerritoryProject.territory_id == territory.id)).scalar_one_or_none()


def current_version(project: TerritoryProject) -> ProjectVersion:
    """The project's newest version (its actions are not loaded: see :func:`load_version`)."""
    return db.session.execute(sa.select(ProjectVersion).where(
        ProjectVersion.project_id == project.id, ProjectVersion.number == project.current_number)).scalar_one()


def _action_options():
    return (orm.selectinload(ProjectAction.chantier), orm.selectinload(ProjectAction.lead_actor),
            orm.selectinload(ProjectAction.institution_actor), orm.selectinload(ProjectAction.target_groups),
            orm.selectinload(ProjectAction.paths).selectinload(InterventionPath.target_groups),
            orm.selectinload(ProjectAction.partners),
            orm.selectinload(ProjectAction.beneficiaries).selectinload(ActionBeneficiaries.target_group),
            orm.selectinload(ProjectAction.budget_lines))


def load_version(project: TerritoryProject, number: int | None = None) -> ProjectVersion | None:
    """Version ``number`` (the newest by default) with its actions and everything they show
    (chantier, actors, target groups, paths, beneficiaries, budget lines), in a fixed number
    of queries whatever their number."""
    number = project.current_number if number is None else number
    return db.session.execute(
        sa.select(ProjectVersion).where(ProjectVersion.project_id == project.id, ProjectVersion.number == number)
        .options(orm.selectinload(ProjectVersion.actions).options(*_action_options()))
        .execution_options(populate_existing=True)).scalar_one_or_none()


def versions(project: TerritoryProject) -> list[ProjectVersion]:
    """Every version of the project, newest first (without their actions)."""
    return list(db.session.execute(sa.select(ProjectVersion).where(ProjectVersion.project_id == project.id)
                                   .order_by(ProjectVersion.number.desc())).scalars())


def action_counts(project: TerritoryProject) -> dict[int, int]:
    """How many actions each version of the project has, by version id (one query)."""
    return dict(db.session.execute(
        sa.select(ProjectAction.version_id, sa.func.count()).join(ProjectVersion)
        .where(ProjectVersion.project_id == project.id).group_by(ProjectAction.version_id)).all())


def find_action(version: ProjectVersion, key: str) -> ProjectAction | None:
    """The action of a loaded version with ``key``."""
    return next((action for action in version.actions if action.key == key), None)


def evidence_counts(path_ids) -> dict[int, int]:
    """How many distinct notes each path cites, by path id (one query)."""
    ids = list(set(path_ids))
    if not ids:
        return {}
    return dict(db.session.execute(
        sa.select(PathEvidence.path_id, sa.func.count(sa.distinct(PathEvidence.note_id)))
        .where(PathEvidence.path_id.in_(ids)).group_by(PathEvidence.path_id)).all())


def unanswered_paths(territory: Territory, version: ProjectVersion) -> list[InterventionPath]:
    """The territory's retained paths that no action of the (loaded) version answers yet, by
    title, with their target groups (two queries)."""
    answered = {path.id for action in version.actions for path in action.paths}
    query = sa.select(InterventionPath).where(InterventionPath.territory_id == territory.id,
                                              InterventionPath.status == "retained",
                                              InterventionPath.deleted_at.is_(None))
    if answered:
        query = query.where(InterventionPath.id.not_in(answered))
    return list(db.session.execute(query.options(orm.selectinload(InterventionPath.target_groups))
                                   .order_by(InterventionPath.title, InterventionPath.id)).scalars())


def institution_choices(territory: Territory) -> list[Actor]:
    """The territory's Entraide Nationale institutions on its actor map, by name."""
    return list(db.session.execute(
        sa.select(Actor).where(Actor.territory_id == territory.id,
                               Actor.kind.startswith(INSTITUTION_KIND_PREFIX)).order_by(Actor.name)).scalars())


def comments_by_section(version: ProjectVersion) -> dict[str, list[ProjectComment]]:
    """The version's comments grouped by section (``context``, ``action:<key>``...), oldest
    first (one query)."""
    grouped: dict[str, list[ProjectComment]] = {}
    for comment in db.session.execute(sa.select(ProjectComment).where(ProjectComment.version_id == version.id)
                                      .order_by(ProjectComment.created_at, ProjectComment.id)).scalars():
        grouped.setdefault(comment.section, []).append(comment)
    return grouped


def completeness_problems(version: ProjectVersion) -> list[str]:
    """Why the version cannot be submitted to the committee yet (empty when it can): a title,
    a general objective and at least one action, each complete (retained paths, chantier,
    target groups, institution, dates, budget)."""
    problems: list[str] = []
    if not (version.title or "").strip():
        problems.append(str(_l("The project needs a title.")))
    if not (version.general_objective or "").strip():
        problems.append(str(_l("The project needs a general objective.")))
    checked = {"paths", "target_groups", "budget_lines"}
    if "actions" not in sa.inspect(version).unloaded and not any(
            checked & sa.inspect(action).unloaded for action in version.actions):
        actions = list(version.actions)  # loaded by load_version, with everything checked here
    else:
        actions = list(db.session.execute(
            sa.select(ProjectAction).where(ProjectAction.version_id == version.id)
            .options(orm.selectinload(ProjectAction.paths), orm.selectinload(ProjectAction.target_groups),
                     orm.selectinload(ProjectAction.budget_lines))
            .order_by(ProjectAction.position, ProjectAction.id)).scalars())
    if not actions:
        problems.append(str(_l("The project has no action yet.")))
    for action in actions:
        title = action.title
        if not action.paths:
            problems.append(str(_l("Action “%(title)s” answers no retained intervention path.", title=title)))
        for path in action.paths:
            if path.status != "retained" or path.deleted_at is not None:
                problems.append(str(_l("Action “%(title)s” answers “%(path)s”, which is no longer a retained path.",
                                       title=title, path=path.title)))
        if action.chantier_id is None:
            problems.append(str(_l("Action “%(title)s” has no chantier.", title=title)))
        if not action.target_groups:
            problems.append(str(_l("Action “%(title)s” has no target group.", title=title)))
        if action.institution_actor_id is None and not (action.institution_name or "").strip():
            problems.append(str(_l("Action “%(title)s” names no Entraide Nationale institution.", title=title)))
        if action.start_date is None or action.end_date is None:
            problems.append(str(_l("Action “%(title)s” needs a start and an end date.", title=title)))
        if not action.budget_lines:
            problems.append(str(_l("Action “%(title)s” has no budget line.", title=title)))
    return problems


# --- the workflow's helpers (no commit: the transition commits) ------------------------------------

def freeze_version(version: ProjectVersion) -> ProjectVersion:
    """Mark the version as no longer editable (once; the first freezing time stays), and record
    on each action the names of the actors it cites as they are now (``frozen_names``), so that
    renaming or deleting an actor later does not rewrite what the committee voted on."""
    if version.frozen_at is None:
        version.frozen_at = utcnow()
    _freeze_names(version)
    return version


def _freeze_names(version: ProjectVersion) -> None:
    """Fill ``frozen_names`` on the version's actions that have none yet (three queries)."""
    actions = list(db.session.execute(
        sa.select(ProjectAction).where(ProjectAction.version_id == version.id, ProjectAction.frozen_names.is_(None))
        .order_by(ProjectAction.position, ProjectAction.id)).scalars())
    if not actions:
        return
    ids = {i for action in actions for i in (action.lead_actor_id, action.institution_actor_id) if i is not None}
    names = dict(db.session.execute(sa.select(Actor.id, Actor.name).where(Actor.id.in_(ids))).all()) if ids else {}
    partners: dict[int, list[str]] = {}
    for action_id, name in db.session.execute(
            sa.select(action_partners.c.action_id, Actor.name).join(Actor, Actor.id == action_partners.c.actor_id)
            .where(action_partners.c.action_id.in_([action.id for action in actions]))
            .order_by(action_partners.c.action_id, Actor.name, Actor.id)):
        partners.setdefault(action_id, []).append(name)
    for action in actions:
        institution = names.get(action.institution_actor_id) if action.institution_actor_id is not None else None
        action.frozen_names = {"lead": names.get(action.lead_actor_id) if action.lead_actor_id is not None else None,
                               "institution": institution or action.institution_name or "",
                               "partners": partners.get(action.id, [])}


def action_names(action: ProjectAction) -> dict:
    """The names the action cites: ``{"lead": str|None, "institution": str, "partners": [str]}``,
    as frozen with its version when it is frozen, else from the actor map (loaded)."""
    if action.frozen_names:
        frozen = action.frozen_names
        return {"lead": frozen.get("lead"), "institution": frozen.get("institution") or "",
                "partners": list(frozen.get("partners") or [])}
    return {"lead": action.lead_actor.name if action.lead_actor is not None else None,
            "institution": (action.institution_actor.name if action.institution_actor is not None
                            else action.institution_name or ""),
            "partners": [actor.name for actor in action.partners]}


def _copy_action(action: ProjectAction) -> ProjectAction:
    copy = ProjectAction(**{name: getattr(action, name) for name in ACTION_FIELDS})
    copy.target_groups = list(action.target_groups)
    copy.paths = list(action.paths)
    copy.partners = list(action.partners)
    copy.beneficiaries = [ActionBeneficiaries(target_group_id=b.target_group_id, sex=b.sex, expected=b.expected)
                          for b in action.beneficiaries]
    copy.budget_lines = [BudgetLine(position=line.position, item=line.item, funder=line.funder, amount=line.amount)
                         for line in action.budget_lines]
    return copy


def open_new_version(actor, project: TerritoryProject, reason: str) -> ProjectVersion:
    """Freeze the project's newest version and copy it, every action with the same key, into
    the next version, which becomes the current one. Added to the session, not committed."""
    old = load_version(project, project.current_number)
    freeze_version(old)
    new = ProjectVersion(project_id=project.id, number=old.number + 1, title=old.title, context=old.context,
                         general_objective=old.general_objective, specific_objectives=old.specific_objectives,
                         reason=(reason or "").strip(), created_by_id=getattr(actor, "id", None), lock_version=1)
    new.actions = [_copy_action(action) for action in old.actions]
    db.session.add(new)
    project.current_number = new.number
    db.session.flush()
    audit.record(actor, "create", new, {}, audit.snapshot(new, VERSION_FIELDS),
                 label=f"{new.title} (v{new.number})", territory_id=project.territory_id)
    return new


# --- writing -------------------------------------------------------------------------------------

def create_project(actor, territory: Territory, title: str, *, is_demo: bool = False) -> TerritoryProject:
    """Start the territory's project (one per territory) with its first, empty version.
    The commission must have retained at least one intervention path first."""
    title = _title(title)
    if project_of(territory) is not None:
        raise DomainError(_l("This territory already has a project."))
    if not retained_paths(territory):
        raise DomainError(_l("A territory project is built from the intervention paths the permanent commission "
                             "has retained: none is retained yet."))
    project = TerritoryProject(territory_id=territory.id, status="draft", current_number=1,
                               created_by_id=getattr(actor, "id", None), is_demo=is_demo)
    db.session.add(project)
    try:
        db.session.flush()
    except sa.exc.IntegrityError:
        db.session.rollback()
        raise DomainError(_l("This territory already has a project.")) from None
    version = ProjectVersion(project_id=project.id, number=1, title=title, created_by_id=getattr(actor, "id", None))
    db.session.add(version)
    db.session.flush()
    audit.record(actor, "create", project, {}, {"status": "draft", "title": title}, label=title,
                 territory_id=territory.id)
    db.session.commit()
    return project


def _title(value) -> str:
    title = (value or "").strip()
    if not title:
        raise DomainError(_l("The project needs a title."), field="title")
    if len(title) > MAX_TITLE:
        raise DomainError(_l("The title is limited to 200 characters."), field="title")
    return title


def _editable_version(project: TerritoryProject) -> ProjectVersion:
    """The version a write may change, with the project row locked until the commit (so a
    transition waits for the edit): refused unless the project is a draft and its newest
    version is not frozen."""
    status, number = db.session.execute(
        sa.select(TerritoryProject.status, TerritoryProject.current_number)
        .where(TerritoryProject.id == project.id).with_for_update()).one()
    if status != "draft":
        db.session.rollback()
        raise DomainError(_l("The project can only be changed while it is a draft; it is %(status)s.",
                             status=label(PROJECT_STATUSES, status).lower()))
    version = db.session.execute(
        sa.select(ProjectVersion).where(ProjectVersion.project_id == project.id, ProjectVersion.number == number)
        .execution_options(populate_existing=True)).scalar_one()
    if version.frozen_at is not None:
        db.session.rollback()
        raise DomainError(_l("This version is frozen and can no longer change."))
    return version


def _claim(version: ProjectVersion, base_lock_version: int | None, conflict) -> None:
    """Compare-and-set on the version's ``lock_version``: bump it if nobody saved since
    ``base_lock_version`` (the current value when ``None``); otherwise raise ``conflict()``."""
    expected = version.lock_version if base_lock_version is None else base_lock_version
    result = db.session.execute(
        sa.update(ProjectVersion).where(ProjectVersion.id == version.id, ProjectVersion.lock_version == expected,
                                        ProjectVersion.frozen_at.is_(None))
        .values(lock_version=expected + 1, updated_at=utcnow()).execution_options(synchronize_session=False))
    if result.rowcount != 1:
        error = conflict()
        db.session.rollback()
        raise error
    db.session.refresh(version, ["lock_version", "updated_at"])


def _as(cls, data):
    if isinstance(data, cls):
        return data
    known = {f.name for f in fields(cls)}
    return cls(**{key: value for key, value in data.items() if key in known and value is not None})


def _limit(value, limit: int, message, field_name: str) -> str:
    text = value or ""
    if len(text) > limit:
        raise DomainError(message, field=field_name)
    return text


def update_content(actor, project: TerritoryProject, data: ContentData | Mapping,
                   base_lock_version: int) -> ProjectVersion:
    """Save the title, context (Markdown), general objective and specific objectives (one per
    line) of the project's draft version, as edited from ``base_lock_version``.

    If someone saved the version since, nothing is written and :class:`ProjectConflict`
    carries both texts.
    """
    data = _as(ContentData, data)
    version = _editable_version(project)
    if base_lock_version != version.lock_version:
        error = ProjectConflict(version, data)
        db.session.rollback()
        raise error
    data.title = _title(data.title)
    data.context = _limit(data.context, MAX_TEXT, _l("The context is limited to 100,000 characters."), "context")
    data.general_objective = _limit(data.general_objective, MAX_SHORT_TEXT,
                                    _l("The general objective is limited to 20,000 characters."),
                                    "general_objective").strip()
    data.specific_objectives = "\n".join(
        line.strip() for line in _limit(data.specific_objectives, MAX_SHORT_TEXT,
                                        _l("The specific objectives are limited to 20,000 characters."),
                                        "specific_objectives").splitlines() if line.strip())
    before = audit.snapshot(version, VERSION_FIELDS)
    _claim(version, base_lock_version, lambda: ProjectConflict(version, data))
    version.title, version.context = data.title, data.context
    version.general_objective, version.specific_objectives = data.general_objective, data.specific_objectives
    audit.record(actor, "update", version, before, audit.snapshot(version, VERSION_FIELDS),
                 label=f"{version.title} (v{version.number})", territory_id=project.territory_id)
    db.session.commit()
    return version


# --- actions -------------------------------------------------------------------------------------

@dataclass
class _CheckedAction:
    chantier_id: int | None
    groups: list[TargetGroup]
    paths: list[InterventionPath]
    lead_actor_id: int | None
    partners: list[Actor]
    institution_actor_id: int | None
    beneficiaries: list[tuple[int, str, int]]
    budget: list[tuple[str, str, Decimal]]


def _ids(values, field_name: str) -> list[int]:
    """Distinct ids in the order given; anything that is not a whole number is refused."""
    out: list[int] = []
    for value in values or ():
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise DomainError(_l("Unknown choice."), field=field_name) from None
        if number not in out:
            out.append(number)
    return out


def _optional_id(value, field_name: str) -> int | None:
    if value in (None, "", 0, "0"):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise DomainError(_l("Unknown choice."), field=field_name) from None


def _territory_actors(territory_id: int, ids: list[int]) -> dict[int, Actor]:
    if not ids:
        return {}
    return {actor.id: actor for actor in db.session.execute(
        sa.select(Actor).where(Actor.id.in_(ids), Actor.territory_id == territory_id)).scalars()}


_SPACES = re.compile(r"[\s\u00a0\u202f']")


def parse_amount(value) -> Decimal | None:
    """An amount of dirhams typed in a form (``1 500,50`` or ``1500.5``) as a Decimal with at
    most two decimals, or ``None`` when it is not one."""
    if isinstance(value, Decimal):
        amount = value
    else:
        text = _SPACES.sub("", str(value if value is not None else "")).replace(",", ".")
        if not re.fullmatch(r"\d+(\.\d*)?|\.\d+", text):
            return None
        try:
            amount = Decimal(text)
        except InvalidOperation:
            return None
    if not amount.is_finite() or amount < 0 or amount > MAX_AMOUNT or amount.as_tuple().exponent < -2:
        return None
    return amount.quantize(Decimal("0.01"))


def _budget_rows(rows) -> list[tuple[str, str, Decimal]]:
    """The budget rows that are filled in, checked; a half-filled row is refused by its number."""
    out = []
    for number, row in enumerate(rows or (), start=1):
        if not isinstance(row, BudgetRow):
            row = BudgetRow(*row) if isinstance(row, (tuple, list)) else _as(BudgetRow, row)
        item, funder = (row.item or "").strip(), (row.funder or "").strip()
        raw = row.amount if isinstance(row.amount, Decimal) else (str(row.amount or "")).strip()
        if not item and not funder and raw in ("", None):
            continue
        if not item or not funder or raw in ("", None):
            raise DomainError(_l("Budget line %(n)s: give the item, the funder and the amount (or leave the whole "
                                 "row empty).", n=number), field="budget_lines")
        if len(item) > MAX_NAME or len(funder) > MAX_NAME:
            raise DomainError(_l("Budget line %(n)s: the item and the funder are limited to 200 characters.",
                                 n=number), field="budget_lines")
        amount = parse_amount(raw)
        if amount is None:
            raise DomainError(_l("Budget line %(n)s: the amount must be a positive number of dirhams with at most "
                                 "two decimals.", n=number), field="budget_lines")
        out.append((item, funder, amount))
    return out


def _beneficiaries(raw: Mapping, groups: list[TargetGroup]) -> list[tuple[int, str, int]]:
    """Expected beneficiaries as ``(target_group_id, sex, number)`` for the action's target
    groups; numbers for other groups must be empty or zero."""
    chosen = {group.id for group in groups}
    out = []
    others: set[int] = set()
    for key, value in (raw or {}).items():
        try:
            group_id, sex = int(key[0]), key[1]
        except (TypeError, ValueError, IndexError):
            raise DomainError(_l("Unknown target group."), field="beneficiaries") from None
        if sex not in SEXES:
            raise DomainError(_l("Unknown sex."), field="beneficiaries")
        if value in (None, ""):
            continue
        try:
            number = int(str(value).strip())
        except (TypeError, ValueError):
            raise DomainError(_l("Expected beneficiaries are whole numbers."), field="beneficiaries") from None
        if number < 0 or number > MAX_BENEFICIARIES:
            raise DomainError(_l("Expected beneficiaries are between 0 and %(max)s.", max=MAX_BENEFICIARIES),
                              field="beneficiaries")
        if group_id not in chosen:
            if number:
                others.add(group_id)
            continue
        if number:
            out.append((group_id, sex, number))
    if others:
        unknown = {group.id: group.name for group in db.session.execute(
            sa.select(TargetGroup).where(TargetGroup.id.in_(others)).order_by(TargetGroup.position)).scalars()}
        if len(unknown) != len(others):
            raise DomainError(_l("Unknown target group."), field="beneficiaries")
        raise DomainError(_l("Beneficiaries are expected for “%(group)s”, which is not a target group of this "
                             "action: tick it or empty its numbers.", group=next(iter(unknown.values()))),
                          field="beneficiaries")
    return sorted(out, key=lambda row: (row[0], row[1]))


def _check_action(territory_id: int, data: ActionData) -> _CheckedAction:
    """Check every field of an action; return the rows to link."""
    data.title = (data.title or "").strip()
    if not data.title:
        raise DomainError(_l("An action needs a title."), field="title")
    if len(data.title) > MAX_TITLE:
        raise DomainError(_l("The title is limited to 200 characters."), field="title")
    data.description = _limit(data.description, MAX_TEXT, _l("The description is limited to 100,000 characters."),
                              "description")
    data.partners_text = _limit((data.partners_text or "").strip(), MAX_SHORT_TEXT,
                                _l("The other partners are limited to 20,000 characters."), "partners_text")
    data.indicators_text = "\n".join(
        line.strip() for line in _limit(data.indicators_text, MAX_SHORT_TEXT,
                                        _l("The indicators are limited to 20,000 characters."),
                                        "indicators_text").splitlines() if line.strip())

    path_ids = _ids(data.path_ids, "path_ids")
    if not path_ids:
        raise DomainError(_l("An action answers at least one retained intervention path: tick one."),
                          field="path_ids")
    found = {path.id: path for path in db.session.execute(
        sa.select(InterventionPath).where(InterventionPath.id.in_(path_ids))).scalars()}
    for path_id in path_ids:
        path = found.get(path_id)
        if path is None or path.territory_id != territory_id or path.deleted_at is not None:
            raise DomainError(_l("Choose intervention paths of this territory."), field="path_ids")
        if path.status != "retained":
            raise DomainError(_l("“%(title)s” is no longer a retained path of this territory: untick it.",
                                 title=path.title), field="path_ids")
    paths = sorted(found.values(), key=lambda path: path.id)

    chantier_id = _optional_id(data.chantier_id, "chantier_id")
    if chantier_id is not None and db.session.get(Chantier, chantier_id) is None:
        raise DomainError(_l("Unknown chantier."), field="chantier_id")

    group_ids = _ids(data.target_group_ids, "target_group_ids")
    groups = list(db.session.execute(sa.select(TargetGroup).where(TargetGroup.id.in_(group_ids))
                                     .order_by(TargetGroup.position)).scalars()) if group_ids else []
    if len(groups) != len(group_ids):
        raise DomainError(_l("Unknown target group."), field="target_group_ids")

    lead_actor_id = _optional_id(data.lead_actor_id, "lead_actor_id")
    partner_ids = _ids(data.partner_ids, "partner_ids")
    institution_actor_id = _optional_id(data.institution_actor_id, "institution_actor_id")
    actors = _territory_actors(territory_id, [i for i in [lead_actor_id, institution_actor_id, *partner_ids] if i])
    if lead_actor_id is not None and lead_actor_id not in actors:
        raise DomainError(_l("Choose the lead actor from this territory's actor map."), field="lead_actor_id")
    if any(actor_id not in actors for actor_id in partner_ids):
        raise DomainError(_l("Choose partners from this territory's actor map."), field="partner_ids")
    data.institution_name = (data.institution_name or "").strip()
    if len(data.institution_name) > MAX_NAME:
        raise DomainError(_l("The institution's name is limited to 200 characters."), field="institution_name")
    if institution_actor_id is not None:
        institution = actors.get(institution_actor_id)
        if institution is None or not institution.kind.startswith(INSTITUTION_KIND_PREFIX):
            raise DomainError(_l("Choose an Entraide Nationale institution of this territory's actor map."),
                              field="institution_actor_id")
        if data.institution_name:
            raise DomainError(_l("Choose the institution from the actor map or type its name, not both."),
                              field="institution_name")

    check_date(data.start_date, "start_date")
    check_date(data.end_date, "end_date")
    if data.start_date and data.end_date and data.end_date < data.start_date:
        raise DomainError(_l("The end date cannot be before the start date."), field="end_date")

    beneficiaries = _beneficiaries(data.beneficiaries, groups)
    budget = _budget_rows(data.budget_lines)
    data.chantier_id, data.lead_actor_id, data.institution_actor_id = chantier_id, lead_actor_id, institution_actor_id
    data.target_group_ids, data.path_ids, data.partner_ids = group_ids, [p.id for p in paths], partner_ids
    return _CheckedAction(chantier_id=chantier_id, groups=groups, paths=paths, lead_actor_id=lead_actor_id,
                          partners=sorted((actors[i] for i in partner_ids), key=lambda a: a.name),
                          institution_actor_id=institution_actor_id, beneficiaries=beneficiaries, budget=budget)


def _action_snapshot(action: ProjectAction, checked: _CheckedAction | None = None) -> dict:
    """The action's fields and links as the audit log keeps them (JSON-safe)."""
    snap = audit.snapshot(action, ACTION_FIELDS)
    if checked is None:
        snap["target_group_ids"] = sorted(g.id for g in action.target_groups)
        snap["path_ids"] = sorted(p.id for p in action.paths)
        snap["partner_ids"] = sorted(a.id for a in action.partners)
        snap["beneficiaries"] = sorted(f"{b.target_group_id}:{b.sex}:{b.expected}" for b in action.beneficiaries)
        snap["budget"] = [f"{line.item} | {line.funder} | {line.amount:.2f}" for line in action.budget_lines]
    else:
        snap["target_group_ids"] = sorted(g.id for g in checked.groups)
        snap["path_ids"] = sorted(p.id for p in checked.paths)
        snap["partner_ids"] = sorted(a.id for a in checked.partners)
        snap["beneficiaries"] = sorted(f"{g}:{s}:{n}" for g, s, n in checked.beneficiaries)
        snap["budget"] = [f"{item} | {funder} | {amount:.2f}" for item, funder, amount in checked.budget]
    return snap


def _new_key(version: ProjectVersion) -> str:
    taken = set(db.session.execute(sa.select(ProjectAction.key).where(ProjectAction.version_id == version.id))
                .scalars())
    while True:
        key = secrets.token_hex(5)
        if key not in taken:
            return key


def _load_action(version: ProjectVersion, key: str) -> ProjectAction | None:
    return db.session.execute(
        sa.select(ProjectAction).where(ProjectAction.version_id == version.id, ProjectAction.key == key)
        .options(*_action_options()).execution_options(populate_existing=True)).scalar_one_or_none()


def _unknown_action() -> DomainError:
    return DomainError(_l("This action is not part of the project's current version."))


def save_action(actor, project: TerritoryProject, key: str | None, data: ActionData | Mapping,
                base_lock_version: int | None) -> ProjectAction:
    """Add an action to the project's draft version (``key`` None) or change the action with
    ``key``, after checking every field; refused with :class:`ActionConflict` if someone saved
    the version since ``base_lock_version``."""
    data = _as(ActionData, data)
    version = _editable_version(project)
    if base_lock_version is not None and base_lock_version != version.lock_version:
        error = ActionConflict(version, data)
        db.session.rollback()
        raise error
    action = None
    if key is not None:
        action = _load_action(version, key)
        if action is None:
            db.session.rollback()
            raise _unknown_action()
    checked = _check_action(project.territory_id, data)
    before = _action_snapshot(action) if action is not None else {}
    _claim(version, base_lock_version, lambda: ActionConflict(version, data))
    if action is None:
        position = db.session.execute(sa.select(sa.func.coalesce(sa.func.max(ProjectAction.position), 0))
                                      .where(ProjectAction.version_id == version.id)).scalar_one() + 1
        action = ProjectAction(version_id=version.id, key=_new_key(version), position=position, title=data.title)
        db.session.add(action)
        action.target_groups, action.paths, action.partners = [], [], []
        action.beneficiaries, action.budget_lines = [], []
    action.title, action.description = data.title, data.description
    action.chantier_id, action.lead_actor_id = checked.chantier_id, checked.lead_actor_id
    action.partners_text = data.partners_text
    action.institution_actor_id = checked.institution_actor_id
    action.institution_name = data.institution_name if checked.institution_actor_id is None else ""
    action.start_date, action.end_date = data.start_date, data.end_date
    action.indicators_text = data.indicators_text
    action.target_groups = checked.groups
    action.paths = checked.paths
    action.partners = checked.partners
    kept = {(b.target_group_id, b.sex): b for b in action.beneficiaries}
    new_rows = []
    for group_id, sex, number in checked.beneficiaries:
        row = kept.get((group_id, sex)) or ActionBeneficiaries(target_group_id=group_id, sex=sex)
        row.expected = number
        new_rows.append(row)
    action.beneficiaries = new_rows
    old_lines = list(action.budget_lines)
    lines = []
    for position, (item, funder, amount) in enumerate(checked.budget, start=1):
        line = old_lines[position - 1] if position <= len(old_lines) else BudgetLine()
        line.position, line.item, line.funder, line.amount = position, item, funder, amount
        lines.append(line)
    action.budget_lines = lines
    db.session.flush()
    audit.record(actor, "create" if not before else "update", action, before, _action_snapshot(action, checked),
                 label=action.title, territory_id=project.territory_id)
    db.session.commit()
    return action


def delete_action(actor, project: TerritoryProject, key: str, base_lock_version: int | None = None) -> None:
    """Remove the action with ``key`` from the project's draft version (earlier versions keep it)."""
    version = _editable_version(project)
    action = _load_action(version, key)
    if action is None:
        db.session.rollback()
        raise _unknown_action()
    before = _action_snapshot(action)
    _claim(version, base_lock_version, lambda: DomainError(
        _l("The project was changed by someone else meanwhile; look at it again.")))
    title = action.title
    db.session.delete(action)
    db.session.flush()
    _renumber(version)
    audit.record(actor, "delete", action, before, {}, label=title, territory_id=project.territory_id)
    db.session.commit()


def _renumber(version: ProjectVersion) -> list[ProjectAction]:
    actions = list(db.session.execute(sa.select(ProjectAction).where(ProjectAction.version_id == version.id)
                                      .order_by(ProjectAction.position, ProjectAction.id)).scalars())
    for position, action in enumerate(actions, start=1):
        action.position = position
    return actions


def move_action(actor, project: TerritoryProject, key: str, direction: str,
                base_lock_version: int | None = None) -> None:
    """Move the action with ``key`` one place ``up`` or ``down`` in the version's order."""
    if direction not in ("up", "down"):
        raise DomainError(_l("Move an action up or down."))
    version = _editable_version(project)
    actions = _renumber(version)
    index = next((i for i, action in enumerate(actions) if action.key == key), None)
    if index is None:
        db.session.rollback()
        raise _unknown_action()
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(actions):
        db.session.rollback()
        return
    _claim(version, base_lock_version, lambda: DomainError(
        _l("The project was changed by someone else meanwhile; look at it again.")))
    moved, neighbour = actions[index], actions[other]
    before = {"position": moved.position}
    moved.position, neighbour.position = neighbour.position, moved.position
    audit.record(actor, "update", moved, before, {"position": moved.position}, label=moved.title,
                 territory_id=project.territory_id)
    db.session.commit()


# --- comments ------------------------------------------------------------------------------------

def add_comment(actor, project: TerritoryProject, section: str, body: str) -> ProjectComment:
    """Add a comment on one section of the project's current version while the committee
    reviews it (submitted or under review)."""
    if project.status not in ("submitted", "under_review"):
        raise DomainError(_l("Comments are taken while the committee reviews the project; it is %(status)s.",
                             status=label(PROJECT_STATUSES, project.status).lower()))
    body = (body or "").strip()
    if not body:
        raise DomainError(_l("Write a comment first."), field="body")
    if len(body) > MAX_COMMENT:
        raise DomainError(_l("A comment is limited to 10,000 characters."), field="body")
    version = current_version(project)
    section = (section or "").strip()
    if section.startswith("action:"):
        key = section.split(":", 1)[1]
        found = db.session.execute(sa.select(ProjectAction.id).where(
            ProjectAction.version_id == version.id, ProjectAction.key == key)).scalar()
        if found is None:
            raise DomainError(_l("Unknown section."), field="section")
    elif section not in PROJECT_SECTIONS:
        raise DomainError(_l("Unknown section."), field="section")
    comment = ProjectComment(version_id=version.id, section=section, body=body,
                             author_id=getattr(actor, "id", None), author_name=getattr(actor, "full_name", "") or "")
    db.session.add(comment)
    db.session.flush()
    audit.record(actor, "create", comment, {}, {"section": section, "body": body},
                 label=f"{version.title} · {section}", territory_id=project.territory_id)
    db.session.commit()
    return comment

