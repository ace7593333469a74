"""The audit log in the admin: read-only, and only for those allowed to view it."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.log import record
from audit.models import AuditEvent

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:audit_auditevent_changelist")


def staff(django_user_model, username: str, *codenames: str):
    user = django_user_model.objects.create_user(username, is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    return user


@pytest.fixture
def event():
    group = Group.objects.create(name="Data team")
    return record(AuditEvent.Action.PERMISSIONS, target=group, detail="Added to groups: Data team")


def test_a_superuser_sees_the_log_with_targets_linked(client, admin_user, event):
    client.force_login(admin_user)

    response = client.get(CHANGELIST)

    assert response.status_code == 200
    assert f'<a href="{event.target_url}">Group: Data team</a>' in response.content.decode()


def test_a_target_without_a_page_is_plain_text(client, admin_user):
    record(AuditEvent.Action.USER_DELETED, target="User: <b>carol</b>")
    client.force_login(admin_user)

    content = client.get(CHANGELIST).content.decode()

    assert "User: &lt;b&gt;carol&lt;/b&gt;" in content
    assert "<b>carol</b>" not in content


def test_staff_with_the_view_permission_see_it(client, django_user_model, event):
    client.force_login(staff(django_user_model, "auditor", "view_auditevent"))

    assert client.get(CHANGELIST).status_code == 200
    assert client.get(reverse("admin:audit_auditevent_change", args=[event.pk])).status_code == 200
    assert "Audit log" in client.get(reverse("admin:index")).content.decode()


@pytest.mark.parametrize("codenames", [(), ("change_auditevent", "add_auditevent")])
def test_other_staff_are_refused(client, django_user_model, event, codenames):
    client.force_login(staff(django_user_model, "officer", *codenames))

    assert client.get(CHANGELIST).status_code == 403
    assert client.get(reverse("admin:audit_auditevent_change", args=[event.pk])).status_code == 403
    assert "Audit log" not in client.get(reverse("admin:index")).content.decode()


def test_nobody_can_add_change_or_delete_events(client, admin_user, event):
    client.force_login(admin_user)
    change_url = reverse("admin:audit_auditevent_change", args=[event.pk])

    assert client.get(reverse("admin:audit_auditevent_add")).status_code == 403
    assert client.get(reverse("admin:audit_auditevent_delete", args=[event.pk])).status_code == 403
    assert client.post(change_url, {"detail": "Nothing happened"}).status_code == 403
    client.post(CHANGELIST, {"action": "delete_selected", "_selected_action": [event.pk]})
    content = client.get(change_url).content.decode()
    assert 'name="_save"' not in content
    assert "delete_selected" not in client.get(CHANGELIST).content.decode()
    event.refresh_from_db()
    assert event.detail == "Added to groups: Data team"


def test_the_changelist_can_be_searched_and_filtered(client, admin_user, event):
    record(AuditEvent.Action.LOGIN_FAILED, actor_name="mallory", target="User: mallory")
    client.force_login(admin_user)

    searched = client.get(CHANGELIST, {"q": "mallory"}).content.decode()
    filtered = client.get(CHANGELIST, {"action__exact": "permissions"}).content.decode()

    assert "User: mallory" in searched and "Group: Data team" not in searched
    assert "Group: Data team" in filtered and "User: mallory" not in filtered


def test_the_changelist_costs_the_same_queries_for_5_or_50_events(
    client, admin_user, django_assert_max_num_queries
):
    client.force_login(admin_user)
    group = Group.objects.create(name="Data team")

    def add(count: int) -> None:
        for n in range(count):
            record(AuditEvent.Action.PERMISSIONS, user=admin_user, target=group, detail=f"#{n}")

    add(5)
    with CaptureQueriesContext(connection) as few:
        response = client.get(CHANGELIST)
    assert response.content.decode().count(">Group: Data team</a>") == 5
    add(45)
    # 7 either way: session, user, two counts, the page of events, the dates for the hierarchy
    with django_assert_max_num_queries(len(few)):
        response = client.get(CHANGELIST)
    assert response.content.decode().count(">Group: Data team</a>") == 50
