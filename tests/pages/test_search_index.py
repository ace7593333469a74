"""The stored search index (`pages.search_index`): the same order of results on PostgreSQL and
SQLite (this file runs on whichever the suite runs on), kept up to date by saves and
deletions, rebuilt by `manage.py rebuild_search_index`, never able to show what is not
public, and unbreakable by what readers type."""

import re
from io import StringIO
from urllib.parse import urlencode

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from pages import search_index
from pages.models import SearchDocument, Section, Topic
from pages.search import (
    BODY,
    HEADINGS,
    KEYWORDS,
    MAX_TERMS,
    SUMMARY,
    TITLE,
    _published,
    find,
    fts_query,
    parse_query,
    published_topics,
)
from tests.factories import IndicatorFactory, SectionFactory, TopicFactory

pytestmark = pytest.mark.django_db

SQLITE = connection.vendor == "sqlite"


def found(q: str) -> list[tuple[str, int]]:
    return [(hit.kind, hit.pk) for hit in find(parse_query(q)).hits]


def topic(t: Topic) -> tuple[str, int]:
    return ("topic", t.pk)


def search(client, q):
    response = client.get(f"/search/?{urlencode({'q': q})}")
    assert response.status_code == 200
    return response.content.decode()


def result_urls(html: str) -> list[str]:
    return re.findall(r'<h3 class="search-result__title"><a href="([^"]+)">', html)


# --- The same order on both databases --------------------------------------------------------


def test_designed_results_come_in_the_same_order_on_every_database():
    """Where the word is found decides first (title; keywords; summary; headings and
    indicators' names; narrative), then rank (more of it counts), topics before indicators,
    then the title. Each case is built so that ts_rank and bm25 cannot disagree."""
    in_title = TopicFactory(title="Otter")
    sea_otter = TopicFactory(title="Sea otter")  # same level and (on PostgreSQL) rank: by title
    in_keywords = TopicFactory(title="Mustelids", keywords="Weasel, Otter")
    in_summary = TopicFactory(title="Wetlands", summary="Where the otter lives.")
    counts = IndicatorFactory(name="Otter counts", definition="How many were seen.")
    shows_counts = TopicFactory(title="Rivers")
    SectionFactory(topic=shows_counts, heading="Survey", indicator=counts, body="")
    often = TopicFactory(title="Zoology")
    SectionFactory(topic=often, body="Otter otter otter otter.")
    beaver = TopicFactory(title="Beaver")
    SectionFactory(topic=beaver, body="An otter was seen near the dam.")
    alder = TopicFactory(title="Alder")
    SectionFactory(topic=alder, body="An otter was seen near the dam.")
    # Never found: a draft, a page under a draft, an indicator on a draft page only, an
    # indicator on no page, and a page that is archived.
    draft = TopicFactory(title="Otter draft", status="draft")
    TopicFactory(title="Otter under a draft", parent=draft)
    SectionFactory(topic=draft, indicator=IndicatorFactory(name="Otter deaths", is_public=False))
    IndicatorFactory(name="Otter sightings", is_public=False)
    TopicFactory(title="Otter archive", status="archived")
    TopicFactory(title="Badger", summary="Nothing about that animal.")

    hits = find(parse_query("otter")).hits
    assert [(hit.kind, hit.pk) for hit in hits] == [
        topic(in_title),
        topic(sea_otter),
        topic(in_keywords),
        topic(in_summary),
        topic(shows_counts),
        ("indicator", counts.pk),
        topic(often),
        topic(alder),
        topic(beaver),
    ]
    assert [hit.level for hit in hits] == [
        TITLE,
        TITLE,
        KEYWORDS,
        SUMMARY,
        HEADINGS,
        HEADINGS,
        BODY,
        BODY,
        BODY,
    ]
    assert hits[6].rank > hits[7].rank == hits[8].rank


def test_every_word_decides_where_the_words_were_found():
    # Both words in the title, one in the title and one in the keywords, one only below.
    both = TopicFactory(title="River otter")
    split = TopicFactory(title="Otter", keywords="River")
    body = TopicFactory(title="Otter holts")
    SectionFactory(topic=body, body="Along the river bank.")
    assert found("river otter") == [topic(both), topic(split), topic(body)]
    assert [hit.level for hit in find(parse_query("river otter")).hits] == [TITLE, KEYWORDS, BODY]


def test_web_search_syntax_on_every_database():
    smoking = TopicFactory(title="Smoking", summary="Smoking in pregnancy.")
    cessation = TopicFactory(title="Smoking cessation", summary="Stop smoking services.")
    assert found("smoking -pregnancy") == [topic(cessation)]
    assert found('"stop smoking"') == [topic(cessation)]
    assert set(found("pregnancy or cessation")) == {topic(smoking), topic(cessation)}
    assert found("the of and") == []


# --- Only what the public may see --------------------------------------------------------------


def test_the_published_filter_is_the_models_own():
    """The search's SQL for "the public may see this topic" (read once per search from the
    live table) picks out exactly `Topic.objects.published()`."""
    theme = TopicFactory(title="Theme", slug="theme")
    live = TopicFactory(title="Live", slug="live", parent=theme)
    TopicFactory(title="Deep", slug="deep", parent=live)
    hidden = TopicFactory(title="Hidden", slug="hidden", parent=theme, status="review")
    TopicFactory(title="Under hidden", slug="under", parent=hidden)
    # A theme whose slug starts like another's: "theme_x" is not under "theme".
    TopicFactory(title="Theme x", slug="theme_x")
    archived = TopicFactory(title="Archived", slug="archived", status="archived")
    TopicFactory(title="Orphan", slug="orphan", parent=archived)
    # A pending draft of a published page: the published page stays public.
    copy = TopicFactory(title="Live (draft)", slug="live-copy", parent=theme, status="draft")
    Topic.objects.filter(pk=copy.pk).update(draft_of=live, slug="live", path=live.path)
    condition, params = _published("t")
    with connection.cursor() as cursor:
        cursor.execute(
            "WITH hidden AS (SELECT path FROM pages_topic "
            "WHERE draft_of_id IS NULL AND status <> %s) "
            f"SELECT t.id FROM pages_topic t WHERE {condition}",
            ["published", *params],
        )
        ids = {row[0] for row in cursor.fetchall()}
    assert ids == set(published_topics().values_list("pk", flat=True))
    assert len(ids) == 4  # theme, live, deep, theme x


def test_a_stale_index_never_shows_what_is_not_public():
    page = TopicFactory(title="Otter")
    indicator = IndicatorFactory(name="Otter counts", is_public=False)
    SectionFactory(topic=page, indicator=indicator)
    assert set(found("otter")) == {topic(page), ("indicator", indicator.pk)}
    # Unpublished without any signal: the documents still say "otter".
    Topic.objects.filter(pk=page.pk).update(status="draft")
    assert found("otter") == []
    # A document for something that does not exist finds nothing either.
    SearchDocument.objects.create(kind="topic", object_id=999_999, title="Otter")
    SearchDocument.objects.create(kind="indicator", object_id=999_999, indicators="Otter")
    assert found("otter") == []


# --- Kept up to date -----------------------------------------------------------------------


def documents() -> dict[tuple[str, int], dict[str, str]]:
    return {
        (doc.kind, doc.object_id): {column: getattr(doc, column) for column in search_index.COLUMNS}
        for doc in SearchDocument.objects.all()
    }


def index_queries(queries: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if "pages_searchdocument" in q["sql"]]


def test_saving_and_deleting_keep_the_index_up_to_date():
    page = TopicFactory(title="Otter", keywords="Holt", summary="Rivers.")
    assert found("otter") == [topic(page)]
    page.title = "Beaver"
    page.save()
    assert found("otter") == [] and found("beaver") == [topic(page)]

    indicator = IndicatorFactory(name="Lodge counts", definition="Seen from the bank.")
    section = SectionFactory(topic=page, heading="Dams", indicator=indicator, body="Wood.")
    assert set(found("lodge")) == {topic(page), ("indicator", indicator.pk)}
    assert found("dams") == [topic(page)]
    section.body = "Willow."
    section.save()
    assert found("wood") == [] and found("willow") == [topic(page)]

    # An indicator's new name is also in the documents of the pages showing it.
    indicator.name = "Dam counts"
    indicator.save()
    assert found("lodge") == [] and set(found("counts")) == {
        topic(page),
        ("indicator", indicator.pk),
    }

    # A section that moves to another page (as a draft's do when it is published).
    other = TopicFactory(title="Rivers and streams")
    section.topic = other
    section.save()
    assert set(found("willow")) == {topic(other)}

    section.delete()
    assert found("willow") == []
    assert ("topic", other.pk) in documents()

    other.delete()
    assert ("topic", other.pk) not in documents()
    indicator_pk = indicator.pk
    indicator.delete()
    assert ("indicator", indicator_pk) not in documents()
    assert found("counts") == []


def test_deleting_a_topic_with_sections_writes_its_document_once():
    page = TopicFactory(title="Otter")
    for number in range(5):
        SectionFactory(topic=page, heading=f"Part {number}")
    page_pk = page.pk
    with CaptureQueriesContext(connection) as queries:
        page.delete()
    assert len(index_queries(queries)) == 1  # its document deleted, not written per section
    assert not SearchDocument.objects.filter(kind="topic", object_id=page_pk).exists()


def test_saves_of_other_fields_do_not_index_again():
    indicator = IndicatorFactory(name="Otter counts")
    page = TopicFactory(title="Otter")
    indicator.source = "The river trust"
    page.review_due = None
    with CaptureQueriesContext(connection) as queries:
        indicator.save(update_fields=["source"])
        page.save(update_fields=["review_due"])
    assert index_queries(queries) == []


def test_rebuild_search_index_writes_every_document_again():
    page = TopicFactory(title="Otter")
    SectionFactory(topic=page, body="Holts.")
    indicator = IndicatorFactory(name="Otter counts")
    SectionFactory(topic=page, indicator=indicator)
    expected = documents()
    # Changes made without signals, and a document for something deleted.
    Topic.objects.filter(pk=page.pk).update(title="Beaver")
    Section.objects.filter(topic=page).update(body="Lodges.")
    SearchDocument.objects.filter(kind="indicator").delete()
    SearchDocument.objects.create(kind="topic", object_id=999_999, title="Ghost")
    out = StringIO()
    call_command("rebuild_search_index", stdout=out)
    assert "Indexed 1 topic(s) and 1 indicator(s)" in out.getvalue()
    rebuilt = documents()
    assert set(rebuilt) == set(expected)
    assert rebuilt["topic", page.pk]["title"] == "Beaver"
    assert "Lodges." in rebuilt["topic", page.pk]["body"]
    assert found("beaver") == [topic(page)] and found("ghost") == []
    assert ("indicator", indicator.pk) in found("otter")


@pytest.mark.skipif(not SQLITE, reason="SQLite's FTS5 table")
def test_the_fts5_table_follows_the_documents():
    TopicFactory(title="Otter")
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {search_index.FTS_TABLE}({search_index.FTS_TABLE}) "
            "VALUES ('integrity-check')"
        )


@pytest.mark.skipif(SQLITE, reason="PostgreSQL's stored vector")
def test_the_vector_is_stored_and_indexed():
    TopicFactory(title="Otter")
    with connection.cursor() as cursor:
        cursor.execute("SELECT vector::text FROM pages_searchdocument")
        assert "'otter':1A" in cursor.fetchone()[0]
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'pages_searchdocument_vector_gin'"
        )
        assert "USING gin (vector) WITH (fastupdate=off)" in cursor.fetchone()[0]


# --- What readers type -----------------------------------------------------------------------

HOSTILE = [
    '"',
    '""',
    '"""',
    "NEAR(",
    "NEAR(otter",
    "NEAR(otter beaver, 2)",
    "*",
    "otter*",
    "-",
    "--",
    "- otter",
    "-otter",
    "AND OR",
    "AND",
    "OR otter",
    "otter OR",
    "otter AND NOT beaver",
    "NOT",
    "{title}: otter",
    "title:otter",
    "^otter",
    "otter:*",
    "(otter",
    "otter)",
    "'",
    "l'otter d’eau",
    "日本語 ñandú Ελληνικά 🙂 otter",
    "ǅ ß ﬁ İ",
    "\u200b\u200d\ufeff",
    "a" * 200,
    "otter " * 40,
    "o" * 199 + '"',
    '" OR 1=1 --',
    "'; DROP TABLE pages_searchdocument; --",
    "%_\\",
    "&|!:*<->()",
]


@pytest.mark.parametrize("q", HOSTILE)
def test_hostile_input_never_breaks_the_search(client, q):
    TopicFactory(title="Otter", summary="The otter and the beaver.")
    html = search(client, q)
    assert "results for" in html or "result for" in html or "No results for" in html
    assert SearchDocument.objects.count() == 1


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("otter", '("otter"*)'),
        ("Otters beavers", '("otters"* AND "beavers"*)'),
        ("the otter", '("otter"*)'),
        ("the of and", None),
        ('"stop smoking"', '("stop smoking"*)'),
        ('"children in care', '("children in care"*)'),
        ("smoking -pregnancy", '(("smoking"*) NOT "pregnancy"*)'),
        ("-pregnancy", None),
        ("smoking or vaping", '("smoking"*) OR ("vaping"*)'),
        ("or or", None),
        ("children's", '("children"*)'),
        ("re-referrals", '("re-referrals"*)'),
        ('NEAR( "*', '("near"*)'),
        ("AND OR", None),
        ("*", None),
        ("-", None),
        ('"', None),
    ],
)
def test_fts_query_quotes_every_word(text, expected):
    assert fts_query(text) == expected


def test_fts_query_keeps_at_most_max_terms_words():
    query = fts_query(" ".join(f"word{n}" for n in range(MAX_TERMS + 5)))
    assert query.count('"') == 2 * MAX_TERMS


def test_long_input_is_searched_in_one_query(client, django_assert_max_num_queries):
    TopicFactory(title="Otter")
    with django_assert_max_num_queries(8):
        search(client, "otter " * 100)


def test_the_migration_indexes_what_is_there_already():
    """Migration 0013 fills the index with the migration's own (historical) models."""
    import importlib
    from types import SimpleNamespace

    from django.db.migrations.loader import MigrationLoader

    page = TopicFactory(title="Otter")
    indicator = IndicatorFactory(name="Otter counts", definition="Seen.")
    SectionFactory(topic=page, heading="Holts", indicator=indicator, body="Rivers.")
    expected = documents()
    SearchDocument.objects.all().delete()
    migration = importlib.import_module("pages.migrations.0013_search_index")
    state = MigrationLoader(connection).project_state(("pages", "0013_search_index"))
    migration.index_everything(state.apps, SimpleNamespace(connection=connection))
    assert documents() == expected
    assert expected["topic", page.pk]["indicators"] == "Otter counts"
    assert set(found("otter")) == {topic(page), ("indicator", indicator.pk)}
