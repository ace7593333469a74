from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.http import require_POST

from pages import history, workflow
from pages.checker import check_sections, convert
from pages.markdown import render_markdown
from pages.models import PageAuthor, Section, Status, Team, Topic, TopicLink
from pages.permissions import (
    can_edit,
    can_edit_any,
    can_publish,
    can_view_draft,
    looked_after_by,
    looks_after,
)
from pages.references import ReferenceError, Resolver, find
from pages.review import build_review

EDITABLE = (Status.DRAFT, Status.REVIEW)


def editable(request: HttpRequest, topic: Topic | None) -> bool:
    """Whether the user may change this topic's form (and its sections and links) now: a
    draft or a page in review that is theirs. A published page is changed through a draft."""
    return topic is None or (topic.status in EDITABLE and can_edit(request.user, topic))


class VersionCheckedForm(forms.ModelForm):
    """Refuses to save over a change someone else saved after this form was loaded (the
    second of two officers editing the same thing), showing what they saved."""

    seen_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["seen_version"].initial = self.instance.edit_version
        # What the officer changed is measured against what their form showed (posted back in
        # hidden "initial-" inputs), not against what is stored now: a form loaded before
        # someone else's save still holds their old text, which the officer did not change and
        # which must neither count as a conflict nor be saved over the newer text.
        for name, field in self.fields.items():
            if name != "seen_version":
                field.show_hidden_initial = True

    def has_changed(self) -> bool:
        return any(name != "seen_version" for name in self.changed_data)

    def clean(self):
        cleaned = super().clean()
        seen = cleaned.get("seen_version")
        if not self.instance.pk or seen is None or not self.has_changed():
            return cleaned
        model = type(self.instance)
        stored = model.objects.filter(pk=self.instance.pk)
        if transaction.get_connection(stored.db).in_atomic_block:
            stored = stored.select_for_update()  # a save at the same moment waits for this one
        stored = stored.first()
        if stored is not None and stored.edit_version != seen:
            raise ValidationError(self.conflict_message(stored))
        return cleaned

    def conflict_message(self, stored) -> str:
        last = stored.history.order_by("-history_date").select_related("history_user").first()
        who = last.history_user.get_username() if last and last.history_user else "someone"
        when = timezone.localtime(last.history_date).strftime("%H:%M on %d %b %Y") if last else ""
        return (
            f"{who} saved a change to this at {when}, after you opened it, so your change "
            f"was not saved (it is still in the form). What they saved: {self.describe(stored)} "
            "Copy anything of yours you want to keep, reload the page, and make your change again."
        )

    def describe(self, stored) -> str:
        return f"“{stored}”."


class TopicForm(VersionCheckedForm):
    class Meta:
        model = Topic
        fields = "__all__"

    def describe(self, stored: Topic) -> str:
        return f"title “{stored.title}”, summary “{stored.summary}”, keywords “{stored.keywords}”."

    def _post_clean(self) -> None:
        super()._post_clean()
        if not self.instance.draft_of_id:
            return
        # A draft of a published page will be copied onto it: hold it to the page's rules now
        # (its address, its place in the tree), not only when a publisher publishes it.
        try:
            workflow.validate_as_published(self.instance)
        except ValidationError as error:
            self._update_errors(error)


class SectionForm(VersionCheckedForm):
    class Meta:
        model = Section
        fields = "__all__"

    def describe(self, stored: Section) -> str:
        return f"heading “{stored.heading}”, narrative: “{stored.body}”"


class TopicPartInline:
    """Sections and links can be changed with their topic, by those who may edit it."""

    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and editable(request, obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and editable(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and editable(request, obj)


class SectionInline(TopicPartInline, admin.StackedInline):
    model = Section
    form = SectionForm
    extra = 0
    fields = [
        "sort_order",
        "heading",
        "anchor",
        "indicator",
        "breakdown_dimension",
        "body",
        "seen_version",
    ]
    autocomplete_fields = ["indicator"]
    prepopulated_fields = {"anchor": ["heading"]}


class TopicLinkInline(TopicPartInline, admin.TabularInline):
    model = TopicLink
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    extra = 0
    fields = ["sort_order", "title", "description", "file", "url"]


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
class TopicAdmin(admin.ModelAdmin):
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
    autocomplete_fields = ["parent", "author", "area", "comparators"]
    prepopulated_fields = {"slug": ["title"]}
    list_select_related = ["author", "owner", "team", "draft_of"]
    inlines = [SectionInline, TopicLinkInline]
    fieldsets = [
        (None, {"fields": ["title", "slug", "parent", "sort_order", "seen_version"]}),
        ("For readers and search", {"fields": ["summary", "keywords"]}),
        ("Data shown", {"fields": ["area", "comparators"]}),
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
            return super().has_delete_permission(request, obj) and can_publish(request.user)
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

    # --- Workflow -------------------------------------------------------------------------

    def workflow_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """One step of the workflow, from a button on the topic's page."""
        topic = get_object_or_404(Topic, pk=pk)
        user = request.user
        step = request.POST.get("step", "")
        try:
            if step == "edit":
                draft = workflow.start_draft(topic, user)
                messages.success(
                    request,
                    "You are editing a draft of this page. The public keeps seeing the "
                    "published page until the draft is published.",
                )
                return redirect("admin:pages_topic_change", draft.pk)
            if step == "submit":
                workflow.submit_for_review(topic, user)
                messages.success(request, "Sent for review: a publisher will look at it.")
            elif step == "return":
                workflow.return_to_draft(topic, user, request.POST.get("note", "").strip())
                messages.success(request, "Returned to draft.")
            elif step == "publish":
                published = workflow.publish(topic, user)
                messages.success(request, f"“{published}” is published.")
                return redirect("admin:pages_topic_change", published.pk)
            elif step == "schedule":
                when = parse_datetime(request.POST.get("publish_at", ""))
                if when is None:
                    raise workflow.WorkflowError(
                        "Give the date and time to publish, e.g. 2027-01-04 09:00."
                    )
                if timezone.is_naive(when):
                    when = timezone.make_aware(when)
                workflow.schedule(topic, user, when)
                messages.success(
                    request,
                    f"It will be published at {timezone.localtime(when):%H:%M on %d %b %Y}.",
                )
            elif step == "unschedule":
                workflow.schedule(topic, user, None)
                messages.success(request, "The scheduled publication is cancelled.")
            elif step == "discard":
                page = workflow.discard(topic, user)
                messages.success(
                    request, "The draft is discarded; the published page is unchanged."
                )
                return redirect("admin:pages_topic_change", page.pk)
            elif step == "archive":
                workflow.archive(topic, user)
                messages.success(request, "Archived: the page is no longer on the public site.")
            elif step == "unarchive":
                workflow.unarchive(topic, user)
                messages.success(request, "Brought back as a draft.")
            else:
                raise workflow.WorkflowError("Unknown step.")
        except workflow.WorkflowError as error:
            if not can_view_draft(user, topic):
                raise PermissionDenied from error
            messages.error(request, str(error))
        return redirect("admin:pages_topic_change", topic.pk)

    # --- History --------------------------------------------------------------------------

    def _history_topic(self, request, pk: int) -> Topic:
        topic = get_object_or_404(Topic, pk=pk)
        if not (self.has_view_or_change_permission(request, topic)):
            raise PermissionDenied
        if topic.status != Status.PUBLISHED and not can_view_draft(request.user, topic):
            raise PermissionDenied
        return topic

    def changes_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """Every change to the page, its sections and links: who, when, what; compare any
        change with the one before, or revert to it."""
        topic = self._history_topic(request, pk)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Changes to “{topic}”",
            "opts": self.model._meta,
            "original": topic,
            "changes": history.changes(topic),
            "can_revert": can_edit(request.user, topic),
        }
        return TemplateResponse(request, "admin/pages/topic/changes.html", context)

    def compare_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """What changed between two moments (`since` and `at`), or between the published page
        and its draft (`draft=1`)."""
        topic = self._history_topic(request, pk)
        if request.GET.get("draft") and topic.draft_of_id:
            old, new = history.current(topic.draft_of), history.current(topic)
            heading = "What this draft changes on the published page"
        else:
            at = parse_datetime(request.GET.get("at", ""))
            since = parse_datetime(request.GET.get("since", ""))
            if at is None:
                raise PermissionDenied
            new = history.snapshot(topic, at)
            try:
                old = history.snapshot(topic, since) if since else None
            except workflow.WorkflowError:
                old = None
            if old is None:
                old = history.Snapshot(topic=Topic(title="", slug=""))
            heading = f"Changes up to {timezone.localtime(at):%H:%M:%S on %d %b %Y}"
        context = {
            **self.admin_site.each_context(request),
            "title": heading,
            "opts": self.model._meta,
            "original": topic,
            "differences": history.diff(old, new),
        }
        return TemplateResponse(request, "admin/pages/topic/compare.html", context)

    def revert_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        topic = get_object_or_404(Topic, pk=pk)
        at = parse_datetime(request.POST.get("at", ""))
        if at is None:
            raise PermissionDenied
        if not can_edit(request.user, topic):
            raise PermissionDenied
        had_draft = Topic.objects.filter(draft_of=topic).exists()
        try:
            target = history.revert(topic, at, request.user)
        except workflow.WorkflowError as error:
            messages.error(request, str(error))
            return redirect("admin:pages_topic_changes", topic.pk)
        where = "."
        if target.pk != topic.pk:
            where = ", in a draft: publish it to make it public."
            if had_draft:
                where = (
                    ", in the page's draft, replacing what the draft held (its earlier text is "
                    "in the draft's Changes). Publish it to make it public."
                )
        when = timezone.localtime(at)
        messages.success(
            request, f"The content is back as it was at {when:%H:%M:%S on %d %b %Y}{where}"
        )
        return redirect("admin:pages_topic_change", target.pk)

    def preview_view(self, request: HttpRequest, pk: int) -> JsonResponse:
        """The narrative as the public will see it, with its live figures, before saving."""
        topic = get_object_or_404(Topic.objects.select_related("area"), pk=pk)
        if not can_edit(request.user, topic):
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

    def get_queryset(self, request):
        """Published pages, and the unpublished ones the user may see: drafts are their
        officers' and the publishers' business."""
        queryset = super().get_queryset(request)
        user = request.user
        if can_publish(user) or can_edit_any(user):
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


def workflow_panel(request: HttpRequest, topic: Topic) -> dict:
    """What the topic's page in the admin says about its state, and which steps it offers."""
    user = request.user
    editor, publisher = can_edit(user, topic), can_publish(user)
    draft = getattr(topic, "pending_draft", None) if not topic.draft_of_id else None
    steps = []
    if topic.status == Status.PUBLISHED and editor:
        steps.append(("edit", "Continue the draft" if draft else "Edit as a draft"))
    if topic.status == Status.DRAFT and editor:
        steps.append(("submit", "Send for review"))
    if topic.draft_of_id and editor:
        steps.append(("discard", "Discard this draft"))
    if topic.status in EDITABLE and publisher:
        steps.append(("publish", "Publish now"))
    if topic.status == Status.REVIEW and publisher:
        steps.append(("return", "Return to draft"))
    if topic.status == Status.PUBLISHED and publisher:
        steps.append(("archive", "Archive"))
    if topic.status == Status.ARCHIVED and publisher:
        steps.append(("unarchive", "Bring back as a draft"))
    if topic.publish_at and publisher:
        steps.append(("unschedule", "Cancel the scheduled publication"))
    return {
        "url": reverse("admin:pages_topic_workflow", args=[topic.pk]),
        "steps": steps,
        "can_schedule": topic.status in EDITABLE and publisher,
        "draft": draft,
        "published": topic.draft_of,
        "preview_url": topic.get_absolute_url() if can_view_draft(user, topic) else "",
        "changes_url": reverse("admin:pages_topic_changes", args=[topic.pk]),
        "compare_url": (
            reverse("admin:pages_topic_compare", args=[topic.pk]) + "?draft=1"
            if topic.draft_of_id
            else ""
        ),
        "looks_after": looks_after(user, topic),
    }


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


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "member_list"]
    search_fields = ["name"]
    filter_horizontal = ["members"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("members")

    @admin.display(description="Members")
    def member_list(self, team: Team) -> str:
        return ", ".join(sorted(user.get_username() for user in team.members.all()))
