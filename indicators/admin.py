from django.contrib import admin
from django.db import models
from import_export.admin import ExportActionMixin, ImportExportModelAdmin

from indicators.models import (
    Area,
    Breakdown,
    ComparatorGroup,
    ImportBatch,
    Indicator,
    Period,
    Value,
)
from indicators.resources import AreaResource, IndicatorResource, ValueResource


@admin.register(Area)
class AreaAdmin(ImportExportModelAdmin):
    resource_classes = [AreaResource]
    list_display = ["name", "code", "area_type", "parent"]
    list_filter = ["area_type"]
    search_fields = ["name", "short_name", "code"]
    autocomplete_fields = ["parent"]
    list_select_related = ["parent"]
    fields = ["code", "name", "short_name", "area_type", "parent"]


@admin.register(ComparatorGroup)
class ComparatorGroupAdmin(admin.ModelAdmin):
    list_display = ["name", "description"]
    search_fields = ["name"]
    autocomplete_fields = ["areas", "members"]


@admin.register(Indicator)
class IndicatorAdmin(ImportExportModelAdmin):
    resource_classes = [IndicatorResource]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = ["name", "unit_label", "polarity", "decimal_places", "source"]
    list_filter = ["unit", "polarity"]
    search_fields = ["name", "slug", "definition", "source"]
    prepopulated_fields = {"slug": ["name"]}
    fieldsets = [
        (None, {"fields": ["name", "slug", "definition"]}),
        (
            "Unit and presentation",
            {
                "fields": ["unit", "multiplier", "population", "decimal_places", "polarity"],
            },
        ),
        ("Source", {"fields": ["source", "source_url", "methodology", "fingertips_id"]}),
    ]

    @admin.display(description="unit")
    def unit_label(self, obj: Indicator) -> str:
        return obj.unit_label


@admin.register(Period)
class PeriodAdmin(admin.ModelAdmin):
    list_display = ["label", "kind", "start_date", "end_date"]
    list_filter = ["kind"]
    search_fields = ["label", "code"]
    ordering = ["-end_date", "-start_date"]


@admin.register(Breakdown)
class BreakdownAdmin(admin.ModelAdmin):
    list_display = ["label", "dimension", "sort_order"]
    list_filter = ["dimension"]
    search_fields = ["label"]
    list_editable = ["sort_order"]


@admin.register(Value)
class ValueAdmin(ExportActionMixin, ImportExportModelAdmin):
    resource_classes = [ValueResource]
    list_display = [
        "indicator",
        "area",
        "period",
        "breakdown",
        "display_value",
        "status",
        "count",
        "is_illustrative",
        "import_batch",
    ]
    list_filter = ["indicator", "area__area_type", "period", "status", "is_illustrative"]
    search_fields = ["indicator__name", "area__name", "area__code", "note"]
    autocomplete_fields = ["indicator", "area", "period", "breakdown"]
    list_select_related = ["indicator", "area", "period", "breakdown", "import_batch"]
    readonly_fields = ["import_batch", "updated_at"]
    list_per_page = 50
    fieldsets = [
        (None, {"fields": ["indicator", "area", "period", "breakdown"]}),
        (
            "Figure",
            {
                "fields": [
                    "value",
                    "status",
                    "note",
                    "count",
                    "denominator",
                    "lower_ci",
                    "upper_ci",
                    "is_illustrative",
                ]
            },
        ),
        ("Provenance", {"fields": ["import_batch", "updated_at"]}),
    ]

    @admin.display(description="value", ordering="value")
    def display_value(self, obj: Value) -> str:
        return obj.display


@admin.register(ImportBatch)
class ImportBatchAdmin(admin.ModelAdmin):
    list_display = [
        "file_name",
        "imported_at",
        "imported_by",
        "status",
        "rows_added",
        "rows_changed",
        "rows_unchanged",
        "rows_rejected",
        "rows_skipped",
    ]
    list_filter = ["status", "imported_at"]
    search_fields = ["file_name", "file_hash", "imported_by__username"]
    date_hierarchy = "imported_at"
    readonly_fields = ["imported_at"]
    list_select_related = ["imported_by"]
