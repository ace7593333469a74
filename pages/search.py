"""The site search (the A to Z is in `pages.a_z`, whose names are also importable from here).

Search looks through published topics (title, keywords, summary, section headings, narrative
and the names of the indicators their sections show) and through those indicators
themselves, in the stored index of `pages.search_index` (one document each, kept up to date
by signals; `manage.py rebuild_search_index` writes it all again):

- on PostgreSQL its stored tsvector (`english` stemming, weights A to D) through a GIN index,
  with `websearch_to_tsquery` syntax and `ts_rank`;
- on SQLite its FTS5 table (Porter stemming), with the same syntax (`fts_query`: "phrases",
  `or`, `-word`; every word quoted, so FTS5's own syntax never reaches it) and `bm25()`
  weighted as PostgreSQL weights A to D.

Both order the results by the same rules (`_hits`): by where the words were found (all in
the title; within the title and keywords; ... summary; ... headings and indicators' names;
anywhere, the narrative included), then rank, topics before indicators, then title. Which
topics and indicators may be found is decided at every search from the live tables (published
topics under no unpublished page, indicators that such a topic shows), never by the index,
so a stale document can never show what is not public.

When nothing matches the words as typed, topics whose title or keywords are close to them
are offered instead ("safegaurding" finds the page with the keyword Safeguarding): on
PostgreSQL by pg_trgm's trigram word similarity (migration indicators 0015), in the same
query; elsewhere by correcting each word to the nearest word of the published titles and
keywords (the A to Z's, cached) within an edit distance of one or two, and searching again.

Areas whose name or GSS code matches (`indicators.area_search`) are listed first.

Either way a search is a fixed number of queries, however many topics there are: one for the
matching areas, one for the matching topics and indicators together, and a few to describe
the page of results (and on SQLite, for a typo, the A to Z and the search again).
Snippets are escaped first and only then wrapped in <mark>, so nothing from the database is
ever trusted as HTML.
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Literal, NamedTuple

from django.db import connection
from django.db.models import Prefetch
from django.urls import reverse
from django.utils.html import escape, strip_tags
from django.utils.safestring import SafeString, mark_safe

from indicators.area_search import AreaMatch, allowed_typos, edit_distance, find_areas
from indicators.models import Indicator
from pages import search_index

# The A to Z's names, also from here as before (and its signals connected with this module).
from pages.a_z import (  # noqa: F401
    LETTERS,
    OTHER,
    AZEntry,
    AZIndex,
    a_z_index,
    forget_a_z,
    published_topics,
    sort_key,
)
from pages.markdown import render_markdown
from pages.models import Section, Status, Topic

MAX_QUERY_LENGTH = 200
MAX_TERMS = 10
SEARCH_CONFIG = search_index.SEARCH_CONFIG
SNIPPET_LENGTH = 240
MAX_AREAS = 5  # areas listed above the topics and indicators
#: How close (pg_trgm's word similarity, 0 to 1) a title or keyword must be to a query that
#: matched nothing as typed: "safegaurding" and "Safeguarding" score 0.69.
TRIGRAM_THRESHOLD = 0.5
EXACT, TYPO = 0, 1  # how a hit matched: the words as typed, or allowing for a typo
#: Where the words were found, best first: each level is every field up to it, so KEYWORDS is
#: "within the title and keywords" (the words may be split between the two); HEADINGS takes
#: in the names of the sections' indicators (and an indicator's own name), BODY everything.
TITLE, KEYWORDS, SUMMARY, HEADINGS, BODY = range(5)


# --- Queries -------------------------------------------------------------------------------

_WORD = re.compile(r"[^\W_]+(?:['’\-‐‑][^\W_]+)*")
_SEPARATOR = re.compile(r"(['’\-‐‑])")
_STOP_WORDS = frozenset(
    "a about an and are as at be by for from how in into is it of on or that the this to "
    "what when where which who why with".split()
)


def stem(word: str) -> str:
    """A prefix that the word's common English forms share: "referrals" and "referral" give
    "referr"; "safeguarding" gives "safeguard"; "families" and "family" give "famil".

    Deliberately simple: it serves the fallback search and the highlighting of snippets."""
    word = re.sub(r"['’]s$", "", word)
    rules = (
        ("ies", 3),
        ("ings", 4),
        ("ing", 4),
        ("als", 5),
        ("al", 5),
        ("ed", 4),
    )
    for suffix, shortest_stem in rules:
        if word.endswith(suffix) and len(word) - len(suffix) >= shortest_stem:
            return word[: -len(suffix)]
    if re.search(r"(?:[sxz]|ch|sh)es$", word) and len(word) > 5:
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")) and len(word) > 3:
        return word[:-1]
    if re.search(r"[^aeiou]y$", word) and len(word) > 4:
        return word[:-1]
    return word


def _term_pattern(term: str) -> str:
    """A regular expression that finds the term at the start of a word, any hyphen or
    apostrophe in it optional or either kind ("re-referr" finds "Re-referrals")."""
    parts = []
    for piece in _SEPARATOR.split(term):
        if not piece:
            continue
        if piece in "'’":
            parts.append("['’]?")
        elif piece in "-‐‑":
            parts.append(r"[-‐‑\s]?")
        else:
            parts.append(re.escape(piece))
    return r"\b" + "".join(parts)


@dataclass(frozen=True)
class ParsedQuery:
    """What the reader asked for, made safe to search for and to show back."""

    text: str  # Tidied and shortened: what is searched for and shown back.
    was_shortened: bool = False
    terms: tuple[str, ...] = ()  # Stems of the words that are not stop words.
    patterns: tuple[str, ...] = field(default=(), repr=False)

    @property
    def highlighter(self) -> re.Pattern[str] | None:
        if not self.patterns:
            return None
        return re.compile(r"(?:" + "|".join(self.patterns) + r")[\w'’]*", re.IGNORECASE)


def parse_query(raw: str) -> ParsedQuery:
    # Control characters (NUL included, which PostgreSQL refuses) and unassigned code points
    # go; everything else is kept, to be escaped on the way out.
    cleaned = "".join(
        " " if unicodedata.category(char) in {"Cc", "Cs", "Co", "Cn"} else char for char in raw
    )
    cleaned = " ".join(cleaned.split())
    was_shortened = len(cleaned) > MAX_QUERY_LENGTH
    if was_shortened:
        cleaned = cleaned[:MAX_QUERY_LENGTH].rstrip()
    terms: list[str] = []
    for match in _WORD.finditer(cleaned.casefold()):
        word = match.group()
        if word in _STOP_WORDS:
            continue
        term = stem(word)
        if term not in terms:
            terms.append(term)
    terms = terms[:MAX_TERMS]
    return ParsedQuery(
        text=cleaned,
        was_shortened=was_shortened,
        terms=tuple(terms),
        patterns=tuple(_term_pattern(term) for term in terms),
    )


class Hit(NamedTuple):
    kind: Literal["topic", "indicator"]
    pk: int
    rank: float
    title: str
    tier: int = EXACT  # EXACT, or TYPO for a topic found only by allowing for a typo
    level: int = TITLE  # where the words were found: TITLE, KEYWORDS, ... BODY


@dataclass(frozen=True)
class Found:
    """What a search found: areas by name or code, then topics and indicators."""

    hits: list[Hit]
    query: ParsedQuery  # what the hits are for (on SQLite, a typo's correction), to highlight
    areas: list[AreaMatch] = field(default_factory=list)

    @property
    def allows_for_typos(self) -> bool:
        """Nothing matched the words as typed: these topics are close to them."""
        return bool(self.hits) and self.hits[0].tier == TYPO


def find(query: ParsedQuery) -> Found:
    """Matching areas, then topics and indicators, best first: two queries (one for areas,
    one for topics and indicators together).

    When nothing matches the words as typed, topics whose titles or keywords are close to
    them are found instead: on PostgreSQL by trigram word similarity, in the same query; on
    SQLite by correcting each word to the nearest word of the A to Z's titles and keywords
    (cached; one query when it is not) within an edit distance of one or two, and searching
    again (one more query)."""
    if not query.text:
        return Found([], query)
    areas = find_areas(query.text, limit=MAX_AREAS)
    if connection.vendor == "postgresql":
        hits = _hits(_postgres_rows(query))
        exact = [hit for hit in hits if hit.tier == EXACT]
        if exact or not hits:
            return Found(exact, query, areas)
        # Found allowing for a typo: the correction, as on SQLite, to highlight.
        return Found(hits, _corrected(query) or query, areas)
    if connection.vendor != "sqlite":
        raise NotImplementedError("The site search needs PostgreSQL or SQLite.")
    match = fts_query(query.text)
    if match is None:
        return Found([], query, areas)
    hits = _hits(_sqlite_rows(match))
    if hits:
        return Found(hits, query, areas)
    corrected = _corrected(query)
    match = fts_query(corrected.text) if corrected is not None else None
    if corrected is None or match is None:
        return Found([], query, areas)
    return Found(_hits(_sqlite_rows(match, tier=TYPO)), corrected, areas)


def _hits(rows: list[tuple]) -> list[Hit]:
    """The rows as hits, in the order both databases give them: the words as typed before a
    typo's correction; then by where the words were found (all of them in the title, then
    within the title and keywords, ... then only with the narrative); then rank; topics
    before indicators; then by title."""
    hits = [
        Hit(kind, pk, float(rank or 0), title, tier, level)
        for kind, pk, tier, level, rank, title in rows
    ]
    hits.sort(
        key=lambda hit: (
            hit.tier,
            hit.level,
            -hit.rank,
            hit.kind != "topic",
            hit.title.casefold(),
            hit.pk,
        )
    )
    return hits


# --- The stored index (`pages.search_index`) -------------------------------------------------

#: The columns of each level but the last (which is all of them), on SQLite.
_LEVEL_COLUMNS = (
    ("title",),
    ("title", "keywords"),
    ("title", "keywords", "summary"),
    ("title", "keywords", "summary", "headings", "indicators"),
)
#: The same on PostgreSQL: ``lead`` is the title, keywords and summary (A, B and C), ``vector``
#: everything (headings and indicators' names also C, the narrative D).
_POSTGRES_LEVELS = (
    "ts_filter(d.lead, '{a}')",
    "ts_filter(d.lead, '{a,b}')",
    "d.lead",
    "ts_filter(d.vector, '{a,b,c}')",
)


def _published(alias: str) -> tuple[str, list[object]]:
    """SQL that is true for a topic (`alias`) the public may see, as `Topic.published()`
    decides, read from the live table: published, with no unpublished page above it (a
    page whose path and a slash start the topic's path). The unpublished pages are the CTE
    ``hidden`` (`_HIDDEN`): few, and read once, where the ORM's form scans every topic
    for each topic on SQLite. tests/pages/test_search_index.py holds the two to the same."""
    return (
        f"({alias}.status = %s AND NOT EXISTS (SELECT 1 FROM hidden h "
        f"WHERE substr({alias}.path, 1, length(h.path) + 1) = h.path || '/'))",
        [Status.PUBLISHED],
    )


_HIDDEN = (
    "hidden AS MATERIALIZED (SELECT path FROM pages_topic "
    "WHERE draft_of_id IS NULL AND status <> %s)"
)


def _public(document: str = "d") -> tuple[str, list[object]]:
    """SQL that is true when the document's topic or indicator may be found: a published
    topic, or an indicator that is public (`Indicator.objects.public()`: a published topic
    shows it, or it was made public on its own). Decided from the live tables at every
    search, whatever the index holds."""
    topic, topic_params = _published("t")
    shown, shown_params = _published("st")
    sql = (
        f"((t.id IS NOT NULL AND {topic}) OR i.is_public OR (i.id IS NOT NULL AND EXISTS ("
        "SELECT 1 FROM pages_section s JOIN pages_topic st ON st.id = s.topic_id "
        f"WHERE s.indicator_id = i.id AND {shown})))"
    )
    return sql, [*topic_params, *shown_params]


_LIVE_JOINS = (
    "LEFT JOIN pages_topic t ON d.kind = 'topic' AND t.id = d.object_id "
    "LEFT JOIN indicators_indicator i ON d.kind = 'indicator' AND i.id = d.object_id"
)


def _fetch(sql: str, params: list[object]) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


_QUOTED = re.compile(r'"([^"]*)"?')


def fts_query(text: str) -> str | None:
    """An FTS5 query for the reader's words, or None when there is nothing to look for.

    It follows PostgreSQL's `websearch_to_tsquery`: every word is needed; "quoted words" are
    a phrase; `or` between words allows either; a word after a minus must be absent. Each
    word is written as an FTS5 string (FTS5's own syntax, `NEAR(`, `*`, `AND`, `:` and the
    like, is never passed through) and matched at the start of a word, as Porter stems it
    ("walrus" finds "Walruses"); stop words are left out except inside phrases. At most
    MAX_TERMS words."""
    groups: list[tuple[list[str], list[str]]] = [([], [])]
    count = 0
    position = 0
    folded = text.casefold()
    while position < len(folded) and count < MAX_TERMS:
        char = folded[position]
        if char.isspace():
            position += 1
            continue
        negated = char == "-" and (position == 0 or folded[position - 1].isspace())
        if negated:
            position += 1
            if position >= len(folded) or folded[position].isspace():
                continue
        phrase = folded[position] == '"'
        if phrase:
            match = _QUOTED.match(folded, position)
            assert match is not None
            words = [w.group() for w in _WORD.finditer(match.group(1))]
            position = match.end()
        else:
            end = position
            while end < len(folded) and not folded[end].isspace() and folded[end] != '"':
                end += 1
            piece = folded[position:end]
            position = end
            if piece == "or" and not negated:
                if groups[-1][0]:
                    groups.append(([], []))
                continue
            words = [w.group() for w in _WORD.finditer(piece) if w.group() not in _STOP_WORDS]
        words = [re.sub(r"['’]s$", "", word) for word in words][: MAX_TERMS - count]
        if not words:
            continue
        count += len(words)
        positive, negative = groups[-1]
        if phrase:
            (negative if negated else positive).append('"' + " ".join(words) + '"*')
        else:
            (negative if negated else positive).extend(f'"{word}"*' for word in words)
    alternatives = []
    for positive, negative in groups:
        if not positive:
            continue  # FTS5 has no "everything but": such a group is left out
        expression = "(" + " AND ".join(positive) + ")"
        for absent in negative:
            expression = f"({expression} NOT {absent})"
        alternatives.append(expression)
    return " OR ".join(alternatives) or None


def _sqlite_rows(match: str, tier: int = EXACT) -> list[tuple]:
    """The topics and indicators that match, from the FTS5 table: one query."""
    fts = search_index.FTS_TABLE
    weights = ", ".join(str(weight) for weight in search_index.WEIGHTS)
    levels = " ".join(
        f"WHEN d.id IN (SELECT rowid FROM {fts} WHERE {fts} MATCH %s) THEN {level}"
        for level in range(len(_LEVEL_COLUMNS))
    )
    level_params = ["{" + " ".join(columns) + "} : (" + match + ")" for columns in _LEVEL_COLUMNS]
    public, public_params = _public()
    sql = (
        f"WITH {_HIDDEN} "
        f"SELECT d.kind, d.object_id, {int(tier)}, CASE {levels} ELSE {BODY} END, "
        f"-bm25({fts}, {weights}), COALESCE(t.title, i.name) "
        f"FROM {fts} JOIN pages_searchdocument d ON d.id = {fts}.rowid {_LIVE_JOINS} "
        f"WHERE {fts} MATCH %s AND {public}"
    )
    return _fetch(sql, [Status.PUBLISHED, *level_params, match, *public_params])


def _postgres_rows(query: ParsedQuery) -> list[tuple]:
    """The topics and indicators that match, from the stored vectors (GIN index); or, when
    none does, the published topics whose title or a keyword is close to the words (pg_trgm's
    word similarity, migration indicators 0015). One query."""
    config = search_index.SEARCH_CONFIG
    levels = " ".join(
        f"WHEN {vector} @@ q THEN {level}" for level, vector in enumerate(_POSTGRES_LEVELS)
    )
    public, public_params = _public()
    published, published_params = _published("t")
    similarity = "GREATEST(word_similarity(%s, t.title), word_similarity(%s, t.keywords))"
    sql = (
        f"WITH {_HIDDEN}, "
        "exact AS MATERIALIZED ("
        f"SELECT d.kind, d.object_id, {EXACT} AS tier, CASE {levels} ELSE {BODY} END AS level, "
        "ts_rank(d.vector, q) AS rank, COALESCE(t.title, i.name) AS title "
        f"FROM websearch_to_tsquery('{config}'::regconfig, %s) q, pages_searchdocument d "
        f"{_LIVE_JOINS} WHERE d.vector @@ q AND {public}), "
        # Read only when nothing matched exactly (a one-time filter: no scan otherwise).
        f"close AS MATERIALIZED (SELECT t.id, t.title, {similarity} AS similarity "
        f"FROM pages_topic t WHERE NOT EXISTS (SELECT 1 FROM exact) AND {published}) "
        "SELECT * FROM exact UNION ALL "
        f"SELECT 'topic', id, {TYPO}, {TITLE}, similarity, title FROM close "
        "WHERE similarity >= %s"
    )
    params = [
        Status.PUBLISHED,
        query.text,
        *public_params,
        query.text,
        query.text,
        *published_params,
        TRIGRAM_THRESHOLD,
    ]
    return _fetch(sql, params)


def _vocabulary() -> frozenset[str]:
    """The words of published topics' titles and keywords, from the (cached) A to Z."""
    return frozenset(
        word
        for entry in a_z_index().entries
        for word in (match.group() for match in _WORD.finditer(entry.label.casefold()))
        if len(word) > 3
    )


def _corrected(query: ParsedQuery) -> ParsedQuery | None:
    """The query with each word that starts no word of the titles and keywords replaced by
    the nearest one within its allowed edit distance (`allowed_typos`); None if none is."""
    vocabulary = _vocabulary()
    words, changed = [], False
    for match in _WORD.finditer(query.text.casefold()):
        word = match.group()
        if word in _STOP_WORDS or any(known.startswith(stem(word)) for known in vocabulary):
            words.append(word)
            continue
        allowed = allowed_typos(word)
        distances = {known: edit_distance(word, known, allowed) for known in vocabulary}
        close = sorted((d, known) for known, d in distances.items() if d <= allowed)
        if close:
            words.append(close[0][1])
            changed = True
        else:
            words.append(word)
    return parse_query(" ".join(words)) if changed else None


# --- Results -------------------------------------------------------------------------------


@dataclass
class SearchResult:
    kind: Literal["topic", "indicator"]
    title: str
    url: str
    snippet: SafeString = field(default_factory=SafeString)
    # For a topic, its parents from the theme down; for an indicator, the topics showing it.
    context: list[tuple[str, str]] = field(default_factory=list)
    matched_keywords: SafeString = field(default_factory=SafeString)
    section_heading: str = ""
    section_url: str = ""


def highlight(text: str, pattern: re.Pattern[str] | None) -> SafeString:
    """The text escaped, with each match wrapped in <mark>."""
    if pattern is None:
        return escape(text)
    pieces: list[str] = []
    last = 0
    for match in pattern.finditer(text):
        pieces.append(escape(text[last : match.start()]))
        pieces.append(f"<mark>{escape(match.group())}</mark>")
        last = match.end()
    pieces.append(escape(text[last:]))
    return mark_safe("".join(pieces))  # Safe: every piece of text is escaped above.


def excerpt(text: str, pattern: re.Pattern[str] | None, length: int = SNIPPET_LENGTH) -> str:
    """About `length` characters of the text around its first match, cut at spaces."""
    match = pattern.search(text) if pattern else None
    start = 0
    if match and match.start() > length // 3:
        start = text.rfind(" ", 0, match.start() - length // 3) + 1
    end = start + length
    if end < len(text):
        end = max(text.rfind(" ", start, end), start + length // 2)
    else:
        end = len(text)
    return ("…" if start else "") + text[start:end].strip() + ("…" if end < len(text) else "")


def plain_text(markdown: str) -> str:
    """The words of officers' Markdown, without its markup."""
    return " ".join(html.unescape(strip_tags(render_markdown(markdown))).split())


def describe(hits: list[Hit], query: ParsedQuery) -> list[SearchResult]:
    """The results for one page of hits, in the same order; at most five queries."""
    pattern = query.highlighter
    topic_ids = [hit.pk for hit in hits if hit.kind == "topic"]
    indicator_ids = [hit.pk for hit in hits if hit.kind == "indicator"]
    described: dict[tuple[str, int], SearchResult] = {}
    if topic_ids:
        topics = list(
            Topic.objects.filter(pk__in=topic_ids).prefetch_related(
                Prefetch("sections", queryset=Section.objects.select_related("indicator"))
            )
        )
        paths = {path for topic in topics for path in _ancestor_paths(topic.path)}
        titles = (
            dict(Topic.objects.filter(path__in=paths).values_list("path", "title")) if paths else {}
        )
        for topic in topics:
            result = _describe_topic(topic, pattern)
            result.context = [
                (titles[path], reverse("pages:topic", kwargs={"path": path}))
                for path in _ancestor_paths(topic.path)
                if path in titles
            ]
            described["topic", topic.pk] = result
    if indicator_ids:
        shown_on = Section.objects.filter(topic__in=published_topics()).select_related("topic")
        indicators = Indicator.objects.filter(pk__in=indicator_ids).prefetch_related(
            Prefetch("sections", queryset=shown_on)
        )
        for indicator in indicators:
            shown = {section.topic.pk: section.topic for section in indicator.sections.all()}
            described["indicator", indicator.pk] = SearchResult(
                kind="indicator",
                title=indicator.name,
                url=indicator.get_absolute_url(),
                snippet=highlight(excerpt(indicator.definition, pattern), pattern),
                context=[(topic.title, topic.get_absolute_url()) for topic in shown.values()],
            )
    return [described[hit.kind, hit.pk] for hit in hits if (hit.kind, hit.pk) in described]


def _ancestor_paths(path: str) -> list[str]:
    """The paths of a topic's parents from the theme down: "a/b/c" gives "a", "a/b"."""
    parts = path.split("/")
    return ["/".join(parts[:depth]) for depth in range(1, len(parts))]


#: Markdown's marks within words ("**nitro**gen"), left out before a section's narrative is
#: looked through as written.
_MARKUP = re.compile(r"[*_`~\\]")


def _describe_topic(topic: Topic, pattern: re.Pattern[str] | None) -> SearchResult:
    result = SearchResult(kind="topic", title=topic.title, url=topic.get_absolute_url())
    if pattern:
        found = [word for word in topic.keyword_list if pattern.search(word)]
        result.matched_keywords = highlight(", ".join(found), pattern)
    if not pattern or pattern.search(topic.summary):
        result.snippet = highlight(excerpt(topic.summary, pattern), pattern)
        return result
    for section in topic.sections.all():
        indicator_name = section.indicator.name if section.indicator else ""
        raw = _MARKUP.sub("", section.body)
        if not any(pattern.search(text) for text in (section.heading, indicator_name, raw)):
            continue  # not here: no need to render its Markdown to know
        body = plain_text(section.body)
        if any(pattern.search(text) for text in (section.heading, indicator_name, body)):
            result.section_heading = section.heading
            result.section_url = f"{result.url}#{section.anchor}"
            result.snippet = highlight(excerpt(body, pattern), pattern)
            return result
    # Found by PostgreSQL's stemming in a form the highlighter does not know: the summary.
    result.snippet = highlight(excerpt(topic.summary, pattern), pattern)
    return result
