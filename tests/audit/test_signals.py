"""What is logged without being asked: logins, and changes to users, groups and permissions,
made in the admin (the actor is the officer logged in) or in code (the actor is blank)."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from audit.models import AuditEvent

pytestmark = pytest.mark.django_db

Action = AuditEvent.Action
PASSWORD = "a-long-test-password"
LOGIN_URL = reverse("admin:login")


@pytest.fixture
def superuser(django_user_model):
    return django_user_model.objects.create_superuser("admin", "admin@example.org", PASSWORD)


@pytest.fixture
def publisher():
    return Group.objects.create(name="Data team")


# --- Logging in and out -----------------------------------------------------------------------


def test_login_is_logged_with_who_and_where_from(client, django_user_model, events):
    user = django_user_model.objects.create_user("alice", password=PASSWORD, is_staff=True)

    response = client.post(LOGIN_URL, {"username": "alice", "password": PASSWORD})

    assert response.status_code == 302
    [event] = events(Action.LOGIN)
    assert (event.actor, event.actor_name, event.ip_address) == (user, "alice", "127.0.0.1")
    assert event.target == "User: alice"
    assert event.target_url == reverse("admin:auth_user_change", args=[user.pk])


def test_failed_login_keeps_the_username_tried_and_never_the_password(
    client, django_user_model, events
):
    django_user_model.objects.create_user("alice", password=PASSWORD, is_staff=True)

    response = client.post(LOGIN_URL, {"username": "alice", "password": "wrong-password-42"})
    client.post(LOGIN_URL, {"username": "nobody", "password": "wrong-password-42"})

    assert response.status_code == 200  # the form again
    assert "_auth_user_id" not in client.session
    failed = events(Action.LOGIN_FAILED)
    assert [(e.actor, e.actor_name, e.ip_address) for e in failed] == [
        (None, "alice", "127.0.0.1"),
        (None, "nobody", "127.0.0.1"),
    ]
    assert not events(Action.LOGIN)
    stored = AuditEvent.objects.filter(action=Action.LOGIN_FAILED).values()
    assert not any("wrong-password-42" in str(row) for row in stored)


def test_a_lockout_is_noted_on_the_failure_that_caused_it(client, django_user_model, events):
    django_user_model.objects.create_user("alice", password=PASSWORD, is_staff=True)

    for _ in range(5):  # AXES_FAILURE_LIMIT
        client.post(LOGIN_URL, {"username": "alice", "password": "wrong-password"})

    failed = events(Action.LOGIN_FAILED)
    assert len(failed) == 5
    assert [e.detail for e in failed[:4]] == [""] * 4
    assert failed[4].detail == "Locked out after repeated failed logins."


def test_logout_is_logged(client, django_user_model, events):
    user = django_user_model.objects.create_user("alice", password=PASSWORD, is_staff=True)
    client.force_login(user)

    response = client.post(reverse("admin:logout"))

    assert response.status_code == 200
    [event] = events(Action.LOGOUT)
    assert (event.actor, event.ip_address) == (user, "127.0.0.1")


def test_logging_out_when_not_logged_in_logs_nothing(client, events):
    client.post(reverse("admin:logout"))
    assert not events(Action.LOGOUT)


# --- Groups and permissions -------------------------------------------------------------------


def test_groups_joined_and_left_in_code(django_user_model, publisher, events):
    user = django_user_model.objects.create_user("bob")
    editors = Group.objects.create(name="Web team")

    user.groups.add(publisher)
    user.groups.add(publisher)  # already a member: nothing changes
    user.groups.remove(publisher)
    user.groups.add(publisher, editors)
    user.groups.clear()
    user.groups.clear()  # nothing left to remove

    logged = [(e.target, e.detail, e.actor_name) for e in events(Action.PERMISSIONS)]
    assert logged == [
        ("User: bob", "Added to groups: Data team", ""),
        ("User: bob", "Removed from groups: Data team", ""),
        ("User: bob", "Added to groups: Data team, Web team", ""),
        ("User: bob", "Removed from groups: Data team, Web team", ""),
    ]


def test_members_added_from_the_groups_side(django_user_model, publisher, events):
    bob = django_user_model.objects.create_user("bob")
    carol = django_user_model.objects.create_user("carol")

    publisher.user_set.add(bob, carol)

    [event] = events(Action.PERMISSIONS)
    assert (event.target, event.detail) == ("Group: Data team", "Users added: bob, carol")
    assert event.target_url == reverse("admin:auth_group_change", args=[publisher.pk])


def test_permissions_given_to_a_group_and_to_a_user(django_user_model, publisher, events):
    user = django_user_model.objects.create_user("bob")
    view = Permission.objects.get(codename="view_auditevent")

    publisher.permissions.add(view)
    user.user_permissions.add(view)
    user.user_permissions.remove(view)

    logged = [(e.target, e.detail) for e in events(Action.PERMISSIONS)]
    name = "audit.view_auditevent (Can view audit event)"
    assert logged == [
        ("Group: Data team", f"Permissions added: {name}"),
        ("User: bob", f"Permissions added: {name}"),
        ("User: bob", f"Permissions removed: {name}"),
    ]


def test_superuser_flag_changes_are_logged_and_other_saves_are_not(
    django_user_model, events, django_assert_num_queries
):
    user = django_user_model.objects.create_user("bob")

    user.is_superuser = True
    user.save()
    user.first_name = "Bob"
    user.save()  # nothing that decides what he may do
    user.is_staff = True
    user.is_active = False
    user.save()
    with django_assert_num_queries(1):  # the update alone: no look at the stored flags
        user.save(update_fields=["last_login"])

    assert [e.detail for e in events(Action.PERMISSIONS)] == [
        "Superuser: no → yes",
        "Active: yes → no; Staff: no → yes",
    ]


def test_groups_and_flags_changed_in_the_admin_name_the_officer(
    client, superuser, django_user_model, publisher, events
):
    bob = django_user_model.objects.create_user("bob")
    client.force_login(superuser)
    url = reverse("admin:auth_user_change", args=[bob.pk])

    response = client.post(
        url,
        {
            "username": "bob",
            "first_name": "",
            "last_name": "",
            "email": "",
            "is_active": "on",
            "is_superuser": "on",
            "groups": [publisher.pk],
            "user_permissions": [],
            "date_joined_0": "2024-01-01",
            "date_joined_1": "09:00:00",
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    bob.refresh_from_db()
    assert bob.is_superuser and list(bob.groups.all()) == [publisher]
    logged = [(e.actor, e.target, e.detail, e.ip_address) for e in events(Action.PERMISSIONS)]
    assert logged == [
        (superuser, "User: bob", "Superuser: no → yes", "127.0.0.1"),
        (superuser, "User: bob", "Added to groups: Data team", "127.0.0.1"),
    ]


# --- Users created and deleted ----------------------------------------------------------------


def test_a_user_created_in_code_is_logged_with_its_flags(django_user_model, events):
    user = django_user_model.objects.create_user("carol", is_staff=True)

    [event] = events(Action.USER_CREATED)
    assert (event.actor, event.target) == (None, "User: carol")
    assert event.target_url == reverse("admin:auth_user_change", args=[user.pk])
    assert event.detail == "Active: yes; Staff: yes; Superuser: no"


def test_a_user_created_and_deleted_in_the_admin(client, superuser, django_user_model, events):
    client.force_login(superuser)

    response = client.post(
        reverse("admin:auth_user_add"),
        {
            "username": "carol",
            "usable_password": "true",
            "password1": "a-long-new-password-7",
            "password2": "a-long-new-password-7",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    carol = django_user_model.objects.get(username="carol")
    [created] = events(Action.USER_CREATED, target="User: carol")
    assert (created.actor, created.target) == (superuser, "User: carol")

    client.force_login(carol)  # an event of hers, to outlive her account
    client.force_login(superuser)
    response = client.post(reverse("admin:auth_user_delete", args=[carol.pk]), {"post": "yes"})

    assert response.status_code == 302
    assert not django_user_model.objects.filter(username="carol").exists()
    [deleted] = events(Action.USER_DELETED)
    assert (deleted.actor, deleted.actor_name) == (superuser, "admin")
    assert (deleted.target, deleted.target_url) == ("User: carol", "")
    assert deleted.ip_address == "127.0.0.1"
    her_login = AuditEvent.objects.get(action=Action.LOGIN, actor_name="carol")
    assert her_login.actor is None  # the account is gone, the name stays


def test_a_user_deleted_in_code_and_one_who_deleted_themselves(
    client, superuser, django_user_model, events
):
    django_user_model.objects.create_user("dave").delete()
    client.force_login(superuser)
    client.post(reverse("admin:auth_user_delete", args=[superuser.pk]), {"post": "yes"})

    logged = [(e.actor, e.actor_name, e.target) for e in events(Action.USER_DELETED)]
    assert logged == [(None, "", "User: dave"), (None, "admin", "User: admin")]
