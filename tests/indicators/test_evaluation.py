"""Participatory evaluation entries: validation (nothing written when refused), links to indicators
and to the research notes the author may read, stale edits (409) and who reads and writes them."""
from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa
from tests.conftest import make_territory, make_user
from tests.research.conftest import add_note

from najma.audit import AuditEvent
from najma.errors import DomainError
from najma.extensions import db
from najma.indicators import evaluation as services
from najma.indicators.evaluation import EvaluationConflict, EvaluationData
from najma.indicators.models import EvaluationEntry, evaluation_notes
from najma.permissions import can
from najma.research import services as research


@pytest.fixture
def antenna(territory):
    return make_user("antenna_staff", territory=territory)


@pytest.fixture
def delegate(territory):
    return make_user("delegate", territory=territory)


def data(**overrides) -> EvaluationData:
    values = dict(period="2025-S2", title="Bilan du semestre avec les femmes de Tabant",
                  what_changed="Douze femmes suivent le cours d'alphabétisation **chaque semaine**.",
                  for_whom="Les femmes du douar, 18-45 ans.", participants_said="« Je lis les ordonnances. »")
    values.update(overrides)
    return EvaluationData(**values)


def entries() -> int:
    return db.session.execute(sa.select(sa.func.count()).select_from(EvaluationEntry)).scalar()


def linked_note_ids(entry_id: int) -> set[int]:
    return set(db.session.execute(sa.select(evaluation_notes.c.note_id)
                                  .where(evaluation_notes.c.entry_id == entry_id)).scalars())


# --- Validation -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("overrides", "field", "message"), [
    ({"title": "  "}, "title", "needs a title"),
    ({"title": "x" * 201}, "title", "200 characters"),
    ({"what_changed": " \n"}, "what_changed", "what changed"),
    ({"participants_said": "x" * 100_001}, "participants_said", "100,000"),
    ({"period": ""}, "period", "Choose the period"),
    ({"period": "2025-T1"}, "period", "is not a period"),
    ({"period": "2999"}, "period", "between"),
    ({"period": f"{date.today().year + 1}-S1"}, "period", "has not begun"),
])
def test_a_bad_entry_is_refused_with_its_field_and_nothing_is_written(territory, antenna, overrides, field, message):
    with pytest.raises(DomainError) as refused:
        services.create_entry(antenna, territory, data(**overrides))
    assert refused.value.field == field and message in str(refused.value.message)
    db.session.rollback()
    assert entries() == 0


def test_an_entry_is_written_with_its_indicators_and_audited(territory, antenna, seeded):
    chosen = [seeded["cooperatives_created"].id, seeded["illiteracy_10_plus"].id]
    entry = services.create_entry(antenna, territory, data(period="2025-s2 ", indicator_ids=chosen))
    entry = services.load_entry(entry.id)
    assert entry.period == "2025-S2" and entry.lock_version == 1 and entry.author_id == antenna.id
    # In the register's order, whatever the order chosen.
    assert [i.code for i in entry.indicators] == ["illiteracy_10_plus", "cooperatives_created"]
    event = db.session.execute(sa.select(AuditEvent).where(AuditEvent.object_type == "EvaluationEntry")).scalar_one()
    assert event.verb == "create" and event.territory_id == territory.id
    assert event.changes["title"]["after"] == entry.title
    assert event.changes["indicator_ids"]["after"] == sorted(chosen)


def test_unknown_indicators_are_refused(territory, antenna, seeded):
    with pytest.raises(DomainError) as refused:
        services.create_entry(antenna, territory, data(indicator_ids=[seeded["unemployment"].id, 999_999]))
    assert refused.value.field == "indicator_ids"
    db.session.rollback()
    assert entries() == 0


# --- Links to research notes --------------------------------------------------------------------------

def test_the_antenna_links_its_drafts_and_shared_notes(territory, antenna):
    draft = add_note(territory, antenna, title="Brouillon")
    shared = add_note(territory, antenna, title="Partagée", visibility="shared")
    entry = services.create_entry(antenna, territory, data(note_ids=[draft.id, shared.id]))
    assert linked_note_ids(entry.id) == {draft.id, shared.id}
    assert {n.id for n in services.linkable_notes(antenna, territory)} == {draft.id, shared.id}


def test_others_link_only_shared_and_published_notes(territory, antenna, delegate):
    draft = add_note(territory, antenna, title="Brouillon")
    shared = add_note(territory, antenna, title="Partagée", visibility="shared")
    published = add_note(territory, antenna, title="Publiée", visibility="published")
    assert {n.id for n in services.linkable_notes(delegate, territory)} == {shared.id, published.id}
    with pytest.raises(DomainError) as refused:
        services.create_entry(delegate, territory, data(note_ids=[shared.id, draft.id]))
    assert refused.value.field == "note_ids" and "notes you may read" in str(refused.value.message)
    db.session.rollback()
    assert entries() == 0
    entry = services.create_entry(delegate, territory, data(note_ids=[shared.id, published.id]))
    assert linked_note_ids(entry.id) == {shared.id, published.id}


def test_an_admin_outside_the_antenna_links_no_draft(territory, antenna):
    admin = make_user("admin")
    draft = add_note(territory, antenna, title="Brouillon")
    assert services.linkable_notes(admin, territory) == []
    with pytest.raises(DomainError):
        services.create_entry(admin, territory, data(note_ids=[draft.id]))


def test_notes_of_another_territory_or_in_the_bin_are_refused(territory, antenna):
    other = make_territory("Chefchaouen", province_code="01.151")
    elsewhere = add_note(other, make_user("antenna_staff", territory=other), visibility="shared")
    binned = add_note(territory, antenna, title="À la corbeille", visibility="shared")
    research.delete_note(antenna, binned)
    for note, message in ((elsewhere, "of this territory"), (binned, "in the bin")):
        with pytest.raises(DomainError) as refused:
            services.create_entry(antenna, territory, data(note_ids=[note.id]))
        assert message in str(refused.value.message)
        db.session.rollback()
    assert entries() == 0


def test_readers_see_only_the_linked_notes_they_may_read(territory, antenna):
    draft = add_note(territory, antenna, title="Brouillon")
    shared = add_note(territory, antenna, title="Partagée", visibility="shared")
    published = add_note(territory, antenna, title="Publiée", visibility="published")
    entry = services.create_entry(antenna, territory, data(note_ids=[draft.id, shared.id, published.id]))
    entry = services.load_entry(entry.id)
    committee = make_user("committee_member", territory=territory)
    seen = services.notes_for(entry, committee)
    assert [n.id for n in seen.readable] == [published.id] and seen.hidden == 2
    assert len(services.notes_for(entry, antenna).readable) == 3


def test_an_editor_who_cannot_read_a_linked_draft_keeps_it_linked(territory, antenna, delegate):
    draft = add_note(territory, antenna, title="Brouillon")
    shared = add_note(territory, antenna, title="Partagée", visibility="shared")
    entry = services.create_entry(antenna, territory, data(note_ids=[draft.id, shared.id]))
    entry = services.load_entry(entry.id)
    assert services.hidden_note_ids(entry, delegate) == {draft.id}
    # The delegate's form never showed the draft: saving without it keeps it, unlinking the shared note works.
    services.update_entry(delegate, entry, data(title="Bilan relu", note_ids=[]), 1)
    assert linked_note_ids(entry.id) == {draft.id}


# --- Editing ---------------------------------------------------------------------------------------------

def test_an_edit_saves_with_the_next_lock_version_and_is_audited(territory, antenna, delegate, seeded):
    entry = services.create_entry(antenna, territory, data())
    services.update_entry(delegate, services.load_entry(entry.id),
                          data(what_changed="Quinze femmes.", indicator_ids=[seeded["unemployment"].id]), 1)
    entry = services.load_entry(entry.id)
    assert entry.lock_version == 2 and entry.what_changed == "Quinze femmes."
    assert entry.author_id == antenna.id  # the author stays the one who wrote it
    event = db.session.execute(sa.select(AuditEvent).where(AuditEvent.verb == "update")).scalar_one()
    assert event.actor_id == delegate.id
    assert set(event.changes) == {"what_changed", "indicator_ids"}


def test_a_stale_edit_is_refused_with_both_versions_and_changes_nothing(territory, antenna, delegate):
    entry = services.create_entry(antenna, territory, data())
    services.update_entry(antenna, services.load_entry(entry.id), data(participants_said="Version A"), 1)
    with pytest.raises(EvaluationConflict) as conflict:
        services.update_entry(delegate, services.load_entry(entry.id),
                              data(title="Mon titre", participants_said="Version B"), 1)
    assert conflict.value.mine == "Version B" and conflict.value.current == "Version A"
    assert conflict.value.data.title == "Mon titre" and conflict.value.current_version == 2
    db.session.rollback()
    entry = services.load_entry(entry.id)
    assert entry.participants_said == "Version A" and entry.lock_version == 2
    assert db.session.execute(sa.select(sa.func.count()).select_from(AuditEvent)
                              .where(AuditEvent.verb == "update")).scalar() == 1


def test_a_save_losing_the_race_in_the_database_is_a_conflict(territory, antenna, monkeypatch):
    entry = services.create_entry(antenna, territory, data())
    checked = services._validate

    def colleague_saves_meanwhile(*args, **kwargs):
        """Someone saves between this editor's version check and its compare-and-set."""
        result = checked(*args, **kwargs)
        db.session.execute(sa.update(EvaluationEntry).where(EvaluationEntry.id == entry.id)
                           .values(lock_version=2, what_changed="Écrit par un collègue"))
        db.session.commit()
        return result

    monkeypatch.setattr(services, "_validate", colleague_saves_meanwhile)
    with pytest.raises(EvaluationConflict) as conflict:
        services.update_entry(antenna, services.load_entry(entry.id), data(what_changed="Le mien"), 1)
    assert conflict.value.current_entry["what_changed"] == "Écrit par un collègue"
    assert conflict.value.data.what_changed == "Le mien"
    assert services.load_entry(entry.id).what_changed == "Écrit par un collègue"


# --- Lists and permissions -----------------------------------------------------------------------------

def test_entries_are_listed_latest_period_first(territory, antenna):
    services.create_entry(antenna, territory, data(period="2025", title="Année"))
    services.create_entry(antenna, territory, data(period="2025-Q1", title="Trimestre"))
    services.create_entry(antenna, territory, data(period="2025-S2", title="Semestre"))
    # By end date, latest first; the half and the year ending the same day: the shorter first.
    assert [s.entry.title for s in services.territory_entries(territory)] == ["Semestre", "Année", "Trimestre"]
    assert services.territory_periods(territory) == ["2025-S2", "2025", "2025-Q1"]
    assert [s.entry.title for s in services.territory_entries(territory, "2025-Q1")] == ["Trimestre"]


@pytest.mark.parametrize(("role", "view", "write"), [
    ("antenna_staff", True, True), ("commission_member", True, True), ("delegate", True, True),
    ("committee_member", True, False), ("steering", True, False), ("evaluator", True, False),
    ("viewer", False, False),
])
def test_who_reads_and_writes_the_evaluation(territory, role, view, write):
    user = make_user(role, territory=territory)
    assert can(user, "evaluation.view", territory) is view
    assert can(user, "evaluation.write", territory) is write


def test_a_member_of_another_territory_neither_reads_nor_writes(territory):
    other = make_territory("Safi", province_code="07.431")
    for role in ("antenna_staff", "committee_member", "delegate"):
        user = make_user(role, territory=other)
        assert not can(user, "evaluation.view", territory) and not can(user, "evaluation.write", territory)


# --- Demo ---------------------------------------------------------------------------------------------------

def test_the_demo_writes_labelled_values_and_entries_once_through_the_services(app, db):
    from najma.demo import load_demo
    from najma.indicators.demo import load_demo_indicators
    from najma.indicators.models import IndicatorValue

    load_demo()
    load_demo_indicators()
    entries_written = db.session.execute(sa.select(EvaluationEntry).order_by(EvaluationEntry.id)).scalars().all()
    assert len(entries_written) == 3 and all(e.is_demo and "démo" in e.title for e in entries_written)
    assert all(e.author_id is not None for e in entries_written)
    assert all(linked_note_ids(e.id) for e in entries_written)  # each rests on the demo research
    every = db.session.execute(sa.select(IndicatorValue)).scalars().all()
    values = [v for v in every if v.is_demo]
    census = [v for v in every if not v.is_demo]
    assert len(values) == 8 and all("démo" in v.source_text for v in values)
    # The pilots' census baselines are real HCP figures, stored approved and never labelled demo.
    assert census and all(v.kind == "baseline" and v.status == "approved" and v.period in ("2014", "2024")
                          for v in census)
    assert sorted(v.status for v in values) == ["approved"] * 6 + ["entered", "validated"]
    audited = db.session.execute(sa.select(sa.func.count()).select_from(AuditEvent)
                                 .where(AuditEvent.verb == "approve")).scalar()
    assert audited == 6
    assert load_demo_indicators() == {"values": 0, "entries": 0}
