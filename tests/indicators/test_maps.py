"""The choropleth maps of "areas" sections (`indicators.maps`): classes and legend, hidden
figures, areas without a boundary, the SVG's links, and the page that shows them."""

import re
import time
from decimal import Decimal

import pytest
from django.template.loader import render_to_string

from indicators import maps
from indicators.figures import FigureBuilder
from indicators.models import Period, PublishedValue, Value
from tests.factories import (
    CHILD_PROTECTION_URL,
    AreaFactory,
    IndicatorFactory,
    ValueFactory,
    build_child_protection,
)

pytestmark = pytest.mark.django_db

# Lancashire-12's districts and their (demo) rates of children with a plan, 31 March 2013.
LANCASHIRE_RATES = {
    "E07000117": ("Burnley", "58.2"),
    "E07000118": ("Chorley", "41.6"),
    "E07000119": ("Fylde", "27.9"),
    "E07000120": ("Hyndburn", "52.4"),
    "E07000121": ("Lancaster", "38.8"),
    "E07000122": ("Pendle", "44.1"),
    "E07000123": ("Preston", "73.3"),
    "E07000124": ("Ribble Valley", "14.1"),
    "E07000125": ("Rossendale", "39.5"),
    "E07000126": ("South Ribble", "23.7"),
    "E07000127": ("West Lancashire", "31.2"),
    "E07000128": ("Wyre", "29.6"),
}


def section_figures(rates, *, unit="rate", multiplier=10_000, extra=()):
    """An "areas" section's figures: Lancashire-12's districts with `rates` ({code: (name,
    figure or a status)}), read as the public reads them (withheld figures masked)."""
    indicator = IndicatorFactory(unit=unit, multiplier=multiplier, decimal_places=1)
    county = AreaFactory(code="E10000017", name="Lancashire-12", area_type="county")
    period = Period.objects.get_or_create_from_code("2013-03-31")[0]
    for code, (name, figure) in [*rates.items(), *extra]:
        area = AreaFactory(code=code, name=name, parent=county)
        if figure == "withheld":
            value = Decimal("3.0")  # kept for officers; the public sees none
            ValueFactory(
                indicator=indicator, area=area, period=period, value=value, withheld="primary"
            )
        elif figure in ("not_available", "suppressed"):
            ValueFactory(indicator=indicator, area=area, period=period, value=None, status=figure)
        else:
            ValueFactory(indicator=indicator, area=area, period=period, value=Decimal(figure))
    values = PublishedValue.objects.with_related().filter(indicator=indicator)
    figures = FigureBuilder(list(values), county, []).build(indicator)
    assert figures.kind == "areas"
    return figures


def legend(drawn: maps.DistrictMap) -> list[tuple[str, tuple[str, ...]]]:
    return [(entry.label, entry.areas) for entry in drawn.legend]


def test_five_equal_interval_classes_named_by_their_range_in_the_unit():
    drawn = maps.district_map(section_figures(LANCASHIRE_RATES), "m")

    assert legend(drawn) == [
        ("14.1 to 25.8 per 10,000", ("South Ribble", "Ribble Valley")),
        ("25.9 to 37.7 per 10,000", ("West Lancashire", "Wyre", "Fylde")),
        ("37.8 to 49.5 per 10,000", ("Pendle", "Chorley", "Rossendale", "Lancaster")),
        ("49.6 to 61.4 per 10,000", ("Burnley", "Hyndburn")),
        ("61.5 to 73.3 per 10,000", ("Preston",)),
    ]
    css = {area.name: area.css for area in drawn.areas}
    assert css["Ribble Valley"] == css["South Ribble"] == "map-fill map-fill--5-1"
    assert css["Preston"] == "map-fill map-fill--5-5"
    assert [entry.css for entry in drawn.legend] == [
        f"map-fill map-fill--5-{i}" for i in range(1, 6)
    ]
    assert "equal" in drawn.classification
    assert drawn.title == "Map of the rate by district, 31 March 2013"


def test_four_classes_for_few_areas_and_percentages_keep_their_sign():
    rates = {
        "E07000117": ("Burnley", "10.0"),
        "E07000118": ("Chorley", "20.0"),
        "E07000119": ("Fylde", "30.0"),
        "E07000120": ("Hyndburn", "40.0"),
    }
    figures = section_figures(rates, unit="percentage", multiplier=100)
    drawn = maps.district_map(figures, "m")

    assert [entry.label for entry in drawn.legend] == [
        "10.0 to 17.4%",
        "17.5 to 24.9%",
        "25.0 to 32.4%",
        "32.5 to 40.0%",
    ]
    assert {area.name: area.label for area in drawn.areas}["Hyndburn"] == "Hyndburn: 40.0%"


def test_class_breaks_collapse_when_the_figures_are_too_close():
    assert maps.class_breaks([Decimal("10.0"), Decimal("10.1")], 1, 5) == [
        Decimal("10.0"),
        Decimal("10.1"),
    ]
    assert maps.class_breaks([Decimal("5")] * 3, 0, 4) == [Decimal("5")]


def test_withheld_and_not_available_are_hatched_and_labelled_never_a_class():
    rates = dict(LANCASHIRE_RATES)
    rates["E07000117"] = ("Burnley", "withheld")
    rates["E07000118"] = ("Chorley", "not_available")
    drawn = maps.district_map(section_figures(rates), "m")
    by_name = {area.name: area for area in drawn.areas}

    burnley, chorley = by_name["Burnley"], by_name["Chorley"]
    assert burnley.css == "map-hidden map-hidden--withheld" and burnley.pattern == "m-withheld"
    assert chorley.css == "map-hidden map-hidden--not-available"
    assert chorley.pattern == "m-not-available"
    assert burnley.label == "Burnley: suppressed (small numbers)"
    assert chorley.label == "Chorley: not available"
    hidden = legend(drawn)[-2:]
    assert hidden == [("Figure withheld", ("Burnley",)), ("Not available", ("Chorley",))]
    for entry in drawn.legend[:-2]:
        assert "Burnley" not in entry.areas and "Chorley" not in entry.areas
        assert entry.pattern == ""
    # The withheld figure (3.0) does not shape the classes: they start at Ribble Valley's.
    assert drawn.legend[0].label.startswith("14.1 to ")


def test_the_map_shows_the_tables_figures():
    figures = section_figures(LANCASHIRE_RATES)
    drawn = maps.district_map(figures, "m")
    table = {row.label: row.cells[0] for row in figures.rows if not row.is_main}

    assert [area.name for area in drawn.areas] == list(table)  # the table's order too
    for area in drawn.areas:
        value = table[area.name]
        assert area.figure == f"{value.display} per 10,000"
        assert area.url == value.area.get_absolute_url()


def test_areas_without_a_boundary_are_listed_in_words():
    figures = section_figures(LANCASHIRE_RATES, extra=[("E07800001", ("Old district", "12.0"))])
    drawn = maps.district_map(figures, "m")

    assert "E07800001" not in {area.code for area in drawn.areas}
    assert drawn.not_on_map == ("Old district (12.0 per 10,000)",)
    assert len(drawn.areas) == 12
    # Its figure does not shape the classes either.
    assert drawn.legend[0].label.startswith("14.1 to ")


def test_no_map_for_fewer_than_three_areas_with_a_boundary():
    rates = {code: LANCASHIRE_RATES[code] for code in ("E07000117", "E07000118")}
    figures = section_figures(rates, extra=[("E07800001", ("Old district", "12.0"))])
    assert maps.district_map(figures, "m") is None


def test_the_svg_has_one_focusable_link_per_district_named_with_its_figure():
    drawn = maps.district_map(section_figures(LANCASHIRE_RATES), "district-rates-data-map")
    html = render_to_string("includes/figures_map.html", {"map": drawn})

    links = re.findall(
        r'<a class="map-area" href="([^"]+)" tabindex="0" aria-label="([^"]+)"', html
    )
    assert len(links) == 12
    labels = {label for _, label in links}
    for name, figure in LANCASHIRE_RATES.values():
        assert f"{name}: {figure} per 10,000" in labels
        assert f"<title>{name}: {figure} per 10,000</title>" in html
    assert html.count("<path ") == 12
    assert 'viewBox="0 0 1000 ' in html
    assert "style=" not in html and "<script" not in html  # the Content-Security-Policy
    assert maps.ATTRIBUTION in html
    assert maps.ATTRIBUTION == (
        "Contains OS data © Crown copyright and database right 2016; Source: Office for "
        "National Statistics licensed under the Open Government Licence v.3.0"
    )
    assert "14.1 to 25.8 per 10,000" in html


def test_hatching_patterns_are_drawn_and_named_in_the_legend():
    rates = dict(LANCASHIRE_RATES)
    rates["E07000117"] = ("Burnley", "withheld")
    rates["E07000118"] = ("Chorley", "not_available")
    drawn = maps.district_map(section_figures(rates), "m")
    html = render_to_string("includes/figures_map.html", {"map": drawn})

    assert '<pattern id="m-withheld"' in html and '<pattern id="m-not-available"' in html
    assert 'fill="url(#m-withheld)"' in html and 'fill="url(#m-not-available)"' in html
    assert 'fill="url(#m-withheld-key)"' in html
    assert "Figure withheld" in html and "Not available" in html


def test_decoding_a_quantised_topology():
    topology = {
        "type": "Topology",
        "transform": {"scale": [0.5, 0.25], "translate": [-2.0, 50.0]},
        "arcs": [[[0, 0], [4, 0], [0, 4]], [[4, 4], [-4, 0], [0, -4]]],
        "objects": {
            "lad": {
                "type": "GeometryCollection",
                "geometries": [
                    {
                        "type": "Polygon",
                        "arcs": [[0, 1]],
                        "properties": {"code": "E1", "name": "Square"},
                    },
                    {
                        "type": "MultiPolygon",
                        "arcs": [[[~1, ~0]]],
                        "properties": {"code": "E2", "name": "Backwards"},
                    },
                ],
            }
        },
    }
    arcs = maps.decode_arcs(topology)
    assert arcs[0] == [(-2.0, 50.0), (0.0, 50.0), (0.0, 51.0)]
    square = [(-2.0, 50.0), (0.0, 50.0), (0.0, 51.0), (-2.0, 51.0), (-2.0, 50.0)]
    assert maps.ring([0, 1], arcs) == square
    assert maps.ring([~1, ~0], arcs)[:3] == [(-2.0, 50.0), (-2.0, 51.0), (0.0, 51.0)]
    read = maps.read_boundaries(maps.compact(topology, "lad"))
    assert read["E1"].name == "Square"
    assert read["E1"].polygons == ((tuple(square),),)


def test_boundaries_are_read_once_and_cover_englands_districts():
    assert maps.shipped() is maps.shipped()
    assert maps.boundary("E07000123") is maps.boundary("E07000123")
    assert maps.boundary("E07800001") is None
    shipped = maps.boundaries()
    assert len(shipped) == 296
    assert shipped["E07000123"].name == "Preston"
    assert all(code in shipped for code in LANCASHIRE_RATES)


def test_drawing_a_map_costs_no_query_and_little_time(django_assert_num_queries):
    figures = section_figures(LANCASHIRE_RATES)
    maps.shipped()
    maps.drawing.cache_clear()
    with django_assert_num_queries(0):
        start = time.perf_counter()
        maps.district_map(figures, "m")
        first = time.perf_counter() - start
        start = time.perf_counter()
        for _ in range(20):
            maps.district_map(figures, "m")
        again = (time.perf_counter() - start) / 20
    assert first < 0.05 and again < 0.01, (first, again)  # measured: ~1 ms and ~0.1 ms


def test_the_child_protection_page_maps_its_district_rates(client):
    build_child_protection()
    html = client.get(CHILD_PROTECTION_URL).content.decode()
    found = re.findall(r'<section class="section" id="([^"]+)"(.*?)</section>', html, re.S)
    sections = dict(found)

    district = sections["district-rates"]
    assert '<figure class="choropleth"' in district
    assert district.count('class="map-area"') == 4  # the small Lancashire's four districts
    assert sum('class="choropleth"' in body for body in sections.values()) == 1
    assert maps.ATTRIBUTION in district
    assert "/indicators/maps.css" in html
    # The map's figures are the table's: each district's row and its area on the map.
    table = district.split("<table", 1)[1].split("</table>", 1)[0]
    row = r'<th scope="row">(?:<a [^>]*>)?([^<]+?)(?:</a>)?</th>\s*<td class="num">\s*([\d.,]+)'
    rows = dict(re.findall(row, table))
    labels = dict(re.findall(r'aria-label="([^":]+): ([\d.,]+) per 10,000', district))
    assert labels == {name: figure for name, figure in rows.items() if name in labels}
    assert set(labels) == {"Burnley", "Chorley", "Preston", "Ribble Valley"}
    assert Value.objects.count()  # the page read real figures


def test_the_command_writes_the_boundaries_from_the_topojson(tmp_path):
    import json
    from io import StringIO

    from django.core.management import call_command

    topology = {
        "type": "Topology",
        "arcs": [[[-2.0, 50.0], [0.0, 50.0], [0.0, 51.0], [-2.0, 50.0]]],
        "objects": {
            "lad": {
                "type": "GeometryCollection",
                "geometries": [
                    {"type": "Polygon", "arcs": [[0]], "properties": {"code": "E1", "name": "A"}}
                ],
            }
        },
    }
    source, output = tmp_path / "lad.topojson", tmp_path / "out.json"
    source.write_text(json.dumps(topology), encoding="utf-8")
    out = StringIO()
    call_command("build_map_boundaries", source, output=output, dry_run=True, stdout=out)
    assert not output.exists() and "Would write 1 areas'" in out.getvalue()
    call_command("build_map_boundaries", source, output=output, stdout=out)
    read = maps.read_boundaries(json.loads(output.read_text(encoding="utf-8")))
    assert read["E1"].polygons == ((((-2.0, 50.0), (0.0, 50.0), (0.0, 51.0), (-2.0, 50.0)),),)
    assert maps.ATTRIBUTION in out.getvalue()
