"""Census baselines follow the territory's communes in the same transaction as the communes: on
every save (a save repairs baselines out of step), with no approver (HCP's figures), continuing a
slot's versions when its communes come back, and refreshing the steering dashboard."""
from __future__ import annotations

from datetime import date

import pytest

from najma.indicators import services
from najma.rollout import dashboard
from najma.territories import services as territories
from tests.indicators.test_register import _baselines, azilal_communes  # noqa: F401


def _current_2024(db, indicator, territory):
    return [v for v in _baselines(db, indicator, territory) if v.period == "2024" and v.is_current]


def test_a_failed_sync_saves_no_communes_and_the_next_save_syncs(seeded, territory, azilal_communes, db, monkeypatch):
    ids = [c.id for c in azilal_communes]
    real = services.census_baselines_for

    def unavailable(*args, **kwargs):
        raise RuntimeError("census data unavailable")

    monkeypatch.setattr(services, "census_baselines_for", unavailable)
    with pytest.raises(RuntimeError):
        territories.set_communes(None, territory, ids)
    db.session.rollback()
    assert territories.territory_communes(territory) == []  # one transaction: nothing half done
    monkeypatch.setattr(services, "census_baselines_for", real)
    territories.set_communes(None, territory, ids)
    assert len(_current_2024(db, seeded["illiteracy_10_plus"], territory)) == 1


def test_saving_the_same_communes_repairs_baselines_out_of_step(seeded, territory, azilal_communes, db):
    ids = [c.id for c in azilal_communes]
    territories.set_communes(None, territory, ids)
    stored = _current_2024(db, seeded["illiteracy_10_plus"], territory)[0]
    stored.is_current = stored.is_official = False  # as if a sync had been lost
    db.session.commit()
    territories.set_communes(None, territory, ids)
    assert len(_current_2024(db, seeded["illiteracy_10_plus"], territory)) == 1


def test_the_person_saving_communes_is_not_recorded_as_approving_hcp_figures(
        seeded, territory, azilal_communes, db, client, login):
    antenna = login("antenna_staff")
    response = client.post(f"/territories/{territory.slug}/communes",
                           data={"commune": [str(c.id) for c in azilal_communes], "save": "1"})
    assert response.status_code == 302
    value = _current_2024(db, seeded["illiteracy_10_plus"], territory)[0]
    assert (value.entered_by_id, value.validated_by_id, value.approved_by_id) == (antenna.id, None, None)


def test_a_baseline_coming_back_continues_its_versions(seeded, territory, azilal_communes, db):
    illiteracy = seeded["illiteracy_10_plus"]
    territories.set_communes(None, territory, [c.id for c in azilal_communes])
    territories.set_communes(None, territory, [])
    territories.set_communes(None, territory, [c.id for c in azilal_communes])
    rows = [v for v in _baselines(db, illiteracy, territory) if v.period == "2024"]
    assert [(v.version, v.is_current, v.replaces_id) for v in rows] == [(1, False, None), (2, True, rows[0].id)]


def test_a_withdrawn_baseline_leaves_the_cached_dashboard(seeded, territory, azilal_communes, db):
    illiteracy = seeded["illiteracy_10_plus"]
    territories.set_communes(None, territory, [c.id for c in azilal_communes])
    shown = next(p for p in dashboard.dashboard_data(date.today()).programme if p.code == illiteracy.code)
    assert shown.baseline is not None
    territories.set_communes(None, territory, [])
    shown = next(p for p in dashboard.dashboard_data(date.today()).programme if p.code == illiteracy.code)
    assert shown.baseline is None
