"""The steering committee's national view of territory projects (steering, evaluators, administrators)."""
from __future__ import annotations

from flask import render_template, request
from flask_babel import gettext as _

from najma.permissions import require
from najma.projects import national as services
from najma.projects.blueprint import bp
from najma.projects.execution_forms import NationalFilterForm
from najma.vocab import PROJECT_STATUSES


def _filters(form: NationalFilterForm, valid: bool) -> services.Filters:
    """The filters the form asks for; the configured delay when the one typed is refused."""
    default_delay = services.stuck_days_default()
    status = form.status.data if form.status.data in (*PROJECT_STATUSES, services.NO_PROJECT) else ""
    delay = form.stuck_after.data if (valid and form.stuck_after.data) else default_delay
    return services.Filters(
        status=status,
        region_id=form.region_id.data if (form.region_id.data or 0) > 0 else None,
        province_id=form.province_id.data if (form.province_id.data or 0) > 0 else None,
        stuck_only=bool(form.stuck.data), stuck_after=delay,
        sort=form.sort.data if form.sort.data in services.SORTS else "time",
        page=request.args.get("page", 1, type=int) or 1)


@bp.get("/projects")
def national():
    """Every territory project nationally: status, time in it, stuck ones, progress, budget and
    conventions; territories without a project; counts by status; progress by province and nation."""
    require("project.national")
    form = NationalFilterForm(formdata=request.args)
    form.status.choices = ([("", _("All statuses"))] + list(PROJECT_STATUSES.items())
                           + [(services.NO_PROJECT, _("No project yet"))])
    form.region_id.choices = [("", _("All regions"))] + services.region_choices()
    form.province_id.choices = [("", _("All provinces"))] + services.province_choices()
    valid = form.validate()
    if not request.args.get("stuck_after"):
        form.stuck_after.data = services.stuck_days_default()
    filters = _filters(form, valid)
    page = services.national_page(filters)
    args = {name: value for name, value in request.args.items() if name != "page" and value}
    return render_template("projects/national.html", form=form, view=page, filters=filters,
                           args=args), 200 if valid else 400
