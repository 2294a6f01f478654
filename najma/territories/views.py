"""Territory list, page, creation and editing."""
from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from najma.errors import DomainError
from najma.form_errors import apply_domain_error
from najma.geography.services import provinces_for_choice
from najma.governance import services as governance
from najma.permissions import can, require
from najma.territories import services
from najma.territories.forms import TerritoryForm
from najma.territories.models import Territory
from najma.vocab import PHASES

bp = Blueprint("territories", __name__, url_prefix="/territories")


def get_territory(slug: str) -> Territory:
    """The territory with ``slug``, or 404."""
    territory = services.get_by_slug(slug)
    if territory is None:
        abort(404)
    return territory


def _form(territory: Territory | None = None) -> TerritoryForm:
    form = TerritoryForm(obj=territory)
    form.province_id.choices = [(p.id, f"{p.name} ({p.region.name})") for p in provinces_for_choice()]
    return form


def _form_data(form: TerritoryForm, include_phase: bool) -> dict:
    data = {key: getattr(form, key).data for key in ("name", "province_id", "setting", "cohort", "description")}
    if include_phase:
        data["phase"] = form.phase.data
    return data



@bp.get("/")
def index():
    """Territories by region, filterable by phase, region and name."""
    require("territory.list")
    phase = request.args.get("phase") if request.args.get("phase") in PHASES else None
    search = request.args.get("q", "")
    page = services.list_territories(phase=phase, search=search, page=request.args.get("page", 1, type=int))
    return render_template("territories/index.html", page=page, phase=phase, search=search,
                           phase_counts=services.count_by_phase())


@bp.route("/new", methods=["GET", "POST"])
def create():
    """Create a territory with its three bodies."""
    require("territory.create")
    form = _form()
    if form.validate_on_submit():
        try:
            territory = services.create_territory(current_user, _form_data(form, include_phase=True))
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            flash(_("Territory created with its antenna, commission and committee."), "success")
            return redirect(url_for("territories.detail", slug=territory.slug))
    return render_template("territories/form.html", form=form, territory=None,
                           may_set_phase=True), 400 if form.errors else 200


@bp.get("/<slug>")
def detail(slug: str):
    """A territory: its description, bodies and what they lack, and its meetings."""
    territory = get_territory(slug)
    require("territory.view", territory)
    return render_template(
        "territories/detail.html", territory=territory,
        governance=governance.territory_governance(territory.id, date.today()),
        upcoming=governance.territory_meetings(territory.id, upcoming=True),
        recent=governance.territory_meetings(territory.id, upcoming=False),
    )


@bp.route("/<slug>/edit", methods=["GET", "POST"])
def edit(slug: str):
    """Edit a territory; the phase only for the steering committee and admins."""
    territory = get_territory(slug)
    require("territory.edit", territory)
    may_set_phase = can(current_user, "territory.set_phase", territory)
    form = _form(territory)
    if form.validate_on_submit():
        try:
            services.update_territory(current_user, territory, _form_data(form, may_set_phase),
                                      may_set_phase=may_set_phase)
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            flash(_("Territory saved."), "success")
            return redirect(url_for("territories.detail", slug=territory.slug))
    return render_template("territories/form.html", form=form, territory=territory,
                           may_set_phase=may_set_phase), 400 if form.errors else 200
