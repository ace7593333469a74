"""How a page words its comparisons, its generated statements and its chart titles (issue 17):
Fingertips' labels where polarity and confidence intervals allow a test, the direction tied to
polarity where they do not, “not tested” explained in plain words, a statement left out where
the narrative above it already gives its figures, and titles that give the message first and
the statistics after."""

import re
from decimal import Decimal

import pytest
from django.template.loader import render_to_string

from core.formatting import NOT_TESTED_NOTE
from indicators.figures import FigureBuilder, compare
from indicators.models import Area, Indicator, Period, Value
from indicators.selectors import indicator_facts, page_figures
from pages.selectors import PageSection
from tests.factories import CHILD_PROTECTION_URL as URL
from tests.factories import (
    LANCASHIRE,
    AreaFactory,
    IndicatorFactory,
    PeriodFactory,
    ValueFactory,
    build_lancashire,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def lancashire():
    """The small Lancashire with two of the demo's indicators: Lancashire-12, the areas it is
    compared with (the North West and England), and its districts."""
    built = build_lancashire("referrals-rate", "cpp-rate")
    area = built.areas[LANCASHIRE]
    return built, area, list(area.ancestors())


def section_html(html: str, anchor: str) -> str:
    return html.split(f'id="{anchor}"', 1)[1].split("</section>", 1)[0]


def comparison_lines(section: str) -> list[str]:
    """The comparisons as a reader reads them: “▲ Higher than England (520.7): worse …”."""
    items = re.findall(r'<ul class="comparison">(.*?)</ul>', section, re.S)
    lines = re.findall(r"<li>(.*?)</li>", items[0], re.S) if items else []
    return [" ".join(re.sub(r"<[^>]+>", "", line).split()) for line in lines]


# --- the words of one comparison ------------------------------------------------------------


@pytest.mark.parametrize(
    ("polarity", "main", "limits", "other", "marker", "line", "css"),
    [
        # A 95% confidence interval and a polarity: Fingertips' better / similar / worse.
        ("low", "27.6", ("26.0", "29.3"), "24.9", "▲ Worse (significantly)", "than", "worse"),
        ("low", "2.4", ("1.6", "3.6"), "5.2", "▼ Better (significantly)", "than", "better"),
        ("high", "46.0", ("44.1", "48.0"), "38.7", "▲ Better (significantly)", "than", "better"),
        ("high", "46.0", ("44.1", "48.0"), "48.2", "▼ Worse (significantly)", "than", "worse"),
        ("low", "27.6", ("26.0", "29.3"), "26.4", "● Similar", "to", "neutral"),
        # Neither is better: higher / similar / lower.
        ("none", "73.3", ("70.0", "76.7"), "14.1", "▲ Higher (significantly)", "than", "neutral"),
        ("none", "73.3", ("70.0", "76.7"), "80.0", "▼ Lower (significantly)", "than", "neutral"),
        ("none", "73.3", ("70.0", "76.7"), "72.0", "● Similar", "to", "neutral"),
        # No interval: the direction, what it means where the polarity says, “not tested”.
        ("low", "27.6", (None, None), "20.0", "▲ Higher", "than : worse (not tested)", "neutral"),
        ("low", "17.6", (None, None), "20.0", "▼ Lower", "than : better (not tested)", "neutral"),
        ("high", "27.6", (None, None), "20.0", "▲ Higher", "than : better (not tested)", "neutral"),
        ("none", "27.6", (None, None), "20.0", "▲ Higher", "than : not tested", "neutral"),
        ("low", "20.0", (None, None), "20.0", "● Same", "as", "neutral"),
    ],
)
def test_a_comparison_is_worded_by_polarity_and_confidence_interval(
    polarity, main, limits, other, marker, line, css
):
    indicator = IndicatorFactory(polarity=polarity)
    period = PeriodFactory()
    lower, upper = (Decimal(x) if x else None for x in limits)
    a = ValueFactory(
        indicator=indicator, period=period, value=Decimal(main), lower_ci=lower, upper_ci=upper
    )
    result = compare(a, ValueFactory(indicator=indicator, period=period, value=Decimal(other)))
    assert result.marker == marker
    assert result.marker == f"{result.symbol} {result.label}"
    connector, _, note = line.partition(" : ")
    assert (result.connector, result.note, result.css) == (connector, note, css)
    # Colour alone never carries the meaning: each marker has a symbol and words.
    assert result.symbol in "▲▼●" and result.label


def test_colour_marks_only_a_tested_difference():
    indicator = IndicatorFactory(polarity="low")
    period = PeriodFactory()
    main = ValueFactory(indicator=indicator, period=period, value=Decimal("27.6"))
    untested = compare(main, ValueFactory(indicator=indicator, period=period, value=Decimal("1")))
    assert untested.css == "neutral" and untested.note == "worse (not tested)"


# --- the topic page -------------------------------------------------------------------------


def test_the_page_says_what_each_comparison_means_and_what_not_tested_means(client, demo):
    html = client.get(URL).content.decode()
    referrals = section_html(html, "referrals")
    assert comparison_lines(referrals) == [
        "▲ Higher than the North West (619.7): worse (not tested)",
        "▲ Higher than England (520.7): worse (not tested)",
        "▲ Higher than Blackburn with Darwen (492.9): worse (not tested)",
        "▼ Lower than Blackpool (954.7, illustrative): better (not tested)",
    ]
    assert "<h3>Lancashire-12 compared with other areas, 2012/13</h3>" in referrals
    # What "not tested" means is said once, above the sections, not after each list.
    assert html.count(NOT_TESTED_NOTE) == 1
    assert NOT_TESTED_NOTE not in referrals
    assert html.index(NOT_TESTED_NOTE) < html.index('id="referrals"')
    # A high rate is better here: lower than the North West is worse.
    assert comparison_lines(section_html(html, "assessment")) == [
        "▼ Lower than the North West (482.7): worse (not tested)",
        "▲ Higher than England (387.4): better (not tested)",
    ]
    # The old wording, after every line and in every statement, is gone.
    assert "not tested for significance" not in html
    assert "Differences are not tested" not in html
    # The marker's symbol is shape, not words, for a screen reader.
    assert '<span aria-hidden="true">▲</span> Higher</span> than England' in referrals


def lancashire_with_intervals(polarity: str = "low") -> tuple[Area, Indicator, Period]:
    england = AreaFactory(code="E92000001", name="England", area_type="country")
    region = AreaFactory(code="E12000002", name="North West", area_type="region", parent=england)
    county = AreaFactory(code="E10000017", name="Lancashire", area_type="county", parent=region)
    indicator = IndicatorFactory(name="Re-referrals", polarity=polarity, decimal_places=1)
    period = Period.objects.get_or_create_from_code("2012/13")[0]
    ValueFactory(
        indicator=indicator,
        area=county,
        period=period,
        value=Decimal("27.6"),
        lower_ci=Decimal("26.0"),
        upper_ci=Decimal("29.3"),
    )
    ValueFactory(indicator=indicator, area=region, period=period, value=Decimal("26.4"))
    ValueFactory(indicator=indicator, area=england, period=period, value=Decimal("24.9"))
    return county, indicator, period


def rendered_section(figures, indicator: Indicator, narrative: str = "") -> str:
    section = PageSection(
        anchor="section",
        heading="Section",
        html=narrative,
        indicator=indicator_facts(indicator),
        figures=figures,
    )
    return render_to_string("includes/topic_section.html", {"section": section})


def test_tested_comparisons_use_fingertips_labels_and_need_no_note():
    county, indicator, _ = lancashire_with_intervals()
    built = FigureBuilder(Value.objects.with_related(), county, county.ancestors()).build(indicator)
    figures = page_figures(built, "section-data")
    html = rendered_section(figures, indicator)
    assert comparison_lines(html) == [
        "● Similar to the North West (26.4%)",
        "▲ Worse (significantly) than England (24.9%)",
    ]
    assert 'class="marker marker--worse"' in html
    assert figures.untested_note == "" and "comparison-note" not in html


def test_not_tested_is_explained_only_where_the_page_asks(lancashire):
    built, area, comparators = lancashire
    indicator = built.indicators["referrals-rate"]
    figures = FigureBuilder(Value.objects.with_related(), area, comparators).build(indicator)
    assert page_figures(figures, "a-data").untested_note == NOT_TESTED_NOTE
    later = page_figures(figures, "b-data", explain_untested=False)
    assert later.untested_note == ""
    assert "comparison-note" not in rendered_section(later, indicator)


# --- a statement that would repeat the narrative --------------------------------------------


@pytest.mark.parametrize(
    ("narrative", "repeats"),
    [
        # A live figure, as the narrative renders it (bold, a no-break space, an entity).
        ("<p>In 2012/13 the rate rose to <strong>27.6%</strong>.</p>", True),
        ("<p>The figure was 27.6&nbsp;%, above the North West.</p>", True),
        ("<p>It was\n  27.6 in 2012/13</p>", True),
        # Rounded to fewer places, with its unit after it.
        ("<p>About 28% of referrals were re-referrals.</p>", True),
        # Not the figure: another number, a longer one, a rounding without its unit.
        ("<p>In 2012/13 the figure was 27.5%.</p>", False),
        ("<p>Some 127.6 cases; 27.61 in all.</p>", False),
        ("<p>28 of the referrals.</p>", False),
        ("", False),
    ],
)
def test_a_statement_the_narrative_already_gives_is_left_out(narrative, repeats):
    county, indicator, _ = lancashire_with_intervals()
    built = FigureBuilder(Value.objects.with_related(), county, county.ancestors()).build(indicator)
    assert built.statement.startswith("In 2012/13 the percentage for Lancashire was 27.6%.")
    figures = page_figures(built, "section-data", narrative=narrative)
    assert figures.repeats_narrative is repeats
    # The statement is kept (the release report compares it); the page leaves it out.
    assert figures.statement == built.statement
    html = rendered_section(figures, indicator, narrative)
    assert ('<p class="statement">' in html) is not repeats
    canvas = html.split("<canvas", 1)[1].split("</canvas>", 1)[0]
    assert ("In 2012/13 the percentage for Lancashire" in canvas) is not repeats


def test_a_ranking_statement_is_left_out_only_when_both_ends_are_given(lancashire):
    small, area, comparators = lancashire
    built = FigureBuilder(Value.objects.with_related(), area, comparators).build(
        small.indicators["cpp-rate"]
    )
    assert built.kind == "areas"
    top, bottom = built.stated
    both = f"<p>Preston: {top.value:.1f} per 10,000; Ribble Valley: {bottom.value:.1f}.</p>"
    one = f"<p>Preston: {top.value:.1f} per 10,000.</p>"
    assert page_figures(built, "a", narrative=both).repeats_narrative
    assert not page_figures(built, "a", narrative=one).repeats_narrative


# --- chart and table titles -----------------------------------------------------------------


def test_titles_give_the_message_then_the_statistics(client, demo):
    html = client.get(URL).content.decode()
    districts = section_html(html, "district-rates")
    assert (
        '<strong class="chart-title">Preston has the highest rate of the 12 districts' in districts
    )
    assert (
        '<span class="chart-subtitle">Children with a child protection plan (rate per 10,000 '
        "under 18s), rate per 10,000 population aged under 18, districts in Lancashire-12, "
        "31 March 2013</span>"
    ) in districts
    assert "<h3>Rate by district</h3>" in districts
    ethnicity = section_html(html, "ethnicity")
    assert "In Lancashire-12 the percentage is highest for White British" in ethnicity
    assert "Children with a child protection plan by ethnicity, percentage, Lancashire-12" in (
        ethnicity
    )
    assert "by ethnicity by ethnicity" not in html
    referrals = section_html(html, "referrals")
    assert "<h3>Rate over time</h3>" in referrals
    assert "The rate for Lancashire-12 was lower in 2012/13 than in 2007/08" in referrals
    # Each table's caption has its own id, which names its scrolling region.
    ids = re.findall(r'<caption id="([^"]+)"', html)
    assert len(ids) == len(set(ids)) == 9
    for caption_id in ids:
        assert f'aria-labelledby="{caption_id}"' in html


def test_an_indicator_page_names_its_chart_by_what_it_shows(client, demo):
    ranking = client.get(Indicator.objects.get(slug="cpp-rate").get_absolute_url())
    assert "<h2>Rate by district</h2>" in ranking.content.decode()
    assert "<h2>Trend</h2>" not in ranking.content.decode()
    trend = client.get(Indicator.objects.get(slug="referrals-rate").get_absolute_url())
    assert "<h2>Rate over time</h2>" in trend.content.decode()


def test_the_area_page_gives_percentages_their_sign(client, demo):
    html = client.get(Area.objects.get(code="E10000017").get_absolute_url()).content.decode()
    table = html.split('id="area-comparison"', 1)[1].split("</table>", 1)[0]
    rows = {
        re.sub(r"<[^>]+>", "", row.split("</th>", 1)[0]).strip(): re.findall(
            r'<td class="num">([^<]*)', row
        )
        for row in re.findall(r"<tr>(.*?)</tr>", table, re.S)
        if "<th" in row and "</td>" in row
    }
    two_years = next(v for k, v in rows.items() if k.startswith("Child protection plans lasting"))
    assert two_years[0].strip() == "2.4%"
    referrals = next(v for k, v in rows.items() if k.startswith("Rate of referrals"))
    assert referrals[0].strip() == "638.6"
