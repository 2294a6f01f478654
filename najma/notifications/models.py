"""In-app notifications: one row per message and reader, read or not."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import orm

from najma.extensions import db
from najma.models_base import UTCDateTime, utcnow


class Notification(db.Model):
    """A message for one user. ``kind`` and ``params`` let the list page word it in the
    reader's own language at reading time; ``url`` is where it leads."""

    __tablename__ = "notifications"
    __table_args__ = (sa.Index("ix_notifications_user_read", "user_id", "read_at"),)

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    user_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    kind: orm.Mapped[str] = orm.mapped_column(sa.String(30))
    params: orm.Mapped[dict] = orm.mapped_column(sa.JSON, default=dict)
    url: orm.Mapped[str] = orm.mapped_column(sa.String(300), default="")
    created_at: orm.Mapped[datetime] = orm.mapped_column(UTCDateTime(), default=utcnow)
    read_at: orm.Mapped[datetime | None] = orm.mapped_column(UTCDateTime())
