"""Demo actor maps for the four pilot territories: plausible, clearly fictitious (every name says démo).

One international partner works on all four pilots, so the national view has an actor shared
by several territories.

Call :func:`load_demo_actors` after the demo territories exist; it is idempotent (a territory
whose map already has actors is left alone).
"""
from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa

from najma.actors import services
from najma.actors.models import Actor
from najma.extensions import db
from najma.governance.models import Body, Membership
from najma.territories.services import get_by_slug

#: slug -> the town the actors are named after
DEMO_TOWNS = {"azilal": "Azilal", "chefchaouen": "Chefchaouen", "el-haouz": "Tahannaout", "safi": "Safi"}

#: (key, name pattern, kind, influence, stance)
_ACTORS = (
    ("commune", "Commune de {town} (démo)", "commune", 5, "supportive"),
    ("province", "Division de l'action sociale, province de {town} (démo)", "service_other", 4, "supportive"),
    ("health", "Délégation de la santé de {town} (démo)", "service_health", 4, "neutral"),
    ("education", "Service de l'éducation non formelle de {town} (démo)", "service_non_formal_education", 3,
     "supportive"),
    ("youth", "Maison des jeunes de {town} (démo)", "service_youth_sport", 2, "neutral"),
    ("anapec", "Agence de l'emploi de {town} (démo)", "service_employment_training", 3, None),
    ("efc", "Centre d'éducation et de formation de {town} (EN, démo)", "en_training_centre", 3, "supportive"),
    ("creche", "Jardin d'enfants Al Amal de {town} (EN, démo)", "en_kindergarten", 2, "supportive"),
    ("assoc_women", "Association Nour pour les femmes de {town} (démo)", "association", 3, "supportive"),
    ("assoc_youth", "Association Chabab Al Mostaqbal {town} (démo)", "association", 2, "neutral"),
    ("assoc_elderly", "Association Dar Al Hanane {town} (démo)", "association", 1, None),
    ("coop", "Coopérative féminine Tafoukt {town} (démo)", "cooperative", 2, "supportive"),
    ("business", "Atelier de menuiserie de {town} (démo)", "business", 1, "neutral"),
    ("artisan", "Maître tisserande du souk de {town} (démo)", "artisan", 1, None),
    ("partner", "Fondation internationale Horizons (démo)", "international_partner", 3, "neutral"),
)
#: (from, to, kind, directed, strength, months after the pilot start it began; None: before)
_TIES = (
    ("province", "commune", "coordination", False, 3, None),
    ("province", "efc", "hierarchy", True, 3, None),
    ("province", "creche", "hierarchy", True, 3, None),
    ("commune", "efc", "partnership", False, 2, None),
    ("commune", "assoc_youth", "funding", True, 2, None),
    ("commune", "health", "coordination", False, 1, None),
    ("efc", "assoc_women", "partnership", False, 3, None),
    ("assoc_women", "coop", "information", False, 2, None),
    ("coop", "artisan", "information", False, 1, None),
    ("health", "assoc_elderly", "information", False, 1, None),
    ("youth", "assoc_youth", "coordination", False, 2, None),
    ("assoc_youth", "commune", "conflict", False, 1, None),
    ("partner", "assoc_women", "funding", True, 2, None),
    ("education", "efc", "coordination", False, 2, 2),
    ("anapec", "efc", "partnership", False, 2, 3),
    ("creche", "health", "coordination", False, 2, 4),
    ("efc", "business", "partnership", False, 1, 5),
    ("partner", "efc", "funding", True, 2, 5),
)


def load_demo_actors(pilot_start: date | None = None) -> int:
    """Give each demo pilot territory an actor map and two snapshots; return the actors created."""
    start = pilot_start or date.today() - timedelta(days=240)
    created = 0
    for slug, town in DEMO_TOWNS.items():
        territory = get_by_slug(slug)
        if territory is None or not territory.is_demo:
            continue
        if db.session.execute(sa.select(Actor.id).where(Actor.territory_id == territory.id).limit(1)).first():
            continue
        seat = db.session.execute(
            sa.select(Membership.id).join(Body, Body.id == Membership.body_id)
            .where(Body.territory_id == territory.id, Body.kind == "committee", Membership.sector == "communes")
            .limit(1)).scalar_one_or_none()
        actors = {}
        for key, pattern, kind, influence, stance in _ACTORS:
            actors[key] = services.create_actor(None, territory, {
                "name": pattern.format(town=town), "kind": kind, "sector": None, "commune_id": None,
                "latitude": None, "longitude": None, "influence": influence, "stance": stance,
                "membership_id": seat if key == "commune" else None,
                "description": "Acteur fictif de démonstration."})
            created += 1
        for source, target, kind, directed, strength, months in _TIES:
            since = start - timedelta(days=365) if months is None else start + timedelta(days=30 * months)
            services.create_tie(None, territory, {
                "source_id": actors[source].id, "target_id": actors[target].id, "kind": kind, "directed": directed,
                "strength": strength, "since": since, "until": None,
                "evidence": "Entretien de l'antenne (démo)"})
        services.take_snapshot(None, territory, "Démarrage du pilote (démo)", start)
        services.take_snapshot(None, territory, "Six mois plus tard (démo)", start + timedelta(days=183))
    return created
