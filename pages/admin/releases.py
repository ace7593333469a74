"""The admin's release screens: the staged imports waiting for release, and for each its
release report (`pages.release_report`) with the publisher's choices: release now, schedule
(9:30 on a chosen day by default), release with a page's draft (sending the page back to its
officer), or discard; and pre-release access for named people.

A flagged change of meaning must be confirmed, each flag ticked, before the figures go out
now or on schedule. Everyone may read the report who may import; only a publisher acts."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone

from audit.log import record
from audit.models import AuditEvent
from core.formatting import day_and_time
from indicators.models import ImportBatch
from indicators.releases import (
    RELEASE_TIME,
    ReleaseRefused,
    default_release_time,
    discard_release,
    pending_releases,
    publish_release,
    schedule_release,
)
from pages.models import Topic
from pages.permissions import is_publisher
from pages.release_report import release_report
from pages.workflow import WorkflowError, start_draft


class ReleaseForm(forms.Form):
    note = forms.CharField(
        label="Release note",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Shown to the public under “Changes to these figures”.",
    )
    correction_notice = forms.CharField(
        label="Correction notice",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Only if the release corrects an error: say what was wrong.",
    )
    day = forms.DateField(
        label="Release on",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="For a scheduled release.",
    )
    time = forms.TimeField(
        label="at",
        required=False,
        initial=RELEASE_TIME,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        help_text="9:30 unless you choose another time.",
    )
    confirmed = forms.MultipleChoiceField(
        required=False, widget=forms.CheckboxSelectMultiple, label="Changes of meaning"
    )

    def __init__(self, *args: Any, flags: list, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.flags = flags
        self.fields["confirmed"].choices = [(flag.key, flag.text) for flag in flags]

    def unconfirmed(self) -> list:
        chosen = set(self.cleaned_data.get("confirmed") or ())
        return [flag for flag in self.flags if flag.key not in chosen]


def releases_view(request: HttpRequest) -> HttpResponse:
    """The imports waiting for release."""
    if not request.user.has_perm("indicators.view_importbatch"):
        raise PermissionDenied
    waiting = pending_releases().select_related("imported_by").order_by("publish_at", "imported_at")
    return TemplateResponse(
        request,
        "admin/pages/release_list.html",
        {
            **admin.site.each_context(request),
            "title": "Figures waiting for release",
            "waiting": waiting,
            "opts": Topic._meta,
        },
    )


def release_view(request: HttpRequest, batch_id: int) -> HttpResponse:
    batch = get_object_or_404(ImportBatch, pk=batch_id)
    user = request.user
    if not user.has_perm("indicators.view_importbatch"):
        raise PermissionDenied
    here = reverse("admin:pages_topic_release", args=[batch.pk])
    report = release_report(batch) if batch.is_pending else None
    flags = report.flags if report is not None else []
    form = ReleaseForm(request.POST or None, flags=flags, initial={"note": batch.release_note})
    if request.method == "POST":
        if not is_publisher(user):
            raise PermissionDenied
        action = request.POST.get("action", "")
        if action == "discard" and request.POST.get("confirm") != "yes":
            return _confirm_discard(request, batch)
        try:
            done = _act(request, batch, action, form)
        except (ReleaseRefused, WorkflowError) as error:
            messages.error(request, str(error))
            return HttpResponseRedirect(here)
        if done:
            return HttpResponseRedirect(done)
    return TemplateResponse(
        request,
        "admin/pages/release.html",
        {
            **admin.site.each_context(request),
            "title": f"Release of import #{batch.pk}: “{batch.file_name}”",
            "batch": batch,
            "report": report,
            "form": form,
            "may_release": is_publisher(user),
            "pre_release": batch.pre_release_access.order_by("username"),
            "pre_release_views": _pre_release_views(batch),
            "people": get_user_model()
            .objects.filter(is_active=True)
            .exclude(pk__in=batch.pre_release_access.values("pk"))
            .order_by("username"),
            "opts": Topic._meta,
            "batch_url": reverse("admin:indicators_importbatch_change", args=[batch.pk]),
        },
    )


def _confirm_discard(request: HttpRequest, batch: ImportBatch) -> HttpResponse:
    """Ask before the staged figures go: how many, of which import; nothing is done yet."""
    return TemplateResponse(
        request,
        "admin/pages/release_discard.html",
        {
            **admin.site.each_context(request),
            "title": f"Discard the staged figures of import #{batch.pk}?",
            "batch": batch,
            "staged": batch.rows_added + batch.rows_changed,
            "opts": Topic._meta,
            "back_url": reverse("admin:pages_topic_release", args=[batch.pk]),
        },
    )


def _act(request: HttpRequest, batch: ImportBatch, action: str, form: ReleaseForm) -> str:
    """Do what the publisher chose; the address to go to next, or "" to show the form again
    (with what is wrong)."""
    user = request.user
    here = reverse("admin:pages_topic_release", args=[batch.pk])
    if action == "grant":
        person = get_user_model().objects.filter(pk=request.POST.get("person") or 0).first()
        if person is None:
            messages.error(request, "Choose who may see the figures before they are released.")
            return here
        batch.pre_release_access.add(person)
        record(
            AuditEvent.Action.PRE_RELEASE,
            user=user,
            target=batch,
            detail=f"Gave {person.get_username()} access to the staged figures before release.",
        )
        messages.success(request, f"{person.get_username()} may now see the staged figures.")
        return here
    if action == "discard":
        discard_release(batch, user=user)
        messages.success(request, f"The staged figures of import #{batch.pk} were discarded.")
        return reverse("admin:pages_topic_releases")
    if action == "with_page":
        topic = get_object_or_404(Topic, pk=request.POST.get("topic") or 0)
        draft = start_draft(topic, user)
        draft.release_with.add(batch)
        record(
            AuditEvent.Action.IMPORT,
            user=user,
            target=draft,
            detail=f"Sent back to its officer: import #{batch.pk} will be released with this "
            f"page's draft.",
        )
        messages.success(
            request,
            f"“{topic.title}” was sent back to its officer: the figures will be released when "
            f"its draft is published.",
        )
        return here
    if not form.is_valid():
        return ""
    unconfirmed = form.unconfirmed()
    if unconfirmed:
        form.add_error(
            "confirmed",
            f"Confirm each change of meaning before the figures go out ({len(unconfirmed)} not "
            f"confirmed), or send the page back to its officer to release with its draft.",
        )
        return ""
    data = form.cleaned_data
    if action == "publish":
        publish_release(
            batch,
            user=user,
            note=data["note"],
            correction_notice=data["correction_notice"],
            confirmed_flags=[flag.key for flag in form.flags],
        )
        messages.success(request, f"The figures of import #{batch.pk} were released.")
        return here
    if action == "schedule":
        if data["day"] is None:
            form.add_error("day", "Choose the day of the release.")
            return ""
        when = (
            timezone.make_aware(datetime.datetime.combine(data["day"], data["time"]))
            if data["time"]
            else default_release_time(data["day"])
        )
        batch.correction_notice = data["correction_notice"]
        batch.confirmed_flags = [flag.key for flag in form.flags]
        batch.save(update_fields=["correction_notice", "confirmed_flags"])
        schedule_release(batch, when, user=user, note=data["note"])
        messages.success(
            request,
            f"The figures of import #{batch.pk} will be released on {day_and_time(when)}.",
        )
        return here
    messages.error(request, "Choose what to do with the figures.")
    return here


def _pre_release_views(batch: ImportBatch) -> list[AuditEvent]:
    """Who was given access, and each look they took, newest first."""
    return list(
        AuditEvent.objects.filter(
            action=AuditEvent.Action.PRE_RELEASE,
            target_url=reverse("admin:indicators_importbatch_change", args=[batch.pk]),
        ).order_by("-at")[:50]
    )
