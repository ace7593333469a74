from django.contrib import admin

from pages.models import PageAuthor, Section, Topic, TopicLink


class SectionInline(admin.StackedInline):
    model = Section
    extra = 0
    fields = ["sort_order", "heading", "anchor", "indicator", "breakdown_dimension", "body"]
    autocomplete_fields = ["indicator"]
    prepopulated_fields = {"anchor": ["heading"]}


class TopicLinkInline(admin.TabularInline):
    model = TopicLink
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


@admin.register(PageAuthor)
class PageAuthorAdmin(admin.ModelAdmin):
    list_display = ["name", "job_title", "email", "phone"]
    search_fields = ["name", "email"]
