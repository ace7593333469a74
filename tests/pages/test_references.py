from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from indicators.models import Value
from pages.markdown import render_markdown
from pages.models import Section, Topic
from pages.references import ReferenceError, Resolver, find, parse
from tests.factories import CHILD_PROTECTION_URL as URL
from tests.factories import DISTRICTS, build_child_protection

pytestmark = pytest.mark.django_db


def render(text: str, topic: Topic | None = None) -> str:
    references = find(text)
    resolver = Resolver.for_references(references, topic.area if topic else None)
    return render_markdown(text, resolver=resolver)


@pytest.fixture
def page(db):
    """The Child protection page, its live figures and theirs, in the small Lancashire."""
    return build_child_protection().page


def test_parse_kinds_and_options():
    ref = parse("compare referrals-rate | with=England | period=2012/13")
    assert (ref.kind, ref.indicator, ref.option("with"), ref.option("period")) == (
        "compare",
        "referrals-rate",
        "England",
        "2012/13",
    )
    assert parse("cpp-rate").kind == "value"
    for bad, message in [
        ("", "not a reference"),
        ("sum referrals-rate", "not a kind"),
        ("referrals-rate | colour=red", "not an option"),
        ("compare referrals-rate", "compare with"),
        ("cpp-two-years | show=everything", "show="),
    ]:
        with pytest.raises(ReferenceError, match=message):
            parse(bad)


@pytest.mark.parametrize(
    ("reference", "expected"),
    [
        ("{{referrals-rate | period=2012/13}}", "638.6 per 10,000"),
        ("{{re-referrals | area=England | period=2012/13}}", "24.9%"),
        ("{{cpp-count | period=2013-03-31}}", "878"),
        ("{{cpp-two-years | period=2012/13 | show=count}}", "21"),
        ("{{cpp-ethnicity | breakdown=ethnicity: White British}}", "87%"),
        ("{{cpp-rate | area=E07000123}}", "73.3 per 10,000"),
        ("{{referrals-rate | period=2011/12}}", "557.0 per 10,000 (illustrative)"),
        ("{{trend referrals-rate}}", "up from 557.0 per 10,000 (illustrative) in 2011/12"),
        ("{{compare referrals-rate | with=England}}", "higher than England (520.7 per 10,000)"),
        ("{{compare re-referrals | with=North West}}", "higher than the North West (26.4%)"),
        ("{{rank cpp-rate | area=Preston}}", f"the highest of the {len(DISTRICTS)} districts"),
        ("{{rank cpp-rate | area=Burnley}}", f"2nd highest of the {len(DISTRICTS)} districts"),
    ],
)
def test_references_render_with_unit_and_decimals(page, reference, expected):
    assert f'<span class="figure">{expected}</span>' in render(reference, page)


def test_saving_a_section_with_a_bad_reference_names_it(page):
    section = Section(topic=page, heading="New", anchor="new", sort_order=99)
    for body, named in [
        ("{{no-such-indicator}}", "no-such-indicator"),
        ("{{referrals-rate | area=Atlantis}}", "Atlantis"),
        ("{{referrals-rate | period=1999/00}}", "1999/00"),
        ("{{referrals-rate | period=March}}", "March"),
        ("{{cpp-ethnicity | breakdown=ethnicity: Martian}}", "Martian"),
    ]:
        section.body = f"Text {body} more."
        with pytest.raises(ValidationError) as caught:
            section.full_clean()
        assert named in " ".join(caught.value.message_dict["body"])
    section.body = "Fine: {{referrals-rate}} and {{trend referrals-rate}}."
    section.full_clean()


def test_page_without_an_area_needs_area_in_references(page):
    theme = page.parent
    section = Section(topic=theme, heading="x", anchor="x", body="{{referrals-rate}}")
    with pytest.raises(ValidationError, match="no area"):
        section.full_clean()


def test_a_new_figure_changes_the_page_text(client, page):
    assert "73.3 per 10,000" in client.get(URL).content.decode()
    value = Value.objects.get(
        area__code="E07000123", indicator__slug="cpp-rate", period__code="2013-03-31"
    )
    value.value = Decimal("75.9")
    value.save()
    html = client.get(URL).content.decode()
    narrative = html.split('id="district-rates"', 1)[1].split("<figure", 1)[0]
    assert "75.9 per 10,000" in narrative and "73.3" not in narrative


def test_deleted_data_shows_a_marker_not_a_crash_or_a_blank(client, page):
    assert "figure not available" not in client.get(URL).content.decode()
    Value.objects.filter(area__code="E07000124", indicator__slug="cpp-rate").delete()
    html = client.get(URL).content.decode()
    assert html.count("figure not available") >= 1
    assert "cpp-rate | area=Ribble Valley" in html


def test_reference_text_is_escaped(page):
    html = render("{{<script>alert(1)</script>}}", page)
    assert "<script>" not in html and "figure not available" in html


def test_an_import_that_changes_a_value_changes_the_narrative_chart_and_table(client, page):
    import io
    import json

    from indicators.importing.services import import_values

    before = client.get(URL).content.decode()
    assert "73.3 per 10,000" in before
    csv_file = io.BytesIO(b"indicator,area_code,period,value\ncpp-rate,E07000123,2013-03-31,77.7\n")
    report = import_values(source=csv_file, file_name="preston.csv")
    assert not report.rejected
    html = client.get(URL).content.decode()
    section = html.split('id="district-rates"', 1)[1].split("</section>", 1)[0]
    narrative = section.split("<figure", 1)[0]
    assert "77.7 per 10,000" in narrative and "73.3" not in narrative
    chart = json.loads(section.split('type="application/json">', 1)[1].split("</script>", 1)[0])
    assert 77.7 in chart["datasets"][0]["data"] and 73.3 not in chart["datasets"][0]["data"]
    table = section.split("<table", 1)[1]
    # The old figure is there only as what the revised one was (released at once, so revised).
    assert "77.7" in table and "previously 73.3 per 10,000" in table
    assert table.count("73.3") == 2  # the revision's title and its words for screen readers
