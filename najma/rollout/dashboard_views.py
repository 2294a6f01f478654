"""The steering committee's rollout dashboard, its phase map as an image, and the phase report
for a steering meeting (HTML and PDF). Steering members, evaluators and administrators only."""
from __future__ import annotations

import hashlib

from flask import abort, current_app, render_template, request, url_for

from najma.i18n import current_language, localized, text_direction
from najma.pdf import html_to_pdf
from najma.permissions import require
from najma.rollout import dashboard as services
from najma.rollout import report as reports
from najma.rollout.blueprint import bp
from najma.rollout.timeline import timeline_svg
from najma.timeutil import format_date_local
from najma.vocab import PHASES

#: How long a browser may keep the phase map image without asking again (seconds).
MAP_MAX_AGE = 60


@bp.app_template_global()
def endpoint_exists(name: str) -> bool:
    """Whether a route named ``name`` is registered (the rollout tab bar links only those)."""
    return name in current_app.view_functions


def _phase_page(slug: str) -> str:
    """A territory's phase page: its gate to the next phase and its history."""
    return url_for("rollout.territory_phase", slug=slug)


def _month(day) -> str:
    return format_date_local(day, "MMM y")


@bp.get("/rollout")
def dashboard():
    """The national page a steering member opens first: territories by phase on the map and in
    counts, the rollout timeline, projects by status and the stuck ones, census baselines, site
    problems, and the decisions to take."""
    require("rollout.view")
    data = services.dashboard_data()
    show_all = request.args.get("timeline") == "all"
    rows = data.timeline if show_all else data.timeline[:services.TIMELINE_ROWS]
    svg = timeline_svg(rows, data.today, rtl=text_direction() == "rtl", href=_phase_page,
                       format_date=format_date_local, format_month=_month)
    return render_template("rollout/dashboard.html", data=data, timeline_rows=rows, timeline=svg,
                           show_all=show_all, phases=PHASES, localized=localized)


@bp.get("/rollout/map.svg")
def dashboard_map():
    """The dashboard's phase map as a standalone SVG (for slides and printing); 404 without outlines."""
    require("rollout.view")
    data = services.dashboard_data()
    if data.map_svg is None:
        abort(404)
    response = current_app.response_class(str(data.map_svg), mimetype="image/svg+xml")
    response.set_etag(hashlib.sha1(repr((data.fingerprint, data.today, current_language())).encode()).hexdigest())
    response.headers["Cache-Control"] = f"private, max-age={MAP_MAX_AGE}"
    response.headers["Content-Disposition"] = 'inline; filename="najma-rollout-phases.svg"'
    return response.make_conditional(request)


def _report_phase() -> str | None:
    phase = request.args.get("phase")
    return phase if phase in PHASES else None


@bp.get("/rollout/report")
def report():
    """The phase report for a steering meeting: the situation of each territory (optionally of one
    phase), its gate to the next phase, its open problems, and the decisions to take."""
    require("rollout.view")
    return render_template("rollout/report.html", report=reports.phase_report(_report_phase()), phases=PHASES)


@bp.get("/rollout/report.pdf")
def report_pdf():
    """The phase report as a PDF, laid out for printing."""
    require("rollout.view")
    document = reports.phase_report(_report_phase())
    pdf = html_to_pdf(render_template("rollout/report_print.html", report=document), request.url_root)
    response = current_app.response_class(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{reports.filename(document)}"'
    return response
