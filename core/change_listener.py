"""Hearing of changes instead of asking for them: on PostgreSQL each process keeps a mirror of
the change numbers (`CacheTag`, `ContentVersion`, core/caching.py), kept current by LISTEN and
NOTIFY, so that a cached page is checked without a round trip to the database.

Every change (`caching.changed`) sends its number and tags on `CHANNEL` from inside the
transaction that makes it; PostgreSQL delivers a notification when, and only if, that
transaction commits. A thread in each process listens on a connection of its own: it loads
the whole table once, then applies what it hears, and every `PING` seconds it reads the last
change number and loads the table again should it have missed one. A change this process
makes is applied to its mirror as soon as it commits; one another process or machine makes,
when its notification arrives (milliseconds later).

`known(number, tags)` answers the cache's question (did any of `tags` change after `number`?)
from the mirror when it can be trusted, and None otherwise, when the caller asks the database:

- on PostgreSQL only, with `settings.HEAR_CHANGES` on (the default; the test suite turns it
  off except where it is tested, tests/core/test_change_listener.py);
- never inside a transaction, which may hold changes of its own not yet committed, or heard;
- only while the listener has heard from the database in the last `TRUSTED_FOR` seconds: if
  its connection is lost, every process asks the database again until it is back.

Not for a connection pooler in transaction mode (PgBouncer), where LISTEN does not work: set
HEAR_CHANGES=0 there.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import connection, transaction

from core.models import CacheTag, ContentVersion

logger = logging.getLogger(__name__)

CHANNEL = "jsna_changes"
#: Seconds between the listener's reads of the last change number (and its longest wait).
PING = 2.0
#: The mirror is used only if the listener heard from the database this recently.
TRUSTED_FOR = 3 * PING
#: A notification's payload is at most 8,000 bytes; a change naming more tags than fit says
#: "load everything again" instead.
MAX_PAYLOAD = 7000
RELOAD = "*"


class _Mirror:
    """What one process knows of the changes: the last change number of every tag."""

    def __init__(self) -> None:
        self.pid = os.getpid()
        self.tags: dict[str, int] = {}
        self.number = 0
        self.heard_at = 0.0  # time.monotonic() of the last word from the database
        self.stop = threading.Event()
        self.thread: threading.Thread | None = None

    def trusted(self) -> bool:
        return time.monotonic() - self.heard_at <= TRUSTED_FOR

    def apply(self, number: int, names: Iterable[str]) -> None:
        """A change `number` to `names`: the tags first, then the number, so that a reader
        between the two sees a page as changed rather than a number it may not build with."""
        tags = self.tags
        for name in names:
            if tags.get(name, 0) < number:
                tags[name] = number
        if number > self.number:
            self.number = number

    def load(self, cursor: Any) -> None:
        """Everything again, from the database: the whole table, then the number."""
        cursor.execute(f"SELECT name, changed FROM {CacheTag._meta.db_table}")
        tags = dict(cursor.fetchall())
        number = _last_number(cursor)
        self.tags = tags
        self.number = max(self.number, number)


def _last_number(cursor: Any) -> int:
    """The number of the last change (as `caching.current_version()` reads it, on the
    listener's own connection)."""
    cursor.execute(f"SELECT number FROM {ContentVersion._meta.db_table} WHERE id = 1")
    row = cursor.fetchone()
    return row[0] if row else 0


_mirror: _Mirror | None = None
_starting = threading.Lock()


def enabled() -> bool:
    return connection.vendor == "postgresql" and getattr(settings, "HEAR_CHANGES", False)


def known(number: int, names: Iterable[str]) -> tuple[bool, int] | None:
    """Whether any of `names` changed after change `number`, and the last change number, from
    this process's mirror; None when the mirror cannot answer (ask the database)."""
    if not enabled() or connection.in_atomic_block:
        return None
    mirror = _running()
    if not mirror.trusted():
        return None
    tags = mirror.tags
    last = max((tags.get(name, 0) for name in names), default=0)
    return last > number, mirror.number


def read_and_announce(names: list[str]) -> int:
    """The number of the change just made (inside its transaction) to `names`, read by the
    statement that tells the other processes of it, delivered when the transaction commits:
    hearing of changes adds no query to a change. This process's mirror applies it on commit."""
    suffix = " " + " ".join(names)
    if len(suffix.encode()) + 20 > MAX_PAYLOAD:
        suffix = " " + RELOAD
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT number, pg_notify(%s, number::text || %s) "
            f"FROM {ContentVersion._meta.db_table} WHERE id = 1",
            [CHANNEL, suffix],
        )
        row = cursor.fetchone()
    number = row[0] if row else 0
    mirror = _this_process()
    if mirror is not None:
        transaction.on_commit(lambda: mirror.apply(number, names))
    return number


def _this_process() -> _Mirror | None:
    """This process's mirror, if its listener was started (not one a parent process started
    before this one was forked from it)."""
    mirror = _mirror
    return mirror if mirror is not None and mirror.pid == os.getpid() else None


def _running() -> _Mirror:
    """This process's mirror, its listener started if it is not running."""
    global _mirror
    mirror = _this_process()
    if mirror is not None:
        return mirror
    with _starting:
        mirror = _this_process()
        if mirror is None:
            mirror = _Mirror()
            mirror.thread = threading.Thread(
                target=_listen,
                args=(mirror, connection.get_connection_params()),
                name="change-listener",
                daemon=True,
            )
            mirror.thread.start()
            _mirror = mirror  # only once its listener is running
        return mirror


def stop() -> None:
    """Stop this process's listener (tests; a process that exits needs nothing)."""
    global _mirror
    with _starting:
        mirror, _mirror = _mirror, None
    if mirror is not None and mirror.thread is not None:
        mirror.stop.set()
        mirror.thread.join(timeout=2 * PING)


def _listen(mirror: _Mirror, params: dict[str, Any]) -> None:
    import psycopg

    params = {
        **params,
        "autocommit": True,
        # A dead peer is noticed in seconds, not at the system's TCP timeout of hours.
        "keepalives": 1,
        "keepalives_idle": 5,
        "keepalives_interval": 2,
        "keepalives_count": 2,
    }
    params.pop("cursor_factory", None)
    while not mirror.stop.is_set():
        try:
            with psycopg.connect(**params) as conn:
                conn.execute(f"LISTEN {CHANNEL}")
                with conn.cursor() as cursor:
                    mirror.load(cursor)
                mirror.heard_at = time.monotonic()
                while not mirror.stop.is_set():
                    # The connection takes no query while it waits: a change too large for
                    # its notification stops the wait, and the ping loads everything.
                    reload = False
                    for notify in conn.notifies(timeout=PING):
                        if not _heard(mirror, notify.payload):
                            reload = True
                            break
                        mirror.heard_at = time.monotonic()
                    _ping(mirror, conn, reload)
        except Exception:  # lost the database: ask it directly until we hear it again
            mirror.heard_at = 0.0
            if not mirror.stop.is_set():
                logger.warning("Not hearing of changes; retrying in %s s", PING, exc_info=True)
                mirror.stop.wait(PING)


def _heard(mirror: _Mirror, payload: str) -> bool:
    """Apply a notification; False if it says to load everything again."""
    number_text, _, names = payload.partition(" ")
    if names == RELOAD:
        return False
    mirror.apply(int(number_text), names.split())
    return True


def _ping(mirror: _Mirror, conn: Any, reload: bool) -> None:
    """Read the last change number; load everything again if a change went unheard (or
    `reload`)."""
    with conn.cursor() as cursor:
        if reload or _last_number(cursor) > mirror.number:
            mirror.load(cursor)
    mirror.heard_at = time.monotonic()
