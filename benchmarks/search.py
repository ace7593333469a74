"""The site search on many topics: median time of search pages (each request a new URL, so the
page cache never answers; the A to Z, which SQLite's typo correction reads, cached as usual),
each as a ratio to a trivial Django view measured in the same run; the size of the stored
index; and the time to rebuild it.

    python -m benchmarks.search                  # 5,000 topics, fresh SQLite file
    python -m benchmarks.search --topics 500     # a smaller run
    DATABASE_URL=postgres://... python -m benchmarks.search   # an EMPTY PostgreSQL database
    scripts/postgres.sh .venv/bin/python -m benchmarks.search  # a throwaway server

It migrates a fresh database and generates N published topics under 20 themes, each with a
summary, keywords and three sections of narrative (about 120 words each) drawn from a fixed
vocabulary; one section in four shows one of 200 indicators. Some words are planted so that
queries match a known share of the topics: "otter" in 1% of titles, "walrus" in 2% of
narratives, "health" in every summary. Rows are written in bulk (no signals), then the index
is built with `rebuild_search_index`'s code, timed; saving one topic (which indexes it again
through the signals) is timed too. Requests go through Django's test client, in process.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time

from benchmarks.pages import median_ms, setup_django

VOCABULARY = (
    "child children family families care carer school pupil attainment absence health "
    "wellbeing smoking alcohol obesity physical activity diet housing homeless income poverty "
    "employment benefit crime safety injury hospital admission emergency mental anxiety "
    "depression suicide dementia ageing older adult disability learning autism vaccination "
    "immunisation screening cancer heart stroke diabetes respiratory asthma dental oral "
    "pregnancy maternity birth infant mortality life expectancy deprivation rural urban "
    "district county region neighbourhood community volunteer library park transport air "
    "pollution noise water flood climate energy fuel food bank referral assessment plan "
    "review placement foster adoption leaver youth offending education training apprentice "
    "college university qualification skill language migrant ethnicity gender sexual "
    "violence abuse neglect exploitation domestic substance drug misuse treatment recovery "
    "service provider commission budget spending trend forecast projection estimate rate "
    "count percentage ratio indicator figure survey census population growth decline"
).split()

QUERIES = {
    "rare word (1%)": "otter",
    "narrative word (2%)": "walrus",
    "common word (all)": "health",
    "two words": "smoking pregnancy",
    "phrase": '"mental health"',
    "typo": "otterr",
    "no match": "zyzzyva",
}


def generate(count: int, seed: int = 1) -> None:
    """`count` published topics under 20 themes, with sections and 200 indicators, in bulk."""
    from django.db import transaction

    from indicators.models import Indicator
    from pages.models import Section, Topic

    rng = random.Random(seed)

    def words(n: int) -> str:
        return " ".join(rng.choice(VOCABULARY) for _ in range(n))

    with transaction.atomic():
        indicators = Indicator.objects.bulk_create(
            Indicator(
                name=f"Indicator {n} {words(3)}",
                slug=f"bench-indicator-{n}",
                definition=words(25).capitalize() + ".",
                unit="percentage",
                multiplier=100,
            )
            for n in range(200)
        )
        themes = Topic.objects.bulk_create(
            Topic(
                title=f"Theme {n} {words(2)}",
                slug=f"theme-{n}",
                path=f"theme-{n}",
                depth=0,
                status="published",
                summary=words(12),
            )
            for n in range(20)
        )
        topics = []
        for n in range(count):
            theme = themes[n % len(themes)]
            title = f"Topic {n} {words(2)}" + (" otter" if n % 100 == 0 else "")
            topics.append(
                Topic(
                    parent=theme,
                    title=title,
                    slug=f"topic-{n}",
                    path=f"{theme.path}/topic-{n}",
                    depth=1,
                    status="published",
                    summary=f"{words(10)} health {words(10)}.",
                    keywords=", ".join(words(1) for _ in range(3)),
                )
            )
        topics = Topic.objects.bulk_create(topics, batch_size=1000)
        sections = []
        for n, topic in enumerate(topics):
            for part in range(3):
                body = "\n\n".join(words(40).capitalize() + "." for _ in range(3))
                if part == 2 and n % 50 == 0:
                    body += " A walrus was seen."
                sections.append(
                    Section(
                        topic=topic,
                        heading=words(3).capitalize(),
                        anchor=f"part-{part}",
                        body=body,
                        sort_order=part,
                        indicator=indicators[(n + part) % 200] if (n + part) % 4 == 0 else None,
                    )
                )
        Section.objects.bulk_create(sections, batch_size=1000)


def index_size() -> str:
    from django.db import connection

    from pages import search_index

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT pg_total_relation_size('pages_searchdocument'), "
                "pg_relation_size('pages_searchdocument_vector_gin')"
            )
            total, gin = cursor.fetchone()
            return f"{total / 1e6:.1f} MB (documents, vectors and indexes; GIN {gin / 1e6:.1f} MB)"
        cursor.execute(
            "SELECT name, SUM(pgsize) FROM dbstat "
            "WHERE name LIKE 'pages_searchdocument%' OR name = 'searchdocument_unique_object' "
            "GROUP BY name"
        )
        sizes = dict(cursor.fetchall())
    fts = sum(size for name, size in sizes.items() if name.startswith(search_index.FTS_TABLE))
    return f"{sum(sizes.values()) / 1e6:.1f} MB (documents and indexes; FTS5 {fts / 1e6:.1f} MB)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--topics", type=int, default=5000)
    parser.add_argument("--repeats", type=int, default=30)
    args = parser.parse_args()
    setup_django(os.environ.get("DATABASE_URL"))

    from django.core.management import call_command
    from django.db import connection
    from django.test import Client, override_settings

    from pages import search_index
    from pages.models import SearchDocument, Topic

    call_command("migrate", verbosity=0)
    start = time.perf_counter()
    generate(args.topics)
    print(
        f"Database: {connection.vendor}; {args.topics:,} topics generated in "
        f"{time.perf_counter() - start:.1f} s; repeats: {args.repeats}",
        flush=True,
    )
    start = time.perf_counter()
    topics, indicators = search_index.rebuild()
    rebuilt = time.perf_counter() - start
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    print(
        f"Index rebuilt ({topics:,} topics, {indicators:,} indicators, "
        f"{SearchDocument.objects.count():,} documents) in {rebuilt:.2f} s",
        flush=True,
    )
    print(f"Index size: {index_size()}", flush=True)

    page = Topic.objects.filter(depth=1).order_by("pk")[args.topics // 2]
    saves = []
    for n in range(10):
        page.summary = f"Saved {n}: {page.summary}"
        begin = time.perf_counter()
        page.save()
        saves.append(time.perf_counter() - begin)
    print(
        f"Saving a topic (indexed again by the signals): {statistics.median(saves) * 1000:.1f} ms"
    )

    from pages.a_z import _build_a_z_index

    start = time.perf_counter()
    _build_a_z_index()
    print(
        f"Building the A to Z (cached for 5 minutes; SQLite's typo correction reads it): "
        f"{time.perf_counter() - start:.2f} s",
        flush=True,
    )

    from django.core.cache import cache

    from pages.search import find, parse_query

    cache.clear()
    with override_settings(ROOT_URLCONF="benchmarks.urls", ALLOWED_HOSTS=["testserver"]):
        client = Client()
        counts = {name: len(find(parse_query(q)).hits) for name, q in QUERIES.items()}
        results = {"trivial view": median_ms(client, "/__trivial__/", args.repeats)}
        for name, q in QUERIES.items():
            results[name] = _median_search_ms(client, q, args.repeats)
    base = results["trivial view"]
    print(
        "\nSearch pages (each request a new URL, so never from the page cache): "
        "median ms (ratio to the trivial view)"
    )
    for name, ms in results.items():
        hits = f"{counts[name]:>6,} hits" if name in counts else ""
        print(f"{name:<22}{ms:>9.2f} ms {ms / base:>7.1f}x  {hits}")
    sys.stdout.flush()


def _median_search_ms(client, q: str, repeats: int) -> float:
    from urllib.parse import urlencode

    times = []
    for n in range(repeats + 3):  # the first three warm up
        url = "/search/?" + urlencode({"q": q, "r": n})  # a new URL: the page cache misses
        begin = time.perf_counter()
        response = client.get(url)
        elapsed = time.perf_counter() - begin
        assert response.status_code == 200, (url, response.status_code)
        if n >= 3:
            times.append(elapsed)
    return statistics.median(times) * 1000


if __name__ == "__main__":
    main()
