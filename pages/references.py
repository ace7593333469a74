"""Live figures in officers' narrative.

A reference is written in double braces and replaced, when the page is shown, by the figure
from the data, formatted with the indicator's unit and decimal places:

    {{referrals-rate}}                          the latest value for the page's area
    {{referrals-rate | area=England}}           another area, by name or GSS code
    {{referrals-rate | period=2012/13}}         a given period ("latest" is the default)
    {{cpp-ethnicity | breakdown=ethnicity: White British}}
    {{cpp-two-years | show=count}}              the count (numerator) instead of the value
    {{trend referrals-rate}}                    "up from 557.0 per 10,000 in 2011/12"
    {{compare referrals-rate | with=England}}   "higher than England (520.7 per 10,000)"
    {{rank cpp-rate | area=Preston}}            "the highest of the 12 districts"

A reference that cannot be read, or names an indicator, area, period or breakdown the site
does not have, is a validation error when the section is saved. One that names things the site
has but has no figure to show for them (`not_available`) is saved only when the officer
confirms it; one that stops resolving later (the data was deleted) is shown as a visible
"figure not available" marker.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q
from django.utils.html import format_html

from indicators.figures import area_name, compare, figure_text, tier_nouns, when
from indicators.models import Area, Breakdown, Indicator, Period, PublishedValue, Value
from indicators.models.areas import same_tier

REFERENCE = re.compile(r"\{\{\s*(.*?)\s*\}\}", re.S)
KINDS = {"value", "trend", "compare", "rank"}
KEYS = {"area", "period", "breakdown", "with", "show"}
SHOW = {"value", "count", "denominator"}
PLACEHOLDER = "JSNAREF{}X"


class ReferenceError(ValueError):
    """A reference that cannot be read or that names something the site does not have."""


@dataclass(frozen=True)
class Reference:
    text: str
    kind: str
    indicator: str
    options: tuple[tuple[str, str], ...] = ()

    def option(self, key: str, default: str = "") -> str:
        return dict(self.options).get(key, default)

    @property
    def code(self) -> str:
        """The reference as written in narrative, braces and all."""
        return f"{{{{{self.text}}}}}"


def parse(text: str) -> Reference:
    """Read the inside of one {{…}}. Raises ReferenceError saying what was expected."""
    parts = [p.strip() for p in text.split("|")]
    head = parts[0].split()
    if not head or len(head) > 2:
        raise ReferenceError(
            f"“{{{{{text}}}}}” is not a reference: write {{{{indicator-slug}}}} or "
            f"{{{{trend indicator-slug}}}}, with options after “|”."
        )
    kind, slug = ("value", head[0]) if len(head) == 1 else (head[0].lower(), head[1])
    if kind not in KINDS:
        raise ReferenceError(
            f"“{head[0]}” is not a kind of reference: use trend, compare or rank, or just the "
            f"indicator for its value."
        )
    options = []
    for part in parts[1:]:
        key, sep, value = part.partition("=")
        key, value = key.strip().lower(), value.strip()
        if not sep or key not in KEYS or not value:
            raise ReferenceError(
                f"“{part}” is not an option: use area=…, period=…, breakdown=…, with=… or "
                f"show=count."
            )
        options.append((key, value))
    if dict(options).get("show", "value") not in SHOW:
        raise ReferenceError("show= can be value, count or denominator.")
    if kind == "compare" and "with" not in dict(options):
        raise ReferenceError(f"Say what to compare with: {{{{compare {slug} | with=England}}}}.")
    return Reference(text=text, kind=kind, indicator=slug, options=tuple(options))


def find(markdown: str) -> list[Reference]:
    return [parse(m.group(1)) for m in REFERENCE.finditer(markdown or "")]


def problems(body: str, area: Area | None, *, resolver: Resolver | None = None) -> list[str]:
    """What is wrong with the references in a narrative, in words for the officer who wrote
    it, for a page about `area`: the first that cannot be read, or else each that names
    something the site does not have. Empty when every one is good. `resolver`, if the caller
    has one made for these references, is used instead of making another."""
    try:
        references = find(body)
    except ReferenceError as error:
        return [str(error)]
    if resolver is None:
        resolver = Resolver.for_references(references, area)
    found = []
    for reference in references:
        try:
            resolver.check(reference)
        except ReferenceError as error:
            found.append(f"{{{{{reference.text}}}}}: {error}")
    return found


def not_available(
    body: str, area: Area | None, *, resolver: Resolver | None = None
) -> list[Reference]:
    """The references in a narrative that name things the site has but have no figure to show
    for a page about `area` (no figure for that area and period, no earlier one for a trend,
    too few areas to rank): the page would show “figure not available” for each. Those that
    cannot be read or name something the site does not have are `problems`, not these."""
    try:
        references = find(body)
    except ReferenceError:
        return []
    if resolver is None:
        resolver = Resolver.for_references(references, area)
    missing = []
    for reference in references:
        try:
            resolver.check(reference)
        except ReferenceError:
            continue
        if resolver.figure(reference) is None and reference not in missing:
            missing.append(reference)
    return missing


@dataclass
class Resolver:
    """Everything the references of one page need, fetched in a constant number of queries."""

    default_area: Area | None
    indicators: dict[str, Indicator] = field(default_factory=dict)
    areas: dict[str, Area] = field(default_factory=dict)
    values: list[Value] = field(default_factory=list)
    breakdowns: dict[str, Breakdown | None] = field(default_factory=dict)
    period_codes: set[str] = field(default_factory=set)
    #: Where the figures come from: the released ones (`PublishedValue.objects`) unless a
    #: preview of a release gives its own (`PublishedValue.with_staged.releasing(…)`).
    source: Any = None
    _by_series: dict | None = field(default=None, repr=False)

    @classmethod
    def for_references(
        cls, references: list[Reference], default_area: Area | None, *, source: Any = None
    ) -> Resolver:
        resolver = cls(default_area=default_area, source=source)
        slugs = {r.indicator for r in references}
        names = {r.option(k) for r in references for k in ("area", "with") if r.option(k)}
        if not slugs:
            return resolver
        resolver.indicators = {i.slug: i for i in Indicator.objects.filter(slug__in=slugs)}
        area_query = Q(code__in=[n.upper() for n in names])
        for name in names:
            area_query |= Q(name__iexact=name) | Q(short_name__iexact=name)
        found = list(Area.objects.filter(area_query)) if names else []
        for area in found:
            for key in (area.code, area.name, area.short_name):
                if key:
                    resolver.areas[key.lower()] = area
        wanted_areas = {a.pk for a in found}
        if default_area is not None:
            wanted_areas.add(default_area.pk)
            resolver.areas.setdefault(default_area.code.lower(), default_area)
        resolver.values = list(
            resolver.figures()
            .filter(area_id__in=wanted_areas, indicator__slug__in=slugs)
            .with_related()
        )
        wanted_periods = set()
        for reference in references:
            period = reference.option("period", "latest")
            if period.lower() != "latest":
                try:
                    wanted_periods.add(Period.from_code(period).code)
                except ValueError:
                    continue
        if wanted_periods:
            resolver.period_codes = set(
                Period.objects.filter(code__in=wanted_periods).values_list("code", flat=True)
            )
        if any(r.option("breakdown") for r in references):
            resolver.breakdowns = breakdown_names(Breakdown.objects.all())
        resolver.add_siblings([r for r in references if r.kind == "rank"])
        return resolver

    def figures(self) -> Any:
        return self.source if self.source is not None else PublishedValue.objects.all()

    def add_siblings(self, ranking: list[Reference]) -> None:
        """A rank needs the figures of the area's siblings, for the one period it ranks: one
        query for all the page's ranks, however many areas and periods the data has."""
        wanted, any_wanted = Q(pk__in=[]), False
        for reference in ranking:
            if reference.indicator not in self.indicators:
                continue
            area = self.area_for(reference)
            try:
                value = self.value(reference, area)
            except ValueError:
                continue
            if area is None or value is None or area.parent_id is None:
                continue
            wanted |= Q(
                indicator__slug=reference.indicator,
                area__parent_id=area.parent_id,
                period_id=value.period_id,
                breakdown__isnull=True,
            )
            any_wanted = True
        if not any_wanted:
            return
        held = {v.pk for v in self.values}
        self.values += [v for v in self.figures().filter(wanted).with_related() if v.pk not in held]
        self._by_series = None

    # --- checking ------------------------------------------------------------------------

    def check(self, reference: Reference) -> None:
        """Raise ReferenceError naming whatever the reference asks for that does not exist."""
        if reference.indicator not in self.indicators:
            raise ReferenceError(f"There is no indicator “{reference.indicator}”.")
        for key in ("area", "with"):
            name = reference.option(key)
            if name and name.lower() not in self.areas:
                raise ReferenceError(f"There is no area “{name}” (use its name or GSS code).")
        if not reference.option("area") and self.default_area is None:
            raise ReferenceError(
                f"This page has no area, so say which: {{{{{reference.indicator} | area=…}}}}."
            )
        period = reference.option("period", "latest")
        if period.lower() != "latest":
            try:
                Period.from_code(period)
            except ValueError as error:
                raise ReferenceError(str(error)) from error
            if Period.from_code(period).code not in self.period_codes:
                raise ReferenceError(f"There are no figures for the period “{period}”.")
        breakdown = reference.option("breakdown")
        if breakdown and breakdown.lower() not in self.breakdowns:
            raise ReferenceError(
                f"There is no breakdown “{breakdown}”: write it as “dimension: category”, "
                f"e.g. “age: 1-4”."
            )
        if breakdown and self.breakdowns[breakdown.lower()] is None:
            schemes = sorted(
                b.scheme
                for b in self.breakdowns.values()
                if b is not None and f"{b.dimension}: {b.label}".lower() == breakdown.lower()
            )
            raise ReferenceError(
                f"“{breakdown}” is a category of more than one set: name the set in brackets, "
                f"e.g. “{breakdown} ({schemes[0]})”."
            )

    # --- resolving -----------------------------------------------------------------------

    def area_for(self, reference: Reference, key: str = "area") -> Area | None:
        name = reference.option(key)
        return self.areas.get(name.lower()) if name else self.default_area

    def series(self, reference: Reference, area: Area | None) -> list[Value]:
        """The area's values of the reference's indicator and breakdown, oldest first."""
        if area is None:
            return []
        named = reference.option("breakdown").lower()
        breakdown = self.breakdowns.get(named)
        if named and breakdown is None:  # unknown, or a category of two sets: no series
            return []
        if self._by_series is None:  # the values by series, indexed once
            self._by_series = defaultdict(list)
            for v in self.values:
                self._by_series[(v.area_id, v.indicator.slug, v.breakdown_id)].append(v)
        matches = self._by_series.get(
            (area.pk, reference.indicator, breakdown.pk if breakdown else None), []
        )
        return sorted(matches, key=lambda v: (v.period.end_date, v.period.start_date))

    def value(self, reference: Reference, area: Area | None) -> Value | None:
        series = self.series(reference, area)
        period = reference.option("period", "latest")
        if period.lower() == "latest":
            available = [v for v in series if v.value is not None]
            return available[-1] if available else (series[-1] if series else None)
        code = Period.from_code(period).code
        return next((v for v in series if v.period.code == code), None)

    def figure(self, reference: Reference) -> str | None:
        """The words the reference shows (“638.6 per 10,000”), or None if it has none."""
        try:
            self.check(reference)
            return self._text(reference)
        except (ReferenceError, ValueError):
            return None

    def missing_reason(self, reference: Reference) -> str:
        """Why a reference that names things the site has shows no figure, in words."""
        area = self.area_for(reference)
        if area is None:
            return "the page has no area"
        period = reference.option("period", "latest")
        named = area.display_name + ("" if period.lower() == "latest" else f" for {period}")
        try:
            value = self.value(reference, area)
        except ValueError:
            value = None
        if value is None or value.value is None:
            return f"there is no figure for {named}"
        if reference.kind == "trend":
            return f"there is no earlier figure for {area.display_name} to compare with"
        if reference.kind == "compare":
            other = self.area_for(reference, "with")
            return f"there is no figure for {other.display_name if other else 'it'} then"
        if reference.kind == "rank":
            return f"there are no other areas beside {area.display_name} to rank it among"
        return f"the {reference.option('show', 'value')} for {named} is not given"

    def render(self, reference: Reference) -> str:
        """The reference as HTML (escaped), or the “not available” marker."""
        text = self.figure(reference)
        if text is None:
            return format_html(
                '<span class="figure-missing">[figure not available: {}]</span>', reference.text
            )
        return format_html('<span class="figure">{}</span>', text)

    def _text(self, reference: Reference) -> str | None:
        area = self.area_for(reference)
        value = self.value(reference, area)
        if area is None or value is None:
            return None
        if reference.kind == "value":
            show = reference.option("show", "value")
            if show != "value":
                number = getattr(value, show)
                return None if number is None else f"{number:,.0f}"
            return figure_text(value)
        if reference.kind == "trend":
            earlier = [
                v
                for v in self.series(reference, area)
                if v.period.end_date < value.period.end_date and v.value is not None
            ]
            if not earlier or value.value is None:
                return None
            previous = earlier[-1]
            word = (
                "up from"
                if value.value > previous.value
                else "down from"
                if value.value < previous.value
                else "the same as"
            )
            return f"{word} {figure_text(previous)} {when(previous.period)}"
        if reference.kind == "compare":
            other_area = self.area_for(reference, "with")
            other = next(
                (v for v in self.series(reference, other_area) if v.period_id == value.period_id),
                None,
            )
            if other_area is None or other is None or value.value is None or other.value is None:
                return None
            result = compare(value, other)
            phrase = {"higher": "higher than", "lower": "lower than", "same": "the same as"}[
                result.direction
            ]
            if result.significance == "significant":
                phrase = f"significantly {phrase}"
            text = f"{phrase} {area_name(other_area)} ({figure_text(other, in_brackets=True)})"
            return text + (" but not significantly" if result.significance == "similar" else "")
        if reference.kind == "rank":
            siblings = [
                v
                for v in self.values
                if v.indicator.slug == reference.indicator
                and v.area.parent_id == area.parent_id
                and same_tier(v.area.area_type, area.area_type)
                and v.breakdown_id is None
                and v.period_id == value.period_id
                and v.value is not None
            ]
            if value.value is None or len(siblings) < 2:
                return None
            ordered = sorted(siblings, key=lambda v: -v.value)
            position = next(i for i, v in enumerate(ordered, 1) if v.pk == value.pk)
            group = f"{len(ordered)} {tier_nouns(v.area for v in ordered)[1]}"
            if position == 1:
                return f"the highest of the {group}"
            if position == len(ordered):
                return f"the lowest of the {group}"
            return f"{_ordinal(position)} highest of the {group}"
        return None


def breakdown_names(breakdowns: Iterable[Breakdown]) -> dict[str, Breakdown | None]:
    """How narrative names a breakdown, lower-cased: “dimension: category”, and, with its set
    in brackets, “dimension: category (set)”. A category of two sets (Fingertips' county and
    district deprivation deciles share labels) maps to None: its set must be named."""
    names: dict[str, Breakdown | None] = {}
    for b in breakdowns:
        plain = f"{b.dimension}: {b.label}".lower()
        names[plain] = b if plain not in names else None
        if b.scheme:
            names[f"{plain} ({b.scheme})".lower()] = b
    return names


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def substitute(markdown: str) -> tuple[str, list[Reference]]:
    """The Markdown with each reference replaced by a placeholder that survives rendering,
    and the references in order. Unreadable references become placeholders too (shown as
    not available), so a bad reference never breaks the page."""
    found: list[Reference] = []

    def replace(match: re.Match) -> str:
        try:
            found.append(parse(match.group(1)))
        except ReferenceError:
            found.append(Reference(text=match.group(1), kind="invalid", indicator=""))
        return PLACEHOLDER.format(len(found) - 1)

    return REFERENCE.sub(replace, markdown or ""), found
