"""The admin of topics: the list, the form with its sections and links, who may change or
delete what, and the extra views (workflow, changes, narrative help) mixed in from their own
modules."""

from django.contrib import admin, messages
from django.db import models
from django.http import HttpRequest
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from pages.admin.changes import ChangesViews
from pages.admin.forms import TopicForm
from pages.admin.inlines import SectionInline, TopicLinkInline, editable
from pages.admin.narrative import NarrativeViews, reference_examples
from pages.admin.releases import release_view, releases_view
from pages.admin.steps import WorkflowViews, workflow_panel
from pages.models import Status, Topic
from pages.permissions import can_edit, can_edit_any, is_publisher, looked_after_by


class LookedAfterByFilter(admin.SimpleListFilter):
    title = "looked after by"
    parameter_name = "mine"

    def lookups(self, request, model_admin):
        return [("1", "Me or my teams")]

    def queryset(self, request, queryset):
        if self.value() == "1":
            return queryset.filter(looked_after_by(request.user))
        return queryset


@admin.register(Topic)
class TopicAdmin(WorkflowViews, ChangesViews, NarrativeViews, admin.ModelAdmin):
    form = TopicForm
    list_display = [
        "title",
        "path",
        "status_label",
        "owner",
        "team",
        "last_updated",
        "review_due",
    ]
    list_filter = [LookedAfterByFilter, "status", "team", "depth"]
    search_fields = ["title", "summary", "keywords", "sections__body"]
    autocomplete_fields = ["parent", "author", "area", "comparators", "comparator_group"]
    prepopulated_fields = {"slug": ["title"]}
    list_select_related = ["author", "owner", "team", "draft_of"]
    inlines = [SectionInline, TopicLinkInline]
    fieldsets = [
        (None, {"fields": ["title", "slug", "parent", "sort_order", "seen_version"]}),
        ("For readers and search", {"fields": ["summary", "keywords"]}),
        ("Data shown", {"fields": ["area", "comparators", "comparator_group"]}),
        ("Contact and review", {"fields": ["author", "last_updated", "review_due"]}),
        ("Who looks after it", {"fields": ["owner", "team"]}),
    ]

    @admin.display(description="Status", ordering="status")
    def status_label(self, topic: Topic) -> str:
        if topic.draft_of_id:
            return f"{topic.get_status_display()} (changes to the published page)"
        if topic.publish_at:
            when = timezone.localtime(topic.publish_at).strftime("%d %b %Y %H:%M")
            return f"{topic.get_status_display()}, to be published {when}"
        return topic.get_status_display()

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "parent":  # a page sits under a page, not under a draft copy
            kwargs["queryset"] = Topic.objects.pages()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_search_results(self, request, queryset, search_term):
        queryset, duplicates = super().get_search_results(request, queryset, search_term)
        if request.GET.get("field_name") == "parent":  # the autocomplete of "parent"
            queryset = queryset.filter(draft_of__isnull=True)
        return queryset, duplicates

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if not can_edit_any(request.user):
            readonly += ["owner", "team"]  # officers do not give pages away (or take them)
        return readonly

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and editable(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.status == Status.PUBLISHED and not obj.draft_of_id:
            return super().has_delete_permission(request, obj) and is_publisher(request.user)
        return super().has_delete_permission(request, obj) and (
            obj is None or can_edit(request.user, obj)
        )

    def save_model(self, request, obj, form, change):
        if not change:
            obj.status = Status.DRAFT
            if obj.owner_id is None and obj.team_id is None:
                obj.owner = request.user  # an officer looks after the pages they create
        elif not form.has_changed():
            # Only its sections or links changed: the page's own fields stay as saved (perhaps
            # by someone else since this form was loaded), and are shown as saved.
            obj.refresh_from_db()
            return
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        if not change or form.has_changed():
            form.save_m2m()  # else the comparators the form was loaded with could undo a newer save
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("review/", view(self.review_view), name="pages_topic_review"),
            path("releases/", view(releases_view), name="pages_topic_releases"),
            path("releases/<int:batch_id>/", view(release_view), name="pages_topic_release"),
            path(
                "<int:pk>/preview/",
                view(require_POST(self.preview_view)),
                name="pages_topic_preview",
            ),
            path("<int:pk>/numbers/", view(self.numbers_view), name="pages_topic_numbers"),
            path(
                "<int:pk>/workflow/",
                view(require_POST(self.workflow_view)),
                name="pages_topic_workflow",
            ),
            path("<int:pk>/changes/", view(self.changes_view), name="pages_topic_changes"),
            path(
                "<int:pk>/changes/compare/",
                view(self.compare_view),
                name="pages_topic_compare",
            ),
            path(
                "<int:pk>/changes/revert/",
                view(require_POST(self.revert_view)),
                name="pages_topic_revert",
            ),
            *super().get_urls(),
        ]

    def get_queryset(self, request):
        """Published pages, and the unpublished ones the user may see: drafts are their
        officers' and the publishers' business."""
        queryset = super().get_queryset(request)
        user = request.user
        if is_publisher(user) or can_edit_any(user):
            return queryset
        return queryset.filter(
            models.Q(status=Status.PUBLISHED, draft_of__isnull=True) | looked_after_by(user)
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = extra_context or {}
        topic = self.get_object(request, object_id)
        if (
            topic is None
            and str(object_id).isdigit()
            and Topic.objects.filter(pk=object_id).exists()
        ):
            messages.info(
                request,
                "That page is not published, and only the officers who look after it and "
                "publishers can see it before it is.",
            )
            return redirect("admin:pages_topic_changelist")
        if topic is not None:
            extra_context.update(
                reference_help=reference_examples(topic),
                preview_url=reverse("admin:pages_topic_preview", args=[topic.pk]),
                numbers_url=reverse("admin:pages_topic_numbers", args=[topic.pk]),
                workflow=workflow_panel(request, topic),
            )
            if request.method == "GET":
                explain_access(request, topic)
        return super().change_view(request, object_id, form_url, extra_context)


def explain_access(request: HttpRequest, topic: Topic) -> None:
    """Say politely why a page cannot be changed, and what to do instead."""
    user = request.user
    if not can_edit(user, topic):
        keepers = " and ".join(str(x) for x in (topic.owner, topic.team) if x) or "nobody yet"
        messages.info(
            request,
            f"You can read this page but not change it: it is looked after by {keepers}. "
            "Ask them, or a publisher, if it needs a change.",
        )
    elif topic.status == Status.PUBLISHED:
        messages.info(
            request,
            "This is the published page. To change it, choose “Edit as a draft”: the public "
            "keeps seeing this version until your draft is published.",
        )
