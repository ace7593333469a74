"""On PostgreSQL each process hears of changes as they commit (core/change_listener.py) and
checks a cached page against its own copy of the change numbers, with no query; these tests
make changes in this process, in another process (a real one, started for the test), and
behind the listener's back, and check that the right pages, and only those, are built again.

The changes are committed (a transactional test): a notification is sent only on commit."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from decimal import Decimal

import pytest
from django.conf import settings as django_settings
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from core import change_listener
from core.models import CacheTag, ContentVersion
from indicators.models import Indicator, Value
from tests.factories import (
    BLACKPOOL,
    CHILD_PROTECTION_URL,
    child_protection_and_an_unrelated_indicator,
)

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="LISTEN/NOTIFY: PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]

ROOT = django_settings.BASE_DIR


@pytest.fixture
def hearing(settings):
    """Changes heard, with this process's listener started and caught up; stopped after."""
    settings.HEAR_CHANGES = True
    change_listener.stop()
    change_listener.known(0, [])  # starts it
    deadline = time.monotonic() + 10
    while change_listener.known(0, []) is None:
        assert time.monotonic() < deadline, "the listener did not start"
        time.sleep(0.02)
    yield
    change_listener.stop()


@pytest.fixture
def site(hearing):
    return child_protection_and_an_unrelated_indicator()


def pages() -> dict[str, str]:
    from indicators.models import Area

    return {
        "topic": CHILD_PROTECTION_URL,
        "cpp indicator": "/data/indicators/cpp-rate/",
        "unrelated indicator": "/data/indicators/unrelated/",
        "home": "/",
        "blackpool": Area.objects.get(code=BLACKPOOL).get_absolute_url(),
    }


def get(client, url: str) -> tuple[int, bool, str]:
    """The queries a request made, whether a template was rendered, and the page."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured), bool(response.templates), response.content.decode()


def warm(client) -> dict[str, str]:
    found = pages()
    for url in found.values():
        client.get(url)
    for name, url in found.items():
        assert get(client, url)[:2] == (0, False), f"{name} was not served from the cache"
    return found


def cached(client, found: dict[str, str]) -> set[str]:
    return {name for name, url in found.items() if get(client, url)[:2] == (0, False)}


def wait_for(client, url: str, text: str, seconds: float) -> float:
    """Request `url` until it shows `text`; how long that took."""
    started = time.monotonic()
    while text not in get(client, url)[2]:
        assert time.monotonic() - started < seconds, f"{text!r} not on {url} in {seconds} s"
        time.sleep(0.01)
    return time.monotonic() - started


def in_another_process(code: str) -> None:
    """Run `code` in a new Python process with Django set up on this test's database (its
    changes commit there and reach this process only as notifications)."""
    db = connection.settings_dict
    url = (
        f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or 'localhost'}:"
        f"{db['PORT'] or 5432}/{db['NAME']}"
    )
    script = "import django; django.setup()\n" + code
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "jsna.settings"}
    env.setdefault("DEBUG", "1")
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr


def test_a_cached_page_is_checked_without_a_query(client, site):
    built = get(client, CHILD_PROTECTION_URL)
    assert built[0] > 0
    queries, rendered, content = get(client, CHILD_PROTECTION_URL)
    assert (queries, rendered) == (0, False)
    assert content == built[2]


def test_a_change_in_another_process_is_heard_and_empties_only_its_pages(client, site):
    found = warm(client)
    in_another_process(
        "from decimal import Decimal\n"
        "from indicators.models import Value\n"
        "figure = Value.objects.get(indicator__slug='unrelated')\n"
        "figure.value = Decimal('17.5')\n"
        "figure.save()\n"
    )
    wait_for(client, found["unrelated indicator"], "17.5", seconds=2)
    # Built again above, its area's page still to be: the other pages were never emptied.
    assert cached(client, found) == {"topic", "cpp indicator", "home", "unrelated indicator"}
    assert "17.5" in get(client, found["blackpool"])[2]


def test_a_change_naming_more_tags_than_a_notification_holds_is_heard(client, site):
    found = warm(client)
    indicator = Indicator.objects.get(slug="unrelated")
    in_another_process(
        "from core.caching import changed\n"
        f"changed('indicator:{indicator.pk}', *[f'area:{{n}}' for n in range(10_000, 12_000)])\n"
    )
    deadline = time.monotonic() + 2
    while get(client, found["unrelated indicator"])[:2] == (0, False):
        assert time.monotonic() < deadline, "the change was not heard"
        time.sleep(0.01)
    # The indicator's page, built again above; Blackpool's shows its figure too.
    assert cached(client, found) == {"topic", "cpp indicator", "home", "unrelated indicator"}


def test_this_process_sees_its_own_change_at_once(client, site):
    found = warm(client)
    figure = Value.objects.get(indicator__slug="unrelated")
    figure.value = Decimal("23.5")
    figure.save()  # committed: no transaction around the test
    assert "23.5" in get(client, found["unrelated indicator"])[2]  # no wait
    assert "topic" in cached(client, found)


def test_a_change_not_heard_is_found_by_the_listeners_next_read(client, site):
    """A change written without its notification (as if one were lost) is found when the
    listener next reads the last change number, within a few seconds."""
    found = warm(client)
    indicator = Indicator.objects.get(slug="unrelated")
    with connection.cursor() as cursor:  # by hand, as changed() writes it, but unannounced
        cursor.execute(
            f"UPDATE {ContentVersion._meta.db_table} SET number = number + 1 WHERE id = 1 "
            "RETURNING number"
        )
        (number,) = cursor.fetchone()
    CacheTag.objects.update_or_create(
        name=f"indicator:{indicator.pk}", defaults={"changed": number}
    )
    Value.objects.filter(indicator=indicator).update(value=Decimal("987.6"))
    took = wait_for(client, found["unrelated indicator"], "987.6", seconds=3 * change_listener.PING)
    assert took > 0.0  # it was not at once: nobody announced it
    assert "topic" in cached(client, found)


def test_inside_a_transaction_the_database_is_asked(client, site):
    found = warm(client)
    with transaction.atomic():
        figure = Value.objects.get(indicator__slug="unrelated")
        figure.value = Decimal("41.5")
        figure.save()  # not committed, so not heard: the check must ask the database
        queries, rendered, content = get(client, found["unrelated indicator"])
        assert "41.5" in content
        assert (queries, rendered) != (0, False)
        assert get(client, found["topic"])[:2] == (1, False)  # the check, by query


def test_a_listener_not_heard_from_is_not_trusted(client, site):
    found = warm(client)
    change_listener._running().heard_at = 0.0  # as if its connection were lost
    assert change_listener.known(0, ["any"]) is None
    assert get(client, found["topic"])[:2] == (1, False)  # the check, by query


def test_off_the_database_is_asked(client, site, settings):
    found = warm(client)
    settings.HEAR_CHANGES = False
    assert change_listener.known(0, ["any"]) is None
    assert get(client, found["topic"])[:2] == (1, False)
