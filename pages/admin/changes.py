"""A topic's Changes in the admin: every change with who made it and when, comparing two
moments, and reverting to one."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from pages import history, workflow
from pages.models import Status, Topic
from pages.permissions import can_view_draft


class ChangesViews:
    """The views of TopicAdmin about a topic's history."""

    def _history_topic(self, request, pk: int) -> Topic:
        topic = get_object_or_404(Topic, pk=pk)
        if not (self.has_view_or_change_permission(request, topic)):
            raise PermissionDenied
        if topic.status != Status.PUBLISHED and not can_view_draft(request.user, topic):
            raise PermissionDenied
        return topic

    def changes_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """Every change to the page, its sections and links: who, when, what; compare any
        change with the one before, or revert to it."""
        topic = self._history_topic(request, pk)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Changes to “{topic}”",
            "opts": self.model._meta,
            "original": topic,
            "changes": history.changes(
                topic,
                hidden_drafts=[
                    draft.pk
                    for draft in Topic.objects.filter(draft_of=topic)
                    if not can_view_draft(request.user, draft)
                ],
            ),
            "can_revert": bool(workflow.can_revert(request.user, topic)),
        }
        return TemplateResponse(request, "admin/pages/topic/changes.html", context)

    def compare_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """What changed between two moments (`since` and `at`), or between the published page
        and its draft (`draft=1`)."""
        topic = self._history_topic(request, pk)
        if request.GET.get("draft") and topic.draft_of_id:
            old, new = history.current(topic.draft_of), history.current(topic)
            heading = "What this draft changes on the published page"
        else:
            at = parse_datetime(request.GET.get("at", ""))
            since = parse_datetime(request.GET.get("since", ""))
            if at is None:
                raise PermissionDenied
            new = history.snapshot(topic, at)
            try:
                old = history.snapshot(topic, since) if since else None
            except workflow.WorkflowError:
                old = None
            if old is None:
                old = history.Snapshot(topic=Topic(title="", slug=""))
            heading = f"Changes up to {timezone.localtime(at):%H:%M:%S on %d %b %Y}"
        context = {
            **self.admin_site.each_context(request),
            "title": heading,
            "opts": self.model._meta,
            "original": topic,
            "differences": history.diff(old, new),
        }
        return TemplateResponse(request, "admin/pages/topic/compare.html", context)

    def revert_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        topic = get_object_or_404(Topic, pk=pk)
        at = parse_datetime(request.POST.get("at", ""))
        if at is None:
            raise PermissionDenied
        verdict = workflow.can_revert(request.user, topic)
        if verdict.forbidden:  # not theirs; refused for the page's state, it says why below
            raise PermissionDenied
        had_draft = Topic.objects.filter(draft_of=topic).exists()
        try:
            target = history.revert(topic, at, request.user)
        except workflow.WorkflowError as error:
            messages.error(request, str(error))
            return redirect("admin:pages_topic_changes", topic.pk)
        where = "."
        if target.pk != topic.pk:
            where = ", in a draft: publish it to make it public."
            if had_draft:
                where = (
                    ", in the page's draft, replacing what the draft held (its earlier text is "
                    "in the draft's Changes). Publish it to make it public."
                )
        when = timezone.localtime(at)
        messages.success(
            request, f"The content is back as it was at {when:%H:%M:%S on %d %b %Y}{where}"
        )
        return redirect("admin:pages_topic_change", target.pk)
