"""Importing boundaries from a file: read, check, match features to units, preview, then apply.

GeoJSON, GeoPackage and zipped Shapefiles are read with geopandas (through pyogrio). A file is
refused, with a message saying what to fix, when it is too big, unreadable, has no coordinate
system (unless one is explicitly assumed), holds no polygons or empty ones, or lies outside
Morocco. Otherwise it is reprojected to EPSG:4326, invalid polygons are repaired with
``make_valid`` (and counted), and features are matched to regions, provinces or communes by
an HCP code column or by name; a territory's file is dissolved into one outline. The result
is an :class:`ImportPreview`; :func:`apply_import` writes it in one transaction, only when it
has no misses and no duplicates, so an import is all or nothing.

Uploads wait for confirmation in ``instance/imports/`` under a random token; the file name
the user gave is kept as metadata only, never used as a path.
"""
from __future__ import annotations

import json
import re
import secrets
import shutil
import tempfile
import time
import unicodedata
import warnings
import zipfile
from collections import defaultdict
from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import geopandas as gpd
import pandas as pd
import pyogrio
import pyproj
import shapely
import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from shapely.geometry.base import BaseGeometry

from najma import audit
from najma.errors import DomainError
from najma.extensions import db
from najma.geography.models import Boundary, Commune, Province, Region
from najma.geography.spatial import STORAGE_CRS, area_km2, to_wkb

#: Levels a file can be imported for; ``territory`` takes one outline for one territory.
LEVELS = ("commune", "province", "region", "territory")
UNIT_MODELS = {"region": Region, "province": Province, "commune": Commune}
#: File name endings accepted, and the driver that reads them.
EXTENSIONS = (".geojson", ".json", ".gpkg", ".zip")
#: The parts a zipped Shapefile must hold, and the optional ones that are read when present.
SHAPEFILE_REQUIRED = (".shp", ".shx", ".dbf")
SHAPEFILE_OPTIONAL = (".prj", ".cpg")
#: A zip may hold at most this many entries, and unzip to at most this many times the size limit.
MAX_ZIP_MEMBERS = 50
ZIP_EXPANSION = 4
#: Longitude/latitude box around Morocco (with a margin): data outside it has a wrong CRS.
MOROCCO_BOUNDS = (-18.5, 19.5, 0.0, 37.0)
#: How many feature names a refusal lists before saying "and N more".
LISTED = 10
#: Uploads left unconfirmed longer than this are deleted.
UPLOAD_LIFETIME_SECONDS = 24 * 3600
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
_POLYGONAL = {"Polygon", "MultiPolygon"}
#: Leading words that name the kind of unit rather than the unit ("Province d'Azilal").
_GENERIC_WORDS = {"region", "province", "prefecture", "commune", "municipalite", "cercle"}
_LINKING_WORDS = {"de", "d", "du", "des", "la", "l"}
_ARABIC_LETTERS = str.maketrans({"ى": "ي", "ة": "ه", "ـ": ""})
_LEVEL_PLURALS = {"commune": _l("communes"), "province": _l("provinces"), "region": _l("regions"),
                  "territory": _l("territories")}
_LEVEL_SINGULARS = {"commune": _l("commune"), "province": _l("province"), "region": _l("region")}
_KIND_NAMES = {"code": _l("code"), "name": _l("name")}


@dataclass
class ImportOptions:
    """What the user chose: level, territory (for ``territory``), assumed CRS, matching columns."""

    level: str
    territory: Any = None
    assume_crs: str | None = None
    code_column: str | None = None
    name_column: str | None = None


@dataclass
class Limits:
    """Size limits: bytes of the file (and of an unzipped Shapefile / ZIP_EXPANSION) and features."""

    max_bytes: int = 50 * 1024 * 1024
    max_features: int = 5000

    @classmethod
    def from_config(cls, config) -> Limits:
        """The limits set in the application's configuration."""
        return cls(max_bytes=int(config.get("BOUNDARY_MAX_BYTES", cls.max_bytes)),
                   max_features=int(config.get("BOUNDARY_MAX_FEATURES", cls.max_features)))


@dataclass
class MatchedFeature:
    """A feature matched to a unit: what will be written for it."""

    code: str
    unit_name: str
    feature: str
    geometry: BaseGeometry
    area_km2: float
    repaired: bool
    replaces: bool = False


@dataclass
class Miss:
    """A feature that matches no unit (or several), with the reason."""

    feature: str
    reason: Any


@dataclass
class Duplicate:
    """A unit that several features match: the import cannot choose between them."""

    code: str
    unit_name: str
    features: list[str]


@dataclass
class ImportPreview:
    """Everything an import would write, and everything that stops it."""

    level: str
    source: str
    crs: str
    crs_assumed: bool
    feature_count: int
    match_kind: str  # code, name or territory
    match_column: str | None
    territory_id: int | None = None
    matches: list[MatchedFeature] = field(default_factory=list)
    misses: list[Miss] = field(default_factory=list)
    duplicates: list[Duplicate] = field(default_factory=list)
    repaired: int = 0
    flattened: int = 0
    notes: list[Any] = field(default_factory=list)

    @property
    def can_apply(self) -> bool:
        """True when every feature found exactly one unit of its own."""
        return bool(self.matches) and not self.misses and not self.duplicates

    @property
    def replaced(self) -> int:
        """How many stored boundaries the import would replace."""
        return sum(1 for match in self.matches if match.replaces)

    @property
    def total_area_km2(self) -> float:
        """The summed area of the matched features."""
        return sum(match.area_km2 for match in self.matches)

    def summary_lines(self) -> list[str]:
        """The preview as plain lines, for the command line."""
        lines = [
            f"File: {self.source} ({self.feature_count} features, CRS {self.crs}"
            f"{', assumed' if self.crs_assumed else ''})",
            f"Level: {self.level}; matched by {self.match_kind}"
            + (f" (column {self.match_column})" if self.match_column else ""),
            f"Matches: {len(self.matches)} ({self.replaced} replace a stored boundary)",
        ]
        lines += [f"  {m.code}  {m.unit_name}  <- {m.feature}  {m.area_km2:,.1f} km2"
                  + ("  repaired" if m.repaired else "") for m in self.matches]
        lines.append(f"Misses: {len(self.misses)}")
        lines += [f"  {miss.feature}: {miss.reason}" for miss in self.misses]
        lines.append(f"Duplicates: {len(self.duplicates)}")
        lines += [f"  {d.code}  {d.unit_name}  <- {', '.join(d.features)}" for d in self.duplicates]
        lines.append(f"Repaired geometries: {self.repaired}; 3D geometries flattened: {self.flattened}")
        lines += [str(note) for note in self.notes]
        return lines


@dataclass
class BoundaryImport:
    """The audit log's object for one import: ``id`` is the level, ``name`` says what was read."""

    id: str
    name: str


@dataclass
class _Frame:
    """A file read, checked and reprojected, with its per-feature labels and repairs."""

    frame: gpd.GeoDataFrame
    labels: list[str]
    repaired: list[bool]
    crs: str
    crs_assumed: bool
    flattened: int
    notes: list[Any]


# --- reading ------------------------------------------------------------------------------------------

def _listing(items: list[str]) -> str:
    """``items`` joined with commas, cut after LISTED with a count of the rest."""
    shown = ", ".join(items[:LISTED])
    if len(items) > LISTED:
        shown += " " + str(_l("and %(count)d more", count=len(items) - LISTED))
    return shown


def _extension(filename: str) -> str:
    suffix = PurePosixPath(filename.replace("\\", "/")).suffix.lower()
    if suffix not in EXTENSIONS:
        raise DomainError(_l("Files ending in “%(suffix)s” cannot be imported. Send a GeoJSON (.geojson), "
                             "a GeoPackage (.gpkg) or a zipped Shapefile (.zip).", suffix=suffix or "?"),
                          field="file")
    return suffix


def _check_size(path: Path, limits: Limits) -> None:
    size = path.stat().st_size
    if size == 0:
        raise DomainError(_l("The file is empty."), field="file")
    if size > limits.max_bytes:
        raise DomainError(_l("The file is %(size)s MB; at most %(limit)s MB can be imported at once. "
                             "Split it, or simplify its geometries.",
                             size=f"{size / 1048576:.1f}", limit=f"{limits.max_bytes / 1048576:.0f}"),
                          field="file")


def _unzip_shapefile(path: Path, folder: Path, limits: Limits) -> Path:
    """Extract the one Shapefile of the zip at ``path`` into ``folder``; return its ``.shp``.

    Only the Shapefile's own parts are extracted, under fixed names, so no entry of the zip
    can choose where it is written; the unzipped size is limited.
    """
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as error:
        raise DomainError(_l("The file is not a valid zip archive."), field="file") from error
    with archive:
        entries = [info for info in archive.infolist() if not info.is_dir()]
        if len(entries) > MAX_ZIP_MEMBERS:
            raise DomainError(_l("The zip holds %(count)d files; a zipped Shapefile needs only its .shp, "
                                 ".shx, .dbf and .prj.", count=len(entries)), field="file")
        if sum(info.file_size for info in entries) > limits.max_bytes * ZIP_EXPANSION:
            raise DomainError(_l("The zip unpacks to more than %(limit)s MB; import a smaller file.",
                                 limit=f"{limits.max_bytes * ZIP_EXPANSION / 1048576:.0f}"), field="file")
        parts: dict[str, dict[str, zipfile.ZipInfo]] = defaultdict(dict)
        for info in entries:
            name = PurePosixPath(info.filename.replace("\\", "/"))
            if name.parts and name.parts[0] == "__MACOSX":
                continue
            suffix = name.suffix.lower()
            if suffix in SHAPEFILE_REQUIRED + SHAPEFILE_OPTIONAL:
                parts[str(name.with_suffix("")).lower()][suffix] = info
        shapefiles = [stem for stem, found in parts.items() if ".shp" in found]
        if not shapefiles:
            raise DomainError(_l("The zip holds no Shapefile: its .shp file is missing."), field="file")
        if len(shapefiles) > 1:
            names = sorted(parts[stem][".shp"].filename for stem in shapefiles)
            raise DomainError(_l("The zip holds several Shapefiles (%(names)s); zip only the one to import.",
                                 names=_listing(names)), field="file")
        found = parts[shapefiles[0]]
        missing = [suffix for suffix in SHAPEFILE_REQUIRED if suffix not in found]
        if missing:
            raise DomainError(_l("The Shapefile in the zip lacks its %(parts)s file; zip the .shp, .shx, .dbf "
                                 "and .prj together.", parts=", ".join(missing)), field="file")
        try:
            for suffix, info in found.items():
                with archive.open(info) as source, open(folder / f"layer{suffix}", "wb") as target:
                    shutil.copyfileobj(source, target)
        except (zipfile.BadZipFile, RuntimeError, NotImplementedError, OSError) as error:
            # damaged, encrypted, or compressed in a way Python cannot unpack
            raise DomainError(_l("The zip could not be unpacked; zip the Shapefile again without a password."),
                              field="file") from error
    return folder / "layer.shp"


@contextmanager
def _readable_path(path: Path, filename: str, limits: Limits):
    """The path GDAL should open: the file itself, or the Shapefile unzipped in a temporary folder."""
    if _extension(filename) != ".zip":
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="najma-shp-") as folder:
        yield _unzip_shapefile(path, Path(folder), limits)


def _polygon_layer(path: Path) -> str | None:
    """The name of the only layer holding geometries (GeoPackages may hold several)."""
    try:
        layers = pyogrio.list_layers(path)
    except pyogrio.errors.DataSourceError as error:
        raise _unreadable(path, error) from error
    spatial = [str(name) for name, kind in layers if kind]
    if len(layers) <= 1:
        return None
    if len(spatial) > 1:
        raise DomainError(_l("The file holds several layers (%(names)s); export the one to import on its own.",
                             names=_listing(spatial)), field="file")
    return spatial[0] if spatial else None


def _unreadable(path: Path, error: Exception) -> DomainError:
    """The refusal for a file GDAL cannot read, naming the format it was read as."""
    if path.suffix.lower() in (".geojson", ".json"):
        return DomainError(_l("The file is not valid GeoJSON: %(detail)s", detail=_gdal_detail(error)), field="file")
    return DomainError(_l("The file could not be read: %(detail)s", detail=_gdal_detail(error)), field="file")


def _gdal_detail(error: Exception) -> str:
    """GDAL's own explanation, without the temporary path it names nor its advice to programmers."""
    text = str(error).split("It might help")[0]
    if "not recognized as being in a supported file format" in text:
        return str(_l("its content is in no format GDAL recognises."))
    text = re.sub(r"'[^']*/[^']*'|(?<!\w)/[^\s:;'\"]+", "", text)
    return text.strip(" :;") or type(error).__name__


def _resolve_crs(text: str) -> pyproj.CRS:
    try:
        return pyproj.CRS.from_user_input(text)
    except pyproj.exceptions.CRSError as error:
        raise DomainError(_l("“%(crs)s” is not a coordinate system GDAL knows; give an EPSG code such as "
                             "EPSG:26191.", crs=text), field="assume_crs") from error


def _feature_labels(frame: gpd.GeoDataFrame) -> list[str]:
    """``#n`` plus the value of a name-like or code-like column, to show users which feature is which."""
    candidates = [c for c in frame.columns if c != frame.geometry.name
                  and any(word in str(c).lower() for word in ("name", "nom", "code", "label"))]
    column = candidates[0] if candidates else None
    labels = []
    for number, value in enumerate(frame[column] if column else [None] * len(frame), start=1):
        labels.append(f"#{number} {value}" if column and _present(value) else f"#{number}")
    return labels


def _present(value) -> bool:
    return value is not None and not (isinstance(value, float) and pd.isna(value)) and str(value).strip() != ""


def read_features(path: Path, filename: str, *, assume_crs: str | None = None,
                  limits: Limits | None = None) -> _Frame:
    """Read the polygons of the file at ``path`` (named ``filename`` by the user), checked and in EPSG:4326.

    Raises DomainError for every refusal: wrong extension, too big, unreadable, too many
    features, no CRS, empty, non-polygon or out-of-Morocco geometries.
    """
    limits = limits or Limits()
    _check_size(path, limits)
    with _readable_path(path, filename, limits) as readable:
        layer = _polygon_layer(readable)
        try:
            info = pyogrio.read_info(readable, layer=layer, force_feature_count=True)
        except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as error:
            raise _unreadable(readable, error) from error
        if not info.get("geometry_type"):
            raise DomainError(_l("The file holds a table without geometries."), field="file")
        if info["features"] > limits.max_features:
            raise DomainError(_l("The file holds %(count)d features; at most %(limit)d can be imported at once.",
                                 count=info["features"], limit=limits.max_features), field="file")
        if info["features"] == 0:
            raise DomainError(_l("The file holds no features."), field="file")
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                frame = gpd.read_file(readable, layer=layer, engine="pyogrio")
        except Exception as error:  # GDAL reports damaged content in many ways
            raise _unreadable(readable, error) from error
    labels = _feature_labels(frame)
    notes: list[Any] = []

    crs_assumed = False
    if frame.crs is None:
        if not assume_crs:
            raise DomainError(_l("The file does not say which coordinate system its coordinates are in "
                                 "(a Shapefile without its .prj, for instance). Add it to the file, or choose "
                                 "the coordinate system to assume."), field="assume_crs")
        frame = frame.set_crs(_resolve_crs(assume_crs))
        crs_assumed = True
    elif assume_crs:
        notes.append(_l("The file declares its own coordinate system; the one to assume was not used."))
    crs_label = frame.crs.to_string()

    geometries = frame.geometry
    empty = [labels[i] for i, geometry in enumerate(geometries) if geometry is None or geometry.is_empty]
    if empty:
        raise DomainError(_l("%(count)d features have no geometry or an empty one: %(names)s. Remove them or "
                             "draw their outline.", count=len(empty), names=_listing(empty)), field="file")
    wrong = [f"{labels[i]} ({geometry.geom_type})" for i, geometry in enumerate(geometries)
             if geometry.geom_type not in _POLYGONAL]
    if wrong:
        raise DomainError(_l("Boundaries must be polygons; %(count)d features are not: %(names)s.",
                             count=len(wrong), names=_listing(wrong)), field="file")
    flattened = int(geometries.has_z.sum())
    if flattened:
        frame = frame.set_geometry(geometries.force_2d())

    frame = frame.to_crs(STORAGE_CRS)
    west, south, east, north = frame.total_bounds
    min_x, min_y, max_x, max_y = MOROCCO_BOUNDS
    if not (min_x <= west and east <= max_x and min_y <= south and north <= max_y):
        raise DomainError(_l("The coordinates fall outside Morocco (longitude %(west).2f to %(east).2f, latitude "
                             "%(south).2f to %(north).2f once read as %(crs)s). The coordinate system is probably "
                             "wrong; a GeoJSON without one is read as longitude/latitude (EPSG:4326).",
                             west=west, east=east, south=south, north=north, crs=crs_label), field="assume_crs")

    repaired = [not geometry.is_valid for geometry in frame.geometry]
    if any(repaired):
        fixed = [_polygonal(shapely.make_valid(g)) if bad else g for g, bad in zip(frame.geometry, repaired)]
        collapsed = [labels[i] for i, geometry in enumerate(fixed) if geometry.is_empty]
        if collapsed:
            raise DomainError(_l("%(count)d features have an outline with no area, even once repaired: %(names)s.",
                                 count=len(collapsed), names=_listing(collapsed)), field="file")
        frame = frame.set_geometry(gpd.GeoSeries(fixed, index=frame.index, crs=frame.crs))
    return _Frame(frame=frame, labels=labels, repaired=repaired, crs=crs_label, crs_assumed=crs_assumed,
                  flattened=flattened, notes=notes)


def _polygonal(geometry: BaseGeometry) -> BaseGeometry:
    """The polygons of what ``make_valid`` returned (it may add lines or points where rings touched)."""
    if geometry.geom_type in _POLYGONAL:
        return geometry
    polygons = [part for part in shapely.get_parts(geometry) if part.geom_type in _POLYGONAL]
    return shapely.union_all(polygons) if polygons else shapely.Polygon()


# --- matching -----------------------------------------------------------------------------------------

def normalise_name(text: str) -> str:
    """A place name reduced for matching.

    Lowercase, accents and Arabic diacritics removed (so ``أ``/``إ``/``آ`` become ``ا``, ``ى``
    becomes ``ي``, ``ة`` becomes ``ه``), apostrophes, hyphens, underscores and dots turned into
    spaces, the article ``el`` written ``al``, and a leading kind of unit dropped
    ("Province d'Azilal" → "azilal").
    """
    text = unicodedata.normalize("NFKD", str(text))
    text = "".join(char for char in text if not unicodedata.combining(char)).translate(_ARABIC_LETTERS)
    words = re.sub(r"[\s'’‘`ʼ\-_.,/()]+", " ", text.lower()).split()
    words = ["al" if word == "el" else word for word in words]
    if len(words) > 1 and words[0] in _GENERIC_WORDS:
        words = words[1:]
        while len(words) > 1 and words[0] in _LINKING_WORDS:
            words = words[1:]
    return " ".join(words)


def _code_keys(code: str) -> list[str]:
    """The forms an HCP code may take in a file: dotted, digits only, and digits without leading zeros."""
    digits = re.sub(r"\D", "", code)
    return [code.strip().lower(), digits, digits.lstrip("0")]


def _value_text(value) -> str | None:
    if not _present(value):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _index(pairs: Iterable[tuple[str, Any]]) -> dict[str, Any]:
    """``key -> unit``; a key that several units share maps to None (it would match ambiguously)."""
    index: dict[str, Any] = {}
    shared: set[str] = set()
    for key, unit in pairs:
        if not key:
            continue
        if key in index and index[key] is not unit:
            shared.add(key)
        index.setdefault(key, unit)
    return {key: unit for key, unit in index.items() if key not in shared} | {key: None for key in shared}


def _lookup_code(index: dict, value) -> tuple[bool, Any]:
    """(found, unit) for a code cell; unit None with found True means ambiguous."""
    text = _value_text(value)
    if text is None:
        return False, None
    for key in _code_keys(text):
        if key in index:
            return True, index[key]
    return False, None


def _lookup_name(index: dict, value) -> tuple[bool, Any]:
    text = _value_text(value)
    if text is None:
        return False, None
    key = normalise_name(text)
    return (True, index[key]) if key in index else (False, None)


def _choose_column(frame: gpd.GeoDataFrame, code_index: dict, name_index: dict,
                   options: ImportOptions) -> tuple[str, str]:
    """The (kind, column) to match on: the one the user named, else the best-matching candidate.

    Only columns whose name says "code" or "hcp" are tried as codes automatically (an ordinary
    numbering 1, 2, 3... would otherwise pass for region codes); any text column is tried as names.
    """
    columns = [str(c) for c in frame.columns if c != frame.geometry.name]
    for kind, chosen in (("code", options.code_column), ("name", options.name_column)):
        if chosen:
            if chosen not in columns:
                raise DomainError(_l("The file has no column “%(column)s”. Its columns are: %(columns)s.",
                                     column=chosen, columns=", ".join(columns) or "-"), field=f"{kind}_column")
            return kind, chosen
    best: tuple[int, int, str, str] | None = None
    for column in columns:
        values = frame[column]
        tries = []
        if any(word in column.lower() for word in ("code", "hcp")):
            tries.append(("code", code_index, _lookup_code, 1))
        tries.append(("name", name_index, _lookup_name, 0))
        for kind, index, lookup, preference in tries:
            found = sum(1 for value in values if lookup(index, value)[0])
            if found and (best is None or (found, preference) > best[:2]):
                best = (found, preference, kind, column)
    if best is None:
        raise DomainError(_l("No column of the file holds the HCP codes or the names of the %(level)s. Its columns "
                             "are: %(columns)s. Name the column that holds the codes.",
                             level=_LEVEL_PLURALS[options.level], columns=", ".join(columns) or "-"),
                          field="code_column")
    return best[2], best[3]


def _units(level: str) -> list:
    return list(db.session.execute(sa.select(UNIT_MODELS[level]).order_by(UNIT_MODELS[level].code)).scalars())


def _stored_codes(level: str, codes: Iterable[str]) -> set[str]:
    codes = list(codes)
    if not codes:
        return set()
    return set(db.session.execute(sa.select(Boundary.code).where(Boundary.level == level,
                                                                 Boundary.code.in_(codes))).scalars())


def _match_units(read: _Frame, options: ImportOptions, preview: ImportPreview) -> None:
    units = _units(options.level)
    if not units:
        raise DomainError(_l("No %(level)s are loaded yet; run “flask --app app najma geo load” first.",
                             level=_LEVEL_PLURALS[options.level]), field="level")
    code_index = _index((key, unit) for unit in units for key in _code_keys(unit.code))
    name_index = _index((normalise_name(name), unit) for unit in units for name in (unit.name_fr, unit.name_ar)
                        if name)
    kind, column = _choose_column(read.frame, code_index, name_index, options)
    preview.match_kind, preview.match_column = kind, column
    index, lookup = (code_index, _lookup_code) if kind == "code" else (name_index, _lookup_name)

    by_unit: dict[str, list[int]] = defaultdict(list)
    units_by_code = {}
    for position, value in enumerate(read.frame[column]):
        found, unit = lookup(index, value)
        label = read.labels[position]
        if _present(value) and str(value) not in label:
            label = f"{label} ({value})"
        if not found:
            preview.misses.append(Miss(label, _l("no %(level)s has this %(kind)s", level=_LEVEL_SINGULARS[
                options.level], kind=_KIND_NAMES[kind])))
        elif unit is None:
            preview.misses.append(Miss(label, _l("several %(level)s have this %(kind)s; match by HCP code",
                                                 level=_LEVEL_PLURALS[options.level], kind=_KIND_NAMES[kind])))
        else:
            by_unit[unit.code].append(position)
            units_by_code[unit.code] = unit
    stored = _stored_codes(options.level, by_unit)
    for code, positions in sorted(by_unit.items()):
        unit = units_by_code[code]
        if len(positions) > 1:
            preview.duplicates.append(Duplicate(code, unit.name, [read.labels[p] for p in positions]))
            continue
        position = positions[0]
        geometry = read.frame.geometry.iloc[position]
        preview.matches.append(MatchedFeature(
            code=code, unit_name=unit.name, feature=read.labels[position], geometry=geometry,
            area_km2=area_km2(geometry), repaired=read.repaired[position], replaces=code in stored))


def _match_territory(read: _Frame, options: ImportOptions, preview: ImportPreview) -> None:
    """A territory's file becomes one outline: every feature dissolved together."""
    territory = options.territory
    if territory is None:
        raise DomainError(_l("Choose the territory this outline belongs to."), field="territory")
    geometry = _polygonal(shapely.make_valid(shapely.union_all(list(read.frame.geometry))))
    code = str(territory.id)
    preview.territory_id = territory.id
    preview.match_kind, preview.match_column = "territory", None
    count = len(read.frame)
    preview.matches.append(MatchedFeature(
        code=code, unit_name=territory.name,
        feature=str(_l("%(count)d features dissolved", count=count)) if count > 1 else read.labels[0],
        geometry=geometry, area_km2=area_km2(geometry), repaired=any(read.repaired),
        replaces=bool(_stored_codes("territory", [code]))))


def build_preview(path: Path, filename: str, options: ImportOptions, limits: Limits | None = None) -> ImportPreview:
    """Read the file at ``path`` and match it for ``options``; writes nothing.

    Raises DomainError when the file itself is refused; misses and duplicates are listed in
    the preview, whose ``can_apply`` is then False.
    """
    if options.level not in LEVELS:
        raise DomainError(_l("Choose a level: communes, provinces, regions or a territory."), field="level")
    _extension(filename)
    read = read_features(path, filename, assume_crs=options.assume_crs, limits=limits)
    preview = ImportPreview(level=options.level, source=_display_name(filename), crs=read.crs,
                            crs_assumed=read.crs_assumed, feature_count=len(read.frame), match_kind="",
                            match_column=None, repaired=sum(read.repaired), flattened=read.flattened,
                            notes=list(read.notes))
    if options.level == "territory":
        _match_territory(read, options, preview)
    else:
        _match_units(read, options, preview)
    return preview


def _display_name(filename: str) -> str:
    """The user's file name without any folders, for ``Boundary.source`` and messages."""
    return PurePosixPath(filename.replace("\\", "/")).name[:200] or "upload"


# --- applying -----------------------------------------------------------------------------------------

def apply_import(actor, preview: ImportPreview) -> dict[str, int]:
    """Write every matched boundary, or none: one transaction, with one audit event.

    Returns ``{"created": n, "updated": n}``. Raises DomainError when the preview has misses
    or duplicates.
    """
    if not preview.can_apply:
        raise DomainError(_l("Nothing was imported: every feature must match exactly one unit, and no unit "
                             "more than one feature."))
    try:
        stored = {b.code: b for b in db.session.execute(sa.select(Boundary).where(
            Boundary.level == preview.level, Boundary.code.in_([m.code for m in preview.matches]))).scalars()}
        counts = {"created": 0, "updated": 0}
        actor_id = getattr(actor, "id", None)
        for match in preview.matches:
            values = {"source": preview.source, "geometry": to_wkb(match.geometry),
                      "area_km2": round(match.area_km2, 3), "repaired": match.repaired,
                      "imported_by_id": actor_id}
            boundary = stored.get(match.code)
            if boundary is None:
                db.session.add(Boundary(level=preview.level, code=match.code, **values))
                counts["created"] += 1
            else:
                for key, value in values.items():
                    setattr(boundary, key, value)
                counts["updated"] += 1
        label = f"{preview.level}: {len(preview.matches)} ← {preview.source}"
        audit.record(actor, "import", BoundaryImport(id=preview.level, name=label), {}, {
            "level": preview.level, "source": preview.source, "crs": preview.crs,
            "crs_assumed": preview.crs_assumed, "matched_by": preview.match_column or preview.match_kind,
            "created": counts["created"], "updated": counts["updated"], "repaired": preview.repaired,
            "flattened": preview.flattened, "codes": ", ".join(m.code for m in preview.matches)[:2000],
        }, label=label, territory_id=preview.territory_id)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return counts


# --- uploads waiting for confirmation -----------------------------------------------------------------

def upload_folder(instance_path: str | Path) -> Path:
    """``instance/imports``, created on demand."""
    folder = Path(instance_path) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def save_upload(stream, filename: str, folder: Path, limits: Limits, metadata: dict) -> tuple[str, Path]:
    """Copy the uploaded ``stream`` under a random token; return (token, path).

    The name is the token plus the checked extension, never the user's; copying stops as soon
    as the size limit is passed. ``metadata`` (who, which options) is kept beside it.
    """
    suffix = _extension(filename)
    purge_stale_uploads(folder)
    token = secrets.token_urlsafe(24)
    path = folder / f"{token}{suffix}"
    written = 0
    with open(path, "wb") as target:
        while chunk := stream.read(1024 * 1024):
            written += len(chunk)
            if written > limits.max_bytes:
                target.close()
                path.unlink(missing_ok=True)
                raise DomainError(_l("The file is larger than %(limit)s MB, the most that can be imported at once. "
                                     "Split it, or simplify its geometries.",
                                     limit=f"{limits.max_bytes / 1048576:.0f}"), field="file")
            target.write(chunk)
    (folder / f"{token}.json").write_text(json.dumps({**metadata, "filename": _display_name(filename),
                                                      "suffix": suffix}))
    return token, path


def load_upload(folder: Path, token: str) -> tuple[Path, dict] | None:
    """The waiting upload for ``token`` and its metadata, or None when unknown or expired."""
    if not token or not _TOKEN.match(token):
        return None
    meta_path = folder / f"{token}.json"
    if not meta_path.is_file() or time.time() - meta_path.stat().st_mtime > UPLOAD_LIFETIME_SECONDS:
        return None
    metadata = json.loads(meta_path.read_text())
    if metadata.get("suffix") not in EXTENSIONS:
        return None
    path = folder / f"{token}{metadata['suffix']}"
    return (path, metadata) if path.is_file() else None


def discard_upload(folder: Path, token: str) -> None:
    """Delete a waiting upload and its metadata (no error when already gone)."""
    if not token or not _TOKEN.match(token):
        return
    for path in folder.glob(f"{token}.*"):
        path.unlink(missing_ok=True)


def purge_stale_uploads(folder: Path) -> None:
    """Delete uploads nobody confirmed within UPLOAD_LIFETIME_SECONDS."""
    limit = time.time() - UPLOAD_LIFETIME_SECONDS
    for path in folder.iterdir():
        if path.is_file() and path.stat().st_mtime < limit:
            path.unlink(missing_ok=True)
