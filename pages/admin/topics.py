"""The admin of topics: the list, the form with its sections and links, who may change or
delete what, and the extra views (workflow, changes, narrative help) mixed in from their own
modules."""

import copy

from django.contrib import admin, messages
from django.contrib.admin.utils import flatten_fieldsets, unquote
from django.db import models, router, transaction
from django.forms.formsets import all_valid
from django.http import HttpRequest
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.datastructures import MultiValueDict
from django.views.decorators.http import require_http_methods, require_POST

from core.formatting import day_and_time
from pages.admin.changes import ChangesViews
from pages.admin.forms import (
    TopicForm,
    is_refused,
    posted_as_loaded,
    save_all_but,
    saved_since,
    summarise_errors,
)
from pages.admin.inlines import SectionInline, TopicLinkInline, editable
from pages.admin.narrative import NarrativeViews, figure_help
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
        (
            None,
            {"fields": ["replace_theirs", "title", "slug", "parent", "sort_order", "seen_version"]},
        ),
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
            when = day_and_time(topic.publish_at)
            return f"{topic.get_status_display()}, to be published on {when}"
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
                "<int:pk>/workflow/",  # a GET asks before a step that loses something
                view(require_http_methods(["GET", "POST"])(self.workflow_view)),
                name="pages_topic_workflow",
            ),
            path("<int:pk>/changes/", view(self.changes_view), name="pages_topic_changes"),
            path(
                "<int:pk>/changes/compare/",
                view(self.compare_view),
                name="pages_topic_compare",
            ),
            path(
                "<int:pk>/changes/revert/",  # a GET asks first
                view(require_http_methods(["GET", "POST"])(self.revert_view)),
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

    # --- Saving around a conflict ----------------------------------------------------------
    # Django's admin saves a page with its sections all or nothing. When someone else saved a
    # section (or the page's own fields) after this form was loaded, only that part is refused:
    # everything else is saved, and the form comes back with the refused part as the officer
    # wrote it, beside what the other person saved.

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if request.method != "POST" or object_id is None or "_saveasnew" in request.POST:
            return super().changeform_view(request, object_id, form_url, extra_context)
        with transaction.atomic(using=router.db_for_write(self.model)):
            shown_again = self.save_around_conflicts(request, object_id)
            return super().changeform_view(
                shown_again or request, object_id, form_url, extra_context
            )

    def save_around_conflicts(self, request: HttpRequest, object_id: str) -> HttpRequest | None:
        """If the only reason the posted form cannot be saved is that someone else saved some
        of its parts since it was loaded, save every other part, and return the request to
        show the form again with: the page as it is now, and the refused parts as posted.
        None (nothing saved here) when there is no such conflict or anything else is wrong,
        for the admin to save, or show every error, as it always does."""
        topic = self.get_object(request, unquote(object_id))
        if (
            topic is None
            or not self.has_change_permission(request, topic)
            or not saved_since(request.POST, topic)
        ):
            return None
        ModelForm = self.topic_form_class(request, topic)
        form = ModelForm(request.POST, request.FILES, instance=topic)
        formsets, _ = self._create_formsets(request, form.instance, change=True)
        form.is_valid()
        all_valid(formsets)
        parts = [(form, None), *((f, fs) for fs in formsets for f in fs.forms)]
        refused = [f for f, _ in parts if is_refused(f)]
        if not refused:
            return None
        for part, formset in parts:
            deleted = formset is not None and part.cleaned_data.get("DELETE")
            if part not in refused and part.errors and not deleted:
                return None
        if any(formset.non_form_errors() for formset in formsets):
            return None
        saved = []
        if form in refused:
            topic.refresh_from_db()  # the form put the officer's refused values on it
        else:
            if form.has_changed():
                saved.append("the page's own fields")
            self.save_model(request, self.save_form(request, form, change=True), form, True)
            if form.has_changed():
                form.save_m2m()
        for formset in formsets:
            saved += save_all_but(formset, refused)
        if saved:
            self.log_change(request, topic, f"Saved {', '.join(saved)}; the rest was refused.")
            messages.success(
                request,
                f"Saved: {', '.join(saved)}. The changes listed below were not saved.",
            )
        again = copy.copy(request)
        again.POST = posted_as_loaded(
            request.POST,
            ModelForm(instance=self.get_object(request, unquote(object_id))),
            [
                self.fresh_formset(request, FormSet, inline, topic)
                for FormSet, inline in self.get_formsets_with_inlines(request, topic)
            ],
            refused,
        )
        again._files = MultiValueDict()  # anything uploaded was saved with its part
        return again

    def topic_form_class(self, request: HttpRequest, topic: Topic):
        fields = flatten_fieldsets(self.get_fieldsets(request, topic))
        return self.get_form(request, topic, change=True, fields=fields)

    def fresh_formset(self, request, FormSet, inline, topic: Topic):
        return FormSet(
            instance=topic,
            prefix=FormSet.get_default_prefix(),
            queryset=inline.get_queryset(request),
        )

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if request.method == "POST":
            context["error_summary"] = summarise_errors(
                context["adminform"].form,
                [inline.formset for inline in context["inline_admin_formsets"]],
            )
        return super().render_change_form(request, context, add, change, form_url, obj)

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
            help_groups = figure_help(topic)
            extra_context.update(
                figure_help=help_groups,
                figure_help_data=[group.as_json() for group in help_groups],
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
