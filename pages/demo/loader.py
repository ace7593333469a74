"""Load the Lancashire child protection demo. Safe to run again: it adds what is missing and
never changes what anyone has edited since it was loaded.

Each item of the demo (an area, an indicator, a period, a breakdown, a figure, a page, its
sections and links, its author and team) is found by the record of what the demo last wrote
of it (`DemoRecord`: which row, and its fields as written), or else by its natural key (an
area's code, a page's path, a section's anchor on its page…). Then it is

- created, if it is not there and the demo never wrote it here (a fresh database, or an item
  newer than the demo last loaded);
- brought up to the demo's definition, if it is just as the demo wrote it;
- kept as it is, and listed in the report, if it is not as the demo wrote it (an officer
  edited it, an import or a release changed a figure, a publisher renamed an area) or has
  been deleted since the demo wrote it;
- taken over, if the demo never wrote it but it already is as the demo has it, or is an area
  just as ONS named it (`load_geography` runs first); otherwise kept, as edited;
- left out, and listed, if the site's rules refuse it as the demo has it given what was
  edited (a live figure naming an area since renamed): the rest of the demo still loads.

Sections and figures the demo writes are dated from the page's original last update; what it
keeps keeps its own date.

`reset=True` writes every item as the demo has it, edited or not, and recreates those that
were deleted. What the demo does not define (other pages, sections and figures added since,
pending drafts) is left alone even then."""

from __future__ import annotations

import csv
import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, cast

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models.fields.files import FieldFile
from django.utils import timezone

from indicators.disclosure import apply_disclosure_control
from indicators.models import Area, Breakdown, Indicator, Period, Value
from pages.demo import content
from pages.models import (
    DemoRecord,
    PageAuthor,
    Section,
    Status,
    Team,
    Topic,
    TopicLink,
    one_save,
)

DEMO_DIR = Path(__file__).resolve().parent
AREAS_CSV = DEMO_DIR / "areas.csv"
PUBLISHED_CSV = DEMO_DIR / "published-figures.csv"
ILLUSTRATIVE_CSV = DEMO_DIR / "illustrative-figures.csv"

# Why a page, section or link changed, in its history (django-simple-history).
LOADED_REASON = "Demo content loaded (manage.py load_demo)"
RESET_REASON = "Demo content put back (manage.py load_demo --reset)"

# Fields the demo never writes but whose change says that someone changed the row: an import
# or a release (figures), an officer or a publisher (pages, indicators). A row in which one of
# these changed is kept as edited, like one whose written fields changed; `reset` puts them
# back as the demo creates them.
WATCHED: dict[type[models.Model], tuple[str, ...]] = {
    Indicator: ("allows_negative", "is_public", "is_projection", "fingertips_id"),
    Value: (
        "denominator",
        "lower_ci",
        "upper_ci",
        "import_batch",
        "revised_on",
        "previous_value",
        "previous_status",
    ),
    Topic: ("owner", "comparator_group", "publish_at"),
    TopicLink: ("file",),
}
# How the report names a field, where its own name is not the word an officer uses.
FIELD_WORDS = {"body": "narrative", "value": "figure"}


@dataclass(frozen=True)
class Kept:
    """An item of the demo that was not written as the demo has it, and why."""

    item: str  # e.g. section “Referrals to children's social care” on “Child protection”
    why: str  # e.g. narrative changed; deleted since the demo loaded it

    def __str__(self) -> str:
        return f"{self.item}: {self.why}"


@dataclass
class LoadReport:
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    #: Items edited (or deleted) since the demo was loaded, and left as they are.
    kept: list[Kept] = field(default_factory=list)
    #: With `reset`: edited (or deleted) items put back as the demo has them.
    restored: list[Kept] = field(default_factory=list)
    #: Items the site's rules refused as the demo has them, given what was edited (a live
    #: figure naming an area that was renamed): not written.
    refused: list[Kept] = field(default_factory=list)

    def count(self, name: str, created: bool) -> None:
        bucket = self.created if created else self.updated
        bucket[name] = bucket.get(name, 0) + 1

    @property
    def total_created(self) -> int:
        return sum(self.created.values())

    @property
    def changed_anything(self) -> bool:
        return bool(self.created or self.updated)


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _plain(value: Any) -> Any:
    """A field's value as JSON that compares equal however it was read (878 = 878.000000)."""
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, datetime.date):  # and a datetime
        return value.isoformat()
    if isinstance(value, FieldFile):
        return value.name or ""
    if isinstance(value, models.Model):
        return value.pk
    return value


def _field(model: type[models.Model], name: str) -> models.Field:
    return cast(models.Field, model._meta.get_field(name))


def _state(
    instance: models.Model, names: list[str], m2m: dict[str, list[models.Model]]
) -> dict[str, Any]:
    """The row's fields `names` (a relation by its id) and its many-to-many fields `m2m`."""
    state = {
        name: _plain(getattr(instance, _field(type(instance), name).attname)) for name in names
    }
    for name in m2m:
        state[name] = sorted(getattr(instance, name).values_list("pk", flat=True))
    return state


def _as_written(values: dict[str, Any]) -> dict[str, Any]:
    return {name: _plain(value) for name, value in values.items()}


def _words(model: type[models.Model], names: list[str]) -> str:
    """The fields in the words an officer uses: “narrative, heading”."""
    return ", ".join(
        FIELD_WORDS.get(name) or str(_field(model, name).verbose_name) for name in names
    )


class DemoLoader:
    """One run of the demo: finds each item, decides whether it may be written (see the
    module's docstring), writes it and remembers what it wrote."""

    def __init__(self, *, reset: bool = False) -> None:
        self.reset = reset
        self.report = LoadReport()
        self.records = {(r.model, r.key): r for r in DemoRecord.objects.all()}
        self.changed_records: dict[tuple[str, str], DemoRecord] = {}
        #: The sections and figures this run wrote (with `reset`, every one of the demo's),
        #: dated from the demo page's last update.
        self.written: dict[type[models.Model], list[int]] = {Section: [], Value: []}

    def put(
        self,
        model: type[models.Model],
        *,
        key: str,
        label: str,
        lookup: dict[str, Any],
        fields: dict[str, Any],
        m2m: dict[str, list[models.Model]] | None = None,
    ) -> Any:
        """The demo's item, written if it may be; None if it was deleted since the demo wrote
        it (and is kept deleted)."""
        m2m = m2m or {}
        watched = WATCHED.get(model, ())
        names = [*lookup, *fields, *watched]
        record = self.records.get((model._meta.label_lower, key))
        instance = None
        if record is not None:
            instance = model._default_manager.filter(pk=record.object_id).first()
        if instance is None:
            # Not where the demo left it: a published draft's sections replace the page's.
            instance = model._default_manager.filter(**lookup).first()
        if instance is None:
            if record is not None and not self.reset:
                self.report.kept.append(Kept(label, "deleted since the demo loaded it"))
                return None
            if record is not None:
                self.report.restored.append(Kept(label, "deleted since the demo loaded it"))
            instance = model(**lookup)
            if not self._write(instance, fields, m2m, label=label, created=True):
                return None
            self._remember(model, key, instance, _state(instance, names, m2m))
            return instance
        demo = {**lookup, **fields}
        if self.reset:  # and the fields it watches, as it creates them
            demo |= {name: _field(model, name).get_default() for name in watched}
            self._date(instance)
        now = _state(instance, names, m2m)
        wanted = {
            **now,
            **_as_written(demo),
            **{name: sorted(i.pk for i in items) for name, items in m2m.items()},
        }
        if record is not None:
            # Edited since the demo wrote it: any field other than as written (one the demo
            # did not record when it wrote the row cannot tell).
            changed = [n for n in now if n in record.written and record.written[n] != now[n]]
            untouched = not changed
        else:
            # Never written by the demo here: it is the demo's if it already is as the demo
            # has it (or is an area as ONS named it); otherwise someone made it their own.
            changed = [n for n in now if now[n] != wanted[n]]
            untouched = not changed or self._as_ons_named(instance)
        if not untouched and not self.reset:
            self.report.kept.append(Kept(label, f"{_words(model, changed)} changed"))
            if record is not None:  # found where it is now (a published draft's section)
                self._remember(model, key, instance, record.written)
            return instance
        if now != wanted:
            if not untouched:
                self.report.restored.append(Kept(label, f"{_words(model, changed)} changed"))
            if not self._write(instance, demo, m2m, label=label, created=False):
                return instance
            now = _state(instance, names, m2m)
        self._remember(model, key, instance, now)
        return instance

    def _date(self, instance: models.Model) -> None:
        """Date the row from the demo page's last update (a section or a figure)."""
        pks = self.written.get(type(instance))
        if pks is not None and instance.pk not in pks:
            pks.append(instance.pk)

    @staticmethod
    def _as_ons_named(instance: models.Model) -> bool:
        """An area as `load_geography` made it, which no one has renamed: the demo's to name."""
        return (
            isinstance(instance, Area)
            and bool(instance.ons_name)
            and instance.name == instance.ons_name
            and not instance.short_name
        )

    def _write(
        self,
        instance: models.Model,
        fields: dict[str, Any],
        m2m: dict[str, list[models.Model]],
        *,
        label: str,
        created: bool,
    ) -> bool:
        """Validate first, so that demo data obeys the same rules as officers. What the site
        no longer allows (a live figure naming an area an officer has renamed) is not written,
        and said; the rest of the demo loads."""
        for name, value in fields.items():
            setattr(instance, name, value)
        try:
            instance.full_clean()
        except ValidationError as error:
            self.report.refused.append(Kept(label, " ".join(error.messages)))
            if not created:
                instance.refresh_from_db()
            return False
        instance._change_reason = RESET_REASON if self.reset else LOADED_REASON  # type: ignore[attr-defined]
        instance.save()
        for name, items in m2m.items():
            getattr(instance, name).set(items)
        self._date(instance)
        self.report.count(str(instance._meta.verbose_name_plural), created)
        return True

    def _remember(
        self, model: type[models.Model], key: str, instance: models.Model, state: dict[str, Any]
    ) -> None:
        index = (model._meta.label_lower, key)
        record = self.records.get(index)
        if record is not None and record.object_id == instance.pk and record.written == state:
            return
        if record is None:
            record = DemoRecord(model=index[0], key=key)
            self.records[index] = record
        record.object_id = instance.pk
        record.written = state
        record.written_at = timezone.now()
        self.changed_records[index] = record

    def save_records(self) -> None:
        new = [r for r in self.changed_records.values() if r.pk is None]
        old = [r for r in self.changed_records.values() if r.pk is not None]
        DemoRecord.objects.bulk_create(new, batch_size=500)
        DemoRecord.objects.bulk_update(old, ["object_id", "written", "written_at"], batch_size=500)


def load_areas(loader: DemoLoader) -> dict[str, Area | None]:
    areas: dict[str, Area | None] = {}
    # Parents come before their children in the file.
    for row in read_csv(AREAS_CSV):
        parent = areas[row["parent_code"]] if row["parent_code"] else None
        if row["parent_code"] and parent is None:
            areas[row["code"]] = None  # its parent was deleted: the demo has no place for it
            continue
        areas[row["code"]] = loader.put(
            Area,
            key=row["code"],
            label=f"area {row['name']} ({row['code']})",
            lookup={"code": row["code"]},
            fields={
                "name": row["name"],
                "short_name": content.SHORT_NAMES.get(row["code"], ""),
                "area_type": content.AREA_TYPES[row["area_type"]],
                "parent": parent,
            },
        )
    return areas


def load_indicators(loader: DemoLoader) -> dict[str, Indicator | None]:
    indicators = {}
    for spec in content.INDICATORS:
        fields = {k: v for k, v in spec.items() if k != "slug"}
        fields["disclosure_threshold"] = content.DISCLOSURE_THRESHOLD
        indicators[spec["slug"]] = loader.put(
            Indicator,
            key=spec["slug"],
            label=f"indicator “{spec['name']}”",
            lookup={"slug": spec["slug"]},
            fields=fields,
        )
    return indicators


def load_periods(loader: DemoLoader, codes: set[str]) -> dict[str, Period | None]:
    periods = {}
    for code in sorted(codes | set(content.FINANCIAL_YEARS) | set(content.SNAPSHOTS)):
        parsed = Period.from_code(code)
        periods[code] = loader.put(
            Period,
            key=parsed.code,
            label=f"period {parsed.label}",
            lookup={"code": parsed.code},
            fields={
                "kind": parsed.kind,
                "start_date": parsed.start_date,
                "end_date": parsed.end_date,
                "label": parsed.label,
            },
        )
    return periods


def load_breakdowns(loader: DemoLoader) -> dict[tuple[str, str], Breakdown | None]:
    return {
        (dimension, label): loader.put(
            Breakdown,
            key=f"{dimension}: {label}",
            label=f"breakdown {dimension}: {label}",
            lookup={"dimension": dimension, "label": label},
            fields={"sort_order": order},
        )
        for dimension, label, order in content.BREAKDOWNS
    }


def load_values(
    loader: DemoLoader,
    areas: dict[str, Area | None],
    indicators: dict[str, Indicator | None],
    periods: dict[str, Period | None],
    breakdowns: dict[tuple[str, str], Breakdown | None],
) -> None:
    by_name = {spec["name"]: spec["slug"] for spec in content.INDICATORS}
    keys_seen: set[tuple] = set()

    def store(
        slug: str,
        code: str,
        period: str,
        breakdown: tuple[str, str] | None,
        value: str,
        count: str,
        illustrative: bool,
    ) -> None:
        key = (slug, code, period, breakdown)
        if key in keys_seen:
            raise ValueError(f"The demo data gives {key} twice.")
        keys_seen.add(key)
        in_words = f"{breakdown[0]}: {breakdown[1]}" if breakdown else ""
        indicator, area, when = indicators[slug], areas[code], periods[period]
        category = breakdowns[breakdown] if breakdown else None
        if indicator is None or area is None or when is None or (breakdown and not category):
            return  # what it is for was deleted since the demo loaded it (and is reported)
        loader.put(
            Value,
            key=" ".join(filter(None, [slug, code, when.code, in_words])),
            label=f"figure {slug}, {area.display_name}, {when.label}"
            + (f", {in_words}" if in_words else ""),
            lookup={
                "indicator": indicator,
                "area": area,
                "period": when,
                "breakdown": category,
                "is_staged": False,  # never a staged import's figure waiting beside it
            },
            fields={
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
    loader: DemoLoader, indicators: dict[str, Indicator | None], areas: dict[str, Area | None]
) -> Topic | None:
    author = loader.put(
        PageAuthor,
        key=f"{content.AUTHOR['name']} <{content.AUTHOR['email']}>",
        label=f"page author {content.AUTHOR['name']}",
        lookup={"name": content.AUTHOR["name"], "email": content.AUTHOR["email"]},
        fields={"phone": content.AUTHOR["phone"], "job_title": content.AUTHOR["job_title"]},
    )
    team = loader.put(
        Team,
        key=content.TEAM,
        label=f"team “{content.TEAM}”",
        lookup={"name": content.TEAM},
        fields={},
    )
    topics: dict[str, Topic | None] = {}
    for parent_path, slug, title, summary, keywords, order in content.TOPICS:
        path = f"{parent_path}/{slug}" if parent_path else slug
        parent = topics[parent_path] if parent_path else None
        if parent_path and parent is None:
            topics[path] = None  # its parent was deleted since the demo loaded it
            continue
        is_cp = path == content.CHILD_PROTECTION
        comparators = [areas[code] for code in content.PAGE_COMPARATORS]
        topics[path] = loader.put(
            Topic,
            key=path,
            label=f"page “{title}”",
            lookup={"parent": parent, "slug": slug, "draft_of": None},
            fields={
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
            m2m={"comparators": [a for a in comparators if a is not None]} if is_cp else None,
        )
    page = topics[content.CHILD_PROTECTION]
    if page is None:
        return None
    on_page = f"on “{page.title}”"
    for order, (anchor, heading, shows, dimension, body) in enumerate(content.SECTIONS, start=1):
        indicator = indicators[shows] if shows else None
        if shows and indicator is None:
            continue  # its indicator was deleted since the demo loaded it
        loader.put(
            Section,
            key=f"{content.CHILD_PROTECTION}#{anchor}",
            label=f"section “{heading}” {on_page}",
            lookup={"topic": page, "anchor": anchor},
            fields={
                "heading": heading,
                "body": body,
                "sort_order": order,
                "indicator": indicator,
                "breakdown_dimension": dimension,
            },
        )
    for order, (title, description, url) in enumerate(content.LINKS, start=1):
        loader.put(
            TopicLink,
            key=f"{content.CHILD_PROTECTION} {title}",
            label=f"link “{title}” {on_page}",
            lookup={"topic": page, "title": title},
            fields={"description": description, "url": url, "sort_order": order},
        )
    return page


@transaction.atomic
def load_demo(*, reset: bool = False) -> LoadReport:
    """Load the demo, keeping what was edited since it was loaded; with `reset`, put every
    item of the demo back as the demo has it."""
    loader = DemoLoader(reset=reset)
    areas = load_areas(loader)
    indicators = load_indicators(loader)
    period_codes = {r["period"] for r in read_csv(PUBLISHED_CSV)} | {
        r["period"] for r in read_csv(ILLUSTRATIVE_CSV)
    }
    periods = load_periods(loader, period_codes)
    breakdowns = load_breakdowns(loader)
    load_values(loader, areas, indicators, periods, breakdowns)
    with one_save():  # the demo pages arrive as one version, not one per section
        load_topics(loader, indicators, areas)
    loader.save_records()
    apply_disclosure_control([i.pk for i in indicators.values() if i is not None])
    date_demo_content(sections=loader.written[Section], values=loader.written[Value])
    return loader.report


def date_demo_content(*, sections: list[int], values: list[int]) -> None:
    """The sections and figures this run wrote date from the demo page's original last update;
    anything else (an officer's later import or edit, an item kept) keeps its date."""
    when = timezone.make_aware(
        datetime.datetime.combine(content.LAST_UPDATED, datetime.time(12, 0))
    )
    for model, pks in ((Section, sections), (Value, values)):
        for start in range(0, len(pks), 500):
            model._default_manager.filter(pk__in=pks[start : start + 500]).update(updated_at=when)
