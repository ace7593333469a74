"""Writes that touch several models: roles and officer accounts."""

from __future__ import annotations

import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db import transaction

OFFICERS_GROUP = "Officers"

# What an analyst may do: edit data and narrative, never users, groups or permissions.
OFFICER_PERMISSIONS: dict[str, dict[str, tuple[str, ...]]] = {
    "indicators": {
        "area": ("view", "add", "change"),
        "comparatorgroup": ("view", "add", "change", "delete"),
        "indicator": ("view", "add", "change"),
        "period": ("view", "add", "change"),
        "breakdown": ("view", "add", "change"),
        "value": ("view", "add", "change", "delete"),
        "importbatch": ("view", "add"),
    },
    "pages": {
        "topic": ("view", "add", "change"),
        "section": ("view", "add", "change", "delete"),
        "topiclink": ("view", "add", "change", "delete"),
        "pageauthor": ("view", "add", "change"),
    },
}


def officer_permission_codenames() -> list[tuple[str, str]]:
    return [
        (app_label, f"{action}_{model}")
        for app_label, models in OFFICER_PERMISSIONS.items()
        for model, actions in models.items()
        for action in actions
    ]


@transaction.atomic
def ensure_officer_group(*, using: str = "default") -> Group:
    """Create the Officers group, or bring its permissions back to the list above."""
    group, _ = Group.objects.using(using).get_or_create(name=OFFICERS_GROUP)
    wanted = officer_permission_codenames()
    query = Permission.objects.using(using).none()
    for app_label, codename in wanted:
        query |= Permission.objects.using(using).filter(
            content_type__app_label=app_label, codename=codename
        )
    permissions = list(query)
    if len(permissions) == len(wanted):
        group.permissions.set(permissions)
    return group


@transaction.atomic
def create_officer(
    *, username: str, email: str = "", password: str | None = None
) -> tuple[object, str]:
    """Create (or reset) a staff account in the Officers group. Returns the user and password."""
    password = password or secrets.token_urlsafe(12)
    user_model = get_user_model()
    user, _ = user_model.objects.get_or_create(username=username, defaults={"email": email})
    user.is_staff = True
    user.is_active = True
    user.set_password(password)
    user.full_clean()
    user.save()
    user.groups.add(ensure_officer_group())
    return user, password
