"""Finding 4 of the hardening issue: an officer of one team could change, live, another
team's indicator definitions, a shared page author and an area's name (the Officer group had
add and change on every indicator, area and page author). The matrix below is what each role
may do with every model admin (v view, a add, c change, d delete); an officer changes only
the indicators on the pages they look after, and through review (see
tests/indicators/test_definition_review.py).

Comparator groups, periods and breakdowns are shared by every team too: officers view them;
an officer's import of figures still adds the periods and breakdowns it needs (in code, not
through these permissions). Importing through django-import-export (the Areas and Indicators
admins' Import buttons) writes every column of every row at once, so it is for publishers and
administrators only: `IMPORTS` is who may, for every admin that has an Import screen."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.sql import emit_post_migrate_signal
from django.test import Client, RequestFactory
from django.urls import reverse
from import_export.admin import ImportMixin

from indicators.models import Area, Breakdown, DefinitionChange, Indicator, Period, Value
from indicators.resources import IndicatorResource
from pages.services import create_officer
from tests.factories import TEAM, IndicatorFactory, build_child_protection
from tests.indicators.runs import through_run

pytestmark = pytest.mark.django_db

ROLES = ("Officer", "Publisher", "Administrator")
MATRIX = {
    "audit.auditevent": ("----", "----", "v---"),
    "auth.group": ("----", "----", "vacd"),
    "auth.user": ("----", "----", "vacd"),
    "axes.accessattempt": ("----", "----", "v-cd"),
    "axes.accessfailurelog": ("----", "----", "v-cd"),
    "axes.accesslog": ("----", "----", "v-cd"),
    "django_tasks_database.dbtaskresult": ("----", "----", "v---"),
    "indicators.area": ("v---", "vac-", "vacd"),
    "indicators.areachange": ("v---", "vac-", "vacd"),
    "indicators.breakdown": ("v---", "vac-", "vacd"),
    "indicators.comparatorgroup": ("v---", "vacd", "vacd"),
    "indicators.definitionchange": ("v---", "v-c-", "v-c-"),
    "indicators.importbatch": ("v---", "v---", "v---"),
    "indicators.importchange": ("v---", "v---", "v---"),
    "indicators.indicator": ("vac-", "vac-", "vacd"),
    "indicators.period": ("v---", "vac-", "vacd"),
    "indicators.sourcemapping": ("vacd", "vacd", "vacd"),
    "indicators.value": ("vacd", "vacd", "vacd"),
    "pages.pageauthor": ("v---", "vac-", "vacd"),
    "pages.team": ("v---", "v---", "vacd"),
    "pages.topic": ("vac-", "vac-", "vacd"),
}
#: Who may import through each admin's django-import-export Import screen (i: may).
IMPORTS = {
    "indicators.area": ("-", "i", "i"),
    "indicators.indicator": ("-", "i", "i"),
}


def allowed(model_admin, request) -> str:
    actions = zip("vacd", ("view", "add", "change", "delete"), strict=True)
    return "".join(
        letter if getattr(model_admin, f"has_{name}_permission")(request) else "-"
        for letter, name in actions
    )


def test_every_model_admin_follows_the_matrix():
    found: dict[str, list[str]] = {}
    for role in ROLES:
        user, _ = create_officer(username=role.lower(), password="a-long-test-password", role=role)
        request = RequestFactory().get("/admin/")
        request.user = user
        for model, model_admin in admin.site._registry.items():
            key = f"{model._meta.app_label}.{model._meta.model_name}"
            found.setdefault(key, []).append(allowed(model_admin, request))
    assert {key: tuple(row) for key, row in found.items()} == MATRIX


def test_every_import_screen_follows_the_matrix():
    found: dict[str, list[str]] = {}
    for role in ROLES:
        user, _ = create_officer(username=role.lower(), password="a-long-test-password", role=role)
        request = RequestFactory().get("/admin/")
        request.user = user
        for model, model_admin in admin.site._registry.items():
            if isinstance(model_admin, ImportMixin):
                key = f"{model._meta.app_label}.{model._meta.model_name}"
                may = model_admin.has_import_permission(request)
                found.setdefault(key, []).append("i" if may else "-")
    assert {key: tuple(row) for key, row in found.items()} == IMPORTS


def test_a_database_made_before_has_its_officers_rights_taken_back_on_migrate():
    """The roles are brought back to `pages.services`' lists after every ``migrate`` (its
    post_migrate handler), so an Officer group made when officers changed comparator groups,
    periods and breakdowns loses those rights at the next release, with no data migration."""
    create_officer(username="officer", password="a-long-test-password")
    officers = Group.objects.get(name="Officer")
    old = [
        *("add_comparatorgroup", "change_comparatorgroup", "delete_comparatorgroup"),
        *("add_period", "change_period", "add_breakdown", "change_breakdown"),
    ]
    officers.permissions.add(*Permission.objects.filter(codename__in=old))

    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")

    held = set(officers.permissions.values_list("codename", flat=True))
    assert held & set(old) == set()
    assert {"view_comparatorgroup", "view_period", "view_breakdown"} <= held


def indicators_csv(indicator: Indicator, **changes: str) -> SimpleUploadedFile:
    """The indicator as the Indicators admin exports it, with `changes` made."""
    dataset = IndicatorResource().export(queryset=Indicator.objects.filter(pk=indicator.pk))
    row = dict(zip(dataset.headers, dataset[0], strict=True)) | changes
    dataset.wipe()
    dataset.headers = list(row)
    dataset.append(list(row.values()))
    return SimpleUploadedFile("indicators.csv", dataset.csv.encode(), content_type="text/csv")


IMPORT_URL = reverse("admin:indicators_indicator_import")
PROCESS_URL = reverse("admin:indicators_indicator_process_import")
CHANGED = {"definition": "Rewritten by another team.", "source_url": "https://example.com/x"}


def test_an_officer_cannot_import_indicators_and_changes_nothing():
    """The Import screen was open to officers (it needed only ``add_indicator``): a CSV could
    change another team's definition and source live, past review and past the rule that an
    officer changes only the indicators on their own pages."""
    build_child_protection(["referrals"])
    others = IndicatorFactory(slug="someone-elses", name="Someone else's measure")
    before = Indicator.objects.values().get(pk=others.pk)
    officer = create_officer(username="officer", password="a-long-test-password", team=TEAM)[0]
    client = Client()
    client.force_login(officer)

    changelist = client.get(reverse("admin:indicators_indicator_changelist"))
    assert changelist.status_code == 200
    assert IMPORT_URL not in changelist.content.decode()  # no Import button
    assert client.get(IMPORT_URL).status_code == 403
    response = client.post(
        IMPORT_URL, {"format": "0", "import_file": indicators_csv(others, **CHANGED)}
    )
    assert response.status_code == 403
    confirm = {
        "format": "0",
        "import_file_name": "x.csv",
        "original_file_name": "indicators.csv",
        "resource": "0",
    }
    assert client.post(PROCESS_URL, confirm).status_code == 403

    assert Indicator.objects.values().get(pk=others.pk) == before
    assert not DefinitionChange.objects.exists()


def test_a_publisher_imports_indicators():
    others = IndicatorFactory(slug="someone-elses", name="Someone else's measure")
    publisher = create_officer(
        username="publisher", password="a-long-test-password", role="Publisher"
    )[0]
    client = Client()
    client.force_login(publisher)

    changelist = client.get(reverse("admin:indicators_indicator_changelist"))
    assert IMPORT_URL in changelist.content.decode()
    preview = client.post(
        IMPORT_URL, {"format": "0", "import_file": indicators_csv(others, **CHANGED)}
    )
    assert preview.status_code == 200
    assert "confirm_form" in preview.context, preview.content.decode()[:3000]
    confirm = preview.context["confirm_form"]
    done = client.post(PROCESS_URL, {field.name: field.value() for field in confirm})

    assert done.status_code == 302
    others.refresh_from_db()
    assert (others.definition, others.source_url) == (CHANGED["definition"], CHANGED["source_url"])


def test_an_officers_import_of_figures_adds_periods_and_breakdowns_without_admin_rights():
    """Officers no longer add or change periods and breakdowns in the admin; the figures
    they import still bring the new ones they need."""
    built = build_child_protection(["referrals"])
    theirs = built.indicators["referrals-rate"]
    officer = create_officer(username="officer", password="a-long-test-password", team=TEAM)[0]
    assert not officer.has_perm("indicators.add_period")
    assert not officer.has_perm("indicators.add_breakdown")
    assert not Period.objects.filter(code="2009/10").exists()
    assert not Breakdown.objects.filter(dimension="age", label="1-4").exists()
    client = Client()
    client.force_login(officer)
    content = (
        "indicator,area_code,period,breakdown,value\n"
        f"{theirs.slug},E07000123,2009/10,age: 1-4,12.5\n"
    ).encode()
    upload = SimpleUploadedFile("figures.csv", content, content_type="text/csv")

    preview = through_run(
        client,
        client.post(
            reverse("admin:indicators_value_import"), {"file": upload, "file_format": "auto"}
        ),
    )
    assert preview.status_code == 200
    assert preview.context["report"].rows_rejected == 0, preview.context["report"].errors
    data = {
        field.html_name: "on" if field.value() is True else str(field.value())
        for field in preview.context["form"]
        if field.value() not in (None, False, "")
    }
    response = through_run(
        client, client.post(reverse("admin:indicators_value_import_confirm"), data)
    )

    assert response.status_code == 302, response.content.decode()[:3000]
    value = Value.objects.get(indicator=theirs, period__code="2009/10")
    assert value.breakdown == Breakdown.objects.get(dimension="age", label="1-4")


def test_an_officer_changes_only_the_indicators_on_their_own_pages():
    built = build_child_protection(["referrals"])
    theirs = built.indicators["referrals-rate"]
    others = IndicatorFactory(slug="someone-elses", name="Someone else's measure")
    officer = create_officer(username="officer", password="a-long-test-password", team=TEAM)[0]
    client = Client()
    client.force_login(officer)
    model_admin = admin.site._registry[type(theirs)]
    request = RequestFactory().get("/admin/")
    request.user = officer

    assert model_admin.has_change_permission(request, theirs)
    assert not model_admin.has_change_permission(request, others)
    page = client.get(reverse("admin:indicators_indicator_change", args=[others.pk]))
    assert page.status_code == 200 and 'name="name"' not in page.content.decode()  # read only


def test_an_officer_cannot_rename_an_area():
    built = build_child_protection(["referrals"])
    preston = built.areas["E07000123"]
    officer = create_officer(username="officer", password="a-long-test-password", team=TEAM)[0]
    client = Client()
    client.force_login(officer)

    response = client.post(
        reverse("admin:indicators_area_change", args=[preston.pk]),
        {"code": preston.code, "name": "Renamed", "area_type": preston.area_type},
    )

    assert response.status_code == 403
    assert Area.objects.get(pk=preston.pk).name == "Preston"
