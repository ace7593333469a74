from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.views.generic import DetailView, TemplateView

from pages.models import Section, Topic


class HomeView(TemplateView):
    template_name = "pages/home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["themes"] = (
            Topic.objects.live()
            .roots()
            .prefetch_related(
                Prefetch("children", queryset=Topic.objects.live().order_by("sort_order", "title"))
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
            .select_related("author", "parent")
            .prefetch_related(
                Prefetch("sections", queryset=Section.objects.select_related("indicator")),
                "links",
                Prefetch("children", queryset=Topic.objects.live().order_by("sort_order", "title")),
            ),
            path=self.kwargs["path"],
        )


# --- A-Z and search ------------------------------------------------------------------------
# Placeholders: the A-Z and search capability replaces these three classes.


class AZIndexView(TemplateView):
    template_name = "pages/a_z.html"


class AZLetterView(TemplateView):
    template_name = "pages/a_z.html"


class SearchView(TemplateView):
    template_name = "pages/search.html"
