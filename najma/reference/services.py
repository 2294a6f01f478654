"""The programme's reference data: the five chantiers and the six target groups."""
from __future__ import annotations

import sqlalchemy as sa

from najma import audit
from najma.extensions import db
from najma.reference.models import Chantier, TargetGroup

#: The five chantiers named in the programme document (code, French, Arabic, English, summary).
CHANTIERS = (
    ("listening", "Écoute, orientation et suivi", "الإنصات والتوجيه والتتبع",
     "Listening, orientation and follow-up",
     "Un espace d'écoute, d'orientation et de suivi sur chaque territoire : accueil, orientation, "
     "intermédiation auprès des partenaires et suivi post-formation des lauréats."),
    ("equal_opportunity", "Formation en matière de population et d'égalité des chances",
     "التكوين في مجال السكان وتكافؤ الفرص", "Population and equal-opportunity training",
     "Alphabétisation, éducation sanitaire et santé reproductive ; sensibilisation aux droits de la "
     "famille, de l'enfant et du travail, aux démarches administratives et à la création de coopératives."),
    ("childhood", "Enfance", "الطفولة", "Childhood",
     "Qualité des jardins d'enfants et des crèches, soutien aux enfants en situation précaire et aux "
     "familles pauvres, insertion des enfants abandonnés."),
    ("modular_training", "Formation modulaire", "التكوين بالوحدات", "Modular training",
     "Des formations flexibles, adaptées aux besoins et aux profils, aux spécificités locales et au "
     "marché de l'emploi."),
    ("micro_projects", "Micro-projets", "المشاريع الصغرى", "Micro-projects",
     "Intégration socio-économique des femmes et des jeunes filles par les coopératives et les "
     "micro-projets : sensibilisation, formation et suivi."),
)

#: The six target groups named by the programme (code, French, Arabic, English).
TARGET_GROUPS = (
    ("women_in_difficulty", "Femmes en difficulté", "النساء في وضعية صعبة", "Women in difficulty"),
    ("girls_out_of_school", "Jeunes filles analphabètes et déscolarisées",
     "الفتيات الأميات وغير المتمدرسات", "Illiterate and out-of-school girls"),
    ("boys_out_of_school", "Jeunes garçons déscolarisés", "الفتيان المنقطعون عن الدراسة",
     "Out-of-school boys"),
    ("children_precarious", "Enfants en situation précaire", "الأطفال في وضعية هشة",
     "Children in precarious situations"),
    ("elderly_in_difficulty", "Personnes âgées en difficulté", "المسنون في وضعية صعبة",
     "Elderly people in difficulty"),
    ("training_graduates", "Lauréats des centres de formation de l'Entraide Nationale",
     "خريجو مراكز التكوين التابعة للتعاون الوطني", "Graduates of Entraide Nationale training centres"),
)


def seed_reference_data() -> dict[str, int]:
    """Create the chantiers and target groups that are missing (idempotent); return counts created."""
    created = {"chantiers": 0, "target_groups": 0}
    known = set(db.session.execute(sa.select(Chantier.code)).scalars())
    for position, (code, fr, ar, en, summary) in enumerate(CHANTIERS, start=1):
        if code not in known:
            db.session.add(Chantier(code=code, position=position, name_fr=fr, name_ar=ar, name_en=en,
                                    description=summary))
            created["chantiers"] += 1
    known = set(db.session.execute(sa.select(TargetGroup.code)).scalars())
    for position, (code, fr, ar, en) in enumerate(TARGET_GROUPS, start=1):
        if code not in known:
            db.session.add(TargetGroup(code=code, position=position, name_fr=fr, name_ar=ar, name_en=en))
            created["target_groups"] += 1
    db.session.commit()
    return created


def list_chantiers() -> list[Chantier]:
    """The chantiers in programme order."""
    return list(db.session.execute(sa.select(Chantier).order_by(Chantier.position)).scalars())


def list_target_groups() -> list[TargetGroup]:
    """The target groups in programme order."""
    return list(db.session.execute(sa.select(TargetGroup).order_by(TargetGroup.position)).scalars())


def chantier_leads(chantier_ids: list[int]) -> dict[int, list]:
    """The users leading each chantier, in one query: ``{chantier_id: [User, ...]}``."""
    from najma.auth.models import RoleAssignment, User

    rows = db.session.execute(
        sa.select(RoleAssignment.chantier_id, User)
        .join(User, User.id == RoleAssignment.user_id)
        .where(RoleAssignment.role == "chantier_lead", RoleAssignment.chantier_id.in_(chantier_ids),
               User.active.is_(True))
        .order_by(User.full_name)
    ).all()
    leads: dict[int, list] = {cid: [] for cid in chantier_ids}
    for chantier_id, user in rows:
        leads[chantier_id].append(user)
    return leads


def update_chantier(actor, chantier: Chantier, description: str) -> Chantier:
    """Change a chantier's description, audited."""
    before = audit.snapshot(chantier)
    chantier.description = description
    audit.record(actor, "update", chantier, before, audit.snapshot(chantier))
    db.session.commit()
    return chantier
