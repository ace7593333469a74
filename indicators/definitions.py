"""Changes to what the public read about an indicator go through review.

An officer's edit of a reviewed field (`REVIEWED_FIELDS`: name, definition, unit, multiplier,
population, decimal places, polarity, negative figures, source, methodology, small-number rule)
is kept as a `DefinitionChange` waiting for approval; the indicator stays as it was. A
publisher (the `indicators.approve_indicator` permission) approves it, which applies it, or
rejects it; an approval is refused if the fields it changes have been changed since it was
proposed. Every step is in the audit log. Someone who may approve changes the fields directly.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from audit.log import record
from audit.models import AuditEvent
from indicators.disclosure import apply_disclosure_control
from indicators.models import REVIEWED_FIELDS, DefinitionChange, Indicator

APPROVE = "indicators.approve_indicator"


class ReviewRefused(Exception):
    pass


def may_approve(user: Any) -> bool:
    return bool(user and user.is_active and user.is_staff and user.has_perm(APPROVE))


def _text(indicator: Indicator, name: str) -> str:
    return Indicator._meta.get_field(name).value_to_string(indicator)


def _value(name: str, text: str) -> Any:
    field = Indicator._meta.get_field(name)
    if text == "None" and field.null:
        return None
    return field.to_python(text)


def shown(name: str, text: str) -> str:
    """A field's value as text, as a person reads it (a choice by its label)."""
    field = Indicator._meta.get_field(name)
    if field.choices:
        return str(dict(field.flatchoices).get(field.to_python(text), text))
    return text if text not in ("", "None") else "(empty)"


@transaction.atomic
def propose(saved: Indicator, edited: Indicator, fields: list[str], user: Any) -> DefinitionChange:
    """Keep `edited`'s values of the reviewed `fields` as a change waiting for approval."""
    change = DefinitionChange.objects.create(
        indicator=saved,
        previous={name: _text(saved, name) for name in fields},
        proposed={name: _text(edited, name) for name in fields},
        proposed_by=user if getattr(user, "pk", None) else None,
    )
    record(
        AuditEvent.Action.REVIEW,
        user=user,
        target=saved,
        detail=f"Proposed a change to {', '.join(change.field_labels())}: waiting for approval.",
    )
    return change


@transaction.atomic
def approve(change: DefinitionChange, user: Any) -> Indicator:
    change = _pending(change, user, "approve")
    indicator = Indicator.objects.select_for_update().get(pk=change.indicator_id)
    moved = [name for name, text in change.previous.items() if _text(indicator, name) != text]
    if moved:
        labels = ", ".join(str(Indicator._meta.get_field(n).verbose_name) for n in moved)
        raise ReviewRefused(
            f"The indicator's {labels} changed after this was proposed: reject it, and ask for "
            f"it to be proposed again from the indicator as it is now."
        )
    for name, text in change.proposed.items():
        setattr(indicator, name, _value(name, text))
    try:
        indicator.full_clean()
    except ValidationError as error:
        raise ReviewRefused(f"The change cannot be applied: {'; '.join(error.messages)}") from error
    indicator.save()
    if "disclosure_threshold" in change.proposed:
        apply_disclosure_control([indicator.pk])  # the new rule applies to the figures now
    _decide(change, user, DefinitionChange.Status.APPROVED)
    record(
        AuditEvent.Action.REVIEW,
        user=user,
        target=indicator,
        detail=f"Approved {change.proposed_by or 'someone'}'s change to "
        f"{', '.join(change.field_labels())}.",
    )
    return indicator


@transaction.atomic
def reject(change: DefinitionChange, user: Any) -> None:
    change = _pending(change, user, "reject")
    _decide(change, user, DefinitionChange.Status.REJECTED)
    record(
        AuditEvent.Action.REVIEW,
        user=user,
        target=change.indicator,
        detail=f"Rejected {change.proposed_by or 'someone'}'s change to "
        f"{', '.join(change.field_labels())}.",
    )


def _pending(change: DefinitionChange, user: Any, verb: str) -> DefinitionChange:
    """The change, locked, if it is still waiting and `user` may decide it."""
    change = DefinitionChange.objects.select_for_update().get(pk=change.pk)
    if change.status != DefinitionChange.Status.PENDING:
        raise ReviewRefused(f"This change was already {change.get_status_display().lower()}.")
    if not may_approve(user):
        raise ReviewRefused(f"Only a publisher may {verb} a change to an indicator's definition.")
    return change


def _decide(change: DefinitionChange, user: Any, status: str) -> None:
    change.status = status
    change.decided_by = user if getattr(user, "pk", None) else None
    change.decided_at = timezone.now()
    change.save()


__all__ = ["REVIEWED_FIELDS", "ReviewRefused", "approve", "may_approve", "propose", "reject"]
