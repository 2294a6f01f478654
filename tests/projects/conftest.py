"""Fixtures of the territory project tests: messages in English, retained paths with their
evidence, a complete draft project built through the services, and a local committee."""
from __future__ import annotations

import itertools
from datetime import date

import pytest
from tests.conftest import make_member, make_user
from tests.research.conftest import add_note, chantier, target_group

from najma.actors import services as actor_services
from najma.projects import services
from najma.projects.committee import committee_of
from najma.projects.services import ActionData, BudgetRow
from najma.research import paths
from najma.research.paths import PathData

_counter = itertools.count(1)


@pytest.fixture(autouse=True)
def _english(app):
    """Messages checked in English whatever catalogues exist."""
    from flask_babel import force_locale

    with force_locale("en"):
        yield


def retained_path(territory, author=None, *, title=None, groups=("women_in_difficulty",), chantier_position=5,
                  note=None):
    """A path proposed by the antenna citing a shared note, then retained by the commission."""
    author = author or make_user("antenna_staff", territory=territory)
    note = note or add_note(territory, author, title=f"Observation {next(_counter)}", visibility="shared")
    path = paths.create_path(author, territory, PathData(
        title=title or f"Piste d'intervention {next(_counter)}", rationale="Les notes le montrent.",
        priority="high", target_group_ids=[target_group(code).id for code in groups],
        chantier_id=chantier(chantier_position).id, note_ids=[note.id]))
    return paths.decide(author, path, "retained", "")


def institution(territory, name=None):
    """An Entraide Nationale centre on the territory's actor map."""
    return actor_services.create_actor(None, territory, {"name": name or f"Centre EN {next(_counter)}",
                                                         "kind": "en_training_centre"})


def add_actor(territory, name=None, kind="association"):
    """An actor of another kind on the territory's actor map."""
    return actor_services.create_actor(None, territory, {"name": name or f"Association {next(_counter)}",
                                                         "kind": kind})


def action_data(path, *, title=None, group="women_in_difficulty", institution_actor=None,
                institution_name="Centre d'éducation et de formation", start=date(2026, 9, 1), end=date(2027, 6, 30),
                budget=(("Formatrice", "Entraide Nationale", "24000.00"), ("Matériel", "Commune", "8000.50")),
                **overrides) -> ActionData:
    """A complete action answering ``path``."""
    data = ActionData(
        title=title or f"Atelier de couture {next(_counter)}", description="Un atelier pour les femmes du douar.",
        chantier_id=chantier(5).id, target_group_ids=[target_group(group).id], path_ids=[path.id],
        institution_actor_id=institution_actor.id if institution_actor else None,
        institution_name="" if institution_actor else institution_name,
        beneficiaries={(target_group(group).id, "female"): 30},
        budget_lines=[BudgetRow(item, funder, amount) for item, funder, amount in budget],
        start_date=start, end_date=end, indicators_text="Nombre de femmes formées\nTaux d'insertion")
    for name, value in overrides.items():
        setattr(data, name, value)
    return data


def make_project(territory, author=None, actions=1, *, title="Projet de territoire d'Azilal", path=None):
    """A complete draft project (it passes the completeness check) built through the services:
    a retained path, a general objective and ``actions`` actions answering it."""
    author = author or make_user("antenna_staff", territory=territory)
    path = path or retained_path(territory, author)
    project = services.create_project(author, territory, title)
    version = services.current_version(project)
    services.update_content(author, project, {
        "title": title, "context": "Le territoire compte **beaucoup** de femmes en difficulté.",
        "general_objective": "Améliorer l'autonomie des femmes.",
        "specific_objectives": "Former 60 femmes\nCréer une coopérative"}, version.lock_version)
    for i in range(actions):
        services.save_action(author, project, None, action_data(path, title=f"Action {i + 1}"), None)
    return project


def committee(territory, n_members=3, chair_user=None, *, users=False):
    """The territory's local committee with a chair (linked to ``chair_user`` when given) and
    ``n_members`` other voting members (with accounts when ``users``). Returns the body."""
    body = committee_of(territory.id)
    make_member(body, name="Président du comité", role="chair", user=chair_user)
    for i in range(n_members):
        user = make_user(territory=territory) if users else None
        make_member(body, name=f"Membre {i + 1}", user=user)
    return body


@pytest.fixture
def staff(db, territory):
    """An antenna staff member of the Azilal territory."""
    return make_user("antenna_staff", territory=territory)

