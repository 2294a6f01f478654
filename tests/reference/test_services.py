"""The programme's reference data: five chantiers, six target groups, their leads."""
import re

import sqlalchemy as sa

from najma.audit import AuditEvent
from najma.reference import services
from najma.reference.models import Chantier, TargetGroup
from tests.conftest import make_user

ARABIC = re.compile(r"[\u0600-\u06FF]")


def count(db, model) -> int:
    return db.session.execute(sa.select(sa.func.count()).select_from(model)).scalar_one()


def test_seeding_an_empty_database_creates_five_chantiers_and_six_target_groups(app):
    from najma.extensions import db

    assert services.seed_reference_data() == {"chantiers": 5, "target_groups": 6}
    assert (count(db, Chantier), count(db, TargetGroup)) == (5, 6)


def test_seeding_again_creates_nothing(db):
    assert services.seed_reference_data() == {"chantiers": 0, "target_groups": 0}
    assert (count(db, Chantier), count(db, TargetGroup)) == (5, 6)


def test_seeding_restores_a_missing_row_and_keeps_edited_ones(db):
    childhood = db.session.execute(sa.select(Chantier).where(Chantier.code == "childhood")).scalar_one()
    childhood.description = "Description revue par le chantier."
    db.session.execute(sa.delete(TargetGroup).where(TargetGroup.code == "elderly_in_difficulty"))
    db.session.commit()
    assert services.seed_reference_data() == {"chantiers": 0, "target_groups": 1}
    assert db.session.get(Chantier, childhood.id).description == "Description revue par le chantier."
    assert [g.code for g in services.list_target_groups()][4] == "elderly_in_difficulty"


def test_chantiers_come_in_programme_order_named_in_three_languages(db):
    chantiers = services.list_chantiers()
    assert [c.code for c in chantiers] == ["listening", "equal_opportunity", "childhood", "modular_training",
                                           "micro_projects"]
    assert [c.position for c in chantiers] == [1, 2, 3, 4, 5]
    assert (chantiers[2].name_fr, chantiers[2].name_ar, chantiers[2].name_en) == ("Enfance", "الطفولة", "Childhood")
    for chantier in chantiers:
        assert chantier.name_fr and chantier.name_en and ARABIC.search(chantier.name_ar)
        assert chantier.description


def test_target_groups_are_the_six_of_the_programme(db):
    groups = services.list_target_groups()
    assert [g.name_en for g in groups] == [
        "Women in difficulty", "Illiterate and out-of-school girls", "Out-of-school boys",
        "Children in precarious situations", "Elderly people in difficulty",
        "Graduates of Entraide Nationale training centres"]
    assert groups[0].name_fr == "Femmes en difficulté"
    assert all(ARABIC.search(g.name_ar) for g in groups)


def test_chantier_leads_are_grouped_by_chantier_and_exclude_inactive_accounts(db):
    listening, childhood = services.list_chantiers()[0], services.list_chantiers()[2]
    make_user("chantier_lead", chantier=listening, name="Youssef Alaoui")
    make_user("chantier_lead", chantier=listening, name="Amal Berrada")
    gone = make_user("chantier_lead", chantier=childhood, name="Parti")
    gone.active = False
    db.session.commit()
    make_user("viewer", name="Pas un pilote")
    leads = services.chantier_leads([c.id for c in services.list_chantiers()])
    assert [u.full_name for u in leads[listening.id]] == ["Amal Berrada", "Youssef Alaoui"]
    assert leads[childhood.id] == []
    assert sorted(leads) == sorted(c.id for c in services.list_chantiers())


def test_updating_a_chantier_is_audited(db):
    chantier = services.list_chantiers()[0]
    actor = make_user("chantier_lead", chantier=chantier)
    old = chantier.description
    services.update_chantier(actor, chantier, "Nouvelle fiche")
    assert db.session.get(Chantier, chantier.id).description == "Nouvelle fiche"
    event = db.session.execute(sa.select(AuditEvent).where(AuditEvent.object_type == "Chantier")).scalar_one()
    assert event.actor_id == actor.id and event.changes == {"description": {"before": old, "after": "Nouvelle fiche"}}
