"""django-import-export resources: values, areas and indicators by their natural keys."""

from import_export import fields, resources
from import_export.widgets import ForeignKeyWidget

from indicators.models import Area, Breakdown, Indicator, Period, Value


class AreaResource(resources.ModelResource):
    parent = fields.Field(
        attribute="parent", column_name="parent_code", widget=ForeignKeyWidget(Area, field="code")
    )

    class Meta:
        model = Area
        import_id_fields = ["code"]
        fields = ["code", "name", "short_name", "area_type", "parent"]
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True


class IndicatorResource(resources.ModelResource):
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
        try:
            return Breakdown.objects.get(dimension=dimension.strip(), label=label.strip())
        except Breakdown.DoesNotExist as error:
            raise ValueError(f"There is no breakdown “{value}” on this site.") from error

    def render(self, value, obj=None, **kwargs):
        return f"{value.dimension}: {value.label}" if value else ""


class ValueResource(resources.ModelResource):
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
