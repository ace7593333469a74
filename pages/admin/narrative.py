"""Help with a topic's narrative in the admin: the live preview, the ready-to-copy references,
the typed-number report and the review dashboard."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse

from pages import references, workflow
from pages.checker import check_sections, convert
from pages.markdown import render_markdown
from pages.models import Section, Status, Topic
from pages.permissions import can_edit, looked_after_by
from pages.review import build_review


def reference_examples(topic: Topic) -> list[tuple[str, str]]:
    """Ready-to-copy references for the indicators of a topic's sections."""
    examples = []
    indicators = {s.indicator for s in topic.sections.select_related("indicator") if s.indicator}
    area = topic.area.display_name if topic.area else "the page's area"
    for indicator in sorted(indicators, key=lambda i: i.name):
        slug = indicator.slug
        examples += [
            (f"{{{{{slug}}}}}", f"{indicator.name}: latest figure for {area}"),
            (f"{{{{{slug} | period=2012/13}}}}", "the figure for a given period"),
            (f"{{{{{slug} | area=England}}}}", "another area, by name or GSS code"),
            (f"{{{{trend {slug}}}}}", "e.g. “up from 557.0 per 10,000 in 2011/12”"),
            (f"{{{{compare {slug} | with=England}}}}", "e.g. “higher than England (520.7)”"),
            (f"{{{{rank {slug} | area=Preston}}}}", "e.g. “the highest of the 12 districts”"),
        ]
    return examples


class NarrativeViews:
    """The views of TopicAdmin that help officers with the narrative."""

    def preview_view(self, request: HttpRequest, pk: int) -> JsonResponse:
        """The narrative as the public will see it, with its live figures, before saving."""
        topic = get_object_or_404(Topic.objects.select_related("area"), pk=pk)
        if not can_edit(request.user, topic):
            raise PermissionDenied
        body = request.POST.get("body", "")
        try:
            resolver = references.Resolver.for_references(references.find(body), topic.area)
        except references.ReferenceError:
            resolver = None  # nothing is shown until the reference can be read
        return JsonResponse(
            {
                "html": render_markdown(body, resolver=resolver) if resolver else "",
                "problems": references.problems(body, topic.area, resolver=resolver),
            }
        )

    def review_view(self, request: HttpRequest) -> HttpResponse:
        """What needs an officer's attention: reviews due, new data, broken references,
        typed numbers that no longer match."""
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        topics = Topic.objects.pages().select_related("area", "author")
        mine = request.GET.get("mine") == "1"
        if mine:  # the pages this officer looks after, alone or with a team
            topics = topics.filter(looked_after_by(request.user))
        context = {
            **self.admin_site.each_context(request),
            "title": "Your pages to review" if mine else "Pages to review",
            "opts": self.model._meta,
            "review": build_review(topics),
            "mine": mine,
        }
        return TemplateResponse(request, "admin/pages/topic/review.html", context)

    def numbers_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """The typed-number report for one topic, with one-click conversion of matches."""
        topic = get_object_or_404(self.get_queryset(request), pk=pk)
        if not self.has_view_or_change_permission(request, topic):
            raise PermissionDenied
        can_change = can_edit(request.user, topic) and topic.status != Status.ARCHIVED
        if request.method == "POST":
            if not can_change:
                raise PermissionDenied
            section = get_object_or_404(Section, pk=request.POST.get("section"), topic=topic)
            if topic.status == Status.PUBLISHED:  # the change goes into a draft of the page
                topic = workflow.start_draft(topic, request.user)
                section = get_object_or_404(Section, topic=topic, anchor=section.anchor)
            text, reference = request.POST.get("text", ""), request.POST.get("reference", "")
            if convert(section, text, reference):
                messages.success(request, f"“{text}” in “{section.heading}” is now {reference}.")
                if topic.draft_of_id:
                    messages.info(request, "The change is in a draft: publish it to go live.")
            else:
                messages.error(request, f"“{text}” no longer matches {reference}: nothing changed.")
            return redirect("admin:pages_topic_numbers", pk=topic.pk)
        sections = list(topic.sections.select_related("topic", "indicator"))
        context = {
            **self.admin_site.each_context(request),
            "title": f"Typed numbers in “{topic.title}”",
            "opts": self.model._meta,
            "original": topic,
            "numbers": check_sections(sections),
            "can_change": can_change,
        }
        return TemplateResponse(request, "admin/pages/topic/numbers.html", context)
