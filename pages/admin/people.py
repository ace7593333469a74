"""Page authors (the contacts named on pages) and the teams who look after pages."""

from django.contrib import admin

from pages.models import PageAuthor, Team


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
