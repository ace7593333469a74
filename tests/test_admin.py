import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils.html import escape

from pages.models import Section, Topic
from pages.services import OFFICERS_GROUP, create_officer, officer_permission_codenames
from tests.factories import LANCASHIRE, TEAM, AreaFactory, build_child_protection

pytestmark = pytest.mark.django_db


@pytest.fixture
def child_protection(db):
    return build_child_protection()


@pytest.fixture
def officer_client(client, child_protection):
    """An officer of the team that looks after the Child protection page."""
    user, _ = create_officer(username="analyst", password="a-long-test-password", team=TEAM)
    client.force_login(user)
    return client


def test_migrate_creates_the_officers_group_with_analyst_permissions():
    group = Group.objects.get(name=OFFICERS_GROUP)
    held = set(group.permissions.values_list("content_type__app_label", "codename"))
    assert held == set(officer_permission_codenames())
    assert ("pages", "change_section") in held
    assert ("indicators", "add_value") in held
    assert not any(app == "auth" for app, _ in held)


def test_officer_can_use_every_data_and_page_admin_but_not_users(officer_client):
    for model in admin.site._registry:
        if model._meta.app_label not in {"indicators", "pages"}:
            continue
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        response = officer_client.get(url)
        assert response.status_code == 200, url
    assert officer_client.get(reverse("admin:auth_user_changelist")).status_code == 403


def test_admin_lists_read_well(officer_client):
    response = officer_client.get(reverse("admin:indicators_value_changelist"))
    assert b"Lancashire-12" in response.content
    response = officer_client.get(reverse("admin:indicators_area_changelist"), {"q": "Preston"})
    assert b"E07000123" in response.content


def test_value_form_explains_a_bad_confidence_limit(officer_client):
    from indicators.models import Value

    value = Value.objects.get(
        area__code="E07000123", indicator__slug="cpp-rate", period__code="2013-03-31"
    )
    url = reverse("admin:indicators_value_change", args=[value.pk])
    response = officer_client.post(
        url,
        {
            "indicator": value.indicator_id,
            "area": value.area_id,
            "period": value.period_id,
            "breakdown": "",
            "value": "73.3",
            "status": "available",
            "note": "",
            "count": "",
            "denominator": "",
            "lower_ci": "80",
            "upper_ci": "",
            "is_illustrative": "",
        },
    )
    assert response.status_code == 200
    assert "cannot be above the value" in response.content.decode()
    value.refresh_from_db()
    assert value.lower_ci is None


def test_topic_admin_edits_sections_inline(officer_client):
    page = Topic.objects.get(slug="child-protection")
    response = officer_client.get(reverse("admin:pages_topic_change", args=[page.pk]))
    content = response.content.decode()
    assert response.status_code == 200
    assert content.count('name="sections-') > 0
    assert escape(Section.objects.get(topic=page, anchor="referrals").heading) in content


def test_autocomplete_finds_areas_for_officers(officer_client, child_protection):
    AreaFactory(code="E07000126", name="South Ribble", parent=child_protection.areas[LANCASHIRE])
    response = officer_client.get(
        reverse("admin:autocomplete"),
        {
            "app_label": "indicators",
            "model_name": "value",
            "field_name": "area",
            "term": "Ribble",
        },
    )
    assert response.status_code == 200
    assert [r["text"] for r in response.json()["results"]] == [
        "Ribble Valley (E07000124)",
        "South Ribble (E07000126)",
    ]


def test_topic_form_lists_references_and_previews_them(officer_client):
    page = Topic.objects.get(slug="child-protection")
    html = officer_client.get(reverse("admin:pages_topic_change", args=[page.pk])).content.decode()
    assert "{{compare referrals-rate | with=England}}" in html
    assert "pages/admin-preview.js" in html
    url = reverse("admin:pages_topic_preview", args=[page.pk])
    result = officer_client.post(url, {"body": "Rate: {{referrals-rate | period=2012/13}}"}).json()
    assert result["problems"] == []
    assert '<span class="figure">638.6 per 10,000</span>' in result["html"]
    result = officer_client.post(url, {"body": "{{no-such-thing}} <script>x</script>"}).json()
    assert "no-such-thing" in result["problems"][0]
    assert "<script>" not in result["html"]


def test_preview_needs_a_logged_in_officer(client, child_protection):
    page = Topic.objects.get(slug="child-protection")
    response = client.post(reverse("admin:pages_topic_preview", args=[page.pk]), {"body": "x"})
    assert response.status_code == 302  # to the login page


def test_typed_number_report_converts_with_one_click(officer_client):
    page = Topic.objects.get(slug="child-protection")
    section = page.sections.get(anchor="referrals")
    section.body = "The rate rose to 638.6 per 10,000 children; an old note says 612.4."
    section.save()
    url = reverse("admin:pages_topic_numbers", args=[page.pk])
    html = officer_client.get(url).content.decode()
    assert "matches current data" in html and "does not match current data" in html
    assert "{{referrals-rate | period=2012/13}}" in html
    response = officer_client.post(
        url,
        {
            "section": section.pk,
            "text": "638.6",
            "reference": "{{referrals-rate | period=2012/13}}",
        },
        follow=True,
    )
    assert "is now {{referrals-rate | period=2012/13}}" in response.content.decode()
    # The page is published: the change goes into a draft, and the public page keeps its text.
    draft = Topic.objects.get(draft_of=page)
    converted = draft.sections.get(anchor="referrals").body
    assert converted.startswith("The rate rose to {{referrals-rate | period=2012/13}} children")
    section.refresh_from_db()
    assert section.body.startswith("The rate rose to 638.6 per 10,000")
    change = officer_client.get(reverse("admin:pages_topic_change", args=[draft.pk]))
    assert "Check typed numbers" in change.content.decode()


def test_review_dashboard_lists_each_kind_of_problem(officer_client):
    from decimal import Decimal

    from indicators.models import Value

    page = Topic.objects.get(slug="child-protection")
    section = page.sections.get(anchor="referrals")
    section.body = "Old figure 612.4. {{referrals-rate | area=Preston}}"
    section.save()
    # New data after the narrative was edited.
    value = Value.objects.get(
        area__code="E10000017", indicator__slug="referrals-rate", period__code="2012/13"
    )
    value.value = Decimal("640.0")
    value.save()
    url = reverse("admin:pages_topic_review")
    html = officer_client.get(url).content.decode()
    assert "review was due on 19 March 2015" in html  # the page's review date has passed
    assert "New data since the narrative was last edited (1)" in html
    assert "{{referrals-rate | area=Preston}}" in html  # Preston has no referral figures
    assert "<code>612.4</code>" in html
    changelist = officer_client.get(reverse("admin:pages_topic_changelist")).content.decode()
    assert "Pages needing attention" in changelist
    # Drafts sent for review are a list of their own, not this page's findings.
    assert 'href="/admin/pages/topic/?status__exact=review">Drafts in review' in changelist


def test_review_dashboard_per_officer(client, child_protection):
    user, _ = create_officer(username="afzal", password="a-long-test-password", team=TEAM)
    other, _ = create_officer(
        username="other", email="other@example.org", password="a-long-test-password"
    )
    url = reverse("admin:pages_topic_review") + "?mine=1"
    client.force_login(user)
    assert "Child protection" in client.get(url).content.decode()
    client.force_login(other)
    assert "Child protection" not in client.get(url).content.decode()


def test_repeated_failed_logins_lock_the_account_out(client):
    create_officer(username="analyst", password="the-right-long-password")
    url = reverse("admin:login")
    for _ in range(4):
        response = client.post(url, {"username": "analyst", "password": "wrong-password"})
        assert response.status_code == 200  # the form again, with its error
    response = client.post(url, {"username": "analyst", "password": "wrong-password"})
    assert response.status_code == 429  # the fifth failure locks the account out
    response = client.post(url, {"username": "analyst", "password": "the-right-long-password"})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    # Another officer is not affected.
    create_officer(username="colleague", password="another-long-password")
    response = client.post(url, {"username": "colleague", "password": "another-long-password"})
    assert response.status_code == 302


@pytest.mark.django_db
def test_every_admin_page_has_the_sites_icon(client):
    """The admin's pages name the icon the public pages use, and /favicon.ico (which browsers
    ask for regardless) leads to it rather than to a 404."""
    assert 'rel="icon" href="/static/favicon.svg"' in client.get("/admin/login/").content.decode()
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"] == "/static/favicon.svg"
