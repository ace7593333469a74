from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from pages.checker import check_sections, convert
from pages.markdown import render_markdown
from pages.models import PageAuthor, Section, Topic, TopicLink
from pages.references import ReferenceError, Resolver, find
from pages.review import build_review


class SectionInline(admin.StackedInline):
    model = Section
    extra = 0
    fields = ["sort_order", "heading", "anchor", "indicator", "breakdown_dimension", "body"]
    autocomplete_fields = ["indicator"]
    prepopulated_fields = {"anchor": ["heading"]}


class TopicLinkInline(admin.TabularInline):
    model = TopicLink
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    extra = 0
    fields = ["sort_order", "title", "description", "file", "url"]


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ["title", "path", "live", "author", "last_updated", "review_due"]
    list_filter = ["live", "depth", "parent"]
    search_fields = ["title", "summary", "keywords", "sections__body"]
    autocomplete_fields = ["parent", "author", "area", "comparators"]
    prepopulated_fields = {"slug": ["title"]}
    list_select_related = ["author"]
    inlines = [SectionInline, TopicLinkInline]
    fieldsets = [
        (None, {"fields": ["title", "slug", "parent", "sort_order", "live"]}),
        ("For readers and search", {"fields": ["summary", "keywords"]}),
        ("Data shown", {"fields": ["area", "comparators"]}),
        ("Ownership and review", {"fields": ["author", "last_updated", "review_due"]}),
    ]

    def get_urls(self):
        preview = self.admin_site.admin_view(require_POST(self.preview_view))
        numbers = self.admin_site.admin_view(self.numbers_view)
        review = self.admin_site.admin_view(self.review_view)
        return [
            path("review/", review, name="pages_topic_review"),
            path("<int:pk>/preview/", preview, name="pages_topic_preview"),
            path("<int:pk>/numbers/", numbers, name="pages_topic_numbers"),
            *super().get_urls(),
        ]

    def preview_view(self, request: HttpRequest, pk: int) -> JsonResponse:
        """The narrative as the public will see it, with its live figures, before saving."""
        topic = get_object_or_404(Topic.objects.select_related("area"), pk=pk)
        if not self.has_change_permission(request, topic):
            raise PermissionDenied
        body = request.POST.get("body", "")
        try:
            references = find(body)
        except ReferenceError as error:
            return JsonResponse({"html": "", "problems": [str(error)]})
        resolver = Resolver.for_references(references, topic.area)
        problems = []
        for reference in references:
            try:
                resolver.check(reference)
            except ReferenceError as error:
                problems.append(f"{{{{{reference.text}}}}}: {error}")
        return JsonResponse(
            {"html": render_markdown(body, resolver=resolver), "problems": problems}
        )

    def review_view(self, request: HttpRequest) -> HttpResponse:
        """What needs an officer's attention: reviews due, new data, broken references,
        typed numbers that no longer match."""
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        topics = Topic.objects.select_related("area", "author")
        mine = request.GET.get("mine") == "1"
        if mine:  # the pages whose named author is this officer (matched by email)
            topics = topics.filter(author__email__iexact=request.user.email or "-")
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
        topic = get_object_or_404(Topic, pk=pk)
        if not self.has_view_or_change_permission(request, topic):
            raise PermissionDenied
        can_change = self.has_change_permission(request, topic)
        if request.method == "POST":
            if not can_change:
                raise PermissionDenied
            section = get_object_or_404(Section, pk=request.POST.get("section"), topic=topic)
            text, reference = request.POST.get("text", ""), request.POST.get("reference", "")
            if convert(section, text, reference):
                messages.success(request, f"“{text}” in “{section.heading}” is now {reference}.")
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

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = extra_context or {}
        topic = self.get_object(request, object_id)
        if topic is not None:
            extra_context["reference_help"] = reference_examples(topic)
            extra_context["preview_url"] = reverse("admin:pages_topic_preview", args=[topic.pk])
            extra_context["numbers_url"] = reverse("admin:pages_topic_numbers", args=[topic.pk])
        return super().change_view(request, object_id, form_url, extra_context)


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


@admin.register(PageAuthor)
class PageAuthorAdmin(admin.ModelAdmin):
    list_display = ["name", "job_title", "email", "phone"]
    search_fields = ["name", "email"]
