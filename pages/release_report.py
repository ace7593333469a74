"""What releasing a staged import would do to every page that shows its figures.

For each page (published, or a draft) with a section about one of the import's indicators, the
page is built twice, as the public see it now and as it will be once the import is released
(`pages.selectors.topic_page(…, releasing=[batch])`), and each section is compared:

- the periods the release gives the indicator for the first time, and the figures it revises
  (old → new);
- the generated sentences (the statement under the chart, the trend), each comparison marker
  (“similar to England” → “significantly higher than England”), and every live figure in the
  officer's narrative whose text changes.

A change of meaning is *flagged*: a comparison whose direction or significance changes, a trend
that turns, and a live figure that moves on to a new period while the prose around it names a
year. The publisher confirms each flag before the release goes out (or sends the page back to
its officer, and the figures go out with the page's draft).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

from django.urls import reverse
from django.utils.html import strip_tags

from core.formatting import figure_text
from indicators.models import Area, ImportBatch, ImportChange, Indicator, Period, Value
from indicators.releases import summarise
from pages.models import Status, Topic
from pages.selectors import PageSection, page_topics, topic_page

#: Revised figures listed one by one, per section.
REVISED_LISTED = 20
LIVE_FIGURE = re.compile(r'<span class="figure(?:-missing)?">(.*?)</span>', re.S)
YEAR = re.compile(r"\b(?:19|20)\d\d(?:/\d\d)?\b")
REFERENCE = re.compile(r"\{\{.*?\}\}", re.S)


@dataclass(frozen=True)
class Flag:
    key: str  # stable for the batch: "topic:section:n"
    text: str


@dataclass(frozen=True)
class SectionReport:
    heading: str
    anchor: str
    indicator: str
    new_periods: tuple[str, ...] = ()
    revised: tuple[tuple[str, str, str, str], ...] = ()  # area, period, old, new
    revised_count: int = 0
    statement: tuple[str, str] | None = None  # before, after
    trend: tuple[str, str] | None = None
    comparisons: tuple[tuple[str, str, str], ...] = ()  # area, before, after
    live_figures: tuple[tuple[str, str], ...] = ()  # before, after
    flags: tuple[Flag, ...] = ()

    @property
    def changes_anything(self) -> bool:
        return bool(
            self.new_periods
            or self.revised_count
            or self.statement
            or self.trend
            or self.comparisons
            or self.live_figures
        )


@dataclass(frozen=True)
class PageReport:
    topic_id: int
    title: str
    status: str  # "Published", "Draft", "In review"
    preview_url: str  # the page with the staged figures, for an officer
    edit_url: str
    sections: tuple[SectionReport, ...]

    @property
    def flags(self) -> tuple[Flag, ...]:
        return tuple(flag for section in self.sections for flag in section.flags)


@dataclass
class ReleaseReport:
    batch: ImportBatch
    pages: list[PageReport] = field(default_factory=list)
    #: Indicators of the import that no page shows (figures go to their indicator pages only).
    not_on_pages: list[str] = field(default_factory=list)
    summary: dict = field(default_factory=dict)

    @property
    def flags(self) -> list[Flag]:
        return [flag for page in self.pages for flag in page.flags]


def release_report(batch: ImportBatch) -> ReleaseReport:
    """The report for the staged import `batch`."""
    report = ReleaseReport(batch=batch, summary=summarise(batch))
    indicator_ids = {int(key) for key in report.summary}
    revised = _revised(batch, indicator_ids)
    topics = (
        page_topics()
        .exclude(status=Status.ARCHIVED)
        .filter(sections__indicator_id__in=indicator_ids)
        .distinct()
        .order_by("title", "pk")
    )
    shown: set[int] = set()
    for topic in topics:
        page = _page_report(topic, batch, report.summary, revised)
        shown |= {s.indicator_id for s in topic.sections.all() if s.indicator_id}
        if page.sections:
            report.pages.append(page)
    report.not_on_pages = list(
        Indicator.objects.filter(pk__in=indicator_ids - shown)
        .order_by("name")
        .values_list("name", flat=True)
    )
    return report


def _revised(batch: ImportBatch, indicator_ids: set[int]) -> dict[int, tuple[int, list]]:
    """Per indicator: how many figures the import revises, and the first few (area, period,
    old, new)."""
    found: dict[int, tuple[int, list]] = {}
    changes = batch.changes.filter(action=ImportChange.Action.UPDATED).order_by("row_number")
    counts: dict[int, int] = {}
    for indicator_id in changes.values_list("indicator_id", flat=True).iterator():
        counts[indicator_id] = counts.get(indicator_id, 0) + 1
    for indicator_id in indicator_ids:
        listed = list(changes.filter(indicator_id=indicator_id)[:REVISED_LISTED])
        if not listed:
            continue
        indicator = Indicator.objects.get(pk=indicator_id)
        now = {v.pk: v for v in Value.objects.filter(pk__in=[c.value_id for c in listed])}
        areas = dict(
            Area.objects.filter(pk__in=[c.area_id for c in listed]).values_list("pk", "name")
        )
        periods = dict(
            Period.objects.filter(pk__in=[c.period_id for c in listed]).values_list("pk", "label")
        )
        rows = []
        for change in listed:
            before = change.previous or {}
            old = figure_text(
                indicator,
                Decimal(before["value"]) if before.get("value") is not None else None,
                before.get("status", "available"),
            )
            value = now.get(change.value_id)
            new = figure_text(indicator, value.value, value.status) if value is not None else "–"
            rows.append(
                (areas.get(change.area_id, ""), periods.get(change.period_id, ""), old, new)
            )
        found[indicator_id] = (counts.get(indicator_id, len(rows)), rows)
    return found


def _page_report(topic: Topic, batch: ImportBatch, summary: dict, revised: dict) -> PageReport:
    before = topic_page(topic)
    after = topic_page(topic, releasing=[batch.pk])
    bodies = {s.anchor: s.body for s in topic.sections.all()}
    ids = {s.anchor: s.indicator_id for s in topic.sections.all()}
    sections = []
    for number, (old, new) in enumerate(zip(before.sections, after.sections, strict=True)):
        indicator_id = ids.get(old.anchor)
        part = summary.get(str(indicator_id), {}) if indicator_id else {}
        section = _section_report(
            f"{topic.pk}:{number}",
            old,
            new,
            bodies.get(old.anchor, ""),
            tuple(part.get("periods", ())),
            revised.get(indicator_id, (0, [])) if indicator_id else (0, []),
        )
        if section.changes_anything:
            sections.append(section)
    status = "Published" if topic.status == Status.PUBLISHED else topic.get_status_display()
    return PageReport(
        topic_id=topic.pk,
        title=topic.title,
        status=status,
        preview_url=f"{topic.get_absolute_url()}?{'draft=1&' if topic.draft_of_id else ''}"
        f"release={batch.pk}",
        edit_url=reverse("admin:pages_topic_change", args=[topic.pk]),
        sections=tuple(sections),
    )


def _section_report(
    key: str,
    old: PageSection,
    new: PageSection,
    body: str,
    new_periods: tuple[str, ...],
    revised: tuple[int, list],
) -> SectionReport:
    flags: list[Flag] = []

    def flag(text: str) -> None:
        flags.append(Flag(f"{key}:{len(flags)}", text))

    statement = trend = None
    comparisons: list[tuple[str, str, str]] = []
    if old.figures is not None or new.figures is not None:
        old_f, new_f = old.figures, new.figures
        old_statement = old_f.statement if old_f else ""
        new_statement = new_f.statement if new_f else ""
        if old_statement != new_statement:
            statement = (old_statement, new_statement)
            turned = _movement(old_statement), _movement(new_statement)
            if all(turned) and turned[0] != turned[1]:
                flag(
                    f"The figure now went {turned[1]} where it went {turned[0]}: "
                    f"“{_first_sentence(old_statement)}” becomes "
                    f"“{_first_sentence(new_statement)}”"
                )
        old_trend, new_trend = (old_f.trend if old_f else ""), (new_f.trend if new_f else "")
        if old_trend != new_trend:
            trend = (old_trend, new_trend)
            if _direction(old_trend) and _direction(new_trend) != _direction(old_trend):
                flag(f"The trend turns: “{old_trend}” becomes “{new_trend}”.")
        before = {c.area: c for c in (old_f.comparisons if old_f else ())}
        for line in new_f.comparisons if new_f else ():
            was = before.get(line.area)
            now = f"{line.marker} than {line.area} ({line.figure}): {line.verdict}"
            if was is None:
                comparisons.append((line.area, "", now))
                continue
            then = f"{was.marker} than {was.area} ({was.figure}): {was.verdict}"
            if then != now:
                comparisons.append((line.area, then, now))
                if (was.marker, was.verdict) != (line.marker, line.verdict):
                    flag(
                        f"Compared with {line.area}: “{was.marker.split(' ', 1)[-1].lower()}, "
                        f"{was.verdict}” becomes “{line.marker.split(' ', 1)[-1].lower()}, "
                        f"{line.verdict}”."
                    )
    old_live = [strip_tags(t) for t in LIVE_FIGURE.findall(old.html)]
    new_live = [strip_tags(t) for t in LIVE_FIGURE.findall(new.html)]
    live = [(a, b) for a, b in zip(old_live, new_live, strict=False) if a != b]
    prose_years = set(YEAR.findall(REFERENCE.sub(" ", body)))
    for a, b in live:
        moved = set(YEAR.findall(b)) - set(YEAR.findall(a))
        if moved and prose_years:
            flag(
                f"A live figure moves on to {', '.join(sorted(moved))} (“{a}” becomes “{b}”), "
                f"but the words around it name {', '.join(sorted(prose_years))}: check them."
            )
    count, rows = revised
    return SectionReport(
        heading=old.heading,
        anchor=old.anchor,
        indicator=old.indicator.name if old.indicator else "",
        new_periods=new_periods if old.indicator else (),
        revised=tuple(rows) if old.indicator else (),
        revised_count=count if old.indicator else 0,
        statement=statement,
        trend=trend,
        comparisons=tuple(comparisons),
        live_figures=tuple(live),
        flags=tuple(flags),
    )


def _direction(trend: str) -> str:
    words = trend.lower().split()
    for word in ("up", "down", "unchanged", "rose", "fell", "higher", "lower"):
        if word in words[:3]:
            return {"rose": "up", "fell": "down", "higher": "up", "lower": "down"}.get(word, word)
    return ""


def _movement(statement: str) -> str:
    """“up” or “down” where a generated statement says the figure went up or down from the
    period before (“… 638.6 per 10,000, up from 557.0 …”), else ""."""
    found = re.search(r"\b(up|down) from\b", statement)
    return found.group(1) if found else ""


def _first_sentence(text: str) -> str:
    """Up to the first full stop that ends a sentence (not a decimal point)."""
    return re.split(r"(?<=\.)\s", text, maxsplit=1)[0]
