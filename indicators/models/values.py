"""Values: one figure for an indicator, area, period and breakdown, or the status saying why
there is none; and the public's view of them, with withheld figures masked."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Exists, F, OuterRef, Q
from simple_history.models import HistoricalRecords

from core import formatting
from indicators.models.areas import Area
from indicators.models.breakdowns import Breakdown
from indicators.models.indicators import Indicator, Unit
from indicators.models.periods import Period


class ValueStatus(models.TextChoices):
    # Worded by `core.formatting`, which writes a missing figure's status wherever it is shown.
    AVAILABLE = "available", formatting.STATUS_LABELS["available"]
    SUPPRESSED = "suppressed", formatting.STATUS_LABELS["suppressed"]
    NOT_AVAILABLE = "not_available", formatting.STATUS_LABELS["not_available"]
    NOT_APPLICABLE = "not_applicable", formatting.STATUS_LABELS["not_applicable"]


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

    def public(self) -> ValueQuerySet:
        """Released figures only: what the public may see (before disclosure control)."""
        return self.filter(is_staged=False)

    def staged(self) -> ValueQuerySet:
        return self.filter(is_staged=True)

    def releasing(self, batch_ids: Iterable[int] | None = None) -> ValueQuerySet:
        """The figures as they will be once the staged imports `batch_ids` are released
        (every import waiting for release if None): their staged figures, and the released
        figures they do not replace. What officers see in a preview."""
        staged = Value.objects.filter(
            is_staged=True,
            indicator_id=OuterRef("indicator_id"),
            area_id=OuterRef("area_id"),
            period_id=OuterRef("period_id"),
        )
        chosen = Q(is_staged=True)
        if batch_ids is not None:
            batch_ids = list(batch_ids)
            staged = staged.filter(import_batch_id__in=batch_ids)
            chosen &= Q(import_batch_id__in=batch_ids)
        replaced = (Q(breakdown__isnull=True) & Exists(staged.filter(breakdown__isnull=True))) | (
            Q(breakdown__isnull=False)
            & Exists(staged.filter(breakdown_id=OuterRef("breakdown_id")))
        )
        return self.filter(chosen | (Q(is_staged=False) & ~replaced))

    def illustrative(self) -> ValueQuerySet:
        return self.filter(is_illustrative=True)

    def published(self) -> ValueQuerySet:
        return self.filter(is_illustrative=False)


def _decimal_field(verbose_name: str, **kwargs) -> models.DecimalField:
    return models.DecimalField(
        verbose_name, max_digits=20, decimal_places=6, null=True, blank=True, **kwargs
    )


def figure_errors(
    indicator: Indicator | None,
    value: Any,
    status: str,
    count: Any,
    denominator: Any,
    lower_ci: Any,
    upper_ci: Any,
) -> dict[str, str]:
    """What is wrong with a figure, by field: the rules of `Value.clean` that need nothing but
    the figure and its indicator (the importer holds every figure of a file to them without
    building a model instance)."""
    errors: dict[str, str] = {}
    if status == ValueStatus.AVAILABLE and value is None:
        errors["value"] = "Enter the figure, or choose a status such as “Suppressed”."
    if status != ValueStatus.AVAILABLE and value is not None:
        errors["value"] = (
            f"A {_status_label(status).lower()} value has no figure: leave it empty "
            f"(it is never stored as zero)."
        )
    if indicator is not None and value is not None:
        lowest = -100 if indicator.allows_negative else 0
        if indicator.unit == Unit.PERCENTAGE and not (lowest <= value <= 100):
            errors["value"] = f"A percentage must be between {lowest} and 100."
        elif (
            indicator.unit in (Unit.RATE, Unit.COUNT)
            and value < 0
            and not indicator.allows_negative
        ):
            errors["value"] = (
                f"A {indicator.get_unit_display().lower()} cannot be negative; tick "
                f"“figures may be negative” on the indicator if it is a net change."
            )
    if count is not None and count < 0:
        errors["count"] = "The count cannot be negative."
    if denominator is not None and denominator <= 0:
        errors["denominator"] = "The denominator must be greater than zero."
    if (
        count is not None
        and denominator is not None
        and count > denominator
        and indicator is not None
        and indicator.unit == Unit.PERCENTAGE
    ):
        errors["count"] = "For a percentage the count cannot exceed the denominator."
    if value is not None:
        if lower_ci is not None and lower_ci > value:
            errors["lower_ci"] = (
                f"The lower confidence limit ({lower_ci}) cannot be above the value ({value})."
            )
        if upper_ci is not None and upper_ci < value:
            errors["upper_ci"] = (
                f"The upper confidence limit ({upper_ci}) cannot be below the value ({value})."
            )
    if (
        lower_ci is not None
        and upper_ci is not None
        and lower_ci > upper_ci
        and "lower_ci" not in errors
    ):
        errors["lower_ci"] = "The lower confidence limit cannot be above the upper."
    return errors


def _status_label(status: str) -> str:
    try:
        return str(ValueStatus(status).label)
    except ValueError:
        return status


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
        "ImportBatch",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="values",
        help_text="The import that last set this value.",
    )
    updated_at = models.DateTimeField(auto_now=True)
    is_staged = models.BooleanField(
        "staged (not yet released)",
        default=False,
        editable=False,
        help_text="Set by an import that has not been released: officers see it in previews, "
        "the public never does. A staged figure for a key the public already has a figure for "
        "sits beside it until the release replaces the public one.",
    )
    revised_on = models.DateField(
        null=True,
        blank=True,
        editable=False,
        help_text="The day a release last changed this published figure (shown as “r”).",
    )
    previous_value = _decimal_field("previous value", editable=False)
    previous_status = models.CharField(
        max_length=16, choices=ValueStatus.choices, blank=True, editable=False
    )

    objects = ValueQuerySet.as_manager()
    # Edits made in the admin, with who and when; imports keep their own record (ImportChange).
    history = HistoricalRecords()

    class Meta:
        ordering = ["indicator", "period__end_date", "area__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "area", "period", "breakdown", "is_staged"],
                name="value_unique_with_breakdown",
                condition=Q(breakdown__isnull=False),
                violation_error_message="There is already a value for this indicator, area, "
                "period and breakdown.",
            ),
            models.UniqueConstraint(
                fields=["indicator", "area", "period", "is_staged"],
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
            else formatting.status_words(self.status)
        )
        breakdown = f", {self.breakdown.label}" if self.breakdown_id else ""
        return (
            f"{self.indicator.name}: {self.area.display_name}, {self.period}{breakdown}: {figure}"
        )

    def clean(self) -> None:
        super().clean()
        # The indicator is fetched only when its unit matters: for a figure, or a count and
        # denominator.
        needs_indicator = self.value is not None or (
            self.count is not None and self.denominator is not None
        )
        errors = figure_errors(
            self.indicator if self.indicator_id and needs_indicator else None,
            self.value,
            self.status,
            self.count,
            self.denominator,
            self.lower_ci,
            self.upper_ci,
        )
        if not errors and self.indicator_id and self.area_id and self.period_id:
            # The unique constraints include is_staged, which no form has, so Django's own
            # check of them is skipped: a released figure is checked for a twin here.
            twins = Value.objects.filter(
                indicator_id=self.indicator_id,
                area_id=self.area_id,
                period_id=self.period_id,
                breakdown_id=self.breakdown_id,
                is_staged=self.is_staged,
            ).exclude(pk=self.pk)
            if twins.exists():
                errors["period"] = (
                    "There is already a value for this indicator, area and period"
                    + (" and breakdown." if self.breakdown_id else ".")
                )
        if errors:
            raise ValidationError(errors)

    @property
    def display(self) -> str:
        """The figure as shown: formatted with the indicator's decimal places, or its status."""
        if self.value is None:  # the indicator is not needed, nor fetched
            return formatting.status_label(self.status)
        return self.indicator.format_value(self.value)


WITHHELD_NOTE = formatting.WITHHELD_NOTE


class PublishedValueManager(models.Manager.from_queryset(ValueQuerySet)):  # type: ignore[misc]
    def get_queryset(self) -> ValueQuerySet:
        return super().get_queryset().filter(is_staged=False)


class PublishedValue(Value):
    """Values as the public may see them: released figures only (never a staged import's),
    and a figure withheld by disclosure control arrives with no value, count or limits and
    the status “suppressed” (shown as “c”), so no public page, chart or download can show it.
    Officers' code uses `Value`."""

    objects = PublishedValueManager()
    #: Staged figures too, masked as the public would see them: for officers' previews of a
    #: release (`ValueQuerySet.releasing`), never for the public.
    with_staged = models.Manager.from_queryset(ValueQuerySet)()

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
        self.previous_value = None  # what a withheld figure was is withheld too
        self.revised_on, self.previous_status = None, ""
        self.status = ValueStatus.SUPPRESSED
        self.note = WITHHELD_NOTE
