"""Indicator data: areas, indicators, periods, breakdowns, values and the imports that set them."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.text import slugify
from simple_history.models import HistoricalRecords

GSS_CODE = RegexValidator(
    r"^[EWSNKJ]\d{8}$",
    "Enter an ONS GSS code: a letter (E, W, S, N, K or J) and eight digits, e.g. E07000123.",
)


class AreaType(models.TextChoices):
    # Ordered from the largest to the smallest; `rank` below relies on this order.
    COUNTRY = "country", "Country"
    REGION = "region", "Region"
    COUNTY = "county", "County"
    UNITARY = "unitary", "Unitary authority"
    DISTRICT = "district", "District"
    OTHER = "other", "Other"


class AreaQuerySet(models.QuerySet["Area"]):
    def get_by_natural_key(self, code: str) -> Area:
        return self.get(code=code)

    def of_type(self, area_type: str) -> AreaQuerySet:
        return self.filter(area_type=area_type)


class Area(models.Model):
    code = models.CharField(
        "GSS code",
        max_length=9,
        unique=True,
        validators=[GSS_CODE],
        help_text="The ONS Government Statistical Service code, e.g. E07000123 for Preston.",
    )
    name = models.CharField(max_length=120)
    short_name = models.CharField(
        max_length=60,
        blank=True,
        help_text="A shorter name for charts and tables, e.g. “Lancashire-12”. Optional.",
    )
    area_type = models.CharField(max_length=16, choices=AreaType.choices)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        help_text="The area this one rolls up to (district → county → region → country).",
    )
    slug = models.SlugField(max_length=130, unique=True, editable=False)

    objects = AreaQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(parent=F("pk")),
                name="area_not_own_parent",
                violation_error_message="An area cannot be its own parent.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.display_name} ({self.code})"

    def natural_key(self) -> tuple[str]:
        return (self.code,)

    @property
    def display_name(self) -> str:
        return self.short_name or self.name

    def get_absolute_url(self) -> str:
        return reverse("indicators:area_detail", kwargs={"slug": self.slug})

    def save(self, *args, **kwargs) -> None:
        self.slug = f"{slugify(self.display_name)}-{self.code.lower()}"
        super().save(*args, **kwargs)

    def clean(self) -> None:
        super().clean()
        if self.parent_id is None:
            return
        # Walk up from the proposed parent: meeting this area again would make a loop.
        seen: set[int] = set()
        ancestor: Area | None = self.parent
        while ancestor is not None:
            if self.pk is not None and ancestor.pk == self.pk:
                raise ValidationError(
                    {"parent": "This parent would make the area its own ancestor."}
                )
            if ancestor.pk in seen:
                break
            seen.add(ancestor.pk)
            ancestor = ancestor.parent
        if _type_rank(self.parent.area_type) > _type_rank(self.area_type):
            raise ValidationError(
                {
                    "parent": f"A {self.get_area_type_display().lower()} cannot roll up to a "
                    f"smaller {self.parent.get_area_type_display().lower()}."
                }
            )

    def ancestors(self) -> list[Area]:
        """The chain of parents, nearest first: Preston → Lancashire-12, North West, England."""
        chain: list[Area] = []
        node = self.parent
        while node is not None and node not in chain:
            chain.append(node)
            node = node.parent
        return chain

    def comparators(self) -> list[Area]:
        """Areas this one is compared with: its ancestors, then members of its named groups."""
        found = self.ancestors()
        for group in self.comparator_groups.prefetch_related("members"):
            for member in group.members.all():
                if member != self and member not in found:
                    found.append(member)
        return found


def _type_rank(area_type: str) -> int:
    order = [
        AreaType.COUNTRY,
        AreaType.REGION,
        AreaType.COUNTY,
        AreaType.UNITARY,
        AreaType.DISTRICT,
    ]
    # A unitary authority and a county are peers: both sit directly under a region.
    rank = {t.value: i for i, t in enumerate(order)}
    rank[AreaType.UNITARY] = rank[AreaType.COUNTY]
    return rank.get(area_type, len(order))


class ComparatorGroup(models.Model):
    """A named set of areas to compare with, beyond the hierarchy (e.g. statistical neighbours)."""

    name = models.CharField(max_length=120, unique=True)
    description = models.TextField(blank=True)
    areas = models.ManyToManyField(
        Area,
        related_name="comparator_groups",
        blank=True,
        help_text="The areas that use this group as comparators.",
    )
    members = models.ManyToManyField(
        Area,
        related_name="member_of_groups",
        blank=True,
        help_text="The areas they are compared with.",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Unit(models.TextChoices):
    COUNT = "count", "Count"
    PERCENTAGE = "percentage", "Percentage"
    RATE = "rate", "Rate"
    RATIO = "ratio", "Ratio"
    MEAN = "mean", "Mean or score"


class Polarity(models.TextChoices):
    LOW_IS_GOOD = "low", "A low value is better"
    HIGH_IS_GOOD = "high", "A high value is better"
    NO_JUDGEMENT = "none", "No judgement (neither high nor low is better)"


class IndicatorQuerySet(models.QuerySet["Indicator"]):
    def get_by_natural_key(self, slug: str) -> Indicator:
        return self.get(slug=slug)


class Indicator(models.Model):
    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    definition = models.TextField(blank=True, help_text="What is counted, in plain words.")
    unit = models.CharField(max_length=12, choices=Unit.choices)
    multiplier = models.PositiveIntegerField(
        default=1,
        help_text="For a rate, the population it is per: 1,000, 10,000 or 100,000. "
        "100 for a percentage, 1 for a count.",
    )
    population = models.CharField(
        max_length=120,
        blank=True,
        help_text="For a rate, the population it is per, e.g. “population aged under 18”.",
    )
    decimal_places = models.PositiveSmallIntegerField(default=1)
    polarity = models.CharField(
        max_length=4, choices=Polarity.choices, default=Polarity.NO_JUDGEMENT
    )
    source = models.CharField(max_length=300, blank=True, help_text="Who publishes the figures.")
    source_url = models.URLField(blank=True)
    methodology = models.TextField(blank=True)
    disclosure_threshold = models.PositiveSmallIntegerField(
        "small-number rule",
        null=True,
        blank=True,
        help_text="Counts from 1 up to this number can identify people: such figures are kept "
        "but never published (shown as “c”), with a second figure withheld where the first "
        "could be worked out from a total. E.g. 4 withholds counts 1 to 4. Empty: no rule.",
    )
    fingertips_id = models.PositiveIntegerField(
        "Fingertips indicator ID",
        null=True,
        blank=True,
        unique=True,
    )

    objects = IndicatorQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(decimal_places__lte=6),
                name="indicator_decimal_places_max_6",
                violation_error_message="Use at most 6 decimal places.",
            ),
            models.CheckConstraint(
                condition=~Q(unit="percentage") | Q(multiplier=100),
                name="indicator_percentage_per_100",
                violation_error_message="A percentage is per 100: set the multiplier to 100.",
            ),
            models.CheckConstraint(
                condition=~Q(unit="count") | Q(multiplier=1),
                name="indicator_count_multiplier_1",
                violation_error_message="A count has no multiplier: set it to 1.",
            ),
            models.CheckConstraint(
                condition=~Q(unit="rate") | Q(multiplier__gt=1),
                name="indicator_rate_has_multiplier",
                violation_error_message="A rate is per a population: set the multiplier "
                "(e.g. 10,000).",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def natural_key(self) -> tuple[str]:
        return (self.slug,)

    def get_absolute_url(self) -> str:
        return reverse("indicators:indicator_detail", kwargs={"slug": self.slug})

    def clean(self) -> None:
        super().clean()
        if self.unit == Unit.RATE and not self.population:
            raise ValidationError({"population": "Say which population the rate is per."})

    @property
    def unit_label(self) -> str:
        """The unit in words, e.g. “rate per 10,000 population aged under 18” or “%”."""
        if self.unit == Unit.PERCENTAGE:
            return "%"
        if self.unit == Unit.RATE:
            return f"rate per {self.multiplier:,} {self.population}".strip()
        if self.unit == Unit.COUNT:
            return "number"
        return self.get_unit_display().lower()

    @property
    def short_unit(self) -> str:
        """A suffix for a figure: “%”, “per 10,000”, or nothing for counts."""
        if self.unit == Unit.PERCENTAGE:
            return "%"
        if self.unit == Unit.RATE:
            return f"per {self.multiplier:,}"
        return ""

    @property
    def polarity_sentence(self) -> str:
        noun = {Unit.PERCENTAGE: "percentage", Unit.RATE: "rate", Unit.COUNT: "number"}.get(
            self.unit, "value"
        )
        if self.polarity == Polarity.LOW_IS_GOOD:
            return f"A low {noun} is better."
        if self.polarity == Polarity.HIGH_IS_GOOD:
            return f"A high {noun} is better."
        return f"A higher or lower {noun} is neither better nor worse in itself."

    def format_value(self, value: Decimal | None) -> str:
        if value is None:
            return ""
        return f"{value:,.{self.decimal_places}f}"


class PeriodKind(models.TextChoices):
    FINANCIAL_YEAR = "fy", "Financial year"
    ACADEMIC_YEAR = "ay", "Academic year"
    CALENDAR_YEAR = "cy", "Calendar year"
    SNAPSHOT = "snapshot", "Snapshot date"


FINANCIAL_YEAR_RE = re.compile(r"^(\d{4})\s*[/-]\s*(\d{2}|\d{4})$")
COMPACT_YEAR_RE = re.compile(r"^(\d{4})(\d{2})$")
# An academic year is written with “AY” in front, so that its code never collides with the
# financial year of the same years: AY2012/13 (also “AY 2012/13”, “AY201213”).
ACADEMIC_YEAR_RE = re.compile(r"^AY\s*(\d{4})\s*[/-]?\s*(\d{2}|\d{4})$", re.IGNORECASE)


class PeriodQuerySet(models.QuerySet["Period"]):
    def get_by_natural_key(self, code: str) -> Period:
        return self.get(code=code)

    def get_or_create_from_code(self, code: str) -> tuple[Period, bool]:
        period = Period.from_code(code)
        return self.get_or_create(
            code=period.code,
            defaults={
                "kind": period.kind,
                "start_date": period.start_date,
                "end_date": period.end_date,
                "label": period.label,
            },
        )


class Period(models.Model):
    """A time period a value refers to. Sorted by when it ends, then when it starts."""

    code = models.CharField(
        max_length=20,
        unique=True,
        help_text="2012/13 for a financial year, 2012 for a calendar year, "
        "2013-03-31 for a snapshot date.",
    )
    kind = models.CharField(max_length=8, choices=PeriodKind.choices)
    start_date = models.DateField()
    end_date = models.DateField()
    label = models.CharField(max_length=40, help_text="How the period is shown, e.g. “2012/13”.")

    objects = PeriodQuerySet.as_manager()

    class Meta:
        ordering = ["end_date", "start_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(start_date__lte=F("end_date")),
                name="period_starts_before_it_ends",
                violation_error_message="A period cannot end before it starts.",
            ),
            models.CheckConstraint(
                condition=~Q(kind="snapshot") | Q(start_date=F("end_date")),
                name="period_snapshot_is_one_day",
                violation_error_message="A snapshot is a single date: start and end must match.",
            ),
        ]
        indexes = [models.Index(fields=["end_date", "start_date"], name="period_time_order")]

    def __str__(self) -> str:
        return self.label

    def natural_key(self) -> tuple[str]:
        return (self.code,)

    @classmethod
    def from_code(cls, code: str) -> Period:
        """Read a period from how it is written: 2012/13, 2012-13, 201213, 2012, 2013-03-31,
        31/03/2013. Raises ValueError with a message that says what was expected."""
        text = str(code).strip()
        academic = ACADEMIC_YEAR_RE.match(text)
        if academic:
            start_year = _following_year(text, academic.group(1), academic.group(2)) - 1
            return cls.academic_year(start_year)
        match = FINANCIAL_YEAR_RE.match(text) or COMPACT_YEAR_RE.match(text)
        if match:
            start_year = int(match.group(1))
            end_part = match.group(2)
            if len(end_part) == 4:
                end_year = int(end_part)
            else:  # two digits: the year after, across a century too (1999/00)
                end_year = start_year + 1 if (start_year + 1) % 100 == int(end_part) else -1
            if end_year != start_year + 1:
                raise ValueError(
                    f"“{text}” is not a financial year: the second year must follow the first "
                    f"(e.g. 2012/13)."
                )
            return cls(
                code=f"{start_year}/{end_year % 100:02d}",
                kind=PeriodKind.FINANCIAL_YEAR,
                start_date=datetime.date(start_year, 4, 1),
                end_date=datetime.date(end_year, 3, 31),
                label=f"{start_year}/{end_year % 100:02d}",
            )
        if re.fullmatch(r"\d{4}", text):
            year = int(text)
            return cls(
                code=text,
                kind=PeriodKind.CALENDAR_YEAR,
                start_date=datetime.date(year, 1, 1),
                end_date=datetime.date(year, 12, 31),
                label=text,
            )
        for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d %B %Y"):
            try:
                day = datetime.datetime.strptime(text, fmt).date()
            except ValueError:
                continue
            return cls(
                code=day.isoformat(),
                kind=PeriodKind.SNAPSHOT,
                start_date=day,
                end_date=day,
                label=f"{day.day} {day:%B %Y}",
            )
        raise ValueError(
            f"“{text}” is not a period we can read: use 2012/13 for a financial year, 2012 for "
            f"a calendar year, AY2012/13 for an academic year or 2013-03-31 for a snapshot date."
        )

    @classmethod
    def academic_year(cls, start_year: int) -> Period:
        """The academic year from 1 September ``start_year`` to 31 August of the next year."""
        short = f"{start_year}/{(start_year + 1) % 100:02d}"
        return cls(
            code=f"AY{short}",
            kind=PeriodKind.ACADEMIC_YEAR,
            start_date=datetime.date(start_year, 9, 1),
            end_date=datetime.date(start_year + 1, 8, 31),
            label=f"AY {short}",
        )


def _following_year(text: str, first: str, second: str) -> int:
    """The second year of “2012/13” or “2012/2013” as a number; a ValueError unless it is the
    year after the first (1999/00 crosses the century)."""
    start_year = int(first)
    if len(second) == 4:
        end_year = int(second)
    else:
        end_year = start_year + 1 if (start_year + 1) % 100 == int(second) else -1
    if end_year != start_year + 1:
        raise ValueError(
            f"“{text}” is not a year we can read: the second year must follow the first "
            f"(e.g. 2012/13)."
        )
    return end_year


class BreakdownType(models.TextChoices):
    AGE = "age", "Age band"
    SEX = "sex", "Sex"
    ETHNICITY = "ethnicity", "Ethnicity"
    DEPRIVATION = "deprivation", "Deprivation decile"
    OTHER = "other", "Other"


class BreakdownQuerySet(models.QuerySet["Breakdown"]):
    def get_by_natural_key(self, dimension: str, label: str) -> Breakdown:
        return self.get(dimension=dimension, label=label)


class Breakdown(models.Model):
    """A category a value may be broken down by. A value with no breakdown covers everyone."""

    dimension = models.CharField(max_length=16, choices=BreakdownType.choices)
    label = models.CharField(max_length=100)
    sort_order = models.PositiveSmallIntegerField(
        default=0, help_text="Position within its dimension, e.g. age bands youngest first."
    )

    objects = BreakdownQuerySet.as_manager()

    class Meta:
        ordering = ["dimension", "sort_order", "label"]
        constraints = [
            models.UniqueConstraint(
                fields=["dimension", "label"],
                name="breakdown_unique_label_per_dimension",
                violation_error_message="This dimension already has a category with this label.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_dimension_display()}: {self.label}"

    def natural_key(self) -> tuple[str, str]:
        return (self.dimension, self.label)


class ImportBatch(models.Model):
    """One import of a file: who, when, what, and what it did."""

    class Status(models.TextChoices):
        APPLIED = "applied", "Applied"
        REJECTED = "rejected", "Rejected (nothing changed)"
        UNDONE = "undone", "Undone"

    file_name = models.CharField(max_length=255)
    file_hash = models.CharField("SHA-256 of the file", max_length=64, blank=True, db_index=True)
    file_format = models.CharField(max_length=40, blank=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="import_batches",
    )
    imported_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.APPLIED)
    rows_added = models.PositiveIntegerField(default=0)
    rows_changed = models.PositiveIntegerField(default=0)
    rows_unchanged = models.PositiveIntegerField(default=0)
    rows_rejected = models.PositiveIntegerField(default=0)
    rows_skipped = models.PositiveIntegerField(
        default=0,
        help_text="Rows that hold nothing to import: blank and note rows, and rows for areas "
        "or indicators this site does not hold.",
    )
    notes = models.TextField(blank=True)
    applied_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the import finished writing. A value it set that was saved after this "
        "has been changed since, which stops the import from being undone.",
    )
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="undone_import_batches",
    )
    areas_added = models.ManyToManyField(
        "Area",
        blank=True,
        related_name="added_by_imports",
        help_text="Areas this import created from the file's own codes and names.",
    )

    class Meta:
        ordering = ["-imported_at"]
        verbose_name_plural = "import batches"

    def __str__(self) -> str:
        when = self.imported_at.strftime("%d/%m/%Y %H:%M") if self.imported_at else "not saved"
        return f"{self.file_name} ({when})"


class ValueStatus(models.TextChoices):
    AVAILABLE = "available", "Available"
    SUPPRESSED = "suppressed", "Suppressed (small numbers)"
    NOT_AVAILABLE = "not_available", "Not available"
    NOT_APPLICABLE = "not_applicable", "Not applicable"


class ValueQuerySet(models.QuerySet["Value"]):
    def with_related(self) -> ValueQuerySet:
        return self.select_related("indicator", "area", "period", "breakdown")

    def for_indicator_table(self, indicator: Indicator) -> ValueQuerySet:
        return (
            self.filter(indicator=indicator)
            .with_related()
            .order_by(
                "period__end_date", "area__name", "breakdown__dimension", "breakdown__sort_order"
            )
        )

    def for_topic_page(
        self, *, indicator_ids: list[int], area: Area, comparator_ids: list[int]
    ) -> ValueQuerySet:
        """Every value a topic page shows, in one query: its indicators for the page's area,
        the area's comparators and the areas within it (e.g. Lancashire's districts)."""
        # The areas as a subquery, so that the database goes through the (area, indicator)
        # index rather than every value of the page's indicators.
        area_ids = Area.objects.filter(
            Q(pk__in=[area.pk, *comparator_ids]) | Q(parent_id=area.pk)
        ).values("pk")
        return self.filter(indicator_id__in=indicator_ids, area_id__in=area_ids).with_related()

    def illustrative(self) -> ValueQuerySet:
        return self.filter(is_illustrative=True)

    def published(self) -> ValueQuerySet:
        return self.filter(is_illustrative=False)


def _decimal_field(verbose_name: str, **kwargs) -> models.DecimalField:
    return models.DecimalField(
        verbose_name, max_digits=20, decimal_places=6, null=True, blank=True, **kwargs
    )


class Value(models.Model):
    """One figure for (indicator, area, period, breakdown). A missing figure has no value and a
    status saying why: it is never stored as zero."""

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="values")
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="values")
    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="values")
    breakdown = models.ForeignKey(
        Breakdown,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="values",
        help_text="Leave empty for the whole population.",
    )
    value = _decimal_field("value")
    status = models.CharField(
        max_length=16, choices=ValueStatus.choices, default=ValueStatus.AVAILABLE
    )
    count = _decimal_field("count (numerator)")
    denominator = _decimal_field("denominator")
    lower_ci = _decimal_field("lower 95% confidence limit")
    upper_ci = _decimal_field("upper 95% confidence limit")
    note = models.CharField(max_length=300, blank=True)
    is_illustrative = models.BooleanField(
        "illustrative (synthetic)",
        default=False,
        help_text="A made-up figure for demonstration. Shown everywhere as illustrative.",
    )
    withheld = models.CharField(
        max_length=10,
        choices=[
            ("", "Published"),
            ("primary", "Withheld: small number"),
            ("secondary", "Withheld: would reveal a small number"),
        ],
        blank=True,
        default="",
        editable=False,
        help_text="Set by disclosure control: a withheld figure is kept for officers but the "
        "public sees “c”.",
    )
    import_batch = models.ForeignKey(
        ImportBatch,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="values",
        help_text="The import that last set this value.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = ValueQuerySet.as_manager()
    # Edits made in the admin, with who and when; imports keep their own record (ImportChange).
    history = HistoricalRecords()

    class Meta:
        ordering = ["indicator", "period__end_date", "area__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "area", "period", "breakdown"],
                name="value_unique_with_breakdown",
                condition=Q(breakdown__isnull=False),
                violation_error_message="There is already a value for this indicator, area, "
                "period and breakdown.",
            ),
            models.UniqueConstraint(
                fields=["indicator", "area", "period"],
                name="value_unique_without_breakdown",
                condition=Q(breakdown__isnull=True),
                violation_error_message="There is already a value for this indicator, area "
                "and period.",
            ),
            models.CheckConstraint(
                condition=(Q(status="available") & Q(value__isnull=False))
                | (~Q(status="available") & Q(value__isnull=True)),
                name="value_present_only_when_available",
                violation_error_message="A value that is available needs a figure; a suppressed "
                "or missing value must have none (never zero).",
            ),
            models.CheckConstraint(
                condition=Q(count__isnull=True) | Q(count__gte=0),
                name="value_count_not_negative",
                violation_error_message="The count cannot be negative.",
            ),
            models.CheckConstraint(
                condition=Q(denominator__isnull=True) | Q(denominator__gt=0),
                name="value_denominator_positive",
                violation_error_message="The denominator must be greater than zero.",
            ),
            models.CheckConstraint(
                condition=Q(lower_ci__isnull=True)
                | Q(value__isnull=True)
                | Q(lower_ci__lte=F("value")),
                name="value_lower_ci_not_above_value",
                violation_error_message="The lower confidence limit cannot be above the value.",
            ),
            models.CheckConstraint(
                condition=Q(upper_ci__isnull=True)
                | Q(value__isnull=True)
                | Q(upper_ci__gte=F("value")),
                name="value_upper_ci_not_below_value",
                violation_error_message="The upper confidence limit cannot be below the value.",
            ),
            models.CheckConstraint(
                condition=Q(lower_ci__isnull=True)
                | Q(upper_ci__isnull=True)
                | Q(lower_ci__lte=F("upper_ci")),
                name="value_ci_in_order",
                violation_error_message="The lower confidence limit cannot be above the upper.",
            ),
        ]
        indexes = [
            models.Index(fields=["indicator", "period"], name="value_indicator_period"),
            models.Index(fields=["area", "indicator"], name="value_area_indicator"),
        ]

    def __str__(self) -> str:
        figure = (
            self.indicator.format_value(self.value)
            if self.value is not None
            else (self.get_status_display().lower())
        )
        breakdown = f", {self.breakdown.label}" if self.breakdown_id else ""
        return (
            f"{self.indicator.name}: {self.area.display_name}, {self.period}{breakdown}: {figure}"
        )

    def clean(self) -> None:
        super().clean()
        errors: dict[str, str] = {}
        if self.status == ValueStatus.AVAILABLE and self.value is None:
            errors["value"] = "Enter the figure, or choose a status such as “Suppressed”."
        if self.status != ValueStatus.AVAILABLE and self.value is not None:
            errors["value"] = (
                f"A {self.get_status_display().lower()} value has no figure: leave it empty "
                f"(it is never stored as zero)."
            )
        if self.indicator_id and self.value is not None:
            indicator = self.indicator
            if indicator.unit == Unit.PERCENTAGE and not (0 <= self.value <= 100):
                errors["value"] = "A percentage must be between 0 and 100."
            elif indicator.unit in (Unit.RATE, Unit.COUNT) and self.value < 0:
                errors["value"] = f"A {indicator.get_unit_display().lower()} cannot be negative."
        if self.count is not None and self.count < 0:
            errors["count"] = "The count cannot be negative."
        if self.denominator is not None and self.denominator <= 0:
            errors["denominator"] = "The denominator must be greater than zero."
        if (
            self.count is not None
            and self.denominator is not None
            and self.count > self.denominator
            and self.indicator_id
            and self.indicator.unit == Unit.PERCENTAGE
        ):
            errors["count"] = "For a percentage the count cannot exceed the denominator."
        if self.value is not None:
            if self.lower_ci is not None and self.lower_ci > self.value:
                errors["lower_ci"] = (
                    f"The lower confidence limit ({self.lower_ci}) cannot be above the value "
                    f"({self.value})."
                )
            if self.upper_ci is not None and self.upper_ci < self.value:
                errors["upper_ci"] = (
                    f"The upper confidence limit ({self.upper_ci}) cannot be below the value "
                    f"({self.value})."
                )
        if (
            self.lower_ci is not None
            and self.upper_ci is not None
            and self.lower_ci > self.upper_ci
            and "lower_ci" not in errors
        ):
            errors["lower_ci"] = "The lower confidence limit cannot be above the upper."
        if errors:
            raise ValidationError(errors)

    @property
    def display(self) -> str:
        """The figure as shown: formatted with the indicator's decimal places, or its status."""
        if self.value is None:
            return self.get_status_display()
        return self.indicator.format_value(self.value)


class SourceMapping(models.Model):
    """Which of our indicators a source's own indicator is: a Fingertips indicator ID or a DfE
    Explore Education Statistics measure column, mapped by an officer once and reused for every
    later file from that source. No indicator means “leave these figures out”."""

    class Source(models.TextChoices):
        FINGERTIPS = "fingertips", "OHID Fingertips"
        EES = "ees", "DfE Explore Education Statistics"

    source = models.CharField(max_length=12, choices=Source.choices)
    key = models.CharField(
        max_length=200,
        help_text="The source's own identifier: a Fingertips indicator ID such as 90812, or an "
        "EES measure column such as CPP_subsequent_percent.",
    )
    name = models.CharField(
        max_length=300, blank=True, help_text="The source's name for it, as the file gave it."
    )
    indicator = models.ForeignKey(
        Indicator,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="source_mappings",
        help_text="Leave empty to leave this source indicator out of imports.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["source", "key"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "key"],
                name="source_mapping_unique_key",
                violation_error_message="This source indicator is already mapped.",
            ),
        ]

    def __str__(self) -> str:
        target = self.indicator.name if self.indicator_id else "left out"
        return f"{self.get_source_display()} {self.key} → {target}"


class ImportChange(models.Model):
    """One figure an import created or changed, with what it was before, so that the import
    can be undone. The natural key is kept as well as the value: it says which figure it was
    even after the value itself has been deleted."""

    class Action(models.TextChoices):
        CREATED = "created", "Created"
        UPDATED = "updated", "Updated"

    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="changes")
    value = models.ForeignKey(
        Value, on_delete=models.SET_NULL, null=True, blank=True, related_name="import_changes"
    )
    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="+")
    area = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="+")
    period = models.ForeignKey(Period, on_delete=models.CASCADE, related_name="+")
    breakdown = models.ForeignKey(
        Breakdown, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    action = models.CharField(max_length=8, choices=Action.choices)
    row_number = models.PositiveIntegerField(help_text="The row of the file that set it.")
    previous = models.JSONField(
        null=True,
        blank=True,
        help_text="The figure before the import (value, status, count, denominator, limits, "
        "note, illustrative flag, import and time); empty when the import created it.",
    )

    class Meta:
        ordering = ["batch", "row_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["batch", "indicator", "area", "period", "breakdown"],
                name="import_change_unique_with_breakdown",
                condition=Q(breakdown__isnull=False),
            ),
            models.UniqueConstraint(
                fields=["batch", "indicator", "area", "period"],
                name="import_change_unique_without_breakdown",
                condition=Q(breakdown__isnull=True),
            ),
            models.CheckConstraint(
                condition=Q(action="created", previous__isnull=True)
                | Q(action="updated", previous__isnull=False),
                name="import_change_previous_only_when_updated",
                violation_error_message="An updated figure keeps its previous state; a created "
                "one has none.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} in {self.batch}: row {self.row_number}"


WITHHELD_NOTE = "c: withheld to protect confidentiality"


class PublishedValue(Value):
    """Values as the public may see them: a figure withheld by disclosure control arrives with
    no value, count or limits and the status “suppressed” (shown as “c”), so no public page,
    chart or download can show it. Officers' code uses `Value`."""

    class Meta:
        proxy = True

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        if instance.__dict__.get("withheld"):
            instance.mask()
        return instance

    def mask(self) -> None:
        self.value = self.count = self.lower_ci = self.upper_ci = None
        self.status = ValueStatus.SUPPRESSED
        self.note = WITHHELD_NOTE
