"""Governance bodies (antenna, commission, committee, steering), members and meetings."""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy import orm

from najma.auth.models import User
from najma.extensions import db
from najma.models_base import TimestampMixin, UTCDateTime
from najma.territories.models import Territory
from najma.vocab import BODY_KINDS, MEMBER_ROLES, SECTORS, label


class Body(TimestampMixin, db.Model):
    """A governance body. Territorial kinds have one per territory; steering has one in all.

    The four kinds share one table because they share composition, meetings and minutes;
    what differs between them (required sectors, staffing) lives in the services.
    """

    __tablename__ = "bodies"
    __table_args__ = (sa.UniqueConstraint("territory_id", "kind", name="uq_bodies_territory_kind"),)

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    kind: orm.Mapped[str] = orm.mapped_column(sa.String(12))
    territory_id: orm.Mapped[int | None] = orm.mapped_column(
        sa.ForeignKey("territories.id", ondelete="CASCADE"), index=True)
    description: orm.Mapped[str] = orm.mapped_column(sa.Text, default="")

    territory: orm.Mapped[Territory | None] = orm.relationship(lazy="joined")
    memberships: orm.Mapped[list[Membership]] = orm.relationship(
        back_populates="body", order_by="Membership.id")

    @property
    def kind_label(self) -> str:
        return label(BODY_KINDS, self.kind)

    def __repr__(self) -> str:
        return f"<Body {self.kind} {self.territory_id}>"


class Membership(TimestampMixin, db.Model):
    """A seat on a body: a person (optionally a NAJMA user), role, sector and dates."""

    __tablename__ = "memberships"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    body_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("bodies.id", ondelete="CASCADE"), index=True)
    user_id: orm.Mapped[int | None] = orm.mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    full_name: orm.Mapped[str] = orm.mapped_column(sa.String(160))
    role: orm.Mapped[str] = orm.mapped_column(sa.String(12), default="member")
    sector: orm.Mapped[str | None] = orm.mapped_column(sa.String(30))
    organisation: orm.Mapped[str] = orm.mapped_column(sa.String(160), default="")
    discipline: orm.Mapped[str] = orm.mapped_column(sa.String(120), default="")
    voting: orm.Mapped[bool] = orm.mapped_column(default=True)
    start_date: orm.Mapped[date]
    end_date: orm.Mapped[date | None]

    body: orm.Mapped[Body] = orm.relationship(back_populates="memberships")
    user: orm.Mapped[User | None] = orm.relationship()

    def is_current(self, on: date) -> bool:
        """True when the seat is held on the day ``on``."""
        return self.start_date <= on and (self.end_date is None or self.end_date >= on)

    @property
    def role_label(self) -> str:
        return label(MEMBER_ROLES, self.role)

    @property
    def sector_label(self) -> str:
        return label(SECTORS, self.sector)


class Meeting(TimestampMixin, db.Model):
    """A meeting of a body: agenda, attendance, minutes in Markdown and decisions.

    ``version`` grows on every save of the minutes, so an edit made from a stale copy is
    detected instead of overwriting a colleague's text.
    """

    __tablename__ = "meetings"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    body_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("bodies.id", ondelete="CASCADE"), index=True)
    title: orm.Mapped[str] = orm.mapped_column(sa.String(200))
    starts_at: orm.Mapped[datetime] = orm.mapped_column(UTCDateTime(), index=True)
    place: orm.Mapped[str] = orm.mapped_column(sa.String(200), default="")
    agenda: orm.Mapped[str] = orm.mapped_column(sa.Text, default="")
    minutes: orm.Mapped[str] = orm.mapped_column(sa.Text, default="")
    minutes_status: orm.Mapped[str] = orm.mapped_column(sa.String(10), default="draft")
    adopted_at: orm.Mapped[datetime | None] = orm.mapped_column(UTCDateTime())
    adopted_by_id: orm.Mapped[int | None] = orm.mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_by_id: orm.Mapped[int | None] = orm.mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    version: orm.Mapped[int] = orm.mapped_column(default=1)

    body: orm.Mapped[Body] = orm.relationship(lazy="joined")
    adopted_by: orm.Mapped[User | None] = orm.relationship(foreign_keys=[adopted_by_id])
    attendance: orm.Mapped[list[Attendance]] = orm.relationship(
        back_populates="meeting", cascade="all, delete-orphan")
    decisions: orm.Mapped[list[Decision]] = orm.relationship(
        back_populates="meeting", cascade="all, delete-orphan", order_by="Decision.position")

    @property
    def is_locked(self) -> bool:
        """Adopted minutes can no longer change."""
        return self.minutes_status == "adopted"


class Attendance(db.Model):
    """Whether a member attended a meeting."""

    __tablename__ = "attendance"
    __table_args__ = (sa.UniqueConstraint("meeting_id", "membership_id", name="uq_attendance_meeting_member"),)

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    meeting_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    membership_id: orm.Mapped[int] = orm.mapped_column(
        sa.ForeignKey("memberships.id", ondelete="CASCADE"), index=True)
    status: orm.Mapped[str] = orm.mapped_column(sa.String(10))

    meeting: orm.Mapped[Meeting] = orm.relationship(back_populates="attendance")
    membership: orm.Mapped[Membership] = orm.relationship(lazy="joined")


class Decision(db.Model):
    """A decision recorded in a meeting's minutes."""

    __tablename__ = "decisions"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    meeting_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    position: orm.Mapped[int] = orm.mapped_column(default=0)
    text: orm.Mapped[str] = orm.mapped_column(sa.Text)

    meeting: orm.Mapped[Meeting] = orm.relationship(back_populates="decisions")
