"""Permalinks of the figures behind a chart or table (`/data/figures/`), their embeddable
page (`/data/figures/embed/`) and the CSVW metadata of downloads."""

from __future__ import annotations

import csv
import datetime
import html
import io
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse
from django.utils import timezone

from core.formatting import long_date
from indicators.exports import COLUMNS
from indicators.models import Area, Indicator, Period, Value
from indicators.releases import publish_release
from tests.factories import (
    BLACKBURN,
    BLACKPOOL,
    BURNLEY,
    CHILD_PROTECTION_URL,
    CHORLEY,
    ENGLAND,
    LANCASHIRE,
    NORTH_WEST,
    IndicatorFactory,
    ValueFactory,
    build_child_protection,
)
from tests.pages.releases_review.helpers import small_numbers, stage

pytestmark = pytest.mark.django_db

LINK = re.compile(r'<a href="([^"]+)">Link to this<span class="visually-hidden">: ([^<]+)</span>')


def chart_links(client, url: str = CHILD_PROTECTION_URL) -> list[tuple[str, str]]:
    """The (address, what it is for) of every “Link to this” on a page."""
    page = client.get(url)
    assert page.status_code == 200
    return [(html.unescape(href), label) for href, label in LINK.findall(page.content.decode())]


def text(response) -> str:
    """A page's words, without its tags, for looking for a figure in context."""
    assert response.status_code == 200, response.content[:500]
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode())))


def referrals_link(client) -> str:
    [(url, _)] = chart_links(client)
    return url


def without_release(url: str) -> str:
    return re.sub(r"&release=[^&]*", "", url)


def release_referrals(value: str, *, period: str = "2012/13") -> int:
    """Release an import revising Lancashire-12's rate of referrals; its id."""
    batch = stage(
        f"indicator,area_code,period,value\nreferrals-rate,{LANCASHIRE},{period},{value}\n".encode()
    )
    publish_release(batch)
    return batch.pk


@pytest.fixture
def referrals(db):
    """The Child protection page with its referrals section: a trend of Lancashire-12 against
    its two neighbours, the North West and England, as the demo's figures of 19 March 2014."""
    return build_child_protection(["referrals"])


# --- the link under each chart -----------------------------------------------------------------


def test_every_chart_has_a_link_naming_its_indicator_areas_periods_and_release(referrals, client):
    url = referrals_link(client)
    parts = urlsplit(url)
    assert parts.path == reverse("indicators:figures")
    query = parse_qs(parts.query)
    assert query["indicator"] == ["referrals-rate"]
    # The chart's own area first, then the areas it is compared with.
    assert query["area"][0] == LANCASHIRE
    assert set(query["area"]) == {LANCASHIRE, BLACKBURN, BLACKPOOL, NORTH_WEST, ENGLAND}
    assert query["period"] == ["2011/12", "2012/13"]
    assert query["breakdown"] == ["none"]
    # Figures no import set are named by the moment they were set.
    assert query["release"] == ["2014-03-19T12:00:00Z"]


def test_each_chart_of_a_page_has_its_own_link(db, client):
    build_child_protection(["children-with-a-plan", "district-rates", "referrals", "age"])
    links = chart_links(client)
    assert len(links) == 4
    indicators = [parse_qs(urlsplit(url).query)["indicator"][0] for url, _ in links]
    assert indicators == ["cpp-count", "cpp-rate", "referrals-rate", "cpp-count"]
    age = parse_qs(urlsplit(links[3][0]).query)
    assert age["breakdown"] == ["age"]


def test_the_indicator_page_trend_has_a_link(referrals, client):
    indicator = Indicator.objects.get(slug="referrals-rate")
    [(url, _)] = chart_links(client, indicator.get_absolute_url())
    assert parse_qs(urlsplit(url).query)["indicator"] == ["referrals-rate"]
    assert client.get(url).status_code == 200


def test_the_link_names_the_release_that_last_set_the_figures(referrals, client):
    batch_id = release_referrals("650.0")
    query = parse_qs(urlsplit(referrals_link(client)).query)
    assert query["release"] == [str(batch_id)]


# --- the permalink page ------------------------------------------------------------------------


def test_permalink_shows_the_figures_and_a_citation(referrals, client):
    url = referrals_link(client)
    response = client.get(url)
    words = text(response)
    for figure in ("638.6", "492.9", "954.7", "619.7", "520.7", "557.0"):
        assert figure in words
    assert "Newer figures are available" not in words
    today = long_date(timezone.localdate())
    absolute = f"http://testserver{url}"
    expected = (
        f"Lancashire JSNA, Rate of referrals to children's social care, released 19 March "
        f"2014, retrieved {today}, {absolute}"
    )
    indicator = Indicator.objects.get(slug="referrals-rate")
    assert indicator.name == "Rate of referrals to children's social care"
    assert expected in words
    # The chart is drawn from a json_script block, never inline script.
    body = response.content.decode()
    assert 'type="application/json"' in body and "data-chart=" in body
    assert re.search(r"<script(?![^>]*(src=|application/json))", body) is None


def test_old_permalink_keeps_old_figures_after_a_newer_release(referrals, client):
    old = referrals_link(client)
    first = release_referrals("650.0")
    after_first = referrals_link(client)
    assert parse_qs(urlsplit(after_first).query)["release"] == [str(first)]
    release_referrals("700.0")
    current = referrals_link(client)

    words = text(client.get(old))
    assert "638.6" in words and "650.0" not in words and "700.0" not in words
    assert "Newer figures are available" in words
    assert "released 19 March 2014" in words

    words = text(client.get(after_first))
    assert "700.0" not in words
    # With the revision mark it had then.
    assert "650.0 r (revised on" in words and "previously 638.6" in words
    assert "638.6" not in words.replace("previously 638.6", "")
    assert "Newer figures are available" in words
    assert f"released {long_date(timezone.localdate())}" in words

    words = text(client.get(current))
    assert "700.0 r (revised on" in words
    assert "650.0" not in words.replace("previously 650.0", "")
    assert "Newer figures are available" not in words

    # The note links to the current figures, which show the newest.
    response = client.get(old)
    match = re.search(
        r'Newer figures are available.</strong>[^<]*<a href="([^"]+)"', response.content.decode()
    )
    assert match is not None
    assert "700.0" in text(client.get(html.unescape(match.group(1))))


def test_a_figure_first_released_later_is_not_in_the_old_permalink(referrals, client):
    old = referrals_link(client).replace("period=2011%2F12&period=2012%2F13&", "")
    Period.objects.get_or_create_from_code("2013/14")
    release_referrals("701.1", period="2013/14")
    words = text(client.get(old))
    assert "701.1" not in words
    assert "Newer figures are available" in words
    now = without_release(old)
    assert "701.1" in text(client.get(now))


def test_figure_of_a_withdrawn_import_is_said_to_be_unknown(referrals, client):
    from indicators.importing.undo import undo_import

    first = release_referrals("650.0")
    link = referrals_link(client)
    batch = Value.objects.get(area__code=LANCASHIRE, period__code="2012/13").import_batch
    undo_import(batch)
    assert batch.pk == first
    words = text(client.get(link))
    assert "Some figures cannot be shown as they were at this release" in words
    assert "Lancashire-12, 2012/13: the import that set it was later withdrawn" in words
    assert "650.0" not in words  # not guessed
    assert "Newer figures are available" in words


def test_staged_figures_never_appear(referrals, client):
    link = referrals_link(client)
    stage(f"indicator,area_code,period,value\nreferrals-rate,{LANCASHIRE},2012/13,999.9\n".encode())
    for url in (link, without_release(link)):
        words = text(client.get(url))
        assert "999.9" not in words and "638.6" in words
        assert "Newer figures are available" not in words


def test_a_staged_release_cannot_be_named(referrals, client):
    batch = stage(
        f"indicator,area_code,period,value\nreferrals-rate,{LANCASHIRE},2012/13,999.9\n".encode()
    )
    link = without_release(referrals_link(client)) + f"&release={batch.pk}"
    assert client.get(link).status_code == 404


def test_only_public_indicators(referrals, client):
    hidden = IndicatorFactory(slug="hidden", is_public=False)
    ValueFactory(indicator=hidden, area=Area.objects.get(code=ENGLAND), value=5)
    url = reverse("indicators:figures") + "?indicator=hidden"
    assert client.get(url).status_code == 404
    assert client.get(reverse("indicators:figures_embed") + "?indicator=hidden").status_code == 404
    assert client.get(reverse("indicators:figures")).status_code == 400


@pytest.fixture
def withheld(db):
    """Lancashire-12's districts' counts of children with a plan (cpp-count, small-number rule
    4) on 31 March 2013: Burnley 3 (withheld), Chorley 47 (withheld, or Burnley could be worked
    out from the county's total), set on 19 March 2014."""
    build_child_protection(["children-with-a-plan"])
    indicator, counts = small_numbers()
    when = timezone.make_aware(datetime.datetime(2014, 3, 19, 12))
    Value.objects.filter(indicator=indicator).update(updated_at=when)
    return indicator, counts


def _districts_link(indicator: Indicator) -> str:
    codes = [
        LANCASHIRE,
        *Area.objects.filter(parent__code=LANCASHIRE).values_list("code", flat=True),
    ]
    query = "&".join(f"area={code}" for code in codes)
    return (
        f"{reverse('indicators:figures')}?indicator={indicator.slug}&{query}"
        f"&period=2013-03-31&breakdown=none&release=2014-03-19"
    )


def test_withheld_figures_stay_withheld(withheld, client):
    indicator, counts = withheld
    words = text(client.get(_districts_link(indicator)))
    assert "Preston" in words
    # Leaving out the dates: the period's, and today's in the citation ("3 December 2026").
    figures = words.replace("31 March", "").replace(long_date(timezone.localdate()), "")
    assert " 3 " not in figures
    assert str(counts[CHORLEY]) not in words


def test_an_older_small_number_stays_withheld_after_its_revision(withheld, client):
    indicator, counts = withheld
    # Burnley's 3 is revised to 12 (published now), and the county total with it.
    batch = stage(
        b"indicator,area_code,period,value,count\n"
        b"cpp-count,E07000117,2013-03-31,12,12\n"
        b"cpp-count,E10000017,2013-03-31,174,174\n"
    )
    publish_release(batch)
    assert Value.objects.get(indicator=indicator, area__code=BURNLEY).withheld == ""
    now = text(client.get(_districts_link(indicator).replace("&release=2014-03-19", "")))
    assert "174" in now
    old = text(client.get(_districts_link(indicator)))
    assert "Newer figures are available" in old
    assert "174" not in old and "165" in old
    # As at the release: Burnley's 3 withheld, and Chorley's 47 with it.
    assert str(counts[CHORLEY]) not in old
    assert not re.search(r"Burnley \(?3\b", old)


# --- the embed -------------------------------------------------------------------------------


def test_embed_has_chart_and_table_without_site_chrome_and_may_be_framed(referrals, client):
    link = referrals_link(client)
    page = client.get(link)
    embed_url = link.replace(reverse("indicators:figures"), reverse("indicators:figures_embed"))
    response = client.get(embed_url)
    body = response.content.decode()
    assert response.status_code == 200
    assert "site-header" not in body and "site-footer" not in body and "site-nav" not in body
    assert "<table" in body and "638.6" in body and "data-chart=" in body
    assert re.search(r"<script(?![^>]*(src=|application/json))", body) is None
    assert "X-Frame-Options" not in response.headers
    policy = response.headers["Content-Security-Policy"]
    assert "frame-ancestors *" in policy
    assert "script-src 'self'" in policy
    # The permalink page itself, like every other page, is not framed.
    assert page.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]


def test_permalink_offers_embed_code(referrals, client):
    body = client.get(referrals_link(client)).content.decode()
    match = re.search(r'<textarea id="embed-code"[^>]*>([^<]*)</textarea>', body)
    assert match is not None
    code = html.unescape(match.group(1))
    assert code.startswith(
        '<iframe src="http://testserver/data/figures/embed/?indicator=referrals-rate'
    )
    assert 'title="Rate of referrals' in code
    assert "<details" in body


# --- CSVW ------------------------------------------------------------------------------------


def _csv_header(response) -> list[str]:
    return next(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


@pytest.mark.parametrize(
    "download",
    [
        lambda: (
            reverse("indicators:values_download", kwargs={"fmt": "csv"})
            + f"?indicator=referrals-rate&area={LANCASHIRE}&period=2012%2F13"
        ),
        lambda: reverse("indicators:indicator_download", args=["referrals-rate", "csv"]),
        lambda: reverse(
            "indicators:area_download", args=[Area.objects.get(code=LANCASHIRE).slug, "csv"]
        ),
    ],
    ids=["values", "indicator", "area"],
)
def test_csv_downloads_name_csvw_metadata_matching_their_header(referrals, client, download):
    url = download()
    response = client.get(url)
    assert response.status_code == 200
    link = response.headers["Link"]
    match = re.fullmatch(r'<([^>]+)>; rel="describedby"; type="application/csvm\+json"', link)
    assert match is not None, link
    metadata = client.get(match.group(1))
    assert metadata.status_code == 200
    assert metadata.headers["Content-Type"].startswith("application/csvm+json")
    data = metadata.json()
    assert data["@context"] == "http://www.w3.org/ns/csvw"
    assert data["url"] == f"http://testserver{url}"
    columns = data["tableSchema"]["columns"]
    assert [c["name"] for c in columns] == _csv_header(response) == list(COLUMNS)
    assert all(c["titles"] and c["datatype"] and c["dc:description"] for c in columns)
    by_name = {c["name"]: c for c in columns}
    assert "synthetic" in by_name["illustrative"]["dc:description"]
    assert by_name["illustrative"]["datatype"] == {"base": "boolean", "format": "yes|no"}
    assert "release" in by_name["revised_on"]["dc:description"]
    assert "unit" in by_name["value"]["dc:description"]


def test_metadata_of_one_indicator_names_its_unit(referrals, client):
    url = reverse("indicators:values_download_metadata") + "?indicator=referrals-rate"
    data = client.get(url).json()
    value = next(c for c in data["tableSchema"]["columns"] if c["name"] == "value")
    assert "rate per 10,000" in value["dc:description"]


def test_xlsx_has_no_csvw_link(referrals, client):
    url = reverse("indicators:indicator_download", args=["referrals-rate", "xlsx"])
    assert "Link" not in client.get(url).headers


def test_chart_and_permalink_link_the_metadata(referrals, client):
    page = client.get(CHILD_PROTECTION_URL).content.decode()
    assert 'type="application/csvm+json"' in page
    body = html.unescape(client.get(referrals_link(client)).content.decode())
    assert "/data/figures/download-metadata.json?indicator=referrals-rate" in body


def _rows(response) -> dict[tuple[str, str], dict[str, str]]:
    body = response.content.decode("utf-8-sig")
    return {(r["area_code"], r["period"]): r for r in csv.DictReader(io.StringIO(body))}


def test_permalink_download_has_the_figures_of_its_release(referrals, client):
    old = referrals_link(client)
    release_referrals("650.0")
    stage(f"indicator,area_code,period,value\nreferrals-rate,{BLACKBURN},2012/13,999.9\n".encode())
    download = old.replace("/data/figures/?", "/data/figures/download.csv?")
    response = client.get(download)
    assert response.status_code == 200
    rows = _rows(response)
    assert rows[(LANCASHIRE, "2012/13")]["value"] == "638.6"
    assert rows[(BLACKBURN, "2012/13")]["value"] == "492.9"  # never the staged 999.9
    assert len(rows) == 10
    match = re.fullmatch(r"<([^>]+)>; .*", response.headers["Link"])
    assert match is not None
    metadata = client.get(match.group(1)).json()
    assert [c["name"] for c in metadata["tableSchema"]["columns"]] == _csv_header(response)
    assert metadata["url"] == f"http://testserver{download}"
    # Now: the new figure, marked revised.
    rows = _rows(client.get(without_release(download)))
    assert rows[(LANCASHIRE, "2012/13")]["value"] == "650.0"
    assert rows[(LANCASHIRE, "2012/13")]["previous_value"] == "638.6"
    xlsx = client.get(download.replace("download.csv", "download.xlsx"))
    assert xlsx.status_code == 200 and "Link" not in xlsx.headers


def test_permalink_download_keeps_withheld_figures_withheld(withheld, client):
    indicator, counts = withheld
    batch = stage(
        b"indicator,area_code,period,value,count\n"
        b"cpp-count,E07000117,2013-03-31,12,12\n"
        b"cpp-count,E10000017,2013-03-31,174,174\n"
    )
    publish_release(batch)
    download = _districts_link(indicator).replace("/data/figures/?", "/data/figures/download.csv?")
    rows = _rows(client.get(download))
    for code in (BURNLEY, CHORLEY):
        assert rows[(code, "31 March 2013")]["value"] == ""
        assert rows[(code, "31 March 2013")]["count"] == ""
    assert rows[(LANCASHIRE, "31 March 2013")]["value"] == "165"


@pytest.mark.parametrize(
    "token",
    [
        "2026-13-02",
        "2026-12-02T25:00:00",
        "2026-12-02T14:47:03+99:00",
        "9999-12-31T23:59:59-01:00",
        "0001-01-01T00:00:00+01:00",
        "²",
        "9" * 40,
        "2099-01-01",
        "2099-01-01T00:00:00Z",
    ],
)
def test_a_malformed_or_future_release_is_a_404_not_a_server_error(db, client, token):
    build_child_protection()
    query = f"indicator=referrals-rate&area=E10000017&period=2012/13&release={token}"
    for address in ("/data/figures/", "/data/figures/embed/", "/data/figures/download.csv"):
        response = client.get(f"{address}?{query}")
        assert response.status_code == 404, (address, token, response.status_code)
