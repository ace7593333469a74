"""The API is the website's data exactly: no withheld figure (not its value, count, limits or
what it was), no draft topic, no indicator the public cannot see, no staged import's figure or
period is reachable through any endpoint or parameter, as JSON or as CSV."""

from __future__ import annotations

import itertools

import pytest
from django.urls import reverse

from indicators.models import Value
from tests.api.conftest import BURNLEY, CHORLEY, SECRETS
from tests.api.helpers import body, csv_rows, every_item
from tests.factories import LANCASHIRE, PRESTON

pytestmark = pytest.mark.django_db

HIDDEN = ("hidden-indicator", "draft-only-indicator")


def addresses(site) -> list[str]:
    """Every endpoint, with every filter given each thing the public must not see."""
    lists = ["indicators", "areas", "periods", "breakdowns", "topics", "values", "changes"]
    found = [f"/api/v1/{name}" for name in lists] + [f"/api/v1/{n}?format=csv" for n in lists]
    found += [f"/api/v1/indicators/{slug}" for slug in HIDDEN]
    found += [f"/api/v1/topics/{site.draft.pk}", "/api/v1/topics?path=draft-page"]
    value_filters = [
        *(f"indicator={slug}" for slug in HIDDEN),
        f"area={LANCASHIRE}",
        f"children_of={LANCASHIRE}",
        f"comparators_of={PRESTON}",
        "period=2014/15",
        "from=2014/15",
        "from=2014-01-01",
        "to=2099-12-31",
        "breakdown=none",
        "breakdown=age",
        "indicator=cpp-count",
        "indicator=referrals-rate",
    ]
    for one, two in itertools.combinations(["", *value_filters], 2):
        query = "&".join(q for q in (one, two) if q)
        found += [f"/api/v1/values?{query}", f"/api/v1/values?format=csv&{query}"]
    found += [f"/api/v1/topics?indicator={slug}" for slug in HIDDEN]
    found += ["/api/v1/changes?since=2000-01-01", "/api/v1/changes?format=csv&since=2000-01-01"]
    return found


def test_no_secret_is_reachable_by_any_parameter(site, client):
    for address in addresses(site):
        response = client.get(address)
        assert response.status_code in (200, 400, 404), (address, response.status_code)
        if response.status_code != 200:  # a problem, which may repeat the name asked for
            assert response["Content-Type"].startswith("application/problem+json")
            continue
        text = body(response).decode()
        for secret in (*SECRETS, *HIDDEN, "draft-page", "A draft page"):
            assert secret not in text, (address, secret)


def test_a_staged_period_is_not_told_apart_from_a_missing_one(site, client):
    staged = client.get("/api/v1/values?from=2014/15")
    missing = client.get("/api/v1/values?from=2099/00")
    assert staged.status_code == missing.status_code == 400


def test_unknown_and_hidden_indicators_answer_alike(site, client):
    hidden = client.get("/api/v1/values?indicator=hidden-indicator").json()
    unknown = client.get("/api/v1/values?indicator=no-such-indicator").json()
    assert hidden["status"] == unknown["status"] == 404
    assert hidden["detail"].replace("hidden-indicator", "X") == unknown["detail"].replace(
        "no-such-indicator", "X"
    )


def withheld_rows(client) -> dict[str, dict]:
    rows = every_item(
        client, f"/api/v1/values?indicator=cpp-count&period=2013-03-31&children_of={LANCASHIRE}"
    )
    return {row["area"]: row for row in rows}


def test_withheld_figures_are_masked_as_on_the_site(site, client):
    assert set(
        Value.objects.filter(area__code__in=[BURNLEY, CHORLEY], indicator=site.withheld)
        .exclude(withheld="")
        .values_list("area__code", flat=True)
    ) == {BURNLEY, CHORLEY}
    rows = withheld_rows(client)
    for code in (BURNLEY, CHORLEY):
        row = rows[code]
        assert row["status"] == "suppressed", row
        for field in ("value", "count", "lower_ci_95", "upper_ci_95", "previous_value"):
            assert row[field] is None, (code, field)
    assert rows[PRESTON]["count"] == 54


def test_withheld_figures_are_masked_in_csv_as_in_the_site_download(site, client):
    api_rows = csv_rows(client.get("/api/v1/values?format=csv&indicator=cpp-count"))
    site_download = client.get(reverse("indicators:indicator_download", args=["cpp-count", "csv"]))
    site_rows = csv_rows_bom(site_download)
    key = ("area_code", "period", "breakdown")

    def keyed(rows):
        return {tuple(r[k] for k in key): r for r in rows}

    assert keyed(api_rows) == keyed(site_rows)
    burnley = keyed(api_rows)[(BURNLEY, "31 March 2013", "")]
    assert burnley["value"] == burnley["count"] == ""


def csv_rows_bom(response) -> list[dict[str, str]]:
    import csv
    import io

    return list(csv.DictReader(io.StringIO(body(response).decode("utf-8-sig"))))


def test_every_public_figure_is_the_site_download_figure(site, client):
    """For each public indicator, the API's CSV is the site's download, row for row."""
    for slug in site.built.indicators:
        api_rows = csv_rows(client.get(f"/api/v1/values?format=csv&indicator={slug}"))
        url = reverse("indicators:indicator_download", args=[slug, "csv"])
        site_rows = csv_rows_bom(client.get(url))
        assert sorted(map(tuple, (r.values() for r in api_rows))) == sorted(
            map(tuple, (r.values() for r in site_rows))
        ), slug


def test_the_draft_page_and_its_indicator_appear_once_published(site, client):
    """The same rules as the site: publishing the draft page makes its indicator public."""
    from pages.models import Status

    site.draft.status = Status.PUBLISHED
    site.draft.save()
    assert "draft-page" in {t["path"] for t in every_item(client, "/api/v1/topics")}
    figures = every_item(client, "/api/v1/values?indicator=draft-only-indicator")
    assert [v["value"] for v in figures] == [5151.5]
    assert client.get("/api/v1/indicators/hidden-indicator").status_code == 404


def test_a_staged_import_appears_only_once_released(site, client):
    from indicators.releases import publish_release

    assert "2014/15" not in {p["code"] for p in every_item(client, "/api/v1/periods")}
    publish_release(site.staged)
    assert "2014/15" in {p["code"] for p in every_item(client, "/api/v1/periods")}
    assert [v["value"] for v in every_item(client, "/api/v1/values?period=2014/15")] == [602.5]
