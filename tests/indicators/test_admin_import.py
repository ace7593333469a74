"""The officers' import screens in the admin: upload, preview, mappings, confirm, the import's
record and undo, the blank templates, and who may do what. Driven through the Django test
client as an officer of the Officers group, as a browser would: the preview's own form is
what gets posted back."""

from __future__ import annotations

import csv
import io
import os
import time
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from indicators.admin import blank_template, uploads
from indicators.admin.imports import CHANGES_SHOWN
from indicators.importing.formats import TemplateFormat, normalise
from indicators.models import (
    Area,
    ImportBatch,
    ImportChange,
    Indicator,
    Period,
    SourceMapping,
    Value,
)
from indicators.releases import publish_release
from indicators.resources import ValueResource
from pages.models import Topic
from pages.services import create_officer
from tests.factories import IndicatorFactory, SectionFactory, TopicFactory
from tests.indicators.importing.conftest import (
    EES_HEADER,
    FINGERTIPS_HEADER,
    csv_bytes,
    fingertips_row,
)
from tests.indicators.runs import through_run

pytestmark = pytest.mark.django_db

IMPORT_URL = reverse("admin:indicators_value_import")
CHECK_URL = reverse("admin:indicators_value_import_check")
CONFIRM_URL = reverse("admin:indicators_value_import_confirm")
TEMPLATE_URL = reverse("admin:indicators_value_import_template")
HEADER = ["indicator", "area_code", "area_name", "period", "value", "note"]
GOOD_ROWS = [
    HEADER,
    ["re-referrals", "E07000123", "Preston", "2012/13", "21.5", ""],
    ["re-referrals", "E07000117", "Burnley", "2012/13", "18", "Provisional"],
    ["re-referrals", "E10000017", "Lancashire", "2012/13", "20.1", ""],
]


@pytest.fixture(autouse=True)
def upload_root(settings, tmp_path: Path) -> Path:
    """Each test keeps its uploads in a folder of its own."""
    settings.IMPORT_UPLOAD_ROOT = str(tmp_path / "uploads")
    return tmp_path / "uploads"


@pytest.fixture
def site(db):
    england = Area.objects.create(code="E92000001", name="England", area_type="country")
    lancashire = Area.objects.create(
        code="E10000017",
        name="Lancashire",
        short_name="Lancashire-12",
        area_type="county",
        parent=england,
    )
    preston = Area.objects.create(
        code="E07000123", name="Preston", area_type="district", parent=lancashire
    )
    burnley = Area.objects.create(
        code="E07000117", name="Burnley", area_type="district", parent=lancashire
    )
    return {
        "england": england,
        "lancashire": lancashire,
        "preston": preston,
        "burnley": burnley,
        "percentage": IndicatorFactory(
            slug="re-referrals", name="Re-referrals", unit="percentage", multiplier=100
        ),
        "rate": IndicatorFactory(
            slug="cpp-rate",
            name="Child protection plan rate",
            unit="rate",
            multiplier=10_000,
            population="population aged under 18",
        ),
    }


@pytest.fixture
def officer(site):
    """An officer who looks after a page showing the site's indicators: they may import
    figures for those (and only those; see tests/pages/test_permissions.py)."""
    user, _ = create_officer(username="analyst", password="a-long-test-password")
    page = TopicFactory(title="Children's social care", owner=user)
    for indicator in Indicator.objects.all():
        SectionFactory(topic=page, indicator=indicator)
    return user


@pytest.fixture
def officer_client(client: Client, officer) -> Client:
    client.force_login(officer)
    return client


def upload(client: Client, rows, name: str = "figures.csv", **data):
    file = SimpleUploadedFile(name, csv_bytes(rows), content_type="text/csv")
    return through_run(
        client, client.post(IMPORT_URL, {"file": file, "file_format": "auto", **data})
    )


def choices(response, **changes) -> dict[str, str]:
    """What the preview's form would post as it stands, with `changes` made by the officer
    (None unticks a box)."""
    form = response.context["form"]
    data: dict[str, str] = {}
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


def import_through_the_screens(client: Client, rows, name: str = "figures.csv", **changes):
    preview = upload(client, rows, name)
    assert preview.status_code == 200, preview.content
    response = through_run(client, client.post(CONFIRM_URL, choices(preview, **changes)))
    assert response.status_code == 302, response.content.decode()[:2000]
    client.get(response["Location"])  # as the browser would, which shows (and uses up) its message
    return ImportBatch.objects.latest("imported_at"), response


def test_upload_previews_the_new_figures_saves_nothing_and_confirm_imports_them(
    site, officer, officer_client, upload_root
):
    changelist = officer_client.get(reverse("admin:indicators_value_changelist"))
    assert f'href="{IMPORT_URL}"' in changelist.content.decode()
    page = officer_client.get(IMPORT_URL)
    assert page.status_code == 200
    assert 'type="file"' in page.content.decode()

    preview = upload(officer_client, GOOD_ROWS, "march.csv")

    assert preview.status_code == 200
    assert [t.name for t in preview.templates][0] == "admin/indicators/value/import_preview.html"
    html = preview.content.decode()
    report = preview.context["report"]
    assert (report.figures_new, report.figures_changed, report.rows_rejected) == (3, 0, 0)
    assert "Nothing has been saved yet" in html
    assert "Dry run: nothing was saved." in html
    assert html.count('class="import-change-new"') == 3
    assert "Burnley" in html and "18.0%" in html
    assert 'name="apply_valid_rows"' not in html  # offered only when rows are rejected
    assert not Value.objects.exists()
    assert not ImportBatch.objects.exists()
    (kept,) = list((upload_root / str(officer.pk)).iterdir())
    assert kept.name == f"{report.file_hash}.csv"

    response = through_run(officer_client, officer_client.post(CONFIRM_URL, choices(preview)))

    batch = ImportBatch.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:indicators_importbatch_change", args=[batch.pk])
    assert (batch.status, batch.imported_by, batch.file_name) == ("applied", officer, "march.csv")
    assert (batch.rows_added, batch.rows_changed, batch.rows_rejected) == (3, 0, 0)
    assert Value.objects.filter(import_batch=batch).count() == 3
    assert Value.objects.get(area=site["burnley"]).value == Decimal("18")
    (message,) = messages_of(response)
    assert message.startswith("Imported “march.csv”. Read 3 rows (the JSNA import template)")
    assert not list((upload_root / str(officer.pk)).iterdir())  # deleted once imported
    page = officer_client.get(response["Location"])
    assert "Read 3 rows" in page.content.decode()


def test_importing_the_same_file_again_says_nothing_changed(site, officer_client):
    first, _ = import_through_the_screens(officer_client, GOOD_ROWS)
    publish_release(first)  # released: the same file again is then the same figures

    preview = upload(officer_client, GOOD_ROWS)
    html = preview.content.decode()
    assert "Nothing would change: every figure in this file is already on the site." in html
    assert "Nothing changed: this file&#x27;s figures are already on the site." in html
    assert f"import #{first.pk}" in html
    response = through_run(officer_client, officer_client.post(CONFIRM_URL, choices(preview)))

    (message,) = messages_of(response)
    assert "Nothing changed: this file's figures are already on the site." in message
    assert "0 new figures, 0 changed, 3 unchanged" in message
    assert Value.objects.filter(import_batch=first).count() == 3


def test_a_bad_row_is_shown_with_its_row_column_and_message_and_blocks_the_import(
    site, officer_client
):
    rows = [*GOOD_ROWS[:2], ["re-referrals", "E07000117", "Burnley", "2012/13", "12..5", ""]]
    rows.append(GOOD_ROWS[3])

    preview = upload(officer_client, rows)

    html = preview.content.decode()
    (error,) = preview.context["report"].errors
    assert (error.row, error.column) == (3, "value")
    assert "“12..5” is not a number" in error.message
    assert '<td class="number">3</td><td><code>value</code></td>' in html
    assert "is not a number" in html
    assert 'name="apply_valid_rows"' in html
    assert "1 row of this file has problems" in html

    refused = through_run(officer_client, officer_client.post(CONFIRM_URL, choices(preview)))

    assert refused.status_code == 200
    assert "Nothing was imported: 1 row has problems" in refused.content.decode()
    assert not Value.objects.exists()

    response = through_run(
        officer_client, officer_client.post(CONFIRM_URL, choices(refused, apply_valid_rows="on"))
    )

    assert response.status_code == 302
    assert sorted(Value.objects.values_list("area__code", flat=True)) == [
        "E07000123",
        "E10000017",
    ]
    (message,) = messages_of(response)
    assert "1 row with problems was left out; the valid rows were applied." in message


def test_a_fingertips_indicator_is_mapped_on_the_preview_and_remembered(
    site, officer, officer_client
):
    rows = [
        FINGERTIPS_HEADER,
        fingertips_row(Area_Code="E07000123", Area_Name="Preston", Value="21.4"),
        fingertips_row(Area_Code="E07000117", Area_Name="Burnley", Value="19.0"),
        fingertips_row(Area_Code="E06000008", Area_Name="Blackburn with Darwen", Value="25"),
    ]

    preview = upload(officer_client, rows, "fingertips-2012.csv")

    html = preview.content.decode()
    assert preview.context["report"].file_format == "fingertips"
    ((row, select, _),) = preview.context["mapping_fields"]
    assert (row.key, row.name, row.rows) == ("90812", "Re-referrals to children's social care", 3)
    assert f'name="{select.html_name}"' in html
    assert "Re-referrals (re-referrals)" in html  # ours, offered in the select
    assert not Value.objects.exists()

    # Choosing ours and checking again shows the figures it would import, and the rows for an
    # area the site does not hold.
    mapped = choices(preview, **{select.html_name: str(site["percentage"].pk)})
    checked = through_run(officer_client, officer_client.post(CHECK_URL, mapped))
    html = checked.content.decode()
    assert checked.context["report"].figures_new == 2
    assert checked.context["mapping_fields"][0][1].value() == str(site["percentage"].pk)
    assert "1 row for 1 area not on this site was skipped." in html
    assert "Blackburn with Darwen" in html
    assert not Value.objects.exists()

    response = through_run(officer_client, officer_client.post(CONFIRM_URL, choices(checked)))

    assert response.status_code == 302
    assert Value.objects.filter(indicator=site["percentage"]).count() == 2
    mapping = SourceMapping.objects.get(source="fingertips", key="90812")
    assert (mapping.indicator, mapping.created_by) == (site["percentage"], officer)

    # The next file from Fingertips needs no mapping.
    later = [
        FINGERTIPS_HEADER,
        fingertips_row(Area_Code="E07000123", Time_period="2013/14", Value="22.0"),
    ]
    preview = upload(officer_client, later, "fingertips-2013.csv")
    assert preview.context["mapping_fields"] == []
    assert preview.context["report"].figures_new == 1
    through_run(officer_client, officer_client.post(CONFIRM_URL, choices(preview)))
    assert Value.objects.filter(period__code="2013/14").get().value == Decimal("22.0")


def test_a_file_of_unmapped_indicators_can_be_left_out_for_good(site, officer_client):
    rows = [FINGERTIPS_HEADER, fingertips_row(Area_Code="E07000123", Value="21.4")]
    preview = upload(officer_client, rows)
    # Nothing in it maps to us yet: the file as it is would import nothing, and says so.
    assert "None of the indicators in this file is mapped" in preview.content.decode()
    assert preview.context["can_confirm"]

    refused = through_run(officer_client, officer_client.post(CONFIRM_URL, choices(preview)))
    assert refused.status_code == 200
    assert "Nothing was imported. None of the indicators" in refused.content.decode()
    assert not SourceMapping.objects.exists()

    left_out = through_run(
        officer_client, officer_client.post(CONFIRM_URL, choices(refused, **{"map-0": "-"}))
    )

    assert left_out.status_code == 302
    assert "Left out, as mapped: 90812" in messages_of(left_out)[-1]
    assert SourceMapping.objects.get(key="90812").indicator is None
    assert not Value.objects.exists()
    # The next file offers it again, left out, so that the officer can change their mind.
    preview = upload(officer_client, rows)
    ((row, select, _),) = preview.context["mapping_fields"]
    assert (row.key, select.value()) == ("90812", "-")


def test_ees_measure_columns_are_mapped_one_by_one_and_areas_can_be_added(site, officer_client):
    lancashire = ["E92000001", "England", "E12000002", "North West", "E10000017", "888", "Lancs"]
    blackburn = ["E92000001", "England", "E12000002", "North West", "E06000008", "889", "BwD"]
    rows = [
        [*EES_HEADER, "CPP_subsequent_percent", "CPP_subsequent_number"],
        ["201213", "Financial year", "Local authority", *lancashire, "14.9", "120"],
        ["201213", "Financial year", "Local authority", *blackburn, "15.0", "c"],
    ]
    preview = upload(officer_client, rows, "cpp.csv")
    keys = [row.key for row, _, _ in preview.context["mapping_fields"]]
    assert keys == ["CPP_subsequent_percent", "CPP_subsequent_number"]

    checked = through_run(
        officer_client,
        officer_client.post(
            CHECK_URL, choices(preview, **{"map-0": str(site["percentage"].pk), "map-1": "-"})
        ),
    )
    html = checked.content.decode()
    assert checked.context["report"].figures_new == 1
    assert "1 row for 1 area not on this site was skipped." in html
    checked = through_run(
        officer_client, officer_client.post(CHECK_URL, choices(checked, add_areas="on"))
    )
    assert checked.context["report"].areas_added == ["E06000008"]
    assert "The import would add 1 area: E06000008." in checked.content.decode()
    assert not Area.objects.filter(code="E06000008").exists()

    response = through_run(officer_client, officer_client.post(CONFIRM_URL, choices(checked)))

    assert response.status_code == 302
    assert Area.objects.get(code="E06000008").name == "BwD"
    assert dict(Value.objects.values_list("area__code", "value")) == {
        "E10000017": Decimal("14.9"),
        "E06000008": Decimal("15.0"),
    }
    assert dict(SourceMapping.objects.filter(source="ees").values_list("key", "indicator")) == {
        "CPP_subsequent_percent": site["percentage"].pk,
        "CPP_subsequent_number": None,
    }


def test_undo_from_the_import_page_restores_the_previous_figures(site, officer_client):
    first, _ = import_through_the_screens(officer_client, GOOD_ROWS, "first.csv")
    publish_release(first)  # as a publisher would, before the next file comes
    changed = [HEADER, ["re-referrals", "E07000123", "Preston", "2012/13", "30", "Revised"]]
    second, _ = import_through_the_screens(officer_client, changed, "second.csv")
    publish_release(second)
    assert Value.objects.get(area=site["preston"]).value == Decimal("30")

    page = officer_client.get(reverse("admin:indicators_importbatch_change", args=[second.pk]))
    html = page.content.decode()
    undo_url = reverse("admin:indicators_importbatch_undo", args=[second.pk])
    assert f'href="{undo_url}"' in html
    assert "21.5%" in html and "30.0%" in html  # before the import, and now

    confirm = officer_client.get(undo_url)
    assert "Yes, undo this import" in confirm.content.decode()
    assert Value.objects.get(area=site["preston"]).value == Decimal("30")  # GET changes nothing

    response = officer_client.post(undo_url)

    assert response["Location"] == reverse("admin:indicators_importbatch_change", args=[second.pk])
    (message,) = messages_of(response)
    assert message.startswith("Undid the import of “second.csv”")
    preston = Value.objects.get(area=site["preston"])
    assert (preston.value, preston.import_batch) == (Decimal("21.5"), first)
    second.refresh_from_db()
    assert second.status == "undone"
    page = officer_client.get(reverse("admin:indicators_importbatch_change", args=[second.pk]))
    assert f'href="{undo_url}"' not in page.content.decode()
    again = officer_client.get(undo_url)
    assert "is undone: there is nothing to undo" in messages_of(again)[-1]


def test_undo_is_refused_when_a_later_import_changed_the_figures(site, officer_client):
    first, _ = import_through_the_screens(officer_client, GOOD_ROWS, "first.csv")
    publish_release(first)
    changed = [HEADER, ["re-referrals", "E07000123", "Preston", "2012/13", "30", ""]]
    publish_release(import_through_the_screens(officer_client, changed, "second.csv")[0])

    response = officer_client.post(reverse("admin:indicators_importbatch_undo", args=[first.pk]))

    message = messages_of(response)[-1]
    assert "cannot be undone" in message
    assert "“second.csv”" in message
    assert Value.objects.get(area=site["preston"]).value == Decimal("30")
    assert Value.objects.count() == 3
    first.refresh_from_db()
    assert first.status == "applied"


def test_the_import_page_lists_its_changes_in_a_fixed_number_of_queries(
    site, officer_client, django_assert_num_queries
):
    # every year from 1900 to 2026: a figure for a year after the next is refused
    rows = [HEADER] + [
        ["re-referrals", "E07000123", "Preston", str(year), "10", ""] for year in range(1900, 2027)
    ]
    batch, _ = import_through_the_screens(officer_client, rows)
    url = reverse("admin:indicators_importbatch_change", args=[batch.pk])

    # session, user, the batch with its people (get_object: ours, then the admin's), its first
    # changes with their figures, the user's and the group's permissions, the areas it added
    with django_assert_num_queries(8):
        response = officer_client.get(url)

    html = response.content.decode()
    assert len(response.context["change_rows"]) == CHANGES_SHOWN
    assert f"the first {CHANGES_SHOWN} of 127" in html
    assert f"?batch__id__exact={batch.pk}" in html
    changes = officer_client.get(
        reverse("admin:indicators_importchange_changelist"), {"batch__id__exact": batch.pk}
    )
    assert changes.status_code == 200
    assert "127 import changes" in changes.content.decode()


def test_the_upload_page_in_a_fixed_number_of_queries(
    site, officer_client, django_assert_num_queries
):
    import_through_the_screens(officer_client, GOOD_ROWS)

    # session, user, the user's and the group's permissions, the indicators for the template's
    # select, recent imports with who made them
    with django_assert_num_queries(6):
        response = officer_client.get(IMPORT_URL)

    html = response.content.decode()
    assert "figures.csv</a>" in html and "3 new, 0 changed" in html
    assert '<option value="re-referrals">Re-referrals</option>' in html


def test_the_blank_template_has_the_header_and_an_example_row(site, officer_client):
    indicator_page = officer_client.get(
        reverse("admin:indicators_indicator_change", args=[site["rate"].pk])
    )
    assert f"{TEMPLATE_URL}?indicator=cpp-rate&amp;file=csv" in indicator_page.content.decode()
    assert f"{TEMPLATE_URL}?indicator=cpp-rate&amp;file=xlsx" in indicator_page.content.decode()

    response = officer_client.get(TEMPLATE_URL, {"indicator": "cpp-rate", "file": "csv"})

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "jsna-import-template-cpp-rate.csv" in response["Content-Disposition"]
    header, example = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert header == list(blank_template.TEMPLATE_COLUMNS)
    assert header[:4] == ["indicator", "area_code", "area_name", "period"]
    assert example[0] == "cpp-rate"

    response = officer_client.get(TEMPLATE_URL, {"indicator": "cpp-rate", "file": "xlsx"})
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["Figures", "Columns", "Indicator", "Areas"]
    figures = list(workbook["Figures"].iter_rows(values_only=True))
    assert list(figures[0]) == list(blank_template.TEMPLATE_COLUMNS)
    columns = {row[0]: row for row in workbook["Columns"].iter_rows(min_row=2, values_only=True)}
    assert "2012/13" in columns["period"][4] and "2013-03-31" in columns["period"][4]
    assert "suppressed" in columns["status"][4] and "not_applicable" in columns["status"][4]
    assert "age: 1-4" in columns["breakdown"][4]
    assert "per 10,000 population aged under 18" in columns["value"][4]
    assert officer_client.get(TEMPLATE_URL, {"indicator": "no-such"}).status_code == 404


def test_every_column_the_importer_reads_is_explained():
    explained = {normalise(column.name) for column in blank_template.column_guide()}
    assert explained == set(TemplateFormat.fields)
    assert set(blank_template.TEMPLATE_COLUMNS) <= {c.name for c in blank_template.column_guide()}


def test_a_template_imported_untouched_changes_nothing(site, officer_client):
    publish_release(import_through_the_screens(officer_client, GOOD_ROWS)[0])
    template = officer_client.get(TEMPLATE_URL, {"indicator": "re-referrals", "file": "xlsx"})
    file = SimpleUploadedFile("template.xlsx", template.content)

    preview = through_run(
        officer_client, officer_client.post(IMPORT_URL, {"file": file, "file_format": "auto"})
    )

    assert "form" in preview.context and not preview.context["form"].errors, preview.context[
        "form"
    ].errors
    report = preview.context["report"]
    assert (report.figures_new, report.figures_changed, report.figures_unchanged) == (0, 0, 1)
    assert report.rows_read == 1  # the example row, and no empty formatted rows


def test_the_values_export_can_be_imported_again_unchanged(site, officer_client):
    publish_release(import_through_the_screens(officer_client, GOOD_ROWS)[0])
    exported = ValueResource().export(Value.objects.all()).csv

    preview = upload(officer_client, list(csv.reader(io.StringIO(exported))), "export.csv")

    report = preview.context["report"]
    assert (report.figures_new, report.figures_changed, report.figures_unchanged) == (0, 0, 3)


def test_the_values_admin_still_exports_csv_and_xlsx(site, officer_client):
    import_through_the_screens(officer_client, GOOD_ROWS)
    url = reverse("admin:indicators_value_export")
    form = officer_client.get(url).context["form"]
    formats = {key: label for key, label in form.fields["format"].choices if key != ""}
    assert sorted(formats.values()) == ["csv", "xlsx"]
    data = {name: "on" for name in form.fields if name.startswith("valueresource_")}
    csv_index = next(index for index, label in formats.items() if label == "csv")

    response = officer_client.post(url, {**data, "format": csv_index, "resource": 0})

    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:4] == ["indicator", "area_code", "period", "breakdown"]
    assert len(rows) == 4


# --- Who may do what ------------------------------------------------------------------------


@pytest.fixture
def viewer_client(client: Client, django_user_model, site) -> Client:
    """Staff who may look at values and imports but not add values."""
    user = django_user_model.objects.create_user("viewer", password="x", is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label="indicators",
            codename__in=["view_value", "view_importbatch", "view_indicator"],
        )
    )
    client.force_login(user)
    return client


def test_staff_without_the_import_permission_are_refused(viewer_client, site):
    changelist = viewer_client.get(reverse("admin:indicators_value_changelist"))
    assert changelist.status_code == 200
    assert IMPORT_URL not in changelist.content.decode()
    assert viewer_client.get(IMPORT_URL).status_code == 403
    assert upload(viewer_client, GOOD_ROWS).status_code == 403
    assert (
        through_run(
            viewer_client, viewer_client.post(CONFIRM_URL, {"upload": "0" * 64})
        ).status_code
        == 403
    )
    assert (
        through_run(viewer_client, viewer_client.post(CHECK_URL, {"upload": "0" * 64})).status_code
        == 403
    )
    assert viewer_client.get(TEMPLATE_URL, {"indicator": "cpp-rate"}).status_code == 403
    assert (
        viewer_client.get(reverse("admin:indicators_sourcemapping_changelist")).status_code == 403
    )
    assert not Value.objects.exists()


def test_undo_needs_permission_to_change_and_delete_values(site, officer_client, client):
    batch, _ = import_through_the_screens(officer_client, GOOD_ROWS)
    undo_url = reverse("admin:indicators_importbatch_undo", args=[batch.pk])
    importer, _ = create_officer(username="importer", password="a-long-test-password")
    importer.groups.clear()
    importer.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label="indicators",
            codename__in=["view_value", "add_value", "view_importbatch", "change_value"],
        )
    )
    client.force_login(importer)

    page = client.get(reverse("admin:indicators_importbatch_change", args=[batch.pk]))
    assert page.status_code == 200
    assert undo_url not in page.content.decode()
    assert client.get(undo_url).status_code == 403
    assert client.post(undo_url).status_code == 403
    assert Value.objects.count() == 3


def test_anonymous_visitors_are_sent_to_log_in(client, site):
    for response in (
        client.get(IMPORT_URL),
        through_run(client, client.post(CONFIRM_URL, {"upload": "0" * 64})),
        client.get(TEMPLATE_URL, {"indicator": "cpp-rate"}),
    ):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))


def test_every_post_needs_the_csrf_token(site, officer):
    client = Client(enforce_csrf_checks=True)
    client.force_login(officer)
    assert upload(client, GOOD_ROWS).status_code == 403
    assert through_run(client, client.post(CONFIRM_URL, {"upload": "0" * 64})).status_code == 403
    batch = ImportBatch.objects.create(file_name="x.csv", status="applied")
    undo_url = reverse("admin:indicators_importbatch_undo", args=[batch.pk])
    assert client.post(undo_url).status_code == 403


# --- The kept upload --------------------------------------------------------------------------


def test_only_a_hash_this_session_uploaded_is_accepted(site, officer_client, client, officer):
    preview = upload(officer_client, GOOD_ROWS)
    data = choices(preview)

    for bad in ("../../../etc/passwd", "A" * 64, data["upload"][:-1]):
        response = through_run(
            officer_client, officer_client.post(CONFIRM_URL, {**data, "upload": bad})
        )
        assert response["Location"] == IMPORT_URL
        assert "could not be read" in messages_of(response)[0]

    # The same file, named by its hash, from another session (even the same officer's).
    other = Client()
    other.force_login(officer)
    response = through_run(other, other.post(CONFIRM_URL, data))
    assert response["Location"] == IMPORT_URL
    assert "no longer here" in messages_of(response)[0]
    assert not Value.objects.exists()


def test_a_confirmed_upload_cannot_be_imported_twice(site, officer_client):
    preview = upload(officer_client, GOOD_ROWS)
    data = choices(preview)
    first = through_run(officer_client, officer_client.post(CONFIRM_URL, data))

    again = through_run(
        officer_client, officer_client.post(CONFIRM_URL, data)
    )  # e.g. the button pressed twice

    assert again["Location"] == first["Location"]
    assert "has already been imported" in messages_of(again)[-1]
    assert ImportBatch.objects.count() == 1


def test_a_file_over_the_size_limit_is_refused_with_a_clear_message(
    site, officer_client, monkeypatch
):
    monkeypatch.setattr("indicators.admin.forms.MAX_UPLOAD_BYTES", 100)

    response = upload(officer_client, GOOD_ROWS)

    assert response.status_code == 200
    (error,) = response.context["form"].errors["file"]
    assert error.startswith("“figures.csv” is 199\xa0bytes, over the limit of 100\xa0bytes")
    assert "python manage.py import_values" in error


def test_a_file_that_is_not_a_table_is_refused_on_the_upload_page(
    site, officer, officer_client, upload_root
):
    file = SimpleUploadedFile("figures.csv", b"%PDF-1.7 not really")

    response = through_run(
        officer_client, officer_client.post(IMPORT_URL, {"file": file, "file_format": "auto"})
    )

    assert response.status_code == 200
    (error,) = response.context["form"].errors["file"]
    assert "is a PDF document, not a CSV file or an Excel workbook" in error
    assert not list((upload_root / str(officer.pk)).iterdir())


def test_uploads_are_deleted_after_a_day(tmp_path):
    store = uploads.UploadStore(7, root=tmp_path)
    fresh = store.save(SimpleUploadedFile("a.csv", b"a,b\n1,2\n"))
    old = store.save(SimpleUploadedFile("b.csv", b"a,b\n3,4\n"))
    day_ago = time.time() - uploads.MAX_AGE_SECONDS - 60
    os.utime(store.path(old), (day_ago, day_ago))

    assert store.sweep() == 1

    assert store.path(fresh) == tmp_path / "7" / f"{fresh}.csv"
    assert store.path(old) is None
    assert store.path("../7/" + fresh) is None
    workbook = store.save(SimpleUploadedFile("c.xlsx", b"PK\x03\x04 a workbook"))
    assert store.path(workbook).name == f"{workbook}.xlsx"  # as openpyxl needs


# --- A big file ---------------------------------------------------------------------------------

BIG_ROWS = 50_000


def test_a_50000_row_file_goes_through_preview_and_confirm(site, officer_client):
    """The admin path for a large file: 50,000 figures (10 indicators, 50 areas, 100 years)
    previewed and imported, both within a minute."""
    indicators = [IndicatorFactory(slug=f"big-{n}") for n in range(10)]
    page = Topic.objects.get(owner__username="analyst")  # the officer's page shows them
    for indicator in indicators:
        SectionFactory(topic=page, indicator=indicator)
    areas = [
        Area(code=f"E07{n:06d}", name=f"District {n}", area_type="district") for n in range(50)
    ]
    for area in areas:
        area.save()
    rows = [["indicator", "area_code", "period", "value"]]
    for indicator in indicators:
        for year in range(1900, 2000):
            for number, area in enumerate(areas):
                rows.append([indicator.slug, area.code, str(year), f"{(year + number) % 97}.5"])
    assert len(rows) - 1 == BIG_ROWS

    started = time.perf_counter()
    preview = upload(officer_client, rows, "national.csv")
    previewed = time.perf_counter()
    response = through_run(officer_client, officer_client.post(CONFIRM_URL, choices(preview)))
    finished = time.perf_counter()

    assert preview.context["report"].figures_new == BIG_ROWS
    assert response.status_code == 302
    assert Value.objects.count() == BIG_ROWS
    assert ImportChange.objects.count() == BIG_ROWS
    assert Period.objects.count() == 100
    timing = (
        f"preview {previewed - started:.1f} s, confirm {finished - previewed:.1f} s, "
        f"total {finished - started:.1f} s"
    )
    print(f"\n50,000-row file through the admin: {timing}")  # noqa: T201 (seen with -s)
    assert finished - started < 60
