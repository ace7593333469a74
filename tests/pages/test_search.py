import re
from urllib.parse import urlencode

import pytest
from django.core.cache import cache
from django.db import connection

from pages.search import MAX_QUERY_LENGTH, parse_query, stem
from tests.factories import CHILD_PROTECTION_URL as CHILD_PROTECTION
from tests.factories import IndicatorFactory, SectionFactory, TopicFactory, build_child_protection

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def empty_cache():
    # Pages with no results show the cached A to Z strip.
    cache.clear()
    yield
    cache.clear()


def search(client, q, **params):
    response = client.get(f"/search/?{urlencode({'q': q, **params})}")
    assert response.status_code == 200
    return response.content.decode()


def result_urls(html: str) -> list[str]:
    return re.findall(r'<h3 class="search-result__title"><a href="([^"]+)">', html)


# --- The demo ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "q", ["re-referral", "Re-referrals", "referrals", "protection plan", "safeguarding"]
)
def test_demo_searches_find_child_protection_first(client, demo, q):
    html = search(client, q)
    assert result_urls(html)[0] == CHILD_PROTECTION
    assert "<mark>" in html


@pytest.fixture
def child_protection(db):
    """The Child protection page, its indicators and the topics around it (Children in need,
    also known as Domestic abuse; Children in care), as in the demo."""
    return build_child_protection()


def test_results_are_counted_and_highlighted(client, child_protection):
    html = search(client, "referrals")
    count = len(result_urls(html))
    assert f"{count} results for “referrals”" in html
    assert "<mark>Referrals</mark>" in html
    # The indicators behind the topic are found too, linking to their own pages.
    assert "/data/indicators/referrals-rate/" in result_urls(html)
    assert f'Indicator, shown on <a href="{CHILD_PROTECTION}">Child protection</a>' in " ".join(
        html.split()
    )


def test_keyword_match_is_shown(client, child_protection):
    html = search(client, "safeguarding")
    assert "1 result for “safeguarding”" in html
    assert "Also known as: <mark>Safeguarding</mark>" in html


def test_narrative_match_links_to_its_section(client, child_protection):
    html = search(client, "domestic abuse neglect")
    assert result_urls(html) == [CHILD_PROTECTION]
    assert f'<a href="{CHILD_PROTECTION}#re-referrals">Re-referrals within 12 months</a>' in html
    assert "<mark>domestic</mark> <mark>abuse</mark>" in html


def test_search_box_keeps_the_query(client, child_protection):
    html = search(client, "protection plan")
    assert 'id="site-search-q" type="search" name="q" value="protection plan"' in html
    assert 'id="search-q" type="search" name="q" value="protection plan"' in html


# --- Matching and ranking ------------------------------------------------------------------


def test_ranking_title_then_keywords_summary_headings_and_body(client):
    body = TopicFactory(title="Body")
    SectionFactory(topic=body, body="Walruses were seen on the coast.")
    heading = TopicFactory(title="Heading")
    SectionFactory(topic=heading, heading="Walrus numbers")
    summary = TopicFactory(title="Summary", summary="About the walrus.")
    keywords = TopicFactory(title="Keywords", keywords="Pinnipeds, Walrus")
    title = TopicFactory(title="Walrus")
    html = search(client, "walrus")
    order = [url for url in result_urls(html) if "/data/" not in url]
    expected = [title, keywords, summary, heading, body]
    assert order == [topic.get_absolute_url() for topic in expected]


def test_indicator_name_counts_like_a_heading(client):
    topic = TopicFactory(title="Oral health")
    indicator = IndicatorFactory(name="Tooth decay in five year olds", slug="tooth-decay")
    SectionFactory(topic=topic, heading="Children", indicator=indicator, body="")
    other = TopicFactory(title="Diet")
    SectionFactory(topic=other, body="Sugar leads to tooth decay.")
    urls = result_urls(search(client, "tooth decay"))
    assert urls.index(topic.get_absolute_url()) < urls.index(other.get_absolute_url())
    assert indicator.get_absolute_url() in urls


def test_every_word_must_match(client):
    TopicFactory(title="Smoking", summary="Tobacco use.")
    TopicFactory(title="Smoking in pregnancy")
    urls = result_urls(search(client, "smoking pregnancy"))
    assert len(urls) == 1


def test_drafts_are_not_found(client):
    draft = TopicFactory(title="Secret smoking review", status="draft")
    TopicFactory(title="Smoking under a draft", parent=draft)
    hidden = IndicatorFactory(name="Smoking prevalence", is_public=False)
    SectionFactory(topic=draft, indicator=hidden, heading="Smoking figures")
    html = search(client, "smoking")
    assert "No results for “smoking”" in html
    assert result_urls(html) == []


def test_indicator_not_on_any_page_is_not_found(client):
    IndicatorFactory(name="Smoking prevalence", is_public=False)
    assert result_urls(search(client, "smoking")) == []


def test_text_from_the_database_is_escaped_before_highlighting(client):
    TopicFactory(
        title="<b>Smoking</b>",
        summary='Smoking <script>alert("x")</script> & <mark>vaping</mark>',
        keywords="<i>Smoking</i> cessation",
    )
    html = search(client, "smoking")
    main = html.split('<main id="main"', 1)[1]
    assert "<script>" not in main and "<b>" not in main and "<i>" not in main
    assert "<mark>Smoking</mark> &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in main
    assert "&lt;mark&gt;vaping&lt;/mark&gt;" in main
    assert "&lt;b&gt;Smoking&lt;/b&gt;" in main


def test_snippet_of_markdown_narrative_is_plain_text(client):
    topic = TopicFactory(title="Air quality")
    SectionFactory(topic=topic, body="Levels of **nitrogen dioxide** fell [a lot](https://x.org).")
    html = search(client, "nitrogen")
    assert "Levels of <mark>nitrogen</mark> dioxide fell a lot." in html


# --- Empty, long and odd queries -----------------------------------------------------------


@pytest.mark.parametrize("q", ["", "   "])
def test_empty_query_gives_tips_and_the_a_to_z(client, q):
    TopicFactory(title="Smoking")
    html = search(client, q)
    assert "Finding what you need" in html
    assert '<a href="/a-z/s/">S</a>' in html
    assert 'href="/a-z/"' in html
    assert "result" not in html.split("<h1>", 1)[1].split("</main>", 1)[0].lower()


def test_no_parameter_at_all_is_the_empty_page(client):
    response = client.get("/search/")
    assert response.status_code == 200
    assert "Finding what you need" in response.content.decode()


ODD_QUERIES = [
    "x" * 10_000,
    "!!! ??? ... ---",
    "'; drop table topics --",
    '" OR 1=1 --',
    "<script>alert(1)</script>",
    "日本語 ñandú Ελληνικά 🙂",
    "\x00\x01 null bytes",
    "%_\\ like wildcards",
    'unbalanced "quote and (paren -minus | pipe & amp :* colon',
    "the of and",
]


@pytest.mark.parametrize("q", ODD_QUERIES)
def test_odd_queries_give_a_helpful_no_results_page(client, q):
    TopicFactory(title="Smoking", summary="Smoking in pregnancy and stop smoking services.")
    html = search(client, q)
    assert "No results for “" in html
    assert "checking the spelling" in html
    assert '<a href="/a-z/s/">S</a>' in html
    assert "<script>alert" not in html
    assert "\x00" not in html


def test_query_is_echoed_escaped(client):
    html = search(client, "<script>alert(1)</script>")
    assert "No results for “&lt;script&gt;alert(1)&lt;/script&gt;”" in html
    assert 'value="&lt;script&gt;alert(1)&lt;/script&gt;"' in html


def test_long_query_is_shortened_and_says_so(client):
    html = search(client, "smoking " * 2_000)
    assert f"first {MAX_QUERY_LENGTH} characters" in html
    echoed = re.search(r'id="search-q" type="search" name="q" value="([^"]*)"', html).group(1)
    assert len(echoed) <= MAX_QUERY_LENGTH
    assert "too long" not in search(client, "smoking")


@pytest.mark.parametrize("page", ["0", "-1", "abc", "99999", "1.5", ""])
def test_odd_page_numbers_still_give_a_page(client, page):
    TopicFactory(title="Smoking")
    assert "1 result for “smoking”" in search(client, "smoking", page=page)


# --- Pagination and queries ----------------------------------------------------------------


def test_results_come_twenty_to_a_page(client):
    for number in range(25):
        TopicFactory(title=f"Smoking {number:02d}")
    first = search(client, "smoking")
    assert "25 results for “smoking”" in first
    assert len(result_urls(first)) == 20
    assert "Showing results 1 to 20." in first
    assert 'href="?q=smoking&amp;page=2" rel="next"' in first
    second = search(client, "smoking", page=2)
    assert len(result_urls(second)) == 5
    assert '<ol class="search-results" start="21">' in second
    assert 'rel="prev"' in second and 'rel="next"' not in second
    assert not set(result_urls(first)) & set(result_urls(second))


def make_topics(count: int) -> None:
    theme = TopicFactory(title="Health")
    for number in range(count):
        topic = TopicFactory(
            title=f"Smoking {number}", parent=theme, summary="Smoking rates.", keywords="Tobacco"
        )
        indicator = IndicatorFactory(name=f"Smoking indicator {number}")
        SectionFactory(topic=topic, indicator=indicator, body="Smoking is falling.")
        SectionFactory(topic=topic, body="More smoking text.")


@pytest.mark.parametrize("count", [2, 30])
def test_queries_do_not_grow_with_topics(client, django_assert_max_num_queries, count):
    make_topics(count)
    # topic hits, indicator hits; topics, their sections, their parents' titles;
    # indicators, the sections that show them
    with django_assert_max_num_queries(7):
        html = search(client, "smoking")
    assert "Smoking 1" in html
    # no hits (both kinds), then the A to Z strip (the last change's number, to keep it with,
    # and the published topics)
    with django_assert_max_num_queries(4):
        search(client, "walrus")
    with django_assert_max_num_queries(1):  # the A to Z strip
        search(client, "")


# --- Query parsing -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("referrals", "referr"),
        ("referral", "referr"),
        ("re-referrals", "re-referr"),
        ("safeguarding", "safeguard"),
        ("families", "famil"),
        ("family", "famil"),
        ("matches", "match"),
        ("plans", "plan"),
        ("children's", "children"),
        ("address", "address"),
        ("social", "social"),
        ("care", "care"),
    ],
)
def test_stem(word, expected):
    assert stem(word) == expected


def test_parse_query_drops_stop_words_and_control_characters():
    query = parse_query("  The\x00 protection\tof   children's PLANS ")
    assert query.text == "The protection of children's PLANS"
    assert query.terms == ("protection", "children", "plan")
    assert not query.was_shortened


def test_highlighter_matches_word_starts_only():
    pattern = parse_query("care").highlighter
    assert [m.group() for m in pattern.finditer("Carers care for healthcare")] == [
        "Carers",
        "care",
    ]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL full-text search")
def test_postgres_web_search_syntax(client):
    TopicFactory(title="Smoking", summary="Smoking in pregnancy.")
    TopicFactory(title="Smoking cessation", summary="Stop smoking services.")
    assert len(result_urls(search(client, "smoking -pregnancy"))) == 1
    assert len(result_urls(search(client, '"stop smoking"'))) == 1
    assert len(result_urls(search(client, "pregnancy or cessation"))) == 2
