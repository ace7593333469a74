"""django-import-export resources: values, areas and indicators by their natural keys.

The Areas admin imports areas through `AreaResource`, whose every refusal is a message an
officer can act on (the columns expected, the parent that is not there, the type that is not
one of ours), never an exception's name or a traceback."""

import re

from import_export import fields, resources
from import_export.widgets import CharWidget, ForeignKeyWidget

from indicators.exports import neutralise_formula
from indicators.models import Area, AreaType, Breakdown, Indicator, Period, Value

#: A cell that is a number as written: left as it is, so that a negative figure stays one.
_NUMBER = re.compile(r"^-?\d+(?:\.\d+)?$")


class SafeExportResource(resources.ModelResource):
    """Exports whose text cells a spreadsheet cannot run as formulas (a leading “=”, “+”, “-”,
    “@”, tab or carriage return gets an apostrophe), as the public downloads are."""

    def export_field(self, field, instance, **kwargs):
        value = super().export_field(field, instance, **kwargs)
        if isinstance(value, str) and not _NUMBER.match(value):
            return neutralise_formula(value)
        return value


#: The columns of an areas file: those it must have, then those it may have.
AREA_COLUMNS_REQUIRED = ["code", "name", "area_type"]
AREA_COLUMNS_OPTIONAL = ["short_name", "parent_code"]


class AreaFileError(ValueError):
    """An areas file that cannot be imported as a whole; the message says what was expected."""


class AreaCodeWidget(CharWidget):
    """A GSS code as officers type it: “ e07000123 ” is E07000123."""

    def clean(self, value, row=None, **kwargs):
        return str(value or "").strip().upper()


class AreaTypeWidget(CharWidget):
    """An area type by its value or its label, in any case: “unitary”, “Unitary authority”
    (as in ONS lists, which say “Country”, “Region”…)."""

    def clean(self, value, row=None, **kwargs):
        text = str(value or "").strip()
        for choice in AreaType:
            if text.lower() in (choice.value, choice.label.lower()):
                return choice.value
        expected = ", ".join(choice.value for choice in AreaType)
        if not text:
            raise ValueError(f"The area type is empty: expected one of {expected}.")
        raise ValueError(f"“{text}” is not an area type: expected one of {expected}.")


class ParentWidget(ForeignKeyWidget):
    """The parent by its GSS code: an area already on the site, or on an earlier row."""

    def __init__(self) -> None:
        super().__init__(Area, field="code")

    def clean(self, value, row=None, **kwargs):
        code = str(value or "").strip().upper()
        if not code:
            return None
        parent = Area.objects.filter(code=code).first()
        if parent is None:
            raise ValueError(
                f"There is no area “{code}” on this site to be the parent: add it first (or on "
                f"a row above this one), or leave parent_code empty."
            )
        return parent


class AreaResource(SafeExportResource):
    code = fields.Field(attribute="code", column_name="code", widget=AreaCodeWidget())
    area_type = fields.Field(
        attribute="area_type", column_name="area_type", widget=AreaTypeWidget()
    )
    parent = fields.Field(attribute="parent", column_name="parent_code", widget=ParentWidget())

    class Meta:
        model = Area
        import_id_fields = ["code"]
        fields = ["code", "name", "short_name", "area_type", "parent"]
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True

    def before_import(self, dataset, **kwargs):
        """Read the header as officers write it (any case, spaces, a byte order mark), and
        refuse a file whose columns are not an areas file's, saying which are expected."""
        headers = [
            str(header or "").replace("\ufeff", "").strip().lower().replace(" ", "_")
            for header in dataset.headers or []
        ]
        named = [header for header in headers if header]
        known = AREA_COLUMNS_REQUIRED + AREA_COLUMNS_OPTIONAL
        expected = (
            f"expected a header row with {', '.join(AREA_COLUMNS_REQUIRED)} and, if you "
            f"like, {' and '.join(AREA_COLUMNS_OPTIONAL)}"
        )
        missing = [column for column in AREA_COLUMNS_REQUIRED if column not in named]
        unknown = [
            str(raw).replace("\ufeff", "").strip()
            for raw, header in zip(dataset.headers or [], headers, strict=True)
            if header and header not in known
        ]
        if missing or unknown:
            found = ", ".join(f"“{header}”" for header in (dataset.headers or [])[:8] if header)
            problems = []
            if missing:
                listed = (
                    ", ".join(missing[:-1]) + " or " + missing[-1]
                    if len(missing) > 1
                    else missing[0]
                )
                problems.append(f"it has no {listed} column")
            if unknown:
                problems.append(
                    f"{'it has' if not missing else 'and'} columns this import does not read "
                    f"({', '.join(f'“{column}”' for column in unknown[:8])})"
                )
            raise AreaFileError(
                f"This is not an areas file: {' '.join(problems)}. The header row is "
                f"{found or '(empty)'}; {expected}."
            )
        duplicated = sorted({header for header in named if named.count(header) > 1})
        if duplicated:
            raise AreaFileError(
                f"The header row has more than one {', '.join(duplicated)} column: {expected}, "
                f"each once."
            )
        dataset.headers = headers
        super().before_import(dataset, **kwargs)


class IndicatorResource(SafeExportResource):
    class Meta:
        model = Indicator
        import_id_fields = ["slug"]
        fields = [
            "slug",
            "name",
            "definition",
            "unit",
            "multiplier",
            "population",
            "decimal_places",
            "polarity",
            "source",
            "source_url",
            "methodology",
            "fingertips_id",
        ]
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True


class PeriodWidget(ForeignKeyWidget):
    """Reads 2012/13, 2012 or 2013-03-31 and creates the period if it is new."""

    def __init__(self) -> None:
        super().__init__(Period, field="code")

    def clean(self, value, row=None, **kwargs):
        if value in (None, ""):
            return None
        try:
            period, _ = Period.objects.get_or_create_from_code(str(value))
        except ValueError as error:
            raise ValueError(str(error)) from error
        return period

    def render(self, value, obj=None, **kwargs):
        return value.code if value else ""


class BreakdownWidget(ForeignKeyWidget):
    """A breakdown written as “dimension: label” (e.g. “age: 1-4”); empty for everyone."""

    def __init__(self) -> None:
        super().__init__(Breakdown, field="label")

    def clean(self, value, row=None, **kwargs):
        if value in (None, "", "All"):
            return None
        dimension, _, label = str(value).partition(":")
        if not label:
            raise ValueError(
                f"Write a breakdown as “dimension: category”, e.g. “age: 1-4”, not “{value}”."
            )
        found = list(Breakdown.objects.filter(dimension=dimension.strip(), label=label.strip()))
        if not found:
            raise ValueError(f"There is no breakdown “{value}” on this site.")
        unschemed = [breakdown for breakdown in found if not breakdown.scheme]
        if len(found) > 1 and not unschemed:
            raise ValueError(
                f"The breakdown “{value}” is in more than one set of categories on this site, "
                f"and the file does not say which."
            )
        return (unschemed or found)[0]

    def render(self, value, obj=None, **kwargs):
        return f"{value.dimension}: {value.label}" if value else ""


class ValueResource(SafeExportResource):
    """Values for the Values admin's export (CSV or XLSX). Its columns are those of our import
    template, so an export can be edited in a spreadsheet and imported again through the
    admin's “Import figures” screens, which is how values are imported: with a preview, the
    officers' file formats, provenance and undo (`indicators.importing`). The admin does not
    offer this resource's own import."""

    indicator = fields.Field(
        attribute="indicator",
        column_name="indicator",
        widget=ForeignKeyWidget(Indicator, field="slug"),
    )
    area = fields.Field(
        attribute="area", column_name="area_code", widget=ForeignKeyWidget(Area, field="code")
    )
    period = fields.Field(attribute="period", column_name="period", widget=PeriodWidget())
    breakdown = fields.Field(
        attribute="breakdown", column_name="breakdown", widget=BreakdownWidget()
    )

    class Meta:
        model = Value
        import_id_fields = ["indicator", "area", "period", "breakdown"]
        fields = [
            "indicator",
            "area",
            "period",
            "breakdown",
            "value",
            "status",
            "count",
            "denominator",
            "lower_ci",
            "upper_ci",
            "note",
            "is_illustrative",
        ]
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True
