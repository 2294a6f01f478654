"""The phase report a steering meeting works from: the date, the programme's phase, and for each
territory its phase, cohort, project status, gate to the next phase item by item and its open
problems; then the decisions to take (territories ready to move, and those blocked, with why).

It reads the dashboard's cached data (:func:`najma.rollout.dashboard.dashboard_data`) plus the
open problems of every territory (one query), and is printed to PDF with WeasyPrint.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from najma.rollout import dashboard, problems
from najma.rollout.gates import phase_index


@dataclass(frozen=True)
class ProblemLine:
    """An open problem as the report lists it."""

    id: int
    title: str
    severity: str
    status: str
    age_days: int


@dataclass
class TerritorySection:
    """One territory's situation."""

    territory: dashboard.TerritoryInfo
    project_status: str | None
    decision: dashboard.Decision | None
    problems: list[ProblemLine] = field(default_factory=list)


@dataclass
class PhaseReport:
    """Everything the report prints; ``phase`` restricts it to the territories of one phase."""

    today: date
    phase: str | None
    programme_phase: str | None
    phase_counts: dict[str, int]
    sections: list[TerritorySection]
    ready: list[dashboard.Decision]
    blocked: list[dashboard.Decision]
    problems_open: int
    map_svg: object = None

    @property
    def territory_count(self) -> int:
        return len(self.sections)


def phase_report(phase: str | None = None, today: date | None = None) -> PhaseReport:
    """The report for every territory, or for those in ``phase``; most advanced phases first."""
    data = dashboard.dashboard_data(today)
    territories = [t for t in data.territories if phase is None or t.phase == phase]
    open_by_territory: dict[int, list[ProblemLine]] = {}
    if any(data.problems_by_territory.get(t.id) for t in territories):
        for row in problems.open_problems():
            open_by_territory.setdefault(row.problem.territory_id, []).append(ProblemLine(
                row.problem.id, row.problem.title, row.problem.severity, row.problem.status, row.age_days))
    decisions = {d.territory.id: d for d in data.decisions}
    sections = [TerritorySection(t, data.project_status.get(t.id), decisions.get(t.id), open_by_territory.get(t.id, []))
                for t in territories]
    sections.sort(key=lambda s: (-phase_index(s.territory.phase), s.territory.name))
    shown = {t.id for t in territories}
    return PhaseReport(
        today=data.today, phase=phase, programme_phase=data.programme_phase,
        phase_counts=data.phase_counts, sections=sections,
        ready=[d for d in data.ready if d.territory.id in shown],
        blocked=[d for d in data.blocked if d.territory.id in shown],
        problems_open=sum(len(s.problems) for s in sections), map_svg=data.map_svg)


def filename(report: PhaseReport) -> str:
    """The PDF's file name: the date, and the phase when the report is limited to one."""
    suffix = f"-{report.phase}" if report.phase else ""
    return f"najma-phase-report-{report.today.isoformat()}{suffix}.pdf"
