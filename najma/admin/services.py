"""Browsing the audit log with filters."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

import sqlalchemy as sa

from najma.audit import AuditEvent
from najma.extensions import db


def search_audit(*, actor: str = "", verb: str = "", object_type: str = "", territory_id: int | None = None,
                 since: date | None = None, until: date | None = None, page: int = 1, per_page: int = 50):
    """Audit events matching the filters, newest first, paginated."""
    query = sa.select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    if actor:
        query = query.where(AuditEvent.actor_label.like(f"%{actor.strip().lower()}%"))
    if verb:
        query = query.where(AuditEvent.verb == verb)
    if object_type:
        query = query.where(AuditEvent.object_type == object_type)
    if territory_id:
        query = query.where(AuditEvent.territory_id == territory_id)
    if since:
        query = query.where(AuditEvent.at >= datetime.combine(since, time.min, tzinfo=timezone.utc))
    if until:
        query = query.where(AuditEvent.at < datetime.combine(until + timedelta(days=1), time.min,
                                                             tzinfo=timezone.utc))
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def audit_vocabulary() -> tuple[list[str], list[str]]:
    """The verbs and object types present in the log, for the filter lists."""
    verbs = list(db.session.execute(sa.select(AuditEvent.verb).distinct().order_by(AuditEvent.verb)).scalars())
    types = list(db.session.execute(
        sa.select(AuditEvent.object_type).distinct().order_by(AuditEvent.object_type)).scalars())
    return verbs, types
