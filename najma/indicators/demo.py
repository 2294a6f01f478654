"""Demo monitoring and evaluation for the pilot territories: a few values of the hand-entered
indicator (cooperatives and micro-enterprises created) taken through the approval chain, and
participatory evaluation entries linked to the demo research.

Everything is fictitious and says so: the values' source reads "démo" and they are flagged
``is_demo``; every entry's title says démo. The values are small counts, not statistics: census
figures stay the real HCP ones. Values go through the entry services as the demo accounts would
(the antenna enters, the delegate validates, the steering committee approves), so only the pilots
with demo antenna and delegate accounts (Azilal, Chefchaouen) get them. Call
:func:`load_demo_indicators` after the demo research; it is idempotent (a territory that already has
values, or entries, is left alone).
"""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from najma.auth import services as auth_services
from najma.extensions import db
from najma.indicators import entry as entry_services
from najma.indicators import evaluation, periods
from najma.indicators.models import EvaluationEntry, Indicator, IndicatorValue
from najma.indicators.register import seed_default_indicators
from najma.research.models import ResearchNote
from najma.territories.services import get_by_slug

_DOMAIN = "demo.najma.ma"
_SOURCE = "Récépissés de constitution relevés par l'antenne (démo)"
#: The hand-entered indicator the demo fills.
_INDICATOR = "cooperatives_created"

#: territory slug -> (baseline last year, measure last half, measure this half, target next year,
#: how far this half's measure went: entered, validated or approved).
_VALUES = {
    "azilal": (0, 1, 2, 4, "validated"),
    "chefchaouen": (0, 0, 1, 3, "entered"),
}

#: territory slug -> entries: (author account, period ("previous" or "current" half), title, what changed,
#: for whom, what the participants said, indicator codes, note title fragments to link)
_ENTRIES = {
    "azilal": (
        ("antenne", "previous", "Retour des femmes du douar Tighza sur les classes du matin (démo)",
         "Les classes d'alphabétisation du matin ont ouvert au centre d'éducation et de formation, avec la "
         "garde des enfants au jardin d'enfants. Les participantes viennent **régulièrement** ; deux d'entre "
         "elles ont commencé à tenir un cahier de ventes.",
         "Les femmes du douar Tighza qui vendent au souk, et leurs jeunes enfants gardés pendant les cours.",
         "> « Maintenant je lis le prix sur le carton du grossiste. »\n\n"
         "> « Sans la garde des petits, je ne serais pas venue. »\n\n"
         "Elles demandent un cours de calcul plus long avant le mois de Ramadan.",
         ("illiteracy_10_plus",), ("Focus group",)),
        ("commission", "current", "Bilan avec la commission permanente : la coopérative de couscous (démo)",
         "Le groupe de femmes a déposé son dossier de constitution de coopérative. La commission note que "
         "l'accompagnement du chantier micro-projets a levé l'obstacle des pièces à réunir.",
         "Onze femmes du groupe d'alphabétisation, dont deux jeunes filles sorties de l'école.",
         "> « On savait faire le couscous, on ne savait pas faire les papiers. »\n\n"
         "Les membres souhaitent un local au souk et une balance homologuée.",
         ("cooperatives_created", "partnership_ties"), ("Diagnostic partagé", "Inventaire")),
    ),
    "chefchaouen": (
        ("antenne", "current", "Écoute des personnes âgées isolées : premières visites (démo)",
         "Les visites mensuelles à domicile ont commencé avec deux bénévoles de l'association de quartier. "
         "Trois personnes ont été orientées vers le centre de santé.",
         "Des personnes âgées vivant seules dans les quartiers périurbains.",
         "> « Quelqu'un frappe à ma porte, c'est déjà beaucoup. »",
         (), ("Entretien avec une femme âgée", "Inventaire")),
    ),
}


def _user(local: str):
    return auth_services.find_user_by_email(f"{local}@{_DOMAIN}")


def _halves(today: date) -> tuple[str, str]:
    """The previous half and the current one (both started)."""
    current = periods.current("half", today)
    year, part = int(current[:4]), current[-2:]
    previous = f"{year}-S1" if part == "S2" else f"{year - 1}-S2"
    return previous, current


def load_demo_indicators() -> dict[str, int]:
    """Write the demo values and evaluation entries of the demo pilots that have none; return how
    many values and entries were written."""
    seed_default_indicators()
    indicator = db.session.execute(sa.select(Indicator).where(Indicator.code == _INDICATOR)).scalar_one_or_none()
    steering = _user("pilotage")
    written = {"values": 0, "entries": 0}
    today = date.today()
    previous, current = _halves(today)
    for slug, figures in _VALUES.items():
        territory = get_by_slug(slug)
        if territory is None or not territory.is_demo or indicator is None or steering is None:
            continue
        if db.session.execute(sa.select(IndicatorValue.id).where(IndicatorValue.territory_id == territory.id,
                                                                 IndicatorValue.indicator_id == indicator.id)
                              .limit(1)).first():
            continue
        written["values"] += _values(territory, indicator, figures, steering, previous, current, today)
    from najma.indicators.services import record_census_baselines

    for slug in ("azilal", "chefchaouen", "el-haouz", "safi"):
        territory = get_by_slug(slug)
        if territory is not None and territory.is_demo:
            written["values"] += record_census_baselines(None, territory).added  # real HCP figures, idempotent
    for slug, entries in _ENTRIES.items():
        territory = get_by_slug(slug)
        if territory is None or not territory.is_demo:
            continue
        if db.session.execute(sa.select(EvaluationEntry.id).where(EvaluationEntry.territory_id == territory.id)
                              .limit(1)).first():
            continue
        written["entries"] += _entries(territory, entries, {"previous": previous, "current": current})
    return written


def _values(territory, indicator: Indicator, figures: tuple, steering, previous: str, current: str,
            today: date) -> int:
    """Enter, validate and approve one pilot's demo values; the current half stops where ``figures`` says."""
    antenna, delegate = _user(f"antenne.{territory.slug}"), _user(f"delegue.{territory.slug}")
    if antenna is None or delegate is None:
        return 0
    baseline, before, now, target, stop_at = figures
    steps = ((str(today.year - 1), "baseline", baseline, "approved"), (previous, "measure", before, "approved"),
             (current, "measure", now, stop_at), (str(today.year + 1), "target", target, "approved"))
    count = 0
    for period, kind, value, status in steps:
        rows = entry_services.enter_values(antenna, territory, period, [{
            "indicator_id": indicator.id, "kind": kind, "value": value, "source_text": _SOURCE,
            "note": "Valeur de démonstration (démo)."}], confirm=True, today=today, is_demo=True)
        row_ids = [row.id for row in rows]
        count += len(row_ids)
        if status in ("validated", "approved"):
            entry_services.validate_values(delegate, territory, period, row_ids)
        if status == "approved":
            entry_services.approve_values(steering, row_ids)
    return count


def _entries(territory, entries: tuple, halves: dict[str, str]) -> int:
    """Write one pilot's demo evaluation entries, linked to its demo notes whose title matches."""
    codes = dict(db.session.execute(sa.select(Indicator.code, Indicator.id)).all())
    notes = db.session.execute(sa.select(ResearchNote.id, ResearchNote.title).where(
        ResearchNote.territory_id == territory.id, ResearchNote.deleted_at.is_(None),
        ResearchNote.visibility.in_(evaluation.SHARED_LEVELS))).all()
    count = 0
    for account, half, title, changed, for_whom, said, indicator_codes, note_titles in entries:
        author = _user(f"{account}.{territory.slug}")
        evaluation.create_entry(author, territory, evaluation.EvaluationData(
            period=halves[half], title=title, what_changed=changed, for_whom=for_whom, participants_said=said,
            indicator_ids=[codes[code] for code in indicator_codes if code in codes],
            note_ids=[note_id for note_id, note_title in notes if any(part in note_title for part in note_titles)]),
            is_demo=True)
        count += 1
    return count
