"""Notifications: write one for a user, count the unread, list them, mark them read."""
from __future__ import annotations

import sqlalchemy as sa

from najma.extensions import db
from najma.models_base import utcnow
from najma.notifications.models import Notification

PAGE_SIZE = 50


def notify(user_id: int, kind: str, params: dict, url: str = "") -> Notification:
    """Add a notification for ``user_id`` to the caller's transaction."""
    notification = Notification(user_id=user_id, kind=kind, params=params, url=url[:300])
    db.session.add(notification)
    return notification


def unread_count(user) -> int:
    """How many notifications ``user`` has not read yet."""
    return db.session.execute(sa.select(sa.func.count()).select_from(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None))).scalar_one()


def recent(user, page: int = 1):
    """One page (a Flask-SQLAlchemy pagination) of the user's notifications, newest first."""
    return db.paginate(sa.select(Notification).where(Notification.user_id == user.id)
                       .order_by(Notification.created_at.desc(), Notification.id.desc()),
                       page=max(page, 1), per_page=PAGE_SIZE, error_out=False)


def mark_read(user, notification_id: int | None = None) -> int:
    """Mark one notification (or all of them) read; returns how many changed."""
    query = sa.update(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None))
    if notification_id is not None:
        query = query.where(Notification.id == notification_id)
    result = db.session.execute(query.values(read_at=utcnow()))
    db.session.commit()
    return result.rowcount


def message(notification: Notification) -> str:
    """The notification worded in the reader's language from its kind and parameters."""
    from flask_babel import gettext as _

    params = notification.params or {}
    wording = {
        "note_comment": lambda: _("%(by)s commented on your note “%(note)s”.", by=params.get("by", ""),
                                  note=params.get("note", "")),
    }
    return wording[notification.kind]() if notification.kind in wording else notification.kind
