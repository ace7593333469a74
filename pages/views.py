import re
from typing import Any

from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.generic import DetailView, TemplateView

from indicators.exports import values_download_links
from indicators.figures import FigureBuilder
from indicators.models import PublishedValue, Value
from indicators.tables import FiguresTable
from pages import search  # Also connects the signals that keep the A to Z up to date.
from pages.markdown import render_markdown
from pages.models import Section, Topic
from pages.references import Resolver, substitute


def unique(items):
    """Items in first-seen order, without repeats."""
    return list(dict.fromkeys(items))


class HomeView(TemplateView):
    template_name = "pages/home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        live_children = Topic.objects.live().order_by("sort_order", "title")
        context["themes"] = (
            Topic.objects.live()
            .roots()
            .prefetch_related(
                Prefetch("children", queryset=live_children),
                Prefetch("children__children", queryset=live_children),
            )
            .order_by("sort_order", "title")
        )
        return context


class TopicDetailView(DetailView):
    @staticmethod
    def last_updated(topic: Topic, sections: list[Section], values: list[Value]):
        """The later of the officer's date, the last narrative edit and the last change to the
        figures the page shows: never older than what the reader sees."""
        dates = [topic.last_updated] if topic.last_updated else []
        dates += [timezone.localdate(s.updated_at) for s in sections]
        dates += [timezone.localdate(v.updated_at) for v in values]
        return max(dates, default=None)

    @staticmethod
    def render_narrative(topic: Topic, sections: list[Section]) -> None:
        """Each section's Markdown as clean HTML, with its live figures filled in; one set of
        queries for all the page's references."""
        bodies = {s.pk: substitute(s.body) for s in sections}
        references = [r for _, refs in bodies.values() for r in refs if r.kind != "invalid"]
        resolver = Resolver.for_references(references, topic.area)
        for section in sections:
            section.html = mark_safe(render_markdown(section.body, resolver=resolver))

    model = Topic
    context_object_name = "topic"

    def get_object(self, queryset=None):
        return get_object_or_404(
            Topic.objects.published()
            .select_related("author", "area__parent__parent__parent")
            .prefetch_related(
                Prefetch("sections", queryset=Section.objects.select_related("indicator")),
                "links",
                "comparators",
                Prefetch("children", queryset=Topic.objects.live().order_by("sort_order", "title")),
            ),
            path=self.kwargs["path"],
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        topic = self.object
        sections = list(topic.sections.all())
        for section in sections:
            section.figures = None
        self.render_narrative(topic, sections)
        indicator_sections = [s for s in sections if s.indicator_id]
        values = []
        if topic.area is not None and indicator_sections:
            comparators = topic.area.ancestors()
            comparators += [a for a in topic.comparators.all() if a not in comparators]
            values = list(
                PublishedValue.objects.for_topic_page(
                    indicator_ids=sorted({s.indicator_id for s in indicator_sections}),
                    area=topic.area,
                    comparator_ids=[a.pk for a in comparators],
                )
            )
            builder = FigureBuilder(values, topic.area, comparators)
            for section in indicator_sections:
                section.figures = builder.build(section.indicator, section.breakdown_dimension)
                if section.figures is not None:
                    section.table = FiguresTable(section.figures)
                    section.chart_id = f"{section.anchor}-data"
                    section.downloads = values_download_links(
                        section.indicator,
                        areas=unique(v.area for v in section.figures.values),
                        periods=unique(v.period for v in section.figures.values),
                        breakdown=section.breakdown_dimension or "none",
                    )
        context["last_updated"] = self.last_updated(topic, sections, values)
        context["sections"] = sections
        context["indicator_sections"] = indicator_sections
        context["breadcrumbs"] = topic.ancestors()
        return context


# --- A-Z and search ------------------------------------------------------------------------


class AZIndexView(TemplateView):
    """Every published topic, under its title and its keywords, grouped by first letter."""

    template_name = "pages/a_z.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        index = search.a_z_index()
        context.update(a_z_letters=index.letters, current_letter="", groups=index.groups())
        return context


class AZLetterView(TemplateView):
    """The entries of one letter; the letter is case-insensitive, anything else is a 404."""

    template_name = "pages/a_z.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        letter = self.kwargs["letter"]
        if not re.fullmatch(r"[A-Za-z]", letter):
            raise Http404("The A to Z has only the letters A to Z.")
        index = search.a_z_index()
        current = letter.upper()
        entries = index.for_letter(current)
        context.update(
            a_z_letters=index.letters,
            current_letter=current,
            groups=[(current, entries)] if entries else [],
        )
        return context


class SearchView(TemplateView):
    """Topics and indicators matching `q`, best first, 20 to a page."""

    template_name = "pages/search.html"
    paginate_by = 20

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        query = search.parse_query(self.request.GET.get("q", ""))
        hits = search.find(query)
        page = Paginator(hits, self.paginate_by).get_page(self.request.GET.get("page"))
        context.update(
            query=query,
            search_query=query.text,
            page_obj=page,
            page_range=page.paginator.get_elided_page_range(page.number, on_each_side=2),
            results=search.describe(list(page.object_list), query),
            max_query_length=search.MAX_QUERY_LENGTH,
            # Readers who found nothing are offered the A to Z.
            a_z_letters=search.a_z_index().letters if not hits else frozenset(),
        )
        return context
