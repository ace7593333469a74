"""Load the Lancashire child protection demo: safe to run again, it never duplicates."""

from __future__ import annotations

import csv
import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from indicators.disclosure import apply_disclosure_control
from indicators.models import Area, Breakdown, Indicator, Period, Value
from pages.demo import content
from pages.models import PageAuthor, Section, Status, Team, Topic, TopicLink, one_save

DEMO_DIR = Path(__file__).resolve().parent
AREAS_CSV = DEMO_DIR / "areas.csv"
PUBLISHED_CSV = DEMO_DIR / "published-figures.csv"
ILLUSTRATIVE_CSV = DEMO_DIR / "illustrative-figures.csv"


@dataclass
class LoadReport:
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)

    def count(self, name: str, created: bool) -> None:
        bucket = self.created if created else self.updated
        bucket[name] = bucket.get(name, 0) + 1

    @property
    def total_created(self) -> int:
        return sum(self.created.values())


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _save(model, report: LoadReport, lookup: dict, defaults: dict):
    """update_or_create that validates first, so demo data obeys the same rules as officers."""
    instance = model.objects.filter(**lookup).first()
    created = instance is None
    if created:
        instance = model(**lookup)
    changed = created
    for name, value in defaults.items():
        if getattr(instance, name) != value:
            setattr(instance, name, value)
            changed = True
    if changed:
        instance.full_clean()
        instance.save()
        report.count(model._meta.verbose_name_plural, created)
    return instance


def load_areas(report: LoadReport) -> dict[str, Area]:
    areas: dict[str, Area] = {}
    # Parents come before their children in the file.
    for row in read_csv(AREAS_CSV):
        areas[row["code"]] = _save(
            Area,
            report,
            {"code": row["code"]},
            {
                "name": row["name"],
                "short_name": content.SHORT_NAMES.get(row["code"], ""),
                "area_type": content.AREA_TYPES[row["area_type"]],
                "parent": areas[row["parent_code"]] if row["parent_code"] else None,
            },
        )
    return areas


def load_indicators(report: LoadReport) -> dict[str, Indicator]:
    indicators = {}
    for spec in content.INDICATORS:
        fields = {k: v for k, v in spec.items() if k != "slug"}
        fields["disclosure_threshold"] = content.DISCLOSURE_THRESHOLD
        indicators[spec["slug"]] = _save(Indicator, report, {"slug": spec["slug"]}, fields)
    return indicators


def load_periods(report: LoadReport, codes: set[str]) -> dict[str, Period]:
    periods = {}
    for code in sorted(codes | set(content.FINANCIAL_YEARS) | set(content.SNAPSHOTS)):
        parsed = Period.from_code(code)
        periods[code] = _save(
            Period,
            report,
            {"code": parsed.code},
            {
                "kind": parsed.kind,
                "start_date": parsed.start_date,
                "end_date": parsed.end_date,
                "label": parsed.label,
            },
        )
    return periods


def load_breakdowns(report: LoadReport) -> dict[tuple[str, str], Breakdown]:
    return {
        (dimension, label): _save(
            Breakdown, report, {"dimension": dimension, "label": label}, {"sort_order": order}
        )
        for dimension, label, order in content.BREAKDOWNS
    }


def load_values(report: LoadReport, areas, indicators, periods, breakdowns) -> None:
    by_name = {spec["name"]: spec["slug"] for spec in content.INDICATORS}
    keys_seen: set[tuple] = set()

    def store(
        slug: str, code: str, period: str, breakdown, value: str, count: str, illustrative: bool
    ):
        key = (slug, code, period, breakdown)
        if key in keys_seen:
            raise ValueError(f"The demo data gives {key} twice.")
        keys_seen.add(key)
        _save(
            Value,
            report,
            {
                "indicator": indicators[slug],
                "area": areas[code],
                "period": periods[period],
                "breakdown": breakdowns[breakdown] if breakdown else None,
            },
            {
                "value": Decimal(value),
                "status": "available",
                "count": Decimal(count) if count else None,
                "is_illustrative": illustrative,
                "note": "Illustrative figure (synthetic), not a published statistic."
                if illustrative
                else "",
            },
        )

    for row in read_csv(PUBLISHED_CSV):
        slug = by_name[row["indicator"]]
        breakdown = None
        if row["category"] != "All":
            breakdown = (content.BREAKDOWN_DIMENSIONS[slug], row["category"])
        store(slug, row["area_code"], row["period"], breakdown, row["value"], row["count"], False)
    for row in read_csv(ILLUSTRATIVE_CSV):
        breakdown = None
        if row["breakdown"]:
            dimension, _, label = row["breakdown"].partition(":")
            breakdown = (dimension.strip(), label.strip())
        store(
            row["indicator"],
            row["area_code"],
            row["period"],
            breakdown,
            row["value"],
            row["count"],
            True,
        )


def load_topics(
    report: LoadReport, indicators: dict[str, Indicator], areas: dict[str, Area]
) -> Topic:
    author = _save(
        PageAuthor,
        report,
        {"name": content.AUTHOR["name"], "email": content.AUTHOR["email"]},
        {"phone": content.AUTHOR["phone"], "job_title": content.AUTHOR["job_title"]},
    )
    team, _ = Team.objects.get_or_create(name=content.TEAM)
    topics: dict[str, Topic] = {}
    for parent_path, slug, title, summary, keywords, order in content.TOPICS:
        parent = topics[parent_path] if parent_path else None
        path = f"{parent_path}/{slug}" if parent_path else slug
        is_cp = path == content.CHILD_PROTECTION
        topics[path] = _save(
            Topic,
            report,
            {"parent": parent, "slug": slug, "draft_of": None},
            {
                "title": title,
                "summary": summary,
                "keywords": keywords,
                "sort_order": order,
                "status": Status.PUBLISHED,
                "team": team,
                "author": author if is_cp else None,
                "last_updated": content.LAST_UPDATED if is_cp else None,
                "review_due": content.REVIEW_DUE if is_cp else None,
                "area": areas[content.PAGE_AREA] if is_cp else None,
            },
        )
    page = topics[content.CHILD_PROTECTION]
    wanted = {areas[code] for code in content.PAGE_COMPARATORS}
    if set(page.comparators.all()) != wanted:
        page.comparators.set(wanted)
        report.count("topic comparators", False)
    for order, (anchor, heading, slug, dimension, body) in enumerate(content.SECTIONS, start=1):
        _save(
            Section,
            report,
            {"topic": page, "anchor": anchor},
            {
                "heading": heading,
                "body": body,
                "sort_order": order,
                "indicator": indicators[slug] if slug else None,
                "breakdown_dimension": dimension,
            },
        )
    for order, (title, description, url) in enumerate(content.LINKS, start=1):
        _save(
            TopicLink,
            report,
            {"topic": page, "title": title},
            {"description": description, "url": url, "sort_order": order},
        )
    return page


@transaction.atomic
def load_demo() -> LoadReport:
    started = timezone.now()
    report = LoadReport()
    areas = load_areas(report)
    indicators = load_indicators(report)
    period_codes = {r["period"] for r in read_csv(PUBLISHED_CSV)} | {
        r["period"] for r in read_csv(ILLUSTRATIVE_CSV)
    }
    periods = load_periods(report, period_codes)
    breakdowns = load_breakdowns(report)
    load_values(report, areas, indicators, periods, breakdowns)
    with one_save():  # the demo pages arrive as one version, not one per section
        load_topics(report, indicators, areas)
    apply_disclosure_control([i.pk for i in indicators.values()])
    date_demo_content(since=started)
    return report


def date_demo_content(*, since: datetime.datetime) -> None:
    """What this run wrote of the demo page, narrative and figures, dates from the page's
    original last update; anything else (an officer's later import or edit) keeps its date."""
    when = timezone.make_aware(
        datetime.datetime.combine(content.LAST_UPDATED, datetime.time(12, 0))
    )
    Section.objects.filter(updated_at__gte=since).update(updated_at=when)
    Value.objects.filter(updated_at__gte=since).update(updated_at=when)
