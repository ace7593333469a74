"""A topic's sections and links, changed on the topic's own page."""

from django.contrib import admin
from django.db import models
from django.http import HttpRequest

from pages.admin.forms import SectionForm
from pages.models import Section, Topic, TopicLink
from pages.permissions import can_edit
from pages.workflow import EDITABLE


def editable(request: HttpRequest, topic: Topic | None) -> bool:
    """Whether the user may change this topic's form (and its sections and links) now: a
    draft or a page in review that is theirs. A published page is changed through a draft."""
    return topic is None or (topic.status in EDITABLE and can_edit(request.user, topic))


class TopicPartInline:
    """Sections and links can be changed with their topic, by those who may edit it."""

    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and editable(request, obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and editable(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and editable(request, obj)


class SectionInline(TopicPartInline, admin.StackedInline):
    """Each section a full-width block (admin-editor.css): its heading, anchor and order on one
    line, its indicator on the next, then the narrative, the width of the form, with its
    preview beneath it (admin-preview.js)."""

    model = Section
    form = SectionForm
    extra = 0
    template = "admin/pages/topic/section_inline.html"
    fields = [
        "replace_theirs",  # shown only when someone else saved the section since
        ("heading", "anchor", "sort_order"),
        ("indicator", "breakdown_dimension"),
        "body",
        "confirm_missing",  # shown only when a live figure would show "not available"
        "seen_version",
    ]
    autocomplete_fields = ["indicator"]
    prepopulated_fields = {"anchor": ["heading"]}


class TopicLinkInline(TopicPartInline, admin.StackedInline):
    """Stacked rather than a table: a table of five inputs and a file's long name was wider
    than the screen."""

    model = TopicLink
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    extra = 0
    fields = [("title", "sort_order"), "description", ("file", "url")]
