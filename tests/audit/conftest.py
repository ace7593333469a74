import pytest

from audit.models import AuditEvent


@pytest.fixture
def events(db):
    """The events of one action logged during the test, oldest first (migrating the test
    database logs the roles' permissions, which are not the test's own doing)."""
    before = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0

    def of(action: str, **filters: object) -> list[AuditEvent]:
        logged = AuditEvent.objects.filter(pk__gt=before, action=action, **filters)
        return list(logged.order_by("at", "pk"))

    return of
