"""Actor map rules: validation, versioned cache, governance findings, snapshots and their comparison."""
from datetime import date

import pytest
import sqlalchemy as sa

from najma.actors import services
from najma.actors.models import ActorMap
from najma.audit import AuditEvent
from najma.errors import DomainError
from najma.territories.services import territory_bodies
from tests.actors.conftest import add_actor, add_tie
from tests.conftest import make_member, make_territory


def test_names_are_unique_per_territory_and_ties_stay_inside_it(db, territory):
    a = add_actor(territory, "Commune d'Azilal", "commune")
    with pytest.raises(DomainError) as refused:
        add_actor(territory, "commune d'azilal", "association")
    assert refused.value.field == "name"
    other = make_territory("Autre")
    stranger = add_actor(other, "Commune d'Azilal", "commune")  # same name elsewhere is fine
    with pytest.raises(DomainError):
        add_tie(territory, a, stranger)
    with pytest.raises(DomainError):
        add_tie(territory, a, a)
    with pytest.raises(DomainError):
        add_actor(territory, "X", "spaceship")
    with pytest.raises(DomainError):
        add_actor(territory, "Y", "association", influence=6)


def test_every_write_bumps_the_version_and_the_cached_analysis_follows(db, territory):
    a = add_actor(territory, "A")
    b = add_actor(territory, "B")
    first = services.analysis(territory)
    assert services.analysis(territory) is first  # cached
    version = services.map_of(territory).version
    tie = add_tie(territory, a, b)
    assert services.map_of(territory).version == version + 1
    second = services.analysis(territory)
    assert second is not first and second.tie_count == 1
    services.delete_tie(None, tie)
    assert services.analysis(territory).tie_count == 0
    services.update_actor(None, a, {**{k: getattr(a, k) for k in services.ACTOR_FIELDS}, "influence": 4})
    services.delete_actor(None, b)
    assert services.analysis(territory).actor_count == 1
    verbs = db.session.execute(sa.select(AuditEvent.verb, AuditEvent.object_type)).all()
    assert ("create", "Tie") in verbs and ("delete", "Actor") in verbs and ("update", "Actor") in verbs


def test_governance_findings_on_a_crafted_map(db, territory):
    bodies = territory_bodies(territory)
    seat = make_member(bodies["committee"], name="Président de la commune", sector="communes")
    centre = add_actor(territory, "Centre EN", "en_training_centre")
    commune = add_actor(territory, "Commune", "commune", membership_id=seat.id)
    health = add_actor(territory, "Délégation de la santé", "service_health")
    broker = add_actor(territory, "Association pivot", "association")
    youth = add_actor(territory, "Maison des jeunes", "service_youth_sport")
    coop = add_actor(territory, "Coopérative", "cooperative")
    add_actor(territory, "Isolé", "business")
    add_tie(territory, centre, commune, "partnership")
    add_tie(territory, commune, broker)
    add_tie(territory, broker, health)
    add_tie(territory, broker, youth)
    add_tie(territory, broker, coop)
    add_tie(territory, health, centre, "conflict")
    messages = [f.message for f in services.governance_findings(territory)]
    text = "\n".join(messages)
    # required sectors with no actor
    assert "Non-formal education" in text and "Employment and vocational training" in text
    assert "No actor of the sector \u201cHealth\u201d" not in text
    # sectors with no (non-conflict) tie to Entraide Nationale
    assert "\u201cHealth\u201d has no tie with the antenna" in text
    assert "\u201cYouth and sport\u201d has no tie" in text
    assert "\u201cCommunes and local authorities\u201d has no tie" not in text
    # the broker without a seat, and not the seated commune
    assert "Association pivot links otherwise distant actors" in text
    assert "Commune links" not in text
    assert "1 actor(s) have no tie" in text


def test_snapshot_comparison_on_a_crafted_change(db, territory):
    centre = add_actor(territory, "Centre EN", "en_training_centre")
    commune = add_actor(territory, "Commune", "commune")
    association = add_actor(territory, "Association", "association")
    add_tie(territory, centre, commune, since=date(2025, 1, 1))
    add_tie(territory, commune, association, until=date(2025, 3, 1))
    start = services.take_snapshot(None, territory, "Démarrage du pilote", date(2025, 2, 1))
    coop = add_actor(territory, "Coopérative", "cooperative")
    add_tie(territory, centre, coop, "partnership", since=date(2025, 6, 1))
    add_tie(territory, centre, association, "funding", since=date(2025, 6, 1))
    services.delete_actor(None, commune)
    later = services.take_snapshot(None, territory, "Six mois plus tard", date(2025, 8, 1))
    assert (start.actor_count, start.tie_count) == (3, 2)
    comparison = services.compare_snapshots(start, later)
    assert comparison.actors_added == ["Coopérative"] and comparison.actors_lost == ["Commune"]
    assert comparison.ties_added == ["Association — Centre EN (Funding)", "Centre EN — Coopérative (Partnership or convention)"]
    assert sorted(comparison.ties_lost) == ["Association — Commune (Coordination)", "Centre EN — Commune (Coordination)"]
    assert (comparison.before.entraide_ties, comparison.after.entraide_ties) == (1, 2)
    assert (comparison.before.cross_sector_ties, comparison.after.cross_sector_ties) == (2, 2)
    assert comparison.change("density") == pytest.approx(2 / 3 - 2 / 3)
    indicators = services.partnership_indicators(territory)
    assert indicators["entraide_ties"]["change"] == 1 and indicators["ties_added"] == 2
    with pytest.raises(DomainError):
        services.take_snapshot(None, territory, "  ", date.today())


def test_national_overview_finds_actors_on_several_territories(db, territory):
    other = make_territory("Chefchaouen", province_code="01.151")
    add_actor(territory, "Fondation Solidarité", "international_partner")
    add_actor(other, "fondation solidarité ", "international_partner")
    add_actor(other, "Commune", "commune")
    overview = services.national_overview()
    assert overview["actor_total"] == 3
    assert [len(e["territories"]) for e in overview["shared"]] == [2]
    assert dict(overview["by_kind"])["international_partner"] == 2
    assert db.session.execute(sa.select(sa.func.count()).select_from(ActorMap)).scalar_one() == 2
