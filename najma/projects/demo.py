"""Demo territory projects, written through the same services as a user would (every title
says démo; amounts are illustrative, not real budgets).

* Azilal: a project sent back once for amendment, amended, resubmitted and under review: its
  chair (``delegue.azilal``) can open the vote, and ``comite.azilal`` can vote.
* Chefchaouen: approved by the committee's recorded vote (online and on paper), its conventions
  signed, in execution with progress and beneficiaries reached (illustrative numbers) on each action.
* El Haouz: a draft being written by the antenna.
* Safi: no project yet (its commission has not retained any path).

Call :func:`load_demo_projects` after the demo accounts, actors and research exist; it is
idempotent (a territory that has a project is left alone).
"""
from __future__ import annotations

import io
from datetime import date, timedelta

import sqlalchemy as sa

from najma.actors.models import Actor
from najma.auth import services as auth_services
from najma.extensions import db
from najma.reference.models import Chantier, TargetGroup
from najma.research import paths
from najma.research.models import InterventionPath
from najma.territories.services import get_by_slug

_DOMAIN = "demo.najma.ma"
_TOWNS = {"azilal": "Azilal", "chefchaouen": "Chefchaouen", "el-haouz": "Asni"}

#: A one-page PDF standing for a scanned signed convention (the demo has no real signature).
_SIGNED_PDF = b"""%PDF-1.4
1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj
2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj
3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R
/Resources << /Font << /F1 5 0 R >> >> >> endobj
4 0 obj << /Length 70 >> stream
BT /F1 18 Tf 72 770 Td (Convention signee - document de demonstration) Tj ET
endstream endobj
5 0 obj << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> endobj
trailer << /Root 1 0 R /Size 6 >>
%%EOF
"""


def _user(local: str):
    return auth_services.find_user_by_email(f"{local}@{_DOMAIN}")


def _actors(territory_id: int) -> dict[str, int]:
    """The demo actor map's actors by kind (the first of each kind)."""
    found: dict[str, int] = {}
    for actor_id, kind in db.session.execute(sa.select(Actor.id, Actor.kind).where(
            Actor.territory_id == territory_id).order_by(Actor.id)):
        found.setdefault(kind, actor_id)
    return found


def _retain_every_path(territory, author) -> list[InterventionPath]:
    """The commission retains the demo paths still proposed, so the project can answer them."""
    for path in db.session.execute(sa.select(InterventionPath).where(
            InterventionPath.territory_id == territory.id, InterventionPath.status == "proposed",
            InterventionPath.deleted_at.is_(None)).order_by(InterventionPath.id)).scalars().all():
        paths.decide(author, path, "retained", "Retenue par la commission permanente (démo).")
    return paths.retained_paths(territory)


def _actions(territory, town: str, path_list: list[InterventionPath]) -> list[dict]:
    """Two actions answering the retained paths, with their budget lines and beneficiaries."""
    from najma.projects.services import ActionData, BudgetRow

    groups = dict(db.session.execute(sa.select(TargetGroup.code, TargetGroup.id)).all())
    chantiers = dict(db.session.execute(sa.select(Chantier.code, Chantier.id)).all())
    actors = _actors(territory.id)
    today = date.today()
    women, elderly = groups["women_in_difficulty"], groups["elderly_in_difficulty"]
    first, last = path_list[0].id, path_list[-1].id
    return [
        ActionData(
            title=f"Classes d'alphabétisation fonctionnelle avec garde d'enfants, {town} (démo)",
            description=("Trois classes du matin au centre d'éducation et de formation, contenus tirés des ventes "
                         "au souk ; les enfants sont gardés au jardin d'enfants pendant les cours."),
            chantier_id=chantiers["equal_opportunity"], target_group_ids=[women], path_ids=[first],
            lead_actor_id=actors.get("association"), partner_ids=[a for a in (actors.get("commune"),
                                                                             actors.get("en_kindergarten")) if a],
            institution_actor_id=actors.get("en_training_centre"),
            beneficiaries={(women, "female"): "60"},
            budget_lines=[BudgetRow("Animatrices (9 mois)", "Entraide Nationale", "54000"),
                          BudgetRow("Fournitures et manuels", "INDH", "12000"),
                          BudgetRow("Garde des enfants", "Commune", "18000")],
            start_date=today - timedelta(days=60), end_date=today + timedelta(days=210),
            indicators_text="Femmes inscrites et assidues\nFemmes capables de lire un prix et de rendre la monnaie"),
        ActionData(
            title=f"Visites à domicile des personnes âgées isolées, {town} (démo)",
            description="Un passage mensuel de bénévoles formés, avec orientation vers le centre de santé.",
            chantier_id=chantiers["listening"], target_group_ids=[elderly], path_ids=[last],
            lead_actor_id=actors.get("association"), partner_ids=[a for a in (actors.get("service_health"),) if a],
            institution_name="Centre social de l'Entraide Nationale (démo)",
            beneficiaries={(elderly, "female"): "25", (elderly, "male"): "20"},
            budget_lines=[BudgetRow("Formation des bénévoles", "Entraide Nationale", "15000"),
                          BudgetRow("Déplacements", "Conseil provincial", "9000")],
            start_date=today - timedelta(days=30), end_date=today + timedelta(days=330),
            indicators_text="Personnes âgées visitées chaque mois\nOrientations vers le centre de santé"),
    ]


def _write_project(territory, town: str, author, path_list) -> object:
    """A complete draft project of two actions, written by ``author``."""
    from najma.projects import services

    project = services.create_project(author, territory, f"Projet de territoire de {town} (démo)", is_demo=True)
    services.update_content(author, project, services.ContentData(
        title=f"Projet de territoire de {town} (démo)",
        context=(f"Ce projet de démonstration part des pistes retenues par la commission permanente de {town} "
                 "à l'issue de la recherche-action : les femmes du territoire demandent à apprendre à lire "
                 "et à compter près de chez elles, et les personnes âgées isolées renoncent aux soins."),
        general_objective="Améliorer l'autonomie des femmes en difficulté et l'accès aux soins des personnes âgées.",
        specific_objectives=("Ouvrir trois classes d'alphabétisation fonctionnelle avec garde d'enfants\n"
                             "Organiser un passage mensuel chez les personnes âgées isolées")), _lock(project))
    for data in _actions(territory, town, path_list):
        services.save_action(author, project, None, data, None)
    return project


def _lock(project) -> int:
    """The lock version of the project's current version (the demo edits what it just read)."""
    from najma.projects.services import current_version

    return current_version(project).lock_version


def _status_version(project) -> int:
    db.session.refresh(project)
    return project.status_version


def _azilal(territory, town: str) -> None:
    """Under review after one send-back: ready for the chair to open the vote."""
    from najma.projects import services, workflow

    author, chair, member = _user("antenne.azilal"), _user("delegue.azilal"), _user("comite.azilal")
    path_list = _retain_every_path(territory, author)
    project = _write_project(territory, town, author, path_list)
    workflow.transition(author, project, "submit", "Première version soumise au comité (démo).",
                        status_version=_status_version(project))
    workflow.transition(chair, project, "start_review", "", status_version=_status_version(project))
    services.add_comment(member, project, "budget", "La part de la commune pour la garde des enfants est-elle "
                                                    "confirmée par écrit ? (démo)")
    workflow.transition(chair, project, "send_back", "Préciser l'engagement de la commune pour la garde des "
                                                     "enfants (démo).", status_version=_status_version(project))
    services.update_content(author, project, services.ContentData(
        title=f"Projet de territoire de {town} (démo)",
        context=(f"Ce projet de démonstration part des pistes retenues par la commission permanente de {town}. "
                 "La commune confirme par courrier la prise en charge de la garde des enfants (version amendée)."),
        general_objective="Améliorer l'autonomie des femmes en difficulté et l'accès aux soins des personnes âgées.",
        specific_objectives=("Ouvrir trois classes d'alphabétisation fonctionnelle avec garde d'enfants\n"
                             "Organiser un passage mensuel chez les personnes âgées isolées")), _lock(project))
    workflow.transition(author, project, "submit", "Version amendée après les remarques du comité (démo).",
                        status_version=_status_version(project))
    workflow.transition(chair, project, "start_review", "", status_version=_status_version(project))


def _chefchaouen(territory, town: str) -> None:
    """Approved by a recorded vote, conventions signed, in execution."""
    from najma.projects import conventions, execution, workflow
    from najma.projects.models import ProjectVote, VoteSeat
    from najma.projects.voting import cast_ballot

    author, chair = _user("antenne.chefchaouen"), _user("delegue.chefchaouen")
    path_list = _retain_every_path(territory, author)
    project = _write_project(territory, town, author, path_list)
    workflow.transition(author, project, "submit", "Soumis au comité (démo).", status_version=_status_version(project))
    workflow.transition(chair, project, "start_review", "", status_version=_status_version(project))
    workflow.transition(chair, project, "open_vote", "Vote en séance du comité (démo).",
                        status_version=_status_version(project))
    vote = db.session.execute(sa.select(ProjectVote).where(ProjectVote.project_id == project.id,
                                                           ProjectVote.state == "open")).scalar_one()
    seats = db.session.execute(sa.select(VoteSeat.id, VoteSeat.user_id).where(VoteSeat.vote_id == vote.id)
                               .order_by(VoteSeat.id)).all()
    choices = ("approve", "approve", "approve", "abstain", "approve", "reject")
    for (seat_id, user_id), choice in zip(seats, choices):
        if user_id == chair.id:
            cast_ballot(chair, vote, "approve", "Projet conforme aux pistes retenues (démo).")
        elif user_id is None:
            cast_ballot(chair, vote, choice, "Vote exprimé en séance (démo).", seat_id=seat_id)
    workflow.transition(chair, project, "close_vote", "Délibération close (démo).",
                        status_version=_status_version(project))
    today = date.today()
    rows = conventions.convention_rows(project)
    for row in rows:
        data = conventions.defaults_for(row.action, territory.name, row.budget)
        data.due_date, data.signed_on = today - timedelta(days=20), today - timedelta(days=25)
        data.commitments = ("L'institution de l'Entraide Nationale met à disposition ses locaux et son personnel ; "
                            "le comité assure le suivi trimestriel (démo).")
        conventions.save_convention(chair, project, row.action.key, data, 0, conventions.UploadedDocument(
            "convention-signee-demo.pdf", io.BytesIO(_SIGNED_PDF)))
    workflow.transition(chair, project, "sign_conventions", "Conventions signées (démo).",
                        status_version=_status_version(project))
    workflow.transition(chair, project, "start_execution", "Démarrage des actions (démo).",
                        status_version=_status_version(project))
    follow_up = (
        ("ongoing", 45, "Deux classes ouvertes sur trois ; la troisième attend une animatrice (démo).",
         (("Ouverture des classes", today - timedelta(days=40), today - timedelta(days=38)),
          ("Premier bilan des acquis", today + timedelta(days=50), None))),
        ("delayed", 15, "Les bénévoles sont formés ; sept premières visites faites, la tournée mensuelle commence "
                        "le mois prochain (démo).",
         (("Formation des bénévoles", today - timedelta(days=10), today - timedelta(days=12)),
          ("Premières visites", today - timedelta(days=5), None))),
    )
    groups = dict(db.session.execute(sa.select(TargetGroup.code, TargetGroup.id)).all())
    women, elderly = groups["women_in_difficulty"], groups["elderly_in_difficulty"]
    # Illustrative counts of people reached so far (demo), against 60 women and 25 + 20 elderly expected.
    reached = ({(women, "female"): 38}, {(elderly, "female"): 4, (elderly, "male"): 3})
    for row, (status, progress, note, milestones), counts in zip(rows, follow_up, reached):
        key = row.action.key
        saved = execution.save_execution(author, project, key, execution.ExecutionData(
            status=status, progress=progress, notes=note), 0)
        execution.save_reached(author, project, key, counts, saved.lock_version)
        for title, due, done in milestones:
            milestone = execution.add_milestone(author, project, key, title, due)
            if done is not None:
                execution.set_milestone_done(author, project, key, milestone.id, done)


def _el_haouz(territory, town: str) -> None:
    """A draft the antenna is still writing (one action so far)."""
    from najma.projects import services

    path_list = _retain_every_path(territory, None)
    project = services.create_project(None, territory, f"Projet de territoire d'{town} (démo, brouillon)",
                                      is_demo=True)
    services.save_action(None, project, None, _actions(territory, town, path_list)[0], None)


def load_demo_projects() -> int:
    """Write the demo projects of the pilot territories that have none; return how many."""
    from najma.projects.services import project_of

    written = 0
    for slug, builder in (("azilal", _azilal), ("chefchaouen", _chefchaouen), ("el-haouz", _el_haouz)):
        territory = get_by_slug(slug)
        if territory is None or not territory.is_demo or project_of(territory) is not None:
            continue
        if slug != "el-haouz" and _user(f"antenne.{slug}") is None:
            continue
        builder(territory, _TOWNS[slug])
        written += 1
    return written
