"""Indicators: what is measured, in which unit, and which way is better."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse

from core import formatting


class Unit(models.TextChoices):
    # The units that change how a figure is written take their codes from `core.formatting`.
    COUNT = formatting.COUNT, "Count"
    PERCENTAGE = formatting.PERCENTAGE, "Percentage"
    RATE = formatting.RATE, "Rate"
    RATIO = "ratio", "Ratio"
    MEAN = "mean", "Mean or score"


class Polarity(models.TextChoices):
    LOW_IS_GOOD = "low", "A low value is better"
    HIGH_IS_GOOD = "high", "A high value is better"
    NO_JUDGEMENT = "none", "No judgement (neither high nor low is better)"


class IndicatorQuerySet(models.QuerySet["Indicator"]):
    def get_by_natural_key(self, slug: str) -> Indicator:
        return self.get(slug=slug)

    def public(self) -> IndicatorQuerySet:
        """Indicators the public may see: those a published page shows, and those an
        administrator has made public on their own (`is_public`). An indicator only on a
        draft page is not public: its page, its figures and their downloads are not found."""
        from core import hooks

        shown = hooks.first(hooks.PUBLISHED_INDICATORS)
        if shown is None:
            return self
        return self.filter(Q(is_public=True) | Q(pk__in=shown))


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
    allows_negative = models.BooleanField(
        "figures may be negative",
        default=False,
        help_text="Tick for net changes and differences, which can be below zero; imports "
        "refuse negative figures of other indicators.",
    )
    is_public = models.BooleanField(
        "public on its own",
        default=False,
        help_text="Show the indicator's page and figures even though no published page uses "
        "it. Otherwise they are public only once a published page shows the indicator.",
    )
    is_projection = models.BooleanField(
        "figures are projections",
        default=False,
        help_text="Tick for projected figures (e.g. population projections): only then are "
        "figures for periods after the end of next year accepted.",
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
        permissions = [
            ("approve_indicator", "Can approve changes to indicator definitions"),
        ]
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
        return formatting.unit_label(self)

    @property
    def short_unit(self) -> str:
        """A suffix for a figure: “%”, “per 10,000”, or nothing for counts."""
        return formatting.unit_suffix(self)

    @property
    def polarity_sentence(self) -> str:
        noun = formatting.unit_noun(self.unit)
        if self.polarity == Polarity.LOW_IS_GOOD:
            return f"A low {noun} is better."
        if self.polarity == Polarity.HIGH_IS_GOOD:
            return f"A high {noun} is better."
        return f"A higher or lower {noun} is neither better nor worse in itself."

    def format_value(self, value: Decimal | None) -> str:
        """A figure to this indicator's decimal places, e.g. “1,234.0”; empty for none."""
        return formatting.figure_number(self, value)


#: What the public read about an indicator, and so changed only through review.
REVIEWED_FIELDS = (
    "name",
    "definition",
    "unit",
    "multiplier",
    "population",
    "decimal_places",
    "polarity",
    "allows_negative",
    "is_projection",
    "is_public",
    "source",
    "source_url",
    "methodology",
    "disclosure_threshold",
)


class DefinitionChange(models.Model):
    """An officer's change to what the public read about an indicator (its definition, unit,
    polarity, small-number rule, methodology…), waiting for a publisher's approval: until
    then the indicator stays as it was."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for approval"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"

    indicator = models.ForeignKey(
        Indicator, on_delete=models.CASCADE, related_name="definition_changes"
    )
    #: Field name → its value as text (`Field.value_to_string`), before and as proposed.
    previous = models.JSONField(default=dict)
    proposed = models.JSONField(default=dict)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    proposed_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-proposed_at"]

    def __str__(self) -> str:
        fields = ", ".join(self.field_labels())
        return f"{self.indicator.name}: {fields} ({self.get_status_display().lower()})"

    def field_labels(self) -> list[str]:
        return [str(Indicator._meta.get_field(name).verbose_name) for name in self.proposed]
