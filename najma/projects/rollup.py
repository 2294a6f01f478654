"""Progress roll-up: from the actions of an approved version to the project, the province and the nation.

An action's weight is its explicit weight when one was set, else its budget (the sum of its
budget lines in the approved version). Dropped actions leave the roll-up. When every weight
is zero, the actions count equally.

A project counts in the province's and the nation's figure once its conventions are signed
(contracted, in execution or evaluated); there it weighs its approved budget, or counts equally
with the others when every budget is zero.

The figures are read for many projects at once in a fixed number of queries, never project by
project: :func:`project_figures` reads each action (two queries, for a project's pages);
:func:`project_totals` lets the database sum them into one row per project (one query, for the
national view), so it costs the same with 2 projects or 2,000.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

import sqlalchemy as sa

from najma.extensions import db
from najma.projects.models import ActionExecution, BudgetLine, ProjectAction, ProjectVersion, TerritoryProject

#: Statuses in which a project's progress counts for its province and the nation.
COUNTED_STATUSES = ("contracted", "in_execution", "evaluated")
#: Execution statuses left out of the roll-up.
EXCLUDED_STATUSES = ("dropped",)
ZERO = Decimal("0")
CENTS = Decimal("0.01")


@dataclass
class ActionFigure:
    """One action of an approved version as the roll-up sees it."""

    project_id: int
    key: str
    position: int
    title: str
    budget: Decimal = ZERO
    #: The weight set by hand, or ``None`` (then the budget weighs).
    weight: Decimal | None = None
    status: str = "not_started"
    progress: int = 0

    @property
    def weight_used(self) -> Decimal:
        """The weight that counts: the explicit one, else the budget."""
        return self.weight if self.weight is not None else self.budget

    @property
    def counted(self) -> bool:
        """Whether the action is in the roll-up (dropped actions are not)."""
        return self.status not in EXCLUDED_STATUSES


@dataclass
class ProjectFigures:
    """A project's approved budget, its actions and its rolled-up progress."""

    project_id: int
    status: str = ""
    actions: list[ActionFigure] = field(default_factory=list)

    @property
    def budget(self) -> Decimal:
        """The approved version's total budget (dropped actions included: it is what was approved)."""
        return sum((action.budget for action in self.actions), ZERO)

    @property
    def progress(self) -> float | None:
        """The weighted progress of the actions still counted (0–100), ``None`` without any."""
        return weighted_progress((action.weight_used, action.progress) for action in self.actions if action.counted)

    @property
    def counts_nationally(self) -> bool:
        return self.status in COUNTED_STATUSES


def weighted_progress(pairs: Iterable[tuple[Decimal, float]]) -> float | None:
    """Σ wᵢ·pᵢ / Σ wᵢ over ``(weight, progress)`` pairs; equal weights when every weight is 0;
    ``None`` when there is no pair."""
    pairs = [(Decimal(weight or 0), Decimal(progress or 0)) for weight, progress in pairs]
    if not pairs:
        return None
    total = sum((weight for weight, _ in pairs), ZERO)
    if total <= 0:
        return float(sum((progress for _, progress in pairs), ZERO) / len(pairs))
    return float(sum((weight * progress for weight, progress in pairs), ZERO) / total)


def combined_progress(projects: Iterable[ProjectFigures]) -> float | None:
    """The progress of a set of projects (a province, the nation): each counted project's
    progress weighted by its approved budget, equal weights when all budgets are 0."""
    return weighted_progress((figures.budget, figures.progress) for figures in projects
                             if figures.counts_nationally and figures.progress is not None)


@dataclass
class ProjectTotals:
    """A project's roll-up as SQL sums it, without its actions: what the national view needs."""

    project_id: int
    status: str
    budget: Decimal
    weight_sum: float
    weighted_sum: float
    counted_actions: int
    progress_sum: float

    @property
    def progress(self) -> float | None:
        """The same figure as :attr:`ProjectFigures.progress`, from the sums."""
        if not self.counted_actions:
            return None
        if self.weight_sum <= 0:
            return self.progress_sum / self.counted_actions
        return self.weighted_sum / self.weight_sum

    @property
    def counts_nationally(self) -> bool:
        return self.status in COUNTED_STATUSES


def _scope(query, project_ids: Iterable[int] | None, statuses: Iterable[str] | None):
    if project_ids is not None:
        query = query.where(TerritoryProject.id.in_(list(project_ids)))
    if statuses is not None:
        query = query.where(TerritoryProject.status.in_(list(statuses)))
    return query


def project_figures(project_ids: Iterable[int] | None = None,
                    statuses: Iterable[str] | None = None) -> dict[int, ProjectFigures]:
    """The figures of the approved version of the given projects (all projects when ``None``,
    optionally only those at ``statuses``), by project id; projects without an approved version
    are absent. Two queries, whatever the number of projects and actions."""
    if project_ids is not None:
        project_ids = list(project_ids)
        if not project_ids:
            return {}
    budget_total = sa.func.coalesce(sa.func.sum(BudgetLine.amount), 0)
    actions = _scope(
        sa.select(TerritoryProject.id, TerritoryProject.status, ProjectAction.key, ProjectAction.position,
                  ProjectAction.title, budget_total)
        .join(ProjectVersion, sa.and_(ProjectVersion.project_id == TerritoryProject.id,
                                      ProjectVersion.number == TerritoryProject.approved_number))
        .join(ProjectAction, ProjectAction.version_id == ProjectVersion.id)
        .outerjoin(BudgetLine, BudgetLine.action_id == ProjectAction.id)
        .group_by(TerritoryProject.id, TerritoryProject.status, ProjectAction.id, ProjectAction.key,
                  ProjectAction.position, ProjectAction.title),
        project_ids, statuses)
    figures: dict[int, ProjectFigures] = {}
    by_key: dict[tuple[int, str], ActionFigure] = {}
    for project_id, status, key, position, title, budget in db.session.execute(actions):
        project = figures.setdefault(project_id, ProjectFigures(project_id, status))
        action = ActionFigure(project_id, key, position, title, Decimal(budget).quantize(CENTS))
        project.actions.append(action)
        by_key[(project_id, key)] = action
    if not figures:
        return {}
    executions = _scope(
        sa.select(ActionExecution.project_id, ActionExecution.action_key, ActionExecution.status,
                  ActionExecution.progress, ActionExecution.weight)
        .join(TerritoryProject, TerritoryProject.id == ActionExecution.project_id)
        .where(TerritoryProject.approved_number.is_not(None)),
        project_ids, statuses)
    for project_id, key, status, progress, weight in db.session.execute(executions):
        action = by_key.get((project_id, key))
        if action is not None:
            action.status, action.progress, action.weight = status, progress, weight
    for project in figures.values():
        project.actions.sort(key=lambda action: (action.position, action.key))
    return figures


def project_totals(project_ids: Iterable[int] | None = None,
                   statuses: Iterable[str] | None = None) -> dict[int, ProjectTotals]:
    """Each project's approved budget and roll-up sums (one row per project, one query,
    aggregated by the database), for the given projects or all of them, optionally only those at
    ``statuses``; projects without an approved version are absent."""
    if project_ids is not None:
        project_ids = list(project_ids)
        if not project_ids:
            return {}
    budget = sa.func.coalesce(sa.func.sum(BudgetLine.amount), 0)
    per_action = _scope(
        sa.select(TerritoryProject.id.label("project_id"), TerritoryProject.status.label("status"),
                  budget.label("budget"),
                  sa.func.coalesce(ActionExecution.weight, budget).label("weight"),
                  sa.func.coalesce(ActionExecution.progress, 0).label("progress"),
                  sa.case((ActionExecution.status.in_(EXCLUDED_STATUSES), 0), else_=1).label("counted"))
        .join(ProjectVersion, sa.and_(ProjectVersion.project_id == TerritoryProject.id,
                                      ProjectVersion.number == TerritoryProject.approved_number))
        .join(ProjectAction, ProjectAction.version_id == ProjectVersion.id)
        .outerjoin(BudgetLine, BudgetLine.action_id == ProjectAction.id)
        .outerjoin(ActionExecution, sa.and_(ActionExecution.project_id == TerritoryProject.id,
                                            ActionExecution.action_key == ProjectAction.key))
        .group_by(TerritoryProject.id, TerritoryProject.status, ProjectAction.id, ActionExecution.id,
                  ActionExecution.weight, ActionExecution.progress, ActionExecution.status),
        project_ids, statuses).subquery()
    counted = per_action.c.counted == 1
    query = sa.select(
        per_action.c.project_id, per_action.c.status,
        sa.type_coerce(sa.func.sum(per_action.c.budget), sa.Numeric(14, 2)),
        sa.func.sum(sa.case((counted, per_action.c.weight), else_=0)),
        sa.func.sum(sa.case((counted, per_action.c.weight * per_action.c.progress), else_=0)),
        sa.func.sum(per_action.c.counted),
        sa.func.sum(sa.case((counted, per_action.c.progress), else_=0)),
    ).group_by(per_action.c.project_id, per_action.c.status)
    return {project_id: ProjectTotals(project_id, status, Decimal(budget or 0).quantize(CENTS), float(weights or 0),
                                      float(weighted or 0), int(n or 0), float(progress or 0))
            for project_id, status, budget, weights, weighted, n, progress in db.session.execute(query)}
