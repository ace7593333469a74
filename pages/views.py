import re
from typing import Any

from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.views.generic import DetailView, TemplateView

from core import prebuilt
from core.caching import CONTENT, depends_on
from core.formatting import day_and_time
from indicators.models import ImportBatch
from indicators.releases import chosen_releases, visible_releases
from pages import (
    overview,
    search,  # Also connects the signals that keep the A to Z up to date.
    selectors,
)
from pages.models import Topic, TopicLink
from pages.permissions import can_view_draft


class HomeView(TemplateView):
    template_name = "pages/home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        depends_on(self.request, CONTENT)
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
    """A topic page: the published page at this address, or for an officer who may see it,
    the unpublished page or the draft (`?draft=1`) there, under a banner."""

    model = Topic
    context_object_name = "topic"

    def render_to_response(self, context, **kwargs):
        response = super().render_to_response(context, **kwargs)
        slots = [section.slot for section in context["page"].sections]
        response.add_post_render_callback(lambda response: prebuilt.keep(slots))
        if self.draft is not None or self.pending_draft is not None or self.releasing:
            patch_cache_control(response, private=True, no_store=True)  # never kept by proxies
        return response

    def get_object(self, queryset=None):
        """The published page at this address. Officers who may see it get, instead, an
        unpublished page at this address, or with ?draft=1 the draft of a published page,
        under a "draft" banner; the public get a 404 for anything unpublished."""
        path, user = self.kwargs["path"], self.request.user
        self.draft = None
        self.pending_draft = None
        topics = selectors.page_topics()
        published = topics.published().filter(path=path).first()
        if not user.is_authenticated or not user.is_staff:
            if published is None:
                raise Http404("No published page has this address.")
            return published
        if published is not None:
            pending = Topic.objects.filter(draft_of=published).first()
            if pending is not None and can_view_draft(user, pending):
                if self.request.GET.get("draft"):
                    self.draft = topics.get(pk=pending.pk)
                    return self.draft
                self.pending_draft = pending
            return published
        unpublished = topics.pages().filter(path=path).first()
        if unpublished is None or not can_view_draft(user, unpublished):
            raise Http404("No published page has this address.")
        self.draft = unpublished
        return unpublished

    releasing: list[int] | None = None

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        waiting = releases_for(self.request.user, self.object)
        self.releasing, preview = self._release_preview(waiting)
        context["page"] = selectors.topic_page(
            self.object,
            preview=self.draft is not None,
            pending_draft=self.pending_draft,
            releasing=self.releasing,
            release_preview=preview,
            prebuilt=True,
            releases_waiting=tuple(
                selectors.Link(
                    f"Import #{batch.pk}: “{batch.file_name}”",
                    f"?{'draft=1&' if self.draft is not None else ''}release={batch.pk}",
                    batch.get_release_display(),
                )
                for batch in waiting
            ),
        )
        depends_on(self.request, *context["page"].shows)
        return context

    def _release_preview(self, waiting: list[ImportBatch]):
        """The staged imports asked for with ?release=ID (or =all) that the user may see, and
        the banner saying so; each look by someone given pre-release access is recorded."""
        user = self.request.user
        chosen = chosen_releases(
            user, waiting, self.request.GET.get("release", ""), f"“{self.object.title}”"
        )
        if not chosen:
            return None, None
        preview = selectors.ReleasePreview(
            imports=tuple(
                selectors.Link(
                    f"Import #{b.pk}: “{b.file_name}” ({b.get_release_display().lower()}"
                    + (f", {day_and_time(b.publish_at)}" if b.publish_at else "")
                    + ")",
                    reverse("admin:pages_topic_release", args=[b.pk]) if user.is_staff else "",
                )
                for b in chosen
            ),
            public_url=self.object.get_absolute_url(),
        )
        return [b.pk for b in chosen], preview


class TopicOverviewView(TemplateView):
    """`<page>/overview/`: the page's indicators side by side for its area, the areas it is
    compared with and the districts of its county (pages/overview.py). Published pages only;
    a published page whose own slug is "overview" is shown instead, at its own address."""

    template_name = "pages/topic_overview.html"

    def get(self, request, *args, **kwargs):
        path = kwargs["path"]
        topics = selectors.page_topics().published()
        if topics.filter(path=f"{path}/overview").exists():
            return TopicDetailView.as_view()(request, path=f"{path}/overview")
        topic = topics.filter(path=path).first()
        if topic is None:
            raise Http404("No published page has this address.")
        found = overview.topic_overview(topic, list(topic.sections.all()))
        if found is None:
            raise Http404("This page has no figures for an area to set side by side.")
        depends_on(request, *found.tags)
        return self.render_to_response(self.get_context_data(overview=found, topic=topic))


def releases_for(user, topic: Topic) -> list[ImportBatch]:
    """The staged imports with figures for this page that the user may preview: any, for an
    officer who may see the page's drafts; otherwise those they were given pre-release access
    to."""
    indicator_ids = [s.indicator_id for s in topic.sections.all() if s.indicator_id]
    officer = user.is_authenticated and user.is_staff and can_view_draft(user, topic)
    return visible_releases(user, indicator_ids, officer=officer)


def download(request, pk: int, name: str) -> FileResponse:
    """A file attached to a topic page: served only if the page is published (or the officer
    may see its draft), as an attachment, so that uploaded files never render in the site's
    origin. MEDIA_ROOT itself is never published."""
    link = get_object_or_404(TopicLink.objects.select_related("topic"), pk=pk)
    if not link.file or link.file.name.rsplit("/", 1)[-1] != name:
        raise Http404("No such file.")
    topic = link.topic
    published = Topic.objects.published().filter(pk=topic.pk).exists()
    if not (published or can_view_draft(request.user, topic)):
        raise Http404("No such file.")
    try:
        handle = link.file.open("rb")
    except FileNotFoundError as error:
        raise Http404("The file is missing.") from error
    response = FileResponse(handle, as_attachment=True, filename=name)
    if not published:
        patch_cache_control(response, private=True, no_store=True)
    return response


# --- A-Z and search ------------------------------------------------------------------------


class AZIndexView(TemplateView):
    """Every published topic, under its title and its keywords, grouped by first letter."""

    template_name = "pages/a_z.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        depends_on(self.request, CONTENT)
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
        depends_on(self.request, CONTENT)
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
    """Areas matching `q` by name or code, then topics and indicators, best first, 20 to a
    page (the areas on the first page only)."""

    template_name = "pages/search.html"
    paginate_by = 20

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        query = search.parse_query(self.request.GET.get("q", ""))
        found = search.find(query)
        page = Paginator(found.hits, self.paginate_by).get_page(self.request.GET.get("page"))
        context.update(
            query=query,
            search_query=query.text,
            page_obj=page,
            page_range=page.paginator.get_elided_page_range(page.number, on_each_side=2),
            results=search.describe(list(page.object_list), found.query),
            allows_for_typos=found.allows_for_typos,
            areas=found.areas if page.number == 1 else [],
            max_query_length=search.MAX_QUERY_LENGTH,
            # Readers who found nothing are offered the A to Z.
            a_z_letters=search.a_z_index().letters if not found.hits else frozenset(),
        )
        return context
