"""The admin of indicator data.

Areas are built from ONS's geography files (lookups, the successor table, statistical
groupings) and comparator groups through the “Import areas” screen of
`indicators.admin.geography`, as ``manage.py import_areas`` builds them. Areas and indicators
are also imported and exported with django-import-export. Values are exported
with it too, but imported through the import screens of `indicators.admin.imports` (upload,
preview, mappings, confirm, undo), which are built on `indicators.importing`: the same
validation, provenance and undo as `manage.py import_values`, and the formats officers receive
(our template, Fingertips, EES), none of which django-import-export's row-per-instance import
could give.
"""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from import_export.admin import ExportActionModelAdmin, ImportExportModelAdmin
from import_export.formats.base_formats import CSV, XLSX
from simple_history.admin import SimpleHistoryAdmin

from indicators.admin.definitions import DefinitionChangeAdmin, DefinitionReviewMixin
from indicators.admin.geography import AreaImportMixin, can_import_areas
from indicators.admin.import_export_formats import ReadableImportMixin, WorkbookRejected
from indicators.admin.imports import (
    ImportBatchAdmin,
    ImportChangeAdmin,
    SourceMappingAdmin,
    ValueImportMixin,
    allowed_indicators,
    can_import,
)
from indicators.definitions import may_approve
from indicators.disclosure import apply_disclosure_control
from indicators.models import (
    Area,
    AreaChange,
    AreaType,
    Breakdown,
    ChangeKind,
    ComparatorGroup,
    Indicator,
    Period,
    Value,
)
from indicators.resources import AreaResource, IndicatorResource, ValueResource

#: What django-import-export exports to: the formats officers use. It imports from the same,
#: its workbooks read by the bounded reader (`import_export_formats.IMPORT_FORMATS`).
FORMATS = [CSV, XLSX]


class ExportPageMixin:
    """django-import-export's export page posts to ``{{ export_url }}``, which it sets only
    when the export comes from the list's action; empty, the form posts to the page itself.
    Set, so that the template has no undefined variable (which the tests make an error)."""

    def get_export_context_data(self, **kwargs):
        return {"export_url": "", **super().get_export_context_data(**kwargs)}


class CurrentFilter(admin.SimpleListFilter):
    title = "current or former"
    parameter_name = "current"

    def lookups(self, request, model_admin):
        return [("yes", "Current"), ("no", "Former (replaced)")]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(is_current=self.value() == "yes")
        return queryset


def _area_link(area: Area) -> str:
    return format_html(
        '<a href="{}">{}</a>', reverse("admin:indicators_area_change", args=[area.pk]), area
    )


#: How a line of the successor table reads on the old area's page, and on the new area's.
_AS_OLD = {
    ChangeKind.RECODED: "Recoded as {}",
    ChangeKind.MERGED: "Merged into {}",
    ChangeKind.SPLIT: "Split; partly into {}",
    ChangeKind.ABOLISHED: "Abolished; its area became {}",
}
_AS_NEW = {
    ChangeKind.RECODED: "Recoded from {}",
    ChangeKind.MERGED: "Merged from {}",
    ChangeKind.SPLIT: "Made from part of {}",
    ChangeKind.ABOLISHED: "Took over the area of {}",
}


def _change_words(change: AreaChange, area: Area) -> str:
    if change.kind == ChangeKind.RENAMED:
        words = format_html("Renamed from “{}” to “{}”", change.old_name, change.new_name)
    elif change.old_area_id == area.pk:
        words = format_html(_AS_OLD[change.kind], _area_link(change.new_area))
    else:
        words = format_html(_AS_NEW[change.kind], _area_link(change.old_area))
    unconfirmed = "" if change.confirmed else " (unconfirmed: shown as reported, not applied)"
    return format_html("{}, {}{}", words, change.when, unconfirmed)


@admin.register(Area)
class AreaAdmin(AreaImportMixin, ReadableImportMixin, ExportPageMixin, ImportExportModelAdmin):
    """Areas: built from ONS's files through “Import areas” (`AreaImportMixin`), or imported
    from a CSV or XLSX file of codes, names, types and parents with django-import-export:
    every refusal is a plain message (see `AreaResource`), never a traceback. Importing needs
    ``add_area``: publishers and administrators."""

    resource_classes = [AreaResource]
    formats = FORMATS
    import_template_name = "admin/indicators/area/import.html"
    # django-import-export's list (its Import and Export buttons), with “Import areas”.
    import_export_change_list_template = "admin/indicators/area/change_list.html"
    list_display = ["name", "code", "area_type", "parent", "is_current"]
    list_filter = ["area_type", CurrentFilter]
    search_fields = ["name", "short_name", "code"]
    autocomplete_fields = ["parent", "groupings"]
    list_select_related = ["parent"]
    fieldsets = [
        (None, {"fields": ["code", "name", "short_name", "area_type", "parent"]}),
        (
            "ONS geography",
            {
                "fields": ["ons_name", "is_current", "groupings", "changes"],
                "description": "As last loaded from ONS's files through “Import areas”.",
            },
        ),
    ]
    readonly_fields = ["ons_name", "changes"]

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "groupings":
            kwargs["queryset"] = Area.objects.of_type(AreaType.GROUPING)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    @admin.display(description="boundary, code and name changes")
    def changes(self, obj: Area) -> str:
        """The successor table's lines this area is in, old or new, with links to the others."""
        if obj.pk is None:
            return "—"
        lines = AreaChange.objects.filter(Q(old_area=obj) | Q(new_area=obj)).select_related(
            "old_area", "new_area"
        )
        items = format_html_join("", "<li>{}</li>", ((_change_words(c, obj),) for c in lines))
        return format_html("<ul>{}</ul>", items) if items else "—"

    def add_data_read_fail_error_to_form(self, form, e):
        """A file that is not a table in the format chosen, in words."""
        if isinstance(e, WorkbookRejected):  # the reader's own words (`ReadableImportMixin`)
            super().add_data_read_fail_error_to_form(form, e)
            return
        kind = "Excel (.xlsx)" if form.cleaned_data.get("format") == "1" else "CSV"
        form.add_error(
            "import_file",
            f"This file could not be read as {kind}. Choose the format it is in, or save it "
            f"from your spreadsheet as “CSV UTF-8” with a header row of code, name, area_type "
            f"and, if you like, short_name and parent_code.",
        )


@admin.register(ComparatorGroup)
class ComparatorGroupAdmin(admin.ModelAdmin):
    list_display = ["name", "members_called", "description"]
    search_fields = ["name", "description"]
    autocomplete_fields = ["areas", "members"]

    def get_fieldsets(self, request, obj=None):
        help_text = mark_safe(
            "A group of areas to compare with, beyond the hierarchy, such as statistical "
            "neighbours. A group with many members is easier to import from a CSV or Excel "
            "file with the columns <code>group</code> and <code>member_code</code> (one row per "
            "member) and, if you like, <code>area_code</code>, <code>members_called</code> and "
            "<code>description</code>"
        )
        if can_import_areas(request.user):
            help_text = format_html(
                '{}, on the <a href="{}">Import areas</a> screen.',
                help_text,
                reverse("admin:indicators_area_import_areas"),
            )
        else:
            help_text = format_html("{}, on the Areas' Import areas screen.", help_text)
        return [
            (
                None,
                {
                    "fields": ["name", "members_called", "description", "areas", "members"],
                    "description": help_text,
                },
            )
        ]


@admin.register(AreaChange)
class AreaChangeAdmin(admin.ModelAdmin):
    """The successor table: which area replaced which, loaded through “Import areas”."""

    list_display = ["old", "new", "kind", "when", "confirmed"]
    list_filter = ["kind", "confirmed"]
    search_fields = ["old_area__code", "new_area__code", "old_name", "new_name"]
    list_select_related = ["old_area", "new_area"]
    autocomplete_fields = ["old_area", "new_area"]

    # The table is part of the areas, and “Import areas” writes it for whoever may add and
    # change areas: the same people may see and correct it here. Deleting a line needs the
    # model's own permission.
    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) or request.user.has_perm(
            "indicators.view_area"
        )

    def has_add_permission(self, request):
        return super().has_add_permission(request) or can_import_areas(request.user)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) or can_import_areas(request.user)

    @admin.display(description="old area", ordering="old_name")
    def old(self, obj: AreaChange) -> str:
        return f"{obj.old_name} ({obj.old_area.code})"

    @admin.display(description="new area", ordering="new_name")
    def new(self, obj: AreaChange) -> str:
        return f"{obj.new_name} ({obj.new_area.code})"

    @admin.display(description="when", ordering="year")
    def when(self, obj: AreaChange) -> str:
        return obj.when


@admin.register(Indicator)
class IndicatorAdmin(
    DefinitionReviewMixin, ReadableImportMixin, ExportPageMixin, ImportExportModelAdmin
):
    resource_classes = [IndicatorResource]
    formats = FORMATS
    change_form_template = "admin/indicators/indicator/change_form.html"
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
                "fields": [
                    "unit",
                    "multiplier",
                    "population",
                    "decimal_places",
                    "polarity",
                    "allows_negative",
                    "is_projection",
                ],
            },
        ),
        ("Source", {"fields": ["source", "source_url", "methodology", "fingertips_id"]}),
        ("Publication", {"fields": ["is_public"]}),
        ("Disclosure control", {"fields": ["disclosure_threshold"]}),
    ]

    @admin.display(description="unit")
    def unit_label(self, obj: Indicator) -> str:
        return obj.unit_label

    def has_import_permission(self, request):
        """Only those who approve definitions import indicators: an import writes every
        column of every row at once, past both the rule that an officer changes only the
        indicators of their own pages and the review of the fields the public read."""
        return super().has_import_permission(request) and may_approve(request.user)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """The indicator's blank import templates, linked from the page's tools."""
        extra_context = extra_context or {}
        indicator = self.get_object(request, object_id)
        links = []
        if indicator is not None and can_import(request.user):
            url = reverse("admin:indicators_value_import_template")
            links = [
                (label, f"{url}?{urlencode({'indicator': indicator.slug, 'file': kind})}")
                for label, kind in (
                    ("Import template (Excel)", "xlsx"),
                    ("Import template (CSV)", "csv"),
                )
            ]
        extra_context["blank_template_links"] = links
        extra_context["pending_definition_changes"] = self.pending_definition_changes(indicator)
        return super().change_view(request, object_id, form_url, extra_context)


@admin.register(Period)
class PeriodAdmin(admin.ModelAdmin):
    list_display = ["label", "kind", "start_date", "end_date"]
    list_filter = ["kind"]
    search_fields = ["label", "code"]
    ordering = ["-end_date", "-start_date"]


@admin.register(Breakdown)
class BreakdownAdmin(admin.ModelAdmin):
    list_display = ["label", "dimension", "scheme", "sort_order"]
    list_filter = ["dimension"]
    search_fields = ["label", "scheme"]
    list_editable = ["sort_order"]


@admin.register(Value)
class ValueAdmin(ValueImportMixin, ExportPageMixin, SimpleHistoryAdmin, ExportActionModelAdmin):
    """Values: exported with django-import-export (CSV or XLSX, in the columns of our import
    template, so an export can be edited and imported again); imported through the import
    screens (“Import figures”)."""

    resource_classes = [ValueResource]
    export_formats = FORMATS
    change_list_template = "admin/indicators/value/change_list.html"
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
    readonly_fields = ["withheld", "import_batch", "updated_at"]
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
                    "withheld",
                ]
            },
        ),
        ("Provenance", {"fields": ["import_batch", "updated_at"]}),
    ]

    def _allowed(self, request) -> set[int] | None:
        """The indicators this user may change figures of (None: all); read once a request."""
        if not hasattr(request, "_allowed_indicators"):
            request._allowed_indicators = allowed_indicators(request.user)
        return request._allowed_indicators

    def _may_change(self, request, obj: Value | None) -> bool:
        if obj is None:
            return True
        allowed = self._allowed(request)
        return allowed is None or obj.indicator_id in allowed

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._may_change(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._may_change(request, obj)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        """The history's "revert" form saves the figure: only for those who may change it."""
        if request.method == "POST":
            value = self.get_object(request, object_id)
            if value is None or not self.has_change_permission(request, value):
                raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        allowed = self._allowed(request)
        if db_field.name == "indicator" and allowed is not None:
            kwargs["queryset"] = Indicator.objects.filter(pk__in=allowed)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def delete_queryset(self, request, queryset) -> None:
        allowed = self._allowed(request)
        if allowed is not None and queryset.exclude(indicator_id__in=allowed).exists():
            raise PermissionDenied  # a bulk delete that reaches figures of others' pages
        indicator_ids = set(queryset.values_list("indicator_id", flat=True))
        super().delete_queryset(request, queryset)
        apply_disclosure_control(indicator_ids)

    def save_model(self, request, obj: Value, form, change) -> None:
        super().save_model(request, obj, form, change)
        apply_disclosure_control([obj.indicator_id])  # an edit may make or unmake a small number

    def delete_model(self, request, obj: Value) -> None:
        super().delete_model(request, obj)
        apply_disclosure_control([obj.indicator_id])

    @admin.display(description="value", ordering="value")
    def display_value(self, obj: Value) -> str:
        return obj.display


__all__ = [
    "AreaAdmin",
    "AreaChangeAdmin",
    "BreakdownAdmin",
    "ComparatorGroupAdmin",
    "DefinitionChangeAdmin",
    "ImportBatchAdmin",
    "ImportChangeAdmin",
    "IndicatorAdmin",
    "PeriodAdmin",
    "SourceMappingAdmin",
    "ValueAdmin",
]
