"""The typed-number checker: numbers typed as plain text in narrative that look like figures.

Each one is compared with the current data for its section's indicator: a match suggests the
live reference that would replace it (and can be converted in one step); no match means the
text is stale or about something else, and an officer should look. Numbers that are part of
a unit, a date, a label, an age, an age band or a duration are not figures and are passed
over; one the checker still lists wrongly can be dismissed by an officer
(`dismiss`), until the section's text changes."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db import transaction

from core import formatting
from indicators.models import Unit, Value
from pages.models import DismissedNumber, Section
from pages.references import REFERENCE

# A figure: 1,234 or 638.6 or 27.6%; not part of a word, a code, a date or a reference.
NUMBER = re.compile(r"(?<![\w.,/-])(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?(%?)(?![\w/]|\.\d)")
YEAR = re.compile(r"^(19|20)\d\d$")
MONTHS = (
    r"(?:January|February|March|April|May|June|July|August|September|October|November|"
    r"December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)\.?"
)
# What a typed number is part of when it is not a figure the data could give. Each rule reads
# the text just before the number (…_BEFORE, ending where the number starts) or just after it
# (…_AFTER, starting where it ends).
UNIT_BEFORE = re.compile(r"\bper\s+$", re.I)  # the 10,000 of “per 10,000”
DATE_AFTER = re.compile(rf"\s+{MONTHS}(?!\w)", re.I)  # the 31 of “31 March 2014”
DATE_BEFORE = re.compile(rf"\b{MONTHS}\s+$", re.I)  # the 31 of “March 31”
DURATION_AFTER = re.compile(  # “12 months”, “3 years”, “a 12-month period”, “48 hours”
    r"\s*-?\s*(?:days?|weeks?|fortnights?|months?|years?|yrs?|hours?|hrs?|minutes?|mins?|"
    r"quarters?|terms?|decades?)(?!\w)",
    re.I,
)
AGE_BEFORE = re.compile(  # “aged 16”, “aged under 18”, “ages 5 to 10”, “age 65 and over”
    r"\b(?:aged?|ages)\s+(?:(?:under|over|below|above|between|from|up\s+to)\s+)?$", re.I
)
PEOPLE_BEFORE = re.compile(  # “children under 18”, “people over 65”
    r"\b(?:children|child|people|persons?|adults|women|men|girls|boys|residents|pupils|"
    r"babies|infants|young\s+people|those|anyone|everyone|population)\s+(?:aged\s+)?"
    r"(?:under|over|below|above)\s+$",
    re.I,
)
AGE_AFTER = re.compile(  # “16-year-olds”, “65+”, “16 and over”
    r"(?:\s*-?\s*years?[\s-]*olds?\b|\+|\s+(?:and|or)\s+(?:over|under|older|younger|above)\b)",
    re.I,
)
# An age band (or any range of small whole numbers): “1-4”, “16 to 24”, “10–15”.
BAND = r"\s*(?:-|–|—|to)\s*"
BAND_AFTER = re.compile(rf"{BAND}(\d{{1,3}})(?![\d,%]|\.\d|\s*per\b)", re.I)
BAND_BEFORE = re.compile(rf"(?<![\d.,])(\d{{1,3}}){BAND}$", re.I)
BAND_SECOND_BEFORE = re.compile(  # the 24 of “aged between 16 and 24”, “aged from 5 to 16”
    r"\baged?\s+(?:between\s+|from\s+)?\d{1,3}\s*(?:and|to|-|–|—)\s*$", re.I
)
CHANGE_BEFORE = re.compile(r"\bfrom\s+$", re.I)  # “rose from 30 to 40” is two figures
OLDEST_AGE = 120
# A label's whole number: “Key Stage 2”, “Section 47 enquiries”, “Tier 3”; and, with their
# capitals, “Year 10”, “Table 12”, “Figure 3” (“in the last year 45 children…”, “the figure
# 612.4” are figures).
LABEL_BEFORE = re.compile(
    r"(?:\b(?i:key\s+stage|stage|level|tier|section|schedule|phase|step|decile|quintile|"
    r"band|grade|paragraph|para|article|wave|round|version|no\.)"
    r"|\b(?:Year|Table|Figure|Chart|Chapter|Appendix|Page|Part))\s+$"
)


@dataclass
class TypedNumber:
    section: Section
    start: int
    end: int
    text: str
    matches: list[Value]
    #: What a dismissal of it is remembered by (`finding_key`), from the text it was found in.
    key: str = ""
    dismissed: bool = False

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


def part_of_something_else(body: str, start: int, end: int, plain: bool) -> bool:
    """Whether the number at body[start:end] is part of a unit or a date, or (a whole number,
    `plain`) a label, an age, an age band or a duration, rather than a figure."""
    before, after = body[:start], body[end:]
    if UNIT_BEFORE.search(before) or DATE_AFTER.match(after) or DATE_BEFORE.search(before):
        return True
    if not plain:  # “43.5 years”, “27.6% aged under 18”: figures, not ages or durations
        return False
    if LABEL_BEFORE.search(before):
        return True
    if DURATION_AFTER.match(after) or AGE_AFTER.match(after):
        return True
    if AGE_BEFORE.search(before) or PEOPLE_BEFORE.search(before):
        return True
    if BAND_SECOND_BEFORE.search(before):
        return True
    number = int(body[start:end])
    band_after = BAND_AFTER.match(after)
    if band_after and not CHANGE_BEFORE.search(before):
        return _band(number, int(band_after.group(1)))
    band_before = BAND_BEFORE.search(before)
    if band_before and not CHANGE_BEFORE.search(before[: band_before.start()]):
        return _band(int(band_before.group(1)), number)
    return False


def _band(low: int, high: int) -> bool:
    return low < high <= OLDEST_AGE


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
        plain = not (decimals or percent or "," in whole)
        if part_of_something_else(body, match.start(), match.end(), plain):
            continue
        try:
            number = Decimal(whole.replace(",", "") + decimals)
        except InvalidOperation:
            continue
        matches = [v for v in values if matches_typed(v, number, decimals, percent)]
        key = finding_key(body, match.start(), match.group(0))
        found.append(TypedNumber(section, match.start(), match.end(), match.group(0), matches, key))
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


def finding_key(body: str, start: int, text: str) -> str:
    """What a dismissal is remembered by: the section's whole text, and where in it the number
    is. Any change to the text gives another key, and the number is listed again."""
    return hashlib.sha256(f"{start}:{text}\n{body}".encode()).hexdigest()


def check_sections(sections: list[Section], *, with_dismissed: bool = False) -> list[TypedNumber]:
    """Typed numbers in these sections, without those an officer has dismissed (unless
    `with_dismissed`, when they are marked `dismissed`). Two queries: the data of all the
    sections' indicators, and the dismissals."""
    indicator_ids = {s.indicator_id for s in sections if s.indicator_id}
    values = list(Value.objects.public().filter(indicator_id__in=indicator_ids).with_related())
    by_indicator: dict[int, list[Value]] = {}
    for value in values:
        by_indicator.setdefault(value.indicator_id, []).append(value)
    found = []
    for section in sections:
        found += typed_numbers(section, by_indicator.get(section.indicator_id, []))
    if not found:
        return found
    dismissed = set(
        DismissedNumber.objects.filter(key__in=[n.key for n in found]).values_list("key", flat=True)
    )
    for number in found:
        number.dismissed = number.key in dismissed
    return found if with_dismissed else [n for n in found if not n.dismissed]


def dismiss(section: Section, start: int, text: str, user=None) -> bool:
    """Stop listing the number `text` at `start` in the section's text as it is now. False
    (nothing remembered) if the text has changed and no such number is there."""
    if not any(n.start == start and n.text == text for n in typed_numbers(section, [])):
        return False
    DismissedNumber.objects.get_or_create(
        key=finding_key(section.body, start, text),
        defaults={"text": text, "section": section, "dismissed_by": user},
    )
    return True


def restore(key: str) -> bool:
    """List a dismissed number again."""
    return DismissedNumber.objects.filter(key=key).delete()[0] > 0


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
