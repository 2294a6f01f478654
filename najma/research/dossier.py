"""A territory's research dossier: one document with a table of contents, the research plan,
the notes by milestone, the findings by target group and the retained paths with their
evidence. Built for one reader, so it holds only what that reader may read (drafts reach
only the antenna); ``published_only`` builds the version meant for the committee."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy import orm

from najma.extensions import db
from najma.models_base import utcnow
from najma.permissions import note_levels
from najma.research import coding, paths, plan
from najma.research.models import ResearchNote
from najma.territories.models import Territory

#: The dossier's note sections: the milestone they document and the kinds of note in them.
NOTE_SECTIONS = (
    ("populations", _l("Knowing the populations, their needs and aspirations"),
     ("observation", "interview", "focus_group", "survey")),
    ("inventory", _l("Inventory of existing responses"), ("inventory",)),
    ("analysis", _l("Analysis"), ("diagnostic", "analysis")),
)


@dataclass
class NoteSection:
    """The notes documenting one milestone."""

    code: str
    title: str
    notes: list[ResearchNote] = field(default_factory=list)


@dataclass
class Dossier:
    """Everything the dossier prints, already filtered for its reader."""

    territory: Territory
    generated_at: datetime
    published_only: bool
    levels: tuple[str, ...]
    plan: plan.PlanSummary
    sections: list[NoteSection]
    findings: coding.Findings
    retained: list[tuple]  # (path, evidence entries readable by the reader)

    @property
    def note_count(self) -> int:
        return sum(len(section.notes) for section in self.sections)


def build(user, territory: Territory, *, published_only: bool = False) -> Dossier:
    """The dossier of ``territory`` as ``user`` may read it (only published notes if asked)."""
    levels = note_levels(user, territory.id)
    if published_only:
        levels = tuple(level for level in levels if level == "published")
    notes = list(db.session.execute(
        sa.select(ResearchNote).where(ResearchNote.territory_id == territory.id, ResearchNote.deleted_at.is_(None),
                                      ResearchNote.visibility.in_(levels or ("-",)))
        .options(orm.joinedload(ResearchNote.author), orm.selectinload(ResearchNote.target_groups),
                 orm.selectinload(ResearchNote.communes))
        .order_by(ResearchNote.fieldwork_date.nulls_last(), ResearchNote.id)).unique().scalars())
    sections = [NoteSection(code, str(title), [n for n in notes if n.kind in kinds])
                for code, title, kinds in NOTE_SECTIONS]
    findings = _narrowed(coding.findings(user, territory), levels)
    retained = []
    for path in paths.retained_paths(territory):
        evidence = [entry for entry in paths.evidence_for(path, user)
                    if entry.readable and entry.note.visibility in levels]
        retained.append((path, evidence))
    return Dossier(territory, utcnow(), published_only, levels, plan.plan_summary(territory), sections,
                   findings, retained)


def _narrowed(findings: coding.Findings, levels: tuple[str, ...]) -> coding.Findings:
    """The findings whose note is at one of ``levels`` (the reader's, or published only)."""
    groups = []
    for group in findings.groups:
        codes = [coding.CodeFindings(c.code, [i for i in c.items if i.note_visibility in levels]) for c in group.codes]
        codes = [c for c in codes if c.items]
        if codes:
            groups.append(coding.GroupFindings(group.target_group, codes))
    return coding.Findings(groups, sum(g.total for g in groups))
