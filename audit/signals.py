"""What the audit log hears without being asked: logins, and changes to users, groups and
permissions, wherever they are made (the admin, a shell, a management command).

Receivers are connected in `AuditConfig.ready`. Who did it comes from the request being
handled (`audit.log.current_request`); outside a request the actor is left blank: the system.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db import models
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
from django.http import HttpRequest
from django.utils.text import capfirst

from audit.log import current_request, record, write
from audit.models import AuditEvent

Action = AuditEvent.Action

#: The flags of a user that decide what they may do, and how the log names them.
USER_FLAGS = {"is_active": "Active", "is_staff": "Staff", "is_superuser": "Superuser"}

_FLAG_CHANGES = "_audit_flag_changes"
_CLEARED = "_audit_cleared"


def connect() -> None:
    user_model = get_user_model()
    uid = "audit"
    user_logged_in.connect(logged_in, dispatch_uid=f"{uid}_logged_in")
    user_logged_out.connect(logged_out, dispatch_uid=f"{uid}_logged_out")
    user_login_failed.connect(login_failed, dispatch_uid=f"{uid}_login_failed")
    pre_save.connect(user_flags_before, sender=user_model, dispatch_uid=f"{uid}_user_pre_save")
    post_save.connect(user_saved, sender=user_model, dispatch_uid=f"{uid}_user_saved")
    post_delete.connect(user_deleted, sender=user_model, dispatch_uid=f"{uid}_user_deleted")
    for relation in _audited_relations(user_model):
        m2m_changed.connect(
            memberships_changed,
            sender=relation.through,
            dispatch_uid=f"{uid}_m2m_{relation.through._meta.label_lower}",
        )


def _audited_relations(user_model: type[models.Model]) -> list[Any]:
    names = [(user_model, "groups"), (user_model, "user_permissions"), (Group, "permissions")]
    return [
        getattr(model, name)
        for model, name in names
        if any(field.name == name for field in model._meta.get_fields())
    ]


# --- Logging in and out -----------------------------------------------------------------------


def logged_in(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    record(Action.LOGIN, user=user, request=request, target=user)


def logged_out(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if user is None or not getattr(user, "is_authenticated", False):
        return  # nobody was logged in: nothing happened
    record(Action.LOGOUT, user=user, request=request, target=user)


def login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    """Only the username that was tried is kept: never anything else from the credentials,
    which Django has already masked but which may hold other secrets."""
    field = get_user_model().USERNAME_FIELD
    tried = credentials.get("username", credentials.get(field, ""))
    tried = tried if isinstance(tried, str) else ""
    detail = ""
    if request is not None and getattr(request, "axes_locked_out", False):
        detail = "Locked out after repeated failed logins."
    write(
        Action.LOGIN_FAILED,
        actor=None,
        actor_name=tried,
        request=request,
        target=f"User: {tried}" if tried else "",
        detail=detail,
    )


# --- Users and their flags --------------------------------------------------------------------


def user_flags_before(sender: type[models.Model], instance: Any, **kwargs: Any) -> None:
    """Compare the flags about to be saved with the stored row, for `user_saved` to record."""
    setattr(instance, _FLAG_CHANGES, [])
    fields = [name for name in USER_FLAGS if hasattr(instance, name)]
    update_fields = kwargs.get("update_fields")
    if update_fields is not None:
        fields = [name for name in fields if name in update_fields]
    if instance.pk is None or not fields:
        return  # a new user (recorded as created), or a save that leaves the flags alone
    stored = sender._base_manager.filter(pk=instance.pk).values(*fields).first()
    if stored is None:
        return
    changes = [
        f"{USER_FLAGS[name]}: {_yes(stored[name])} → {_yes(getattr(instance, name))}"
        for name in fields
        if bool(stored[name]) != bool(getattr(instance, name))
    ]
    setattr(instance, _FLAG_CHANGES, changes)


def user_saved(sender: type[models.Model], instance: Any, created: bool, **kwargs: Any) -> None:
    if created:
        flags = [
            f"{label}: {_yes(getattr(instance, name))}"
            for name, label in USER_FLAGS.items()
            if hasattr(instance, name)
        ]
        record(Action.USER_CREATED, target=instance, detail="; ".join(flags))
        return
    changes = getattr(instance, _FLAG_CHANGES, None)
    if changes:
        record(Action.PERMISSIONS, target=instance, detail="; ".join(changes))
    if hasattr(instance, _FLAG_CHANGES):
        delattr(instance, _FLAG_CHANGES)


def user_deleted(sender: type[models.Model], instance: Any, **kwargs: Any) -> None:
    request = current_request()
    actor = getattr(request, "user", None) if request is not None else None
    actor_name = ""
    if not getattr(actor, "is_authenticated", False):
        actor = None
    elif actor.pk == instance.pk:
        # They deleted themselves: the row an event would point to is gone; keep the name.
        actor, actor_name = None, instance.get_username()
    write(
        Action.USER_DELETED,
        actor=actor,
        actor_name=actor_name,
        request=request,
        # Its admin page went with it: a description, not a link.
        target=f"{capfirst(instance._meta.verbose_name)}: {instance.get_username()}",
    )


def _yes(flag: object) -> str:
    return "yes" if flag else "no"


# --- Groups and permissions -------------------------------------------------------------------


def memberships_changed(
    sender: type[models.Model],
    instance: models.Model,
    action: str,
    reverse: bool,
    model: type[models.Model],
    pk_set: set[Any] | None,
    **kwargs: Any,
) -> None:
    """Groups a user joined or left, permissions given or taken (from users or groups), and
    the same seen from the other end (``group.user_set.add(user)``)."""
    if action == "pre_clear":
        # Once cleared, they cannot be named: note them now.
        related = sender._base_manager.filter(**{_own_column(sender, instance): instance.pk})
        other = _other_column(sender, instance, model)
        setattr(instance, _CLEARED, set(related.values_list(other, flat=True)))
        return
    if action == "post_clear":
        pk_set = getattr(instance, _CLEARED, set())
        if hasattr(instance, _CLEARED):
            delattr(instance, _CLEARED)
        added = False
    elif action in ("post_add", "post_remove"):
        added = action == "post_add"
    else:
        return
    if not pk_set:
        return  # nothing was there to add or remove
    names = _names(model, pk_set)
    if isinstance(instance, get_user_model()) and model is Group:
        detail = f"{'Added to' if added else 'Removed from'} groups: {names}"
    else:
        plural = capfirst(str(model._meta.verbose_name_plural))
        detail = f"{plural} {'added' if added else 'removed'}: {names}"
    record(Action.PERMISSIONS, target=instance, detail=detail)


def _own_column(through: type[models.Model], instance: models.Model) -> str:
    """The through model's foreign key to the instance's side, by attname (e.g. user_id)."""
    for field in through._meta.get_fields():
        if field.is_relation and isinstance(instance, field.related_model):
            return field.attname
    raise LookupError(f"{through} has no key to {type(instance)}")


def _other_column(
    through: type[models.Model], instance: models.Model, model: type[models.Model]
) -> str:
    own = _own_column(through, instance)
    for field in through._meta.get_fields():
        if field.is_relation and field.related_model is model and field.attname != own:
            return field.attname
    raise LookupError(f"{through} has no key to {model}")


def _names(model: type[models.Model], pks: set[Any]) -> str:
    objects = model._base_manager.filter(pk__in=pks)
    if model is Permission:
        objects = objects.select_related("content_type")
        names = [
            f"{permission.content_type.app_label}.{permission.codename} ({permission.name})"
            for permission in objects
        ]
    else:
        names = [str(obj) for obj in objects]
    return ", ".join(sorted(names))
