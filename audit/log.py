"""Writing to the audit log.

    from audit.log import record
    from audit.models import AuditEvent

    record(AuditEvent.Action.PUBLISH, request=request, target=topic)

`record` writes the event at once, with one INSERT: inside a transaction it is kept or rolled
back with the work it describes, so the log never claims what did not happen.
"""

from __future__ import annotations

import ipaddress
import logging
from typing import TYPE_CHECKING, Any

from django.contrib import admin
from django.contrib.admin.utils import quote
from django.db import models
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.text import capfirst

from audit.models import AuditEvent

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

logger = logging.getLogger(__name__)

_TARGET_LENGTH = AuditEvent._meta.get_field("target").max_length
_URL_LENGTH = AuditEvent._meta.get_field("target_url").max_length
_NAME_LENGTH = AuditEvent._meta.get_field("actor_name").max_length


def record(
    action: AuditEvent.Action | str,
    *,
    user: AbstractBaseUser | AnonymousUser | None = None,
    request: HttpRequest | None = None,
    target: models.Model | str = "",
    target_url: str = "",
    detail: str = "",
    actor_name: str = "",
) -> AuditEvent:
    """Write one event to the audit log, and return it.

    ``request`` is by default the request being handled (see `current_request`), and ``user``
    the request's user, if logged in. ``target`` is a model instance (recorded as
    “Verbose name: str(obj)”, with its admin page when it has one) or a description.
    ``actor_name`` names someone who is not a user, e.g. the username a failed login tried; a
    user's own username wins over it. The IP address is the request's REMOTE_ADDR:
    X-Forwarded-For is set by the client and proves nothing.

    An unknown ``action`` is a ValueError. A target that cannot be described (its
    ``__str__`` fails, it has no admin page) is recorded as well as it can be: that never
    stops the caller's work.
    """
    if request is None:
        request = current_request()
    if user is None and request is not None:
        user = getattr(request, "user", None)
    return write(
        action,
        actor=user if _is_saved_user(user) else None,
        actor_name=actor_name,
        request=request,
        target=target,
        target_url=target_url,
        detail=detail,
    )


def write(
    action: AuditEvent.Action | str,
    *,
    actor: AbstractBaseUser | None,
    actor_name: str = "",
    request: HttpRequest | None = None,
    target: models.Model | str = "",
    target_url: str = "",
    detail: str = "",
) -> AuditEvent:
    """`record`, with the actor given as is: no defaults from the request."""
    action = AuditEvent.Action(action)
    if actor is not None:
        actor_name = actor.get_username()
    if isinstance(target, models.Model):
        description, url = describe(target)
        target_url = target_url or url
    else:
        description = str(target)
    return AuditEvent.objects.create(
        actor=actor,
        actor_name=_cut(actor_name, _NAME_LENGTH),
        action=action,
        target=_cut(description, _TARGET_LENGTH),
        target_url=target_url if len(target_url) <= _URL_LENGTH else "",
        detail=detail,
        ip_address=client_ip(request),
    )


def describe(obj: models.Model) -> tuple[str, str]:
    """“Verbose name: str(obj)”, and the URL of its change page in the admin (or "")."""
    opts = obj._meta
    try:
        name = str(obj)
    except Exception:  # noqa: BLE001 - a broken __str__ must not stop the caller
        logger.warning("Could not describe %s %s for the audit log", opts.label, obj.pk)
        name = f"#{obj.pk}"
    url = ""
    if obj.pk is not None and admin.site.is_registered(type(obj)):
        try:
            url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[quote(obj.pk)])
        except NoReverseMatch:
            url = ""
    return f"{capfirst(opts.verbose_name)}: {name}", url


def client_ip(request: HttpRequest | None) -> str | None:
    """The address the request came from, as the server saw it; None if not a valid IP."""
    if request is None:
        return None
    address = request.META.get("REMOTE_ADDR", "")
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None


def current_request() -> HttpRequest | None:
    """The request being handled in this thread (or task), if any.

    simple_history's `HistoryRequestMiddleware`, which is in MIDDLEWARE to record who changed
    what, keeps it for the length of each request; signals sent outside a request (a
    management command, a test calling a service) see None.
    """
    try:
        from simple_history.models import HistoricalRecords
    except ImportError:  # pragma: no cover - simple_history is a dependency
        return None
    return getattr(HistoricalRecords.context, "request", None)


def _is_saved_user(user: Any) -> bool:
    return user is not None and getattr(user, "is_authenticated", False) and user.pk is not None


def _cut(text: str, length: int) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"
