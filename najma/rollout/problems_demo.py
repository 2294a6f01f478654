"""Demo site problems on the pilot territories, written through the same services as a user
would (every title says démo; the situations are illustrative, the people fictitious):

* Azilal: the antenna's problem, open for 75 days (late on the dashboard);
* Chefchaouen: the committee's problem, answered by the steering committee;
* El Haouz: the commission's problem, answered and closed.

Call :func:`load_demo_problems` after the demo accounts and territories exist; it is idempotent
(nothing is written once a demo problem exists).
"""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from najma.auth import services as auth_services
from najma.extensions import db
from najma.models_base import utcnow
from najma.reference.models import Chantier
from najma.rollout import problems
from najma.rollout.models import SiteProblem
from najma.territories.services import get_by_slug

_DOMAIN = "demo.najma.ma"

#: (territory slug, raising body kind, raiser's account, days ago, severity, chantier code, title, description)
_PROBLEMS = (
    ("azilal", "antenna", "antenne.azilal", 75, "high", "equal_opportunity",
     "Les femmes des douars éloignés ne peuvent pas rejoindre les classes (démo)",
     "Les classes d'alphabétisation se tiennent au centre d'Azilal. Les femmes des douars situés à plus de "
     "10 km n'ont **aucun transport** le matin ; la moitié des inscrites ont cessé de venir.\n\n"
     "- essai d'un covoiturage avec l'association : insuffisant\n- la commune n'a pas de minibus disponible"),
    ("chefchaouen", "committee", "delegue.chefchaouen", 40, "medium", "listening",
     "Pas de local pour l'écoute et l'orientation dans le quartier (démo)",
     "Le local prêté par la maison de jeunes n'est disponible que deux demi-journées par semaine ; "
     "les familles attendent plusieurs semaines un entretien."),
    ("el-haouz", "commission", None, 95, "blocking", None,
     "Les fiches de suivi ne sont pas partagées entre partenaires (démo)",
     "Chaque partenaire tient ses propres fiches : une même famille est suivie trois fois, sans que "
     "personne n'ait la vue d'ensemble."),
)
_SOLUTIONS = {
    "chefchaouen": ("Le comité de pilotage propose de demander au conseil provincial la mise à disposition d'une "
                    "salle du centre social voisin, trois jours par semaine, en attendant l'ouverture du futur "
                    "espace multifonctionnel (démo)."),
    "el-haouz": ("Adopter la fiche de suivi commune produite par le chantier « écoute, orientation et suivi », "
                 "tenue par l'antenne et consultée par les partenaires lors de la commission mensuelle (démo)."),
}


def _user(local: str | None):
    return auth_services.find_user_by_email(f"{local}@{_DOMAIN}") if local else None


def load_demo_problems() -> int:
    """Write the demo problems on the pilot territories (none if one exists); return how many."""
    if db.session.execute(sa.select(SiteProblem.id).where(SiteProblem.is_demo.is_(True)).limit(1)).first():
        return 0
    steering = _user("pilotage")
    chantiers = dict(db.session.execute(sa.select(Chantier.code, Chantier.id)).all())
    written = 0
    for slug, kind, raiser, days_ago, severity, chantier, title, description in _PROBLEMS:
        territory = get_by_slug(slug)
        if territory is None or not territory.is_demo:
            continue
        body = next((b for b in problems.raising_bodies(territory) if b.kind == kind), None)
        if body is None:
            continue
        problem = problems.raise_problem(
            _user(raiser), territory,
            problems.ProblemData(body_id=body.id, title=title, severity=severity, description=description,
                                 chantier_id=chantiers.get(chantier) if chantier else None),
            is_demo=True, raised_at=utcnow() - timedelta(days=days_ago))
        written += 1
        if slug in _SOLUTIONS:
            problems.propose_solution(steering, problem, _SOLUTIONS[slug], problem.lock_version)
        if slug == "el-haouz":
            problems.close_problem(steering, problem, "Fiche commune adoptée par les partenaires (démo).")
    return written
