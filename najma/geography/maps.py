"""Maps: GeoJSON layers (simplified, cached), choropleth classes, territory outlines and static maps.

geopandas and matplotlib stay in this module. Layers are built from ``Boundary`` rows,
simplified for display (about 1 km for provinces) with coordinates rounded, and kept in an
in-process cache keyed by level and by a version of the level's rows (count, last update),
so a change of boundaries is seen by every process; the cache of a level is also cleared
when a ``Boundary`` of that level is written. Static maps are drawn on a
``matplotlib.figure.Figure`` with the Agg or SVG canvas: no pyplot global state.
"""
from __future__ import annotations

import hashlib
import io
import json
import math
import threading
from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from shapely.geometry import mapping
from shapely.geometry.base import BaseGeometry

from najma.extensions import db
from najma.geography.models import Boundary, CensusRecord, Province
from najma.geography.spatial import from_wkb
from najma.vocab import PHASES

LEVELS = ("region", "province", "commune", "territory")
#: Simplification tolerance (degrees) and coordinate decimals for display, per level.
DISPLAY = {"region": (0.01, 3), "province": (0.008, 3), "commune": (0.002, 4), "territory": (0.001, 4)}
#: ColorBrewer YlOrRd (colour-blind safe, sequential), by number of classes.
YLORRD = {
    1: ("#fd8d3c",),
    2: ("#fecc5c", "#f03b20"),
    3: ("#ffeda0", "#feb24c", "#f03b20"),
    4: ("#ffffb2", "#fecc5c", "#fd8d3c", "#e31a1c"),
    5: ("#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026"),
}
CLASSES = 5
NO_DATA_COLOUR = "#d9d9d9"
#: The phase badges' colours (static/css/najma.css), so the map and the badges agree.
PHASE_COLOURS = {
    "launch": "#6c757d", "experimentation": "#0d6efd", "appropriation": "#6f42c1",
    "extension": "#fd7e14", "generalisation": "#198754",
}
NO_TERRITORY_COLOUR = "#eef0f2"


@dataclass(frozen=True)
class Layer:
    """A GeoJSON document ready to serve: its bytes and their ETag."""

    body: bytes
    etag: str


_cache: dict[tuple, object] = {}
_lock = threading.Lock()


def clear_cache(level: str | None = None) -> None:
    """Forget cached layers (of one level, or all): called when boundaries change."""
    with _lock:
        for key in [k for k in _cache if level is None or k[0] == level or k[0] == "territory-map"]:
            del _cache[key]


@sa.event.listens_for(Boundary, "after_insert")
@sa.event.listens_for(Boundary, "after_update")
@sa.event.listens_for(Boundary, "after_delete")
def _boundary_changed(_mapper, _connection, target: Boundary) -> None:
    clear_cache(target.level)


def _version(level: str) -> tuple:
    """What identifies the current rows of a level: count, highest id and last update."""
    row = db.session.execute(
        sa.select(sa.func.count(Boundary.id), sa.func.max(Boundary.id), sa.func.max(Boundary.updated_at))
        .where(Boundary.level == level)).one()
    return tuple(str(value) for value in row)


def cached(key: tuple, build):
    """``build()``'s result, kept under ``key`` (whose last item is a version: older versions are dropped)."""
    with _lock:
        if key in _cache:
            return _cache[key]
    value = build()
    with _lock:
        for old in [k for k in _cache if k[:-1] == key[:-1] and k != key]:
            del _cache[old]  # an older version of the same layer
        _cache[key] = value
    return value


def _rounded(coordinates, decimals: int):
    if isinstance(coordinates[0], (int, float)):
        return [round(coordinates[0], decimals), round(coordinates[1], decimals)]
    return [_rounded(part, decimals) for part in coordinates]


def display_geometry(geometry: BaseGeometry, level: str) -> dict:
    """The geometry simplified for display and rounded, as a GeoJSON geometry."""
    tolerance, decimals = DISPLAY[level]
    simple = geometry.simplify(tolerance, preserve_topology=True)
    if simple.is_empty:
        simple = geometry
    shape = mapping(simple)
    return {"type": shape["type"], "coordinates": _rounded(shape["coordinates"], decimals)}


def _names(level: str) -> dict[str, tuple[str, str]]:
    from najma.geography.models import Commune, Region

    model = {"region": Region, "province": Province, "commune": Commune}.get(level)
    if model is None:
        return {}
    return {code: (fr, ar) for code, fr, ar in db.session.execute(sa.select(model.code, model.name_fr, model.name_ar))}


def _boundaries(level: str, codes: Iterable[str] | None = None, prefix: str | None = None) -> list[Boundary]:
    query = sa.select(Boundary).where(Boundary.level == level).order_by(Boundary.code)
    if codes is not None:
        query = query.where(Boundary.code.in_(list(codes)))
    if prefix:
        query = query.where(Boundary.code.startswith(prefix + "."))
    return list(db.session.execute(query).scalars())


def boundary_layer(level: str, within: str | None = None) -> Layer:
    """Every outline of ``level`` (communes: only those of province ``within`` when given), cached."""
    if level not in LEVELS:
        raise ValueError(level)

    def build() -> Layer:
        names = _names(level)
        features = []
        for boundary in _boundaries(level, prefix=within):
            name_fr, name_ar = names.get(boundary.code, (boundary.code, boundary.code))
            features.append({"type": "Feature", "id": boundary.code,
                             "properties": {"code": boundary.code, "name_fr": name_fr, "name_ar": name_ar,
                                            "source": boundary.source},
                             "geometry": display_geometry(from_wkb(boundary.geometry), level)})
        return _layer({"type": "FeatureCollection", "features": features})

    return cached((level, within, _version(level)), build)


def _layer(document: dict) -> Layer:
    body = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()
    return Layer(body, hashlib.sha1(body).hexdigest())


def available_levels() -> set[str]:
    """Levels that have at least one outline stored."""
    return set(db.session.execute(sa.select(Boundary.level).distinct()).scalars())


# --- Territories -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Outline:
    """A territory's outline and where it comes from; ``fallback`` is ``"province"`` or ``None``."""

    geometry: BaseGeometry | None
    source: str
    fallback: str | None
    commune_geometries: dict[str, BaseGeometry]


def territory_outline(territory) -> Outline:
    """Its uploaded outline, else the union of its communes' polygons (if all exist), else its province's."""
    from najma.geography.outlines import territory_geometries

    shape = territory_geometries([territory])[territory.id]
    commune_codes = [link.commune.code for link in territory.commune_links]
    communes = {b.code: from_wkb(b.geometry) for b in _boundaries("commune", commune_codes)} if commune_codes else {}
    if shape.source is None:
        return Outline(None, "", "none", communes)
    source = "communes" if shape.source == "communes" else shape.credits[0]
    return Outline(shape.geometry, source, "province" if shape.source == "province" else None, communes)


def territory_layer(territory) -> Layer:
    """GeoJSON of a territory: its outline (``fallback`` says when it is the province's) and its communes."""
    codes = tuple(sorted(link.commune.code for link in territory.commune_links))
    key = ("territory-map", territory.id, territory.province.code, codes,
           _version("territory"), _version("commune"), _version("province"))

    def build() -> Layer:
        outline = territory_outline(territory)
        features = []
        if outline.geometry is not None:
            features.append({"type": "Feature", "id": "outline", "properties": {
                "kind": "outline", "name": territory.name, "source": outline.source,
                "fallback": outline.fallback, "province": territory.province.code,
                "colour": PHASE_COLOURS.get(territory.phase, "#0b6e4f")},
                "geometry": display_geometry(outline.geometry, "territory")})
        for link in territory.commune_links:
            geometry = outline.commune_geometries.get(link.commune.code)
            if geometry is not None:
                features.append({"type": "Feature", "id": link.commune.code, "properties": {
                    "kind": "commune", "code": link.commune.code, "name_fr": link.commune.name_fr,
                    "name_ar": link.commune.name_ar, "part": link.part},
                    "geometry": display_geometry(geometry, "commune")})
        return _layer({"type": "FeatureCollection", "features": features,
                       "properties": {"fallback": outline.fallback, "source": outline.source}})

    return cached(key, build)


# --- Choropleth classes ------------------------------------------------------------------------

def quantile_breaks(values: Iterable[float | None], classes: int = CLASSES) -> list[float]:
    """Upper bounds of up to ``classes`` classes with about as many units each (quantiles).

    Bounds that coincide are merged, so fewer classes come back when values repeat; the
    last bound is the maximum. Missing values are ignored.
    """
    data = sorted(v for v in values if v is not None)
    breaks: list[float] = []
    for index in range(1, classes + 1):
        if not data:
            break
        bound = data[math.ceil(index * len(data) / classes) - 1]
        if not breaks or bound > breaks[-1]:
            breaks.append(bound)
    return breaks


def class_of(value: float | None, breaks: list[float]) -> int | None:
    """Index of the class holding ``value`` (the first upper bound not below it), None when missing."""
    if value is None or not breaks:
        return None
    for index, bound in enumerate(breaks):
        if value <= bound:
            return index
    return len(breaks) - 1


def palette(classes: int, higher_is_worse: bool = True) -> tuple[str, ...]:
    """YlOrRd colours for ``classes`` classes; darker means worse, so reversed when higher is better."""
    if classes <= 0:
        return ()
    colours = YLORRD[min(classes, CLASSES)]
    return colours if higher_is_worse else tuple(reversed(colours))


@dataclass(frozen=True)
class LegendClass:
    colour: str
    low: float
    high: float
    count: int


def legend(values: Iterable[float | None], breaks: list[float], higher_is_worse: bool = True) -> list[LegendClass]:
    """The legend's classes: colour, range (lowest and highest value in the class) and unit count."""
    data = [v for v in values if v is not None]
    colours = palette(len(breaks), higher_is_worse)
    result = []
    for index, bound in enumerate(breaks):
        members = [v for v in data if class_of(v, breaks) == index]
        low = min(members) if members else (breaks[index - 1] if index else bound)
        result.append(LegendClass(colours[index], low, bound, len(members)))
    return result


def colour_of(value: float | None, breaks: list[float], higher_is_worse: bool = True) -> str:
    """The fill colour of a value (grey when missing)."""
    index = class_of(value, breaks)
    return NO_DATA_COLOUR if index is None else palette(len(breaks), higher_is_worse)[index]


def census_version() -> tuple:
    """Identifies the loaded census records (count, highest id), to key cached figures."""
    return tuple(db.session.execute(sa.select(sa.func.count(CensusRecord.id), sa.func.max(CensusRecord.id))).one())


def cached_level_values(level: str, indicator_key: str, census: int, area: str = "total",
                        sex: str = "all") -> dict[str, float | None]:
    """``census.level_values`` cached until the census records change (communes take about 200 ms)."""
    from najma.geography.census import level_values

    key = ("values", level, indicator_key, census, area, sex, census_version())
    return cached(key, lambda: level_values(level, indicator_key, census, area, sex))


def leading_phase(phases: Iterable[str]) -> str | None:
    """The most advanced rollout phase among ``phases`` (None for none)."""
    order = list(PHASES)
    present = [phase for phase in phases if phase in order]
    return max(present, key=order.index) if present else None


# --- Static maps -------------------------------------------------------------------------------

CONTENT_TYPES = {"png": "image/png", "svg": "image/svg+xml"}


def _figure(width: float = 7.0, height: float = 8.0):
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), dpi=110)
    axes = figure.add_axes((0.02, 0.12, 0.96, 0.8))
    axes.set_axis_off()
    return figure, axes


def _lon_lat_aspect(axes, latitude: float = 30.0) -> None:
    """Degrees of longitude are shorter than degrees of latitude: 1/cos(latitude) keeps shapes true."""
    axes.set_aspect(1 / math.cos(math.radians(latitude)))


def _save(figure, fmt: str) -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.backends.backend_svg import FigureCanvasSVG

    buffer = io.BytesIO()
    canvas = FigureCanvasAgg(figure) if fmt == "png" else FigureCanvasSVG(figure)
    canvas.print_figure(buffer, format=fmt)
    return buffer.getvalue()


def _frame(level: str, codes: Iterable[str] | None = None):
    import geopandas as gpd

    rows = _boundaries(level, codes)
    return gpd.GeoDataFrame({"code": [b.code for b in rows]},
                            geometry=[from_wkb(b.geometry).simplify(DISPLAY[level][0] / 2) for b in rows],
                            crs="EPSG:4326")


def render_choropleth(fmt: str, level: str, colours: dict[str, str], title: str, legend_rows: list[tuple[str, str]],
                      credit: str) -> bytes:
    """A static map of ``level``'s outlines filled with ``colours`` (code -> colour), a legend and a credit."""
    from matplotlib.patches import Patch

    frame = _frame(level)
    figure, axes = _figure()
    if len(frame):
        frame.plot(ax=axes, color=[colours.get(code, NO_DATA_COLOUR) for code in frame["code"]],
                   edgecolor="#555555", linewidth=0.3)
    _lon_lat_aspect(axes)
    figure.suptitle(title, fontsize=11, wrap=True)
    if legend_rows:
        figure.legend(handles=[Patch(facecolor=colour, edgecolor="#555555", label=label)
                               for colour, label in legend_rows],
                      loc="lower left", bbox_to_anchor=(0.03, 0.05), fontsize=8, frameon=False)
    figure.text(0.98, 0.015, credit, ha="right", va="bottom", fontsize=6, color="#444444", wrap=True)
    return _save(figure, fmt)


def render_territory(fmt: str, territory, title: str, credit: str, notice: str = "") -> bytes:
    """A static map of a territory: its province and neighbours in grey, its outline and communes on top."""
    import geopandas as gpd

    outline = territory_outline(territory)
    figure, axes = _figure(6.0, 6.0)
    provinces = _frame("province")
    if outline.geometry is not None:
        minx, miny, maxx, maxy = outline.geometry.bounds
        margin = max(maxx - minx, maxy - miny) * 0.15 + 0.05
        if len(provinces):
            provinces.plot(ax=axes, color="#f1f3f5", edgecolor="#adb5bd", linewidth=0.5)
        gpd.GeoSeries([outline.geometry], crs="EPSG:4326").plot(
            ax=axes, color=PHASE_COLOURS.get(territory.phase, "#0b6e4f"), alpha=0.35,
            edgecolor=PHASE_COLOURS.get(territory.phase, "#0b6e4f"), linewidth=1.5)
        if outline.commune_geometries:
            gpd.GeoSeries(list(outline.commune_geometries.values()), crs="EPSG:4326").plot(
                ax=axes, facecolor="none", edgecolor="#212529", linewidth=0.6)
        axes.set_xlim(minx - margin, maxx + margin)
        axes.set_ylim(miny - margin, maxy + margin)
        _lon_lat_aspect(axes, (miny + maxy) / 2)
    figure.suptitle(title, fontsize=11)
    if notice:
        figure.text(0.5, 0.07, notice, ha="center", fontsize=7, color="#664d03", wrap=True)
    figure.text(0.98, 0.015, credit, ha="right", va="bottom", fontsize=6, color="#444444", wrap=True)
    return _save(figure, fmt)


# --- The national map's table ------------------------------------------------------------------

MODES = ("indicator", "phase")
TABLE_LEVELS = ("province", "commune")


@dataclass(frozen=True)
class MapQuery:
    """What the national map shows: colour by phase or by an indicator, at a level, for a census."""

    mode: str = "indicator"
    indicator: str = "illiteracy_10_plus"
    census: int = 2024
    level: str = "province"
    province: str | None = None  # communes of one province only

    @classmethod
    def from_args(cls, args) -> MapQuery:
        """Read and validate the query string; anything unknown falls back to the default."""
        from najma.geography.census import INDICATORS

        mode = args.get("mode") if args.get("mode") in MODES else cls.mode
        indicator = args.get("indicator") if args.get("indicator") in INDICATORS else cls.indicator
        census = args.get("census", type=int)
        if census not in INDICATORS[indicator].by_census:
            census = max(INDICATORS[indicator].by_census)
        level = args.get("level") if args.get("level") in TABLE_LEVELS else cls.level
        province = args.get("province") or None
        if mode == "phase":
            level, province = "province", None
        return cls(mode, indicator, census, level, province if level == "commune" else None)

    def args(self, **changes) -> dict:
        """Query-string arguments for links (only what differs from the defaults)."""
        values = {"mode": self.mode, "indicator": self.indicator, "census": self.census, "level": self.level,
                  "province": self.province, **changes}
        defaults = MapQuery()
        return {k: v for k, v in values.items() if v is not None and v != getattr(defaults, k, None)}


@dataclass
class MapRow:
    """One unit in the national map's table (and the data its map feature shows)."""

    code: str
    name_fr: str
    name_ar: str
    parent_fr: str
    parent_ar: str
    population_2024: int | None
    value: float | None = None
    other_value: float | None = None
    colour: str = NO_DATA_COLOUR
    territories: list = None
    phase: str | None = None
    outline_code: str | None = None  # the feature that draws it (a commune without polygon: none)


def _units(level: str, province: str | None):
    from najma.geography.models import Commune, Region

    if level == "province":
        query = (sa.select(Province.code, Province.name_fr, Province.name_ar, Region.name_fr, Region.name_ar,
                           Province.population_2024).join(Province.region).order_by(Province.code))
    else:
        query = (sa.select(Commune.code, Commune.name_fr, Commune.name_ar, Province.name_fr, Province.name_ar,
                           Commune.population_2024).join(Commune.province).order_by(Commune.code))
        if province:
            query = query.where(Province.code == province)
    return db.session.execute(query).all()


def indicator_rows(query: MapQuery) -> tuple[list[MapRow], list[float], list[LegendClass]]:
    """The table of an indicator by province or commune, its class breaks and its legend."""
    from najma.geography.census import INDICATORS

    indicator = INDICATORS[query.indicator]
    values = cached_level_values(query.level, query.indicator, query.census)
    other_census = next((c for c in sorted(indicator.by_census, reverse=True) if c != query.census), None)
    others = cached_level_values(query.level, query.indicator, other_census) if other_census else {}
    rows = [MapRow(code, fr, ar, pfr, par, population, values.get(code), others.get(code))
            for code, fr, ar, pfr, par, population in _units(query.level, query.province)]
    breaks = quantile_breaks([row.value for row in rows])
    for row in rows:
        row.colour = colour_of(row.value, breaks, indicator.higher_is_worse)
    return rows, breaks, legend([row.value for row in rows], breaks, indicator.higher_is_worse)


def phase_rows() -> list[MapRow]:
    """Every province with its territories and the most advanced phase among them (its colour)."""
    from najma.territories.models import Territory

    territories: dict[int, list] = {}
    for territory in db.session.execute(
            sa.select(Territory.province_id, Territory.name, Territory.slug, Territory.phase)
            .order_by(Territory.name)):
        territories.setdefault(territory.province_id, []).append(territory)
    ids = dict(db.session.execute(sa.select(Province.code, Province.id)).all())
    rows = []
    for code, fr, ar, pfr, par, population in _units("province", None):
        mine = territories.get(ids[code], [])
        phase = leading_phase(t.phase for t in mine)
        rows.append(MapRow(code, fr, ar, pfr, par, population, territories=mine, phase=phase,
                           colour=PHASE_COLOURS.get(phase, NO_TERRITORY_COLOUR)))
    return rows
