"""The audit log: who did what, to what, and when.

One row per event worth answering for later: logins (and failed ones), changes to who may
do what, imports and their undoing, and the publishing of pages. Rows are written by
`audit.log.record` and never changed afterwards; the admin shows them read-only.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class AuditEvent(models.Model):
    class Action(models.TextChoices):
        LOGIN = "login", "Logged in"
        LOGOUT = "logout", "Logged out"
        LOGIN_FAILED = "login_failed", "Failed to log in"
        IMPORT = "import", "Imported figures"
        IMPORT_UNDONE = "import_undone", "Undid an import"
        GEOGRAPHY = "geography", "Imported areas"
        PRE_RELEASE = "pre_release", "Given or used pre-release access"
        REVIEW = "review", "Reviewed an indicator's definition"
        PUBLISH = "publish", "Published"
        UNPUBLISH = "unpublish", "Unpublished"
        ARCHIVE = "archive", "Archived"
        SCHEDULE = "schedule", "Scheduled publication"
        REVERT = "revert", "Reverted to an earlier version"
        PERMISSIONS = "permissions", "Changed permissions"
        USER_CREATED = "user_created", "Created a user"
        USER_DELETED = "user_deleted", "Deleted a user"

    at = models.DateTimeField("when", default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="audit_events",
        help_text="Who did it, while their account exists.",
    )
    actor_name = models.CharField(
        "who",
        max_length=150,
        blank=True,
        help_text="Their username at the time, kept if the account is deleted; for a failed "
        "login, the username that was tried. Blank for the system itself.",
    )
    action = models.CharField(max_length=20, choices=Action.choices)
    target = models.CharField(
        max_length=300, blank=True, help_text="What it was done to, e.g. “Topic: Child protection”."
    )
    target_url = models.CharField(
        max_length=300, blank=True, help_text="Where that is in the admin, if anywhere."
    )
    detail = models.TextField(blank=True)
    ip_address = models.GenericIPAddressField("IP address", null=True, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = "audit event"

    def __str__(self) -> str:
        who = self.actor_name or "system"
        what = f" ({self.target})" if self.target else ""
        return f"{who}: {self.get_action_display()}{what}"
