"""The officers' import screens: upload a file, see a preview of every change, choose how the
file's indicators map to ours, confirm; then the import's record, with its changes and undo.

Everything is done by `indicators.importing` (`import_values`, `undo_import`); these views only
keep the upload between the requests (`uploads`), carry the officer's choices (`forms`) and show
the report.

Permissions (documented for administrators in the upload page's own words):

- importing, the blank templates and the source mappings need ``indicators.add_value``;
- undoing an import deletes the figures it added and overwrites those it changed, so it needs
  ``indicators.change_value`` and ``indicators.delete_value``;
- an import's record and its changes can be seen with ``indicators.view_importbatch``; nobody
  edits or deletes them (they are the provenance of the figures).

The Officers group has all of these. Every page is behind the admin's login; every form that
changes anything is a POST with Django's CSRF check.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST

from core import hooks
from indicators.admin import blank_template, uploads
from indicators.admin.forms import (
    LEAVE_OUT,
    BlankTemplateForm,
    ImportChoicesForm,
    MappingRow,
    UploadForm,
    import_max_bytes,
)
from indicators.exports import CONTENT_TYPES
from indicators.importing import ImportReport, UndoRefused, import_values, undo_import
from indicators.models import (
    ImportBatch,
    ImportChange,
    Indicator,
    SourceMapping,
    ValueStatus,
)

IMPORT_PERMISSION = "indicators.add_value"
UNDO_PERMISSIONS = ("indicators.change_value", "indicators.delete_value")
#: Changes listed on an import's page; the rest are on the changes list, filtered to it.
CHANGES_SHOWN = 100
#: Recent imports listed on the upload page.
RECENT_IMPORTS = 5


def can_import(user: Any) -> bool:
    return user.is_active and user.is_staff and user.has_perm(IMPORT_PERMISSION)


def can_undo_batch(user: Any, batch: ImportBatch) -> bool:
    """Officers undo their own imports; publishers and administrators anyone's."""
    return can_undo(user) and (batch.imported_by_id == user.pk or import_scope(user).undoes_any)


def allowed_indicators(user: Any) -> set[int] | None:
    """The indicators the user may import figures for (for an officer, those on the pages they
    look after: `core.hooks.IMPORT_SCOPE`); None, meaning all."""
    ids = import_scope(user).indicator_ids
    return None if ids is None else set(ids)


def import_scope(user: Any) -> hooks.ImportScope:
    return hooks.first(hooks.IMPORT_SCOPE, user, default=hooks.ImportScope())


def can_undo(user: Any) -> bool:
    return user.is_active and user.is_staff and user.has_perms(UNDO_PERMISSIONS)


# --- Upload, preview, confirm -------------------------------------------------------------------


class ValueImportMixin:
    """Adds the import screens to the Values admin."""

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("import/", view(self.import_view), name="indicators_value_import"),
            path(
                "import/check/",
                view(require_POST(self.check_view)),
                name="indicators_value_import_check",
            ),
            path(
                "import/confirm/",
                view(require_POST(self.confirm_view)),
                name="indicators_value_import_confirm",
            ),
            path(
                "import/template/",
                view(self.blank_template_view),
                name="indicators_value_import_template",
            ),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "can_import": can_import(request.user)}
        return super().changelist_view(request, extra_context)

    # The views ---------------------------------------------------------------------------------

    def import_view(self, request: HttpRequest) -> HttpResponse:
        """GET: the upload form. POST: keep the file, run a dry run, show the preview."""
        _require(can_import(request.user))
        if request.method == "POST":
            form = UploadForm(request.POST, request.FILES)
            if form.is_valid():
                return self._upload(request, form)
        else:
            form = UploadForm()
        return self._upload_page(request, form)

    def check_view(self, request: HttpRequest) -> HttpResponse:
        """The preview again, with the officer's mappings and choices."""
        _require(can_import(request.user))
        form = ImportChoicesForm(request.POST)
        upload = self._upload_for(request, form)
        if not isinstance(upload, uploads.Upload):
            return upload
        report = self._run(request, upload, form, dry_run=True)
        return self._preview_page(request, upload, report, form)

    def confirm_view(self, request: HttpRequest) -> HttpResponse:
        """Import for real. A file with rejected rows changes nothing unless the officer chose
        to apply only the valid rows; then the preview is shown again, saying so."""
        _require(can_import(request.user))
        form = ImportChoicesForm(request.POST)
        upload = self._upload_for(request, form)
        if not isinstance(upload, uploads.Upload):
            return upload
        report = self._run(request, upload, form, dry_run=False)
        if report.rejected:
            return self._preview_page(request, upload, report, form, refused=_refusal(report))
        uploads.UploadStore(request.user.pk).delete(upload.sha256)
        uploads.forget(request, upload.sha256)
        batch = report.batch
        assert batch is not None  # an import that was not rejected is recorded
        self.log_addition(request, batch, [{"added": {}}])
        level = messages.INFO if report.nothing_changed else messages.SUCCESS
        messages.add_message(
            request, level, f"Imported “{upload.name}”. {' '.join(report.summary())}"
        )
        return redirect("admin:indicators_importbatch_change", batch.pk)

    def blank_template_view(self, request: HttpRequest) -> HttpResponse:
        """The blank template for an indicator (``?indicator=<slug>&file=csv|xlsx``)."""
        _require(can_import(request.user))
        form = BlankTemplateForm(request.GET)
        if not form.is_valid():
            raise Http404("There is no such indicator, or no such kind of file.")
        indicator = form.cleaned_data["indicator"]
        kind = form.cleaned_data["file"]
        render = blank_template.template_xlsx if kind == "xlsx" else blank_template.template_csv
        return HttpResponse(
            render(indicator),
            headers={
                "Content-Type": CONTENT_TYPES[kind],
                "Content-Disposition": content_disposition_header(
                    as_attachment=True, filename=blank_template.filename(indicator, kind)
                ),
            },
        )

    # Steps -------------------------------------------------------------------------------------

    def _upload(self, request: HttpRequest, form: UploadForm) -> HttpResponse:
        store = uploads.UploadStore(request.user.pk)
        store.sweep()
        upload_file = form.cleaned_data["file"]
        sha256 = store.save(upload_file)
        uploads.remember(request, sha256, name=upload_file.name, size=upload_file.size)
        upload = uploads.Upload(
            sha256=sha256, name=upload_file.name, size=upload_file.size, path=store.path(sha256)
        )
        choices = ImportChoicesForm(
            {
                "upload": sha256,
                "file_format": form.cleaned_data["file_format"],
                "add_areas": "on" if form.cleaned_data["add_areas"] else "",
            }
        )
        choices.full_clean()
        report = self._run(request, upload, choices, dry_run=True)
        if report.file_errors and not (report.unmapped or report.left_out):
            # Nothing in it can be imported as it is: say why, next to the file field.
            store.delete(sha256)
            uploads.forget(request, sha256)
            for error in report.file_errors:
                form.add_error("file", error)
            return self._upload_page(request, form)
        return self._preview_page(request, upload, report, choices)

    def _upload_for(
        self, request: HttpRequest, form: ImportChoicesForm
    ) -> uploads.Upload | HttpResponse:
        """The kept upload the form names, or where to send the officer instead."""
        if not form.is_valid():
            problems = "; ".join(str(error) for errors in form.errors.values() for error in errors)
            messages.error(request, f"The choices could not be read ({problems}). Start again.")
            return redirect("admin:indicators_value_import")
        sha256 = form.cleaned_data["upload"]
        upload = uploads.find(request, sha256)
        if upload is not None:
            return upload
        done = (
            ImportBatch.objects.filter(
                file_hash=sha256, imported_by=request.user, status=ImportBatch.Status.APPLIED
            )
            .order_by("-imported_at")
            .first()
        )
        if done is not None:
            messages.info(request, f"“{done.file_name}” has already been imported.")
            return redirect("admin:indicators_importbatch_change", done.pk)
        messages.error(
            request,
            "The uploaded file is no longer here: uploads are kept for a day, and only for "
            "the person who uploaded them. Upload it again.",
        )
        return redirect("admin:indicators_value_import")

    def _run(
        self,
        request: HttpRequest,
        upload: uploads.Upload,
        form: ImportChoicesForm,
        *,
        dry_run: bool,
    ) -> ImportReport:
        data = form.cleaned_data
        return import_values(
            source=upload.path,
            file_name=upload.name,
            user=request.user,
            mappings=form.mappings(),
            remember=True,
            add_areas=data["add_areas"],
            apply_valid_rows=data["apply_valid_rows"],
            dry_run=dry_run,
            file_format=data["file_format"],
            allowed_indicators=allowed_indicators(request.user),
        )

    # Pages -------------------------------------------------------------------------------------

    def _context(self, request: HttpRequest, title: str) -> dict[str, Any]:
        return {
            **self.admin_site.each_context(request),
            "title": title,
            "opts": self.model._meta,
            "has_view_permission": self.has_view_permission(request),
        }

    def _upload_page(self, request: HttpRequest, form: UploadForm) -> HttpResponse:
        template_form = BlankTemplateForm()
        context = {
            **self._context(request, "Import figures"),
            "form": form,
            "template_form": template_form,
            "has_indicators": bool(template_form.fields["indicator"].choices),
            "max_upload": import_max_bytes(),
            "columns": blank_template.column_guide(),
            "recent": ImportBatch.objects.select_related("imported_by")[:RECENT_IMPORTS],
            "can_undo": can_undo(request.user),
        }
        return TemplateResponse(request, "admin/indicators/value/import_upload.html", context)

    def _preview_page(
        self,
        request: HttpRequest,
        upload: uploads.Upload,
        report: ImportReport,
        choices: ImportChoicesForm,
        *,
        refused: str = "",
    ) -> HttpResponse:
        """The report of a dry run (or of a refused import), and a form of the officer's
        choices so far, to check again with or to import."""
        rows = mapping_rows(report, choices.chosen_rows())
        form = ImportChoicesForm(
            initial={
                "upload": upload.sha256,
                "file_format": choices.cleaned_data["file_format"],
                "add_areas": choices.cleaned_data["add_areas"],
                "apply_valid_rows": choices.cleaned_data["apply_valid_rows"],
            },
            mapping_rows=rows,
        )
        fixable = not report.file_errors or bool(rows)
        context = {
            **self._context(request, f"Preview of “{upload.name}”"),
            "upload": upload,
            "report": report,
            "summary": report.summary(),
            "counts": _counts(report),
            "form": form,
            "mapping_fields": form.mapping_fields,
            "skipped_areas": sorted(
                report.skipped_areas.values(), key=lambda tally: (-tally.rows, tally.key)
            ),
            "errors_not_listed": max(report.rows_rejected - _rows_listed(report), 0),
            "changes_not_listed": max(
                report.figures_new + report.figures_changed - len(report.changes), 0
            ),
            "single_indicator": _only({change.indicator for change in report.changes}),
            "can_confirm": fixable,
            "refused": refused,
            "uses_mappings": report.file_format in SourceMapping.Source.values,
        }
        return TemplateResponse(request, "admin/indicators/value/import_preview.html", context)


def mapping_rows(report: ImportReport, chosen: list[MappingRow]) -> list[MappingRow]:
    """The source indicators to offer on the preview: those the officer has already chosen for
    (kept, so that the choice goes on to the import), then those still unmapped, then those
    left out by a remembered mapping."""
    rows = {row.key: row for row in chosen}
    for tallies, default in ((report.unmapped, ""), (report.left_out, LEAVE_OUT)):
        for tally in tallies.values():
            earlier = rows.get(tally.key)
            rows[tally.key] = MappingRow(
                key=tally.key,
                name=tally.name,
                rows=tally.rows,
                choice=earlier.choice if earlier else default,
            )
    return list(rows.values())


@dataclass(frozen=True)
class Count:
    label: str
    number: int
    kind: str


def _counts(report: ImportReport) -> list[Count]:
    return [
        Count("New figures", report.figures_new, "new"),
        Count("Changed figures", report.figures_changed, "changed"),
        Count("Unchanged figures", report.figures_unchanged, "unchanged"),
        Count("Rejected rows", report.rows_rejected, "rejected"),
        Count("Skipped rows", report.rows_skipped, "skipped"),
    ]


def _only(names: set[str]) -> str:
    return next(iter(names)) if len(names) == 1 else ""


def _rows_listed(report: ImportReport) -> int:
    return len({error.row for error in report.errors})


def _refusal(report: ImportReport) -> str:
    if report.file_errors:
        return f"Nothing was imported. {report.file_errors[0]}"
    rows = f"{report.rows_rejected:,} row{'' if report.rows_rejected == 1 else 's'}"
    return (
        f"Nothing was imported: {rows} {'has' if report.rows_rejected == 1 else 'have'} "
        f"problems, listed below. Correct the file and upload it again, or tick “Apply only "
        f"the valid rows” to import every other figure."
    )


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


# --- An import's record, its changes, and undo ----------------------------------------------------


def figure_text(indicator: Indicator, figure: Decimal | None, status: str) -> str:
    """A figure as the site shows it, with its unit, or its status in words."""
    if figure is None:
        return ValueStatus(status).label.lower() if status in ValueStatus.values else status
    unit = indicator.short_unit
    shown = indicator.format_value(figure)
    return f"{shown}{unit}" if unit == "%" else f"{shown} {unit}".strip()


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


def change_rows(changes) -> list[ChangeRow]:
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
        _require(can_undo_batch(request.user, batch) and self.has_view_permission(request, batch))
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


__all__ = [
    "IMPORT_PERMISSION",
    "UNDO_PERMISSIONS",
    "ImportBatchAdmin",
    "ImportChangeAdmin",
    "SourceMappingAdmin",
    "ValueImportMixin",
    "can_import",
    "can_undo",
]
