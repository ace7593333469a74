"""The typed-number checker: numbers typed as plain text in narrative that look like figures.

Each one is compared with the current data for its section's indicator: a match suggests the
live reference that would replace it (and can be converted in one step); no match means the
text is stale or about something else, and an officer should look."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db import transaction

from core import formatting
from indicators.models import Unit, Value
from pages.models import Section
from pages.references import REFERENCE

# A figure: 1,234 or 638.6 or 27.6%; not part of a word, a code, a date or a reference.
NUMBER = re.compile(r"(?<![\w.,/-])(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?(%?)(?![\w/]|\.\d)")
YEAR = re.compile(r"^(19|20)\d\d$")
MONTH = re.compile(
    r"\s+(January|February|March|April|May|June|July|August|September|October|November|"
    r"December)\b"
)
UNIT_BEFORE = re.compile(r"\bper\s+$")


@dataclass
class TypedNumber:
    section: Section
    start: int
    end: int
    text: str
    matches: list[Value]

    @property
    def status(self) -> str:
        if not self.section.indicator_id:
            return "no indicator"
        return "matches current data" if self.matches else "does not match current data"

    @property
    def suggestion(self) -> str:
        return reference_for(self.section, self.matches[0]) if len(self.matches) == 1 else ""


def looks_like_a_figure(text: str, whole: str, decimals: str, percent: str) -> bool:
    if decimals or percent or "," in whole:
        return True
    return not YEAR.match(whole) and int(whole) >= 10


def typed_numbers(section: Section, values: list[Value]) -> list[TypedNumber]:
    """The figure-like numbers in a section's body outside its references."""
    body = section.body
    protected = [m.span() for m in REFERENCE.finditer(body)]
    found = []
    for match in NUMBER.finditer(body):
        if any(a <= match.start() < b for a, b in protected):
            continue
        whole, decimals, percent = match.group(1), match.group(2) or "", match.group(3)
        if not looks_like_a_figure(match.group(0), whole, decimals, percent):
            continue
        # “per 10,000” is a unit and “31 March” a date, not figures.
        if UNIT_BEFORE.search(body[: match.start()]) or MONTH.match(body, match.end()):
            continue
        try:
            number = Decimal(whole.replace(",", "") + decimals)
        except InvalidOperation:
            continue
        matches = [v for v in values if matches_typed(v, number, decimals, percent)]
        found.append(TypedNumber(section, match.start(), match.end(), match.group(0), matches))
    return found


def matches_typed(value: Value, number: Decimal, decimals: str, percent: str) -> bool:
    if value.value is None:
        return False
    if percent and value.indicator.unit != Unit.PERCENTAGE:
        return False
    places = max(len(decimals) - 1, 0)
    return round(value.value, places) == number


def reference_for(section: Section, value: Value) -> str:
    parts = [value.indicator.slug]
    if section.topic.area_id != value.area_id:
        parts.append(f"area={value.area.display_name}")
    if value.breakdown_id:
        parts.append(f"breakdown={value.breakdown.dimension}: {value.breakdown.label}")
    parts.append(f"period={value.period.code}")
    return "{{" + " | ".join(parts) + "}}"


def check_sections(sections: list[Section]) -> list[TypedNumber]:
    """Typed numbers in these sections (one query for the data of all their indicators)."""
    indicator_ids = {s.indicator_id for s in sections if s.indicator_id}
    values = list(Value.objects.public().filter(indicator_id__in=indicator_ids).with_related())
    by_indicator: dict[int, list[Value]] = {}
    for value in values:
        by_indicator.setdefault(value.indicator_id, []).append(value)
    found = []
    for section in sections:
        found += typed_numbers(section, by_indicator.get(section.indicator_id, []))
    return found


@transaction.atomic
def convert(section: Section, text: str, reference: str) -> bool:
    """Replace the first plain occurrence of `text` in the section by `reference`, where it
    still matches. The unit the reference adds (e.g. “ per 10,000”) is not written twice."""
    section = Section.objects.select_for_update().select_related("topic").get(pk=section.pk)
    candidates = [n for n in check_sections([section]) if n.text == text and n.suggestion]
    if not candidates or candidates[0].suggestion != reference:
        return False
    typed = candidates[0]
    match = typed.matches[0]
    rendered = formatting.with_unit(match.indicator, match.value)
    rest = rendered[len(typed.text) :] if rendered.startswith(typed.text) else ""
    end = typed.end + (len(rest) if rest and section.body[typed.end :].startswith(rest) else 0)
    section.body = section.body[: typed.start] + reference + section.body[end:]
    section.full_clean()
    section.save()
    return True
