"""The audit log: who did what, when, to which object, with the fields before and after.

Services call :func:`record` inside their own transaction, so an action and its trace are
committed together or not at all.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import orm

from najma.extensions import db
from najma.models_base import UTCDateTime, utcnow


class AuditEvent(db.Model):
    """One recorded action."""

    __tablename__ = "audit_events"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    at: orm.Mapped[datetime] = orm.mapped_column(UTCDateTime(), default=utcnow, index=True)
    actor_id: orm.Mapped[int | None] = orm.mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    actor_label: orm.Mapped[str] = orm.mapped_column(sa.String(254), default="")
    verb: orm.Mapped[str] = orm.mapped_column(sa.String(30), index=True)
    object_type: orm.Mapped[str] = orm.mapped_column(sa.String(40), index=True)
    object_id: orm.Mapped[str] = orm.mapped_column(sa.String(40), default="")
    object_label: orm.Mapped[str] = orm.mapped_column(sa.String(200), default="")
    territory_id: orm.Mapped[int | None] = orm.mapped_column(
        sa.ForeignKey("territories.id", ondelete="SET NULL"), index=True)
    changes: orm.Mapped[dict] = orm.mapped_column(sa.JSON, default=dict)

    actor = orm.relationship("User", lazy="raise")


def _plain(value: Any) -> Any:
    """A JSON-safe copy of a column value."""
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


def snapshot(obj: Any, fields: tuple[str, ...] | None = None) -> dict[str, Any]:
    """The mapped column values of ``obj`` (or only ``fields``), JSON-safe."""
    columns = [c.key for c in sa.inspect(obj).mapper.column_attrs]
    return {name: _plain(getattr(obj, name)) for name in columns if fields is None or name in fields}


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Fields whose value changed: ``{field: {"before": old, "after": new}}``."""
    ignored = {"updated_at", "created_at", "version", "password_hash"}
    keys = (set(before) | set(after)) - ignored
    return {
        key: {"before": before.get(key), "after": after.get(key)}
        for key in sorted(keys)
        if before.get(key) != after.get(key)
    }


def record(actor, verb: str, obj: Any, before: dict | None = None, after: dict | None = None,
           *, label: str | None = None, territory_id: int | None = None) -> AuditEvent:
    """Add an audit event for ``verb`` done by ``actor`` on ``obj`` to the session.

    ``before``/``after`` are snapshots; only the fields that changed are kept. The caller's
    transaction commits it.
    """
    db.session.flush()
    changes = diff(before or {}, after or {})
    actor_id = getattr(actor, "id", None)
    event = AuditEvent(
        actor_id=actor_id,
        actor_label=getattr(actor, "email", "") or "system",
        verb=verb,
        object_type=type(obj).__name__,
        object_id=str(getattr(obj, "id", "") or ""),
        object_label=(label or str(getattr(obj, "name", None) or getattr(obj, "title", None)
                                   or getattr(obj, "full_name", None) or getattr(obj, "email", None) or ""))[:200],
        territory_id=territory_id if territory_id is not None else getattr(obj, "territory_id", None),
        changes=changes,
    )
    db.session.add(event)
    return event
