"""Reading and writing figures in bulk as plain tuples, with SQL of our own.

An import of a national file writes hundreds of thousands of figures. Through the ORM each one
would be a model instance, and ``bulk_create`` compiles the SQL of every field of every object,
which costs far more than the database's own work. Here figures go to and from the database as
tuples: multi-row ``INSERT``s on SQLite, ``COPY`` on PostgreSQL (psycopg 3), a batch at a time, each
batch in a short transaction of its own (so that nobody else waits long to write), as staged
values that nobody sees until the import is kept and released.

What the ORM would have done is done here on purpose:

- values are read back through Django's own converters (on SQLite a decimal comes back as a
  float and is rounded as the ORM rounds it), so that comparing a figure in the file with the
  one held gives the same answer as with model instances;
- ``updated_at`` (an ``auto_now`` field) is set to the time of each batch;
- columns this module does not set (added to `Value` or `ImportChange` later) get their
  field's default, as a new model instance would;
- new values get their ids up front (PostgreSQL: from the table's sequence; SQLite: after the
  largest id ever used, read in the batch's own transaction, which holds the write lock), so that
  each `ImportChange` can point at its value without reading the values back.

The figures an import has met are kept in a temporary table too (`remember`, `recall`), so that
the import can tell a repeated figure from a new one without holding every figure in memory.

Bulk writes skip ``save()`` and signals: the import calls ``bump_content_version()`` itself.
PostgreSQL's own statements (arrays of keys, ``COPY``, the sequence) are `postgres_writing`'s.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from itertools import chain
from typing import Any, NamedTuple

from django.db import connection, transaction
from django.db.models import Field, Model
from django.db.models.fields import NOT_PROVIDED
from django.utils import timezone

from indicators.models import ImportChange, Value

#: Figures classified and written at a time (and changes undone at a time).
BATCH_SIZE = 5_000
#: Rows a statement, at most, of the INSERTs on SQLite (`ValueWriter.insert`), and keys a
#: statement of its look-ups (`ValueWriter._fetch`).
ROWS_PER_INSERT = 256
KEYS_PER_LOOK_UP = 1024
#: The parts of a figure an import sets; the rest of a Value is its key and bookkeeping.
DATA_FIELDS = (
    "value",
    "status",
    "count",
    "denominator",
    "lower_ci",
    "upper_ci",
    "note",
    "is_illustrative",
)
#: A figure's key: indicator, area, period and breakdown ids (0 for no breakdown).
Key = tuple[int, int, int, int]
#: A figure's DATA_FIELDS, in that order.
Data = tuple[Any, ...]
_KEY_FIELDS = ("indicator_id", "area_id", "period_id", "breakdown_id")
#: The names of a key's columns in the look-ups' table of keys.
KEY_NAMES = ("i", "a", "p", "b")
_MET_TABLE = "import_values_met"  # temporary tables: see ValueWriter.temporary
_CREATED = str(ImportChange.Action.CREATED)
_UPDATED = str(ImportChange.Action.UPDATED)
_CHANGE_FIELDS = (
    "batch_id",
    "value_id",
    "indicator_id",
    "area_id",
    "period_id",
    "breakdown_id",
    "action",
    "row_number",
    "previous",
)


class Stored(NamedTuple):
    """A value as the database holds it."""

    pk: int
    data: Data
    import_batch_id: int | None
    updated_at: Any  # as the database gives it: see `ValueWriter.snapshot`


def writer_for(batch_id: int) -> ValueWriter:
    """The writer for the default database's engine. It writes every new or changed figure
    as a staged value, beside the released one it would replace (`indicators.releases`)."""
    if connection.vendor == "postgresql":
        from indicators.importing.postgres_writing import PostgresValueWriter

        return PostgresValueWriter(batch_id)
    return ValueWriter(batch_id)


class ValueWriter:
    """Bulk reads and writes of values and import changes for one import; INSERTs of many
    rows, with as many parameters per statement as the database takes (SQLite)."""

    #: Where temporary tables live, so that their names can never mean another table.
    temporary = "temp"

    def __init__(self, batch_id: int) -> None:
        self.batch_id = batch_id
        self.met_table = f"{self.temporary}.{_MET_TABLE}"
        self.quote = connection.ops.quote_name
        self.value_table = self.quote(Value._meta.db_table)
        self.change_table = self.quote(ImportChange._meta.db_table)
        value_fields = _fields(
            Value, ("id", *_KEY_FIELDS, *DATA_FIELDS, "import_batch_id", "is_staged")
        )
        self.value_columns = [
            "id",
            *_KEY_FIELDS,
            *DATA_FIELDS,
            "import_batch_id",
            "updated_at",
            "is_staged",
            *(field.attname for field in value_fields.extra),
        ]
        self.value_defaults = value_fields.defaults
        self.value_fields = value_fields.fields
        change_fields = _fields(ImportChange, _CHANGE_FIELDS)
        self.change_columns = [*_CHANGE_FIELDS, *(field.attname for field in change_fields.extra)]
        self.change_defaults = change_fields.defaults
        self.change_fields = change_fields.fields
        self.read_columns = ["id", *_KEY_FIELDS, *DATA_FIELDS, "import_batch_id", "updated_at"]
        # updated_at is converted only for the few values a snapshot is taken of.
        self.converters = _converters(Value, self.read_columns[:-1])
        self.stamp_converters = _converters(Value, ["updated_at"])[0]
        self.met_table_ready = False
        self.indicators_seen: set[int] = set()
        self.empty_indicators: set[int] = set()  # those with no values before this import

    # --- Names ----------------------------------------------------------------------------

    def columns(self, names: Iterable[str], model: type[Model] = Value) -> str:
        fields = self.value_fields if model is Value else self.change_fields
        return ", ".join(self.quote(fields[name].column) for name in names)

    # --- Reading -------------------------------------------------------------------------

    def look_up(self, keys: Sequence[Key]) -> tuple[dict[Key, Stored], dict[Key, Stored]]:
        """The values already held for these keys: the released ones, and those another
        import has staged, waiting for release: in one query on PostgreSQL, and in one a
        thousand keys on SQLite.

        An indicator that had no values when this import first met it is not looked up
        again: a figure reaches here once per import (the import catches repeats), so none of
        its keys can have a value that this import has not just written."""
        released: dict[Key, Stored] = {}
        staged: dict[Key, Stored] = {}
        self._note_empty_indicators({key[0] for key in keys} - self.indicators_seen)
        empty = self.empty_indicators
        whole = [key[:3] for key in keys if not key[3] and key[0] not in empty]
        broken_down = [key for key in keys if key[3] and key[0] not in empty]
        with connection.cursor() as cursor:
            for chunk in _chunks(whole, self.max_params() // 3):
                self._fetch(cursor, chunk, released, staged)
            for chunk in _chunks(broken_down, self.max_params() // 4):
                self._fetch(cursor, chunk, released, staged)
        return released, {
            key: stored for key, stored in staged.items() if stored.import_batch_id != self.batch_id
        }

    def _note_empty_indicators(self, indicator_ids: set[int]) -> None:
        column = self.quote(self.value_fields["indicator_id"].column)
        with connection.cursor() as cursor:
            for indicator_id in indicator_ids:
                cursor.execute(
                    f"SELECT 1 FROM {self.value_table} WHERE {column} = %s LIMIT 1",
                    [indicator_id],
                )
                if cursor.fetchone() is None:
                    self.empty_indicators.add(indicator_id)
        self.indicators_seen |= indicator_ids

    def max_params(self) -> int:
        if connection.vendor == "sqlite":
            import sqlite3

            return connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
        return connection.features.max_query_params or 10_000

    def _fetch(
        self,
        cursor: Any,
        keys: list[tuple[int, ...]],
        released: dict[Key, Stored],
        staged: dict[Key, Stored],
    ) -> None:
        """The values for these keys, all with a breakdown or all without: the keys as a
        table of constants that leads the join (CROSS JOIN keeps SQLite from reordering it),
        so that each is one look-up in the unique index rather than a scan of the values; a
        thousand keys a statement, in the few sizes `insert` uses too."""
        width = len(keys[0])
        row_sql = "(" + ", ".join(["?"] * width) + ")"
        start = f"WITH k({', '.join(KEY_NAMES[:width])}) AS (VALUES "
        end = (
            f") SELECT {self._selected()} FROM k CROSS JOIN {self.value_table} v "
            f"ON {self._matching(width)}"
        )
        for at, size in _fixed_sizes(len(keys), KEYS_PER_LOOK_UP):
            found = _sqlite_execute(
                start + ", ".join([row_sql] * size) + end,
                list(chain.from_iterable(keys[at : at + size])),
                f"{start}… ({size} keys)",
            )
            self._collect(found, released, staged)

    def _selected(self) -> str:
        return ", ".join(
            f"v.{self.quote(self.value_fields[name].column)}"
            for name in (*self.read_columns, "is_staged")
        )

    def _matching(self, width: int) -> str:
        """v's key equals k's; v has no breakdown when k gives none (the partial unique
        indexes need the condition to be spelled out)."""
        terms = [
            f"v.{self.quote(self.value_fields[field].column)} = k.{name}"
            for field, name in zip(_KEY_FIELDS[:width], KEY_NAMES, strict=False)
        ]
        if width == 3:
            terms.append(f"v.{self.quote(self.value_fields['breakdown_id'].column)} IS NULL")
        return " AND ".join(terms)

    def _collect(
        self,
        rows: Iterable[Sequence[Any]],
        released: dict[Key, Stored],
        staged: dict[Key, Stored],
    ) -> None:
        converters = [
            (position, column_converters)
            for position, column_converters in enumerate(self.converters)
            if column_converters
        ]
        for row in rows:
            if converters:
                row = list(row)
                for position, column_converters in converters:
                    row[position] = _convert(row[position], column_converters)
            pk, indicator_id, area_id, period_id, breakdown_id = row[:5]
            found = staged if row[15] else released
            found[(indicator_id, area_id, period_id, breakdown_id or 0)] = Stored(
                pk, tuple(row[5:13]), row[13], row[14]
            )

    # --- Writing -------------------------------------------------------------------------

    def write(
        self,
        created: Sequence[tuple[Key, int, Data]],
        changed: Sequence[tuple[Key, int, Data, Stored, dict[str, Any]]],
    ) -> None:
        """Write a batch, in a transaction of its own: each figure as a staged value, new ones
        (key, row number, data) and changed ones (key, row number, new data, the value held,
        its state before) alike, beside the released value a changed one will replace when
        the import is released; and an ImportChange for each, pointing at the staged value.
        Each value is stamped as set by this import, now."""
        stamp = Value._meta.get_field("updated_at").get_db_prep_save(timezone.now(), connection)
        batch_id = self.batch_id
        inserted = [*created, *((key, row, data) for key, row, data, _, _ in changed)]
        if not inserted:
            return
        with transaction.atomic():
            self.begin_batch()
            ids = self.new_ids(len(inserted))
            tail = (batch_id, stamp, True, *self.value_defaults)
            self.insert(
                self.value_table,
                self.columns(self.value_columns),
                [
                    (pk, indicator_id, area_id, period_id, breakdown_id or None, *data, *tail)
                    for pk, ((indicator_id, area_id, period_id, breakdown_id), _, data) in zip(
                        ids, inserted, strict=True
                    )
                ],
            )
            defaults = self.change_defaults
            self.insert(
                self.change_table,
                self.columns(self.change_columns, ImportChange),
                [
                    (batch_id, pk, i, a, p, b or None, _CREATED, row, None, *defaults)
                    for pk, ((i, a, p, b), row, _) in zip(ids, created, strict=False)
                ]
                + [
                    (
                        batch_id,
                        pk,
                        i,
                        a,
                        p,
                        b or None,
                        _UPDATED,
                        row,
                        json.dumps(previous),
                        *defaults,
                    )
                    for pk, ((i, a, p, b), row, _, _, previous) in zip(
                        ids[len(created) :], changed, strict=True
                    )
                ],
            )

    # --- Figures met --------------------------------------------------------------------

    def remember(self, figures: Sequence[tuple[Key, int, int, int]]) -> None:
        """Keep the figures met for the first time, each (key, row number, digest of the
        figure, number of the file's measure that gave it), in a temporary table, for the rest
        of the import."""
        if not figures:
            return
        if not self.met_table_ready:
            self._create_met_table()
        self.insert(
            self.met_table,
            "i, a, p, b, r, d, k",
            [(i, a, p, b, row, digest, measure) for (i, a, p, b), row, digest, measure in figures],
        )

    def recall(self, key: Key) -> tuple[int, int, int] | None:
        """(Row number, digest, measure) of the first row that gave this figure, if it was
        kept."""
        if not self.met_table_ready:
            return None
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT r, d, k FROM {self.met_table} "
                f"WHERE i = %s AND a = %s AND p = %s AND b = %s",
                list(key),
            )
            found = cursor.fetchone()
        return (found[0], found[1], found[2]) if found else None

    def forget(self) -> None:
        """Drop the table of figures met (a rolled-back import drops it with the rest)."""
        if self.met_table_ready:
            with connection.cursor() as cursor:
                cursor.execute(f"DROP TABLE {self.met_table}")
            self.met_table_ready = False

    def _create_met_table(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {self.met_table}")
            cursor.execute(
                f"CREATE TEMPORARY TABLE {self.met_table} (i {self.integer}, a {self.integer}, "
                f"p {self.integer}, b {self.integer}, r integer, d {self.integer}, k integer, "
                f"PRIMARY KEY (i, a, p, b)) {self.met_table_options}"
            )
        self.met_table_ready = True

    integer = "integer"  # 64 bits in SQLite
    met_table_options = "WITHOUT ROWID"

    def snapshot(self, stored: Stored) -> dict[str, Any]:
        """A value's state before the import changes it, as ImportChange.previous keeps it."""
        state: dict[str, Any] = {
            name: str(current) if isinstance(current, Decimal) else current
            for name, current in zip(DATA_FIELDS, stored.data, strict=True)
        }
        state["import_batch"] = stored.import_batch_id
        updated_at = _convert(stored.updated_at, self.stamp_converters)
        state["updated_at"] = updated_at.isoformat() if updated_at else None
        return state

    def insert(self, table: str, columns: str, rows: list[tuple[Any, ...]]) -> None:
        """The rows, as INSERTs of `ROWS_PER_INSERT` rows each (the rest in statements of
        128, 64, … rows): one statement for hundreds of rows costs less than executemany's
        statement a row. The sizes are few and fixed, because SQLite's connection keeps each
        statement it has prepared, and a statement of thousands of parameters takes room:
        one of any length would have kept a new one for every batch.

        They go straight to SQLite (`_sqlite_execute`)."""
        width = len(rows[0])
        one = "(" + ", ".join(["?"] * width) + ")"
        start_sql = f"INSERT INTO {table} ({columns}) VALUES "
        for at, size in _fixed_sizes(len(rows), min(ROWS_PER_INSERT, self.max_params() // width)):
            _sqlite_execute(
                start_sql + ", ".join([one] * size),
                list(chain.from_iterable(rows[at : at + size])),
                f"{start_sql}… ({size} rows)",
            )

    def begin_batch(self) -> None:
        """Called first in each batch's transaction (`write`); nothing to do on SQLite."""

    def new_ids(self, count: int) -> list[int]:
        """Ids for new values: after the largest ever used (SQLite's AUTOINCREMENT never
        reuses one). Asked in the batch's transaction, which SQLite began IMMEDIATE (the
        settings' ``transaction_mode``), so it holds the write lock and no one else can take
        these ids meanwhile; asked again for each batch, since others write between them."""
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT MAX(id) FROM {self.value_table}")
            largest = cursor.fetchone()[0] or 0
            cursor.execute(
                "SELECT seq FROM sqlite_sequence WHERE name = %s", [Value._meta.db_table]
            )
            row = cursor.fetchone()
            largest = max(largest, row[0] if row else 0)
        return list(range(largest + 1, largest + 1 + count))


def _fixed_sizes(count: int, largest: int) -> Iterable[tuple[int, int]]:
    """(start, size) of the statements for `count` rows: `largest` rows each, then the rest
    in halves of it (128, 64, … for 256), so that statements come in a few fixed sizes."""
    at, size = 0, max(1, largest)
    while at < count:
        while size > count - at:
            size //= 2
        yield at, size
        at += size


def _sqlite_execute(sql: str, params: list[Any], shown: str) -> list[Any]:
    """Run a statement of thousands of parameters on SQLite's own connection, with its "?"
    placeholders; the rows it gives. Django's cursor would rewrite each of its "%s" first,
    which took longer than SQLite took to run the statement. As with Django's cursor, a
    transaction already broken refuses it, its errors are Django's, and it appears in Django's
    log of queries (with DEBUG, and in the tests' counts), as `shown`, without its
    parameters."""
    connection.validate_no_broken_transaction()
    connection.ensure_connection()
    began = time.monotonic()
    try:
        with connection.wrap_database_errors:
            return connection.connection.execute(sql, params).fetchall()
    finally:
        if connection.queries_logged:
            connection.queries_log.append({"sql": shown, "time": f"{time.monotonic() - began:.3f}"})


# --- Taking back --------------------------------------------------------------------------------

#: Rows deleted in one transaction when an import's figures are taken back.
DELETE_CHUNK = 20_000


def delete_written(
    batch_id: int, *, chunk: int | None = None, alive: Callable[[], None] | None = None
) -> int:
    """Delete an import's staged figures and its record of the changes it made, a chunk at a
    time, each chunk in a short transaction of its own, so that a large import is taken back
    without holding the database from anyone else for long; the figures deleted. `alive` is
    called after each chunk (the import's heartbeat: taking back millions of rows is work
    too, not a stopped worker)."""
    chunk = chunk or DELETE_CHUNK
    quote = connection.ops.quote_name
    deleted = 0
    for table, condition, params in (
        (quote(ImportChange._meta.db_table), "batch_id = %s", [batch_id]),
        (
            quote(Value._meta.db_table),
            f"import_batch_id = %s AND {quote('is_staged')} = %s",
            [batch_id, True],
        ),
    ):
        while True:
            with transaction.atomic(), connection.cursor() as cursor:
                if connection.vendor == "postgresql":
                    # The ids first, then by primary key: inside a transaction that has just
                    # written them, the planner's statistics may say the table is empty, and
                    # its plan for "id IN (subquery)" then took minutes a chunk.
                    cursor.execute(
                        f"SELECT id FROM {table} WHERE {condition} LIMIT %s", [*params, chunk]
                    )
                    ids = [row[0] for row in cursor.fetchall()]
                    cursor.execute(f"DELETE FROM {table} WHERE id = ANY(%s)", [ids])
                else:
                    cursor.execute(
                        f"DELETE FROM {table} WHERE id IN "
                        f"(SELECT id FROM {table} WHERE {condition} LIMIT %s)",
                        [*params, chunk],
                    )
                count = cursor.rowcount
            if table == quote(Value._meta.db_table):
                deleted += count
            if alive is not None:
                alive()
            if count < chunk:
                break
    return deleted


# --- Helpers ------------------------------------------------------------------------------------


class _Fields(NamedTuple):
    fields: dict[str, Field]  # attname → field, every concrete field
    extra: list[Field]  # fields the writer does not set itself
    defaults: tuple[Any, ...]  # their defaults, as the database takes them


def _fields(model: type[Model], known: Iterable[str]) -> _Fields:
    """The model's fields; those the writer does not set (other than the primary key and
    fields the database fills in itself, with ``db_default``) get their defaults."""
    fields = _concrete_fields(model)
    known = {*known, "updated_at"}
    extra = [
        field
        for name, field in fields.items()
        if name not in known and not field.primary_key and field.db_default is NOT_PROVIDED
    ]
    defaults = tuple(field.get_db_prep_save(field.get_default(), connection) for field in extra)
    return _Fields(fields, extra, defaults)


Converter = Callable[[Any, Any, Any], Any]


def _converters(
    model: type[Model], names: Sequence[str]
) -> list[tuple[tuple[Converter, Any], ...]]:
    """For each column read, the converters the ORM would apply to it (none on PostgreSQL):
    the database's, then the field's, as Django's SQL compiler asks its columns for them."""
    table = model._meta.db_table
    fields = _concrete_fields(model)
    result = []
    for name in names:
        column = fields[name].get_col(table)
        found = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
        result.append(tuple((converter, column) for converter in found))
    return result


def _concrete_fields(model: type[Model]) -> dict[str, Field]:
    """attname → field, for every field with a column."""
    return {field.attname: field for field in model._meta.concrete_fields}


def _convert(value: Any, converters: tuple[tuple[Converter, Any], ...]) -> Any:
    for converter, column in converters:
        value = converter(value, column, connection)
    return value


def _chunks(items: list[Any], size: int) -> Iterable[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
