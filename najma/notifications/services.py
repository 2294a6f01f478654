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

    from najma.vocab import PHASES, PROBLEM_SEVERITIES, label

    params = notification.params or {}
    project, territory = params.get("project", ""), params.get("territory", "")
    wording = {
        "note_comment": lambda: _("%(by)s commented on your note “%(note)s”.", by=params.get("by", ""),
                                  note=params.get("note", "")),
        "project_submitted": lambda: _("The territory project “%(project)s” (%(territory)s) was submitted to the "
                                       "committee.", project=project, territory=territory),
        "project_sent_back": lambda: _("The committee sent the territory project “%(project)s” (%(territory)s) back "
                                       "for amendment: a new version is open.", project=project, territory=territory),
        "vote_opened": lambda: _("The committee's vote on the territory project “%(project)s” (%(territory)s) is "
                                 "open: cast your ballot.", project=project, territory=territory),
        "vote_closed": lambda: {
            "approved": _("The vote on the territory project “%(project)s” (%(territory)s) is closed: approved.",
                          project=project, territory=territory),
            "rejected": _("The vote on the territory project “%(project)s” (%(territory)s) is closed: rejected.",
                          project=project, territory=territory),
            "cancelled": _("The vote on the territory project “%(project)s” (%(territory)s) was cancelled.",
                           project=project, territory=territory),
        }.get(params.get("outcome"), _("The vote on the territory project “%(project)s” (%(territory)s) is closed.",
                                       project=project, territory=territory)),
        "project_decided": lambda: (
            _("The committee approved the territory project “%(project)s” (%(territory)s).",
              project=project, territory=territory) if params.get("outcome") == "approved" else
            _("The committee rejected the territory project “%(project)s” (%(territory)s).",
              project=project, territory=territory)),
        "convention_due": lambda: _("The convention for the action “%(action)s” of the territory project "
                                    "“%(project)s” is due on %(due)s.", action=params.get("action", ""),
                                    project=project, due=_due(params.get("due"))),
        "phase_changed": lambda: _("%(territory)s moved to the %(phase)s phase.", territory=territory,
                                   phase=label(PHASES, params.get("phase"))),
        "problem_raised": lambda: _("A problem was raised on %(territory)s (%(severity)s): “%(title)s”.",
                                    territory=territory, title=params.get("title", ""),
                                    severity=label(PROBLEM_SEVERITIES, params.get("severity")).lower()),
        "problem_answered": lambda: _("The steering committee proposed a solution to the problem “%(title)s” "
                                      "(%(territory)s).", title=params.get("title", ""), territory=territory),
    }
    return wording[notification.kind]() if notification.kind in wording else notification.kind


def _due(value) -> str:
    """A due date kept as ISO text in a notification, in the reader's format (as given otherwise)."""
    from datetime import date

    from najma.timeutil import format_date_local

    try:
        return format_date_local(date.fromisoformat(str(value)))
    except (TypeError, ValueError):
        return str(value or "")
