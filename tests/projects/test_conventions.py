"""Conventions: prefilled from the approved action, validated, signed only with a document
recognised by its content, stale saves refused, locked once the conventions are recorded as
signed, and reminders of those due sent once."""
import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from tests.conftest import make_user
from tests.projects._execution_fixtures import (HTML_BYTES, PNG_BYTES, action_keys, approved_project, pdf,
                                                sign_all)

from najma.audit import AuditEvent
from najma.errors import DomainError
from najma.extensions import db
from najma.notifications.models import Notification
from najma.projects import conventions, workflow
from najma.projects.conventions import ConventionConflict, ConventionData, UploadedDocument
from najma.projects.models import Convention


@pytest.fixture
def scene(db, territory):
    return approved_project(territory)


def _data(**overrides) -> ConventionData:
    values = dict(institution="Centre d'éducation et de formation", parties="Entraide Nationale\nComité",
                  commitments="Le centre **forme** 30 femmes.", amount="1000.00",
                  start_date=date(2026, 9, 1), end_date=date(2027, 6, 30), due_date=date(2026, 8, 1))
    values.update(overrides)
    return ConventionData(**values)


def _convention(project, key) -> Convention | None:
    return db.session.execute(sa.select(Convention).where(
        Convention.project_id == project.id, Convention.action_key == key)
        .execution_options(populate_existing=True)).scalar_one_or_none()


def test_rows_list_every_action_prefilled_from_the_approved_version(scene, territory):
    rows = conventions.convention_rows(scene.project)
    assert [row.action.title for row in rows] == ["Action 1", "Action 2"]
    assert [row.budget for row in rows] == [Decimal("1000.00"), Decimal("3000.00")]
    first = rows[0]
    assert first.convention is None and first.lock_version == 0
    assert first.defaults.institution == "Centre d'éducation et de formation"
    assert first.defaults.parties.splitlines() == [
        "Entraide Nationale — Centre d'éducation et de formation", f"Local institutional committee of {territory.name}"]
    assert first.defaults.amount == Decimal("1000.00")
    assert first.defaults.start_date == date(2026, 9, 1)


def test_save_creates_then_updates_with_audit(scene):
    key = action_keys(scene.project)[0]
    convention = conventions.save_convention(scene.delegate, scene.project, key, _data(), 0)
    assert convention.lock_version == 1 and convention.amount == Decimal("1000.00")
    conventions.save_convention(scene.delegate, scene.project, key, _data(amount="1 250,50"), 1)
    convention = _convention(scene.project, key)
    assert convention.amount == Decimal("1250.50") and convention.lock_version == 2
    events = db.session.execute(sa.select(AuditEvent.verb, AuditEvent.changes).where(
        AuditEvent.object_type == "Convention").order_by(AuditEvent.id)).all()
    assert [verb for verb, _ in events] == ["create", "update"]
    assert events[1][1]["amount"] == {"before": "1000.00", "after": "1250.50"}


def test_amount_different_from_the_budget_is_kept_and_flagged(scene):
    key = action_keys(scene.project)[0]
    conventions.save_convention(scene.delegate, scene.project, key, _data(amount="900"), 0)
    row = conventions.convention_row(scene.project, key)
    assert row.convention.amount == Decimal("900.00") and row.amount_differs


@pytest.mark.parametrize(("overrides", "field", "message"), [
    ({"institution": "  "}, "institution", "Name the Entraide Nationale institution"),
    ({"parties": ""}, "parties", "Name the parties"),
    ({"amount": ""}, "amount", "Give the convention's amount"),
    ({"amount": "-5"}, "amount", "at least 0"),
    ({"amount": "12.345"}, "amount", "at most two decimals"),
    ({"amount": "douze"}, "amount", "at least 0"),
    ({"start_date": date(2027, 1, 1), "end_date": date(2026, 1, 1)}, "end_date", "cannot end before it starts"),
    ({"signed_on": date.today() + timedelta(days=1)}, "signed_on", "cannot be in the future"),
    ({"signed_on": date.today()}, "document", "Upload the signed document"),
])
def test_refusals_say_why_and_change_nothing(scene, overrides, field, message):
    key = action_keys(scene.project)[0]
    with pytest.raises(DomainError) as error:
        conventions.save_convention(scene.delegate, scene.project, key, _data(**overrides), 0)
    assert error.value.field == field
    assert message in str(error.value.message)
    db.session.rollback()
    assert _convention(scene.project, key) is None


def test_signing_with_a_pdf_stores_it_by_a_random_name_and_audits_sign(scene, app):
    key = action_keys(scene.project)[0]
    conventions.save_convention(scene.delegate, scene.project, key, _data(), 0)
    convention = conventions.save_convention(scene.delegate, scene.project, key,
                                             _data(signed_on=date.today()), 1, pdf("Convention signée.pdf"))
    assert convention.signed_on == date.today()
    assert convention.document_name == "Convention signée.pdf"
    assert convention.document_media_type == "application/pdf"
    path = conventions.document_path(convention)
    assert path.parent.name == "conventions" and path.read_bytes().startswith(b"%PDF-")
    assert "signée" not in path.name
    verbs = db.session.execute(sa.select(AuditEvent.verb).where(AuditEvent.object_type == "Convention")
                               .order_by(AuditEvent.id)).scalars().all()
    assert verbs == ["create", "sign"]


def test_a_photo_of_the_signed_paper_is_accepted(scene):
    key = action_keys(scene.project)[0]
    convention = conventions.save_convention(scene.delegate, scene.project, key, _data(signed_on=date.today()), 0,
                                             UploadedDocument("scan.png", io.BytesIO(PNG_BYTES)))
    assert convention.document_media_type == "image/png" and convention.signed_on == date.today()


def test_an_html_page_named_pdf_is_refused_and_nothing_is_written(scene, app):
    key = action_keys(scene.project)[0]
    folder = conventions.storage_folder()
    before = set(folder.iterdir())
    with pytest.raises(DomainError) as error:
        conventions.save_convention(scene.delegate, scene.project, key, _data(signed_on=date.today()), 0,
                                    UploadedDocument("convention.pdf", io.BytesIO(HTML_BYTES)))
    assert error.value.field == "document"
    assert "PDF or an image" in str(error.value.message)
    db.session.rollback()
    assert _convention(scene.project, key) is None
    assert set(folder.iterdir()) == before


def test_an_oversize_document_is_refused(scene, app, monkeypatch):
    key = action_keys(scene.project)[0]
    monkeypatch.setitem(app.config, "RESEARCH_MAX_UPLOAD_BYTES", 100)
    with pytest.raises(DomainError) as error:
        conventions.save_convention(scene.delegate, scene.project, key, _data(signed_on=date.today()), 0,
                                    UploadedDocument("big.pdf", io.BytesIO(b"%PDF-1.4\n" + b"x" * 500)))
    assert error.value.field == "document" and "larger than" in str(error.value.message)


def test_a_failed_commit_removes_the_file_it_wrote(scene, monkeypatch):
    key = action_keys(scene.project)[0]
    folder = conventions.storage_folder()
    before = set(folder.iterdir())

    def broken(*args, **kwargs):
        raise RuntimeError("database gone")

    monkeypatch.setattr(conventions.audit, "record", broken)
    with pytest.raises(RuntimeError):
        conventions.save_convention(scene.delegate, scene.project, key, _data(signed_on=date.today()), 0, pdf())
    assert set(folder.iterdir()) == before


def test_replacing_the_document_removes_the_old_file(scene):
    key = action_keys(scene.project)[0]
    first = conventions.save_convention(scene.delegate, scene.project, key, _data(), 0, pdf("v1.pdf"))
    old_path = conventions.document_path(first)
    convention = conventions.attach_signed_document(scene.delegate, scene.project, key, "v2.pdf",
                                                    io.BytesIO(b"%PDF-1.7\nnew"))
    assert convention.document_name == "v2.pdf" and convention.lock_version == 2
    assert not old_path.exists() and conventions.document_path(convention).exists()


def test_attaching_needs_a_saved_convention(scene):
    key = action_keys(scene.project)[0]
    with pytest.raises(DomainError, match="Save the convention"):
        conventions.attach_signed_document(scene.delegate, scene.project, key, "a.pdf", io.BytesIO(b"%PDF-1.4"))


def test_a_stale_save_is_a_conflict_and_changes_nothing(scene):
    key = action_keys(scene.project)[0]
    conventions.save_convention(scene.delegate, scene.project, key, _data(), 0)
    conventions.save_convention(scene.staff, scene.project, key, _data(commitments="Version du collègue"), 1)
    with pytest.raises(ConventionConflict) as error:
        conventions.save_convention(scene.delegate, scene.project, key, _data(commitments="Ma version"), 1)
    assert error.value.current_convention.commitments == "Version du collègue"
    assert error.value.data.commitments == "Ma version"
    db.session.rollback()
    assert _convention(scene.project, key).commitments == "Version du collègue"
    with pytest.raises(ConventionConflict):  # created meanwhile by someone else
        conventions.save_convention(scene.delegate, scene.project, key, _data(), 0)


def test_unknown_action_and_wrong_status_are_refused(scene, db, territory):
    with pytest.raises(DomainError, match="not in the approved version"):
        conventions.save_convention(scene.delegate, scene.project, "nokey", _data(), 0)
    from tests.conftest import make_territory
    from tests.projects.conftest import make_project

    other = make_territory("Chefchaouen")
    draft = make_project(other)
    with pytest.raises(DomainError, match="once the committee has approved"):
        conventions.save_convention(scene.delegate, draft, "whatever", _data(), 0)


def test_sign_conventions_needs_every_convention_signed_with_its_document(scene):
    first, second = action_keys(scene.project)
    conventions.save_convention(scene.delegate, scene.project, first, _data(signed_on=date.today()), 0, pdf())
    conventions.save_convention(scene.delegate, scene.project, second, _data(), 0)
    assert [a.key for a in conventions.unsigned_actions(scene.project)] == [second]
    db.session.refresh(scene.project)
    with pytest.raises(DomainError, match="Action 2"):
        workflow.transition(scene.delegate, scene.project, "sign_conventions",
                            status_version=scene.project.status_version)
    db.session.rollback()
    conventions.save_convention(scene.delegate, scene.project, second, _data(signed_on=date.today()), 1, pdf())
    assert conventions.unsigned_actions(scene.project) == []
    assert conventions.signed_counts([scene.project.id]) == {scene.project.id: (2, 2)}


def test_signed_conventions_are_locked_once_recorded_as_signed(scene):
    sign_all(scene)
    key = action_keys(scene.project)[0]
    db.session.refresh(scene.project)
    assert scene.project.status == "contracted"
    current = _convention(scene.project, key)
    with pytest.raises(DomainError, match="can no longer change"):
        conventions.save_convention(scene.delegate, scene.project, key, _data(), current.lock_version)
    with pytest.raises(DomainError, match="can no longer change"):
        conventions.attach_signed_document(scene.delegate, scene.project, key, "x.pdf", io.BytesIO(b"%PDF-1.4"))


def test_clearing_the_signature_is_allowed_before_the_conventions_are_recorded(scene):
    key = action_keys(scene.project)[0]
    conventions.save_convention(scene.delegate, scene.project, key, _data(signed_on=date.today()), 0, pdf())
    convention = conventions.save_convention(scene.delegate, scene.project, key, _data(signed_on=None), 1)
    assert convention.signed_on is None and convention.document_stored  # the document stays


# --- reminders -----------------------------------------------------------------------------------

def _notified(kind="convention_due"):
    return db.session.execute(sa.select(Notification.user_id, Notification.params, Notification.url)
                              .where(Notification.kind == kind).order_by(Notification.id)).all()


def test_reminders_go_once_to_delegates_and_antenna_for_unsigned_conventions_due(scene, territory):
    first, second = action_keys(scene.project)
    today = date(2026, 7, 1)
    outsider = make_user("commission_member", territory=territory)
    conventions.save_convention(scene.delegate, scene.project, first, _data(due_date=today + timedelta(days=10)), 0)
    conventions.save_convention(scene.delegate, scene.project, second, _data(due_date=today + timedelta(days=30)), 0)
    assert conventions.remind_due_conventions(today, 14) == 1
    sent = _notified()
    # The committee's chair is a delegate too (the seat gives the role).
    assert {user_id for user_id, _, _ in sent} == {scene.delegate.id, scene.staff.id, scene.chair.id}
    assert outsider.id not in {user_id for user_id, _, _ in sent}
    params = sent[0][1]
    assert params == {"project": "Projet de territoire", "action": "Action 1", "due": "2026-07-11"}
    assert sent[0][2] == f"/territories/{territory.slug}/project/conventions/{first}"
    assert conventions.remind_due_conventions(today, 14) == 0  # once
    assert len(_notified()) == 3
    assert conventions.remind_due_conventions(today, 40) == 1  # the second one, now within the days
    assert len(_notified()) == 6


def test_overdue_conventions_are_reminded_and_signed_ones_never(scene):
    first, second = action_keys(scene.project)
    today = date.today()
    conventions.save_convention(scene.delegate, scene.project, first,
                                _data(due_date=today - timedelta(days=3), signed_on=today), 0, pdf())
    conventions.save_convention(scene.delegate, scene.project, second, _data(due_date=today - timedelta(days=3)), 0)
    assert conventions.remind_due_conventions(today, 0) == 1
    assert {params["action"] for _, params, _ in _notified()} == {"Action 2"}


def test_changing_the_due_date_allows_a_new_reminder(scene):
    key = action_keys(scene.project)[0]
    today = date(2026, 7, 1)
    conventions.save_convention(scene.delegate, scene.project, key, _data(due_date=today), 0)
    assert conventions.remind_due_conventions(today, 0) == 1
    conventions.save_convention(scene.delegate, scene.project, key, _data(due_date=today + timedelta(days=5)), 1)
    assert conventions.remind_due_conventions(today, 7) == 1
    conventions.save_convention(scene.delegate, scene.project, key, _data(due_date=today + timedelta(days=5),
                                                                          commitments="Autre"), 2)
    assert conventions.remind_due_conventions(today, 7) == 0  # same due date: no second reminder


@pytest.mark.parametrize("name", ["start_date", "end_date", "due_date", "signed_on"])
def test_convention_dates_outside_2000_to_2100_are_refused_on_their_field(scene, name):
    key = action_keys(scene.project)[0]
    for value in (date(1999, 12, 31), date(1, 1, 1)) + ((date(2101, 1, 1),) if name != "signed_on" else ()):
        overrides = {name: value}
        if name == "start_date":
            overrides["end_date"] = None
        with pytest.raises(DomainError) as error:
            conventions.save_convention(scene.delegate, scene.project, key, _data(**overrides), 0, pdf())
        assert error.value.field == name and str(error.value.message) == "Give a date between 2000 and 2100."
    assert _convention(scene.project, key) is None
