import pytest
from django.core.management import call_command

from pages.checker import check_sections, convert
from pages.models import Section
from tests.factories import CHILD_PROTECTION_URL as URL
from tests.factories import build_child_protection

pytestmark = pytest.mark.django_db


@pytest.fixture
def section(db):
    build_child_protection()
    section = Section.objects.select_related("topic", "indicator").get(anchor="referrals")
    section.body = (
        "In 2012/13 the rate rose to 638.6 per 10,000 children, above England (520.7). "
        "An old figure: 612.4. About 30 councils took part in 2013, and 12 districts."
    )
    section.save()
    return section


def test_checker_finds_matching_stale_and_unrelated_numbers(section):
    found = {n.text: n for n in check_sections([section])}
    assert set(found) == {"638.6", "520.7", "612.4", "30", "12"}  # not 2012/13 or 2013
    assert found["638.6"].status == "matches current data"
    assert found["638.6"].suggestion == "{{referrals-rate | period=2012/13}}"
    assert found["520.7"].suggestion == "{{referrals-rate | area=England | period=2012/13}}"
    assert found["612.4"].status == "does not match current data"
    assert found["30"].matches == []


def test_convert_replaces_the_number_and_its_unit_once(section, client):
    assert convert(section, "638.6", "{{referrals-rate | period=2012/13}}")
    section.refresh_from_db()
    assert "rose to {{referrals-rate | period=2012/13}} children" in section.body
    html = client.get(URL).content.decode()
    assert 'rose to <span class="figure">638.6 per 10,000</span> children' in html
    # A suggestion that no longer matches is refused.
    assert not convert(section, "612.4", "{{referrals-rate | period=2012/13}}")


def test_command_reports_and_fixes(section, capsys):
    call_command("check_narrative", "--topic", section.topic.path)
    out = capsys.readouterr().out
    assert "“638.6” matches current data; use {{referrals-rate | period=2012/13}}" in out
    assert "“612.4” does not match current data" in out
    call_command("check_narrative", "--fix")
    out = capsys.readouterr().out
    assert "2 converted into live references." in out
    section.refresh_from_db()
    assert "{{referrals-rate | area=England | period=2012/13}}" in section.body
    assert "612.4" in section.body


def test_demo_narrative_has_no_typed_figures_left(demo):
    sections = list(Section.objects.select_related("topic", "indicator"))
    assert [n.text for n in check_sections(sections) if n.matches] == []
