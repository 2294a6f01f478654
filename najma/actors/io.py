"""Reading actor maps from CSV, GEXF, GraphML and node-link JSON files, and writing CSV.

Files are parsed into plain rows without building any graph (that is ``graph.py``'s job), so
every problem can be reported with its line or element: unknown kinds, duplicate names, ties
to actors that are not in the file, broken XML. :func:`parse` never writes anything; the
service imports a preview only when it has no error (all or nothing).
"""
from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field
from datetime import date
from xml.parsers import expat

from flask_babel import lazy_gettext as _l

from najma.actors.models import KIND_SECTOR
from najma.vocab import ACTOR_KINDS, SECTORS, STANCES, TIE_KINDS

FORMATS = ("csv", "gexf", "graphml", "json")
#: At most this many actors and ties in one file.
MAX_ACTORS = 20_000
MAX_TIES = 100_000
#: Errors listed in a preview; the rest are counted.
MAX_LISTED_ERRORS = 200
ACTOR_COLUMNS = ("name", "kind", "sector", "commune", "influence", "stance", "latitude", "longitude",
                 "description")
TIE_COLUMNS = ("source", "target", "kind", "directed", "strength", "since", "until", "evidence")
_NAME_ALIASES = ("name", "label", "nom", "Label", "Name")
_TRUE = {"true", "1", "yes", "y", "oui", "directed"}
_FALSE = {"false", "0", "no", "n", "non", "undirected", ""}


@dataclass
class ParsedActor:
    """One actor read from a file; ``ref`` is how the file's ties name it; ``where`` locates it."""

    ref: str
    name: str
    kind: str
    sector: str | None
    commune_code: str | None
    influence: int
    stance: str | None
    latitude: float | None
    longitude: float | None
    description: str
    where: str


@dataclass
class ParsedTie:
    """One tie read from a file, naming its ends by the file's actor references."""

    source: str
    target: str
    kind: str
    directed: bool
    strength: int
    since: date | None
    until: date | None
    evidence: str
    where: str


@dataclass
class ImportPreview:
    """What a file would add, and what stops it from being imported."""

    format: str
    actors: list[ParsedActor] = field(default_factory=list)
    ties: list[ParsedTie] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    error_count: int = 0

    @property
    def ok(self) -> bool:
        return self.error_count == 0

    def error(self, message) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_LISTED_ERRORS:
            self.errors.append(str(message))

    def warn(self, message) -> None:
        if str(message) not in self.warnings and len(self.warnings) < MAX_LISTED_ERRORS:
            self.warnings.append(str(message))


class FileRefused(Exception):
    """The file cannot be read at all (too big, not text, broken XML...)."""


def detect_format(filename: str, data: bytes) -> str:
    """``csv``, ``gexf``, ``graphml`` or ``json`` from the file's extension, else its first bytes."""
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if extension in FORMATS:
        return extension
    head = data[:2048].lstrip().lower()
    if head.startswith(b"{"):
        return "json"
    if b"<gexf" in head:
        return "gexf"
    if b"<graphml" in head:
        return "graphml"
    return "csv"


# --- small value parsers -----------------------------------------------------------------------

def _text(value) -> str:
    return "" if value is None else str(value).strip()


def _int(value, where: str, what: str, low: int, high: int, default: int, preview: ImportPreview) -> int:
    text = _text(value)
    if text == "":
        return default
    try:
        number = float(text.replace(",", "."))
    except ValueError:
        preview.error(_l("%(where)s: %(what)s '%(value)s' is not a number.", where=where, what=what, value=text))
        return default
    if number != int(number) or not low <= number <= high:
        preview.error(_l("%(where)s: %(what)s must be a whole number from %(low)d to %(high)d, not '%(value)s'.",
                         where=where, what=what, low=low, high=high, value=text))
        return default
    return int(number)


def _float(value, where: str, what: str, low: float, high: float, preview: ImportPreview) -> float | None:
    text = _text(value)
    if text == "":
        return None
    try:
        number = float(text.replace(",", "."))
    except ValueError:
        preview.error(_l("%(where)s: %(what)s '%(value)s' is not a number.", where=where, what=what, value=text))
        return None
    if not low <= number <= high:
        preview.error(_l("%(where)s: %(what)s %(value)s is out of range.", where=where, what=what, value=text))
        return None
    return number


def _date(value, where: str, what: str, preview: ImportPreview) -> date | None:
    text = _text(value)
    if text == "":
        return None
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        preview.error(_l("%(where)s: %(what)s '%(value)s' is not a date (YYYY-MM-DD).",
                         where=where, what=what, value=text))
        return None


def _bool(value, default: bool, where: str, preview: ImportPreview) -> bool:
    if isinstance(value, bool):
        return value
    text = _text(value).lower()
    if text == "" or value is None:
        return default
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    preview.error(_l("%(where)s: 'directed' must be true or false, not '%(value)s'.", where=where, value=text))
    return default


def _code(value, vocabulary: dict, where: str, what: str, preview: ImportPreview) -> str | None:
    text = _text(value)
    if text == "":
        return None
    if text in vocabulary:
        return text
    lowered = {str(label).lower(): code for code, label in vocabulary.items()}
    if text.lower() in lowered:
        return lowered[text.lower()]
    preview.error(_l("%(where)s: unknown %(what)s '%(value)s' (expected one of: %(known)s).",
                     where=where, what=what, value=text, known=", ".join(vocabulary)))
    return None


def _actor(preview: ImportPreview, ref: str, values: dict, where: str) -> None:
    """Validate one actor's values and add it to the preview."""
    name = _text(values.get("name")) or ref
    if not name:
        preview.error(_l("%(where)s: the actor has no name.", where=where))
        return
    if len(name) > 200:
        preview.error(_l("%(where)s: the name is longer than 200 characters.", where=where))
    raw_kind = _text(values.get("kind"))
    kind = _code(raw_kind, ACTOR_KINDS, where, _l("actor kind"), preview) if raw_kind else None
    if not raw_kind:
        preview.warn(_l("Actors without a kind are imported as 'other'."))
    kind = kind or "other"
    sector = _code(values.get("sector"), SECTORS, where, _l("sector"), preview) or KIND_SECTOR.get(kind, "other")
    preview.actors.append(ParsedActor(
        ref=ref, name=name[:200], kind=kind, sector=sector,
        commune_code=_text(values.get("commune")) or None,
        influence=_int(values.get("influence"), where, _l("influence"), 0, 5, 0, preview),
        stance=_code(values.get("stance"), STANCES, where, _l("stance"), preview),
        latitude=_float(values.get("latitude"), where, _l("latitude"), -90, 90, preview),
        longitude=_float(values.get("longitude"), where, _l("longitude"), -180, 180, preview),
        description=_text(values.get("description"))[:5000], where=where))


def _tie(preview: ImportPreview, source: str, target: str, values: dict, default_directed: bool, where: str) -> None:
    """Validate one tie's values and add it to the preview."""
    raw_kind = _text(values.get("kind"))
    kind = _code(raw_kind, TIE_KINDS, where, _l("tie kind"), preview) if raw_kind else None
    if not raw_kind:
        preview.warn(_l("Ties without a kind are imported as 'coordination'."))
    strength_text = _text(values.get("strength"))
    if strength_text:
        strength = _int(strength_text, where, _l("strength"), 1, 3, 2, preview)
    else:
        weight = _text(values.get("weight"))
        try:
            number = float(weight) if weight else 2.0
        except ValueError:
            number = 2.0
        strength = min(3, max(1, int(round(number))))
        if weight and number != strength:
            preview.warn(_l("Edge weights outside 1-3 were turned into strengths from 1 to 3."))
    if source == target:
        preview.error(_l("%(where)s: a tie cannot link an actor to itself ('%(name)s').", where=where, name=source))
    preview.ties.append(ParsedTie(
        source=source, target=target, kind=kind or "coordination",
        directed=_bool(values.get("directed"), default_directed, where, preview), strength=strength,
        since=_date(values.get("since"), where, _l("'since'"), preview),
        until=_date(values.get("until"), where, _l("'until'"), preview),
        evidence=_text(values.get("evidence"))[:500], where=where))


def _check_references(preview: ImportPreview, known_names: set[str] | None = None) -> None:
    """Duplicate names, and ties whose ends are neither in the file nor (when adding) on the map."""
    seen: dict[str, str] = {}
    refs = set()
    for actor in preview.actors:
        key = actor.name.casefold()
        if key in seen:
            preview.error(_l("%(where)s: duplicate name '%(name)s' (first at %(first)s).",
                             where=actor.where, name=actor.name, first=seen[key]))
        else:
            seen[key] = actor.where
        if known_names is not None and key in known_names:
            preview.error(_l("%(where)s: '%(name)s' is already on this territory's map.",
                             where=actor.where, name=actor.name))
        refs.add(actor.ref)
    existing = known_names or set()
    for tie in preview.ties:
        for end in (tie.source, tie.target):
            if end not in refs and end.casefold() not in existing:
                preview.error(_l("%(where)s: the tie points to '%(ref)s', which is not an actor of the file.",
                                 where=tie.where, ref=end))
        if tie.since and tie.until and tie.until < tie.since:
            preview.error(_l("%(where)s: the tie ends before it starts.", where=tie.where))
    if len(preview.actors) > MAX_ACTORS or len(preview.ties) > MAX_TIES:
        preview.error(_l("The file holds more than %(actors)d actors or %(ties)d ties.",
                         actors=MAX_ACTORS, ties=MAX_TIES))


# --- CSV ---------------------------------------------------------------------------------------

def _decode(data: bytes, name: str) -> str:
    if b"\x00" in data[:4096]:
        raise FileRefused(_l("%(file)s is not a text file.", file=name))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[:error.start].count(b"\n") + 1
        raise FileRefused(_l("%(file)s, line %(line)d: not UTF-8 text.", file=name, line=line)) from None


def _csv_rows(data: bytes, name: str, required: tuple[str, ...]) -> tuple[list[tuple[int, dict]], list[str]]:
    text = _decode(data, name)
    sample = text[:4096]
    delimiter = ";" if sample.count(";") > sample.count(",") else ","
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [h.strip().lower() for h in (reader.fieldnames or [])]
    except csv.Error as error:
        raise FileRefused(_l("%(file)s: %(error)s", file=name, error=str(error))) from None
    if "nom" in header and "name" not in header:
        header[header.index("nom")] = "name"
    if "label" in header and "name" not in header:
        header[header.index("label")] = "name"
    missing = [column for column in required if column not in header]
    if missing:
        raise FileRefused(_l("%(file)s, line 1: missing column(s) %(columns)s.", file=name,
                             columns=", ".join(missing)))
    reader.fieldnames = header
    rows = []
    try:
        for row in reader:
            if not any(_text(v) for k, v in row.items() if k is not None):
                continue
            rows.append((reader.line_num, {k: v for k, v in row.items() if k is not None}))
    except csv.Error as error:
        raise FileRefused(_l("%(file)s, line %(line)d: %(error)s", file=name, line=reader.line_num,
                             error=str(error))) from None
    return rows, header


def parse_csv(actors_data: bytes | None, ties_data: bytes | None, *, actors_name: str = "actors.csv",
              ties_name: str = "ties.csv", known_names: set[str] | None = None) -> ImportPreview:
    """Actors (``name, kind, sector, ...``) and ties (``source, target, kind, ...`` by actor name)."""
    preview = ImportPreview("csv")
    try:
        if actors_data:
            rows, _header = _csv_rows(actors_data, actors_name, ("name",))
            for line, row in rows:
                _actor(preview, _text(row.get("name")), row, str(_l("%(file)s, line %(line)d",
                                                                     file=actors_name, line=line)))
        if ties_data:
            rows, _header = _csv_rows(ties_data, ties_name, ("source", "target"))
            for line, row in rows:
                _tie(preview, _text(row.get("source")), _text(row.get("target")), row, False,
                     str(_l("%(file)s, line %(line)d", file=ties_name, line=line)))
    except FileRefused as refused:
        preview.error(refused)
        return preview
    _check_references(preview, known_names)
    return preview


def actors_csv(rows: list[dict]) -> bytes:
    """Actors as CSV (UTF-8 with BOM, for spreadsheets)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(ACTOR_COLUMNS), extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({key: "" if row.get(key) is None else row.get(key) for key in ACTOR_COLUMNS})
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def ties_csv(rows: list[dict]) -> bytes:
    """Ties as CSV, naming actors by name."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(TIE_COLUMNS), extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in rows:
        out = {key: "" if row.get(key) is None else row.get(key) for key in TIE_COLUMNS}
        out["directed"] = "true" if row.get("directed") else "false"
        writer.writerow(out)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


# --- XML (GEXF, GraphML) ------------------------------------------------------------------------

@dataclass
class _Element:
    tag: str
    attrs: dict
    line: int
    children: list = field(default_factory=list)
    text: str = ""

    def find_all(self, tag: str):
        return [child for child in self.children if child.tag == tag]

    def find(self, tag: str):
        for child in self.children:
            if child.tag == tag:
                return child
        return None


def _local(name: str) -> str:
    return name.rsplit("}", 1)[-1].rsplit(" ", 1)[-1].split(":")[-1]


def _parse_xml(data: bytes, name: str) -> _Element:
    """A light tree with line numbers; DOCTYPEs (entity expansion) are refused."""
    parser = expat.ParserCreate(namespace_separator=" ")
    root: list[_Element] = []
    stack: list[_Element] = []

    def start(tag, attrs):
        element = _Element(_local(tag), {_local(k): v for k, v in attrs.items()}, parser.CurrentLineNumber)
        if stack:
            stack[-1].children.append(element)
        else:
            root.append(element)
        stack.append(element)

    def end(_tag):
        stack.pop()

    def chars(text):
        if stack:
            stack[-1].text += text

    def doctype(*_args):
        raise FileRefused(_l("%(file)s, line %(line)d: DOCTYPE declarations are not accepted.",
                             file=name, line=parser.CurrentLineNumber))

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = chars
    parser.StartDoctypeDeclHandler = doctype
    try:
        parser.Parse(data, True)
    except expat.ExpatError as error:
        raise FileRefused(_l("%(file)s, line %(line)d, column %(column)d: broken XML (%(error)s).",
                             file=name, line=error.lineno, column=error.offset + 1,
                             error=expat.ErrorString(error.code))) from None
    if not root:
        raise FileRefused(_l("%(file)s: empty XML document.", file=name))
    return root[0]


def _where(name: str, what: str, number: int, element: _Element, ident: str | None = None) -> str:
    if ident:
        return str(_l("%(file)s, line %(line)d, %(what)s #%(n)d (id '%(id)s')", file=name, line=element.line,
                      what=what, n=number, id=ident))
    return str(_l("%(file)s, line %(line)d, %(what)s #%(n)d", file=name, line=element.line, what=what, n=number))


def _root_and_graph(data: bytes, name: str, root_tag: str) -> tuple[_Element, _Element]:
    """The document's root (which must be ``root_tag``) and its ``<graph>``, or FileRefused."""
    root = _parse_xml(data, name)
    if root.tag != root_tag:
        wrong_root = {
            "gexf": _l("%(file)s, line %(line)d: the root element is <%(tag)s>, not <gexf>.",
                       file=name, line=root.line, tag=root.tag),
            "graphml": _l("%(file)s, line %(line)d: the root element is <%(tag)s>, not <graphml>.",
                          file=name, line=root.line, tag=root.tag),
        }
        raise FileRefused(wrong_root[root_tag])
    graph = root.find("graph")
    if graph is None:
        raise FileRefused(_l("%(file)s: no <graph> element.", file=name))
    return root, graph


def parse_gexf(data: bytes, *, name: str = "map.gexf", known_names: set[str] | None = None) -> ImportPreview:
    """A GEXF file (Gephi, NetworkX): node labels are names; attributes by their title."""
    preview = ImportPreview("gexf")
    try:
        _root, graph = _root_and_graph(data, name, "gexf")
    except FileRefused as refused:
        preview.error(refused)
        return preview
    titles = {"node": {}, "edge": {}}
    for block in graph.find_all("attributes"):
        klass = block.attrs.get("class", "node")
        for attribute in block.find_all("attribute"):
            titles.setdefault(klass, {})[attribute.attrs.get("id", "")] = attribute.attrs.get("title", "")

    def values_of(element: _Element, klass: str) -> dict:
        values = {}
        for block in element.find_all("attvalues"):
            for value in block.find_all("attvalue"):
                key = value.attrs.get("for") or value.attrs.get("id", "")
                values[titles[klass].get(key, key)] = value.attrs.get("value", "")
        return values

    default_directed = graph.attrs.get("defaultedgetype", "undirected") == "directed"
    nodes_block = graph.find("nodes")
    for number, node in enumerate(nodes_block.find_all("node") if nodes_block else [], start=1):
        ident = node.attrs.get("id")
        where = _where(name, str(_l("node")), number, node, ident)
        if not ident:
            preview.error(_l("%(where)s: the node has no id.", where=where))
            continue
        values = values_of(node, "node")
        values.setdefault("name", node.attrs.get("label") or values.get("label") or ident)
        _actor(preview, ident, values, where)
    edges_block = graph.find("edges")
    for number, edge in enumerate(edges_block.find_all("edge") if edges_block else [], start=1):
        where = _where(name, str(_l("edge")), number, edge, edge.attrs.get("id"))
        values = values_of(edge, "edge")
        values.setdefault("weight", edge.attrs.get("weight"))
        if "kind" not in values and edge.attrs.get("kind"):
            values["kind"] = edge.attrs["kind"]
        edge_type = edge.attrs.get("type")
        directed = default_directed if edge_type is None else edge_type == "directed"
        _tie(preview, edge.attrs.get("source", ""), edge.attrs.get("target", ""), values, directed, where)
    _check_references(preview, known_names)
    return preview


def parse_graphml(data: bytes, *, name: str = "map.graphml", known_names: set[str] | None = None) -> ImportPreview:
    """A GraphML file (Gephi, yEd, NetworkX): names from a ``label``/``name`` key, else the node id."""
    preview = ImportPreview("graphml")
    try:
        root, graph = _root_and_graph(data, name, "graphml")
    except FileRefused as refused:
        preview.error(refused)
        return preview
    keys = {key.attrs.get("id", ""): key.attrs.get("attr.name") or key.attrs.get("id", "")
            for key in root.find_all("key")}

    def values_of(element: _Element) -> dict:
        return {keys.get(d.attrs.get("key", ""), d.attrs.get("key", "")): d.text.strip()
                for d in element.find_all("data")}

    default_directed = graph.attrs.get("edgedefault", "undirected") == "directed"
    for number, node in enumerate(graph.find_all("node"), start=1):
        ident = node.attrs.get("id")
        where = _where(name, str(_l("node")), number, node, ident)
        if not ident:
            preview.error(_l("%(where)s: the node has no id.", where=where))
            continue
        values = values_of(node)
        values.setdefault("name", values.get("label") or ident)
        _actor(preview, ident, values, where)
    for number, edge in enumerate(graph.find_all("edge"), start=1):
        where = _where(name, str(_l("edge")), number, edge, edge.attrs.get("id"))
        values = values_of(edge)
        directed_attr = edge.attrs.get("directed")
        directed = default_directed if directed_attr is None else directed_attr == "true"
        _tie(preview, edge.attrs.get("source", ""), edge.attrs.get("target", ""), values, directed, where)
    _check_references(preview, known_names)
    return preview


def parse_json(data: bytes, *, name: str = "map.json", known_names: set[str] | None = None) -> ImportPreview:
    """Node-link JSON as NetworkX writes it (``nodes`` and ``links`` or ``edges``)."""
    preview = ImportPreview("json")
    try:
        document = json.loads(_decode(data, name))
    except FileRefused as refused:
        preview.error(refused)
        return preview
    except json.JSONDecodeError as error:
        preview.error(_l("%(file)s, line %(line)d, column %(column)d: broken JSON (%(error)s).",
                         file=name, line=error.lineno, column=error.colno, error=error.msg))
        return preview
    if not isinstance(document, dict) or not isinstance(document.get("nodes"), list):
        preview.error(_l("%(file)s: expected an object with a list of \"nodes\".", file=name))
        return preview
    default_directed = bool(document.get("directed"))
    for number, node in enumerate(document["nodes"], start=1):
        where = str(_l("%(file)s, node #%(n)d", file=name, n=number))
        if not isinstance(node, dict) or node.get("id") in (None, ""):
            preview.error(_l("%(where)s: the node has no id.", where=where))
            continue
        values = dict(node)
        values.setdefault("name", node.get("label") or str(node["id"]))
        _actor(preview, str(node["id"]), values, where)
    links = document.get("links", document.get("edges", [])) or []
    for number, link in enumerate(links, start=1):
        where = str(_l("%(file)s, link #%(n)d", file=name, n=number))
        if not isinstance(link, dict):
            preview.error(_l("%(where)s: not an object.", where=where))
            continue
        _tie(preview, _text(link.get("source")), _text(link.get("target")), link, default_directed, where)
    _check_references(preview, known_names)
    return preview


def parse(data: bytes, filename: str, *, ties_data: bytes | None = None, ties_filename: str = "ties.csv",
          known_names: set[str] | None = None, max_bytes: int | None = None) -> ImportPreview:
    """Read an uploaded map; ``known_names`` (casefolded) are the actors already on the map when adding."""
    fmt = detect_format(filename, data)
    preview = ImportPreview(fmt)
    for blob, blob_name in ((data, filename), (ties_data, ties_filename)):
        if blob is not None and max_bytes is not None and len(blob) > max_bytes:
            preview.error(_l("%(file)s is larger than the limit of %(limit).1f MB: nothing was read.",
                             file=blob_name, limit=max_bytes / 1e6))
    if not preview.ok:
        return preview
    safe_name = re.sub(r"[^\w.\- ]+", "_", filename)[:80] or "file"
    if fmt == "gexf":
        return parse_gexf(data, name=safe_name, known_names=known_names)
    if fmt == "graphml":
        return parse_graphml(data, name=safe_name, known_names=known_names)
    if fmt == "json":
        return parse_json(data, name=safe_name, known_names=known_names)
    return parse_csv(data or None, ties_data, actors_name=safe_name, ties_name=ties_filename,
                     known_names=known_names)
