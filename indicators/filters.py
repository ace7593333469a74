"""Filters for tables and downloads of values: plain Django forms read from the query string."""

from __future__ import annotations

from django import forms
from django.db.models import QuerySet
from django.utils.http import urlencode

from indicators.models import (
    Area,
    AreaType,
    BreakdownType,
    Indicator,
    Period,
    PublishedValue,
    Value,
)


class IndicatorValuesFilter(forms.Form):
    """Narrows an indicator's table by area type and period (`?area_type=district&period=2012/13`).

    Always bound to the query string; an empty choice means “all”. A choice that is not valid
    is reported beside its field and ignored, so the other filters still apply."""

    area_type = forms.ChoiceField(
        label="Area type",
        required=False,
        choices=[("", "All area types"), *AreaType.choices],
    )
    period = forms.ModelChoiceField(
        label="Period",
        required=False,
        queryset=Period.objects.none(),
        to_field_name="code",
        empty_label="All periods",
    )

    def __init__(self, data, *, indicator: Indicator) -> None:
        super().__init__(data)
        # Only the periods this indicator has figures for, in time order.
        self.fields["period"].queryset = Period.objects.filter(
            pk__in=Value.objects.public().filter(indicator=indicator).values("period")
        )

    @property
    def chosen(self) -> dict:
        """The filters that are set and valid: an invalid one is left out (and reported)."""
        self.is_valid()
        return {name: value for name, value in self.cleaned_data.items() if value}

    def filter(self, queryset: QuerySet[Value]) -> QuerySet[Value]:
        if area_type := self.chosen.get("area_type"):
            queryset = queryset.filter(area__area_type=area_type)
        if period := self.chosen.get("period"):
            queryset = queryset.filter(period=period)
        return queryset

    def summary(self) -> str:
        """The filters in words for the table's caption, e.g. “area type: District”."""
        parts = []
        if area_type := self.chosen.get("area_type"):
            parts.append(f"area type: {AreaType(area_type).label}")
        if period := self.chosen.get("period"):
            parts.append(f"period: {period.label}")
        return "; ".join(parts)

    def query_string(self) -> str:
        """The filters as a query string (without “?”), for links to the same rows."""
        params = dict(self.chosen)
        if "period" in params:
            params["period"] = params["period"].code
        return urlencode(params)


NO_BREAKDOWN = "none"


class ValuesDownloadForm(forms.Form):
    """The parameters of `/data/download.<fmt>`:

    - `indicator`: an indicator's slug (required);
    - `area`: a GSS code, repeatable; all areas when absent;
    - `period`: a period code (2012/13, 2013-03-31), repeatable; all periods when absent;
    - `breakdown`: “none” for whole-population figures only, or a dimension (“age”) for that
      breakdown only; every row when absent.
    """

    indicator = forms.ModelChoiceField(queryset=Indicator.objects.all(), to_field_name="slug")
    area = forms.ModelMultipleChoiceField(
        queryset=Area.objects.all(), to_field_name="code", required=False
    )
    period = forms.ModelMultipleChoiceField(
        queryset=Period.objects.all(), to_field_name="code", required=False
    )
    breakdown = forms.ChoiceField(
        choices=[(NO_BREAKDOWN, "Whole population"), *BreakdownType.choices], required=False
    )

    def __init__(self, *args, indicators: QuerySet[Indicator] | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if indicators is not None:  # the public ones, for the public
            self.fields["indicator"].queryset = indicators

    def values(self) -> QuerySet[Value]:
        """The values asked for, in time order then area; call after `is_valid()`."""
        data = self.cleaned_data
        queryset = PublishedValue.objects.for_indicator_table(data["indicator"])
        if data["area"]:
            queryset = queryset.filter(area__in=data["area"])
        if data["period"]:
            queryset = queryset.filter(period__in=data["period"])
        if data["breakdown"] == NO_BREAKDOWN:
            queryset = queryset.filter(breakdown__isnull=True)
        elif data["breakdown"]:
            queryset = queryset.filter(breakdown__dimension=data["breakdown"])
        return queryset
