"""Conventions: after approval, one contract per action of the approved version between an
Entraide Nationale institution and the local committee.

A convention records its parties, commitments, amount, start and end, the date by which it
should be signed, and its signature date with the signed document (a PDF or a photo of the
paper, recognised by its content, stored under ``instance/conventions/`` by a random name).
Signing requires the document; a signature date is never in the future. The amount may differ
from the action's budget: that is shown as a warning, not refused.

Conventions are written while the project is approved, contracted or in execution
(permission ``convention.edit``); once the delegate has recorded the conventions as signed
(contracted and after), a signed convention no longer changes. Saves are a compare-and-set on
``lock_version`` (:class:`ConventionConflict`, a 409 page keeping what the user typed).

Unsigned conventions whose due date is near or past are reminded once to the territory's
delegates and antenna staff (:func:`remind_due_conventions`).
"""
from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import BinaryIO

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import orm

from najma import audit
from najma.errors import DomainError, StaleEditError
from najma.extensions import db
from najma.models_base import utcnow
from najma.projects import rollup
from najma.projects.execution import approved_action, approved_actions
from najma.projects.models import Convention, ProjectAction, ProjectVersion, TerritoryProject
from najma.projects.services import check_date
from najma.research import attachments
from najma.territories.models import Territory

#: Where signed documents live, under the application's instance folder.
STORAGE_FOLDER = "conventions"
#: The kinds of signed document accepted: a PDF, or a photo or scan of the signed paper.
DOCUMENT_TYPES = ("application/pdf", "image/jpeg", "image/png", "image/gif", "image/webp")
#: Project statuses in which conventions are written.
EDITABLE_STATUSES = ("approved", "contracted", "in_execution")
#: Once the conventions are recorded as signed, signed ones are locked.
LOCKED_STATUSES = ("contracted", "in_execution")
CONVENTION_FIELDS = ("action_key", "institution", "parties", "commitments", "amount", "start_date", "end_date",
                     "due_date", "signed_on", "document_name", "document_media_type", "document_size")
MAX_INSTITUTION = 200
MAX_PARTIES = 5_000
MAX_COMMITMENTS = 100_000
_STORED_NAME_LENGTH = 32


@dataclass
class ConventionData:
    """What the convention form carries (the document comes apart, as a file)."""

    institution: str = ""
    parties: str = ""
    commitments: str = ""
    amount: Decimal | str | None = None
    start_date: date | None = None
    end_date: date | None = None
    due_date: date | None = None
    signed_on: date | None = None


@dataclass
class UploadedDocument:
    """A signed document sent with the form: the name the user gave and the stream to read."""

    filename: str | None
    stream: BinaryIO


class ConventionConflict(StaleEditError):
    """A save based on an older reading of the convention; carries what the user typed and the row now."""

    def __init__(self, current: Convention | None, data: ConventionData):
        super().__init__(mine=data.commitments, current=current.commitments if current else "",
                         current_version=current.lock_version if current else 0)
        self.message = _l("Someone saved this convention while you were editing it. Your entries are kept "
                          "below, with what is recorded now: check them, then save again. A file you chose "
                          "was not kept: choose it again.")
        self.data = data
        self.current_convention = current


@dataclass
class ConventionRow:
    """One action of the approved version with its convention (``None`` before the first save)."""

    action: ProjectAction
    budget: Decimal
    convention: Convention | None
    defaults: ConventionData = field(default_factory=ConventionData)

    @property
    def signed(self) -> bool:
        return self.convention is not None and self.convention.signed_on is not None

    @property
    def amount_differs(self) -> bool:
        """The convention's amount is not the action's budget (a warning, not an error)."""
        return self.convention is not None and self.convention.amount != self.budget

    @property
    def lock_version(self) -> int:
        return self.convention.lock_version if self.convention is not None else 0

    def overdue(self, today: date) -> bool:
        """Unsigned after its due date."""
        return (self.convention is not None and not self.signed and self.convention.due_date is not None
                and self.convention.due_date < today)


# --- reading -------------------------------------------------------------------------------------

def institution_of(action: ProjectAction) -> str:
    """The Entraide Nationale institution the action names: as frozen with the approved version
    (the name voted on), else its actor on the map, or the name typed."""
    if action.frozen_names and action.frozen_names.get("institution"):
        return action.frozen_names["institution"]
    if action.institution_actor_id is not None and action.institution_actor is not None:
        return action.institution_actor.name
    return action.institution_name or ""


def defaults_for(action: ProjectAction, territory_name: str, budget: Decimal) -> ConventionData:
    """A new convention's fields, prefilled from the action: its institution, the two parties,
    its budget as amount, its start and end."""
    institution = institution_of(action)
    parties = "\n".join((
        _("Entraide Nationale — %(institution)s", institution=institution) if institution else
        _("Entraide Nationale"),
        _("Local institutional committee of %(territory)s", territory=territory_name)))
    return ConventionData(institution=institution, parties=parties, commitments="", amount=budget,
                          start_date=action.start_date, end_date=action.end_date)


def _budgets(project: TerritoryProject) -> dict[str, Decimal]:
    figures = rollup.project_figures([project.id]).get(project.id)
    return {action.key: action.budget for action in figures.actions} if figures else {}


def convention_rows(project: TerritoryProject) -> list[ConventionRow]:
    """Every action of the approved version with its budget, its convention and the defaults
    of a new one, in a fixed number of queries."""
    if project.approved_number is None:
        return []
    actions = list(db.session.execute(
        sa.select(ProjectAction).join(ProjectVersion, ProjectVersion.id == ProjectAction.version_id)
        .where(ProjectVersion.project_id == project.id, ProjectVersion.number == project.approved_number)
        .options(orm.selectinload(ProjectAction.institution_actor))
        .order_by(ProjectAction.position, ProjectAction.id)).scalars())
    if not actions:
        return []
    budgets = _budgets(project)
    conventions = {c.action_key: c for c in db.session.execute(
        sa.select(Convention).where(Convention.project_id == project.id)).scalars()}
    territory_name = db.session.execute(
        sa.select(Territory.name).where(Territory.id == project.territory_id)).scalar_one()
    rows = []
    for action in actions:
        budget = budgets.get(action.key, Decimal("0.00"))
        rows.append(ConventionRow(action=action, budget=budget, convention=conventions.get(action.key),
                                  defaults=defaults_for(action, territory_name, budget)))
    return rows


def convention_row(project: TerritoryProject, key: str) -> ConventionRow | None:
    """One action of the approved version with its convention, or ``None`` when no such action."""
    return next((row for row in convention_rows(project) if row.action.key == key), None)


def signed_counts(project_ids) -> dict[int, tuple[int, int]]:
    """``{project_id: (signed conventions, actions of the approved version)}`` for the given
    projects (two queries whatever their number)."""
    ids = list(project_ids)
    if not ids:
        return {}
    approved = (sa.select(ProjectVersion.project_id, ProjectAction.key)
                .join(ProjectAction, ProjectAction.version_id == ProjectVersion.id)
                .join(TerritoryProject, sa.and_(TerritoryProject.id == ProjectVersion.project_id,
                                                TerritoryProject.approved_number == ProjectVersion.number))
                .where(TerritoryProject.id.in_(ids)).subquery())
    totals = dict(db.session.execute(sa.select(approved.c.project_id, sa.func.count())
                                     .group_by(approved.c.project_id)).all())
    signed = dict(db.session.execute(
        sa.select(Convention.project_id, sa.func.count()).join(
            approved, sa.and_(approved.c.project_id == Convention.project_id, approved.c.key == Convention.action_key))
        .where(Convention.signed_on.is_not(None)).group_by(Convention.project_id)).all())
    return {project_id: (signed.get(project_id, 0), total) for project_id, total in totals.items()}


def unsigned_actions(project: TerritoryProject) -> list[ProjectAction]:
    """The actions of the approved version without a signed convention carrying its document."""
    signed = set(db.session.execute(sa.select(Convention.action_key).where(
        Convention.project_id == project.id, Convention.signed_on.is_not(None),
        Convention.document_stored != "")).scalars())
    return [action for action in approved_actions(project) if action.key not in signed]


def storage_folder() -> Path:
    """The folder of signed documents (created, private to the application's user)."""
    folder = Path(current_app.instance_path) / STORAGE_FOLDER
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def document_path(convention: Convention) -> Path | None:
    """Where the convention's signed document is stored (its random name), or ``None``."""
    stored = convention.document_stored or ""
    if len(stored) != _STORED_NAME_LENGTH or not all(char in "0123456789abcdef" for char in stored):
        return None
    return Path(current_app.instance_path) / STORAGE_FOLDER / stored


def document_download_name(convention: Convention) -> str:
    """The name to save the document under, with the extension of its detected type."""
    kind = attachments.KINDS.get(convention.document_media_type)
    name = convention.document_name or "convention"
    if kind is None:
        return name
    extension = name.rpartition(".")[2].lower() if "." in name else ""
    return name if extension in kind.extensions else f"{name}.{kind.extensions[0]}"


# --- validation ----------------------------------------------------------------------------------

def _as_data(data: ConventionData | Mapping) -> ConventionData:
    if isinstance(data, ConventionData):
        return data
    known = {f.name for f in fields(ConventionData)}
    return ConventionData(**{key: value for key, value in data.items() if key in known})


def _check(data: ConventionData, today: date) -> ConventionData:
    """The convention's fields, checked; the signature's document is checked by the caller."""
    from najma.projects.services import parse_amount

    institution = (data.institution or "").strip()
    if not institution:
        raise DomainError(_l("Name the Entraide Nationale institution bound by the convention."), field="institution")
    if len(institution) > MAX_INSTITUTION:
        raise DomainError(_l("The institution is limited to 200 characters."), field="institution")
    parties = (data.parties or "").strip()
    if not parties:
        raise DomainError(_l("Name the parties to the convention, one per line."), field="parties")
    if len(parties) > MAX_PARTIES:
        raise DomainError(_l("The parties are limited to 5,000 characters."), field="parties")
    commitments = data.commitments or ""
    if len(commitments) > MAX_COMMITMENTS:
        raise DomainError(_l("The commitments are limited to 100,000 characters."), field="commitments")
    if data.amount in (None, ""):
        raise DomainError(_l("Give the convention's amount in dirhams."), field="amount")
    amount = parse_amount(data.amount)
    if amount is None:
        raise DomainError(_l("The amount is a number of dirhams of at least 0, with at most two decimals."),
                          field="amount")
    for name in ("start_date", "end_date", "due_date", "signed_on"):
        value = getattr(data, name)
        if value is not None and not isinstance(value, date):
            raise DomainError(_l("Give a date."), field=name)
        check_date(value, name)
    if data.start_date and data.end_date and data.start_date > data.end_date:
        raise DomainError(_l("The convention cannot end before it starts."), field="end_date")
    if data.signed_on is not None and data.signed_on > today:
        raise DomainError(_l("The signature date cannot be in the future."), field="signed_on")
    return ConventionData(institution=institution, parties=parties, commitments=commitments, amount=amount,
                          start_date=data.start_date, end_date=data.end_date, due_date=data.due_date,
                          signed_on=data.signed_on)


def _not_writable() -> DomainError:
    return DomainError(_l("Conventions are recorded once the committee has approved the project."))


def _writable(project: TerritoryProject, key: str) -> ProjectAction:
    """The approved action with ``key`` if its convention may be written now (a first look at
    the status; :func:`_locked_status` checks it again under the lock)."""
    if project.status not in EDITABLE_STATUSES:
        raise _not_writable()
    action = approved_action(project, key)
    if action is None:
        raise DomainError(_l("This action is not in the approved version of the project."))
    return action


def _locked_status(project: TerritoryProject) -> str:
    """The project's status read with its row locked until the commit, so that recording the
    conventions as signed (which locks the same row) waits for this write or is seen by it;
    refused (rolled back) when conventions may no longer be written."""
    status = db.session.execute(sa.select(TerritoryProject.status).where(TerritoryProject.id == project.id)
                                .with_for_update()).scalar_one()
    if status not in EDITABLE_STATUSES:
        db.session.rollback()
        raise _not_writable()
    return status


def _refuse_if_locked(status: str, convention: Convention | None) -> None:
    if convention is not None and convention.signed_on is not None and status in LOCKED_STATUSES:
        db.session.rollback()
        raise DomainError(_l("This convention is signed and the project's conventions are recorded as signed: "
                             "it can no longer change."))


@dataclass
class _Stored:
    path: Path
    stored_name: str
    name: str
    media_type: str
    size: int


def _store_document(document: UploadedDocument) -> _Stored:
    """Write the upload into the conventions folder by a random name (nothing left behind on refusal).

    Refused unless it is a PDF or an image by its content, not empty and within the size limit.
    """
    limit = attachments.max_upload_bytes()
    head = attachments._read_head(document.stream)
    if not head:
        raise DomainError(_l("The file is empty. Nothing was saved."), field="document")
    media_type = attachments.detect_media_type(head)
    if media_type not in DOCUMENT_TYPES:
        raise DomainError(_l("The signed document must be a PDF or an image (JPEG, PNG, GIF, WebP); the content "
                             "of the file decides, not its name. Nothing was saved."), field="document")
    folder = storage_folder()
    try:
        temporary, size, _sha256 = attachments._write_temporary(folder, head, document.stream, limit)
    except DomainError as error:
        raise DomainError(error.message, field="document") from None
    stored_name = secrets.token_hex(_STORED_NAME_LENGTH // 2)
    final = folder / stored_name
    try:
        os.replace(temporary, final)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    name = attachments.display_name(document.filename) or f"convention.{attachments.KINDS[media_type].extensions[0]}"
    return _Stored(path=final, stored_name=stored_name, name=name, media_type=media_type, size=size)


def _current(project: TerritoryProject, key: str) -> Convention | None:
    return db.session.execute(
        sa.select(Convention).where(Convention.project_id == project.id, Convention.action_key == key)
        .execution_options(populate_existing=True)).scalar_one_or_none()


def _values(checked: ConventionData, stored: _Stored | None) -> dict:
    values = {name: getattr(checked, name) for name in
              ("institution", "parties", "commitments", "amount", "start_date", "end_date", "due_date", "signed_on")}
    if stored is not None:
        values.update(document_name=stored.name, document_stored=stored.stored_name,
                      document_media_type=stored.media_type, document_size=stored.size)
    return values


# --- writing -------------------------------------------------------------------------------------

def save_convention(actor, project: TerritoryProject, action_key: str, data: ConventionData | Mapping,
                    base_lock_version: int | None, document: UploadedDocument | None = None,
                    today: date | None = None) -> Convention:
    """Create or update the convention of one action, with its signed document when one is sent.

    ``base_lock_version`` is the version the form was read at (0 before the first save); a save
    based on an older one raises :class:`ConventionConflict`. A signature date requires the
    signed document (already stored, or sent now). Changing the due date lets a new reminder go
    out. Audited as ``sign`` when the convention becomes signed. One transaction; a file written
    for a save that fails is removed.
    """
    today = today or date.today()
    action = _writable(project, action_key)
    typed = _as_data(data)
    checked = _check(typed, today)
    base = int(base_lock_version or 0)
    status = _locked_status(project)
    current = _current(project, action_key)
    _refuse_if_locked(status, current)
    if (current is None and base != 0) or (current is not None and base != current.lock_version):
        conflict = ConventionConflict(current, typed)
        db.session.rollback()
        raise conflict
    has_document = document is not None or (current is not None and bool(current.document_stored))
    if checked.signed_on is not None and not has_document:
        db.session.rollback()
        raise DomainError(_l("Upload the signed document (PDF or image) to record the signature."),
                          field="document")
    stored = _store_document(document) if document is not None else None
    replaced = document_path(current) if (current is not None and stored is not None) else None
    try:
        convention = _write(actor, project, action, current, base, checked, stored, typed)
    except BaseException:
        db.session.rollback()
        if stored is not None:
            stored.path.unlink(missing_ok=True)
        raise
    if replaced is not None:
        replaced.unlink(missing_ok=True)
    return convention


def _write(actor, project, action, current, base, checked, stored, typed) -> Convention:
    values = _values(checked, stored)
    if current is None:
        convention = Convention(project_id=project.id, action_key=action.key, lock_version=1, **values)
        db.session.add(convention)
        try:
            db.session.flush()
        except sa.exc.IntegrityError:
            db.session.rollback()
            raise ConventionConflict(_current(project, action.key), typed) from None
        verb = "sign" if convention.signed_on is not None else "create"
        audit.record(actor, verb, convention, {}, audit.snapshot(convention, CONVENTION_FIELDS),
                     label=action.title, territory_id=project.territory_id)
        db.session.commit()
        return convention
    before = audit.snapshot(current, CONVENTION_FIELDS)
    was_signed = current.signed_on is not None
    if checked.due_date != current.due_date:
        values["reminded_at"] = None
    result = db.session.execute(
        sa.update(Convention).where(Convention.id == current.id, Convention.lock_version == base)
        .values(lock_version=Convention.lock_version + 1, **values)
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise ConventionConflict(_current(project, action.key), typed)
    db.session.refresh(current)
    verb = "sign" if (current.signed_on is not None and not was_signed) else "update"
    audit.record(actor, verb, current, before, audit.snapshot(current, CONVENTION_FIELDS),
                 label=action.title, territory_id=project.territory_id)
    db.session.commit()
    return current


def attach_signed_document(actor, project: TerritoryProject, action_key: str, filename: str | None,
                           stream: BinaryIO) -> Convention:
    """Attach (or replace) the signed document of an existing convention, keeping its fields.

    PDF or image only, judged by content; refused when the convention is locked. The previous
    file is removed once the new one is committed; a failed commit removes the new one.
    """
    action = _writable(project, action_key)
    status = _locked_status(project)
    current = _current(project, action_key)
    if current is None:
        db.session.rollback()
        raise DomainError(_l("Save the convention before attaching its signed document."), field="document")
    _refuse_if_locked(status, current)
    stored = _store_document(UploadedDocument(filename, stream))
    replaced = document_path(current)
    try:
        before = audit.snapshot(current, CONVENTION_FIELDS)
        current.document_name, current.document_stored = stored.name, stored.stored_name
        current.document_media_type, current.document_size = stored.media_type, stored.size
        current.lock_version += 1
        db.session.flush()
        audit.record(actor, "upload", current, before, audit.snapshot(current, CONVENTION_FIELDS),
                     label=action.title, territory_id=project.territory_id)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        stored.path.unlink(missing_ok=True)
        raise
    if replaced is not None:
        replaced.unlink(missing_ok=True)
    return current


# --- reminders -----------------------------------------------------------------------------------

#: Territorial roles reminded of conventions to sign.
REMINDED_ROLES = ("delegate", "antenna_staff")


def remind_due_conventions(today: date | None = None, within_days: int | None = None) -> int:
    """Remind the territory's delegates and antenna staff of each unsigned convention whose due
    date is within ``within_days`` days or past, once per convention; returns how many
    conventions were reminded. Running it again sends nothing new."""
    from najma.auth.models import RoleAssignment, User
    from najma.projects.notify import notify_users

    today = today or date.today()
    if within_days is None:
        within_days = int(current_app.config.get("NAJMA_CONVENTION_REMINDER_DAYS", 14))
    due = db.session.execute(
        sa.select(Convention, ProjectAction.title, ProjectVersion.title, Territory.id, Territory.slug)
        .join(TerritoryProject, TerritoryProject.id == Convention.project_id)
        .join(ProjectVersion, sa.and_(ProjectVersion.project_id == TerritoryProject.id,
                                      ProjectVersion.number == TerritoryProject.approved_number))
        .join(ProjectAction, sa.and_(ProjectAction.version_id == ProjectVersion.id,
                                     ProjectAction.key == Convention.action_key))
        .join(Territory, Territory.id == TerritoryProject.territory_id)
        .where(TerritoryProject.status.in_(EDITABLE_STATUSES), Convention.signed_on.is_(None),
               Convention.reminded_at.is_(None), Convention.due_date.is_not(None),
               Convention.due_date <= today + timedelta(days=within_days))
        .order_by(Convention.due_date, Convention.id)).all()
    if not due:
        return 0
    recipients: dict[int, set[int]] = {}
    for territory_id, user_id in db.session.execute(
            sa.select(RoleAssignment.territory_id, RoleAssignment.user_id)
            .join(User, User.id == RoleAssignment.user_id)
            .where(RoleAssignment.role.in_(REMINDED_ROLES), User.active.is_(True),
                   RoleAssignment.territory_id.in_({row[3] for row in due}))):
        recipients.setdefault(territory_id, set()).add(user_id)
    now = utcnow()
    for convention, action_title, project_title, territory_id, slug in due:
        notify_users(sorted(recipients.get(territory_id, ())), "convention_due",
                     {"project": project_title, "action": action_title, "due": convention.due_date.isoformat()},
                     _conventions_url(slug, convention.action_key))
        convention.reminded_at = now
    db.session.commit()
    return len(due)


def _conventions_url(slug: str, key: str) -> str:
    """The convention's edit page, also outside a request (the command line)."""
    from flask import has_request_context, url_for

    if has_request_context():
        return url_for("projects.edit_convention", slug=slug, key=key)
    with current_app.test_request_context():
        return url_for("projects.edit_convention", slug=slug, key=key)
