"""Help with a topic's narrative in the admin: the live preview, the ready-to-copy references,
the typed-number report and the review dashboard."""

from dataclasses import dataclass, field

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse

from indicators.figures import area_name
from indicators.geography.records import ENGLAND
from indicators.models import Area, Indicator, PublishedValue, Value
from pages import references, workflow
from pages.checker import check_sections, convert, dismiss, finding_key, restore
from pages.markdown import render_markdown
from pages.models import Section, Status, Topic
from pages.permissions import can_edit, looked_after_by
from pages.review import build_review


@dataclass(frozen=True)
class Suggestion:
    """A reference ready to copy, what it is, and the figure it shows on this page now."""

    code: str
    meaning: str
    shows: str


@dataclass
class FigureGroup:
    """The suggestions for one indicator of the page's sections."""

    indicator_id: int
    name: str
    suggestions: list[Suggestion] = field(default_factory=list)

    def as_json(self) -> dict:
        return {
            "indicator": self.indicator_id,
            "name": self.name,
            "references": [vars(s) for s in self.suggestions],
        }


#: How many of an indicator's periods, districts to rank and breakdown categories the help
#: offers: enough to show how each kind is written, not every figure there is.
PERIODS_OFFERED, RANKS_OFFERED, CATEGORIES_OFFERED = 2, 2, 4


def figure_help(topic: Topic) -> list[FigureGroup]:
    """Live figures for the indicators of a topic's sections that resolve for the page's area,
    each with the figure it would show now: a reference that would show “figure not
    available” is never offered. A fixed number of queries, whatever the number of sections:
    the sections, the areas to compare with, the figures that say what to offer (the area's
    and its sub-areas'), and the resolver's."""
    area = topic.area
    indicators = sorted(
        {s.indicator for s in topic.sections.select_related("indicator") if s.indicator},
        key=lambda i: i.name,
    )
    if not indicators:
        return []
    if area is not None:
        others = [*area.ancestors(), *(a for a in topic.comparators.all() if a != area)]
        held = list(
            PublishedValue.objects.filter(indicator__in=indicators)
            .filter(Q(area=area) | Q(area__parent=area))
            .exclude(value=None)
            .with_related()
        )
    else:  # a page without an area: only references that name one
        others, held = list(Area.objects.filter(code=ENGLAND)), []
    offered = {i.pk: _candidates(i, area, others, held) for i in indicators}
    parsed = {code: references.find(code)[0] for found in offered.values() for code, _ in found}
    resolver = references.Resolver.for_references(list(parsed.values()), area)
    groups = []
    for indicator in indicators:
        group = FigureGroup(indicator.pk, indicator.name)
        for code, meaning in offered[indicator.pk]:
            shows = resolver.figure(parsed[code])
            if shows is not None:
                group.suggestions.append(Suggestion(code, meaning, shows))
        if group.suggestions:
            groups.append(group)
    return groups


def _candidates(
    indicator: Indicator, area: Area | None, others: list[Area], held: list[Value]
) -> list[tuple[str, str]]:
    """The references worth offering for one indicator, most useful first, with what each is:
    `figure_help` keeps those that resolve."""
    slug = indicator.slug
    found: list[tuple[str, str]] = []
    mine = [v for v in held if v.indicator_id == indicator.pk]
    if area is not None:
        where = area.display_name
        own = sorted(
            (v for v in mine if v.area_id == area.pk and v.breakdown_id is None),
            key=lambda v: (v.period.end_date, v.period.start_date),
            reverse=True,
        )
        found.append((f"{{{{{slug}}}}}", f"The latest figure for {where}"))
        for period in list(dict.fromkeys(v.period for v in own))[:PERIODS_OFFERED]:
            found.append((f"{{{{{slug} | period={period.code}}}}}", f"{where}, {period.label}"))
        found.append((f"{{{{trend {slug}}}}}", "The latest figure against the one before"))
        if any(v.count is not None and v.count != v.value for v in own):
            found.append((f"{{{{{slug} | show=count}}}}", "The number behind the latest figure"))
    for other in others:
        name, in_words = other.display_name, area_name(other)
        found.append((f"{{{{{slug} | area={name}}}}}", f"The latest figure for {in_words}"))
        if area is not None:
            found.append(
                (f"{{{{compare {slug} | with={name}}}}}", f"{where} compared with {in_words}")
            )
    if area is None:
        return found
    found.append((f"{{{{rank {slug}}}}}", f"Where {where} ranks among its neighbours"))
    districts = sorted({v.area for v in mine if v.area.parent_id == area.pk}, key=str)
    for district in districts[:RANKS_OFFERED]:
        name = district.display_name
        found.append((f"{{{{rank {slug} | area={name}}}}}", f"Where {name} ranks in {where}"))
    categories = list(
        dict.fromkeys(v.breakdown for v in mine if v.area_id == area.pk and v.breakdown_id)
    )
    names = references.breakdown_names(categories)
    for breakdown in categories[:CATEGORIES_OFFERED]:
        written = f"{breakdown.dimension}: {breakdown.label}"
        if names.get(written.lower()) is not breakdown:  # a category of two sets
            written += f" ({breakdown.scheme})"
        found.append((f"{{{{{slug} | breakdown={written}}}}}", f"{where}, {written}"))
    return found


def not_available_warnings(
    body: str, topic: Topic, resolver: references.Resolver | None = None
) -> list[str]:
    """A sentence for each reference in the narrative that would show “figure not available”
    on this page, saying why: for the preview, and for the form that asks to confirm it."""
    if resolver is None:
        try:
            resolver = references.Resolver.for_references(references.find(body), topic.area)
        except references.ReferenceError:
            return []
    return [
        f"{reference.code} would show “figure not available”: {resolver.missing_reason(reference)}."
        for reference in references.not_available(body, topic.area, resolver=resolver)
    ]


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
        problems = references.problems(body, topic.area, resolver=resolver)
        return JsonResponse(
            {
                "html": render_markdown(body, resolver=resolver) if resolver else "",
                "problems": problems,
                "warnings": [] if problems else not_available_warnings(body, topic, resolver),
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
            "title": "Your pages needing attention" if mine else "Pages needing attention",
            "opts": self.model._meta,
            "review": build_review(topics),
            "mine": mine,
        }
        return TemplateResponse(request, "admin/pages/topic/review.html", context)

    def numbers_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """The typed-number report for one topic, with one-click conversion of matches, and
        dismissal of a number that is not a figure (until its section's text changes)."""
        topic = get_object_or_404(self.get_queryset(request), pk=pk)
        if not self.has_view_or_change_permission(request, topic):
            raise PermissionDenied
        can_change = can_edit(request.user, topic) and topic.status != Status.ARCHIVED
        if request.method == "POST":
            if not can_change:
                raise PermissionDenied
            action = request.POST.get("action", "convert")
            if action == "restore":  # one of this page's dismissed numbers
                sections = list(topic.sections.select_related("topic", "indicator"))
                key = request.POST.get("key", "")
                found = [n for n in check_sections(sections, with_dismissed=True) if n.key == key]
                if found and restore(key):
                    messages.success(request, f"“{found[0].text}” is listed again.")
                return redirect("admin:pages_topic_numbers", pk=topic.pk)
            section = get_object_or_404(Section, pk=request.POST.get("section"), topic=topic)
            text = request.POST.get("text", "")
            if action == "dismiss":
                self.dismiss_number(request, section, text)
                return redirect("admin:pages_topic_numbers", pk=topic.pk)
            if topic.status == Status.PUBLISHED:  # the change goes into a draft of the page
                topic = workflow.start_draft(topic, request.user)
                section = get_object_or_404(Section, topic=topic, anchor=section.anchor)
            reference = request.POST.get("reference", "")
            if convert(section, text, reference):
                messages.success(request, f"“{text}” in “{section.heading}” is now {reference}.")
                if topic.draft_of_id:
                    messages.info(request, "The change is in a draft: publish it to go live.")
            else:
                messages.error(request, f"“{text}” no longer matches {reference}: nothing changed.")
            return redirect("admin:pages_topic_numbers", pk=topic.pk)
        sections = list(topic.sections.select_related("topic", "indicator"))
        numbers = check_sections(sections, with_dismissed=True)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Typed numbers in “{topic.title}”",
            "opts": self.model._meta,
            "original": topic,
            "numbers": [n for n in numbers if not n.dismissed],
            "dismissed": [n for n in numbers if n.dismissed],
            "can_change": can_change,
        }
        return TemplateResponse(request, "admin/pages/topic/numbers.html", context)

    def dismiss_number(self, request: HttpRequest, section: Section, text: str) -> None:
        """Dismiss the number the report showed, if the section's text is still what the
        report was made from (its key says so)."""
        try:
            start = int(request.POST.get("start", ""))
        except ValueError:
            start = -1
        if request.POST.get("key") != finding_key(section.body, start, text) or not dismiss(
            section, start, text, request.user
        ):
            messages.error(
                request,
                f"“{section.heading}” has changed since this report was made: nothing was "
                "dismissed. Check the numbers again below.",
            )
            return
        messages.success(
            request,
            f"“{text}” in “{section.heading}” is no longer listed. It will be again if the "
            "section's text changes.",
        )
