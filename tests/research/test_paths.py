"""Intervention path services: the evidence rule, partners from the actor map, the
commission's decision and reopening, the concurrent-edit check, and what notes show."""
from datetime import datetime, timezone

import pytest
import sqlalchemy as sa
from tests.conftest import make_territory, make_user
from tests.research.conftest import add_note, chantier, target_group

from najma.actors import services as actor_services
from najma.audit import AuditEvent
from najma.errors import DomainError
from najma.governance import services as governance
from najma.research import paths
from najma.research.models import CodedPassage, InterventionPath, PathEvidence, SearchDocument
from najma.research.paths import PathConflict, PathData
from najma.territories.services import territory_bodies


def add_passage(note, quote="Les femmes veulent une coopérative de couture.", code="aspiration",
                group="women_in_difficulty"):
    """A coded passage of ``note`` (written directly: coding has its own service and tests)."""
    from najma.extensions import db

    passage = CodedPassage(note_id=note.id, territory_id=note.territory_id, code=code,
                           target_group_id=target_group(group).id, quote=quote, revision_number=note.version)
    db.session.add(passage)
    db.session.commit()
    return passage


def add_actor(territory, name="Association Tifawin"):
    """An actor on the territory's map."""
    return actor_services.create_actor(None, territory, {"name": name, "kind": "association"})


def add_meeting(territory, kind="commission", title="Commission de mars"):
    """A meeting of the territory's body of ``kind``."""
    body = territory_bodies(territory)[kind]
    return governance.create_meeting(None, body, {"title": title,
                                                  "starts_at": datetime(2026, 3, 10, 9, tzinfo=timezone.utc)})


def propose(territory, author, **overrides) -> InterventionPath:
    """A path proposed through the service (pass the evidence in ``overrides``)."""
    data = {"title": "Coopérative de couture pour les femmes", "rationale": "Les notes le montrent.",
            "priority": "high", "target_group_ids": [target_group().id], "chantier_id": chantier(5).id}
    data.update(overrides)
    return paths.create_path(author, territory, PathData(**data))


@pytest.fixture
def staff(db, territory):
    return make_user("antenna_staff", territory=territory)


@pytest.fixture
def shared_note(territory, staff):
    return add_note(territory, staff, visibility="shared")


def _path_count(db) -> int:
    return db.session.execute(sa.select(sa.func.count()).select_from(InterventionPath)).scalar_one()


# --- the evidence rule ---------------------------------------------------------------------------

def test_a_path_without_evidence_is_refused_and_nothing_is_written(db, territory, staff):
    with pytest.raises(DomainError) as refused:
        propose(territory, staff)
    assert refused.value.field == "note_ids"
    assert "at least one note or one coded passage" in str(refused.value.message)
    assert _path_count(db) == 0


def test_a_draft_note_cannot_be_cited_and_the_message_says_why(db, territory, staff):
    draft = add_note(territory, staff, title="Brouillon du souk")
    with pytest.raises(DomainError) as refused:
        propose(territory, staff, note_ids=[draft.id])
    message = str(refused.value.message)
    assert "Brouillon du souk" in message and "draft" in message and "commission" in message
    assert _path_count(db) == 0


def test_a_passage_of_a_draft_note_cannot_be_cited(db, territory, staff):
    passage = add_passage(add_note(territory, staff))
    with pytest.raises(DomainError, match="draft"):
        propose(territory, staff, passage_ids=[passage.id])
    assert _path_count(db) == 0


def test_a_note_of_another_territory_is_refused(db, territory, staff):
    other = make_territory("Chefchaouen test")
    foreign = add_note(other, make_user("antenna_staff", territory=other), visibility="published")
    with pytest.raises(DomainError, match="this territory"):
        propose(territory, staff, note_ids=[foreign.id])
    foreign_passage = add_passage(foreign)
    with pytest.raises(DomainError, match="this territory"):
        propose(territory, staff, passage_ids=[foreign_passage.id])
    assert _path_count(db) == 0


def test_a_deleted_note_or_passage_is_refused(db, territory, staff, shared_note):
    from najma.research import services as notes

    passage = add_passage(shared_note)
    passage.deleted_at = datetime.now(timezone.utc)
    db.session.commit()
    with pytest.raises(DomainError, match="removed"):
        propose(territory, staff, passage_ids=[passage.id])
    notes.delete_note(staff, shared_note)
    with pytest.raises(DomainError, match="bin"):
        propose(territory, staff, note_ids=[shared_note.id])


def test_a_cited_passage_brings_its_note_in_as_evidence(db, territory, staff, shared_note):
    passage = add_passage(shared_note)
    path = propose(territory, staff, passage_ids=[passage.id])
    evidence = db.session.execute(sa.select(PathEvidence.note_id, PathEvidence.passage_id)).all()
    assert evidence == [(shared_note.id, passage.id)]
    assert [p.id for p in paths.citing(shared_note, staff)] == [path.id]
    [entry] = paths.evidence_for(paths.load_path(path.id), staff)
    assert entry.note.id == shared_note.id and entry.readable and not entry.cited_directly
    assert [p.id for p in entry.passages] == [passage.id]


def test_a_path_cites_notes_and_passages_once_each(db, territory, staff, shared_note):
    published = add_note(territory, staff, title="Focus group", visibility="published")
    passage = add_passage(shared_note)
    path = propose(territory, staff, note_ids=[shared_note.id, published.id, shared_note.id],
                   passage_ids=[passage.id, passage.id])
    rows = db.session.execute(sa.select(PathEvidence.note_id, PathEvidence.passage_id)
                              .where(PathEvidence.path_id == path.id)).all()
    assert sorted(rows, key=str) == sorted([(shared_note.id, None), (published.id, None),
                                            (shared_note.id, passage.id)], key=str)
    [summary] = paths.territory_paths(staff, territory)
    assert (summary.note_count, summary.passage_count) == (2, 1)


# --- partners ------------------------------------------------------------------------------------

def test_partners_come_from_this_territorys_actor_map(db, territory, staff, shared_note):
    other = make_territory("Safi test")
    foreign = add_actor(other, "Association d'ailleurs")
    with pytest.raises(DomainError) as refused:
        propose(territory, staff, note_ids=[shared_note.id], actor_ids=[foreign.id])
    assert refused.value.field == "actor_ids"
    assert _path_count(db) == 0
    ours = add_actor(territory)
    path = propose(territory, staff, note_ids=[shared_note.id], actor_ids=[ours.id],
                   partners_text="La coopérative du douar")
    loaded = paths.load_path(path.id)
    assert [a.name for a in loaded.actors] == ["Association Tifawin"]
    assert loaded.partners_text == "La coopérative du douar"


# --- editing -------------------------------------------------------------------------------------

def test_editing_replaces_the_evidence_and_is_audited(db, territory, staff, shared_note):
    second = add_note(territory, staff, title="Entretien", visibility="shared")
    passage = add_passage(second)
    path = propose(territory, staff, note_ids=[shared_note.id])
    paths.update_path(staff, path, PathData(title="Nouveau titre", rationale="Mieux argumenté",
                                            note_ids=[second.id], passage_ids=[passage.id]), 1)
    assert path.version == 2 and path.title == "Nouveau titre"
    assert paths.citing(shared_note, staff) == []
    assert [p.id for p in paths.citing(second, staff)] == [path.id]
    event = db.session.execute(sa.select(AuditEvent).where(AuditEvent.verb == "update")).scalar_one()
    assert event.changes["title"] == {"before": "Coopérative de couture pour les femmes", "after": "Nouveau titre"}
    assert event.changes["evidence"]["before"] == [f"note:{shared_note.id}"]
    document = db.session.execute(sa.select(SearchDocument).where(SearchDocument.object_type == "path")).scalar_one()
    assert document.title == "Nouveau titre" and "mieux argumente" in document.content


def test_a_stale_edit_is_refused_with_both_texts_and_writes_nothing(db, territory, staff, shared_note):
    path = propose(territory, staff, note_ids=[shared_note.id], rationale="Version de départ")
    paths.update_path(staff, path, PathData(title="Première", rationale="Texte d'Amina",
                                            note_ids=[shared_note.id]), 1)
    with pytest.raises(PathConflict) as conflict:
        paths.update_path(staff, path, PathData(title="Seconde", rationale="Texte de Youssef",
                                                note_ids=[shared_note.id]), 1)
    assert conflict.value.current == "Texte d'Amina" and conflict.value.mine == "Texte de Youssef"
    assert conflict.value.current_title == "Première" and conflict.value.current_version == 2
    db.session.expire_all()
    stored = db.session.get(InterventionPath, path.id)
    assert (stored.version, stored.rationale) == (2, "Texte d'Amina")


# --- the commission's decision -------------------------------------------------------------------

def test_setting_a_path_aside_needs_the_commissions_reason(db, territory, staff, shared_note):
    path = propose(territory, staff, note_ids=[shared_note.id])
    member = make_user("commission_member", territory=territory)
    with pytest.raises(DomainError) as refused:
        paths.decide(member, path, "set_aside", "   ")
    assert refused.value.field == "reason" and "reason" in str(refused.value.message)
    db.session.rollback()
    assert db.session.get(InterventionPath, path.id).status == "proposed"


def test_a_decision_only_refers_to_a_meeting_of_this_territorys_commission(db, territory, staff, shared_note):
    path = propose(territory, staff, note_ids=[shared_note.id])
    committee_meeting = add_meeting(territory, "committee", "Comité local")
    elsewhere = add_meeting(make_territory("El Haouz test"), "commission")
    for meeting in (committee_meeting, elsewhere):
        with pytest.raises(DomainError) as refused:
            paths.decide(staff, path, "retained", "", meeting.id)
        assert refused.value.field == "meeting_id"
        db.session.rollback()
    assert db.session.get(InterventionPath, path.id).status == "proposed"
    ours = add_meeting(territory)
    paths.decide(staff, path, "retained", "", ours.id)
    assert path.status == "retained" and path.decision_meeting_id == ours.id


def test_decisions_and_reopening_are_audited_with_before_and_after(db, territory, staff, shared_note):
    path = propose(territory, staff, note_ids=[shared_note.id])
    member = make_user("commission_member", territory=territory)
    paths.decide(member, path, "set_aside", "Déjà couvert par l'association du douar")
    assert path.status == "set_aside" and path.decided_by_id == member.id and path.decided_at is not None
    paths.reopen(staff, path, "Nouvelles données du focus group")
    paths.decide(member, path, "retained", "")
    events = db.session.execute(sa.select(AuditEvent).where(AuditEvent.object_type == "InterventionPath")
                                .order_by(AuditEvent.id)).scalars().all()
    assert [e.verb for e in events] == ["create", "set_aside", "reopen", "retain"]
    set_aside, reopened, retained = events[1:]
    assert set_aside.changes["status"] == {"before": "proposed", "after": "set_aside"}
    assert set_aside.changes["decision_reason"]["after"] == "Déjà couvert par l'association du douar"
    assert reopened.changes["status"] == {"before": "set_aside", "after": "proposed"}
    assert reopened.changes["reason"]["after"] == "Nouvelles données du focus group"
    assert retained.changes["status"] == {"before": "proposed", "after": "retained"}
    assert [e.verb for e in paths.path_history(path)] == ["create", "set_aside", "reopen", "retain"]


def test_a_decided_path_is_frozen_until_reopened(db, territory, staff, shared_note):
    path = propose(territory, staff, note_ids=[shared_note.id])
    paths.decide(staff, path, "retained", "")
    data = PathData(title="Changé", note_ids=[shared_note.id])
    with pytest.raises(DomainError, match="reopened"):
        paths.update_path(staff, path, data, path.version)
    with pytest.raises(DomainError, match="reopen"):
        paths.delete_path(staff, path)
    with pytest.raises(DomainError, match="reopen"):
        paths.decide(staff, path, "set_aside", "Finalement non")
    with pytest.raises(DomainError) as refused:
        paths.reopen(staff, path, "")
    assert refused.value.field == "reason"
    paths.reopen(staff, path, "La commission revoit sa position")
    assert path.status == "proposed" and path.decided_at is None and path.decision_reason == ""
    paths.update_path(staff, path, data, path.version)
    assert path.title == "Changé"


def test_a_proposed_path_is_deleted_softly_and_leaves_lists_and_search(db, territory, staff, shared_note):
    path = propose(territory, staff, note_ids=[shared_note.id])
    paths.delete_path(staff, path)
    assert db.session.get(InterventionPath, path.id).deleted_at is not None
    assert paths.territory_paths(staff, territory) == []
    assert paths.citing(shared_note, staff) == []
    assert db.session.execute(sa.select(SearchDocument).where(SearchDocument.object_type == "path")).first() is None
    assert db.session.execute(sa.select(AuditEvent.verb).where(AuditEvent.verb == "delete")).scalar() == "delete"


# --- reading -------------------------------------------------------------------------------------

def test_citing_lists_the_paths_on_the_note_for_those_who_may_see_them(db, territory, staff, shared_note):
    path = propose(territory, staff, note_ids=[shared_note.id])
    untouched = add_note(territory, staff, title="Sans piste", visibility="shared")
    assert [p.id for p in paths.citing(shared_note, make_user("commission_member", territory=territory))] == [path.id]
    assert paths.citing(untouched, staff) == []
    assert paths.citing(shared_note, make_user("viewer")) == []
    assert paths.citing(shared_note, make_user("antenna_staff", territory=make_territory("Ailleurs"))) == []


def test_retained_paths_come_with_their_evidence_loaded(db, territory, staff, shared_note):
    passage = add_passage(shared_note)
    kept = propose(territory, staff, title="Retenue", note_ids=[shared_note.id], passage_ids=[passage.id])
    propose(territory, staff, title="Proposée", note_ids=[shared_note.id])
    paths.decide(staff, kept, "retained", "Prioritaire")
    committee = make_user("committee_member", territory=territory)
    db.session.expire_all()
    [path] = paths.retained_paths(territory)
    assert path.title == "Retenue" and path.chantier.position == 5
    assert [g.code for g in path.target_groups] == ["women_in_difficulty"]
    assert {(e.note.title, e.passage.quote if e.passage else None) for e in path.evidence} == {
        (shared_note.title, None), (shared_note.title, passage.quote)}
    [entry] = paths.evidence_for(path, committee)
    assert not entry.readable  # a shared note is not read by the committee


def test_evidence_choices_offer_only_citable_notes_and_their_passages(db, territory, staff, shared_note):
    add_passage(add_note(territory, staff, title="Brouillon"))
    kept = add_passage(shared_note)
    removed = add_passage(shared_note, quote="Retiré")
    removed.deleted_at = datetime.now(timezone.utc)
    db.session.commit()
    choices = paths.evidence_choices(territory)
    assert [(note.id, [p.id for p in passages]) for note, passages in choices] == [(shared_note.id, [kept.id])]


def test_territory_paths_filter_by_status_and_count(db, territory, staff, shared_note):
    first = propose(territory, staff, title="B", note_ids=[shared_note.id], priority="low")
    propose(territory, staff, title="A", note_ids=[shared_note.id], priority="high")
    paths.decide(staff, first, "retained", "")
    assert [s.path.title for s in paths.territory_paths(staff, territory)] == ["A", "B"]
    assert [s.path.title for s in paths.territory_paths(staff, territory, "retained")] == ["B"]
    assert paths.status_counts(staff, territory) == {"proposed": 1, "retained": 1, "set_aside": 0}
    assert paths.territory_paths(make_user("viewer"), territory) == []
