"""Accounts and roles: creating users, signing in, passwords, granting and withdrawing roles."""
from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from najma import audit
from najma.auth.models import RoleAssignment, User
from najma.errors import DomainError
from najma.extensions import db
from najma.models_base import utcnow
from najma.vocab import CHANTIER_ROLES, LANGUAGES, ROLES, TERRITORY_ROLES

MIN_PASSWORD_LENGTH = 10


def normalise_email(email: str) -> str:
    """Emails compare case-insensitively and without surrounding spaces."""
    return (email or "").strip().lower()


def find_user_by_email(email: str) -> User | None:
    """The account with this email, or None."""
    return db.session.execute(sa.select(User).where(User.email == normalise_email(email))).scalar_one_or_none()


def _check_password_strength(password: str) -> None:
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise DomainError(_l("The password must have at least %(n)d characters.", n=MIN_PASSWORD_LENGTH),
                          field="password")


def create_user(actor, email: str, full_name: str, password: str, *, is_demo: bool = False,
                locale: str | None = None) -> User:
    """Create an active account; refuses a duplicate email or a short password."""
    email = normalise_email(email)
    if find_user_by_email(email) is not None:
        raise DomainError(_l("An account already uses this email address."), field="email")
    _check_password_strength(password)
    user = User(email=email, full_name=full_name.strip(), is_demo=is_demo, locale=locale)
    user.set_password(password)
    db.session.add(user)
    audit.record(actor, "create", user, {}, audit.snapshot(user, ("email", "full_name", "active")))
    db.session.commit()
    return user


def authenticate(email: str, password: str) -> User | None:
    """The active account matching these credentials, with its last login updated; else None."""
    user = find_user_by_email(email)
    if user is None or not user.check_password(password or "") or not user.active:
        return None
    user.last_login_at = utcnow()
    audit.record(user, "login", user, label=user.email)
    db.session.commit()
    return user


def change_password(user: User, current: str, new: str) -> None:
    """Change the user's own password after checking the current one."""
    if not user.check_password(current or ""):
        raise DomainError(_l("The current password is not correct."), field="current_password")
    _check_password_strength(new)
    user.set_password(new)
    audit.record(user, "change_password", user, label=user.email)
    db.session.commit()


def update_user(actor, user: User, full_name: str, email: str) -> User:
    """Change an account's name and email (admin)."""
    email = normalise_email(email)
    other = find_user_by_email(email)
    if other is not None and other.id != user.id:
        raise DomainError(_l("An account already uses this email address."), field="email")
    before = audit.snapshot(user)
    user.full_name, user.email = full_name.strip(), email
    audit.record(actor, "update", user, before, audit.snapshot(user))
    db.session.commit()
    return user


def set_active(actor, user: User, active: bool) -> User:
    """Deactivate (or reactivate) an account; an admin cannot deactivate themselves."""
    if not active and actor is not None and actor.id == user.id:
        raise DomainError(_l("You cannot deactivate your own account."))
    before = audit.snapshot(user)
    user.active = active
    audit.record(actor, "deactivate" if not active else "reactivate", user, before, audit.snapshot(user))
    db.session.commit()
    return user


def reset_password(actor, user: User, password: str) -> None:
    """An administrator sets a new password for an account."""
    _check_password_strength(password)
    user.set_password(password)
    audit.record(actor, "reset_password", user, label=user.email)
    db.session.commit()


def grant_role(actor, user: User, role: str, *, territory_id: int | None = None,
               chantier_id: int | None = None, membership_id: int | None = None,
               commit: bool = True) -> RoleAssignment:
    """Give ``user`` a role, scoped as the role requires; granting twice is refused."""
    if role not in ROLES:
        raise DomainError(_l("Unknown role."), field="role")
    if role in TERRITORY_ROLES and territory_id is None:
        raise DomainError(_l("This role must be given on a territory."), field="territory")
    if role in CHANTIER_ROLES and chantier_id is None:
        raise DomainError(_l("This role must be given on a chantier."), field="chantier")
    if role not in TERRITORY_ROLES:
        territory_id = None
    if role not in CHANTIER_ROLES:
        chantier_id = None
    for grant in user.roles:
        if (grant.role, grant.territory_id, grant.chantier_id) == (role, territory_id, chantier_id):
            if membership_id is None:
                raise DomainError(_l("This user already holds this role."), field="role")
    grant = RoleAssignment(user=user, role=role, territory_id=territory_id, chantier_id=chantier_id,
                           membership_id=membership_id)
    db.session.add(grant)
    audit.record(actor, "grant_role", user, {}, {"role": role, "territory_id": territory_id,
                                                 "chantier_id": chantier_id},
                 label=user.email, territory_id=territory_id)
    if commit:
        db.session.commit()
    return grant


def revoke_role(actor, grant: RoleAssignment, commit: bool = True) -> None:
    """Withdraw one role; the last administrator cannot lose the admin role."""
    if grant.role == "admin":
        admins = db.session.execute(
            sa.select(sa.func.count()).select_from(RoleAssignment).join(User)
            .where(RoleAssignment.role == "admin", User.active.is_(True))
        ).scalar_one()
        if admins <= 1:
            raise DomainError(_l("NAJMA needs at least one active administrator."))
    user = grant.user
    audit.record(actor, "revoke_role", user, {"role": grant.role, "territory_id": grant.territory_id,
                                              "chantier_id": grant.chantier_id}, {},
                 label=user.email, territory_id=grant.territory_id)
    user.roles.remove(grant)
    db.session.delete(grant)
    if commit:
        db.session.commit()


def set_locale(user: User, locale: str) -> None:
    """Remember the user's interface language."""
    if locale not in LANGUAGES:
        raise DomainError(_l("Unknown language."))
    user.locale = locale
    db.session.commit()


def list_users(search: str = "", page: int = 1, per_page: int = 50):
    """Accounts matching ``search`` (name or email), paginated, roles loaded in one query."""
    query = sa.select(User).order_by(User.full_name)
    if search:
        pattern = f"%{search.strip().lower()}%"
        query = query.where(sa.or_(sa.func.lower(User.full_name).like(pattern), User.email.like(pattern)))
    return db.paginate(query, page=page, per_page=per_page, error_out=False)
