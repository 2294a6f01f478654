"""Demo rollout: the default gates, the pilots' history (launch to experimentation, decided at the
steering committee's launch review), the programme in its experimentation phase, a few chantier
tools made in the pilots (every title says démo), and Chefchaouen's research milestones declared
done so that its gate to appropriation passes (its project is approved, its conventions signed).

The pilots were created in the experimentation phase, so their first transition is recorded as it
was decided (with the gate as it stands; El Haouz, whose antenna still waits for its second staff
member, shows an override with its justification). Call :func:`load_demo_rollout` after the demo
projects; it is idempotent.
"""
from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa

from najma import audit
from najma.auth import services as auth_services
from najma.extensions import db
from najma.governance.models import Body, Meeting
from najma.models_base import utcnow
from najma.reference.models import Chantier
from najma.research import plan as research_plan
from najma.rollout import gates, tools
from najma.rollout.models import ChantierTool, PhaseTransition
from najma.rollout.services import seed_default_gates
from najma.territories.services import get_by_slug
from najma.vocab import MILESTONES, PHASES, label

_DOMAIN = "demo.najma.ma"
_PILOTS = ("azilal", "chefchaouen", "el-haouz", "safi")
_DECISION = "Démarrer l'expérimentation dans les quatre territoires pilotes (démo)."
_OVERRIDE = ("L'antenne démarre avec une personne : le second poste (travail social) est en cours de recrutement "
             "et sera pourvu avant le premier jalon de recherche (démo).")

#: (chantier code, title, description, territory where it was made, territories that adopted it)
_TOOLS = (
    ("listening", "Fiche commune d'écoute et d'orientation (démo)",
     "Une fiche unique par famille, tenue par l'antenne et consultée par les partenaires en commission.",
     "azilal", ("azilal", "chefchaouen")),
    ("equal_opportunity", "Livret de sensibilisation aux droits de la famille (démo)",
     "Séances courtes en darija et en amazighe, illustrées, pour les classes d'alphabétisation.",
     "el-haouz", ("el-haouz",)),
    ("childhood", "Guide d'animation des espaces enfance de quartier (démo)",
     "Activités d'éveil pour les enfants de 3 à 6 ans accueillis pendant la formation de leurs mères.",
     "chefchaouen", ("chefchaouen",)),
    ("modular_training", "Module court de couture et retouche (démo)",
     "Six semaines, trois demi-journées par semaine, au plus près des douars.",
     "azilal", ("azilal", "el-haouz")),
    ("micro_projects", "Parcours d'accompagnement des coopératives féminines (démo)",
     "De l'idée à la première vente : étapes, pièces à réunir, suivi après création.",
     "safi", ("safi",)),
)


def _user(local: str):
    return auth_services.find_user_by_email(f"{local}@{_DOMAIN}")


def _launch_meeting() -> Meeting | None:
    """The steering committee's demo meeting that decided the experimentation."""
    return db.session.execute(
        sa.select(Meeting).join(Body, Body.id == Meeting.body_id)
        .where(Body.kind == "steering").order_by(Meeting.starts_at).limit(1)).scalar_one_or_none()


def _record_start(territory, steering, meeting: Meeting | None) -> None:
    """The pilot's move from launch to experimentation, as decided at the launch review."""
    result = gates.evaluate(territory, "experimentation")
    decided_on = meeting.starts_at.date() if meeting else date.today() - timedelta(days=30)
    overridden = not result.passed
    transition = PhaseTransition(
        territory_id=territory.id, from_phase="launch", to_phase="experimentation", decided_on=decided_on,
        decided_at=utcnow(), decided_by_id=steering.id if steering else None,
        decided_by_name=steering.full_name if steering else "", meeting_id=meeting.id if meeting else None,
        decision=_DECISION, gate=result.snapshot(), overridden=overridden,
        justification=_OVERRIDE if overridden else "")
    db.session.add(transition)
    db.session.flush()
    audit.record(steering, "override" if overridden else "transition", transition, {"phase": "launch"},
                 {"phase": "experimentation", "decision": _DECISION, "overridden": overridden},
                 label=f"{territory.name} · {label(PHASES, 'launch')} → {label(PHASES, 'experimentation')}",
                 territory_id=territory.id)


def _history(steering, meeting: Meeting | None) -> int:
    recorded = 0
    for slug in _PILOTS:
        territory = get_by_slug(slug)
        if territory is None or not territory.is_demo or territory.phase != "experimentation":
            continue
        if db.session.execute(sa.select(PhaseTransition.id).where(
                PhaseTransition.territory_id == territory.id).limit(1)).first() is not None:
            continue
        _record_start(territory, steering, meeting)
        recorded += 1
    if db.session.execute(sa.select(PhaseTransition.id).where(
            PhaseTransition.territory_id.is_(None)).limit(1)).first() is None:
        db.session.add(PhaseTransition(
            territory_id=None, from_phase="launch", to_phase="experimentation",
            decided_on=meeting.starts_at.date() if meeting else date.today() - timedelta(days=30),
            decided_at=utcnow(), decided_by_id=steering.id if steering else None,
            decided_by_name=steering.full_name if steering else "", meeting_id=meeting.id if meeting else None,
            decision="Le programme entre en phase d'expérimentation avec les quatre pilotes (démo).", gate=[]))
    db.session.commit()
    return recorded


def _tools() -> int:
    existing = set(db.session.execute(sa.select(ChantierTool.title).where(ChantierTool.is_demo.is_(True))).scalars())
    chantiers = dict(db.session.execute(sa.select(Chantier.code, Chantier.id)).all())
    made = 0
    for code, title, description, origin_slug, adopters in _TOOLS:
        origin = get_by_slug(origin_slug)
        if title in existing or origin is None or not origin.is_demo or code not in chantiers:
            continue
        tool = tools.create_tool(None, tools.ToolData(chantier_id=chantiers[code], title=title,
                                                      description=description, origin_territory_id=origin.id),
                                 is_demo=True)
        for slug in adopters:
            territory = get_by_slug(slug)
            if territory is not None and territory.is_demo:
                tools.adopt(None, territory, tool, date.today() - timedelta(days=20))
        made += 1
    return made


def _chefchaouen_research_done() -> None:
    """Declare every milestone of Chefchaouen's research plan done (its gate to appropriation passes)."""
    territory = get_by_slug("chefchaouen")
    if territory is None or not territory.is_demo:
        return
    author = _user("antenne.chefchaouen")
    plan = research_plan.get_plan(territory)
    if plan is None:
        plan = research_plan.save_plan(author, territory, date.today() - timedelta(days=240), 8)
    for milestone in plan.milestones:
        if milestone.completed_on is None and milestone.code in MILESTONES:
            research_plan.mark_milestone(author, territory, milestone.code, True)


def load_demo_rollout() -> dict[str, int]:
    """Seed the gates and write the demo rollout (idempotent); return what was added."""
    added = {"gate_items": seed_default_gates()}
    added["transitions"] = _history(_user("pilotage"), _launch_meeting())
    added["tools"] = _tools()
    _chefchaouen_research_done()
    return added
