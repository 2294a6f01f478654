"""Pages for the five chantiers and the six target groups."""
from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from najma.extensions import db
from najma.permissions import require
from najma.reference import services
from najma.reference.forms import ChantierForm
from najma.reference.models import Chantier

bp = Blueprint("reference", __name__)


@bp.get("/chantiers")
def chantiers():
    """The five chantiers with their leads."""
    require("reference.view")
    items = services.list_chantiers()
    return render_template("reference/chantiers.html", chantiers=items,
                           leads=services.chantier_leads([c.id for c in items]))


@bp.get("/chantiers/<code>")
def chantier(code: str):
    """One chantier: its purpose and its leads."""
    require("reference.view")
    item = db.first_or_404(db.select(Chantier).where(Chantier.code == code))
    return render_template("reference/chantier.html", chantier=item,
                           leads=services.chantier_leads([item.id])[item.id])


@bp.route("/chantiers/<code>/edit", methods=["GET", "POST"])
def chantier_edit(code: str):
    """Edit a chantier's description (its leads and admins)."""
    item = db.first_or_404(db.select(Chantier).where(Chantier.code == code))
    require("chantier.edit", item)
    form = ChantierForm(obj=item)
    if form.validate_on_submit():
        services.update_chantier(current_user, item, form.description.data or "")
        flash(_("Chantier saved."), "success")
        return redirect(url_for("reference.chantier", code=item.code))
    return render_template("reference/chantier_form.html", form=form, chantier=item)


@bp.get("/target-groups")
def target_groups():
    """The six target groups of the programme."""
    require("reference.view")
    return render_template("reference/target_groups.html", groups=services.list_target_groups())
