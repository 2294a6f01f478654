"""Note attachments over HTTP: upload (antenna), serve (to whoever reads the note), remove.

A file is served with the type detected from its content when it was uploaded, never sniffed
by the browser, under a policy that lets it run nothing: a photo, PDF or recording, even a
crafted one, cannot act as a page of NAJMA. Upload errors (too big, wrong kind, no file)
become a message on the note page; nothing is written.
"""
from __future__ import annotations

import unicodedata
from urllib.parse import quote

from flask import abort, current_app, flash, redirect, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge

from najma.errors import DomainError
from najma.extensions import db
from najma.permissions import require
from najma.research import attachments
from najma.research.blueprint import bp, note_or_404
from najma.research.models import NoteAttachment, ResearchNote

#: The policy of a served image or recording: no script, no plugin, no form, no origin.
SANDBOX_POLICY = "default-src 'none'; img-src 'self'; media-src 'self'; sandbox; frame-ancestors 'none'"
#: PDF documents are shown by the browser's own viewer, which Chromium refuses to start in a
#: sandboxed document and which needs its inline styles; it runs PDF scripts in its own isolated
#: process, never as this site. Everything else stays forbidden.
PDF_POLICY = "default-src 'none'; object-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'none'"


def _note_page(note_id: int) -> str:
    return url_for("research.note", note_id=note_id) + "#attachments"


def _readable_attachment(attachment_id: int, action: str) -> tuple[NoteAttachment, ResearchNote]:
    """The attachment and its note (404 when either is removed) if the user may ``action`` the note."""
    attachment = db.session.get(NoteAttachment, attachment_id)
    if attachment is None or attachment.deleted_at is not None:
        abort(404)
    note = db.session.get(ResearchNote, attachment.note_id)
    if note is None or note.deleted_at is not None:
        abort(404)
    require(action, note)
    return attachment, note


def content_disposition(disposition: str, name: str) -> str:
    """A Content-Disposition value with an ASCII ``filename`` and the exact name as RFC 5987
    ``filename*``; characters that could break the header or a file system are replaced."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    ascii_name = "".join(char if char.isalnum() or char in " .-_()" else "_" for char in ascii_name).strip()
    return f"{disposition}; filename=\"{ascii_name or 'attachment'}\"; filename*=UTF-8''{quote(name, safe='')}"


@bp.post("/research/notes/<int:note_id>/attachments")
def upload_attachment(note_id: int):
    """Attach a photo, PDF or recording to the note (antenna staff)."""
    note = note_or_404(note_id, "note.edit")
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        flash(_("Choose a file to attach."), "danger")
        return redirect(_note_page(note.id))
    try:
        attachment = attachments.attach(current_user, note, upload.filename, upload.stream)
    except DomainError as error:
        flash(str(error.message), "danger")
    else:
        flash(_("%(name)s is attached to the note.", name=attachment.original_name), "success")
    return redirect(_note_page(note.id))


@bp.get("/research/attachments/<int:attachment_id>")
def attachment(attachment_id: int):
    """The file, to whoever may read its note; ``?download=1`` saves it instead of showing it."""
    item, _note = _readable_attachment(attachment_id, "note.view")
    path = attachments.path_of(item)
    if not path.is_file():
        current_app.logger.warning("attachment %s: file %s is missing", item.id, path.name)
        abort(404)
    response = send_file(path, mimetype=item.media_type, conditional=True, etag=item.sha256, max_age=0)
    disposition = "attachment" if request.args.get("download") else "inline"
    response.headers["Content-Disposition"] = content_disposition(disposition, attachments.download_name(item))
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = PDF_POLICY if item.media_type == "application/pdf" else SANDBOX_POLICY
    response.headers["Cross-Origin-Resource-Policy"] = "same-origin"
    response.cache_control.private = True
    response.cache_control.no_cache = True
    response.cache_control.public = False
    return response


@bp.post("/research/attachments/<int:attachment_id>/delete")
def delete_attachment(attachment_id: int):
    """Remove an attachment from its note (antenna staff); the removal is logged."""
    item, note = _readable_attachment(attachment_id, "note.edit")
    try:
        attachments.remove(current_user, item)
    except DomainError as error:
        flash(str(error.message), "danger")
    else:
        flash(_("%(name)s was removed from the note.", name=item.original_name), "success")
    return redirect(_note_page(note.id))


@bp.errorhandler(RequestEntityTooLarge)
def upload_too_large(error):
    """A request over MAX_CONTENT_LENGTH: on an attachment upload, say so on the note page."""
    if request.endpoint != "research.upload_attachment":
        from najma.main.errors import handle_http_error

        return handle_http_error(error)
    limit = min(attachments.max_upload_bytes(), current_app.config.get("MAX_CONTENT_LENGTH") or 2 ** 63)
    flash(_("The file is larger than %(limit)s, the most accepted for an attachment. Nothing was saved.",
            limit=attachments.format_size(limit)), "danger")
    return redirect(_note_page(request.view_args["note_id"]))


@bp.app_template_global()
def attachment_rules() -> dict:
    """What the upload form tells and asks the browser: the accepted kinds and the size limit."""
    return {"accept": attachments.accept_attribute(), "kinds": attachments.accepted_labels(),
            "limit": attachments.format_size(attachments.max_upload_bytes())}


@bp.app_template_filter("filesize")
def filesize(size: int) -> str:
    """A byte count for people ("2.5 MB"), in the reader's number format."""
    return attachments.format_size(size or 0)
