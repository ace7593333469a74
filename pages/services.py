"""Writes that touch several models: roles and officer accounts."""

from __future__ import annotations

import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.db.models import Exists

OFFICER = "Officer"
PUBLISHER = "Publisher"
ADMINISTRATOR = "Administrator"
ROLES = (OFFICER, PUBLISHER, ADMINISTRATOR)
OFFICERS_GROUP = OFFICER  # the name used before the roles

# What an analyst may do: edit data and narrative, never users, groups or permissions. Which
# topics and indicators is a matter of ownership (pages.permissions), not of these.
OFFICER_PERMISSIONS: dict[str, dict[str, tuple[str, ...]]] = {
    "indicators": {
        # Areas, comparator groups, periods and breakdowns are shared by every team:
        # publishers and administrators change them. An officer's import adds the periods
        # and breakdowns it needs in code, whatever these say.
        "area": ("view",),
        "comparatorgroup": ("view",),
        "indicator": ("view", "add", "change"),
        "period": ("view",),
        "breakdown": ("view",),
        "value": ("view", "add", "change", "delete"),
        "importbatch": ("view", "add"),
        "definitionchange": ("view",),
    },
    "pages": {
        "topic": ("view", "add", "change"),
        "section": ("view", "add", "change", "delete"),
        "topiclink": ("view", "add", "change", "delete"),
        # A page author may be named on other teams' pages: publishers change them.
        "pageauthor": ("view",),
        "team": ("view",),
    },
}

# A publisher also reviews, publishes, schedules and archives any topic, and may edit any.
PUBLISHER_EXTRA: dict[str, dict[str, tuple[str, ...]]] = {
    # …and approves officers' changes to what the public read about an indicator, and looks
    # after what every team shares: areas, comparator groups, periods, breakdowns and page
    # authors.
    "indicators": {
        "indicator": ("approve",),
        "definitionchange": ("view", "change"),
        "area": ("add", "change"),
        "comparatorgroup": ("add", "change", "delete"),
        "period": ("add", "change"),
        "breakdown": ("add", "change"),
    },
    "pages": {"topic": ("publish", "edit_any"), "pageauthor": ("add", "change")},
}


def _codenames(*grants: dict[str, dict[str, tuple[str, ...]]]) -> list[tuple[str, str]]:
    """The permissions granted, each once (a role's extra grants may repeat the officer's)."""
    return list(
        dict.fromkeys(
            (app_label, f"{action}_{model}")
            for grant in grants
            for app_label, models in grant.items()
            for model, actions in models.items()
            for action in actions
        )
    )


def officer_permission_codenames() -> list[tuple[str, str]]:
    return _codenames(OFFICER_PERMISSIONS)


def publisher_permission_codenames() -> list[tuple[str, str]]:
    return _codenames(OFFICER_PERMISSIONS, PUBLISHER_EXTRA)


def _permissions(wanted: list[tuple[str, str]], using: str) -> list[Permission]:
    query = Permission.objects.using(using).none()
    for app_label, codename in wanted:
        query |= Permission.objects.using(using).filter(
            content_type__app_label=app_label, codename=codename
        )
    return list(query)


@transaction.atomic
def ensure_roles(*, using: str = "default") -> dict[str, Group]:
    """Create the Officer, Publisher and Administrator groups, or bring their permissions
    back to the lists above (an Administrator holds every permission)."""
    groups = {}
    Group.objects.using(using).filter(name="Officers").exclude(
        Exists(Group.objects.using(using).filter(name=OFFICER))
    ).update(name=OFFICER)  # the group's name before the roles
    for role, wanted in (
        (OFFICER, officer_permission_codenames()),
        (PUBLISHER, publisher_permission_codenames()),
    ):
        group, _ = Group.objects.using(using).get_or_create(name=role)
        permissions = _permissions(wanted, using)
        if len(permissions) == len(wanted):
            group.permissions.set(permissions)
        groups[role] = group
    group, _ = Group.objects.using(using).get_or_create(name=ADMINISTRATOR)
    group.permissions.set(Permission.objects.using(using).all())
    groups[ADMINISTRATOR] = group
    return groups


def ensure_officer_group(*, using: str = "default") -> Group:
    return ensure_roles(using=using)[OFFICER]


@transaction.atomic
def create_officer(
    *,
    username: str,
    email: str = "",
    password: str | None = None,
    role: str = OFFICER,
    team: str = "",
    keep_existing: bool = False,
) -> tuple[object, str | None]:
    """Create (or reset) a staff account with a role (Officer, Publisher or Administrator),
    optionally in a team. Returns the user and password. With `keep_existing`, an account that
    already exists is left exactly as it is (password, role, teams) and the password returned
    is None: `scripts/dev.py start` runs this on every start without resetting anyone."""
    from pages.models import Team

    if role not in ROLES:
        raise ValueError(f"The role must be one of {', '.join(ROLES)}, not {role!r}.")
    user_model = get_user_model()
    if keep_existing:
        existing = user_model.objects.filter(username=username).first()
        if existing is not None:
            return existing, None
    password = password or secrets.token_urlsafe(12)
    user, _ = user_model.objects.get_or_create(username=username, defaults={"email": email})
    user.is_staff = True
    user.is_active = True
    user.set_password(password)
    user.full_clean()
    user.save()
    groups = ensure_roles()
    # The account has this role and no other: re-running the command with another role moves
    # the officer to it (a publisher made an officer again loses publishing).
    user.groups.remove(*(group for name, group in groups.items() if name != role))
    user.groups.add(groups[role])
    if team:
        Team.objects.get_or_create(name=team)[0].members.add(user)
    return user, password
