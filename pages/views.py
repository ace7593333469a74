from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.views.generic import DetailView, TemplateView

from indicators.figures import FigureBuilder
from indicators.models import Value
from pages.models import Section, Topic
from pages.tables import figures_table


class HomeView(TemplateView):
    template_name = "pages/home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["themes"] = (
            Topic.objects.live()
            .roots()
            .prefetch_related(
                Prefetch(
                    "children",
                    queryset=Topic.objects.live().order_by("sort_order", "title"),
                )
            )
            .order_by("sort_order", "title")
        )
        return context


class TopicDetailView(DetailView):
    model = Topic
    context_object_name = "topic"

    def get_object(self, queryset=None):
        return get_object_or_404(
            Topic.objects.live()
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
        indicator_sections = [s for s in sections if s.indicator_id]
        if topic.area is not None and indicator_sections:
            comparators = topic.area.ancestors()
            comparators += [a for a in topic.comparators.all() if a not in comparators]
            values = Value.objects.for_topic_page(
                indicator_ids=sorted({s.indicator_id for s in indicator_sections}),
                area=topic.area,
                comparator_ids=[a.pk for a in comparators],
            )
            builder = FigureBuilder(values, topic.area, comparators)
            for section in indicator_sections:
                section.figures = builder.build(section.indicator, section.breakdown_dimension)
                if section.figures is not None:
                    section.table = figures_table(section.figures)
                    section.chart_id = f"{section.anchor}-data"
        context["sections"] = sections
        context["indicator_sections"] = indicator_sections
        context["breadcrumbs"] = topic.ancestors()
        return context


# --- A-Z and search ------------------------------------------------------------------------
# Placeholders: the A-Z and search capability replaces these three classes.


class AZIndexView(TemplateView):
    template_name = "pages/a_z.html"


class AZLetterView(TemplateView):
    template_name = "pages/a_z.html"


class SearchView(TemplateView):
    template_name = "pages/search.html"
