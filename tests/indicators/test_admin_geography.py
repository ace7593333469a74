"""The Areas admin's “Import areas” screen (indicators/admin/geography.py): upload an ONS
lookup, a comparator group file or a bad file, see the preview, confirm; who may use it; and the
admin of the fields the geography added (current or former, ONS names, groupings, the successor
table). Driven through the Django test client as an officer would use it: the preview's own
form is what gets posted back."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from audit.models import AuditEvent
from indicators.geography import ATTRIBUTION
from indicators.models import Area, AreaChange, ComparatorGroup
from pages.services import create_officer
from tests.factories import (
    BURNLEY,
    LANCASHIRE,
    LANCASHIRE_NAME,
    NORTH_WEST,
    PRESTON,
    AreaFactory,
    UserFactory,
    lancashire_areas,
)

pytestmark = pytest.mark.django_db

UPLOAD_URL = reverse("admin:indicators_area_import_areas")
CHECK_URL = reverse("admin:indicators_area_import_areas_check")
CONFIRM_URL = reverse("admin:indicators_area_import_areas_confirm")
LOOKUP = Path(__file__).resolve().parents[1] / "fixtures" / "real" / "ons_lad_cty_rgn_lookup.csv"
MANCHESTER, GREATER_MANCHESTER = "E08000003", "E11000001"
HEADER = "LAD23CD,LAD23NM,CTY23CD,CTY23NM,RGN23CD,RGN23NM"


@pytest.fixture(autouse=True)
def upload_root(settings, tmp_path: Path) -> Path:
    """Each test keeps its uploads in a folder of its own."""
    settings.IMPORT_UPLOAD_ROOT = str(tmp_path / "uploads")
    return tmp_path / "uploads"


@pytest.fixture
def areas(db) -> dict[str, Area]:
    return lancashire_areas()


@pytest.fixture
def officer(areas):
    # Areas are shared by every team: publishers (and administrators) import them.
    user, _ = create_officer(username="analyst", password="a-long-test-password", role="Publisher")
    return user


@pytest.fixture
def officer_client(client: Client, officer) -> Client:
    client.force_login(officer)
    return client


def upload(client: Client, content: bytes, name: str = "lookup.csv", **data):
    file = SimpleUploadedFile(name, content, content_type="text/csv")
    return client.post(UPLOAD_URL, {"file": file, **data})


def posted(response, **changes) -> dict[str, str]:
    """What the preview's form would post as it stands, with `changes` (None unticks)."""
    form = response.context["form"]
    data = {}
    for field in form:
        value = field.value()
        if value is True:
            data[field.html_name] = "on"
        elif value not in (None, False, ""):
            data[field.html_name] = str(value)
    for name, value in changes.items():
        if value is None:
            data.pop(name, None)
        else:
            data[name] = value
    return data


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def codes() -> set[str]:
    return set(Area.objects.values_list("code", flat=True))


# --- The lookup: preview, then confirm ---------------------------------------------------------


def test_the_areas_list_links_to_the_screen_which_credits_ons(officer_client):
    changelist = officer_client.get(reverse("admin:indicators_area_changelist"))
    html = changelist.content.decode()
    assert f'href="{UPLOAD_URL}"' in html
    assert ">Import areas</a>" in html
    assert ">Import</a>" in html  # django-import-export's own import is still there

    page = officer_client.get(UPLOAD_URL)

    assert page.status_code == 200
    html = page.content.decode()
    assert 'type="file"' in html and 'name="use_ons_names"' in html
    assert ATTRIBUTION in html
    assert "open-government-licence" in html


def test_the_preview_of_an_ons_lookup_says_what_it_would_add_and_changes_nothing(
    officer_client, officer, upload_root
):
    before = codes()

    preview = upload(officer_client, LOOKUP.read_bytes())

    assert preview.status_code == 200
    assert [t.name for t in preview.templates][0] == (
        "admin/indicators/area/import_areas_preview.html"
    )
    html = preview.content.decode()
    assert "lookup.csv (CSV (UTF-8)): ONS lookup, 15 rows." in html
    assert "Nothing has been saved yet" in html
    assert "Would add 15 areas: 8 districts, 3 unitary authorities, 3 statistical groupings" in html
    counts = {count.label: count.number for count in preview.context["type_counts"]}
    assert counts == {
        "Region": 1,
        "Unitary authorities": 3,
        "Districts": 8,
        "Statistical groupings": 3,
    }
    added = next(s for s in preview.context["sections"] if s.key == "added")
    rows = {row[0]: row for row in added.rows}
    assert rows[MANCHESTER] == (
        MANCHESTER,
        "Manchester",
        "Unitary authority",
        f"North West ({NORTH_WEST})",
    )
    assert rows[GREATER_MANCHESTER][2:] == ("Statistical grouping", "—")
    assert rows["E07000119"][3] == f"{LANCASHIRE_NAME} ({LANCASHIRE})"  # as the site calls it
    assert '<th scope="row">E07000119</th><td>Fylde</td>' in html
    # Lancashire's name was an officer's: it is kept, and the preview says so and offers ONS's.
    kept = next(s for s in preview.context["sections"] if s.key == "kept")
    assert kept.rows == [(LANCASHIRE, LANCASHIRE_NAME, "Lancashire")]
    assert 'name="use_ons_names"' in html
    memberships = next(s for s in preview.context["sections"] if s.key == "memberships")
    assert ("Greater Manchester (E11000001)", "Manchester (E08000003)") in memberships.rows
    assert 'value="Apply these changes"' in html
    assert ATTRIBUTION in html
    assert codes() == before
    assert not AuditEvent.objects.filter(action="geography").exists()
    (kept_file,) = (upload_root / str(officer.pk)).iterdir()
    assert kept_file.name == f"{preview.context['upload'].sha256}.csv"


def test_confirm_applies_the_lookup_as_previewed(officer_client, officer, upload_root):
    preview = upload(officer_client, LOOKUP.read_bytes())

    response = officer_client.post(CONFIRM_URL, posted(preview))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Added 15 areas: 8 districts, 3 unitary authorities" in html
    assert "Would add" not in html
    assert 'value="Apply these changes"' not in html
    (message,) = messages_of(response)
    assert message.startswith("Imported “lookup.csv”. Added 15 areas")
    manchester = Area.objects.get(code=MANCHESTER)
    assert (manchester.name, manchester.area_type) == ("Manchester", "unitary")
    assert manchester.parent.code == NORTH_WEST
    assert list(manchester.groupings.values_list("code", flat=True)) == [GREATER_MANCHESTER]
    greater_manchester = Area.objects.get(code=GREATER_MANCHESTER)
    assert greater_manchester.parent is None
    assert not greater_manchester.children.exists()  # a grouping is never a parent
    assert Area.objects.get(code="E07000119").parent.code == LANCASHIRE
    assert Area.objects.get(code="E09000007").parent.code == "E12000007"
    assert Area.objects.get(code=LANCASHIRE).name == LANCASHIRE_NAME  # the officer's name kept
    event = AuditEvent.objects.get(action="geography")
    assert (event.actor, event.target) == (officer, "lookup.csv")
    assert not list((upload_root / str(officer.pk)).iterdir())  # deleted once applied

    again = officer_client.post(CONFIRM_URL, posted(preview))

    assert again.status_code == 302 and again["Location"] == UPLOAD_URL
    assert "no longer here" in messages_of(again)[0]


@pytest.mark.django_db(transaction=True)
def test_confirm_reads_the_file_before_it_takes_the_write_lock(
    officer_client, monkeypatch, upload_root
):
    """The file is read with no transaction open (on SQLite a write transaction holds the
    write lock from its start); only planning against the site and applying are inside."""
    from django.db import connection

    from indicators.admin import geography as screens

    preview = upload(officer_client, LOOKUP.read_bytes())
    inside = []
    real_read = screens.read_file

    def read_file(*args, **kwargs):
        inside.append(connection.in_atomic_block)
        return real_read(*args, **kwargs)

    monkeypatch.setattr(screens, "read_file", read_file)

    response = officer_client.post(CONFIRM_URL, posted(preview))

    assert "Added 15 areas" in response.content.decode()
    assert inside == [False]


def test_a_file_already_loaded_would_change_nothing_and_offers_no_button(
    officer_client, officer, upload_root
):
    officer_client.post(CONFIRM_URL, posted(upload(officer_client, LOOKUP.read_bytes())))

    preview = upload(officer_client, LOOKUP.read_bytes())

    html = preview.content.decode()
    assert "Nothing would change: the site already holds everything the file says." in html
    assert "21 areas already as the file says: unchanged." in html
    assert 'value="Apply these changes"' not in html
    # Lancashire's name is still the officer's, so ONS's can still be asked for.
    assert 'value="Check again"' in html
    checked = officer_client.post(CHECK_URL, posted(preview, use_ons_names="on"))
    assert 'value="Apply these changes"' in checked.content.decode()
    officer_client.post(CONFIRM_URL, posted(checked))
    assert Area.objects.get(code=LANCASHIRE).name == "Lancashire"

    preview = upload(officer_client, LOOKUP.read_bytes())

    html = preview.content.decode()
    assert "Nothing would change" in html
    assert CONFIRM_URL not in html and CHECK_URL not in html
    assert not list((upload_root / str(officer.pk)).iterdir())  # nothing to do with it: gone


def test_ons_names_are_taken_only_when_asked(officer_client):
    preview = upload(officer_client, LOOKUP.read_bytes())

    checked = officer_client.post(CHECK_URL, posted(preview, use_ons_names="on"))

    assert checked.status_code == 200
    assert not any(s.key == "kept" for s in checked.context["sections"])
    renamed = next(s for s in checked.context["sections"] if s.key == "renamed")
    assert renamed.rows == [(LANCASHIRE, LANCASHIRE_NAME, "Lancashire")]
    added = next(s for s in checked.context["sections"] if s.key == "added")
    assert ("E07000119", "Fylde", "District", f"Lancashire ({LANCASHIRE})") in added.rows
    assert Area.objects.get(code=LANCASHIRE).name == LANCASHIRE_NAME

    officer_client.post(CONFIRM_URL, posted(checked))

    assert Area.objects.get(code=LANCASHIRE).name == "Lancashire"


def test_a_choice_changed_on_the_preview_is_shown_before_it_is_applied(officer_client):
    preview = upload(officer_client, LOOKUP.read_bytes())

    response = officer_client.post(CONFIRM_URL, posted(preview, use_ons_names="on"))

    assert response.status_code == 200
    assert "no longer what the preview showed" in response.content.decode()
    assert Area.objects.get(code=LANCASHIRE).name == LANCASHIRE_NAME
    assert not Area.objects.filter(code=MANCHESTER).exists()


def test_if_the_site_changed_since_the_preview_the_new_plan_is_shown_not_applied(
    officer_client, areas
):
    preview = upload(officer_client, LOOKUP.read_bytes())
    # Meanwhile someone else adds Manchester, under the wrong parent.
    AreaFactory(code=MANCHESTER, name="Manchester", area_type="unitary", parent=areas[NORTH_WEST])
    Area.objects.filter(code=MANCHESTER).update(ons_name="Manchester")

    response = officer_client.post(CONFIRM_URL, posted(preview))

    assert response.status_code == 200
    html = response.content.decode()
    assert (
        "Nothing was changed: what the file would do is no longer what the preview showed" in html
    )
    assert "Would add 14 areas" in html
    assert not Area.objects.filter(code="E07000119").exists()
    assert not AuditEvent.objects.filter(action="geography").exists()

    applied = officer_client.post(CONFIRM_URL, posted(response))

    assert "Added 14 areas" in applied.content.decode()
    assert Area.objects.filter(code="E07000119").exists()


# --- A bad file ---------------------------------------------------------------------------------


def test_a_bad_file_shows_its_row_problems_and_changes_nothing(
    officer_client, officer, upload_root
):
    before = codes()
    content = "\n".join(
        [
            HEADER,
            f"{BURNLEY},Burnley,{LANCASHIRE},Lancashire,{NORTH_WEST},North West",
            f"{LANCASHIRE},Lancashire,{LANCASHIRE},Lancashire,{NORTH_WEST},North West",
            "E07000119,Fylde,E10000017,Lancashire,E12000002,North West",
            "E07000119,Fylde Borough,E10000017,Lancashire,E12000002,North West",
        ]
    ).encode()

    preview = upload(officer_client, content, "bad.csv")

    assert preview.status_code == 200
    html = preview.content.decode()
    problems = [(p.row, p.column) for p in preview.context["problems"]]
    assert problems == [(3, "LAD23CD"), (5, "LAD23NM")]
    assert "E10000017 is a county&#x27;s code, but a LAD23CD column holds" in html
    assert "E07000119 is called “Fylde Borough” here and “Fylde” on row 4" in html
    assert '<td class="number">3</td><td><code>LAD23CD</code></td>' in html
    assert "2 problems found, listed below. Nothing was changed." in html
    assert CONFIRM_URL not in html and 'value="Apply these changes"' not in html
    assert codes() == before
    assert not list((upload_root / str(officer.pk)).iterdir())  # nothing to confirm: not kept

    # The preview's hash, posted anyway, finds no file: nothing is applied.
    response = officer_client.post(CONFIRM_URL, posted(preview))

    assert response.status_code == 302
    assert codes() == before


def test_a_file_of_another_kind_is_refused_in_words(officer_client):
    preview = upload(officer_client, b"indicator,area_code,period,value\nx,E07000123,2013,1\n")

    html = preview.content.decode()
    assert "This is not a geography file this site reads." in html
    assert "Nothing was changed" in html and CONFIRM_URL not in html


# --- Who may use it -----------------------------------------------------------------------------


def test_staff_without_the_area_permissions_get_403(client, areas):
    viewer = UserFactory(is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_area"))
    client.force_login(viewer)

    changelist = client.get(reverse("admin:indicators_area_changelist"))
    assert changelist.status_code == 200
    assert UPLOAD_URL not in changelist.content.decode()
    assert client.get(UPLOAD_URL).status_code == 403
    file = SimpleUploadedFile("lookup.csv", LOOKUP.read_bytes())
    assert client.post(UPLOAD_URL, {"file": file}).status_code == 403
    assert client.post(CONFIRM_URL, {"upload": "0" * 64}).status_code == 403
    assert client.post(CHECK_URL, {"upload": "0" * 64}).status_code == 403
    assert not Area.objects.filter(code=MANCHESTER).exists()

    viewer.user_permissions.add(Permission.objects.get(codename="add_area"))
    viewer = type(viewer).objects.get(pk=viewer.pk)  # permissions are cached on the user
    client.force_login(viewer)
    assert client.get(UPLOAD_URL).status_code == 403  # adding without changing is not enough


def test_a_superuser_may_use_it_and_a_visitor_is_sent_to_log_in(client, areas):
    assert client.get(UPLOAD_URL).status_code == 302
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    assert client.get(UPLOAD_URL).status_code == 200


# --- Comparator groups --------------------------------------------------------------------------


def test_a_comparator_group_file_is_previewed_then_creates_the_group(officer_client):
    content = (
        "group,member_code,area_code,members_called\n"
        f"Lancashire neighbours,{BURNLEY},{PRESTON},statistical neighbours\n"
        f"Lancashire neighbours,E07000118,{PRESTON},statistical neighbours\n"
    ).encode()

    preview = upload(officer_client, content, "neighbours.csv")

    html = preview.content.decode()
    assert "neighbours.csv (CSV (UTF-8)): comparator groups, 2 rows." in html
    assert (
        "Would add the comparator group “Lancashire neighbours” with 2 members: Burnley, Chorley."
        in html
    )
    assert not ComparatorGroup.objects.exists()

    response = officer_client.post(CONFIRM_URL, posted(preview))

    assert "Added the comparator group “Lancashire neighbours”" in response.content.decode()
    group = ComparatorGroup.objects.get()
    assert (group.name, group.members_called) == ("Lancashire neighbours", "statistical neighbours")
    assert set(group.members.values_list("code", flat=True)) == {BURNLEY, "E07000118"}
    assert list(group.areas.values_list("code", flat=True)) == [PRESTON]


def test_a_comparator_group_of_an_unknown_area_is_refused(officer_client):
    content = f"group,member_code\nNeighbours,{BURNLEY}\nNeighbours,E07000999\n".encode()

    preview = upload(officer_client, content, "neighbours.csv")

    assert "E07000999, in the group “Neighbours”, is not an area on this site." in (
        preview.content.decode()
    )
    assert CONFIRM_URL not in preview.content.decode()
    assert not ComparatorGroup.objects.exists()


# --- The admin of the geography's fields --------------------------------------------------------


@pytest.fixture
def merged(areas) -> AreaChange:
    """Preston and Burnley merged into a new unitary authority (an invented change)."""
    new = AreaFactory(code="E06000099", name="Mid Lancashire", area_type="unitary")
    Area.objects.filter(code__in=[PRESTON, BURNLEY]).update(is_current=False)
    for code in (PRESTON, BURNLEY):
        change = AreaChange.objects.create(
            old_area=areas[code],
            new_area=new,
            old_name=areas[code].name,
            new_name=new.name,
            kind="merged",
            year=2028,
        )
    return change


def test_the_area_form_shows_the_ons_name_groupings_and_changes(officer_client, areas, merged):
    AreaFactory(code=GREATER_MANCHESTER, name="Greater Manchester", area_type="grouping")
    preston = Area.objects.get(code=PRESTON)

    page = officer_client.get(reverse("admin:indicators_area_change", args=[preston.pk]))

    html = page.content.decode()
    form = page.context["adminform"].form
    assert "ons_name" not in form.fields  # shown, not edited
    assert "ONS name" in html
    assert list(form.fields["groupings"].queryset.values_list("code", flat=True)) == [
        GREATER_MANCHESTER
    ]
    found = officer_client.get(
        reverse("admin:autocomplete"),
        {"app_label": "indicators", "model_name": "area", "field_name": "groupings", "term": ""},
    ).json()
    assert [result["text"] for result in found["results"]] == [
        f"Greater Manchester ({GREATER_MANCHESTER})"
    ]
    assert "Merged into <a href=" and "Mid Lancashire (E06000099)</a>, 2028" in html
    new = Area.objects.get(code="E06000099")
    page = officer_client.get(reverse("admin:indicators_area_change", args=[new.pk]))
    assert page.content.decode().count("Merged from <a href=") == 2


def test_the_areas_list_filters_current_and_former(officer_client, merged):
    url = reverse("admin:indicators_area_changelist")

    former = officer_client.get(url, {"current": "no"})
    current = officer_client.get(url, {"current": "yes"})

    assert {a.code for a in former.context["cl"].result_list} == {PRESTON, BURNLEY}
    assert PRESTON not in {a.code for a in current.context["cl"].result_list}
    assert "current or former" in former.content.decode()


def test_the_successor_table_has_an_admin_list_officers_may_correct(officer_client, merged):
    """“Import areas” writes the table for whoever may add and change areas: they may see and
    correct it in the admin too."""
    client = officer_client
    url = reverse("admin:indicators_areachange_changelist")

    page = client.get(url, {"q": PRESTON})

    assert page.status_code == 200
    (row,) = page.context["cl"].result_list
    assert row.old_area.code == PRESTON
    html = page.content.decode()
    assert f"Preston ({PRESTON})" in html and "Mid Lancashire (E06000099)" in html
    assert client.get(url, {"kind__exact": "split"}).context["cl"].result_count == 0
    assert client.get(url, {"confirmed__exact": "1"}).context["cl"].result_count == 2
    change = reverse("admin:indicators_areachange_change", args=[merged.pk])
    assert 'name="note"' in client.get(change).content.decode()  # editable, not read-only


def test_the_comparator_group_form_explains_importing_a_group(officer_client):
    page = officer_client.get(reverse("admin:indicators_comparatorgroup_add"))

    html = page.content.decode()
    assert 'name="members_called"' in html
    assert f'<a href="{UPLOAD_URL}">Import areas</a>' in html
    assert "<code>group</code> and <code>member_code</code>" in html


def test_an_officer_may_not_import_areas(areas, client):
    user, _ = create_officer(username="officer", password="a-long-test-password")
    client.force_login(user)

    assert client.get(reverse("admin:indicators_area_import_areas")).status_code == 403
