"""Breakdowns: the categories (age band, sex, ethnicity…) a figure may be broken down by."""

from __future__ import annotations

from django.db import models


class BreakdownType(models.TextChoices):
    AGE = "age", "Age band"
    SEX = "sex", "Sex"
    ETHNICITY = "ethnicity", "Ethnicity"
    DEPRIVATION = "deprivation", "Deprivation decile"
    OTHER = "other", "Other"


class BreakdownQuerySet(models.QuerySet["Breakdown"]):
    def get_by_natural_key(self, dimension: str, label: str, scheme: str = "") -> Breakdown:
        return self.get(dimension=dimension, label=label, scheme=scheme)


class Breakdown(models.Model):
    """A category a value may be broken down by. A value with no breakdown covers everyone."""

    dimension = models.CharField(max_length=16, choices=BreakdownType.choices)
    label = models.CharField(max_length=100)
    scheme = models.CharField(
        max_length=200,
        blank=True,
        help_text="The set of categories the label belongs to, where one label is used by "
        "several, e.g. Fingertips' county-level and district-level deprivation deciles.",
    )
    sort_order = models.PositiveSmallIntegerField(
        default=0, help_text="Position within its dimension, e.g. age bands youngest first."
    )

    objects = BreakdownQuerySet.as_manager()

    class Meta:
        ordering = ["dimension", "sort_order", "label"]
        constraints = [
            models.UniqueConstraint(
                fields=["dimension", "scheme", "label"],
                name="breakdown_unique_label_per_scheme",
                violation_error_message="This dimension already has a category with this label.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_dimension_display()}: {self.full_label}"

    @property
    def full_label(self) -> str:
        """The label, with its set of categories where it has one: Fingertips's county-level
        and district-level deprivation deciles share labels, and a table or download that
        named only the label would show two rows alike with different figures."""
        return f"{self.label} ({self.scheme})" if self.scheme else self.label

    def natural_key(self) -> tuple[str, str, str]:
        return (self.dimension, self.label, self.scheme)
