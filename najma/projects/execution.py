"""Execution follow-up of a project's actions: status, progress, notes, weight and milestones.

The follow-up hangs on the actions of the approved version, by their key. A follow-up row is
created the first time someone saves an action's follow-up or adds a milestone to it; until
then the action shows as not started, at 0 %, weighing its budget. It is written while the
project is contracted or in execution (permission ``execution.edit``).

An action marked done is at 100 %: saving "done" sets its progress to 100 whatever was typed
(the form says so), since a finished action cannot be partly done. Other statuses keep the
progress typed; a dropped action keeps its last progress but leaves the roll-up.

Saves are a compare-and-set on the row's ``lock_version``: a save based on an older reading is
refused with :class:`ExecutionConflict` (a 409 page keeping what the user typed).

The beneficiaries an action has reached so far are recorded on the same row, by target group and
sex (the action's target groups, the breakdown of its expected beneficiaries), with the same
compare-and-set; a dropped action records no more. Reached may exceed expected: it is accepted
and flagged.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy import orm

from najma import audit
from najma.errors import DomainError, StaleEditError
from najma.extensions import db
from najma.projects import rollup
from najma.projects.models import (ActionBeneficiaries, ActionExecution, ActionReached, ExecutionMilestone,
                                   ProjectAction, ProjectVersion, TerritoryProject, action_target_groups)
from najma.projects.services import MAX_BENEFICIARIES, check_date
from najma.reference.models import TargetGroup
from najma.vocab import EXECUTION_STATUSES, SEXES

#: Project statuses in which the follow-up is written.
EDITABLE_STATUSES = ("contracted", "in_execution")
EXECUTION_FIELDS = ("action_key", "status", "progress", "notes", "weight")
MAX_NOTES = 100_000
MAX_MILESTONE_TITLE = 200
MAX_WEIGHT = Decimal("999999999999.99")
#: Statuses whose milestones are no longer awaited.
CLOSED_STATUSES = ("done", "dropped")


@dataclass
class ExecutionData:
    """What the follow-up form carries."""

    status: str = "not_started"
    progress: int | None = 0
    notes: str = ""
    #: ``None``: the action weighs its budget.
    weight: Decimal | None = None


#: A cell of the beneficiaries grid: (target group id, sex).
Cell = tuple[int, str]


class ExecutionConflict(StaleEditError):
    """A save based on an older reading of the follow-up; carries what the user typed and the row now."""

    def __init__(self, current: ActionExecution, data: ExecutionData):
        super().__init__(mine=data.notes, current=current.notes, current_version=current.lock_version)
        self.message = _l("Someone saved this action's follow-up while you were editing it. Your entries are "
                          "kept below, with what is recorded now: check them, then save again.")
        self.data = data
        self.current_execution = current


class ReachedConflict(StaleEditError):
    """A save of the beneficiaries reached based on an older reading of the follow-up; carries
    what the user typed and, as plain values, what is recorded now."""

    def __init__(self, current: ActionExecution | None, typed: Mapping):
        version = current.lock_version if current is not None else 0
        super().__init__(mine="", current="", current_version=version)
        self.message = _l("Someone saved this action's follow-up while you were entering the beneficiaries "
                          "reached. Your numbers are kept below, with what is recorded now: check them, then save "
                          "again.")
        self.typed = dict(typed)
        self.current_reached: dict[Cell, int] = reached_of(current)
        self.current_status = current.status if current is not None else "not_started"


class InvalidReached(DomainError):
    """A number of the beneficiaries grid is refused; ``cell`` says which one."""

    def __init__(self, message, cell: Cell | None = None):
        super().__init__(message, field="reached")
        self.cell = cell


def reached_of(execution: ActionExecution | None) -> dict[Cell, int]:
    """The beneficiaries reached recorded on a follow-up row (loaded with them), as plain values."""
    if execution is None:
        return {}
    return {(row.target_group_id, row.sex): row.reached for row in execution.reached}


@dataclass
class ExecutionRow:
    """One action of the approved version on the follow-up page."""

    action: ProjectAction
    figure: rollup.ActionFigure
    execution: ActionExecution | None
    milestones: list[ExecutionMilestone] = field(default_factory=list)
    today: date = field(default_factory=date.today)
    #: The action's target groups as ``(id, name)``, in their order: the rows of the grid.
    groups: list[tuple[int, str]] = field(default_factory=list)
    #: Expected beneficiaries in the approved version, by cell.
    expected: dict[Cell, int] = field(default_factory=dict)
    #: Beneficiaries reached recorded so far, by cell.
    reached: dict[Cell, int] = field(default_factory=dict)

    @property
    def expected_total(self) -> int:
        return sum(self.expected.values())

    @property
    def reached_total(self) -> int:
        return sum(self.reached.values())

    @property
    def above_expected(self) -> bool:
        """Some cell has more beneficiaries reached than expected."""
        return any(number > self.expected.get(cell, 0) for cell, number in self.reached.items())

    @property
    def status(self) -> str:
        return self.figure.status

    @property
    def progress(self) -> int:
        return self.figure.progress

    @property
    def weight_is_budget(self) -> bool:
        return self.figure.weight is None

    @property
    def overdue(self) -> list[ExecutionMilestone]:
        """Milestones past their due date and not reached, while the action is still awaited."""
        if self.status in CLOSED_STATUSES:
            return []
        return [m for m in self.milestones if m.done_on is None and m.due_date < self.today]

    @property
    def late(self) -> bool:
        """Marked delayed, or a milestone overdue."""
        return self.status == "delayed" or bool(self.overdue)

    @property
    def lock_version(self) -> int:
        return self.execution.lock_version if self.execution is not None else 0

    @property
    def records_reached(self) -> bool:
        """Whether beneficiaries reached may still be entered (not for a dropped action)."""
        return self.status != "dropped"


@dataclass
class GridCell:
    """One cell of the beneficiaries reached grid: what it shows (typed or recorded) and the
    expected figure beside it."""

    group_id: int
    sex: str
    value: str
    expected: int
    invalid: bool = False

    @property
    def number(self) -> int | None:
        text = self.value.strip()
        return int(text) if text.isdecimal() else None

    @property
    def above_expected(self) -> bool:
        return self.number is not None and self.number > self.expected


@dataclass
class ReachedGrid:
    """The beneficiaries reached grid of one action: target groups × sexes, with totals."""

    rows: list[tuple[int, str, list[GridCell]]]
    sexes: list[tuple[str, str]]

    def _cells(self, sex: str | None = None) -> list[GridCell]:
        return [cell for _id, _name, cells in self.rows for cell in cells if sex is None or cell.sex == sex]

    def reached_total(self, sex: str | None = None) -> int:
        return sum(cell.number or 0 for cell in self._cells(sex))

    def expected_total(self, sex: str | None = None) -> int:
        return sum(cell.expected for cell in self._cells(sex))

    @property
    def above_expected(self) -> bool:
        return any(cell.above_expected for cell in self._cells())


def reached_grid(row: ExecutionRow, typed: Mapping[Cell, str] | None = None,
                 invalid: Cell | None = None) -> ReachedGrid:
    """The grid of ``row``: what was typed (after a refused save) or else what is recorded, each
    cell beside its expected figure; ``invalid`` marks the refused cell."""
    rows = []
    for group_id, name in row.groups:
        cells = []
        for sex in SEXES:
            cell = (group_id, sex)
            if typed is not None:
                value = str(typed.get(cell, "") or "")
            else:
                value = str(row.reached[cell]) if row.reached.get(cell) else ""
            cells.append(GridCell(group_id, sex, value, row.expected.get(cell, 0), invalid=cell == invalid))
        rows.append((group_id, name, cells))
    return ReachedGrid(rows=rows, sexes=[(sex, str(name)) for sex, name in SEXES.items()])


@dataclass
class ExecutionPage:
    """Every action of the approved version with its follow-up, and the project's roll-up."""

    rows: list[ExecutionRow]
    figures: rollup.ProjectFigures

    @property
    def progress(self) -> float | None:
        return self.figures.progress

    @property
    def dropped(self) -> list[ExecutionRow]:
        return [row for row in self.rows if not row.figure.counted]

    @property
    def late_count(self) -> int:
        return sum(1 for row in self.rows if row.late)

    @property
    def all_weights_zero(self) -> bool:
        counted = [row for row in self.rows if row.figure.counted]
        return bool(counted) and all(row.figure.weight_used <= 0 for row in counted)

    def weight_share(self, row: ExecutionRow) -> float | None:
        """The share (0–100) of the action in the project's progress; ``None`` when dropped."""
        counted = [r for r in self.rows if r.figure.counted]
        if not row.figure.counted or not counted:
            return None
        total = sum((r.figure.weight_used for r in counted), Decimal("0"))
        if total <= 0:
            return 100 / len(counted)
        return float(row.figure.weight_used / total * 100)


# --- reading -------------------------------------------------------------------------------------

def approved_actions(project: TerritoryProject) -> list[ProjectAction]:
    """The actions of the project's approved version, in their order (none before approval)."""
    if project.approved_number is None:
        return []
    return list(db.session.execute(
        sa.select(ProjectAction).join(ProjectVersion, ProjectVersion.id == ProjectAction.version_id)
        .where(ProjectVersion.project_id == project.id, ProjectVersion.number == project.approved_number)
        .order_by(ProjectAction.position, ProjectAction.id)).scalars())


def approved_action(project: TerritoryProject, key: str) -> ProjectAction | None:
    """The action with ``key`` in the approved version, or ``None``."""
    if project.approved_number is None:
        return None
    return db.session.execute(
        sa.select(ProjectAction).join(ProjectVersion, ProjectVersion.id == ProjectAction.version_id)
        .where(ProjectVersion.project_id == project.id, ProjectVersion.number == project.approved_number,
               ProjectAction.key == key)).scalar_one_or_none()


def execution_of(project: TerritoryProject, key: str, *, milestones: bool = False,
                 reached: bool = False) -> ActionExecution | None:
    """The follow-up row of one action (``None`` before its first save), fresh from the database."""
    query = sa.select(ActionExecution).where(ActionExecution.project_id == project.id,
                                             ActionExecution.action_key == key)
    if milestones:
        query = query.options(orm.selectinload(ActionExecution.milestones))
    if reached:
        query = query.options(orm.selectinload(ActionExecution.reached))
    return db.session.execute(query.execution_options(populate_existing=True)).scalar_one_or_none()


def execution_page(project: TerritoryProject, today: date | None = None) -> ExecutionPage:
    """Every action of the approved version with its follow-up, milestones and weight, and the
    project's roll-up, in a fixed number of queries."""
    today = today or date.today()
    actions = approved_actions(project)
    figures = rollup.project_figures([project.id]).get(project.id) or rollup.ProjectFigures(project.id, project.status)
    by_key = {figure.key: figure for figure in figures.actions}
    executions = {row.action_key: row for row in db.session.execute(
        sa.select(ActionExecution).where(ActionExecution.project_id == project.id)
        .options(orm.selectinload(ActionExecution.milestones), orm.selectinload(ActionExecution.reached))
    ).scalars()} if actions else {}
    groups, expected = _groups_and_expected([action.id for action in actions])
    rows = []
    for action in actions:
        figure = by_key.get(action.key) or rollup.ActionFigure(project.id, action.key, action.position, action.title)
        execution = executions.get(action.key)
        rows.append(ExecutionRow(action=action, figure=figure, execution=execution,
                                 milestones=list(execution.milestones) if execution else [], today=today,
                                 groups=groups.get(action.id, []), expected=expected.get(action.id, {}),
                                 reached=reached_of(execution)))
    return ExecutionPage(rows=rows, figures=figures)


def _groups_and_expected(action_ids: list[int]) -> tuple[dict[int, list[tuple[int, str]]],
                                                          dict[int, dict[Cell, int]]]:
    """The target groups ``(id, name)`` and expected beneficiaries by cell of each action, in two
    queries whatever the number of actions."""
    if not action_ids:
        return {}, {}
    groups: dict[int, list[tuple[int, str]]] = {}
    for action_id, group in db.session.execute(
            sa.select(action_target_groups.c.action_id, TargetGroup)
            .join(TargetGroup, TargetGroup.id == action_target_groups.c.target_group_id)
            .where(action_target_groups.c.action_id.in_(action_ids)).order_by(TargetGroup.position)):
        groups.setdefault(action_id, []).append((group.id, group.name))
    expected: dict[int, dict[Cell, int]] = {}
    for action_id, group_id, sex, number in db.session.execute(
            sa.select(ActionBeneficiaries.action_id, ActionBeneficiaries.target_group_id, ActionBeneficiaries.sex,
                      ActionBeneficiaries.expected).where(ActionBeneficiaries.action_id.in_(action_ids))):
        expected.setdefault(action_id, {})[(group_id, sex)] = number
    return groups, expected


def late_action_count(project: TerritoryProject, today: date | None = None) -> int:
    """How many actions of the approved version are marked delayed or have a milestone overdue
    (done and dropped actions aside); one query."""
    if project.approved_number is None:
        return 0
    today = today or date.today()
    overdue = sa.exists().where(ExecutionMilestone.execution_id == ActionExecution.id,
                                ExecutionMilestone.done_on.is_(None), ExecutionMilestone.due_date < today)
    keys = (sa.select(ProjectAction.key).join(ProjectVersion, ProjectVersion.id == ProjectAction.version_id)
            .where(ProjectVersion.project_id == project.id, ProjectVersion.number == project.approved_number))
    return db.session.execute(
        sa.select(sa.func.count()).select_from(ActionExecution).where(
            ActionExecution.project_id == project.id, ActionExecution.action_key.in_(keys),
            ActionExecution.status.not_in(CLOSED_STATUSES),
            sa.or_(ActionExecution.status == "delayed", overdue))).scalar_one()


# --- validation ----------------------------------------------------------------------------------

def _as_data(data: ExecutionData | Mapping) -> ExecutionData:
    if isinstance(data, ExecutionData):
        return data
    known = {f.name for f in fields(ExecutionData)}
    return ExecutionData(**{key: value for key, value in data.items() if key in known})


def _check(data: ExecutionData) -> ExecutionData:
    """The follow-up's fields, checked and normalised (done ⇒ 100 %)."""
    if data.status not in EXECUTION_STATUSES:
        raise DomainError(_l("Choose the action's status."), field="status")
    try:
        progress = int(data.progress if data.progress not in (None, "") else 0)
    except (TypeError, ValueError):
        raise DomainError(_l("Progress is a whole number from 0 to 100."), field="progress") from None
    if not 0 <= progress <= 100:
        raise DomainError(_l("Progress is a whole number from 0 to 100."), field="progress")
    if data.status == "done":
        progress = 100
    notes = data.notes or ""
    if len(notes) > MAX_NOTES:
        raise DomainError(_l("The notes are limited to 100,000 characters."), field="notes")
    weight = data.weight
    if weight in ("",):
        weight = None
    if weight is not None:
        from najma.projects.services import parse_amount

        weight = parse_amount(weight)
        if weight is None:
            raise DomainError(_l("The weight is a number of at least 0 with at most two decimals, or empty to "
                                 "weigh the action by its budget."), field="weight")
    return ExecutionData(status=data.status, progress=progress, notes=notes, weight=weight)


def _not_editable() -> DomainError:
    return DomainError(_l("The follow-up of actions is recorded once the conventions are signed, while the "
                          "project is in execution."))


def _editable(project: TerritoryProject, key: str) -> ProjectAction:
    """The approved action with ``key`` if the project's follow-up may be written now (a first
    look at the status; :func:`_lock_project` checks it again under the lock)."""
    if project.status not in EDITABLE_STATUSES:
        raise _not_editable()
    action = approved_action(project, key)
    if action is None:
        raise DomainError(_l("This action is not in the approved version of the project."))
    return action


def _lock_project(project: TerritoryProject) -> None:
    """Lock the project's row until the commit and check its status again: the evaluation (which
    locks the same row before reading the follow-up) then waits for this write or is seen by
    it. Refused (rolled back) when the follow-up may no longer be written."""
    status = db.session.execute(sa.select(TerritoryProject.status).where(TerritoryProject.id == project.id)
                                .with_for_update()).scalar_one()
    if status not in EDITABLE_STATUSES:
        db.session.rollback()
        raise _not_editable()


def _milestone_list(execution: ActionExecution) -> list[str]:
    return [f"{m.title} · {m.due_date.isoformat()}" + (f" · {m.done_on.isoformat()}" if m.done_on else "")
            for m in execution.milestones]


def _new_execution(project: TerritoryProject, key: str, data: ExecutionData | None = None) -> ActionExecution:
    data = data or ExecutionData()
    execution = ActionExecution(project_id=project.id, action_key=key, status=data.status,
                                progress=data.progress or 0, notes=data.notes, weight=data.weight, lock_version=1)
    execution.milestones = []
    db.session.add(execution)
    return execution


# --- writing -------------------------------------------------------------------------------------

def save_execution(actor, project: TerritoryProject, action_key: str, data: ExecutionData | Mapping,
                   base_lock_version: int | None) -> ActionExecution:
    """Record an action's follow-up (status, progress, notes, weight).

    ``base_lock_version`` is the version the form was read at (0 before the first save); a save
    based on an older one raises :class:`ExecutionConflict` and changes nothing.
    """
    action = _editable(project, action_key)
    typed = _as_data(data)
    checked = _check(typed)
    base = int(base_lock_version or 0)
    _lock_project(project)
    current = execution_of(project, action_key)
    if current is None:
        if base != 0:
            db.session.rollback()
            raise DomainError(_l("This follow-up no longer exists; reload the page."))
        execution = _new_execution(project, action_key, checked)
        try:
            db.session.flush()
        except sa.exc.IntegrityError:
            db.session.rollback()
            raise ExecutionConflict(execution_of(project, action_key), typed) from None
        audit.record(actor, "create", execution, {}, audit.snapshot(execution, EXECUTION_FIELDS),
                     label=action.title, territory_id=project.territory_id)
        db.session.commit()
        return execution
    if base != current.lock_version:
        conflict = ExecutionConflict(current, typed)
        db.session.rollback()
        raise conflict
    before = audit.snapshot(current, EXECUTION_FIELDS)
    result = db.session.execute(
        sa.update(ActionExecution).where(ActionExecution.id == current.id, ActionExecution.lock_version == base)
        .values(status=checked.status, progress=checked.progress, notes=checked.notes, weight=checked.weight,
                lock_version=ActionExecution.lock_version + 1)
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        db.session.rollback()
        raise ExecutionConflict(execution_of(project, action_key), typed)
    db.session.refresh(current)
    audit.record(actor, "update", current, before, audit.snapshot(current, EXECUTION_FIELDS),
                 label=action.title, territory_id=project.territory_id)
    db.session.commit()
    return current


def _with_milestones(project: TerritoryProject, key: str) -> ActionExecution:
    """The follow-up row of an action with its milestones, created (not started) if needed."""
    execution = execution_of(project, key, milestones=True)
    if execution is None:
        execution = _new_execution(project, key)
        try:
            db.session.flush()
        except sa.exc.IntegrityError:  # created meanwhile by someone else
            db.session.rollback()
            execution = execution_of(project, key, milestones=True)
    return execution


def add_milestone(actor, project: TerritoryProject, action_key: str, title: str,
                  due_date: date | None) -> ExecutionMilestone:
    """Add a milestone (title, due date) to an action's follow-up."""
    action = _editable(project, action_key)
    title = (title or "").strip()
    if not title:
        raise DomainError(_l("A milestone needs a title."), field="title")
    if len(title) > MAX_MILESTONE_TITLE:
        raise DomainError(_l("The title is limited to 200 characters."), field="title")
    if not isinstance(due_date, date):
        raise DomainError(_l("A milestone needs a due date."), field="due_date")
    check_date(due_date, "due_date")
    _lock_project(project)
    execution = _with_milestones(project, action_key)
    before = {"milestones": _milestone_list(execution)}
    milestone = ExecutionMilestone(title=title, due_date=due_date)
    execution.milestones.append(milestone)
    db.session.flush()
    audit.record(actor, "update", execution, before, {"milestones": _milestone_list(execution)},
                 label=action.title, territory_id=project.territory_id)
    db.session.commit()
    return milestone


def _milestone(project: TerritoryProject, action_key: str,
               milestone_id: int) -> tuple[ActionExecution, ExecutionMilestone]:
    execution = execution_of(project, action_key, milestones=True)
    milestone = next((m for m in (execution.milestones if execution else []) if m.id == milestone_id), None)
    if milestone is None:
        db.session.rollback()
        raise DomainError(_l("This milestone no longer exists."))
    return execution, milestone


def set_milestone_done(actor, project: TerritoryProject, action_key: str, milestone_id: int,
                       done_on: date | None, today: date | None = None) -> ExecutionMilestone:
    """Mark a milestone reached on ``done_on`` (not in the future), or not reached with ``None``."""
    action = _editable(project, action_key)
    if done_on is not None and done_on > (today or date.today()):
        raise DomainError(_l("A milestone cannot be reached in the future."), field="done_on")
    check_date(done_on, "done_on")
    _lock_project(project)
    execution, milestone = _milestone(project, action_key, milestone_id)
    before = {"milestones": _milestone_list(execution)}
    milestone.done_on = done_on
    db.session.flush()
    audit.record(actor, "update", execution, before, {"milestones": _milestone_list(execution)},
                 label=action.title, territory_id=project.territory_id)
    db.session.commit()
    return milestone


def delete_milestone(actor, project: TerritoryProject, action_key: str, milestone_id: int) -> None:
    """Remove a milestone from an action's follow-up (the audit log keeps it)."""
    action = _editable(project, action_key)
    _lock_project(project)
    execution, milestone = _milestone(project, action_key, milestone_id)
    before = {"milestones": _milestone_list(execution)}
    execution.milestones.remove(milestone)
    db.session.flush()
    audit.record(actor, "update", execution, before, {"milestones": _milestone_list(execution)},
                 label=action.title, territory_id=project.territory_id)
    db.session.commit()


# --- beneficiaries reached -----------------------------------------------------------------------

def _check_reached(counts: Mapping, groups: Mapping[int, TargetGroup]) -> dict[Cell, int]:
    """The grid's numbers checked: whole numbers from 0 to 1,000,000 (empty is 0), for the
    action's target groups and the known sexes only. Zeros are left out."""
    checked: dict[Cell, int] = {}
    for key, value in (counts or {}).items():
        try:
            group_id, sex = int(key[0]), key[1]
        except (TypeError, ValueError, IndexError):
            raise InvalidReached(_l("Unknown target group.")) from None
        if sex not in SEXES:
            raise InvalidReached(_l("Unknown sex."))
        if group_id not in groups:
            if value in (None, "") or str(value).strip() in ("", "0"):
                continue
            raise InvalidReached(_l("Beneficiaries can only be recorded for the action's target groups."))
        text = "" if value is None else str(value).strip()
        if text == "":
            continue
        if not text.isdecimal() or int(text) > MAX_BENEFICIARIES:
            raise InvalidReached(_l("%(group)s, %(sex)s: beneficiaries reached are whole numbers from 0 to "
                                    "1,000,000.", group=groups[group_id].name, sex=SEXES[sex]), cell=(group_id, sex))
        if int(text):
            checked[(group_id, sex)] = int(text)
    return checked


def _action_groups(action: ProjectAction) -> dict[int, TargetGroup]:
    """The action's target groups by id (one query)."""
    return {group.id: group for group in db.session.execute(
        sa.select(TargetGroup)
        .join(action_target_groups, action_target_groups.c.target_group_id == TargetGroup.id)
        .where(action_target_groups.c.action_id == action.id).order_by(TargetGroup.position)).scalars()}


def _reached_list(reached: Mapping[Cell, int], groups: Mapping[int, TargetGroup]) -> list[str]:
    """The reached counts as audit lines ("group · sex: number"), the group named in French."""
    return [f"{groups[group_id].name_fr if group_id in groups else group_id} · {sex}: {number}"
            for (group_id, sex), number in sorted(reached.items())]


def save_reached(actor, project: TerritoryProject, action_key: str, counts: Mapping,
                 base_lock_version: int | None) -> ActionExecution:
    """Record the beneficiaries an action has reached so far, by target group and sex.

    ``counts`` maps ``(target_group_id, sex)`` to a number (text or int; empty is 0). The save is
    a compare-and-set on the follow-up's ``lock_version`` (0 before its first save): a save based
    on an older reading raises :class:`ReachedConflict` and changes nothing, as does a refused
    number (:class:`InvalidReached`) or a dropped action.
    """
    action = _editable(project, action_key)
    groups = _action_groups(action)
    checked = _check_reached(counts, groups)
    base = int(base_lock_version or 0)
    _lock_project(project)
    current = execution_of(project, action_key, reached=True)
    if current is None:
        if base != 0:
            db.session.rollback()
            raise DomainError(_l("This follow-up no longer exists; reload the page."))
        execution = _new_execution(project, action_key)
        execution.reached = []
        try:
            db.session.flush()
        except sa.exc.IntegrityError:
            db.session.rollback()
            raise ReachedConflict(execution_of(project, action_key, reached=True), counts) from None
        verb, before = "create", {}
    else:
        if base != current.lock_version:
            conflict = ReachedConflict(current, counts)
            db.session.rollback()
            raise conflict
        if current.status == "dropped":
            db.session.rollback()
            raise DomainError(_l("This action is dropped: it records no more beneficiaries."))
        result = db.session.execute(
            sa.update(ActionExecution).where(ActionExecution.id == current.id, ActionExecution.lock_version == base)
            .values(lock_version=ActionExecution.lock_version + 1)
            .execution_options(synchronize_session=False))
        if result.rowcount != 1:
            db.session.rollback()
            raise ReachedConflict(execution_of(project, action_key, reached=True), counts)
        db.session.refresh(current, ["lock_version", "updated_at"])
        execution, verb, before = current, "update", {"reached": _reached_list(reached_of(current), groups)}
    kept = {(row.target_group_id, row.sex): row for row in execution.reached}
    rows = []
    for (group_id, sex), number in sorted(checked.items()):
        row = kept.get((group_id, sex)) or ActionReached(target_group_id=group_id, sex=sex)
        row.reached = number
        rows.append(row)
    execution.reached = rows
    db.session.flush()
    after = {"reached": _reached_list(checked, groups)}
    if verb == "create":
        after.update(audit.snapshot(execution, EXECUTION_FIELDS))
    audit.record(actor, verb, execution, before, after, label=action.title, territory_id=project.territory_id)
    db.session.commit()
    return execution
