import csv
import re
from decimal import Decimal

import pytest
from django.core.management import call_command

from indicators.models import Area, Breakdown, Indicator, Period, Value
from pages.demo import content
from pages.demo.loader import ILLUSTRATIVE_CSV, PUBLISHED_CSV
from pages.models import PageAuthor, Section, Topic, TopicLink

pytestmark = pytest.mark.django_db

MODELS = [Area, Indicator, Period, Breakdown, Value, Topic, Section, TopicLink, PageAuthor]


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


def published_rows() -> list[dict[str, str]]:
    with PUBLISHED_CSV.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_load_demo_twice_changes_nothing_the_second_time(db, capsys):
    call_command("load_demo")
    first = counts()
    snapshot = list(Value.objects.order_by("pk").values_list("pk", "value", "updated_at"))
    call_command("load_demo")
    assert counts() == first
    assert list(Value.objects.order_by("pk").values_list("pk", "value", "updated_at")) == snapshot
    assert "already up to date" in capsys.readouterr().out


def test_dry_run_saves_nothing(db, capsys):
    call_command("load_demo", "--dry-run")
    assert "nothing was saved" in capsys.readouterr().out
    assert Value.objects.count() == 0


def test_demo_holds_the_reference_areas_indicators_and_periods(demo):
    assert Area.objects.count() == 17
    assert Indicator.objects.count() == 8
    labels = [p.label for p in Period.objects.all()]
    for year in ["2007/08", "2008/09", "2009/10", "2010/11", "2011/12", "2012/13"]:
        assert year in labels
    assert "31 March 2013" in labels
    referrals = Indicator.objects.get(name="Rate of referrals to children's social care")
    assert referrals.unit_label == "rate per 10,000 population aged under 18"
    assert referrals.polarity == "low"
    assert Indicator.objects.get(slug="referrals-to-assessment").polarity == "high"
    assert Indicator.objects.get(slug="re-referrals").unit_label == "%"


def test_every_published_figure_is_stored_exactly_once(demo):
    problems = []
    for row in published_rows():
        indicator = Indicator.objects.get(name=row["indicator"])
        matches = Value.objects.filter(
            indicator=indicator,
            area__code=row["area_code"],
            period__code=Period.from_code(row["period"]).code,
        )
        if row["category"] == "All":
            matches = matches.filter(breakdown__isnull=True)
        else:
            matches = matches.filter(breakdown__label=row["category"])
        found = [(v.value, v.count, v.is_illustrative) for v in matches]
        expected = (Decimal(row["value"]), Decimal(row["count"]) if row["count"] else None, False)
        if found != [expected]:
            problems.append((row["indicator"], row["area_name"], row["period"], found))
        polarity = {"none": "none", "low is good": "low", "high is good": "high"}[row["polarity"]]
        if indicator.polarity != polarity:
            problems.append((row["indicator"], "polarity", indicator.polarity))
    assert problems == []


def test_only_the_published_figures_are_not_illustrative(demo):
    assert Value.objects.published().count() == len(published_rows())
    with ILLUSTRATIVE_CSV.open(newline="", encoding="utf-8") as handle:
        illustrative_rows = sum(1 for _ in csv.DictReader(handle))
    assert Value.objects.illustrative().count() == illustrative_rows
    assert not Value.objects.illustrative().filter(note="").exists()


def test_demo_published_figures_match_their_source_columns():
    """The committed copy keeps the reference columns: indicator, unit, polarity, area, period,
    category, value and count, with commas inside names quoted."""
    rows = published_rows()
    assert len(rows) == 18
    assert {r["unit"] for r in rows} == {
        "count",
        "percentage",
        "rate per 10,000 population aged under 18",
    }
    assert ("E07000123", "73.3") in {(r["area_code"], r["value"]) for r in rows}


def test_topic_tree_and_child_protection_page(demo):
    page = Topic.objects.get(path=content.CHILD_PROTECTION)
    assert [t.title for t in page.ancestors()] == [
        "Children and young people",
        "Children's social care",
    ]
    assert (
        page.get_absolute_url()
        == "/children-and-young-people/childrens-social-care/child-protection/"
    )
    assert page.author.name == "Afzal Patel"
    assert page.last_updated.isoformat() == "2014-03-19"
    sections = list(page.sections.select_related("indicator"))
    covered = {s.indicator.slug for s in sections if s.indicator}
    assert covered == {spec["slug"] for spec in content.INDICATORS}
    assert Topic.objects.filter(parent=page.parent).count() >= 3
    assert "Safeguarding" in page.keyword_list


def test_every_published_figure_is_a_live_reference_in_the_narrative(demo):
    from pages.selectors import narrative as render_narrative

    page = Topic.objects.get(path=content.CHILD_PROTECTION)
    sections = list(page.sections.all())
    for section in sections:
        section.full_clean()  # every reference names things the site has
        assert not re.search(r"\*\*[\d.,]+%?\*\*", section.body), section.anchor
    narrative = " ".join(render_narrative(page, sections))
    assert "figure not available" not in narrative
    for row in published_rows():
        assert re.search(rf"(?<![\d.]){re.escape(row['value'])}(?![\d])", narrative), row
    assert "the highest of the 12 districts" in narrative


def test_child_protection_page_is_about_lancashire_and_its_neighbours(demo):
    page = Topic.objects.get(path=content.CHILD_PROTECTION)
    assert page.area.code == "E10000017"
    assert sorted(a.code for a in page.comparators.all()) == ["E06000008", "E06000009"]
