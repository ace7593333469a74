"""The audit log in the admin: read-only, for those given `audit.view_auditevent`."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest
from django.utils.html import format_html

from audit.models import AuditEvent

VIEW_PERMISSION = "audit.view_auditevent"


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["at", "actor_name", "action", "target_link", "ip_address"]
    list_filter = ["action", "at"]
    date_hierarchy = "at"
    search_fields = ["actor_name", "target", "detail"]
    list_per_page = 100
    # Every column is on the event itself (actor_name is kept apart from the actor for that).
    list_select_related = False
    actions = None
    fields = ["at", "actor", "actor_name", "action", "target_link", "detail", "ip_address"]
    readonly_fields = fields

    @admin.display(description="target", ordering="target")
    def target_link(self, event: AuditEvent) -> str:
        url = event.target_url
        if url.startswith("/") and not url.startswith("//"):  # our own admin pages only
            return format_html('<a href="{}">{}</a>', url, event.target)
        return event.target

    # Read-only for everyone, superusers included: the log is evidence.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: AuditEvent | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: AuditEvent | None = None) -> bool:
        return False

    # Only the view permission opens it: Django's default also lets in anyone who may change
    # events, and shows the app to anyone with any audit permission.
    def has_view_permission(self, request: HttpRequest, obj: AuditEvent | None = None) -> bool:
        return request.user.is_active and request.user.has_perm(VIEW_PERMISSION)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self.has_view_permission(request)
