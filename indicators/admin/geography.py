"""The Areas admin's “Import areas” screen: upload one geography file (an ONS lookup, the
successor table, statistical groupings, comparator groups or our own area list), see what it
would add, rename, move, retype or mark as former, and apply it, all or nothing.

Everything is done by `indicators.geography` (`read_file`, `plan`, `apply`), as
``manage.py import_areas`` does it; these views only keep the upload between the preview and
the confirmation (`uploads`, as the figure import does) and show the plan.

What is applied is what was previewed: the preview's form carries a fingerprint of the plan it
showed, and the confirmation plans the file again and applies it only if the plan is the same.
If the site's areas changed in between (another officer's import, an edit), the new plan is
shown instead, and nothing is changed until the officer confirms that one.

Using the screen needs ``indicators.add_area`` and ``indicators.change_area`` (officers have
both); anyone else on the admin gets 403.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.defaultfilters import filesizeformat
from django.template.response import TemplateResponse
from django.urls import path
from django.views.decorators.http import require_POST

from core.formatting import long_date
from indicators.admin import uploads
from indicators.admin.forms import ACCEPT, import_max_bytes
from indicators.admin.import_permissions import require
from indicators.geography import (
    ATTRIBUTION,
    KINDS,
    OGL_URL,
    GeographyPlan,
    apply,
    plan,
    read_file,
)
from indicators.models import AreaType, ChangeKind

AREA_IMPORT_PERMISSIONS = ("indicators.add_area", "indicators.change_area")
#: Rows listed in one table of the preview; a national lookup has about 300 districts.
ROWS_LISTED = 1000
#: Problems listed on the preview.
PROBLEMS_LISTED = 200

_PLURALS = {
    AreaType.COUNTRY: "Countries",
    AreaType.REGION: "Regions",
    AreaType.COUNTY: "Counties",
    AreaType.UNITARY: "Unitary authorities",
    AreaType.DISTRICT: "Districts",
    AreaType.GROUPING: "Statistical groupings",
    AreaType.OTHER: "Other areas",
}

URL_NAME = "indicators_area_import_areas"
UPLOAD_URL = f"admin:{URL_NAME}"


def can_import_areas(user: Any) -> bool:
    return user.is_active and user.is_staff and user.has_perms(AREA_IMPORT_PERMISSIONS)


# --- Forms --------------------------------------------------------------------------------------

_USE_ONS_NAMES = {
    "label": "Use ONS names for areas officers have renamed",
    "required": False,
    "help_text": "An area whose name an officer has changed keeps it unless this is ticked; "
    "the preview lists those names either way.",
}


class AreaUploadForm(forms.Form):
    file = forms.FileField(
        label="File",
        help_text="CSV or Excel (.xlsx), up to {limit}.",
        widget=forms.FileInput(attrs={"accept": ACCEPT}),
    )
    use_ons_names = forms.BooleanField(**_USE_ONS_NAMES)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["file"]
        field.help_text = field.help_text.format(limit=filesizeformat(import_max_bytes()))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = import_max_bytes()
        if upload.size > limit:
            raise forms.ValidationError(
                f"“{upload.name}” is {filesizeformat(upload.size)}, over the limit of "
                f"{filesizeformat(limit)} for the admin. Ask an administrator to load it with "
                f"“python manage.py import_areas”, which has no limit.",
                code="too_big",
            )
        return upload


class AreaPlanForm(forms.Form):
    """The preview's form: which kept upload, the choice, and the plan the preview showed."""

    upload = forms.RegexField(regex=uploads.SHA256, widget=forms.HiddenInput)
    plan = forms.RegexField(regex=uploads.SHA256, required=False, widget=forms.HiddenInput)
    use_ons_names = forms.BooleanField(**_USE_ONS_NAMES)


def fingerprint(result: GeographyPlan) -> str:
    """A hash of everything the plan would change, to tell whether two plans are the same."""
    state = [
        [(r.code, r.name, r.area_type, r.parent_code) for r in result.added],
        result.renamed,
        result.kept_names,
        result.reparented,
        result.retyped,
        result.retired,
        result.changes_new,
        result.memberships_new,
        result.groups_report,
        [
            (c.old_code, c.new_code, c.kind, c.year, str(c.date), c.confirmed)
            for c in result.changes
        ],
        sorted(
            (name, g.members, g.areas, g.members_called, g.description)
            for name, g in result.groups.items()
        ),
        result.unchanged,
        result.use_ons_names,
    ]
    return hashlib.sha256(json.dumps(state, default=str).encode()).hexdigest()


# --- What the preview shows ---------------------------------------------------------------------


@dataclass(frozen=True)
class TypeCount:
    label: str
    number: int


@dataclass(frozen=True)
class Section:
    """One table of the preview: its heading, the column titles and the rows."""

    key: str
    heading: str
    columns: tuple[str, ...]
    rows: list[tuple[str, ...]]
    total: int
    help: str = ""

    @property
    def not_listed(self) -> int:
        return self.total - len(self.rows)


def type_counts(result: GeographyPlan) -> list[TypeCount]:
    counts = Counter(record.area_type for record in result.added)
    return [
        TypeCount(area_type.label if n == 1 else _PLURALS[area_type], n)
        for area_type in AreaType
        if (n := counts[area_type.value])
    ]


def _section(key: str, heading: str, columns: tuple[str, ...], rows: list, **kwargs) -> Section:
    return Section(key, heading, columns, list(rows[:ROWS_LISTED]), len(rows), **kwargs)


def sections(result: GeographyPlan) -> list[Section]:
    """The preview's tables, in the order the plan's sentences give them; only those with
    rows. Headings are worded for before or after the plan is applied."""
    done = result.applied
    # An area that keeps an officer's name is called by it, not by the file's.
    kept = {code: ours for code, ours, _ons in result.kept_names}

    def label(code: str) -> str:
        if not code:
            return "—"
        return f"{kept[code]} ({code})" if code in kept else result.label(code)

    found = [
        _section(
            "added",
            f"Areas {'added' if done else 'to add'}",
            ("Code", "Name", "Type", "In"),
            [
                (r.code, r.name, AreaType(r.area_type).label, label(r.parent_code))
                for r in result.added
            ],
        ),
        _section(
            "renamed",
            "Areas renamed" if done else "Areas to rename",
            ("Code", "Name before", "Name now" if done else "New name"),
            result.renamed,
        ),
        _section(
            "kept",
            "Names officers gave, kept",
            ("Code", "Our name", "ONS's name"),
            result.kept_names,
            help="An officer renamed these areas, so they keep their names."
            + (
                ""
                if done
                else " Tick “Use ONS names for areas officers have renamed” below and check "
                "again to take ONS's."
            ),
        ),
        _section(
            "moved",
            "Areas moved" if done else "Areas to move to another parent",
            ("Code", "Name", "From", "To"),
            result.reparented,
        ),
        _section(
            "retyped",
            "Types changed" if done else "Types to change",
            ("Code", "Name", "From", "To"),
            result.retyped,
        ),
        _section(
            "retired",
            "Marked as former areas" if done else "To be marked as former areas",
            ("Code", "Name"),
            result.retired,
            help="Replaced by a boundary or code change: they keep their figures, and their "
            "pages say what replaced them.",
        ),
        _section(
            "changes",
            "Lines of the successor table",
            ("Old area", "New area", "Change", "When", "Confirmed"),
            [
                (
                    f"{c.old_name or result.name_of(c.old_code)} ({c.old_code})",
                    f"{c.new_name or result.name_of(c.new_code)} ({c.new_code})",
                    ChangeKind(c.kind).label,
                    long_date(c.date) if c.date else str(c.year),
                    "Yes" if c.confirmed else "No: shown as reported, not applied",
                )
                for c in result.changes
            ],
            help=f"{result.changes_new:,} of them {'were' if done else 'are'} not on the site "
            f"before; the others {'were' if done else 'are'} updated from the file.",
        ),
        _section(
            "memberships",
            "Grouping members added" if done else "Members to add to statistical groupings",
            ("Statistical grouping", "Member"),
            [(label(grouping), label(member)) for grouping, member in result.memberships_new],
            help="A statistical grouping is not part of the hierarchy: its members keep their "
            "parents.",
        ),
    ]
    return [section for section in found if section.total]


def group_lines(result: GeographyPlan) -> list[str]:
    """The comparator groups' sentences, as the plan words them."""
    verbs = {"add": "Added", "change": "Changed"}
    return [
        f"{verbs[verb]} {rest}" if result.applied else f"Would {verb} {rest}"
        for verb, rest in result.groups_report
    ]


# --- The screens --------------------------------------------------------------------------------


class AreaImportMixin:
    """Adds the “Import areas” screens to the Areas admin."""

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("import-areas/", view(self.import_areas_view), name=URL_NAME),
            path(
                "import-areas/check/",
                view(require_POST(self.import_areas_check_view)),
                name=f"{URL_NAME}_check",
            ),
            path(
                "import-areas/confirm/",
                view(require_POST(self.import_areas_confirm_view)),
                name=f"{URL_NAME}_confirm",
            ),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "can_import_areas": can_import_areas(request.user),
        }
        return super().changelist_view(request, extra_context)

    def import_areas_view(self, request: HttpRequest) -> HttpResponse:
        """GET: the upload form. POST: keep the file, plan it, show the preview."""
        require(can_import_areas(request.user))
        if request.method == "POST":
            form = AreaUploadForm(request.POST, request.FILES)
            if form.is_valid():
                return self._areas_upload(request, form)
        else:
            form = AreaUploadForm()
        context = {
            **self._areas_context(request, "Import areas"),
            "form": form,
            "max_upload": import_max_bytes(),
        }
        return TemplateResponse(request, "admin/indicators/area/import_areas_upload.html", context)

    def import_areas_check_view(self, request: HttpRequest) -> HttpResponse:
        """The preview again, with the officer's choice of names."""
        require(can_import_areas(request.user))
        form = AreaPlanForm(request.POST)
        upload = self._kept_upload(request, form)
        if not isinstance(upload, uploads.Upload):
            return upload
        result = self._plan(upload, use_ons_names=form.cleaned_data["use_ons_names"])
        return self._areas_preview(request, upload, result)

    def import_areas_confirm_view(self, request: HttpRequest) -> HttpResponse:
        """Apply the plan the preview showed, or, if the plan is no longer the same, show the
        new one and change nothing."""
        require(can_import_areas(request.user))
        form = AreaPlanForm(request.POST)
        upload = self._kept_upload(request, form)
        if not isinstance(upload, uploads.Upload):
            return upload
        # The file is read before the transaction opens: on SQLite a write transaction holds
        # the write lock from its start, and no one else's save should wait on reading.
        files = [read_file(upload.path, file_name=upload.name)]
        with transaction.atomic():
            result = plan(files, use_ons_names=form.cleaned_data["use_ons_names"])
            if result.ok and fingerprint(result) == form.cleaned_data["plan"]:
                apply(result, user=request.user, description=upload.name)
        if not result.applied:
            return self._areas_preview(request, upload, result, replanned=True)
        first = result.lines()[0]  # the plan always has a sentence, if only “Nothing to …”
        if result.changes_anything:
            messages.success(request, f"Imported “{upload.name}”. {first}")
        else:
            messages.info(request, f"“{upload.name}” changed nothing. {first}")
        return self._areas_preview(request, upload, result)

    # Steps -------------------------------------------------------------------------------------

    def _areas_upload(self, request: HttpRequest, form: AreaUploadForm) -> HttpResponse:
        store = uploads.UploadStore(request.user.pk)
        store.sweep()
        file = form.cleaned_data["file"]
        sha256 = store.save(file)
        upload = uploads.Upload(
            sha256=sha256, name=file.name, size=file.size, path=store.path(sha256)
        )
        uploads.remember(request, sha256, name=file.name, size=file.size)
        result = self._plan(upload, use_ons_names=form.cleaned_data["use_ons_names"])
        return self._areas_preview(request, upload, result)

    def _kept_upload(
        self, request: HttpRequest, form: AreaPlanForm
    ) -> uploads.Upload | HttpResponse:
        """The kept upload the form names, or where to send the officer instead."""
        upload = uploads.find(request, form.cleaned_data["upload"]) if form.is_valid() else None
        if upload is not None:
            return upload
        messages.error(
            request,
            "The uploaded file is no longer here: uploads are kept for a day, only for the "
            "person who uploaded them, and only until they are imported. Upload it again.",
        )
        return redirect(UPLOAD_URL)

    def _plan(self, upload: uploads.Upload, *, use_ons_names: bool) -> GeographyPlan:
        return plan([read_file(upload.path, file_name=upload.name)], use_ons_names=use_ons_names)

    # Pages -------------------------------------------------------------------------------------

    def _areas_context(self, request: HttpRequest, title: str) -> dict[str, Any]:
        return {
            **self.admin_site.each_context(request),
            "title": title,
            "opts": self.model._meta,
            "has_view_permission": self.has_view_permission(request),
            "attribution": ATTRIBUTION,
            "ogl_url": OGL_URL,
        }

    def _areas_preview(
        self,
        request: HttpRequest,
        upload: uploads.Upload,
        result: GeographyPlan,
        *,
        replanned: bool = False,
    ) -> HttpResponse:
        """The plan: what it would do (or did), or what is wrong with the file."""
        open_plan = result.ok and not result.applied
        can_confirm = open_plan and result.changes_anything
        # Names kept for officers can be given ONS's instead: check again with the box ticked.
        can_check = open_plan and bool(result.kept_names or result.use_ons_names)
        if not (can_confirm or can_check):  # nothing (more) to do with it: the file goes
            uploads.UploadStore(request.user.pk).delete(upload.sha256)
            uploads.forget(request, upload.sha256)
        form = AreaPlanForm(
            initial={
                "upload": upload.sha256,
                "plan": fingerprint(result),
                "use_ons_names": result.use_ons_names,
            }
        )
        title = f"{'Imported' if result.applied else 'Preview of'} “{upload.name}”"
        context = {
            **self._areas_context(request, title),
            "upload": upload,
            "plan": result,
            "files": [
                (source.description, KINDS.get(source.kind, "not a geography file"), source.rows)
                for source in result.files
            ],
            "summary": [line for line in result.lines() if not line.startswith("  ")]
            if result.ok
            else [],
            "type_counts": type_counts(result),
            "sections": sections(result) if result.ok else [],
            "group_lines": group_lines(result),
            "problems": result.problems[:PROBLEMS_LISTED],
            "problems_not_listed": max(len(result.problems) - PROBLEMS_LISTED, 0),
            "form": form,
            "can_confirm": can_confirm,
            "can_check": can_check,
            "replanned": replanned,
        }
        return TemplateResponse(request, "admin/indicators/area/import_areas_preview.html", context)


__all__ = [
    "AREA_IMPORT_PERMISSIONS",
    "AreaImportMixin",
    "AreaPlanForm",
    "AreaUploadForm",
    "can_import_areas",
    "fingerprint",
]
