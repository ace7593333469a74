"""The site search (the A to Z is in `pages.a_z`, whose names are also importable from here).

Search looks through published
topics (title, keywords, summary, section headings, narrative and the names of the indicators
their sections show) and through those indicators themselves:

- on PostgreSQL with full-text search (`english` stemming, `websearch_to_tsquery` syntax,
  weights A to D and `ts_rank`);
- elsewhere (SQLite) with a fallback that splits the query into words, trims common English
  endings and matches each word at the start of a word in any field, every word being needed.

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
from django.db.models import (
    Case,
    CharField,
    Exists,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Cast, Greatest
from django.urls import reverse
from django.utils.html import escape, strip_tags
from django.utils.safestring import SafeString, mark_safe

from indicators.area_search import AreaMatch, allowed_typos, edit_distance, find_areas
from indicators.models import Indicator

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
from pages.models import Section, Topic

MAX_QUERY_LENGTH = 200
MAX_TERMS = 10
SEARCH_CONFIG = "english"
SNIPPET_LENGTH = 240
MAX_AREAS = 5  # areas listed above the topics and indicators
#: How close (pg_trgm's word similarity, 0 to 1) a title or keyword must be to a query that
#: matched nothing as typed: "safegaurding" and "Safeguarding" score 0.69.
TRIGRAM_THRESHOLD = 0.5
EXACT, TYPO = 0, 1  # how a hit matched: the words as typed, or allowing for a typo


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


def indicators_on_published_topics() -> QuerySet[Indicator]:
    on_page = Section.objects.filter(indicator=OuterRef("pk"), topic__in=published_topics())
    return Indicator.objects.filter(Exists(on_page))


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
        hits = _hits(_postgres_hits(query))
        exact = [hit for hit in hits if hit.tier == EXACT]
        if exact or not hits:
            return Found(exact, query, areas)
        # Found allowing for a typo: the correction, as on SQLite, to highlight.
        return Found(hits, _corrected(query) or query, areas)
    if not query.patterns:
        return Found([], query, areas)
    hits = _hits(_fallback_hits(query))
    if hits:
        return Found(hits, query, areas)
    corrected = _corrected(query)
    if corrected is None:
        return Found([], query, areas)
    return Found(_hits(_fallback_hits(corrected, tier=TYPO)), corrected, areas)


def _hits(rows: QuerySet) -> list[Hit]:
    hits = [Hit(kind, pk, float(rank), title, tier) for kind, pk, tier, rank, title in rows]
    hits.sort(
        key=lambda hit: (hit.tier, -hit.rank, hit.kind != "topic", hit.title.casefold(), hit.pk)
    )
    return hits


def _kind(name: str) -> Value:
    return Value(name, output_field=CharField())


def _postgres_hits(query: ParsedQuery) -> QuerySet:
    # Imported here so that a SQLite-only installation never needs the PostgreSQL modules.
    from django.contrib.postgres.aggregates import StringAgg
    from django.contrib.postgres.search import (
        SearchQuery,
        SearchRank,
        SearchVector,
        TrigramWordSimilarity,
    )

    def joined(field_name: str) -> Subquery:
        """The text of one field of all the topic's sections, for one vector."""
        return Subquery(
            Section.objects.filter(topic=OuterRef("pk"))
            .order_by()
            .values("topic")
            .annotate(text=StringAgg(field_name, delimiter="\n"))
            .values("text")
        )

    def vector(*weighted: tuple[object, str]) -> SearchVector:
        parts = [
            SearchVector(source, weight=weight, config=SEARCH_CONFIG) for source, weight in weighted
        ]
        combined = parts[0]
        for part in parts[1:]:
            combined = combined + part
        return combined

    text_query = SearchQuery(query.text, config=SEARCH_CONFIG, search_type="websearch")
    matches = Q(document=text_query)
    topics = (
        published_topics()
        .annotate(
            document=vector(
                ("title", "A"),
                ("keywords", "B"),
                ("summary", "C"),
                (joined("heading"), "C"),
                (joined("indicator__name"), "C"),
                (joined("body"), "D"),
            ),
            # A typo's closeness to the title or a keyword (pg_trgm, migration 0015).
            similarity=Greatest(
                TrigramWordSimilarity(query.text, "title"),
                TrigramWordSimilarity(query.text, "keywords"),
            ),
        )
        .filter(matches | Q(similarity__gte=TRIGRAM_THRESHOLD))
        .annotate(
            kind=_kind("topic"),
            tier=Case(When(matches, then=Value(EXACT)), default=Value(TYPO)),
            # Four weights for five kinds of text: a match in the summary also counts a
            # little on its own, so that it ranks above one in a section heading (both C).
            rank=Case(
                When(
                    matches,
                    then=SearchRank(F("document"), text_query)
                    + SearchRank(
                        SearchVector("summary", weight="C", config=SEARCH_CONFIG), text_query
                    )
                    * Value(0.1),
                ),
                default=F("similarity"),
                output_field=FloatField(),
            ),
        )
        .order_by()
        .values_list("kind", "pk", "tier", "rank", "title")
    )
    indicators = (
        indicators_on_published_topics()
        .annotate(document=vector(("name", "C"), ("definition", "D")))
        .filter(document=text_query)
        .annotate(
            kind=_kind("indicator"),
            tier=Value(EXACT),
            rank=Cast(SearchRank(F("document"), text_query), FloatField()),
        )
        .order_by()
        .values_list("kind", "pk", "tier", "rank", "name")
    )
    return topics.union(indicators, all=True)


# Fallback weights, in the order of PostgreSQL's A to D: a word in the title counts most.
WEIGHTS = {"title": 10, "keywords": 6, "summary": 4, "heading": 2, "indicator": 2, "body": 1}


def _score(condition: Q | Exists, weight: int) -> Case:
    return Case(When(condition, then=Value(weight)), default=Value(0), output_field=IntegerField())


def _fallback_hits(query: ParsedQuery, tier: int = EXACT) -> QuerySet:
    topics = published_topics()
    indicators = indicators_on_published_topics()
    topic_score: list[Case] = []
    indicator_score: list[Case] = []
    for pattern in query.patterns:
        sections = Section.objects.filter(topic=OuterRef("pk"))
        fields: dict[str, Q | Exists] = {
            "title": Q(title__iregex=pattern),
            "keywords": Q(keywords__iregex=pattern),
            "summary": Q(summary__iregex=pattern),
            "heading": Exists(sections.filter(heading__iregex=pattern)),
            "indicator": Exists(sections.filter(indicator__name__iregex=pattern)),
            "body": Exists(sections.filter(body__iregex=pattern)),
        }
        anywhere = Q()
        for name, condition in fields.items():
            anywhere |= condition
            topic_score.append(_score(condition, WEIGHTS[name]))
        topics = topics.filter(anywhere)  # Every word must be found somewhere.
        name, definition = Q(name__iregex=pattern), Q(definition__iregex=pattern)
        indicators = indicators.filter(name | definition)
        indicator_score += [
            _score(name, WEIGHTS["indicator"]),
            _score(definition, WEIGHTS["body"]),
        ]
    topics = topics.annotate(
        kind=_kind("topic"), tier=Value(tier), rank=sum(topic_score[1:], topic_score[0])
    )
    indicators = indicators.annotate(
        kind=_kind("indicator"), tier=Value(tier), rank=sum(indicator_score[1:], indicator_score[0])
    )
    return (
        topics.order_by()
        .values_list("kind", "pk", "tier", "rank", "title")
        .union(indicators.order_by().values_list("kind", "pk", "tier", "rank", "name"), all=True)
    )


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


def _describe_topic(topic: Topic, pattern: re.Pattern[str] | None) -> SearchResult:
    result = SearchResult(kind="topic", title=topic.title, url=topic.get_absolute_url())
    if pattern:
        found = [word for word in topic.keyword_list if pattern.search(word)]
        result.matched_keywords = highlight(", ".join(found), pattern)
    if not pattern or pattern.search(topic.summary):
        result.snippet = highlight(excerpt(topic.summary, pattern), pattern)
        return result
    for section in topic.sections.all():
        body = plain_text(section.body)
        indicator_name = section.indicator.name if section.indicator else ""
        if any(pattern.search(text) for text in (section.heading, indicator_name, body)):
            result.section_heading = section.heading
            result.section_url = f"{result.url}#{section.anchor}"
            result.snippet = highlight(excerpt(body, pattern), pattern)
            return result
    # Found by PostgreSQL's stemming in a form the highlighter does not know: the summary.
    result.snippet = highlight(excerpt(topic.summary, pattern), pattern)
    return result
