"""Median render time of each public page type, on the demo data and on a generated dataset of
1,000,000+ values, each as a ratio to a trivial Django view measured in the same run.

    python -m benchmarks.pages                  # fresh SQLite file in a temporary folder
    python -m benchmarks.pages --values 200000  # a smaller run
    DATABASE_URL=postgres://... python -m benchmarks.pages   # an EMPTY PostgreSQL database

Pages are measured three ways (see MODES): as the public get them (the whole-page cache
answers after the first request), with the page cache turned off (every request renders the
page from the database: the layout around the page's parts kept built there), and cold (no
page cache and nothing kept: every request builds everything from the figures). Requests go
through Django's test client, in process, with DEBUG off as in production.
"""

from __future__ import annotations

import argparse
import atexit
import gc
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path


def setup_django(database_url: str | None) -> None:
    folder = tempfile.mkdtemp(prefix="jsna-bench-")
    atexit.register(shutil.rmtree, folder, ignore_errors=True)  # its database goes with the run
    os.environ["DATABASE_URL"] = database_url or f"sqlite:///{Path(folder) / 'bench.sqlite3'}"
    # As production runs: DEBUG off (with it on, Django recompiles templates and keeps every
    # query's SQL). Plain HTTP through the test client, so no HTTPS redirect.
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("SECRET_KEY", "benchmark-only-" + "x" * 40)
    os.environ["SECURE_SSL_REDIRECT"] = "0"
    os.environ["ALLOWED_HOSTS"] = "testserver"
    os.environ["SITE_URL"] = "http://testserver"
    os.environ["DJANGO_SETTINGS_MODULE"] = "jsna.settings"
    import django

    django.setup()


#: Settings the benchmarks' test client runs with: the benchmark URLs (the site's and a trivial
#: view), and static files by name, as collectstatic's manifest would give them.
CLIENT_SETTINGS: dict = {
    "ROOT_URLCONF": "benchmarks.urls",
    "ALLOWED_HOSTS": ["testserver"],
    "STORAGES": {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    },
}


TRIVIAL = "trivial view"
#: Pages timed on their own rather than taking turns with the others (see measure()).
ALONE = ("search",)


def timed_get(client, url: str, before=None) -> float:
    """One request for `url`, in seconds, a streamed answer read to its end as a client
    would; `before()` runs first, not timed."""
    if before is not None:
        before()
    # As timeit does: no garbage collection inside the timed request, which would otherwise
    # pay for the garbage of the pages before it; it runs, untimed, as soon as it is enabled
    # again and anything is allocated.
    gc.disable()
    try:
        start = time.perf_counter()
        response = client.get(url)
        if getattr(response, "streaming", False):
            b"".join(response.streaming_content)
        elapsed = time.perf_counter() - start
    finally:
        gc.enable()
    assert response.status_code == 200, (url, response.status_code)
    return elapsed


def median_ms(client, url: str, repeats: int, before=None) -> float:
    """The median time of `repeats` requests for `url` after three to warm up (for the other
    benchmarks, which time one address at a time)."""
    for _ in range(3):
        timed_get(client, url)
    return statistics.median(timed_get(client, url, before) for _ in range(repeats)) * 1000


def forget_blocks() -> None:
    from core.models import Prebuilt

    Prebuilt.objects.all().delete()


MODES = {
    # As the public get them: the whole-page cache answers after the first request.
    "cached": (False, None),
    # Without the page cache: every request renders the page from the database, the site's
    # layout around the page's parts kept built there (core/kept_pages.py).
    "uncached": (True, None),
    # Without the page cache and with nothing kept (no page's parts, no topic section, trend
    # or area table): what the first visitor after a change to everything a page shows would
    # wait for, were the task worker not to build it first (all are emptied before each
    # request).
    "cold": (True, forget_blocks),
}


def measure(urls: dict[str, str], repeats: int) -> dict[str, dict[str, float]]:
    """The median ms of each of `urls` in each mode. The pages take turns, one request each
    per round, so that the trivial view and each page are timed under the same conditions (a
    shared machine's speed drifts over seconds); those in ALONE are timed after, each on its
    own."""
    from django.test import Client, override_settings

    results: dict[str, dict[str, float]] = {}
    for mode, (dummy_cache, before) in MODES.items():
        overrides = dict(CLIENT_SETTINGS)
        if dummy_cache:
            overrides["CACHES"] = {
                "default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}
            }
        with override_settings(**overrides):
            client = Client()
            for _ in range(3):  # warm up: imports, template loading, the page cache
                for url in urls.values():
                    timed_get(client, url)
            times: dict[str, list[float]] = {name: [] for name in urls}
            rounds = min(repeats, 30) if mode == "cold" else repeats  # cold: slow, no target
            # Search (some 20 ms, and much garbage) is timed on its own, after the others:
            # among them it would slow whichever page came next.
            turns = [{n: u for n, u in urls.items() if n not in ALONE}]
            turns += [{n: u} for n, u in urls.items() if n in ALONE]
            for turn in turns:
                for _ in range(rounds):
                    for name, url in turn.items():
                        # Nothing to forget for the trivial view, which reads nothing.
                        forget = None if name == TRIVIAL else before
                        times[name].append(timed_get(client, url, forget))
            results[mode] = {name: statistics.median(t) * 1000 for name, t in times.items()}
    return results


def generate(target: int) -> int:
    """Add synthetic (illustrative) values until the database holds at least `target`: every
    English-style authority under nine regions, 16 years, the demo's indicators and more."""
    import datetime

    from django.db import connection, transaction

    from core.caching import bump_content_version
    from indicators.models import Area, Indicator, Period, Value

    england = Area.objects.get(code="E92000001")
    regions = [Area.objects.get(code="E12000002")]
    for n in (1, 3, 4, 5, 6, 7, 8, 9):
        regions.append(
            Area.objects.get_or_create(
                code=f"E1200000{n}",
                defaults={"name": f"Region {n}", "area_type": "region", "parent": england},
            )[0]
        )
    areas = list(Area.objects.all())
    for n in range(330):
        region = regions[n % len(regions)]
        areas.append(
            Area.objects.get_or_create(
                code=f"E08{n:06d}",
                defaults={"name": f"Authority {n}", "area_type": "unitary", "parent": region},
            )[0]
        )
    for year in range(1997, 2023):
        Period.objects.get_or_create_from_code(f"{year}/{(year + 1) % 100:02d}")
    periods = list(Period.objects.filter(kind="fy"))
    indicators = list(Indicator.objects.all())
    n = 0
    per_indicator = len(areas) * len(periods)
    while len(indicators) * per_indicator < target:
        indicators.append(
            Indicator.objects.create(
                name=f"Synthetic indicator {n}",
                slug=f"synthetic-{n}",
                unit="percentage",
                multiplier=100,
                decimal_places=1,
                polarity="low",
            )
        )
        n += 1
    existing = set(
        Value.objects.filter(breakdown__isnull=True).values_list(
            "indicator_id", "area_id", "period_id"
        )
    )
    now = datetime.datetime.now(datetime.UTC)
    columns = (
        "indicator_id, area_id, period_id, value, status, note, is_illustrative, withheld, "
        "updated_at, is_staged, previous_status"
    )
    sql = (
        f"INSERT INTO indicators_value ({columns}) "
        "VALUES (%s, %s, %s, %s, 'available', '', %s, '', %s, %s, '')"
    )

    def rows():
        for indicator in indicators:
            for area in areas:
                for period in periods:
                    if (indicator.pk, area.pk, period.pk) in existing:
                        continue
                    figure = 5 + (indicator.pk * 7 + area.pk * 13 + period.pk * 3) % 900 / 10
                    yield (indicator.pk, area.pk, period.pk, figure, True, now, False)

    written = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # COPY: ten million rows in minutes rather than an hour.
            with transaction.atomic():
                copy_sql = f"COPY indicators_value ({columns}) FROM STDIN"
                with cursor.cursor.copy(copy_sql) as copy:
                    for row in rows():
                        copy.write_row((*row[:4], "available", "", row[4], "", *row[5:], ""))
                        written += 1
            # As a server settles after a bulk load: without this, autovacuum works through
            # the new rows while the pages are timed, on the same two cores.
            cursor.execute("VACUUM (ANALYZE) indicators_value")
        else:
            batch = []
            with transaction.atomic():
                for row in rows():
                    batch.append(row)
                    if len(batch) == 20_000:
                        cursor.executemany(sql, batch)
                        written += len(batch)
                        batch.clear()
                if batch:
                    cursor.executemany(sql, batch)
                    written += len(batch)
            cursor.execute("ANALYZE")
    bump_content_version()
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--values", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=200)
    args = parser.parse_args()
    setup_django(os.environ.get("DATABASE_URL"))

    from django.core.management import call_command
    from django.db import connection

    from indicators.models import Area, Value

    call_command("migrate", verbosity=0)
    call_command("load_demo", verbosity=0)
    preston = Area.objects.get(code="E07000123")
    urls = {
        TRIVIAL: "/__trivial__/",
        "home": "/",
        "A to Z": "/a-z/",
        "search": "/search/?q=referrals",
        "topic": "/children-and-young-people/childrens-social-care/child-protection/",
        "indicator": "/data/indicators/referrals-rate/",
        "area": preston.get_absolute_url(),
    }
    print(f"Database: {connection.vendor}; repeats: {args.repeats}", flush=True)
    demo_count = Value.objects.count()
    demo = measure(urls, args.repeats)
    start = time.perf_counter()
    added = generate(args.values)
    big_count = Value.objects.count()
    print(f"Generated {added:,} values in {time.perf_counter() - start:.0f} s", flush=True)
    big = measure(urls, args.repeats)

    def table(mode: str) -> None:
        print(f"\n{mode.capitalize()} pages: median ms (ratio to the trivial view)")
        print(f"{'page':<14}{demo_count:>12,} values{big_count:>18,} values")
        for name in urls:
            d, b = demo[mode][name], big[mode][name]
            d0, b0 = demo[mode]["trivial view"], big[mode]["trivial view"]
            print(f"{name:<14}{d:>10.2f} ms {d / d0:>6.1f}x{b:>12.2f} ms {b / b0:>6.1f}x")

    for mode in MODES:
        table(mode)
    print(
        "\nTargets: uncached topic, indicator and area pages within 10x the trivial view, "
        "cached within 2x."
    )
    for mode, limit in (("uncached", 10), ("cached", 2)):
        for name in ("topic", "indicator", "area"):
            ratio = big[mode][name] / big[mode]["trivial view"]
            verdict = "PASS" if ratio <= limit else "FAIL"
            print(f"  {mode:<9}{name:<10}{ratio:>7.1f}x (target {limit}x): {verdict}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
