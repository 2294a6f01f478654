"""Model constraints of the actor map, and the demo maps."""
import pytest
import sqlalchemy as sa

from najma.actors.demo import load_demo_actors
from najma.actors.models import Actor, ActorSnapshot, Tie
from najma.actors import services
from tests.actors.conftest import add_actor


def test_database_refuses_out_of_range_influence_and_loops(db, territory):
    actor = add_actor(territory, "A")
    db.session.add(Actor(territory_id=territory.id, name="B", kind="other", influence=9))
    with pytest.raises(sa.exc.IntegrityError):
        db.session.commit()
    db.session.rollback()
    db.session.add(Tie(territory_id=territory.id, source_id=actor.id, target_id=actor.id, kind="funding"))
    with pytest.raises(sa.exc.IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_demo_maps_are_fictitious_and_idempotent(db):
    from najma.territories.services import create_territory
    from tests.conftest import province

    territory = create_territory(None, {"name": "Azilal", "slug": "azilal", "province_id": province().id,
                                        "setting": "rural", "phase": "experimentation"}, is_demo=True)
    assert load_demo_actors() == 15
    assert load_demo_actors() == 0
    actors = services.list_actors(territory)
    assert all("démo" in a.name for a in actors)
    snapshots = db.session.execute(sa.select(ActorSnapshot).order_by(ActorSnapshot.id)).scalars().all()
    comparison = services.compare_snapshots(*snapshots)
    assert comparison.after.entraide_ties > comparison.before.entraide_ties
