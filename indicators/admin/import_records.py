"""An import's record in the admin: the list of imports, each import's page with the figures it
set (what each was before, and is now) and its undo, and the source mappings.

Nobody edits or deletes an import's record or its changes: they are the provenance of the
figures. Undoing an import is `indicators.importing.undo_import`'s; this page asks first.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse

from core.formatting import figure_text
from indicators.admin.import_permissions import can_import, can_undo_batch, require
from indicators.importing import UndoRefused, undo_import
from indicators.models import ImportBatch, ImportChange, SourceMapping

#: Changes listed on an import's page; the rest are on the changes list, filtered to it.
CHANGES_SHOWN = 100


def before_text(change: ImportChange) -> str:
    if change.previous is None:
        return ""
    previous = change.previous
    try:
        figure = Decimal(previous["value"]) if previous.get("value") is not None else None
    except (InvalidOperation, TypeError):
        figure = None
    return figure_text(change.indicator, figure, previous.get("status", ""))


def now_text(change: ImportChange) -> str:
    value = change.value
    if value is None:
        return "deleted"
    text = figure_text(change.indicator, value.value, value.status)
    if value.import_batch_id != change.batch_id:
        text += " (changed since)"
    return text


@dataclass(frozen=True)
class ChangeRow:
    change: ImportChange
    before: str
    now: str


def change_rows(changes: Iterable[ImportChange]) -> list[ChangeRow]:
    return [ChangeRow(change, before_text(change), now_text(change)) for change in changes]


def _person(user: Any) -> str:
    """A user by name, not as a link to the users' admin, which officers may not see."""
    if user is None:
        return "-"
    full_name = user.get_full_name()
    return f"{full_name} ({user.get_username()})" if full_name else user.get_username()


class _ViewOnly:
    """Records nobody adds, edits or deletes in the admin."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ImportBatch)
class ImportBatchAdmin(_ViewOnly, admin.ModelAdmin):
    list_display = [
        "__str__",
        "imported_by",
        "file_format",
        "status",
        "rows_added",
        "rows_changed",
        "rows_unchanged",
        "rows_rejected",
        "rows_skipped",
    ]
    list_display_links = ["__str__"]
    list_filter = ["status", "file_format", "imported_at"]
    search_fields = ["file_name", "file_hash", "imported_by__username"]
    date_hierarchy = "imported_at"
    list_select_related = ["imported_by"]
    change_form_template = "admin/indicators/importbatch/change_form.html"
    fieldsets = [
        (None, {"fields": ["file_name", "file_format", "file_hash", "status", "report"]}),
        (
            "Who and when",
            {"fields": ["importer", "imported_at", "applied_at", "undoer", "undone_at"]},
        ),
        (
            "Counts",
            {
                "fields": [
                    "rows_added",
                    "rows_changed",
                    "rows_unchanged",
                    "rows_rejected",
                    "rows_skipped",
                    "areas_added",
                ]
            },
        ),
    ]
    readonly_fields = ["report", "importer", "imported_at", "undoer"]

    @admin.display(description="report")
    def report(self, batch: ImportBatch) -> str:
        return batch.notes

    @admin.display(description="imported by")
    def importer(self, batch: ImportBatch) -> str:
        return _person(batch.imported_by)

    @admin.display(description="undone by")
    def undoer(self, batch: ImportBatch) -> str:
        return _person(batch.undone_by)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("imported_by", "undone_by")

    def get_urls(self):
        undo = self.admin_site.admin_view(self.undo_view)
        return [
            path("<int:object_id>/undo/", undo, name="indicators_importbatch_undo"),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        batch = self.get_object(request, object_id)
        extra_context = extra_context or {}
        if batch is not None:
            changes = batch.changes.select_related(
                "batch", "indicator", "area", "period", "breakdown", "value"
            ).order_by("row_number")
            extra_context.update(
                {
                    "change_rows": change_rows(changes[:CHANGES_SHOWN]),
                    "change_count": batch.rows_added + batch.rows_changed,
                    "changes_url": reverse("admin:indicators_importchange_changelist")
                    + f"?batch__id__exact={batch.pk}",
                    "undo_url": reverse("admin:indicators_importbatch_undo", args=[batch.pk])
                    if batch.status == ImportBatch.Status.APPLIED
                    and can_undo_batch(request.user, batch)
                    else "",
                }
            )
        return super().change_view(request, object_id, form_url, extra_context)

    def undo_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        """GET: what undoing would do, and a button. POST: undo, or say why it cannot."""
        batch = get_object_or_404(ImportBatch.objects.select_related("imported_by"), pk=object_id)
        require(can_undo_batch(request.user, batch) and self.has_view_permission(request, batch))
        back = HttpResponseRedirect(reverse("admin:indicators_importbatch_change", args=[batch.pk]))
        if request.method == "POST":
            try:
                result = undo_import(batch, user=request.user)
            except UndoRefused as error:
                messages.error(request, str(error))
            else:
                self.log_change(request, batch, "Undone.")
                messages.success(request, " ".join(result.summary()))
            return back
        if batch.status == ImportBatch.Status.UNCHANGED:
            messages.error(
                request,
                f"The import of “{batch.file_name}” changed nothing: there is nothing to undo.",
            )
            return back
        if batch.status != ImportBatch.Status.APPLIED:
            messages.error(
                request,
                f"The import of “{batch.file_name}” is {batch.get_status_display().lower()}: "
                f"there is nothing to undo.",
            )
            return back
        context = {
            **self.admin_site.each_context(request),
            "title": f"Undo the import of “{batch.file_name}”?",
            "opts": self.model._meta,
            "original": batch,
            "batch": batch,
        }
        return TemplateResponse(
            request, "admin/indicators/importbatch/undo_confirmation.html", context
        )


@admin.register(ImportChange)
class ImportChangeAdmin(_ViewOnly, admin.ModelAdmin):
    """Every figure an import set, with what it was before; filtered to one import from the
    import's own page."""

    list_display = [
        "row_number",
        "batch",
        "action",
        "indicator",
        "area",
        "period",
        "breakdown",
        "before",
        "now",
    ]
    list_display_links = None
    list_filter = ["action", "batch__status"]
    search_fields = ["area__code", "area__name", "indicator__name", "batch__file_name"]
    list_select_related = ["batch", "indicator", "area", "period", "breakdown", "value"]
    list_per_page = 100
    ordering = ["-batch__imported_at", "row_number"]

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("indicators.view_importbatch") or super().has_view_permission(
            request, obj
        )

    @admin.display(description="before the import")
    def before(self, change: ImportChange) -> str:
        return before_text(change)

    @admin.display(description="figure now")
    def now(self, change: ImportChange) -> str:
        return now_text(change)


@admin.register(SourceMapping)
class SourceMappingAdmin(admin.ModelAdmin):
    """Which of our indicators a Fingertips indicator or an EES measure column is. Mappings are
    made on the import preview; here they can be looked up and corrected. Anyone who may import
    figures may change them."""

    list_display = ["key", "name", "source", "indicator", "created_by", "updated_at"]
    list_filter = ["source"]
    search_fields = ["key", "name", "indicator__name", "indicator__slug"]
    autocomplete_fields = ["indicator"]
    list_select_related = ["indicator", "created_by"]
    fields = ["source", "key", "name", "indicator", "created_by", "updated_at"]
    readonly_fields = ["created_by", "updated_at"]

    def save_model(self, request, obj, form, change):
        if obj.created_by_id is None:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def has_view_permission(self, request, obj=None):
        return can_import(request.user) or super().has_view_permission(request, obj)

    def has_add_permission(self, request):
        return can_import(request.user) or super().has_add_permission(request)

    def has_change_permission(self, request, obj=None):
        return can_import(request.user) or super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return can_import(request.user) or super().has_delete_permission(request, obj)
