"""The workflow on a topic's admin page: the panel saying what state the page is in, with a
button for each step the user may take now (by the step's own rule, `workflow.can_<step>`),
and the view the buttons post to."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from core.formatting import day_and_time
from pages import history, workflow
from pages.admin.changes import confirmation_page, content_differences
from pages.models import Status, Topic
from pages.permissions import can_view_draft, looks_after

# The buttons of the panel, in the order shown: the step, the rule that offers it, its label.
BUTTONS = (
    ("edit", workflow.can_start_draft, "Edit as a draft"),
    ("submit", workflow.can_submit_for_review, "Send for review"),
    ("discard", workflow.can_discard, "Discard this draft"),
    ("publish", workflow.can_publish, "Publish now"),
    ("return", workflow.can_return_to_draft, "Return to draft"),
    ("archive", workflow.can_archive, "Archive"),
    ("unarchive", workflow.can_unarchive, "Bring back as a draft"),
)
#: The steps that lose something: their buttons open a page that says what, and asks.
CONFIRMED = {"discard": workflow.can_discard, "archive": workflow.can_archive}


def workflow_panel(request: HttpRequest, topic: Topic) -> dict:
    """What the topic's page in the admin says about its state, and which steps it offers."""
    user = request.user
    draft = getattr(topic, "pending_draft", None) if not topic.draft_of_id else None
    steps = [
        (step, "Continue the draft" if step == "edit" and draft else label)
        for step, rule, label in BUTTONS
        if rule(user, topic)
    ]
    can_schedule = bool(workflow.can_schedule(user, topic))
    if topic.publish_at and can_schedule:
        steps.append(("unschedule", "Cancel the scheduled publication"))
    return {
        "url": reverse("admin:pages_topic_workflow", args=[topic.pk]),
        "steps": [(step, label, step in CONFIRMED) for step, label in steps],
        "can_schedule": can_schedule,
        "draft": draft,
        "published": topic.draft_of,
        "preview_url": (
            topic.get_absolute_url()
            if topic.status != Status.PUBLISHED and can_view_draft(user, topic)
            else ""
        ),
        "changes_url": reverse("admin:pages_topic_changes", args=[topic.pk]),
        "compare_url": (
            reverse("admin:pages_topic_compare", args=[topic.pk]) + "?draft=1"
            if topic.draft_of_id
            else ""
        ),
        "looks_after": looks_after(user, topic),
    }


class WorkflowViews:
    """The view of TopicAdmin that takes a step of the workflow."""

    def workflow_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """One step of the workflow, from a button on the topic's page. A step that loses
        something (`CONFIRMED`) first shows what, on a GET or a POST without `confirm=yes`,
        and does nothing until it is confirmed."""
        topic = get_object_or_404(Topic, pk=pk)
        user = request.user
        data = request.POST if request.method == "POST" else request.GET
        step = data.get("step", "")
        if step in CONFIRMED and (request.method != "POST" or data.get("confirm") != "yes"):
            return self.confirm_step(request, topic, step)
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        try:
            if step == "edit":
                draft = workflow.start_draft(topic, user)
                messages.success(
                    request,
                    "You are editing a draft of this page. The public keeps seeing the "
                    "published page until the draft is published.",
                )
                return redirect("admin:pages_topic_change", draft.pk)
            if step == "submit":
                workflow.submit_for_review(topic, user)
                messages.success(request, "Sent for review: a publisher will look at it.")
            elif step == "return":
                workflow.return_to_draft(topic, user, request.POST.get("note", "").strip())
                messages.success(request, "Returned to draft.")
            elif step == "publish":
                published = workflow.publish(topic, user)
                messages.success(request, f"“{published}” is published.")
                return redirect("admin:pages_topic_change", published.pk)
            elif step == "schedule":
                when = parse_datetime(request.POST.get("publish_at", ""))
                if when is None:
                    raise workflow.WorkflowError(
                        "Give the date and time to publish, e.g. 2027-01-04 09:00."
                    )
                if timezone.is_naive(when):
                    when = timezone.make_aware(when)
                workflow.schedule(topic, user, when)
                messages.success(
                    request,
                    f"It will be published on {day_and_time(when)}.",
                )
            elif step == "unschedule":
                workflow.schedule(topic, user, None)
                messages.success(request, "The scheduled publication is cancelled.")
            elif step == "discard":
                page = workflow.discard(topic, user)
                messages.success(
                    request, "The draft is discarded; the published page is unchanged."
                )
                return redirect("admin:pages_topic_change", page.pk)
            elif step == "archive":
                workflow.archive(topic, user)
                messages.success(request, "Archived: the page is no longer on the public site.")
            elif step == "unarchive":
                workflow.unarchive(topic, user)
                messages.success(request, "Brought back as a draft.")
            else:
                raise workflow.WorkflowError("Unknown step.")
        except workflow.WorkflowError as error:
            if not can_view_draft(user, topic):
                raise PermissionDenied from error
            messages.error(request, str(error))
        return redirect("admin:pages_topic_change", topic.pk)

    def confirm_step(self, request: HttpRequest, topic: Topic, step: str) -> HttpResponse:
        """The page that asks before discarding a draft or archiving a page, saying what is
        lost; or, if the step is not the user's to take now, why (as the step itself would)."""
        verdict = CONFIRMED[step](request.user, topic)
        if not verdict:
            if not can_view_draft(request.user, topic):
                raise PermissionDenied
            messages.error(request, verdict.reason)
            return redirect("admin:pages_topic_change", topic.pk)
        back_url = reverse("admin:pages_topic_change", args=[topic.pk])
        common = {
            "action": reverse("admin:pages_topic_workflow", args=[topic.pk]),
            "fields": {"step": step},
            "back_url": back_url,
        }
        if step == "discard":
            differences = content_differences(
                history.current(topic.draft_of), history.current(topic)
            )
            return confirmation_page(
                request,
                self,
                topic,
                title=f"Discard the draft of “{topic.draft_of}”?",
                lost=(
                    "These changes to the published page will be lost. The published page "
                    "stays as it is."
                    if differences
                    else "The draft changes nothing on the published page: nothing is lost."
                ),
                differences=differences,
                button="Yes, discard the draft",
                back="No, keep the draft",
                **common,
            )
        below = list(
            Topic.objects.pages()
            .filter(path__startswith=f"{topic.path}/", status=Status.PUBLISHED)
            .order_by("path")
        )
        notes = [
            "Readers following a link to it get “page not found”; it leaves search, the A to Z "
            "and the home page. Nothing is deleted: a publisher can bring it back as a draft, "
            "to publish again."
        ]
        if getattr(topic, "pending_draft", None) is not None:
            notes.append("Its draft of changes is kept.")
        return confirmation_page(
            request,
            self,
            topic,
            title=f"Archive “{topic}”?",
            lost=(
                f"“{topic}” and the {len(below)} published page{'s' if len(below) != 1 else ''} "
                "under it will be taken off the public site:"
                if below
                else f"“{topic}” will be taken off the public site."
            ),
            notes=[*(f"“{page.title}” ({page.path})" for page in below), *notes],
            button="Yes, archive it",
            back="No, keep it published",
            **common,
        )
