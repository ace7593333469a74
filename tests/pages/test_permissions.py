"""Who may do what: every role against every action, through the real admin and public URLs.

Officer A looks after the topic (as its owner, or as a member of its team: both are tried),
officer B is an officer who does not, the publisher and the administrator (a member of the
Administrator group, not a superuser) may act on any topic, and anonymous visitors are sent
to log in."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from indicators.models import Area, Value
from pages.models import Section, Status, Team, Topic
from pages.services import ADMINISTRATOR, OFFICER, PUBLISHER, create_officer, ensure_roles
from tests.factories import IndicatorFactory, SectionFactory, TopicFactory, UserFactory
from tests.indicators.test_admin_import import CONFIRM_URL, HEADER, choices, upload
from tests.pages.admin_forms import form_data, section_prefix

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-test-password"
TEAM = "Adult health intelligence"
BANNER = "Draft: not published"
READ_ONLY = "You can read this page but not change it"
REFUSED_IMPORT = "You may not import figures for “Smoking prevalence”"

ACTORS = ("anonymous", "owner", "team member", "officer B", "publisher", "administrator")

# The policy, cell by cell. "owner" and "team member" are officer A, who looks after the topic.
# fmt: off
EXPECTED = {
    #                        anonymous    owner      team member  officer B    publisher  admin
    "view draft page":     ("not found", "shown",   "shown",     "not found", "shown",   "shown"),
    "view draft in admin": ("login",     "change",  "change",    "not found", "change",  "change"),
    "edit":                ("login",     "done",    "done",      "refused",   "done",    "done"),
    "publish":             ("login",     "refused", "refused",   "refused",   "done",    "done"),
    "import data":         ("login",     "done",    "done",      "refused",   "done",    "done"),
    "revert":              ("login",     "done",    "done",      "refused",   "done",    "done"),
    "manage users":        ("login",     "refused", "refused",   "refused",   "refused", "done"),
}
# fmt: on
CELLS = [
    (actor, action, outcome)
    for action, row in EXPECTED.items()
    for actor, outcome in zip(ACTORS, row, strict=True)
]


@pytest.fixture(autouse=True)
def upload_root(settings, tmp_path: Path) -> None:
    settings.IMPORT_UPLOAD_ROOT = str(tmp_path / "uploads")


@pytest.fixture
def topic(db) -> Topic:
    """A draft owned by one officer and looked after by a team, showing one indicator, whose
    section has been edited once since it was written."""
    owner, _ = create_officer(username="owner", password=PASSWORD)
    preston = Area.objects.create(code="E07000123", name="Preston", area_type="district")
    topic = TopicFactory(
        title="Smoking", slug="smoking", status=Status.DRAFT, owner=owner, area=preston
    )
    topic.team = Team.objects.create(name=TEAM)
    topic.save()
    indicator = IndicatorFactory(slug="smoking-prevalence", name="Smoking prevalence")
    section = SectionFactory(
        topic=topic, heading="Prevalence", anchor="prevalence", indicator=indicator, body="First."
    )
    topic.first_version_at = Section.history.latest("history_date").history_date
    section.body = "Second."
    section.save()
    return topic


def login(role: str, *, team: str = "", username: str = "") -> Client:
    user, _ = create_officer(
        username=username or role.lower(), password=PASSWORD, role=role, team=team
    )
    client = Client()
    client.force_login(user)
    return client


def client_for(actor: str) -> Client:
    if actor == "anonymous":
        return Client()
    if actor == "owner":
        client = Client()
        client.force_login(Topic.objects.get(slug="smoking").owner)
        return client
    if actor == "team member":
        return login(OFFICER, team=TEAM, username="member")
    if actor == "officer B":
        return login(OFFICER, team="Another team", username="officer-b")
    return login({"publisher": PUBLISHER, "administrator": ADMINISTRATOR}[actor])


def sent_to_login(response) -> bool:
    return response.status_code == 302 and response["Location"].startswith(reverse("admin:login"))


def outcome(response, done: bool) -> str:
    """What became of an attempt: done, refused (nothing changed), or sent to log in."""
    if sent_to_login(response):
        assert not done
        return "login"
    return "done" if done else "refused"


def change_url(topic: Topic) -> str:
    return reverse("admin:pages_topic_change", args=[topic.pk])


# --- The actions ----------------------------------------------------------------------------


def view_draft_page(client: Client, topic: Topic) -> str:
    response = client.get(topic.get_absolute_url())
    if response.status_code == 404:
        return "not found"
    assert response.status_code == 200
    assert BANNER in response.content.decode()
    assert "Second." in response.content.decode()
    return "shown"


def view_draft_in_admin(client: Client, topic: Topic) -> str:
    response = client.get(change_url(topic))
    if sent_to_login(response):
        return "login"
    if response.status_code == 302:  # back to the list, saying why
        listed = client.get(response.url).content.decode()
        assert "only the officers who look after it and publishers can see it" in listed
        assert "Second." not in listed
        return "not found"
    assert response.status_code == 200
    html = response.content.decode()
    assert "Second." in html
    if READ_ONLY in html:
        assert 'name="_save"' not in html
        assert not response.context["has_change_permission"]
        return "read only"
    assert 'name="_save"' in html
    return "change"


def edit(client: Client, topic: Topic) -> str:
    page = client.get(change_url(topic))
    if page.status_code != 200 or READ_ONLY in page.content.decode():
        # A form to post, as an officer who could open it would have it.
        superuser = Client()
        superuser.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
        page = superuser.get(change_url(topic))
    data = form_data(page)
    data[f"{section_prefix(data, 'prevalence')}-body"] = "Third."
    response = client.post(change_url(topic), data)
    saved = Section.objects.get(topic=topic).body == "Third."
    if not saved and not sent_to_login(response):
        # Forbidden, or (for a draft the user may not see) sent back to the list.
        assert response.status_code == 403 or (
            response.status_code == 302 and response.url == reverse("admin:pages_topic_changelist")
        )
    return outcome(response, saved)


def publish(client: Client, topic: Topic) -> str:
    url = reverse("admin:pages_topic_workflow", args=[topic.pk])
    response = client.post(url, {"step": "publish"})
    topic.refresh_from_db()
    return outcome(response, topic.status == Status.PUBLISHED)


def import_data(client: Client, topic: Topic) -> str:
    rows = [HEADER, ["smoking-prevalence", "E07000123", "Preston", "2012/13", "21.5", ""]]
    preview = upload(client, rows)
    if sent_to_login(preview):
        return "login"
    assert preview.status_code == 200
    refused = REFUSED_IMPORT in preview.content.decode()
    response = client.post(CONFIRM_URL, choices(preview))
    imported = Value.objects.filter(indicator__slug="smoking-prevalence").exists()
    if not imported:
        assert refused, "Refused without saying why."
    return outcome(response, imported)


def revert(client: Client, topic: Topic) -> str:
    url = reverse("admin:pages_topic_revert", args=[topic.pk])
    response = client.post(url, {"at": topic.first_version_at.isoformat(), "confirm": "yes"})
    reverted = Section.objects.get(topic=topic).body == "First."
    if not reverted and not sent_to_login(response):
        assert response.status_code == 403
    return outcome(response, reverted)


def manage_users(client: Client, topic: Topic) -> str:
    responses = [
        client.get(reverse("admin:auth_user_changelist")),
        client.get(reverse("admin:auth_user_add")),
    ]
    if all(sent_to_login(r) for r in responses):
        return "login"
    codes = {r.status_code for r in responses}
    assert codes in ({200}, {403}), codes
    return "done" if codes == {200} else "refused"


ACTIONS = {
    "view draft page": view_draft_page,
    "view draft in admin": view_draft_in_admin,
    "edit": edit,
    "publish": publish,
    "import data": import_data,
    "revert": revert,
    "manage users": manage_users,
}


@pytest.mark.parametrize(("actor", "action", "expected"), CELLS)
def test_permission_matrix(topic, actor, action, expected):
    assert ACTIONS[action](client_for(actor), topic) == expected


# --- Around the matrix ----------------------------------------------------------------------


def test_officer_b_sees_published_pages_not_others_drafts_and_is_told_politely_why(topic):
    other = TopicFactory(title="Air quality", slug="air-quality")  # published
    client = client_for("officer B")

    listed = client.get(reverse("admin:pages_topic_changelist")).content.decode()
    assert "Air quality" in listed and "Smoking" not in listed  # the draft is not theirs

    page = client.get(change_url(other)).content.decode()
    assert READ_ONLY in page
    assert "Ask them, or a publisher, if it needs a change." in page
    topic.status = Status.PUBLISHED
    topic.save()
    page = client.get(change_url(topic)).content.decode()
    assert f"{READ_ONLY}: it is looked after by owner and {TEAM}." in page


def test_officer_a_is_refused_publishing_with_a_reason(topic):
    client = client_for("owner")
    url = reverse("admin:pages_topic_workflow", args=[topic.pk])
    response = client.post(url, {"step": "publish"}, follow=True)
    assert "Only a publisher can publish a page." in response.content.decode()
    topic.refresh_from_db()
    assert topic.status == Status.DRAFT


def test_officer_b_may_import_figures_for_a_page_they_look_after_but_no_other(topic):
    mine = TopicFactory(title="Obesity", slug="obesity", status=Status.DRAFT)
    SectionFactory(topic=mine, indicator=IndicatorFactory(slug="obesity", name="Obesity"))
    client = client_for("officer B")
    mine.team = Team.objects.get(name="Another team")
    mine.save()
    rows = [
        HEADER,
        ["obesity", "E07000123", "Preston", "2012/13", "25.1", ""],
        ["smoking-prevalence", "E07000123", "Preston", "2012/13", "21.5", ""],
    ]

    preview = upload(client, rows)
    assert preview.context["report"].rows_rejected == 1
    assert REFUSED_IMPORT in preview.content.decode()
    client.post(CONFIRM_URL, choices(preview))
    assert not Value.objects.exists()  # a file with a refused row changes nothing

    client.post(CONFIRM_URL, choices(upload(client, rows), apply_valid_rows="on"))
    assert list(Value.objects.values_list("indicator__slug", flat=True)) == ["obesity"]


def test_ensure_roles_creates_the_three_groups_with_their_permissions():
    Group.objects.all().delete()

    groups = ensure_roles()
    ensure_roles()  # again: nothing more

    assert sorted(Group.objects.values_list("name", flat=True)) == sorted(
        [ADMINISTRATOR, OFFICER, PUBLISHER]
    )

    def held(role: str) -> set[str]:
        return {
            f"{p.content_type.app_label}.{p.codename}"
            for p in groups[role].permissions.select_related("content_type")
        }

    assert "pages.change_topic" in held(OFFICER)
    assert "pages.publish_topic" not in held(OFFICER)
    assert "pages.edit_any_topic" not in held(OFFICER)
    assert not any(name.startswith("auth.") for name in held(OFFICER))
    assert {"pages.publish_topic", "pages.edit_any_topic"} <= held(PUBLISHER)
    assert not any(name.startswith("auth.") for name in held(PUBLISHER))
    assert {"auth.change_user", "auth.add_user", "pages.publish_topic"} <= held(ADMINISTRATOR)


def test_create_officer_command_gives_the_role_and_team(capsys):
    call_command(
        "create_officer", "pat", "--role", PUBLISHER, "--team", TEAM, "--password", PASSWORD
    )

    assert "Publisher login: pat / " in capsys.readouterr().out
    pat = get_user_model().objects.get(username="pat")
    assert pat.is_staff and not pat.is_superuser
    assert list(pat.groups.values_list("name", flat=True)) == [PUBLISHER]
    assert list(pat.teams.values_list("name", flat=True)) == [TEAM]
    assert pat.check_password(PASSWORD)
    assert pat.has_perm("pages.publish_topic")
    assert not pat.has_perm("auth.change_user")


def test_create_officer_command_refuses_an_unknown_role():
    with pytest.raises(CommandError, match="invalid choice"):
        call_command("create_officer", "pat", "--role", "Superuser")


def test_create_officer_again_with_another_role_changes_the_role():
    call_command("create_officer", "pat", "--role", PUBLISHER, "--password", PASSWORD)
    call_command("create_officer", "pat", "--role", OFFICER, "--password", PASSWORD)

    pat = get_user_model().objects.get(username="pat")
    assert list(pat.groups.values_list("name", flat=True)) == [OFFICER]
    assert not pat.has_perm("pages.publish_topic")
