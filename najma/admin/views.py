"""Administration: accounts and their roles, and the audit log."""
from datetime import date

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from najma.admin import services
from najma.admin.forms import PasswordResetForm, RoleGrantForm, UserCreateForm, UserEditForm
from najma.auth import services as auth_services
from najma.auth.models import RoleAssignment, User
from najma.errors import DomainError
from najma.form_errors import apply_domain_error
from najma.extensions import db
from najma.governance.forms import ConfirmForm
from najma.permissions import require
from najma.reference.services import list_chantiers
from najma.territories.models import Territory

bp = Blueprint("admin", __name__, url_prefix="/admin")



@bp.get("/users")
def users():
    """All accounts, searchable."""
    require("user.manage")
    search = request.args.get("q", "")
    page = auth_services.list_users(search, page=request.args.get("page", 1, type=int))
    return render_template("admin/users.html", page=page, search=search)


@bp.route("/users/new", methods=["GET", "POST"])
def user_new():
    """Create an account."""
    require("user.manage")
    form = UserCreateForm()
    if form.validate_on_submit():
        try:
            user = auth_services.create_user(current_user, form.email.data, form.full_name.data, form.password.data)
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            flash(_("Account created. Now give it its roles."), "success")
            return redirect(url_for("admin.user_detail", user_id=user.id))
    return render_template("admin/user_form.html", form=form), 400 if form.errors else 200


def _role_form() -> RoleGrantForm:
    form = RoleGrantForm()
    territories = db.session.execute(sa.select(Territory.id, Territory.name).order_by(Territory.name)).all()
    form.territory_id.choices = [(0, "—")] + [(tid, name) for tid, name in territories]
    form.chantier_id.choices = [(0, "—")] + [(c.id, c.name) for c in list_chantiers()]
    return form


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
def user_detail(user_id: int):
    """An account: name and email, roles, active or not."""
    require("user.manage")
    user = db.get_or_404(User, user_id)
    form = UserEditForm(obj=user)
    if form.validate_on_submit():
        try:
            auth_services.update_user(current_user, user, form.full_name.data, form.email.data)
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            flash(_("Account saved."), "success")
            return redirect(url_for("admin.user_detail", user_id=user.id))
    return render_template("admin/user_detail.html", user=user, form=form, role_form=_role_form(),
                           reset_form=PasswordResetForm(), confirm=ConfirmForm()), 400 if form.errors else 200


@bp.post("/users/<int:user_id>/roles")
def role_grant(user_id: int):
    """Give a role to an account."""
    require("user.manage")
    user = db.get_or_404(User, user_id)
    form = _role_form()
    if form.validate_on_submit():
        try:
            auth_services.grant_role(current_user, user, form.role.data,
                                     territory_id=form.territory_id.data or None,
                                     chantier_id=form.chantier_id.data or None)
        except DomainError as error:
            apply_domain_error(None, error)
        else:
            flash(_("Role given."), "success")
    else:
        flash(_("Choose a valid role."), "danger")
    return redirect(url_for("admin.user_detail", user_id=user.id))


@bp.post("/users/<int:user_id>/roles/<int:grant_id>/revoke")
def role_revoke(user_id: int, grant_id: int):
    """Withdraw a role."""
    require("user.manage")
    grant = db.get_or_404(RoleAssignment, grant_id)
    if grant.user_id != user_id or not ConfirmForm().validate_on_submit():
        return redirect(url_for("admin.user_detail", user_id=user_id))
    try:
        auth_services.revoke_role(current_user, grant)
    except DomainError as error:
        apply_domain_error(None, error)
    else:
        flash(_("Role withdrawn."), "success")
    return redirect(url_for("admin.user_detail", user_id=user_id))


@bp.post("/users/<int:user_id>/active")
def user_active(user_id: int):
    """Deactivate or reactivate an account."""
    require("user.manage")
    user = db.get_or_404(User, user_id)
    if ConfirmForm().validate_on_submit():
        try:
            auth_services.set_active(current_user, user, request.form.get("active") == "1")
        except DomainError as error:
            apply_domain_error(None, error)
        else:
            flash(_("Account reactivated.") if user.active else _("Account deactivated."), "success")
    return redirect(url_for("admin.user_detail", user_id=user.id))


@bp.post("/users/<int:user_id>/password")
def user_password(user_id: int):
    """Set a new password for an account."""
    require("user.manage")
    user = db.get_or_404(User, user_id)
    form = PasswordResetForm()
    if form.validate_on_submit():
        auth_services.reset_password(current_user, user, form.password.data)
        flash(_("Password changed. Give it to the person through a safe channel."), "success")
    else:
        for error in form.password.errors:
            flash(str(error), "danger")
    return redirect(url_for("admin.user_detail", user_id=user.id))


def _parse_date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


@bp.get("/audit")
def audit_log():
    """The audit log, filtered by person, action, object, territory and dates."""
    require("audit.view")
    filters = {
        "actor": request.args.get("actor", ""),
        "verb": request.args.get("verb", ""),
        "object_type": request.args.get("object_type", ""),
        "territory_id": request.args.get("territory_id", type=int),
        "since": _parse_date(request.args.get("since")),
        "until": _parse_date(request.args.get("until")),
    }
    page = services.search_audit(**filters, page=request.args.get("page", 1, type=int))
    verbs, types = services.audit_vocabulary()
    territories = db.session.execute(sa.select(Territory.id, Territory.name).order_by(Territory.name)).all()
    return render_template("admin/audit.html", page=page, filters=filters, verbs=verbs, types=types,
                           territories=territories,
                           query_args={k: v for k, v in request.args.items() if k != "page"})
