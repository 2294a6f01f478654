"""Demo field research for the four pilot territories: fictitious notes (every title says
démo), coded passages, a research plan and two intervention paths per territory.

The notes describe situations the programme document names (illiterate women, girls out of
school, elderly people alone, graduates without work); they contain no statistics and no
real person. Call :func:`load_demo_research` after the demo territories and accounts exist;
it is idempotent (a territory that already has notes is left alone).
"""
from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa

from najma.auth import services as auth_services
from najma.extensions import db
from najma.reference.models import Chantier, TargetGroup
from najma.research import coding, paths, plan, services
from najma.research.models import ResearchNote
from najma.research.services import NoteData
from najma.territories.services import get_by_slug

#: (key, kind, title, days before today, visibility, target groups, chantiers, participants, body)
_NOTES = (
    ("souk", "observation", "Observation au souk hebdomadaire de {town} (démo)", 80, "published",
     ("women_in_difficulty", "girls_out_of_school"), ("listening",),
     {"25_59": {"female": 9, "male": 4}, "15_24": {"female": 3}},
     "Le jeudi, jour de souk, nous avons observé la place de {town} entre 9 h et 13 h.\n\n"
     "Plusieurs femmes vendent des galettes et des herbes sans étal fixe. Elles disent ne pas savoir lire "
     "les prix affichés par les grossistes et comptent de tête.\n\n"
     "Des jeunes filles accompagnent leur mère au lieu d'aller à l'école : le collège est à 12 km et le "
     "transport scolaire ne passe pas par leur douar."),
    ("focus", "focus_group", "Focus group avec des femmes du douar Tighza, {town} (démo)", 60, "published",
     ("women_in_difficulty",), ("equal_opportunity", "micro_projects"),
     {"25_59": {"female": 11}, "60_plus": {"female": 2}},
     "Onze femmes réunies au foyer féminin, animation en tamazight par l'antenne.\n\n"
     "- Les participantes veulent apprendre à lire et à compter pour gérer leurs ventes.\n"
     "- Elles aimeraient créer une coopérative de couscous et de plantes aromatiques.\n"
     "- Le manque de garde d'enfants les empêche de suivre une formation l'après-midi.\n\n"
     "> « Si quelqu'un garde les petits, je viens tous les jours. »"),
    ("elderly", "interview", "Entretien avec une femme âgée vivant seule, {town} (démo)", 45, "shared",
     ("elderly_in_difficulty",), ("listening",), {"60_plus": {"female": 1}},
     "Entretien d'une heure à domicile, avec l'accord de la personne ; aucun nom n'est noté.\n\n"
     "Elle vit seule depuis le départ de ses enfants en ville. Le centre de santé est loin et elle renonce "
     "aux consultations. Elle souhaite une visite régulière et un lieu où retrouver d'autres femmes de son âge."),
    ("inventory", "inventory", "Inventaire des services et associations présents à {town} (démo)", 30, "published",
     (), (), {},
     "## Services et structures recensés\n\n"
     "| Structure | Public | Remarque |\n|---|---|---|\n"
     "| Centre d'éducation et de formation (EN) | jeunes filles et femmes | couture, places libres le matin |\n"
     "| Jardin d'enfants Al Amal (EN) | enfants de 3 à 6 ans | liste d'attente |\n"
     "| Maison des jeunes | jeunes | activités sportives, peu fréquentée par les filles |\n"
     "| Association Nour | femmes | alphabétisation le soir, manque d'animatrices |\n\n"
     "Le centre de formation dispose de places libres le matin : une ressource existante à mobiliser."),
    ("diagnostic", "diagnostic", "Diagnostic partagé avec la commission permanente, {town} (démo)", 15, "shared",
     ("women_in_difficulty", "girls_out_of_school", "elderly_in_difficulty"), ("equal_opportunity",), {},
     "La commission a relu les notes de terrain. Trois constats :\n\n"
     "1. l'analphabétisme des femmes freine toute activité génératrice de revenus ;\n"
     "2. l'éloignement du collège pousse les jeunes filles à quitter l'école ;\n"
     "3. les personnes âgées isolées ne sont suivies par aucune structure.\n\n"
     "Obstacle principal : l'absence de garde d'enfants pendant les formations."),
    ("draft", "observation", "Notes de terrain à compléter, {town} (démo)", 3, "draft",
     ("children_precarious",), ("childhood",), {"under_15": {"female": 4, "male": 6}},
     "Visite rapide du quartier bas : enfants seuls dans la rue pendant les heures de classe. À vérifier "
     "avec l'école et l'association de quartier avant de partager."),
)
#: (note key, quote, code, target group, memo)
_PASSAGES = (
    ("souk", "ne pas savoir lire les prix affichés", "need", "women_in_difficulty", "Alphabétisation fonctionnelle"),
    ("souk", "le collège est à 12 km", "obstacle", "girls_out_of_school", ""),
    ("focus", "Les participantes veulent apprendre à lire et à compter pour gérer leurs ventes.", "need",
     "women_in_difficulty", ""),
    ("focus", "Elles aimeraient créer une coopérative de couscous et de plantes aromatiques.", "aspiration",
     "women_in_difficulty", "Piste micro-projet"),
    ("focus", "Le manque de garde d'enfants les empêche de suivre une formation l'après-midi.", "obstacle",
     "women_in_difficulty", ""),
    ("elderly", "Elle souhaite une visite régulière", "aspiration", "elderly_in_difficulty", ""),
    ("elderly", "elle renonce aux consultations", "need", "elderly_in_difficulty", ""),
    ("inventory", "Le centre de formation dispose de places libres le matin", "resource", "women_in_difficulty", ""),
    ("diagnostic", "l'absence de garde d'enfants pendant les formations", "obstacle", "women_in_difficulty", ""),
)
#: (title, chantier, priority, target groups, evidence note keys, evidence passages (indexes), decision)
_PATHS = (
    ("Alphabétisation fonctionnelle des femmes avec garde d'enfants, {town} (démo)", "equal_opportunity", "high",
     ("women_in_difficulty",), ("focus",), (2, 4, 7), "retained",
     "Classes du matin au centre d'éducation et de formation, garde des enfants assurée par le jardin "
     "d'enfants, contenus tirés des ventes au souk (prix, poids, monnaie)."),
    ("Visites à domicile des personnes âgées isolées, {town} (démo)", "listening", "medium",
     ("elderly_in_difficulty",), ("elderly",), (5,), None,
     "Un passage mensuel de bénévoles de l'association locale, avec orientation vers le centre de santé."),
)
_TOWNS = {"azilal": "Azilal", "chefchaouen": "Chefchaouen", "el-haouz": "Asni", "safi": "Safi"}


def load_demo_research() -> int:
    """Write the demo research of each pilot territory that has none; return how many notes."""
    groups = dict(db.session.execute(sa.select(TargetGroup.code, TargetGroup.id)).all())
    chantiers = dict(db.session.execute(sa.select(Chantier.code, Chantier.id)).all())
    written = 0
    for slug, town in _TOWNS.items():
        territory = get_by_slug(slug)
        if territory is None or not territory.is_demo:
            continue
        if db.session.execute(sa.select(ResearchNote.id).where(ResearchNote.territory_id == territory.id)
                              .limit(1)).first():
            continue
        written += _territory_research(territory, town, groups, chantiers)
    return written


def _territory_research(territory, town: str, groups: dict, chantiers: dict) -> int:
    author = auth_services.find_user_by_email(f"antenne.{territory.slug}@demo.najma.ma")
    commenter = auth_services.find_user_by_email(f"commission.{territory.slug}@demo.najma.ma")
    today = date.today()
    notes = {}
    for key, kind, title, days, visibility, group_codes, chantier_codes, participants, body in _NOTES:
        note = services.create_note(author, territory, NoteData(
            kind=kind, title=title.format(town=town), body=body.format(town=town),
            fieldwork_date=today - timedelta(days=days), place=town,
            target_group_ids=[groups[c] for c in group_codes], chantier_ids=[chantiers[c] for c in chantier_codes],
            participants=participants), is_demo=True)
        if visibility != "draft":
            services.set_visibility(author, note, visibility)
        notes[key] = note
    passages = [coding.code_passage(author, notes[key], quote, code, groups[group], memo)
                for key, quote, code, group, memo in _PASSAGES]
    if commenter is not None:
        services.add_comment(commenter, notes["diagnostic"],
                             "Pensez à associer la maison des jeunes pour les jeunes filles (démo).")
    plan.save_plan(author, territory, today - timedelta(days=90), 8)
    for title, chantier, priority, group_codes, note_keys, passage_indexes, decision, rationale in _PATHS:
        path = paths.create_path(author, territory, paths.PathData(
            title=title.format(town=town), rationale=rationale, chantier_id=chantiers[chantier], priority=priority,
            target_group_ids=[groups[c] for c in group_codes], note_ids=[notes[k].id for k in note_keys],
            passage_ids=[passages[i].id for i in passage_indexes]), is_demo=True)
        if decision:
            paths.decide(author, path, decision, "Retenue par la commission permanente (démo).")
    return len(notes)
