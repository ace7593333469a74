"""Who may use the import screens (their permissions are explained in `indicators.admin.imports`):
importing, undoing, and which indicators an officer may import figures for."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied

from core import hooks
from indicators.models import ImportBatch

IMPORT_PERMISSION = "indicators.add_value"
UNDO_PERMISSIONS = ("indicators.change_value", "indicators.delete_value")


def can_import(user: Any) -> bool:
    return user.is_active and user.is_staff and user.has_perm(IMPORT_PERMISSION)


def can_undo_batch(user: Any, batch: ImportBatch) -> bool:
    """Officers undo their own imports; publishers and administrators anyone's."""
    return can_undo(user) and (batch.imported_by_id == user.pk or import_scope(user).undoes_any)


def allowed_indicators(user: Any) -> set[int] | None:
    """The indicators the user may import figures for (for an officer, those on the pages they
    look after: `core.hooks.IMPORT_SCOPE`); None, meaning all."""
    ids = import_scope(user).indicator_ids
    return None if ids is None else set(ids)


def import_scope(user: Any) -> hooks.ImportScope:
    return hooks.first(hooks.IMPORT_SCOPE, user, default=hooks.ImportScope())


def can_undo(user: Any) -> bool:
    return user.is_active and user.is_staff and user.has_perms(UNDO_PERMISSIONS)


def require(allowed: bool) -> None:
    """Refuse the request (403) unless the user is allowed."""
    if not allowed:
        raise PermissionDenied
