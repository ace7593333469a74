"""Finding an area by its name or its GSS code, for the area finder, its suggestions as the
visitor types, and the areas listed first in the site search.

Every area is a candidate, current or former: a former area is found under its own name and
marked as such. A match is one of, best first:

1. the exact GSS code, in any case ("e07000123");
2. an exact name (the area's name, its short name or the name ONS gives it), ignoring case,
   accents and punctuation ("st helens" is "St. Helens");
3. the start of a name, or the start of a code ("pres", "E0700012");
4. the start of a word in a name ("darwen" finds Blackburn with Darwen);
5. a small typo ("Prestn"): each word typed within an edit distance of one or two (the longer
   the word, the more it allows) of a word of the name, or of the start of the last one.

Within each kind, current areas come before former ones, then the closer match before the
further (of a name's start, the shorter name; of typos, the nearer); then larger areas (a
county before a district) and names A to Z.

A search is one query. On PostgreSQL it asks for the candidates: areas whose code starts so,
whose names contain the query, or whose names are similar to it by trigram word similarity
(pg_trgm, migration 0015), which also finds typos without reading every area. Elsewhere it
reads every area (a few hundred rows, even with the whole of England's geography). Either
way the rules above are applied here, in Python, so both databases find and rank the same.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import IntEnum

from django.db import connection
from django.db.models import Q, QuerySet

from indicators.models import Area, AreaType
from indicators.selectors import AreaFacts, area_facts

MAX_QUERY_LENGTH = 100
SUGGESTIONS = 10
#: PostgreSQL's word similarity (0 to 1) from which an area is a candidate for a typo of the
#: query, which the edit distance then decides: "prestn" and "Preston" score 0.71, "wire"
#: and "Wyre" 0.4, "pendel" and "Pendle" 0.5.
TRIGRAM_THRESHOLD = 0.3
#: How many candidates PostgreSQL returns for ranking here, the most similar first.
MAX_CANDIDATES = 200

_CODE = re.compile(r"^[EWSNKJ]\d{0,8}$", re.IGNORECASE)
_NOT_WORD = re.compile(r"[\W_]+")


class Kind(IntEnum):
    """How an area matched, best first."""

    CODE = 0
    NAME = 1
    PREFIX = 2
    WORD = 3
    TYPO = 4


@dataclass(frozen=True)
class AreaMatch:
    area: AreaFacts
    parent: AreaFacts | None
    kind: Kind
    closeness: float = 1.0  # how much of the name was typed, or how close a typo is: 0 to 1
    size: int = 0  # the area type's place from the largest (0, countries) to the smallest

    @property
    def is_typo(self) -> bool:
        return self.kind == Kind.TYPO

    @property
    def is_clear(self) -> bool:
        """An exact code or an exact name: a match the finder may go straight to."""
        return self.kind in (Kind.CODE, Kind.NAME)

    def as_json(self) -> dict[str, object]:
        return {
            "name": self.area.display_name,
            "code": self.area.code,
            "type": self.area.type_label,
            "parent": self.parent.display_name if self.parent else "",
            "former": not self.area.is_current,
            "url": self.area.url,
        }


def normalise(text: str) -> str:
    """Lower case, without accents, punctuation or extra spaces: "St. Helens" → "st helens"."""
    decomposed = unicodedata.normalize("NFKD", text)
    folded = "".join(char for char in decomposed if not unicodedata.combining(char)).casefold()
    return " ".join(_NOT_WORD.sub(" ", folded).split())


def clean_query(raw: str) -> str:
    """What the visitor typed, tidied and shortened: what is searched for and shown back."""
    cleaned = "".join(" " if unicodedata.category(char)[0] == "C" else char for char in raw)
    return " ".join(cleaned.split())[:MAX_QUERY_LENGTH].strip()


def find_areas(text: str, *, limit: int | None = None) -> list[AreaMatch]:
    """The areas matching `text`, best first (at most `limit`): one query."""
    query = normalise(text)
    if not query:
        return []
    code = text.strip().upper() if _CODE.match(text.strip()) else ""
    postgres = connection.vendor == "postgresql"
    candidates = _postgres_candidates(text.strip(), code) if postgres else _every_area()
    matches = []
    for area in candidates:
        match = _match(area, query, code)
        if match is not None:
            matches.append(match)
    matches.sort(key=_rank)
    return matches[:limit] if limit is not None else matches


def clear_match(matches: list[AreaMatch]) -> AreaMatch | None:
    """The one area the visitor clearly meant: the code given, or the only area of that
    name; None when there is no such match or several areas share the name."""
    clear = [match for match in matches if match.is_clear]
    if clear and clear[0].kind == Kind.CODE:
        return clear[0]
    return clear[0] if len(clear) == 1 else None


def _every_area() -> QuerySet[Area]:
    return Area.objects.select_related("parent").order_by()


def _postgres_candidates(text: str, code: str) -> QuerySet[Area]:
    # Imported here so that a SQLite-only installation never needs the PostgreSQL modules.
    from django.contrib.postgres.search import TrigramWordSimilarity
    from django.db.models.functions import Greatest

    similarity = Greatest(
        TrigramWordSimilarity(text, "name"),
        TrigramWordSimilarity(text, "short_name"),
        TrigramWordSimilarity(text, "ons_name"),
    )
    found = Q(similarity__gte=TRIGRAM_THRESHOLD)
    for field in ("name", "short_name", "ons_name"):
        found |= Q(**{f"{field}__icontains": text})
    if code:
        found |= Q(code__istartswith=code)
    return (
        _every_area()
        .annotate(similarity=similarity)
        .filter(found)
        .order_by("-similarity", "pk")[:MAX_CANDIDATES]
    )


def _match(area: Area, query: str, code: str) -> AreaMatch | None:
    names = {normalise(name) for name in (area.name, area.short_name, area.ons_name) if name}
    kind: Kind | None = None
    closeness = 1.0
    if code and area.code == code:
        kind = Kind.CODE
    elif query in names:
        kind = Kind.NAME
    elif code and area.code.startswith(code):
        kind = Kind.PREFIX
    elif starting := [name for name in names if name.startswith(query)]:
        kind, closeness = Kind.PREFIX, len(query) / min(map(len, starting))
    elif within := [name for name in names if f" {query}" in f" {name}"]:
        kind, closeness = Kind.WORD, len(query) / min(map(len, within))
    else:
        closeness = max((_typo_closeness(query, name) for name in names), default=0.0)
        if closeness > 0:
            kind = Kind.TYPO
    if kind is None:
        return None
    parent = area_facts(area.parent) if area.parent_id else None
    return AreaMatch(area_facts(area), parent, kind, closeness, _SIZES.get(area.area_type, 99))


def _rank(match: AreaMatch) -> tuple:
    return (
        match.kind,
        not match.area.is_current,
        -match.closeness,
        match.size,
        match.area.display_name.casefold(),
        match.area.code,
    )


# Area types from the largest to the smallest, as AreaType lists them.
_SIZES = {area_type: size for size, area_type in enumerate(AreaType.values)}


def allowed_typos(word: str) -> int:
    """How many letters may be wrong in a word: none up to three letters, one up to five,
    two from six."""
    if len(word) <= 3:
        return 0
    return 1 if len(word) <= 5 else 2


def _typo_closeness(query: str, name: str) -> float:
    """For a query that is a typo of the name (each word typed within its allowed edit
    distance of a word of the name, or of the start of one, the last word as it is being
    typed): 1 less the share of letters wrong; otherwise 0."""
    typed, words = query.split(), name.split()
    wrong = 0
    for position, word in enumerate(typed):
        allowed = allowed_typos(word)
        if not allowed:
            if word not in words:
                return 0.0
            continue
        whole = min(edit_distance(word, candidate, allowed) for candidate in words)
        start = allowed + 1
        if position == len(typed) - 1:  # perhaps still being typed: the start of a word
            start = min(edit_distance(word, candidate[: len(word)], allowed) for candidate in words)
        if min(whole, start) > allowed:
            return 0.0
        # A typo of a whole word is closer than one of a word's start.
        wrong += min(whole, start + 0.5)
    return max(1 - wrong / max(len(query), 1), 0.01)


def edit_distance(a: str, b: str, limit: int) -> int:
    """The Levenshtein distance between two words, or `limit + 1` once it is surely more
    than `limit` (so that a long list of words is compared quickly)."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, start=1):
        current = [i]
        for j, char_b in enumerate(b, start=1):
            current.append(
                min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char_a != char_b))
            )
        if min(current) > limit:
            return limit + 1
        previous = current
    return min(previous[-1], limit + 1)
