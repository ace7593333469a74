"""The figures' bulk reads and writes on PostgreSQL (`PostgresValueWriter`): `writing`'s
`ValueWriter` with keys sent as arrays in one query, rows sent with ``COPY`` (psycopg 3), and
ids taken from the table's sequence. `writing.writer_for` gives it on PostgreSQL."""

from __future__ import annotations

from typing import Any

from django.db import connection

from indicators.importing.writing import KEY_NAMES, Key, Stored, ValueWriter
from indicators.models import Value


class PostgresValueWriter(ValueWriter):
    """PostgreSQL: keys sent as arrays, rows sent with COPY, ids from the table's sequence."""

    temporary = "pg_temp"
    integer = "bigint"
    met_table_options = ""  # kept across the import's many transactions, dropped by forget

    def max_params(self) -> int:
        return 1 << 30  # keys go as arrays: any number in one query

    def _fetch(
        self,
        cursor: Any,
        keys: list[tuple[int, ...]],
        released: dict[Key, Stored],
        staged: dict[Key, Stored],
    ) -> None:
        """The keys as arrays, unnested; LIMIT 2 (each key has at most a released value and a
        staged one) keeps the planner from flattening the look-up into a merge join that
        filters every value of the indicator, so that each key is a probe of the unique
        indexes."""
        width = len(keys[0])
        arrays = ", ".join(["%s::bigint[]"] * width)
        names = ", ".join(KEY_NAMES[:width])
        sql = (
            f"SELECT {self._selected()} FROM unnest({arrays}) AS k({names}) "
            f"CROSS JOIN LATERAL (SELECT * FROM {self.value_table} v "
            f"WHERE {self._matching(width)} LIMIT 2) v"
        )
        cursor.execute(sql, [*(list(column) for column in zip(*keys, strict=True))])
        self._collect(cursor.fetchall(), released, staged)

    def insert(self, table: str, columns: str, rows: list[tuple[Any, ...]]) -> None:
        with (
            connection.wrap_database_errors,  # a failed COPY raises Django's IntegrityError
            connection.cursor() as cursor,
            cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row)

    def begin_batch(self) -> None:
        """A batch's transaction does not wait for its commit to reach the disk
        (``synchronous_commit`` off, for this transaction only): the figures it writes are
        staged and belong to an import that is not kept until its own last transaction, which
        does wait. Should the server stop meanwhile, the unfinished import is discarded as
        abandoned whatever it had written; the database itself stays consistent either way.
        The last transaction's wait for the disk takes every earlier batch's with it."""
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")

    def new_ids(self, count: int) -> list[int]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [Value._meta.db_table, count],
            )
            return [row[0] for row in cursor.fetchall()]
