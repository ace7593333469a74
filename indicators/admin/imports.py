"""The officers' import screens: upload a file, see a preview of every change, choose how the
file's indicators map to ours, confirm; then the import's record, with its changes and undo.

Everything is done by `indicators.importing` (`import_values`, `undo_import`); these views only
keep the upload between the requests (`uploads`), carry the officer's choices (`forms`) and show
the report (`import_preview`). This module holds the upload, preview and confirm screens, added
to the Values admin by `ValueImportMixin`; an import's record, its changes and its undo are in
`import_records`, and who may do what in `import_permissions`. The admin's names for all of
them are importable from here.

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

from pathlib import Path
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST

from core.formatting import day_and_time
from indicators import tasks
from indicators.admin import blank_template, uploads
from indicators.admin.forms import (
    BlankTemplateForm,
    ImportChoicesForm,
    UploadForm,
    import_max_bytes,
)
from indicators.admin.import_permissions import (
    IMPORT_PERMISSION,
    UNDO_PERMISSIONS,
    allowed_indicators,
    can_import,
    can_undo,
    require,
)
from indicators.admin.import_preview import (
    alias_questions,
    column_rows,
    counts,
    mapping_rows,
    only,
    reading_rows,
    refusal,
    rows_listed,
)
from indicators.admin.import_records import (
    CHANGES_SHOWN,
    ImportBatchAdmin,
    ImportChangeAdmin,
    SourceMappingAdmin,
)
from indicators.exports import CONTENT_TYPES
from indicators.importing import ImportReport
from indicators.models import ImportBatch, ImportRun, SourceMapping

#: Recent imports listed on the upload page.
RECENT_IMPORTS = 5
#: In a run's choices: where it was started ("upload": the file was just uploaded).
ORIGIN = "_origin"


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
                "import/run/<uuid:run_id>/",
                view(self.run_view),
                name="indicators_value_import_run",
            ),
            path(
                "import/run/<uuid:run_id>/status/",
                view(self.run_status_view),
                name="indicators_value_import_run_status",
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
        require(can_import(request.user))
        if request.method == "POST":
            form = UploadForm(request.POST, request.FILES)
            if form.is_valid():
                return self._upload(request, form)
        else:
            form = UploadForm()
        return self._upload_page(request, form)

    def check_view(self, request: HttpRequest) -> HttpResponse:
        """The preview again, with the officer's mappings and choices."""
        require(can_import(request.user))
        form = ImportChoicesForm(request.POST)
        upload = self._upload_for(request, form)
        if not isinstance(upload, uploads.Upload):
            return upload
        return self._start(request, upload, tasks.choices_data(request.POST), dry_run=True)

    def confirm_view(self, request: HttpRequest) -> HttpResponse:
        """Import for real. A file with rejected rows changes nothing unless the officer chose
        to apply only the valid rows; then the preview is shown again, saying so."""
        require(can_import(request.user))
        form = ImportChoicesForm(request.POST)
        upload = self._upload_for(request, form)
        if not isinstance(upload, uploads.Upload):
            return upload
        # A mistake in a field the officer typed is shown in a preview; nothing is imported.
        dry_run = bool(form.errors)
        return self._start(request, upload, tasks.choices_data(request.POST), dry_run=dry_run)

    def run_view(self, request: HttpRequest, run_id: str) -> HttpResponse:
        """An import run: its progress until it has finished, then its preview, or what the
        import did."""
        require(can_import(request.user))
        run = self._own_run(request, run_id)
        if not run.finished or run.state == ImportRun.State.FAILED:
            if run.state == ImportRun.State.FAILED and not run.shown:
                ImportRun.objects.filter(pk=run.pk).update(shown=True)  # off the start page
            return TemplateResponse(
                request,
                "admin/indicators/value/import_progress.html",
                {**self._context(request, f"Reading “{run.file_name}”"), "run": run},
            )
        report = tasks.report_of(run)
        path = uploads.UploadStore(request.user.pk).path(run.upload)
        upload = uploads.Upload(
            sha256=run.upload, name=run.file_name, size=run.file_size, path=path or Path()
        )
        choices = ImportChoicesForm(tasks.posted(run.choices))
        choices.is_valid()
        assert report is not None  # a finished run keeps its report
        if run.dry_run:
            if run.choices.get(ORIGIN) == ["upload"] and (
                report.file_errors
                and not (report.unmapped or report.left_out or report.needs_period)
            ):
                # Nothing in it can be imported as it is: say why, next to the file field.
                uploads.UploadStore(request.user.pk).delete(run.upload)
                uploads.forget(request, run.upload)
                form = UploadForm({"file_format": choices.cleaned_data.get("file_format")})
                form.is_valid()  # bound, without its file: the file's errors are ours
                form.errors["file"] = form.error_class(report.file_errors)
                return self._upload_page(request, form)
            return self._preview_page(request, upload, report, choices)
        if report.rejected:
            return self._preview_page(request, upload, report, choices, refused=refusal(report))
        batch = report.batch
        assert batch is not None  # an import that was not rejected is recorded
        if run.shown:  # the outcome was reported once already
            return redirect("admin:indicators_importbatch_change", batch.pk)
        ImportRun.objects.filter(pk=run.pk).update(shown=True)
        uploads.UploadStore(request.user.pk).delete(upload.sha256)
        uploads.forget(request, upload.sha256)
        self.log_addition(request, batch, [{"added": {}}])
        level = messages.INFO if report.nothing_changed else messages.SUCCESS
        staged = (
            " The figures are staged: the public will see them when a publisher releases them "
            "(Release report and release, above)."
            if batch.is_pending
            else ""
        )
        messages.add_message(
            request, level, f"Imported “{upload.name}”. {' '.join(report.summary())}{staged}"
        )
        return redirect("admin:indicators_importbatch_change", batch.pk)

    def run_status_view(self, request: HttpRequest, run_id: str) -> JsonResponse:
        """How far a run has got, for the progress page's script."""
        require(can_import(request.user))
        run = self._own_run(request, run_id)
        return JsonResponse(
            {
                "state": run.state,
                "state_label": run.get_state_display(),
                "finished": run.finished,
                "error": run.error,
                "started_at": (
                    timezone.localtime(run.started_at).isoformat() if run.started_at else None
                ),
                "started": day_and_time(run.started_at) if run.started_at else "",
                "rows_read": run.rows_read,
                "rows_expected": run.rows_expected,
                "percent": run.percent,
                "seconds_left": run.seconds_left,
                "time_left": run.time_left,
                "figures_checked": run.figures_checked,
                "figures_written": run.figures_written,
            }
        )

    def _own_run(self, request: HttpRequest, run_id: str) -> ImportRun:
        """The officer's run; one whose worker stopped is marked failed as it is read."""
        run = ImportRun.objects.filter(pk=run_id, user=request.user).first()
        if run is None:
            raise Http404("There is no such import of yours.")
        tasks.settle([run])
        return run

    def blank_template_view(self, request: HttpRequest) -> HttpResponse:
        """The blank template for an indicator (``?indicator=<slug>&file=csv|xlsx``)."""
        require(can_import(request.user))
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
        choices = {
            "upload": sha256,
            "file_format": form.cleaned_data["file_format"],
            "add_areas": "on" if form.cleaned_data["add_areas"] else "",
            "period": form.cleaned_data["period"],
        }
        return self._start(
            request, upload, {**tasks.choices_data(choices), ORIGIN: ["upload"]}, dry_run=True
        )

    def _upload_for(
        self, request: HttpRequest, form: ImportChoicesForm
    ) -> uploads.Upload | HttpResponse:
        """The kept upload the form names, or where to send the officer instead. A mistake in
        a field the officer types (`ImportChoicesForm.TYPED`) is not a reason to start again:
        the preview shows it beside the field. Any other invalid field was not as the preview
        wrote it, and the officer starts again."""
        if not form.is_valid() and form.typed_errors() is None:
            problems = "; ".join(
                str(error).rstrip(".") for errors in form.errors.values() for error in errors
            )
            messages.error(request, f"The choices could not be read: {problems}. Start again.")
            return redirect("admin:indicators_value_import")
        sha256 = form.cleaned_data["upload"]
        upload = uploads.find(request, sha256)
        if upload is not None:
            return upload
        done = (
            ImportBatch.objects.filter(
                file_hash=sha256,
                imported_by=request.user,
                status__in=[ImportBatch.Status.APPLIED, ImportBatch.Status.UNCHANGED],
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

    def _start(
        self,
        request: HttpRequest,
        upload: uploads.Upload,
        choices: dict[str, list[str]],
        *,
        dry_run: bool,
    ) -> HttpResponse:
        """Hand the import to the task worker, and go to its page, which follows it."""
        run = tasks.start_run(user=request.user, upload=upload, choices=choices, dry_run=dry_run)
        return redirect("admin:indicators_value_import_run", run.pk)

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
        columns = column_rows(report, choices.chosen_columns())
        aliases, confirmed = choices.alias_choices()
        # A field the officer mistyped is shown as they typed it, with why it is wrong.
        mistakes = (choices.typed_errors() or {}) if choices.is_bound else {}
        form = ImportChoicesForm(
            initial={
                "upload": upload.sha256,
                "file_format": choices.cleaned_data["file_format"],
                "add_areas": choices.cleaned_data["add_areas"],
                "apply_valid_rows": choices.cleaned_data["apply_valid_rows"],
                "period": choices.cleaned_data.get("period", ""),
                "aliases": "\n".join(f"{old}={new}" for old, new in aliases.items()),
                **(
                    {"confirmed_aliases": [f"{old}={new}" for old, new in confirmed.items()]}
                    if confirmed
                    else {}
                ),
                **{name: choices.data.get(name, "") for name in mistakes},
            },
            mapping_rows=rows,
            column_rows=columns,
            alias_questions=alias_questions(report, confirmed),
            reading_rows=reading_rows(report, choices.chosen_readings()),
        )
        form.show_errors(mistakes)
        fixable = not report.file_errors or bool(rows) or bool(aliases)
        context = {
            **self._context(request, f"Preview of “{upload.name}”"),
            "upload": upload,
            "report": report,
            "summary": report.summary(),
            "counts": counts(report),
            "form": form,
            "mapping_fields": form.mapping_fields,
            "column_fields": form.column_fields,
            "reading_fields": form.reading_fields,
            "asks_period": report.needs_period
            or bool(choices.cleaned_data.get("period"))
            or "period" in mistakes,
            "measures": report.measure_rows(),
            "skipped_areas": sorted(
                report.skipped_areas.values(), key=lambda tally: (-tally.rows, tally.key)
            ),
            "errors_not_listed": max(report.rows_rejected - rows_listed(report), 0),
            "changes_not_listed": max(
                report.figures_new + report.figures_changed - len(report.changes), 0
            ),
            "single_indicator": only({change.indicator for change in report.changes}),
            "can_confirm": fixable,
            "refused": refused,
            "uses_mappings": report.file_format in SourceMapping.Source.values,
        }
        return TemplateResponse(request, "admin/indicators/value/import_preview.html", context)


__all__ = [
    "CHANGES_SHOWN",
    "IMPORT_PERMISSION",
    "UNDO_PERMISSIONS",
    "ImportBatchAdmin",
    "ImportChangeAdmin",
    "SourceMappingAdmin",
    "ValueImportMixin",
    "allowed_indicators",
    "can_import",
    "can_undo",
]


def import_options(
    form: ImportChoicesForm, user: Any, upload: uploads.Upload, *, dry_run: bool
) -> dict[str, Any]:
    """What `import_values` is given for an officer's upload and choices (`tasks.run_import`
    runs it)."""
    data = form.cleaned_data
    aliases, confirmed = form.alias_choices()
    return {
        "source": upload.path,
        "file_name": upload.name,
        "user": user,
        "mappings": form.mappings(),
        "remember": True,
        "add_areas": data.get("add_areas", False),
        "apply_valid_rows": data.get("apply_valid_rows", False),
        "dry_run": dry_run,
        "file_format": data.get("file_format", "auto"),
        "allowed_indicators": allowed_indicators(user),
        "area_aliases": aliases,
        "confirmed_aliases": confirmed,
        "column_roles": form.column_roles(),
        "period": data.get("period", ""),
        "period_readings": form.period_readings(),
        "stage": True,  # the public see the figures when a publisher releases them
    }
