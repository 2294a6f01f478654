"""Files attached to research notes: photos, PDF documents and sound recordings.

The type of a file is read from its first bytes, never from its name: what a browser is told
when the file is served is what the file is. The name the user gave is kept for display only
(cleaned); the file is stored under ``instance/attachments/`` by a random name, written to a
temporary file first and moved into place, so a refused, interrupted or oversize upload
leaves nothing behind, and a failed database commit removes the file it had written.

Removing an attachment is a soft delete: the row is marked and hidden, and the file stays on
disk until an administrator purges deleted files (it is never served again meanwhile).
"""
from __future__ import annotations

import hashlib
import os
import re
import secrets
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import orm

from najma import audit
from najma.auth.models import User
from najma.errors import DomainError
from najma.extensions import db
from najma.models_base import utcnow
from najma.research.models import NoteAttachment, ResearchNote

#: Where attachments live, under the application's instance folder.
STORAGE_FOLDER = "attachments"
#: The default size limit when RESEARCH_MAX_UPLOAD_BYTES is not configured.
DEFAULT_MAX_BYTES = 25 * 1024 * 1024
#: The most attachments one note may carry.
MAX_PER_NOTE = 100
#: The longest name kept for display.
MAX_NAME_LENGTH = 120
#: Bytes read to recognise a file's type.
HEAD_BYTES = 512
CHUNK_BYTES = 64 * 1024
_STORED_NAME = re.compile(r"^[0-9a-f]{32}$")
_AUDIT_FIELDS = ("note_id", "original_name", "media_type", "size", "sha256")


@dataclass(frozen=True)
class FileKind:
    """One accepted kind of file: its media type, family (image, pdf, audio), label, extensions."""

    media_type: str
    family: str
    label: str
    extensions: tuple[str, ...]


#: Every kind of file accepted, by media type, in the order the upload form lists them.
KINDS: dict[str, FileKind] = {kind.media_type: kind for kind in (
    FileKind("image/jpeg", "image", "JPEG", ("jpg", "jpeg")),
    FileKind("image/png", "image", "PNG", ("png",)),
    FileKind("image/gif", "image", "GIF", ("gif",)),
    FileKind("image/webp", "image", "WebP", ("webp",)),
    FileKind("application/pdf", "pdf", "PDF", ("pdf",)),
    FileKind("audio/mpeg", "audio", "MP3", ("mp3",)),
    FileKind("audio/ogg", "audio", "Ogg/Opus", ("ogg", "opus", "oga")),
    FileKind("audio/wav", "audio", "WAV", ("wav",)),
    FileKind("audio/mp4", "audio", "M4A", ("m4a", "mp4")),
    FileKind("audio/aac", "audio", "AAC", ("aac",)),
    FileKind("audio/webm", "audio", "WebM", ("webm",)),
)}
#: ISO base media (MP4) brands accepted as sound recordings.
_MP4_AUDIO_BRANDS = {b"M4A ", b"M4B ", b"mp42", b"mp41", b"isom", b"iso2"}
#: The first packet of an Ogg stream that carries sound (Opus, Vorbis, FLAC, Speex).
_OGG_AUDIO_CODECS = (b"OpusHead", b"\x01vorbis", b"\x7fFLAC", b"Speex   ")


def _is_id3(head: bytes) -> bool:
    """An ID3v2 tag: "ID3", version 2 to 4, flags, then a 28-bit size in four 7-bit bytes."""
    return (len(head) >= 10 and head[:3] == b"ID3" and head[3] in (2, 3, 4) and head[4] != 0xFF
            and all(byte < 0x80 for byte in head[6:10]))


def _is_mpeg_audio_frame(head: bytes) -> bool:
    """An MPEG audio frame header (MP3 without a tag): 11 sync bits and valid fields."""
    if len(head) < 4 or head[0] != 0xFF or head[1] & 0xE0 != 0xE0:
        return False
    version, layer = (head[1] >> 3) & 0b11, (head[1] >> 1) & 0b11
    bitrate, rate = head[2] >> 4, (head[2] >> 2) & 0b11
    return version != 0b01 and layer != 0b00 and bitrate != 0b1111 and rate != 0b11


def detect_media_type(head: bytes) -> str | None:
    """The media type of a file whose first bytes are ``head``, or None if it is not accepted.

    Only the signatures of the kinds in :data:`KINDS` are recognised; HTML, SVG, scripts,
    executables and archives are refused whatever their name.
    """
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "audio/wav"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if _is_id3(head) or _is_mpeg_audio_frame(head):
        return "audio/mpeg"
    if len(head) >= 7 and head[0] == 0xFF and head[1] & 0xF6 == 0xF0:
        return "audio/aac"  # an ADTS stream: raw AAC frames
    if head[:4] == b"OggS" and any(codec in head[:160] for codec in _OGG_AUDIO_CODECS):
        return "audio/ogg"
    if head[4:8] == b"ftyp" and head[8:12] in _MP4_AUDIO_BRANDS:
        return "audio/mp4"
    if head[:4] == b"\x1a\x45\xdf\xa3" and b"webm" in head[:64]:
        return "audio/webm"
    return None


def accepted_labels() -> str:
    """The accepted kinds as a readable list, e.g. "JPEG, PNG, ... WebM"."""
    return ", ".join(kind.label for kind in KINDS.values())


def accept_attribute() -> str:
    """The value of a file input's ``accept`` attribute for the accepted kinds."""
    extensions = sorted({f".{ext}" for kind in KINDS.values() for ext in kind.extensions})
    return ",".join(list(KINDS) + extensions)


def max_upload_bytes() -> int:
    """The size limit of one attachment (configuration RESEARCH_MAX_UPLOAD_BYTES)."""
    return int(current_app.config.get("RESEARCH_MAX_UPLOAD_BYTES", DEFAULT_MAX_BYTES))


def format_size(size: int) -> str:
    """A file size for people, in the reader's number format: "830 bytes", "14 KB", "2.5 MB"."""
    from najma.i18n import format_number_local

    if size < 1024:
        return ngettext("%(num)s byte", "%(num)s bytes", size)
    if size < 1024 * 1024:
        return _("%(size)s KB", size=format_number_local(round(size / 1024)))
    megabytes = size / (1024 * 1024)
    decimals = 0 if megabytes >= 100 or megabytes == int(megabytes) else 1
    return _("%(size)s MB", size=format_number_local(megabytes, decimals))


def display_name(declared: str | None) -> str:
    """The user's file name made safe to show: its last path part, without control or
    formatting characters (bidirectional overrides included), spaces collapsed, and at most
    :data:`MAX_NAME_LENGTH` characters (the extension kept when shortened). May be empty."""
    name = unicodedata.normalize("NFC", declared or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(char for char in name if not unicodedata.category(char).startswith("C"))
    name = " ".join(name.split()).rstrip(". ")
    if len(name) > MAX_NAME_LENGTH:
        stem, dot, extension = name.rpartition(".")
        if dot and stem and 0 < len(extension) <= 10:
            name = stem[:MAX_NAME_LENGTH - len(extension) - 1].rstrip() + "." + extension
        else:
            name = name[:MAX_NAME_LENGTH]
    return name


def download_name(attachment: NoteAttachment) -> str:
    """The name to save the file under: the display name, with the extension of the detected
    type added when the declared one does not match it (a PNG named report.html is saved as
    report.html.png, so no program opens it as a web page)."""
    kind = KINDS.get(attachment.media_type)
    name = attachment.original_name or "attachment"
    if kind is None:
        return name
    extension = name.rpartition(".")[2].lower() if "." in name else ""
    if extension in kind.extensions:
        return name
    return f"{name}.{kind.extensions[0]}"


def storage_folder() -> Path:
    """The folder that holds the stored files (created, private to the application's user)."""
    folder = Path(current_app.instance_path) / STORAGE_FOLDER
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def path_of(attachment: NoteAttachment) -> Path:
    """Where the file of ``attachment`` is stored (its random name, never a user's)."""
    if not _STORED_NAME.match(attachment.stored_name or ""):
        raise ValueError(f"not a stored attachment name: {attachment.stored_name!r}")
    return Path(current_app.instance_path) / STORAGE_FOLDER / attachment.stored_name


def for_note(note: ResearchNote) -> list[NoteAttachment]:
    """The note's attachments that are not removed, oldest first, with their uploader (one query)."""
    return list(db.session.execute(
        sa.select(NoteAttachment).where(NoteAttachment.note_id == note.id, NoteAttachment.deleted_at.is_(None))
        .options(orm.joinedload(NoteAttachment.uploaded_by).lazyload(User.roles))  # roles: only if asked
        .order_by(NoteAttachment.created_at, NoteAttachment.id)).scalars())


def _read_head(stream: BinaryIO) -> bytes:
    """Up to :data:`HEAD_BYTES` first bytes of ``stream`` (reads may return less than asked)."""
    head = b""
    while len(head) < HEAD_BYTES:
        chunk = stream.read(HEAD_BYTES - len(head))
        if not chunk:
            break
        head += chunk
    return head


def _too_big(limit: int) -> DomainError:
    return DomainError(_l("The file is larger than %(limit)s, the most accepted for an attachment. "
                          "Nothing was saved.", limit=format_size(limit)), field="file")


def _write_temporary(folder: Path, head: bytes, stream: BinaryIO, limit: int) -> tuple[Path, int, str]:
    """Copy the upload into a temporary file of ``folder``; return its path, size and SHA-256.

    Over ``limit`` bytes the copy stops, the temporary file is removed and nothing remains.
    """
    handle, name = tempfile.mkstemp(dir=folder, prefix=".upload-", suffix=".part")
    temporary = Path(name)
    digest = hashlib.sha256()
    size = 0
    try:
        with os.fdopen(handle, "wb") as out:
            chunk = head
            while chunk:
                size += len(chunk)
                if size > limit:
                    raise _too_big(limit)
                digest.update(chunk)
                out.write(chunk)
                chunk = stream.read(CHUNK_BYTES)
            out.flush()
            os.fsync(out.fileno())
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return temporary, size, digest.hexdigest()


def attach(actor, note: ResearchNote, filename: str | None, stream: BinaryIO) -> NoteAttachment:
    """Attach the file read from ``stream`` (declared as ``filename``) to ``note``.

    Refused with a :class:`DomainError`, and nothing written, when the note is in the bin, the
    note has :data:`MAX_PER_NOTE` files, the file is empty, larger than the limit, or of a
    kind not accepted (judged by its content). The row and its audit event are committed
    together; if the commit fails, the stored file is removed.
    """
    if note.deleted_at is not None:
        raise DomainError(_l("This note is in the bin; recover it first."))
    count = db.session.execute(sa.select(sa.func.count()).select_from(NoteAttachment).where(
        NoteAttachment.note_id == note.id, NoteAttachment.deleted_at.is_(None))).scalar_one()
    if count >= MAX_PER_NOTE:
        raise DomainError(_l("A note carries at most %(count)s attachments; remove one first.",
                             count=MAX_PER_NOTE), field="file")
    limit = max_upload_bytes()
    head = _read_head(stream)
    if not head:
        raise DomainError(_l("The file is empty. Nothing was saved."), field="file")
    if len(head) > limit:
        raise _too_big(limit)
    media_type = detect_media_type(head)
    if media_type is None:
        raise DomainError(_l("This kind of file is not accepted. Attach a photo, a PDF document or a sound "
                             "recording (%(kinds)s); the content of the file decides, not its name. "
                             "Nothing was saved.", kinds=accepted_labels()), field="file")
    folder = storage_folder()
    temporary, size, sha256 = _write_temporary(folder, head, stream, limit)
    stored_name = secrets.token_hex(16)
    final = folder / stored_name
    try:
        os.replace(temporary, final)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    name = display_name(filename) or f"attachment.{KINDS[media_type].extensions[0]}"
    try:
        attachment = NoteAttachment(note_id=note.id, original_name=name, stored_name=stored_name,
                                    media_type=media_type, size=size, sha256=sha256,
                                    uploaded_by_id=getattr(actor, "id", None), created_at=utcnow())
        db.session.add(attachment)
        db.session.flush()
        audit.record(actor, "upload", attachment, {}, audit.snapshot(attachment, _AUDIT_FIELDS),
                     label=f"{note.title} · {name}", territory_id=note.territory_id)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        final.unlink(missing_ok=True)
        raise
    return attachment


def remove(actor, attachment: NoteAttachment) -> None:
    """Remove an attachment from its note (soft delete, audited). The file stays on disk until
    deleted files are purged, but it is no longer listed nor served."""
    if attachment.deleted_at is not None:
        raise DomainError(_l("This attachment was already removed."))
    territory_id = db.session.execute(sa.select(ResearchNote.territory_id).where(
        ResearchNote.id == attachment.note_id)).scalar_one()
    before = audit.snapshot(attachment, _AUDIT_FIELDS + ("deleted_at",))
    attachment.deleted_at = utcnow()
    audit.record(actor, "delete", attachment, before, audit.snapshot(attachment, _AUDIT_FIELDS + ("deleted_at",)),
                 label=attachment.original_name, territory_id=territory_id)
    db.session.commit()
