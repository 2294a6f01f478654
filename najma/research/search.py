"""Full-text search over research notes, comments and intervention paths, behind one interface.

:func:`search` runs on SQLite (the FTS5 table ``research_search_fts``, every match ranked by
``bm25``) or on PostgreSQL (the GIN index on the stored ``search_vector`` column; ``ts_rank_cd``
ranks the first ``PG_RANKED`` matches, title matches and the newest first), chosen by the engine's
dialect; one SQL query brings a page and the counts. Query words are folded with
:func:`najma.research.indexing.fold` exactly like the indexed text, so "eleve" finds "élève" and
Arabic matches with or without its short vowels and hamza forms; every word is a prefix, and an
Arabic word also matches behind the article and its usual proclitics ("تعليم" finds "التعليم",
"والتعليم", "للتعليم"...).

What a reader sees is bounded by :func:`najma.permissions.research_scope`, checked against the
note itself (not only its search document), so a draft never reaches someone who cannot read
it, and deleted notes, comments and paths are never returned. Snippets are cut in Python from
the original text, escaped, with the matched words in ``<mark>``.
"""
from __future__ import annotations

import bisect
import html
import math
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

import sqlalchemy as sa
from flask import url_for
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from najma.auth.models import User
from najma.extensions import db
from najma.permissions import research_scope
from najma.research.indexing import fold
from najma.research.models import InterventionPath, NoteComment, ResearchNote, SearchDocument
from najma.territories.models import Territory
from najma.vocab import NOTE_KINDS, label

#: What a result can be, in the order the page lists the counts.
OBJECT_TYPES = {
    "note": _l("Notes"),
    "comment": _l("Comments"),
    "path": _l("Intervention paths"),
}
#: The ``kind`` of a path's search document (notes carry their kind of note).
PATH_KIND = "path"
#: At most this many words of a query are searched (the rest is ignored).
MAX_TERMS = 8
#: Words shown around the best match in a snippet.
SNIPPET_WORDS = 30
MAX_PER_PAGE = 100
#: The Arabic article and the proclitics that usually come with it, written before a word.
ARABIC_PREFIXES = ("ال", "وال", "بال", "فال", "كال", "لل", "ولل")
#: Title matches weigh this many times a body match (SQLite bm25 column weights).
TITLE_WEIGHT = 5.0
#: PostgreSQL ts_rank_cd weights for {D, C, B, A}: the title (A) weighs five times the text (B)
#: (see ``search_vector`` in :mod:`najma.research.models`).
_PG_WEIGHTS = "'{0.1, 0.2, 0.2, 1.0}'::float4[]"
#: PostgreSQL ranks this many matches by ts_rank_cd (title matches and the newest first); the
#: others follow in that cheap order. Reading the stored vectors of every match of a common word
#: (thousands, from TOAST) and ranking them costs more than the whole rest of the query.
PG_RANKED = 200

_WORD = re.compile(r"[^\W_]+")
_ARABIC = re.compile(r"^[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff]+$")
_TOKEN = re.compile(r"\S+")


@dataclass
class SearchFilters:
    """What narrows a search; ``None`` or ``""`` leaves a filter out."""

    territory_id: int | None = None
    kind: str = ""  # a kind of note, or "path"
    object_type: str = ""  # note, comment, path
    target_group_id: int | None = None
    chantier_id: int | None = None
    author_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None

    def active(self) -> bool:
        """True when at least one filter is set."""
        return any(value not in (None, "") for value in vars(self).values())


@dataclass
class SearchHit:
    """One result: what it is, where it belongs, and an escaped snippet with its matches marked."""

    object_type: str
    object_id: int
    note_id: int | None
    territory_name: str
    territory_slug: str
    title: str
    title_html: Markup
    kind: str
    on_date: date | None
    author_id: int | None
    author_name: str
    snippet: Markup
    visibility: str

    @property
    def kind_label(self) -> str:
        """The kind of note, or "Intervention path"."""
        return str(_l("Intervention path")) if self.kind == PATH_KIND else label(NOTE_KINDS, self.kind)

    @property
    def url(self) -> str:
        """Where the result is read: the note, the comment on its note, or the path."""
        if self.object_type == "path":
            return url_for("research.path", path_id=self.object_id)
        note_url = url_for("research.note", note_id=self.note_id)
        if self.object_type == "comment":
            return f"{note_url}#comment-{self.object_id}"
        return note_url


@dataclass
class SearchResults:
    """One page of results, the counts by type, and a message when nothing could be searched.

    Quacks like a Flask-SQLAlchemy pagination (``page``, ``pages``, ``iter_pages``) so that the
    shared ``pagination`` macro renders it.
    """

    query: str
    terms: list[str] = field(default_factory=list)
    items: list[SearchHit] = field(default_factory=list)
    total: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    page: int = 1
    per_page: int = 20
    searched: bool = False
    message: str = ""

    @property
    def pages(self) -> int:
        """How many pages the results fill."""
        return max(1, math.ceil(self.total / self.per_page)) if self.total else 0

    @property
    def has_prev(self) -> bool:
        """True when a page comes before this one."""
        return self.page > 1

    @property
    def has_next(self) -> bool:
        """True when a page comes after this one."""
        return self.page < self.pages

    def iter_pages(self, *, left_edge: int = 2, left_current: int = 2, right_current: int = 4,
                   right_edge: int = 2):
        """Page numbers for a pagination widget, ``None`` where pages are skipped."""
        pages_end = self.pages + 1
        if pages_end <= 2:
            if pages_end == 2:
                yield 1
            return
        left_end = min(1 + left_edge, pages_end)
        yield from range(1, left_end)
        if left_end == pages_end:
            return
        mid_start = max(left_end, self.page - left_current)
        mid_end = min(self.page + right_current + 1, pages_end)
        if mid_start - left_end > 0:
            yield None
        yield from range(mid_start, mid_end)
        if mid_end == pages_end:
            return
        right_start = max(mid_end, pages_end - right_edge)
        if right_start - mid_end > 0:
            yield None
        yield from range(right_start, pages_end)


# --- query words ----------------------------------------------------------------------------------

def query_terms(query_text: str | None) -> list[str]:
    """The words of a query, folded like the index, without repeats or one-letter words."""
    terms: list[str] = []
    for word in _WORD.findall(fold((query_text or "")[:500])):
        if len(word) > 1 and word not in terms:
            terms.append(word[:60])
    return terms[:MAX_TERMS]


def is_arabic(term: str) -> bool:
    """True for a word written in Arabic letters."""
    return bool(_ARABIC.match(term))


def arabic_stem(term: str) -> str:
    """An Arabic word without its article (and proclitics), when what remains is a real word."""
    for prefix in sorted(ARABIC_PREFIXES, key=len, reverse=True):
        if term.startswith(prefix) and len(term) - len(prefix) >= 3:
            return term[len(prefix):]
    return term


def alternatives(term: str) -> list[str]:
    """The prefixes one query word stands for: itself, or for Arabic its stem with and without
    the article forms in front."""
    if not is_arabic(term):
        return [term]
    stem = arabic_stem(term)
    return [stem] + [prefix + stem for prefix in ARABIC_PREFIXES]


def fts5_query(terms: list[str]) -> str:
    """An FTS5 MATCH expression: every word required, each as quoted prefixes.

    The words hold letters and digits only (see :func:`query_terms`), so quoting is safe; the
    expression is bound as a parameter, never written into the SQL.
    """
    groups = []
    for term in terms:
        options = [f'"{option}"*' for option in alternatives(term)]
        groups.append(options[0] if len(options) == 1 else "(" + " OR ".join(options) + ")")
    return " AND ".join(groups)


def tsquery_text(terms: list[str]) -> str:
    """A ``to_tsquery`` input: every word required, each a prefix (``term:*``), bound as a parameter."""
    groups = []
    for term in terms:
        options = [f"{option}:*" for option in alternatives(term)]
        groups.append(options[0] if len(options) == 1 else "(" + " | ".join(options) + ")")
    return " & ".join(groups)


# --- snippets -------------------------------------------------------------------------------------

@lru_cache(maxsize=4096)
def _fold_char(char: str) -> str:
    return fold(char)


def _folded_with_map(text: str) -> tuple[str, list[int]]:
    """``text`` folded character by character, with the original index of each folded character.

    Folding keeps one character per character almost everywhere; where it does not (ligatures,
    tatweel...), the map still points every folded character at the character it came from.
    """
    parts, positions = [], []
    for index, char in enumerate(text):
        folded = _fold_char(char)
        parts.append(folded)
        positions.extend([index] * len(folded))
    return "".join(parts), positions


def _pattern(terms: list[str]) -> re.Pattern | None:
    """A regex finding the words the terms match (prefixes at a word start) in folded text."""
    pieces = []
    for term in terms:
        if is_arabic(term):
            prefixes = "|".join(re.escape(p) for p in ARABIC_PREFIXES)
            pieces.append(f"(?:{prefixes})?{re.escape(arabic_stem(term))}")
        else:
            pieces.append(re.escape(term))
    if not pieces:
        return None
    # No look-behind in front, so that the regex engine can skip ahead to the words' first
    # letters; a match inside a word is dropped by _word_starts.
    return re.compile(r"(?:" + "|".join(pieces) + r")[^\W_]*")


def _word_starts(pattern: re.Pattern, folded: str) -> list[tuple[int, int]]:
    """Matches of ``pattern`` in ``folded`` that start a word (as a prefix query matches)."""
    return [(m.start(), m.end()) for m in pattern.finditer(folded)
            if m.end() > m.start() and (m.start() == 0 or not folded[m.start() - 1].isalnum())]


def _matches(text: str, pattern: re.Pattern | None, folded: str | None = None) -> list[tuple[int, int]]:
    """Spans of ``text`` (original positions) whose folded words the pattern matches.

    ``folded`` is ``fold(text)`` when already known (the search document's ``content``): when it
    has the text's length, positions are taken as they are and each match is checked against the
    original; any doubt (a ligature, a tatweel...) and the text is folded again with a map.
    """
    if not text or pattern is None:
        return []
    if folded is not None and len(folded) == len(text):
        spans = _word_starts(pattern, folded)
        if all(fold(text[a:b]) == folded[a:b] for a, b in spans):
            return spans
    folded, positions = _folded_with_map(text)
    return [(positions[a], positions[b - 1] + 1) for a, b in _word_starts(pattern, folded)]


def _marked(text: str, spans: list[tuple[int, int]], start: int = 0, end: int | None = None) -> str:
    """``text[start:end]`` escaped, with ``spans`` inside it wrapped in ``<mark>``."""
    end = len(text) if end is None else end
    out, cursor = [], start
    for a, b in spans:
        a, b = max(a, start), min(b, end)
        if a < cursor or a >= b:
            continue
        out.append(html.escape(text[cursor:a]))
        out.append(f"<mark>{html.escape(text[a:b])}</mark>")
        cursor = b
    out.append(html.escape(text[cursor:end]))
    return "".join(out)


def highlight(text: str, terms: list[str], folded: str | None = None) -> Markup:
    """The whole of ``text`` escaped, with the words the terms match in ``<mark>``."""
    return Markup(_marked(text or "", _matches(text or "", _pattern(terms), folded)))


def _densest(spans: list[tuple[int, int]], before: int = 80, after: int = 160) -> int:
    """The start of the match with most other matches close after it (the first such)."""
    starts = [a for a, _b in spans]
    best, best_count = starts[0], 0
    for a in starts:
        count = bisect.bisect_left(starts, a + after) - bisect.bisect_left(starts, a - before)
        if count > best_count:
            best, best_count = a, count
    return best


def snippet(text: str, terms: list[str], words: int = SNIPPET_WORDS, folded: str | None = None) -> Markup:
    """About ``words`` words of ``text`` around its densest run of matches, escaped, matches in
    ``<mark>``; the start of the text when nothing matches in it (a title match). ``folded`` may
    give ``fold(text)`` when it is at hand (see :func:`_matches`).

    Only the window is tokenised, so a long text costs little more than a short one.
    """
    text = text or ""
    spans = sorted(_matches(text, _pattern(terms), folded))
    anchor = _densest(spans) if spans else 0
    lead = words // 3
    # Up to ``lead`` words before the anchor (the first one dropped if the look-back cut it).
    low = max(0, anchor - 30 * lead)
    before = list(_TOKEN.finditer(text, low, anchor))
    if low > 0 and before and before[0].start() == low and not text[low - 1].isspace():
        before = before[1:]
    before = before[-lead:] if lead else []
    after = []
    for token in _TOKEN.finditer(text, anchor):
        after.append(token)
        if len(before) + len(after) >= words:
            break
    window = before + after
    if not window:
        return Markup("")
    start, end = window[0].start(), window[-1].end()
    body = _marked(text, spans, start, end)
    more_before = bool(text[:start].strip())
    more_after = bool(text[end:].strip())
    return Markup(("… " if more_before else "") + body + (" …" if more_after else ""))


# --- the query -----------------------------------------------------------------------------------

_documents = SearchDocument.__table__
_notes = ResearchNote.__table__
_comments = NoteComment.__table__
_paths = InterventionPath.__table__
_fts = sa.table("research_search_fts", sa.column("rowid"))
#: PostgreSQL's stored tsvector of a search document (a generated column the model leaves out).
_search_vector = sa.literal_column(f"{_documents.name}.search_vector")


def _visibility_clause(scope, visibility, territory_id):
    """What the scope lets through, as SQL: ``None`` when everything, ``False`` when nothing."""
    if scope is None:
        return None
    everywhere, per_territory = scope
    clauses = []
    if everywhere:
        clauses.append(visibility.in_(everywhere))
    by_levels: dict[tuple[str, ...], list[int]] = defaultdict(list)
    for tid, levels in per_territory.items():
        if levels:
            by_levels[tuple(levels)].append(tid)
    for levels, tids in by_levels.items():
        clauses.append(sa.and_(territory_id.in_(sorted(tids)), visibility.in_(levels)))
    return sa.or_(*clauses) if clauses else False


def _tsquery(terms: list[str]):
    """PostgreSQL's ``to_tsquery('simple', ...)`` of the words, bound as a parameter."""
    return sa.func.to_tsquery(sa.literal_column("'simple'::regconfig"),
                              sa.bindparam("ts_query", tsquery_text(terms), type_=sa.String))


def _readable(dialect: str, terms: list[str], filters: SearchFilters, scope):
    """Every matching document ``scope`` and ``filters`` let through, with the counts by type
    over all of them (window sums), or ``None`` when the scope lets nothing through.

    SQLite: the FTS5 table, each match scored by ``bm25`` (title ``TITLE_WEIGHT`` times the
    text, lower is better), computed in a subquery on the FTS table, where FTS5 allows it.
    PostgreSQL: the GIN index on the stored ``search_vector``; reading every match's vector (from
    TOAST) to rank it is too slow for thousands of matches, so each match gets a cheap position
    instead (title matches first, then the newest) and :func:`_page` ranks the first
    ``PG_RANKED`` of them. Whether the title matches is checked on the title alone: a ``LIKE``
    on each word (the query's words and the folded title hold no wildcard and no capital) skips
    parsing the titles that cannot match.

    The document's own visibility filters first (cheap); then the note itself must let the reader
    in too and be alive, whatever its document says, and a comment or path must still exist
    undeleted, should its document have stayed behind. Each check is an EXISTS reached only for
    the rows it concerns.
    """
    d = _documents
    allowed = _visibility_clause(scope, d.c.visibility, d.c.territory_id)
    if allowed is False:
        return None
    note_allowed = _visibility_clause(scope, _notes.c.visibility, _notes.c.territory_id)
    note_alive = sa.exists().where(_notes.c.id == d.c.note_id, _notes.c.deleted_at.is_(None),
                                   *([note_allowed] if note_allowed is not None else []))
    comment_alive = sa.exists().where(_comments.c.id == d.c.object_id, _comments.c.note_id == d.c.note_id,
                                      _comments.c.deleted_at.is_(None))
    path_alive = sa.exists().where(_paths.c.id == d.c.object_id, _paths.c.territory_id == d.c.territory_id,
                                   _paths.c.deleted_at.is_(None))
    conditions = []
    if dialect == "sqlite":
        matched = (sa.select(_fts.c.rowid.label("document_id"),
                             sa.func.bm25(sa.literal_column("research_search_fts"), TITLE_WEIGHT, 1.0).label("score"))
                   .select_from(_fts)
                   .where(sa.text("research_search_fts MATCH :fts_query").bindparams(fts_query=fts5_query(terms)))
                   .subquery("matched"))
        source = matched.join(d, d.c.id == matched.c.document_id)
        ranking = [matched.c.score.label("score")]
    else:
        tsquery = _tsquery(terms)
        source = d
        conditions.append(_search_vector.op("@@")(tsquery))
        in_title = sa.cast(sa.and_(
            *(d.c.search_title.like(f"%{arabic_stem(term) if is_arabic(term) else term}%") for term in terms),
            sa.func.to_tsvector(sa.literal_column("'simple'::regconfig"), d.c.search_title).op("@@")(tsquery)),
            sa.Integer)
        ranking = [sa.func.row_number().over(order_by=(in_title.desc(), d.c.on_date.desc().nulls_last(),
                                                       d.c.id.desc())).label("position")]
    if allowed is not None:
        conditions.append(allowed)
    if filters.territory_id:
        conditions.append(d.c.territory_id == filters.territory_id)
    if filters.kind:
        conditions.append(d.c.kind == filters.kind)
    if filters.target_group_id:
        conditions.append(d.c.target_group_ids.like(f"%,{int(filters.target_group_id)},%"))
    if filters.chantier_id:
        conditions.append(d.c.chantier_ids.like(f"%,{int(filters.chantier_id)},%"))
    if filters.author_id:
        conditions.append(d.c.author_id == filters.author_id)
    if filters.date_from:
        conditions.append(d.c.on_date >= filters.date_from)
    if filters.date_to:
        conditions.append(d.c.on_date <= filters.date_to)
    conditions += [
        sa.or_(sa.and_(d.c.object_type == "path", d.c.note_id.is_(None)), note_alive),
        sa.or_(d.c.object_type != "comment", comment_alive),
        sa.or_(d.c.object_type != "path", path_alive),
    ]
    counts = [sa.func.sum(sa.case((d.c.object_type == object_type, 1), else_=0)).over().label(f"count_{object_type}")
              for object_type in OBJECT_TYPES]
    return (sa.select(d.c.id.label("id"), d.c.object_type.label("object_type"), *ranking, *counts)
            .select_from(source).where(*conditions).subquery("readable"))


def _count(readable) -> dict[str, int]:
    """The counts by type, when the page itself came back empty."""
    row = db.session.execute(sa.select(*(readable.c[f"count_{t}"] for t in OBJECT_TYPES)).limit(1)).first()
    return {t: int(row[i] or 0) for i, t in enumerate(OBJECT_TYPES)} if row else dict.fromkeys(OBJECT_TYPES, 0)


def _ranked_page(dialect: str, terms: list[str], readable, object_type: str, page: int, per_page: int):
    """The ids (with the counts) of one page of results, best first, as a subquery.

    SQLite orders every match by its bm25 score. PostgreSQL orders the first ``PG_RANKED``
    matches by their cheap position by ``ts_rank_cd`` on their stored vector, then the others by
    that position, a stable order whatever the page.
    """
    offset = (page - 1) * per_page
    if dialect == "sqlite":
        ranked = sa.select(readable)
        if object_type:
            ranked = ranked.where(readable.c.object_type == object_type)
        return (ranked.order_by(readable.c.score.asc(), readable.c.id.desc())
                .limit(per_page).offset(offset).subquery("top"))
    if object_type:
        # The cheap positions must count within the type shown.
        positioned = sa.select(*(c for c in readable.c if c.name != "position"), sa.func.row_number().over(
            order_by=readable.c.position).label("position")).where(readable.c.object_type == object_type).subquery()
    else:
        positioned = readable
    bound = max(PG_RANKED, offset + per_page)
    # The LIMIT tells the planner how few rows remain (so it fetches their documents by key).
    candidates = (sa.select(positioned).where(positioned.c.position <= bound).order_by(positioned.c.position)
                  .limit(bound).subquery("candidates"))
    document = _documents.alias("ranked_document")
    rank = sa.func.ts_rank_cd(sa.literal_column(_PG_WEIGHTS), sa.literal_column(f"{document.name}.search_vector"),
                              _tsquery(terms), 1)
    scored = (sa.select(candidates, sa.case((candidates.c.position <= PG_RANKED, rank), else_=None).label("score"))
              .select_from(candidates.join(document, document.c.id == candidates.c.id)).subquery("scored"))
    return (sa.select(scored)
            .order_by(scored.c.position > PG_RANKED, scored.c.score.desc().nulls_last(), scored.c.position)
            .limit(per_page).offset(offset).subquery("top"))


def _page(dialect: str, terms: list[str], readable, object_type: str, page: int, per_page: int):
    """One page of results, best first, with what each shows (territory, author, texts)."""
    d, territories, authors = _documents, Territory.__table__, User.__table__
    top = _ranked_page(dialect, terms, readable, object_type, page, per_page)
    order = ([top.c.score.asc(), top.c.id.desc()] if dialect == "sqlite"
             else [top.c.position > PG_RANKED, top.c.score.desc().nulls_last(), top.c.position])
    return db.session.execute(
        sa.select(*(top.c[f"count_{t}"] for t in OBJECT_TYPES),
                  sa.func.coalesce(_notes.c.visibility, d.c.visibility).label("visibility"), d.c.object_type,
                  d.c.object_id, d.c.note_id, d.c.title, d.c.search_title, d.c.text, d.c.content,
                  d.c.kind, d.c.on_date, d.c.author_id, territories.c.name.label("territory_name"),
                  territories.c.slug.label("territory_slug"), authors.c.full_name.label("author_name"))
        .select_from(top.join(d, d.c.id == top.c.id)
                     .outerjoin(_notes, _notes.c.id == d.c.note_id)
                     .outerjoin(territories, territories.c.id == d.c.territory_id)
                     .outerjoin(authors, authors.c.id == d.c.author_id))
        .order_by(*order)).all()


def search(user, query_text: str | None, filters: SearchFilters | None = None, page: int = 1,
           per_page: int = 20) -> SearchResults:
    """One page of what ``user`` may read matching ``query_text`` and ``filters``, best first.

    One query whatever the number of results: the matches are filtered and scored once, the
    counts by type come along as window sums, and only the page's rows are joined to their
    territory and author. (A page past the end, or a type without results, costs one or two
    more.) Nothing is queried for an empty query or a user who reads no research.
    """
    filters = filters or SearchFilters()
    per_page = max(1, min(int(per_page or 20), MAX_PER_PAGE))
    results = SearchResults(query=(query_text or "").strip(), page=max(1, int(page or 1)), per_page=per_page)
    results.counts = dict.fromkeys(OBJECT_TYPES, 0)
    if not results.query:
        results.message = str(_l("Type one or more words to search notes, comments and paths."))
        return results
    terms = query_terms(results.query)
    if not terms:
        results.message = str(_l("Search words need at least two letters or digits."))
        return results
    results.terms = terms
    results.searched = True
    dialect = db.engine.dialect.name
    readable = _readable(dialect, terms, filters, research_scope(user))
    if readable is None:
        return results

    rows = _page(dialect, terms, readable, filters.object_type, results.page, per_page)
    if rows:
        results.counts = {t: int(rows[0]._mapping[f"count_{t}"] or 0) for t in OBJECT_TYPES}
    elif results.page > 1 or filters.object_type:
        results.counts = _count(readable)
    results.total = (results.counts.get(filters.object_type, 0) if filters.object_type
                     else sum(results.counts.values()))
    if not rows and results.total and results.page > results.pages:
        results.page = results.pages  # past the end: the last page
        rows = _page(dialect, terms, readable, filters.object_type, results.page, per_page)
    results.items = [SearchHit(
        object_type=row.object_type, object_id=row.object_id, note_id=row.note_id,
        territory_name=row.territory_name or "", territory_slug=row.territory_slug or "",
        title=row.title, title_html=highlight(row.title, terms, row.search_title), kind=row.kind,
        on_date=row.on_date, author_id=row.author_id, author_name=row.author_name or "",
        snippet=snippet(row.text, terms, folded=row.content), visibility=row.visibility) for row in rows]
    return results


def readable_territories(user) -> list[tuple[int, str]]:
    """``(id, name)`` of the territories whose research ``user`` reads something of, by name."""
    scope = research_scope(user)
    query = sa.select(Territory.id, Territory.name).order_by(Territory.name)
    if scope is not None:
        everywhere, per_territory = scope
        if not everywhere:
            ids = sorted(tid for tid, levels in per_territory.items() if levels)
            if not ids:
                return []
            query = query.where(Territory.id.in_(ids))
    return [(row.id, row.name) for row in db.session.execute(query)]
