"""Officers' changes to indicator definitions, through review (`indicators.definitions`): the
indicator form keeps an officer's change to a reviewed field as a proposal; publishers approve
or reject proposals from their own list."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join

from core import hooks
from indicators.definitions import (
    REVIEWED_FIELDS,
    ReviewRefused,
    approve,
    may_approve,
    propose,
    reject,
    shown,
)
from indicators.disclosure import apply_disclosure_control
from indicators.models import DefinitionChange, Indicator


class DefinitionReviewMixin:
    """For the indicator admin: an officer who may not approve definitions saves the other
    fields at once, and the reviewed ones as a proposal for a publisher."""

    def save_model(self, request: HttpRequest, obj: Indicator, form: Any, change: bool) -> None:
        reviewed = [name for name in form.changed_data if name in REVIEWED_FIELDS]
        if not change or not reviewed or may_approve(request.user):
            super().save_model(request, obj, form, change)  # type: ignore[misc]
            if "disclosure_threshold" in form.changed_data:
                apply_disclosure_control([obj.pk])  # the new rule applies to the figures now
            return
        saved = Indicator.objects.get(pk=obj.pk)
        proposal = propose(saved, obj, reviewed, request.user)
        for name in reviewed:
            setattr(obj, name, getattr(saved, name))
        super().save_model(request, obj, form, change)  # type: ignore[misc]
        messages.warning(
            request,
            f"Your change to {', '.join(proposal.field_labels())} is waiting for a publisher's "
            f"approval; until then the public see the indicator as it was.",
        )

    def has_change_permission(self, request: HttpRequest, obj: Indicator | None = None) -> bool:
        """An officer changes only the indicators on the pages they look after (the same
        rule as for importing their figures); a publisher, any."""
        if not super().has_change_permission(request, obj):  # type: ignore[misc]
            return False
        if obj is None or may_approve(request.user):
            return True
        scope = hooks.first(hooks.IMPORT_SCOPE, request.user)
        ids = scope.indicator_ids if scope is not None else None
        return ids is None or obj.pk in ids

    def pending_definition_changes(self, indicator: Indicator | None) -> list[DefinitionChange]:
        if indicator is None:
            return []
        return list(
            indicator.definition_changes.filter(status=DefinitionChange.Status.PENDING)
            .select_related("proposed_by")
            .order_by("proposed_at")
        )


@admin.register(DefinitionChange)
class DefinitionChangeAdmin(admin.ModelAdmin):
    list_display = ["indicator", "changed_fields", "proposed_by", "proposed_at", "status"]
    list_filter = ["status"]
    search_fields = ["indicator__name"]
    readonly_fields = [
        "indicator",
        "changes",
        "proposed_by",
        "proposed_at",
        "status",
        "decided_by",
        "decided_at",
    ]
    exclude = ["previous", "proposed"]
    actions = ["approve_selected", "reject_selected"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="fields")
    def changed_fields(self, obj: DefinitionChange) -> str:
        return ", ".join(obj.field_labels())

    @admin.display(description="what would change")
    def changes(self, obj: DefinitionChange) -> str:
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "",
                "<li><strong>{}</strong>: {} → <ins>{}</ins></li>",
                (
                    (
                        Indicator._meta.get_field(name).verbose_name,
                        shown(name, obj.previous.get(name, "")),
                        shown(name, text),
                    )
                    for name, text in obj.proposed.items()
                ),
            ),
        )

    @admin.action(description="Approve the selected changes (they apply at once)")
    def approve_selected(self, request: HttpRequest, queryset: QuerySet[DefinitionChange]) -> None:
        self._decide(request, queryset, approve, "approved")

    @admin.action(description="Reject the selected changes")
    def reject_selected(self, request: HttpRequest, queryset: QuerySet[DefinitionChange]) -> None:
        self._decide(request, queryset, reject, "rejected")

    def _decide(self, request: HttpRequest, queryset, decide, done: str) -> None:
        count = 0
        for proposal in queryset.select_related("indicator"):
            try:
                decide(proposal, request.user)
            except ReviewRefused as error:
                messages.error(request, f"{proposal.indicator.name}: {error}")
                continue
            count += 1
        if count:
            messages.success(request, f"{count} change{'s' if count != 1 else ''} {done}.")
