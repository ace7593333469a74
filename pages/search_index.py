"""The stored search index: one `SearchDocument` per topic and per indicator, holding the texts
the site search looks through, weighted as PostgreSQL's A to D:

==========  ======  ===========================================================
column      weight  topic                              indicator
==========  ======  ===========================================================
title       A       title                              (empty)
keywords    B       keywords                           (empty)
summary     C       summary                            (empty)
headings    C       its sections' headings             (empty)
indicators  C       the names of its sections'          its name
                    indicators
body        D       its sections' narrative (Markdown)  its definition
==========  ======  ===========================================================

Every topic is indexed, drafts included: which topics and indicators the public may find is
decided when searching, against the live tables (`pages.search`), never by the index, so a
stale document can make a result rank oddly but can never show what is not public.

- On PostgreSQL the table has two generated tsvector columns (migration 0013): ``vector``
  (all six, `english` configuration, weights A to D) with a GIN index, and ``lead`` (title,
  keywords and summary only, which tells a match in the summary from one in a heading, both
  weighted C). PostgreSQL computes them whenever a row is written.
- On SQLite an FTS5 table, ``pages_searchdocument_fts`` (tokenize 'porter unicode61'), whose
  content is this table's (external content) and which triggers keep in step with it.

The documents are written by the signal handlers below whenever a topic, a section or an
indicator is saved or deleted (fixtures, loaded raw, bring their own documents), and
`manage.py rebuild_search_index` writes them all again, for bulk changes made without
signals (`QuerySet.update()`, SQL). NB: on SQLite a migration that rebuilds the
pages_searchdocument table (any AlterField on it) drops the triggers with it: run
`rebuild_search_index` after it, which creates them again.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from django.db import connections, models
from django.db.models.signals import post_delete, post_init, post_save, pre_delete

FTS_TABLE = "pages_searchdocument_fts"
COLUMNS = ("title", "keywords", "summary", "headings", "indicators", "body")
#: The weights of the columns, in order: PostgreSQL's defaults for A, B, C, C, C and D (1.0,
#: 0.4, 0.2, 0.1), times ten; SQLite's bm25() takes them as they are.
WEIGHTS = (10.0, 4.0, 2.0, 2.0, 2.0, 1.0)
SEARCH_CONFIG = "english"
GIN_INDEX = "pages_searchdocument_vector_gin"
BATCH = 500  # topics or indicators indexed per query


class SearchDocument(models.Model):
    """The texts of one topic or one indicator that the site search looks through."""

    class Kind(models.TextChoices):
        TOPIC = "topic", "Topic"
        INDICATOR = "indicator", "Indicator"

    kind = models.CharField(max_length=9, choices=Kind.choices)
    object_id = models.PositiveBigIntegerField()
    title = models.TextField(blank=True)
    keywords = models.TextField(blank=True)
    summary = models.TextField(blank=True)
    headings = models.TextField(blank=True)
    indicators = models.TextField(blank=True)
    body = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "object_id"], name="searchdocument_unique_object"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.object_id}"


# --- The database's own part of the index ---------------------------------------------------

_POSTGRES_VECTOR = " || ".join(
    f"setweight(to_tsvector('{SEARCH_CONFIG}'::regconfig, {column}), '{weight}')"
    for column, weight in zip(COLUMNS, "ABCCCD", strict=True)
)
_POSTGRES_LEAD = " || ".join(
    f"setweight(to_tsvector('{SEARCH_CONFIG}'::regconfig, {column}), '{weight}')"
    for column, weight in zip(COLUMNS[:3], "ABC", strict=True)
)
POSTGRES_SQL = [
    f"ALTER TABLE pages_searchdocument "
    f"ADD COLUMN IF NOT EXISTS vector tsvector GENERATED ALWAYS AS ({_POSTGRES_VECTOR}) STORED, "
    f"ADD COLUMN IF NOT EXISTS lead tsvector GENERATED ALWAYS AS ({_POSTGRES_LEAD}) STORED",
    # Without GIN's pending list: entries go straight into the index, so that searches never
    # scan a long list of recent changes (after a rebuild the planner would rather not use
    # an index with one, until a vacuum empties it). Writes here are few and small.
    "CREATE INDEX IF NOT EXISTS pages_searchdocument_vector_gin "
    "ON pages_searchdocument USING gin (vector) WITH (fastupdate = off)",
]
POSTGRES_DROP_SQL = [
    "DROP INDEX IF EXISTS pages_searchdocument_vector_gin",
    "ALTER TABLE pages_searchdocument DROP COLUMN IF EXISTS lead, DROP COLUMN IF EXISTS vector",
]

_columns = ", ".join(COLUMNS)
_new = ", ".join(f"new.{column}" for column in COLUMNS)
_old = ", ".join(f"old.{column}" for column in COLUMNS)
SQLITE_SQL = [
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5({_columns}, "
    "content='pages_searchdocument', content_rowid='id', tokenize='porter unicode61')",
    f"CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_insert AFTER INSERT ON pages_searchdocument "
    f"BEGIN INSERT INTO {FTS_TABLE}(rowid, {_columns}) VALUES (new.id, {_new}); END",
    f"CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_delete AFTER DELETE ON pages_searchdocument "
    f"BEGIN INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, {_columns}) "
    f"VALUES ('delete', old.id, {_old}); END",
    f"CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_update AFTER UPDATE ON pages_searchdocument "
    f"BEGIN INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, {_columns}) "
    f"VALUES ('delete', old.id, {_old}); "
    f"INSERT INTO {FTS_TABLE}(rowid, {_columns}) VALUES (new.id, {_new}); END",
]
SQLITE_DROP_SQL = [
    f"DROP TRIGGER IF EXISTS {FTS_TABLE}_insert",
    f"DROP TRIGGER IF EXISTS {FTS_TABLE}_delete",
    f"DROP TRIGGER IF EXISTS {FTS_TABLE}_update",
    f"DROP TABLE IF EXISTS {FTS_TABLE}",
]


def database_index_sql(vendor: str, *, drop: bool = False) -> list[str]:
    """The statements that create (idempotently) or drop the vendor's own part of the index:
    PostgreSQL's generated vectors and their GIN index, or SQLite's FTS5 table and its
    triggers; none on any other database."""
    if vendor == "postgresql":
        return POSTGRES_DROP_SQL if drop else POSTGRES_SQL
    if vendor == "sqlite":
        return SQLITE_DROP_SQL if drop else SQLITE_SQL
    return []


# --- Writing documents ----------------------------------------------------------------------


def _batches(ids: Iterable[int]) -> Iterator[list[int]]:
    ordered = sorted(set(ids))
    for start in range(0, len(ordered), BATCH):
        yield ordered[start : start + BATCH]


class Indexer:
    """Writes documents with the given model classes: the real ones, or a migration's
    historical ones (which is why nothing here uses the models' own methods)."""

    def __init__(self, topic: Any, section: Any, indicator: Any, document: Any, using: str):
        self.topic, self.section, self.indicator = topic, section, indicator
        self.document, self.using = document, using

    def _write(self, kind: str, documents: list[Any], ids: list[int]) -> None:
        manager = self.document._default_manager.db_manager(self.using)
        if documents:
            manager.bulk_create(
                documents,
                update_conflicts=True,
                unique_fields=["kind", "object_id"],
                update_fields=list(COLUMNS),
            )
        gone = set(ids) - {document.object_id for document in documents}
        if gone:
            manager.filter(kind=kind, object_id__in=gone).delete()

    def topics(self, ids: Iterable[int], *, lock: bool = True) -> None:
        """Index these topics again (one that no longer exists loses its document).

        Inside a transaction on PostgreSQL the topics' rows are locked first, so that two
        edits of one page at once index it one after the other, the second reading the
        first's sections (without it, the second could write a document read before the
        first committed)."""
        features = connections[self.using].features
        lock = lock and features.has_select_for_update and connections[self.using].in_atomic_block
        for batch in _batches(ids):
            topics = self.topic._default_manager.db_manager(self.using).filter(pk__in=batch)
            if lock:
                topics = topics.order_by("pk").select_for_update()
            # Read (and locked) before their sections are.
            rows = list(topics.values_list("pk", "title", "keywords", "summary"))
            sections = (
                self.section._default_manager.db_manager(self.using)
                .filter(topic_id__in=batch)
                .order_by("topic_id", "sort_order", "pk")
                .values_list("topic_id", "heading", "body", "indicator__name")
            )
            parts: dict[int, tuple[list[str], list[str], list[str]]] = {}
            for topic_id, heading, body, indicator_name in sections:
                headings, names, bodies = parts.setdefault(topic_id, ([], [], []))
                headings.append(heading)
                bodies.append(body)
                if indicator_name:
                    names.append(indicator_name)
            documents = []
            for pk, title, keywords, summary in rows:
                headings, names, bodies = parts.get(pk, ([], [], []))
                documents.append(
                    self.document(
                        kind=SearchDocument.Kind.TOPIC,
                        object_id=pk,
                        title=title,
                        keywords=keywords,
                        summary=summary,
                        headings="\n".join(headings),
                        indicators="\n".join(names),
                        body="\n\n".join(bodies),
                    )
                )
            self._write(SearchDocument.Kind.TOPIC, documents, batch)

    def indicators(self, ids: Iterable[int]) -> None:
        """Index these indicators again (not the topics that show them)."""
        for batch in _batches(ids):
            rows = (
                self.indicator._default_manager.db_manager(self.using)
                .filter(pk__in=batch)
                .values_list("pk", "name", "definition")
            )
            documents = [
                self.document(
                    kind=SearchDocument.Kind.INDICATOR,
                    object_id=pk,
                    indicators=name,
                    body=definition,
                )
                for pk, name, definition in rows
            ]
            self._write(SearchDocument.Kind.INDICATOR, documents, batch)

    def rebuild(self) -> tuple[int, int]:
        """Every document written again, and those of deleted things removed; returns the
        numbers of topics and indicators indexed."""
        topic_ids = list(
            self.topic._default_manager.db_manager(self.using).values_list("pk", flat=True)
        )
        indicator_ids = list(
            self.indicator._default_manager.db_manager(self.using).values_list("pk", flat=True)
        )
        documents = self.document._default_manager.db_manager(self.using)
        documents.filter(kind=SearchDocument.Kind.TOPIC).exclude(object_id__in=topic_ids).delete()
        documents.filter(kind=SearchDocument.Kind.INDICATOR).exclude(
            object_id__in=indicator_ids
        ).delete()
        self.topics(topic_ids, lock=False)
        self.indicators(indicator_ids)
        return len(topic_ids), len(indicator_ids)


def indexer(using: str = "default") -> Indexer:
    from indicators.models import Indicator
    from pages.models import Section, Topic

    return Indexer(Topic, Section, Indicator, SearchDocument, using)


def rebuild(using: str = "default") -> tuple[int, int]:
    """Write every document again and, on SQLite, the FTS5 table from them (creating it and
    its triggers if a migration has dropped them); returns (topics, indicators) indexed."""
    from django.db import transaction

    connection = connections[using]
    postgres = connection.vendor == "postgresql"
    with transaction.atomic(using=using):
        with connection.cursor() as cursor:
            for statement in database_index_sql(connection.vendor):
                cursor.execute(statement)
            if postgres:  # GIN takes many rows faster as a pending list, merged once at the end
                cursor.execute(f"ALTER INDEX {GIN_INDEX} SET (fastupdate = on)")
        counts = indexer(using).rebuild()
        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                cursor.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')")
            elif postgres:
                cursor.execute(f"SELECT gin_clean_pending_list('{GIN_INDEX}'::regclass)")
                cursor.execute(f"ALTER INDEX {GIN_INDEX} SET (fastupdate = off)")
                cursor.execute("ANALYZE pages_searchdocument")  # the planner's statistics
    return counts


# --- Signals ---------------------------------------------------------------------------------

TOPIC_FIELDS = frozenset({"title", "keywords", "summary"})
SECTION_FIELDS = frozenset({"topic", "topic_id", "heading", "body", "indicator", "indicator_id"})
INDICATOR_FIELDS = frozenset({"name", "definition"})

#: Topics being deleted: the deletion of their sections, which comes first, need not index
#: them again.
_deleting: set[int] = set()


def _indexes(update_fields: Iterable[str] | None, fields: frozenset[str]) -> bool:
    return update_fields is None or bool(fields & set(update_fields))


def topic_saved(sender, instance, raw=False, using="default", update_fields=None, **kwargs):
    if raw or not _indexes(update_fields, TOPIC_FIELDS):
        return
    indexer(using).topics([instance.pk])


def topic_deleting(sender, instance, **kwargs) -> None:
    _deleting.add(instance.pk)


def topic_deleted(sender, instance, using="default", **kwargs) -> None:
    _deleting.discard(instance.pk)
    indexer(using).topics([instance.pk])  # no longer there: its document goes


def section_loaded(sender, instance, **kwargs) -> None:
    # The topic it was on, to index again if the section moves (a draft's, on publishing).
    instance._search_topic_id = instance.topic_id


def section_saved(sender, instance, raw=False, using="default", update_fields=None, **kwargs):
    if raw or not _indexes(update_fields, SECTION_FIELDS):
        return
    topics = {instance.topic_id, getattr(instance, "_search_topic_id", None)} - {None}
    instance._search_topic_id = instance.topic_id
    indexer(using).topics(topics)


def section_deleted(sender, instance, using="default", **kwargs) -> None:
    if instance.topic_id not in _deleting:
        indexer(using).topics([instance.topic_id])


def indicator_saved(
    sender, instance, created=False, raw=False, using="default", update_fields=None, **kwargs
):
    if raw or not _indexes(update_fields, INDICATOR_FIELDS):
        return
    index = indexer(using)
    old = (
        SearchDocument.objects.using(using)
        .filter(kind=SearchDocument.Kind.INDICATOR, object_id=instance.pk)
        .values_list("indicators", flat=True)
        .first()
    )
    index.indicators([instance.pk])
    if not created and old != instance.name:
        # Its name is part of the documents of the topics that show it.
        shown_on = index.section._default_manager.db_manager(using).filter(indicator=instance)
        index.topics(shown_on.values_list("topic_id", flat=True).distinct())


def indicator_deleted(sender, instance, using="default", **kwargs) -> None:
    indexer(using).indicators([instance.pk])


def connect_signals() -> None:
    """Called by `pages.apps`: keep the documents in step with the content."""
    from indicators.models import Indicator
    from pages.models import Section, Topic

    uid = "pages.search_index."
    post_save.connect(topic_saved, sender=Topic, dispatch_uid=uid + "topic_saved")
    pre_delete.connect(topic_deleting, sender=Topic, dispatch_uid=uid + "topic_deleting")
    post_delete.connect(topic_deleted, sender=Topic, dispatch_uid=uid + "topic_deleted")
    post_init.connect(section_loaded, sender=Section, dispatch_uid=uid + "section_loaded")
    post_save.connect(section_saved, sender=Section, dispatch_uid=uid + "section_saved")
    post_delete.connect(section_deleted, sender=Section, dispatch_uid=uid + "section_deleted")
    post_save.connect(indicator_saved, sender=Indicator, dispatch_uid=uid + "indicator_saved")
    post_delete.connect(indicator_deleted, sender=Indicator, dispatch_uid=uid + "indicator_deleted")
