"""Who may do what with a topic: who looks after it, who may edit, publish or manage users.
One place for these rules, used by the admin, the public views and the import screens alike.
What a user may do to a topic in its present state (send it for review, publish it, …) is
decided by the workflow's rules, `pages.workflow.can_<step>`, which build on these.

- An Officer edits the topics they own, or whose team they are in, and imports data for the
  indicators shown on those topics.
- A Publisher reviews, publishes, schedules and archives any topic, and may edit any.
- An Administrator may do everything, including managing users and groups.

The roles are groups (`pages.services.ensure_roles`); the rules below read the permissions
the groups hold, so a superuser passes every check."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Q

from indicators.models import Indicator
from pages.models import Section, Team, Topic

AnyUser = User | AnonymousUser


def _staff(user: AnyUser) -> bool:
    return bool(user and user.is_authenticated and user.is_active and user.is_staff)


def team_ids(user: AnyUser) -> frozenset[int]:
    """The user's teams, read once per user object."""
    if not _staff(user):
        return frozenset()
    if not hasattr(user, "_jsna_team_ids"):
        user._jsna_team_ids = frozenset(user.teams.values_list("pk", flat=True))
    return user._jsna_team_ids


def looks_after(user: AnyUser, topic: Topic) -> bool:
    """The user owns the topic, or is in the team that does."""
    if not _staff(user):
        return False
    return topic.owner_id == user.pk or (
        topic.team_id is not None and topic.team_id in team_ids(user)
    )


def looked_after_by(user: AnyUser, prefix: str = "") -> Q:
    """A filter for the topics the user looks after (or, with a prefix such as "topic__", for
    rows of those topics): as owner or in the owning team. The team is a subquery, so the
    filter adds no join that repeats rows, and no query of its own."""
    teams = Team.objects.filter(members=user.pk).values("pk")
    return Q(**{f"{prefix}owner": user.pk}) | Q(**{f"{prefix}team__in": teams})


def can_edit_any(user: AnyUser) -> bool:
    return _staff(user) and user.has_perm("pages.edit_any_topic")


def is_publisher(user: AnyUser) -> bool:
    """Reviews, publishes, schedules and archives any topic (a Publisher or an Administrator)."""
    return _staff(user) and user.has_perm("pages.publish_topic")


def can_edit(user: AnyUser, topic: Topic) -> bool:
    """May change the topic's narrative and settings (of a draft: a published page is changed
    through a draft of it, see pages.workflow)."""
    if not (_staff(user) and user.has_perm("pages.change_topic")):
        return False
    return can_edit_any(user) or looks_after(user, topic)


def can_view_draft(user: AnyUser, topic: Topic) -> bool:
    """May see an unpublished topic, or the pending draft of a published one."""
    return can_edit(user, topic) or is_publisher(user)


def can_manage_users(user: AnyUser) -> bool:
    return _staff(user) and user.has_perm("auth.change_user")


def importable_indicator_ids(user: AnyUser, indicator_ids: Iterable[int] | None = None) -> set[int]:
    """Of these indicators (all, by default), those the user may import figures for: any, for
    those who may edit any topic; otherwise those shown on a topic (or a draft) they look
    after. One query."""
    if not _staff(user) or not user.has_perm("indicators.add_value"):
        return set()
    if can_edit_any(user):
        return set(
            indicator_ids
            if indicator_ids is not None
            else Indicator.objects.values_list("pk", flat=True)
        )
    sections = Section.objects.filter(looked_after_by(user, "topic__"), indicator__isnull=False)
    if indicator_ids is not None:
        sections = sections.filter(indicator_id__in=list(indicator_ids))
    return set(sections.values_list("indicator_id", flat=True).distinct())
