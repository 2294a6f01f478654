"""People who use NAJMA and the roles they hold, globally or on one territory or chantier."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy import orm
from werkzeug.security import check_password_hash, generate_password_hash

from najma.extensions import db
from najma.models_base import TimestampMixin, UTCDateTime, utcnow


class User(UserMixin, TimestampMixin, db.Model):
    """An account: email and hashed password, preferred language, active or not."""

    __tablename__ = "users"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    email: orm.Mapped[str] = orm.mapped_column(sa.String(254), unique=True)
    full_name: orm.Mapped[str] = orm.mapped_column(sa.String(160))
    password_hash: orm.Mapped[str] = orm.mapped_column(sa.String(256))
    active: orm.Mapped[bool] = orm.mapped_column(default=True)
    locale: orm.Mapped[str | None] = orm.mapped_column(sa.String(5))
    is_demo: orm.Mapped[bool] = orm.mapped_column(default=False)
    last_login_at: orm.Mapped[datetime | None] = orm.mapped_column(UTCDateTime())

    roles: orm.Mapped[list[RoleAssignment]] = orm.relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin",
        foreign_keys="RoleAssignment.user_id",
    )

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive accounts
        return self.active

    def set_password(self, password: str) -> None:
        """Hash and store ``password`` (scrypt through Werkzeug)."""
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        """True when ``password`` matches the stored hash."""
        return check_password_hash(self.password_hash, password)

    def has_role(self, role: str, territory_id: int | None = None,
                 chantier_id: int | None = None) -> bool:
        """True when the user holds ``role``; scoped roles must match the territory/chantier."""
        for grant in self.roles:
            if grant.role != role:
                continue
            if territory_id is not None and grant.territory_id != territory_id:
                continue
            if chantier_id is not None and grant.chantier_id != chantier_id:
                continue
            return True
        return False

    def role_codes(self) -> set[str]:
        """The set of role codes the user holds anywhere."""
        return {grant.role for grant in self.roles}

    def territory_ids(self, *roles: str) -> set[int]:
        """Territories on which the user holds one of ``roles`` (any scoped role if none)."""
        return {
            grant.territory_id for grant in self.roles
            if grant.territory_id is not None and (not roles or grant.role in roles)
        }

    def __repr__(self) -> str:
        return f"<User {self.email}>"


class RoleAssignment(db.Model):
    """One role held by one user, optionally scoped to a territory or a chantier.

    A role granted because the user sits on a body points at that membership, so that
    ending the membership withdraws the role it gave.
    """

    __tablename__ = "role_assignments"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    user_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: orm.Mapped[str] = orm.mapped_column(sa.String(30))
    territory_id: orm.Mapped[int | None] = orm.mapped_column(
        sa.ForeignKey("territories.id", ondelete="CASCADE"), index=True)
    chantier_id: orm.Mapped[int | None] = orm.mapped_column(
        sa.ForeignKey("chantiers.id", ondelete="CASCADE"), index=True)
    membership_id: orm.Mapped[int | None] = orm.mapped_column(
        sa.ForeignKey("memberships.id", ondelete="CASCADE"), index=True)
    created_at: orm.Mapped[datetime] = orm.mapped_column(UTCDateTime(), default=utcnow)

    user: orm.Mapped[User] = orm.relationship(back_populates="roles", foreign_keys=[user_id])
    territory = orm.relationship("Territory", lazy="joined")
    chantier = orm.relationship("Chantier", lazy="joined")
