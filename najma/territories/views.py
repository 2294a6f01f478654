"""Territory list, page, creation and editing; its communes, census profile and exports."""
from datetime import date
from itertools import groupby

from flask import Blueprint, Response, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from najma.errors import DomainError
from najma.form_errors import apply_domain_error
from najma.geography import census
from najma.geography.services import provinces_for_choice
from najma.governance import services as governance
from najma.permissions import can, require
from najma.territories import services
from najma.territories.forms import CommunesForm, TerritoryForm
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


def _map_ready() -> bool:
    """Whether the territory map (geography blueprint) is installed, so pages may embed it."""
    return "geography.territory_geojson" in current_app.view_functions


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
    links = services.territory_communes(territory)
    return render_template(
        "territories/detail.html", territory=territory, links=links,
        summary=services.population_summary(links), map_ready=_map_ready(),
        governance=governance.territory_governance(territory.id, date.today()),
        upcoming=governance.territory_meetings(territory.id, upcoming=True),
        recent=governance.territory_meetings(territory.id, upcoming=False),
    )


@bp.route("/<slug>/edit", methods=["GET", "POST"])
def edit(slug: str):
    """Edit a territory; its phase is shown, and changes on the rollout phase page (through its gate)."""
    territory = get_territory(slug)
    require("territory.edit", territory)
    form = _form(territory)
    if form.validate_on_submit():
        try:
            services.update_territory(current_user, territory, _form_data(form, include_phase=False))
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            flash(_("Territory saved."), "success")
            return redirect(url_for("territories.detail", slug=territory.slug))
    return render_template("territories/form.html", form=form, territory=territory,
                           may_set_phase=False), 400 if form.errors else 200


# --- communes --------------------------------------------------------------------------------------

def _grouped(communes) -> list:
    """Communes grouped by province, then cercle (urban communes, without a cercle, first)."""
    return [(province, [(cercle, list(members)) for cercle, members in groupby(group, key=lambda c: c.cercle)])
            for province, group in groupby(communes, key=lambda c: c.province)]


def _posted_ids() -> list[int]:
    """The ``commune`` checkboxes of the posted form, as ids; 400 when one is not a number."""
    try:
        return [int(value) for value in request.form.getlist("commune")]
    except ValueError:
        abort(400, description=_("The chosen communes could not be read: reload the page and choose again."))


@bp.route("/<slug>/communes", methods=["GET", "POST"])
def communes(slug: str):
    """Choose the communes of a territory: search (French, Arabic, HCP code), tick, save.

    Works without JavaScript: the "Search" button posts the ticked communes with the search, so
    the choice survives a new search; "Save" records it.
    """
    territory = get_territory(slug)
    require("territory.edit", territory)
    status = 200
    pending = False
    if request.method == "POST":
        form = CommunesForm()
        chosen = None
        if form.validate():
            ids = _posted_ids()
            parts = {commune_id: request.form.get(f"part-{commune_id}", "") for commune_id in ids}
            if "save" in request.form:
                try:
                    services.set_communes(current_user, territory, ids, parts)
                except DomainError as error:
                    apply_domain_error(None, error)
                    status = 400
                else:
                    flash(_("Communes of the territory saved."), "success")
                    return redirect(url_for("territories.profile", slug=territory.slug))
            chosen, pending = services.communes_by_id(ids, parts), True
        else:
            status = 400
    else:
        form = CommunesForm(formdata=None, q=request.args.get("q", ""))
        if not form.q.validate(form):
            status = 400
        chosen = None
    if chosen is None:
        chosen = [(link.commune, link.part) for link in services.territory_communes(territory)]
    query = "" if form.q.errors else (form.q.data or "").strip()
    matches, truncated = services.search_communes(query, territory.province_id)
    return render_template("territories/communes.html", territory=territory, form=form, chosen=chosen,
                           chosen_ids={commune.id for commune, _part in chosen}, groups=_grouped(matches),
                           truncated=truncated, query=query, pending=pending,
                           limit=services.SEARCH_LIMIT), status


@bp.get("/<slug>/communes/search")
def search_communes(slug: str):
    """JSON search for the picker's script: communes of the territory's province matching ``q``."""
    territory = get_territory(slug)
    require("territory.edit", territory)
    query = request.args.get("q", "")
    if len(query) > 100:
        return jsonify({"error": _("Search with at most 100 characters.")}), 400
    matches, truncated = services.search_communes(query, territory.province_id)
    return jsonify({"truncated": truncated, "communes": [{
        "id": c.id, "code": c.code, "name_fr": c.name_fr, "name_ar": c.name_ar, "name": c.name,
        "kind": c.kind, "province": c.province.name, "cercle": c.cercle.name if c.cercle else None,
        "population_2024": c.population_2024} for c in matches]})


# --- profile ---------------------------------------------------------------------------------------

@bp.get("/<slug>/profile")
def profile(slug: str):
    """The territory's census profile, 2014 beside 2024, compared with its province, region and Morocco."""
    territory = get_territory(slug)
    require("territory.view", territory)
    area, sex = request.args.get("area", "total"), request.args.get("sex", "all")
    if area not in census.AREAS or sex not in census.SEXES:
        abort(400, description=_("Choose the area among total, urban and rural, and the sex among all, "
                                 "male and female."))
    return render_template("territories/profile.html", territory=territory, units=services.PROFILE_UNITS,
                           profile=services.territory_profile(territory, area, sex), map_ready=_map_ready())


# --- exports ---------------------------------------------------------------------------------------

_MEDIA = {"geojson": "application/geo+json", "gpkg": "application/geopackage+sqlite3"}


def _export(territories, filename: str, kind: str) -> Response:
    body = services.export_geojson(territories) if kind == "geojson" else services.export_gpkg(territories)
    response = Response(body, mimetype=_MEDIA[kind])
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}.{kind}"'
    return response


@bp.get("/export.<any(geojson, gpkg):kind>")
def export_all(kind: str):
    """Every territory the user may see, with attributes and geometry, as GeoJSON or GeoPackage."""
    require("territory.list")
    return _export(services.visible_territories(current_user), "najma-territoires", kind)


@bp.get("/<slug>/export.<any(geojson, gpkg):kind>")
def export_one(slug: str, kind: str):
    """One territory with attributes and geometry, as GeoJSON or GeoPackage."""
    territory = get_territory(slug)
    require("territory.view", territory)
    return _export([territory], f"najma-{territory.slug}", kind)
