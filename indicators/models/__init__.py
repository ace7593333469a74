"""Indicator data: areas, indicators, periods, breakdowns, values and the imports that set them.

One module a concern; every name is importable from here (`from indicators.models import
Value`), as Django and the rest of the site expect."""

from indicators.models.areas import (
    GSS_CODE,
    Area,
    AreaChange,
    AreaQuerySet,
    AreaType,
    ChangeKind,
    ComparatorGroup,
)
from indicators.models.breakdowns import Breakdown, BreakdownQuerySet, BreakdownType
from indicators.models.imports import ImportBatch, ImportChange, ImportRun, SourceMapping
from indicators.models.indicators import (
    REVIEWED_FIELDS,
    DefinitionChange,
    Indicator,
    IndicatorQuerySet,
    Polarity,
    Unit,
)
from indicators.models.periods import (
    ACADEMIC_YEAR_RE,
    COMPACT_YEAR_RE,
    FINANCIAL_YEAR_RE,
    Period,
    PeriodKind,
    PeriodQuerySet,
    PeriodReading,
)
from indicators.models.values import (
    WITHHELD_NOTE,
    PublishedValue,
    Value,
    ValueQuerySet,
    ValueStatus,
)

__all__ = [
    "ACADEMIC_YEAR_RE",
    "COMPACT_YEAR_RE",
    "FINANCIAL_YEAR_RE",
    "GSS_CODE",
    "REVIEWED_FIELDS",
    "WITHHELD_NOTE",
    "Area",
    "AreaChange",
    "AreaQuerySet",
    "AreaType",
    "Breakdown",
    "BreakdownQuerySet",
    "BreakdownType",
    "ChangeKind",
    "ComparatorGroup",
    "DefinitionChange",
    "ImportBatch",
    "ImportChange",
    "ImportRun",
    "Indicator",
    "IndicatorQuerySet",
    "Period",
    "PeriodKind",
    "PeriodReading",
    "PeriodQuerySet",
    "Polarity",
    "PublishedValue",
    "SourceMapping",
    "Unit",
    "Value",
    "ValueQuerySet",
    "ValueStatus",
]
