"""A topic's Changes in the admin: every change with who made it and when, comparing two
moments, and reverting to one."""

import difflib
import re

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

from core.formatting import day_and_time
from pages import history, workflow
from pages.models import Status, Topic
from pages.permissions import can_view_draft

# A word with the spaces after it (or the spaces a text starts with): spaces alone never
# match, so a changed sentence reads as one change, not as words between shared spaces.
_WORDS = re.compile(r"\s+|\S+\s*")
#: Unchanged words kept either side of a change; longer unchanged runs are shortened to “…”.
CONTEXT = 12


def labelled_diff(old: str, new: str, *, context: int = CONTEXT) -> SafeString:
    """`new` against `old`, word by word: removed words struck through in <del>, added ones
    underlined in <ins>, and each run labelled in words (“removed”, “added”), so that the
    difference is never shown by colour or a line alone. Long unchanged runs are shortened
    to the `context` words either side of a change."""
    a, b = _WORDS.findall(old or ""), _WORDS.findall(new or "")
    # Words are compared without the spaces after them (a word that ends a text has none).
    matcher = difflib.SequenceMatcher(
        None, [w.rstrip() or w for w in a], [w.rstrip() or w for w in b], autojunk=False
    )
    opcodes = matcher.get_opcodes()
    parts = []
    for position, (op, i1, i2, j1, j2) in enumerate(opcodes):
        if op == "equal":
            words = b[j1:j2]
            first, last = position == 0, position == len(opcodes) - 1
            keep_before = 0 if first else context
            keep_after = 0 if last else context
            if len(opcodes) > 1 and len(words) > keep_before + keep_after + 1:
                words = [*words[:keep_before], "… ", *words[len(words) - keep_after :]]
            parts.append(escape("".join(words)))
            continue
        if op in ("delete", "replace"):
            parts.append(
                format_html(
                    '<del><span class="diff-label">removed</span> {}</del>', "".join(a[i1:i2])
                )
            )
        if op in ("insert", "replace"):
            parts.append(
                format_html(
                    '<ins><span class="diff-label">added</span> {}</ins>', "".join(b[j1:j2])
                )
            )
    return mark_safe("".join(parts))  # each part is escaped above


def content_differences(old: history.Snapshot, new: history.Snapshot) -> list[history.Difference]:
    """What changes from `old` to `new` in the page's content: not its state (a draft is a
    draft of a published page; reverting does not change whether a page is published)."""
    return [d for d in history.diff(old, new) if d.what != history.TOPIC_LABELS["status"]]


def confirmation_page(
    request: HttpRequest,
    model_admin,
    topic: Topic,
    *,
    title: str,
    lost: str,
    differences: list[history.Difference] = (),
    notes: list[str] = (),
    action: str,
    fields: dict[str, str],
    button: str,
    back_url: str,
    back: str,
) -> TemplateResponse:
    """A page that asks before a step that cannot be undone at a click: what will be lost
    (with the words that go, marked), one button to go on and a link back. The button posts
    `fields` with `confirm=yes`; the step does nothing without it."""
    context = {
        **model_admin.admin_site.each_context(request),
        "title": title,
        "opts": model_admin.model._meta,
        "original": topic,
        "lost": lost,
        "differences": [(d.what, labelled_diff(d.old, d.new)) for d in differences],
        "notes": notes,
        "action": action,
        "fields": fields,
        "button": button,
        "back_url": back_url,
        "back": back,
    }
    return TemplateResponse(request, "admin/pages/topic/confirm.html", context)


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
            heading = f"Changes up to {day_and_time(at, seconds=True)}"
        context = {
            **self.admin_site.each_context(request),
            "title": heading,
            "opts": self.model._meta,
            "original": topic,
            "differences": history.diff(old, new),
        }
        return TemplateResponse(request, "admin/pages/topic/compare.html", context)

    def revert_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """GET (or a POST without `confirm=yes`): what reverting to the moment `at` would
        change, and a button. POST with it: revert."""
        topic = get_object_or_404(Topic, pk=pk)
        data = request.POST if request.method == "POST" else request.GET
        at = parse_datetime(data.get("at", ""))
        if at is None:
            raise PermissionDenied
        verdict = workflow.can_revert(request.user, topic)
        if verdict.forbidden:  # not theirs; refused for the page's state, it says why below
            raise PermissionDenied
        if request.method != "POST" or request.POST.get("confirm") != "yes":
            return self.confirm_revert(request, topic, at)
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
            request, f"The content is back as it was on {day_and_time(when, seconds=True)}{where}"
        )
        return redirect("admin:pages_topic_change", target.pk)

    def confirm_revert(self, request: HttpRequest, topic: Topic, at) -> HttpResponse:
        verdict = workflow.can_revert(request.user, topic)
        if not verdict:
            messages.error(request, verdict.reason)
            return redirect("admin:pages_topic_changes", topic.pk)
        try:
            old = history.snapshot(topic, at)
        except workflow.WorkflowError as error:
            messages.error(request, str(error))
            return redirect("admin:pages_topic_changes", topic.pk)
        draft = Topic.objects.filter(draft_of=topic).first()
        now = history.current(draft or topic)
        when = day_and_time(at, seconds=True)
        if topic.status == Status.PUBLISHED and draft is not None:
            lost = (
                f"The page's draft will hold the content as it was at {when}: what the draft "
                "holds now, below, will be replaced (its earlier text stays in the draft's "
                "Changes). The published page stays as it is until the draft is published."
            )
        elif topic.status == Status.PUBLISHED:
            lost = (
                f"A draft of the page will hold the content as it was at {when}; the published "
                "page stays as it is until the draft is published. What the draft will change:"
            )
        else:
            lost = (
                f"The page's content goes back to how it was at {when}. What it holds now "
                "and will lose (its earlier text stays in Changes):"
            )
        differences = content_differences(now, old)
        return confirmation_page(
            request,
            self,
            topic,
            title=f"Revert “{topic}” to {when}?",
            lost=lost,
            differences=differences,
            notes=[] if differences else ["The content then is the same as now: nothing changes."],
            action=reverse("admin:pages_topic_revert", args=[topic.pk]),
            fields={"at": at.isoformat()},
            button="Yes, revert",
            back_url=reverse("admin:pages_topic_changes", args=[topic.pk]),
            back="No, go back to the changes",
        )
