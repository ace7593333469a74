"""`audit.log.record`: what it writes, from what it is given."""

import pytest
from django.contrib.auth.models import AnonymousUser, Group, Permission
from django.db import transaction
from django.test import RequestFactory

from audit.log import record
from audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_a_model_target_is_described_and_linked_to_its_admin_page(django_user_model):
    officer = django_user_model.objects.create_user("officer")
    group = Group.objects.create(name="Data team")

    event = record(AuditEvent.Action.PERMISSIONS, user=officer, target=group, detail="Renamed")

    event.refresh_from_db()
    assert event.actor == officer and event.actor_name == "officer"
    assert event.target == "Group: Data team"
    assert event.target_url == f"/admin/auth/group/{group.pk}/change/"
    assert event.detail == "Renamed"
    assert event.ip_address is None  # no request


def test_a_target_outside_the_admin_has_no_link():
    permission = Permission.objects.get(codename="view_auditevent")
    event = record(AuditEvent.Action.PERMISSIONS, target=permission)
    assert event.target.startswith("Permission: ")
    assert event.target_url == ""


def test_a_string_target_is_kept_as_given_and_cut_to_length():
    assert record(AuditEvent.Action.LOGIN, target="Topic: Child protection").target == (
        "Topic: Child protection"
    )
    long = record(AuditEvent.Action.LOGIN, target="x" * 400).target
    assert len(long) == 300 and long.endswith("…")


def test_a_target_that_cannot_describe_itself_does_not_stop_the_caller(monkeypatch):
    group = Group.objects.create(name="Data team")

    def broken(self):
        raise RuntimeError("no name")

    monkeypatch.setattr(Group, "__str__", broken)
    event = record(AuditEvent.Action.PERMISSIONS, target=group)
    assert event.pk is not None
    assert event.target == f"Group: #{group.pk}"


def test_the_user_defaults_to_the_requests_and_the_ip_is_remote_addr(django_user_model):
    officer = django_user_model.objects.create_user("officer")
    request = RequestFactory().get(
        "/", REMOTE_ADDR="203.0.113.7", HTTP_X_FORWARDED_FOR="198.51.100.1"
    )
    request.user = officer

    event = record(AuditEvent.Action.LOGOUT, request=request)

    assert (event.actor, event.actor_name) == (officer, "officer")
    assert event.ip_address == "203.0.113.7"  # never the client's own X-Forwarded-For


def test_an_anonymous_request_has_no_actor_and_a_bad_address_is_left_out():
    request = RequestFactory().get("/", REMOTE_ADDR="not an address")
    request.user = AnonymousUser()

    event = record(AuditEvent.Action.LOGIN_FAILED, request=request, actor_name="guess")

    assert (event.actor, event.actor_name, event.ip_address) == (None, "guess", None)


def test_an_unknown_action_is_an_error():
    with pytest.raises(ValueError):
        record("made_tea")
    assert not AuditEvent.objects.filter(action="made_tea").exists()


def test_the_event_is_written_in_the_callers_transaction():
    with transaction.atomic():
        event = record(AuditEvent.Action.PUBLISH, target="Topic: Kept")
        assert AuditEvent.objects.filter(pk=event.pk).exists()  # written at once
    with transaction.atomic():
        record(AuditEvent.Action.PUBLISH, target="Topic: Rolled back")
        transaction.set_rollback(True)
    targets = set(AuditEvent.objects.values_list("target", flat=True))
    assert "Topic: Kept" in targets
    assert "Topic: Rolled back" not in targets


def test_events_are_listed_newest_first():
    first = record(AuditEvent.Action.LOGIN, target="first")
    second = record(AuditEvent.Action.LOGIN, target="second")
    assert list(AuditEvent.objects.filter(pk__in=[first.pk, second.pk])) == [second, first]
    assert str(second) == "system: Logged in (second)"
