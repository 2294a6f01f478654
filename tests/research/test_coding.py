"""Coding passages of notes, and the findings a reader gets from them."""
import pytest
import sqlalchemy as sa

from najma.audit import AuditEvent
from najma.errors import DomainError
from najma.research import coding, services
from najma.research.models import CodedPassage
from najma.research.services import NoteData
from tests.conftest import make_territory, make_user
from tests.research.conftest import add_note, target_group

BODY = ("## Au souk d'Azilal\n\nLes **femmes** parlent de la *coopérative* de tissage,\n"
        "qui manque de   métiers à tisser.\n\n- garde des enfants\n- transport vers le centre\n")


@pytest.fixture
def staff(territory):
    return make_user("antenna_staff", territory=territory)


def passages(db):
    return db.session.execute(sa.select(CodedPassage)).scalars().all()


def test_a_passage_is_coded_with_the_note_revision_and_an_audit_event(db, territory, staff):
    note = add_note(territory, staff, body=BODY)
    women = target_group("women_in_difficulty")
    passage = coding.code_passage(staff, note, "  la coopérative de tissage  ", "need", women.id, memo="À revoir")
    assert passage.quote == "la coopérative de tissage"
    assert (passage.revision_number, passage.territory_id, passage.author_id) == (1, territory.id, staff.id)
    event = db.session.execute(sa.select(AuditEvent).where(AuditEvent.object_type == "CodedPassage")).scalar_one()
    assert event.verb == "create" and event.changes["quote"]["after"] == "la coopérative de tissage"


@pytest.mark.parametrize("quote", [
    "Les femmes parlent de la coopérative de tissage, qui manque de métiers à tisser.",  # selected on the page
    "Les **femmes** parlent de la *coopérative*",  # copied from the Markdown source
    "qui manque de métiers\nà tisser",  # other line breaks and spaces
    "garde des enfants transport vers le centre",  # across two list items of the page
    "Au souk d'Azilal",  # a heading, as the page shows it
])
def test_a_quote_is_found_in_the_source_or_in_the_rendered_note(db, territory, staff, quote):
    note = add_note(territory, staff, body=BODY)
    coding.code_passage(staff, note, quote, "aspiration", target_group("women_in_difficulty").id)
    assert len(passages(db)) == 1


@pytest.mark.parametrize("quote, code, group, message", [
    ("Les hommes parlent du souk", "need", "women_in_difficulty", "not in the current text"),
    ("", "need", "women_in_difficulty", "Select or paste the passage"),
    ("   ", "need", "women_in_difficulty", "Select or paste the passage"),
    ("la coopérative", "wish", "women_in_difficulty", "Choose what the passage says"),
    ("la coopérative", "need", None, "Choose the target group"),
    ("la coopérative", "need", 99999, "Choose the target group"),
    ("x" * 2001, "need", "women_in_difficulty", "limited to 2,000 characters"),
])
def test_bad_coding_is_refused_and_nothing_is_written(db, territory, staff, quote, code, group, message):
    note = add_note(territory, staff, body=BODY)
    group_id = target_group(group).id if isinstance(group, str) else group
    with pytest.raises(DomainError) as refused:
        coding.code_passage(staff, note, quote, code, group_id)
    assert message in str(refused.value.message)
    db.session.rollback()
    assert passages(db) == []


def test_a_deleted_note_cannot_be_coded(db, territory, staff):
    note = add_note(territory, staff, body=BODY)
    services.delete_note(staff, note)
    with pytest.raises(DomainError, match="bin"):
        coding.code_passage(staff, note, "la coopérative", "need", target_group().id)


def test_passages_of_a_note_flag_those_whose_text_changed(db, territory, staff):
    note = add_note(territory, staff, body=BODY)
    kept = coding.code_passage(staff, note, "garde des enfants", "need", target_group("children_precarious").id)
    gone = coding.code_passage(staff, note, "métiers à tisser", "resource", target_group().id)
    services.update_note(staff, note, NoteData(kind="observation", title=note.title,
                                               body="Les femmes veulent une garde des enfants."), note.version)
    listed = coding.passages_for_note(note)
    assert [p.id for p in listed] == [kept.id, gone.id]
    assert [p.stale for p in listed] == [False, True]
    assert listed[0].target_group.code == "children_precarious" and listed[1].revision_number == 1


def test_a_removed_passage_leaves_the_note_and_the_findings(db, territory, staff):
    note = add_note(territory, staff, body=BODY)
    passage = coding.code_passage(staff, note, "garde des enfants", "need", target_group().id)
    coding.remove_passage(staff, passage)
    assert coding.passages_for_note(note) == []
    assert coding.findings(staff, territory).total == 0
    assert db.session.get(CodedPassage, passage.id).deleted_at is not None
    with pytest.raises(DomainError, match="already removed"):
        coding.remove_passage(staff, passage)


def test_findings_are_grouped_by_target_group_then_code(db, territory, staff):
    note = add_note(territory, staff, body=BODY, visibility="shared")
    women, children = target_group("women_in_difficulty"), target_group("children_precarious")
    coding.code_passage(staff, note, "transport vers le centre", "obstacle", women.id)
    coding.code_passage(staff, note, "la coopérative de tissage", "resource", women.id)
    coding.code_passage(staff, note, "métiers à tisser", "need", women.id)
    coding.code_passage(staff, note, "garde des enfants", "need", children.id, memo="Demande forte")
    result = coding.findings(staff, territory)
    assert result.total == 4
    assert [g.target_group.code for g in result.groups] == ["women_in_difficulty", "children_precarious"]
    assert [c.code for c in result.groups[0].codes] == ["need", "resource", "obstacle"]  # the vocabulary's order
    item = result.groups[1].codes[0].items[0]
    assert (item.quote, item.memo, item.note_id, item.note_title) == (
        "garde des enfants", "Demande forte", note.id, note.title)
    only = coding.findings(staff, territory, target_group_id=women.id, code="need")
    assert only.total == 1 and only.groups[0].codes[0].items[0].quote == "métiers à tisser"


def test_drafts_passages_reach_the_antenna_but_not_the_commission(db, territory, staff):
    draft = add_note(territory, staff, title="Brouillon", body="Un besoin de crèche.")
    shared = add_note(territory, staff, title="Partagée", body="Une envie de formation.", visibility="shared")
    coding.code_passage(staff, draft, "besoin de crèche", "need", target_group().id)
    coding.code_passage(staff, shared, "envie de formation", "aspiration", target_group().id)
    member = make_user("commission_member", territory=territory)
    committee = make_user("committee_member", territory=territory)
    seen = lambda user: {i.quote for g in coding.findings(user, territory).groups for c in g.codes for i in c.items}  # noqa: E731
    assert seen(staff) == {"besoin de crèche", "envie de formation"}
    assert seen(member) == {"envie de formation"}
    assert seen(committee) == set()  # the committee reads published notes only


def test_findings_stay_within_the_territory_and_leave_deleted_notes_out(db, territory, staff):
    other = make_territory("Safi")
    other_staff = make_user("antenna_staff", territory=other)
    elsewhere = add_note(other, other_staff, body="Un besoin ailleurs.")
    coding.code_passage(other_staff, elsewhere, "besoin ailleurs", "need", target_group().id)
    binned = add_note(territory, staff, body="Un besoin oublié.")
    coding.code_passage(staff, binned, "besoin oublié", "need", target_group().id)
    services.delete_note(staff, binned)
    admin = make_user("admin")
    assert coding.findings(admin, territory).total == 0
    assert coding.findings(admin, other).total == 1
