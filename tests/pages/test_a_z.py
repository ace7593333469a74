import re

import pytest
from django.core.cache import cache

from pages.models import Topic
from pages.search import a_z_index, sort_key
from tests.factories import CHILD_PROTECTION_URL as CHILD_PROTECTION
from tests.factories import TopicFactory, build_child_protection

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def empty_cache():
    # The A to Z is cached, and a test's rolled-back rows send no signals.
    cache.clear()
    yield
    cache.clear()


def strip_letters(html: str) -> tuple[set[str], set[str]]:
    """(linked letters, greyed letters) of the A to Z strip."""
    strip = html.split('<nav class="a-z-strip"', 1)[1].split("</nav>", 1)[0]
    linked = set(re.findall(r'<a href="/a-z/([a-z])/"[^>]*>([A-Z])</a>', strip))
    assert all(slug.upper() == letter for slug, letter in linked)
    greyed = set(re.findall(r'<span class="a-z-empty">([A-Z])<', strip))
    return {letter for _, letter in linked}, greyed


@pytest.fixture
def topics(db):
    """The Child protection page and the topics around it, and Smoking (also known as Tobacco,
    Stop smoking) under a theme of its own, as in the demo."""
    build_child_protection(["about"])
    theme = TopicFactory(title="Health and wellbeing", keywords="Public health, Lifestyle")
    TopicFactory(parent=theme, title="Smoking", keywords="Tobacco, Stop smoking")


def entries(html: str) -> list[str]:
    """The A to Z entries on a page, as text, in order."""
    lists = re.findall(r'<ul class="a-z-list">(.*?)</ul>', html, re.S)
    items = re.findall(r"<li>(.*?)</li>", "".join(lists), re.S)
    return [" ".join(re.sub(r"<[^>]+>", "", item).split()) for item in items]


def test_demo_strip_links_letters_with_topics_and_greys_the_rest(client, demo):
    html = client.get("/a-z/").content.decode()
    linked, greyed = strip_letters(html)
    # Checked against the demo's titles and keywords: nothing begins with these letters.
    assert greyed == set("BIJKQVWXZ")
    assert linked == set("ACDEFGHLMNOPRSTUY")
    assert '<ol aria-label="Topics by first letter">' in html
    assert '<nav class="a-z-strip" aria-label="A to Z">' in html
    assert '<span class="a-z-empty">X<span class="visually-hidden"> (no topics)</span>' in html


def test_index_lists_every_letter_with_entries_in_order(client, topics):
    html = client.get("/a-z/").content.decode()
    headings = re.findall(r'<h2 id="a-z-([a-z])">', html)
    assert headings == sorted(headings)
    assert set(headings) == {letter.lower() for letter in a_z_index().letters}
    listed = entries(html)
    assert "Child protection" in listed
    assert "Safeguarding: see Child protection" in listed
    assert "Tobacco: see Smoking" in listed
    assert html.index("<h1>") < html.index("<h2")


def test_keywords_are_entries_that_link_to_their_topic(client, topics):
    response = client.get("/a-z/s/")
    assert response.status_code == 200
    html = response.content.decode()
    assert f'Safeguarding: see <a href="{CHILD_PROTECTION}">Child protection</a>' in html
    assert "Smoking" in entries(html)
    # Every entry on the page begins with S, titles and keywords sorted together.
    listed = entries(html)
    assert all(entry.upper().startswith("S") for entry in listed)
    assert listed == sorted(listed, key=sort_key)


def test_letter_page_marks_the_current_letter(client, topics):
    html = client.get("/a-z/c/").content.decode()
    assert '<a href="/a-z/c/" aria-current="page">C</a>' in html
    assert html.count('aria-current="page"') == 2  # The strip and the breadcrumbs.
    assert f'<a href="{CHILD_PROTECTION}">Child protection</a>' in html
    assert "<h1>Topics A to Z: C</h1>" in html


def test_letter_is_case_insensitive(client, topics):
    upper, lower = client.get("/a-z/C/"), client.get("/a-z/c/")
    assert upper.status_code == lower.status_code == 200
    assert entries(upper.content.decode()) == entries(lower.content.decode())
    assert '<link rel="canonical" href="/a-z/c/">' in upper.content.decode()


def test_empty_letter_is_a_page_that_says_so(client, topics):
    response = client.get("/a-z/x/")
    assert response.status_code == 200
    assert "No topics begin with X." in response.content.decode()


@pytest.mark.parametrize("letter", ["ab", "1", "%C3%A9", "_", "a-"])
def test_anything_but_one_letter_is_not_found(client, letter):
    assert client.get(f"/a-z/{letter}/").status_code == 404


def test_drafts_and_pages_under_drafts_are_not_listed(client):
    TopicFactory(title="Alcohol", keywords="Drinking")
    draft = TopicFactory(title="Zoonoses", keywords="Bird flu", status="draft")
    TopicFactory(title="Quarantine", parent=draft)
    html = client.get("/a-z/").content.decode()
    linked, _ = strip_letters(html)
    assert linked == {"A", "D"}
    assert entries(html) == ["Alcohol", "Drinking: see Alcohol"]
    assert client.get("/a-z/z/").content.decode().count("Zoonoses") == 0


def test_sorting_ignores_case_accents_and_a_leading_the(client):
    for title in ["the Marmot review", "Obesity", "École readiness", "mental health", "5 a day"]:
        TopicFactory(title=title)
    index = a_z_index()
    assert [e.label for e in index.for_letter("M")] == ["the Marmot review", "mental health"]
    assert [e.label for e in index.for_letter("E")] == ["École readiness"]
    assert index.letters == {"E", "M", "O"}
    html = client.get("/a-z/").content.decode()
    # Entries that do not begin with a letter are listed last, under their own heading.
    assert (
        html.index("Obesity") < html.index("Numbers and other characters") < html.index("5 a day")
    )


def test_keyword_that_repeats_the_title_or_itself_is_listed_once(db):
    TopicFactory(title="Carers", keywords="carers, Young carers, Young carers")
    labels = [e.label for e in a_z_index().entries]
    assert labels == ["Carers", "Young carers"]


def test_index_follows_changes_to_topics(client):
    topic = TopicFactory(title="Alcohol")
    assert "A" in a_z_index().letters
    topic.title = "Drugs"
    topic.save()
    assert a_z_index().letters == {"D"}
    topic.status = "archived"
    topic.save()
    assert client.get("/a-z/").content.decode().count("Drugs") == 0
    TopicFactory(title="Zika")
    assert a_z_index().letters == {"Z"}
    topic.delete()
    assert a_z_index().letters == {"Z"}


def test_queries_do_not_grow_with_topics(client, django_assert_max_num_queries):
    def load_pages():
        cache.clear()
        # Each page: the last change's number (to cache the page with) and its kept parts,
        # then its parts kept; the index: the published topics once, then cached, with one
        # query to check that no topic changed since (in this or any other process). A page
        # cached: that check only.
        with django_assert_max_num_queries(7):
            assert client.get("/a-z/").status_code == 200
            assert client.get("/a-z/t/").status_code == 200
        with django_assert_max_num_queries(1):
            client.get("/a-z/")

    TopicFactory.create_batch(3, keywords="One, Two")
    load_pages()
    theme = TopicFactory()
    TopicFactory.create_batch(40, parent=theme, keywords="Three, Four")
    load_pages()


def test_the_a_to_z_lists_what_published_finds_under_hidden_and_published_parents():
    """Worked out from every page at once, the A to Z lists exactly the topics
    `Topic.published()` finds, however deep an unpublished page hides them."""
    from pages.a_z import a_z_index

    shown = TopicFactory(title="Shown")
    hidden_parent = TopicFactory(title="Hidden parent", status="draft")
    under_hidden = TopicFactory(title="Under hidden", parent=hidden_parent)
    TopicFactory(title="Deeper", parent=under_hidden)
    archived = TopicFactory(title="Archived", status="archived")
    TopicFactory(title="Under archived", parent=archived)
    TopicFactory(title="Under shown", parent=shown)
    cache.clear()
    listed = {entry.topic_title for entry in a_z_index().entries}
    assert listed == set(Topic.objects.published().values_list("title", flat=True))
    assert listed == {"Shown", "Under shown"}
