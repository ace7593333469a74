"""Blocks of public pages kept built in the database (core/prebuilt.py): a page read from its
blocks is exactly the page built from the figures, reads no figures, follows every change,
and never keeps what only officers may see (staged figures, drafts)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.models import Prebuilt
from indicators.models import Value
from tests.factories import CHILD_PROTECTION_URL, PRESTON, build_child_protection
from tests.factories import child_protection_pages as pages

pytestmark = pytest.mark.django_db


@pytest.fixture
def site(db):
    return build_child_protection()


def get(client, url: str) -> tuple[str, list[str]]:
    cache.clear()  # the page cache: each request builds the page
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return response.content.decode(), [q["sql"] for q in captured.captured_queries]


@pytest.mark.parametrize("name", ["topic", "indicator", "area"])
def test_a_page_from_its_blocks_is_the_page_built_from_the_figures(client, site, name):
    url = pages()[name]
    built, built_queries = get(client, url)
    assert Prebuilt.objects.exists()
    kept, kept_queries = get(client, url)
    assert kept == built
    # Built: the chart's or table's figures were read; from the blocks: none are.
    assert any('FROM "indicators_value"' in sql for sql in built_queries)
    assert [sql for sql in kept_queries if 'FROM "indicators_value"' in sql] == []
    assert len(kept_queries) < len(built_queries)


def test_a_filtered_table_is_read_each_time(client, site):
    url = "/data/indicators/cpp-rate/?area_type=district"
    get(client, url)
    html, queries = get(client, url)
    assert any('FROM "indicators_value"' in sql for sql in queries)
    assert not Prebuilt.objects.filter(key__startswith="indicator-figures:").exists()
    assert "Preston" in html


def test_a_changed_figure_is_shown_at_once(client, site):
    for url in pages().values():
        get(client, url)
    value = Value.objects.get(
        indicator__slug="cpp-rate", area__code=PRESTON, period__code="2013-03-31"
    )
    value.value = Decimal("77.7")
    value.save()
    for name, url in pages().items():
        html, _ = get(client, url)
        assert "77.7" in html, name


def test_blocks_of_other_pages_stay_built(client, site):
    for url in pages().values():
        get(client, url)
    before = dict(Prebuilt.objects.values_list("key", "number"))
    value = Value.objects.get(
        indicator__slug="cpp-rate", area__code=PRESTON, period__code="2013-03-31"
    )
    value.value = Decimal("77.7")
    value.save()
    for url in pages().values():
        get(client, url)
    after = dict(Prebuilt.objects.values_list("key", "number"))
    rebuilt = {key for key in before if after[key] != before[key]}
    kept = set(before) - rebuilt
    # The sections about other indicators, and narrative without live figures, are kept.
    assert any(key.startswith("topic-section:") for key in kept)
    assert "indicator-trend:" + str(value.indicator_id) in rebuilt
    assert any(key.startswith("area-figures:") for key in rebuilt)


def test_an_officers_preview_is_never_kept(client, site, admin_user):
    """Staged figures and drafts are built for the officer each time, never kept: a block
    kept is what the public see."""
    import io

    from indicators.importing import import_values
    from pages import workflow

    client.force_login(admin_user)
    draft = workflow.start_draft(site.page, admin_user)
    section = draft.sections.get(anchor="about")
    section.body = "Words only the draft has."
    section.save()
    staged = (
        f"indicator,area_code,period,breakdown,value,status\ncpp-rate,{PRESTON},2013-03-31,,66.6,\n"
    ).encode()
    batch = import_values(source=io.BytesIO(staged), file_name="s.csv", stage=True).batch
    assert (
        "Words only the draft has."
        in client.get(CHILD_PROTECTION_URL + "?draft=1").content.decode()
    )
    preview = client.get(f"{CHILD_PROTECTION_URL}?release={batch.pk}").content.decode()
    assert "66.6" in preview
    indicator = client.get(f"/data/indicators/cpp-rate/?release={batch.pk}").content.decode()
    assert "66.6" in indicator
    kept = "".join(Prebuilt.objects.values_list("html", flat=True))
    assert "Words only the draft has." not in kept and "66.6" not in kept
    client.logout()
    for url in pages().values():
        html, _ = get(client, url)
        assert "66.6" not in html and "Words only the draft has." not in html


def test_blocks_built_by_another_release_of_the_code_are_built_again(client, site):
    url = pages()["topic"]
    html, _ = get(client, url)
    Prebuilt.objects.update(html="<p>Written by last year's templates</p>")
    for block in Prebuilt.objects.all():
        block.data["_code"] = "an older release"
        block.save()
    again, queries = get(client, url)
    assert again == html
    assert any('FROM "indicators_value"' in sql for sql in queries)
