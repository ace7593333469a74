"""Finding 4 of the hardening issue: an officer of one team could change, live, another
team's indicator definitions, a shared page author and an area's name (the Officer group had
add and change on every indicator, area and page author). The matrix below is what each role
may do with every model admin (v view, a add, c change, d delete); an officer changes only
the indicators on the pages they look after, and through review (see
tests/indicators/test_definition_review.py)."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.test import Client, RequestFactory
from django.urls import reverse

from indicators.models import Area
from pages.services import create_officer
from tests.factories import TEAM, IndicatorFactory, build_child_protection

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
    "indicators.breakdown": ("vac-", "vac-", "vacd"),
    "indicators.comparatorgroup": ("vacd", "vacd", "vacd"),
    "indicators.definitionchange": ("v---", "v-c-", "v-c-"),
    "indicators.importbatch": ("v---", "v---", "v---"),
    "indicators.importchange": ("v---", "v---", "v---"),
    "indicators.indicator": ("vac-", "vac-", "vacd"),
    "indicators.period": ("vac-", "vac-", "vacd"),
    "indicators.sourcemapping": ("vacd", "vacd", "vacd"),
    "indicators.value": ("vacd", "vacd", "vacd"),
    "pages.pageauthor": ("v---", "vac-", "vacd"),
    "pages.team": ("v---", "v---", "vacd"),
    "pages.topic": ("vac-", "vac-", "vacd"),
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
