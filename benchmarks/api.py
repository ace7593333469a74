"""The open-data API's values endpoint: CSV throughput (rows per second, streamed) over
1,000,000+ values, and the median latency of a typical JSON query as a ratio to a trivial
Django view measured in the same run.

    python -m benchmarks.api                   # fresh SQLite file in a temporary folder
    python -m benchmarks.api --values 20000    # a quick run
    DATABASE_URL=postgres://... python -m benchmarks.api   # an EMPTY PostgreSQL database

Data as `benchmarks.pages` builds it: the demo, then synthetic (illustrative) values for every
English-style authority, 26 years and enough indicators, made public on their own (the API
shows public indicators only). Requests go through Django's test client, in process, with
DEBUG off as in production and no rate limit.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time

from benchmarks.pages import CLIENT_SETTINGS, generate, median_ms, setup_django

#: A typical query: one indicator for an area and its comparators, as a dashboard asks.
TYPICAL = "/api/v1/values?indicator=referrals-rate&area=E10000017&comparators_of=E10000017"
#: The trivial view's address (benchmarks/urls.py).
TRIVIAL = "/__trivial__/"


def stream_csv(client, url: str) -> tuple[int, float, int]:
    """Rows, seconds and bytes of one CSV answer, read to its end as a client would."""
    start = time.perf_counter()
    response = client.get(url)
    assert response.status_code == 200 and response.streaming, response.status_code
    size = lines = 0
    for chunk in response.streaming_content:
        size += len(chunk)
        lines += chunk.count(b"\n")
    return lines - 1, time.perf_counter() - start, size  # less the header row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--values", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=30)
    args = parser.parse_args()
    setup_django(os.environ.get("DATABASE_URL"))

    from django.core.management import call_command
    from django.db import connection
    from django.test import Client, override_settings

    from core.caching import bump_content_version
    from indicators.models import Indicator, Value

    call_command("migrate", verbosity=0)
    call_command("load_demo", verbosity=0)
    start = time.perf_counter()
    added = generate(args.values)
    Indicator.objects.filter(slug__startswith="synthetic-").update(is_public=True)
    bump_content_version()
    print(
        f"Database: {connection.vendor}; {Value.objects.count():,} values "
        f"({added:,} generated in {time.perf_counter() - start:.0f} s); repeats: {args.repeats}",
        flush=True,
    )
    with override_settings(**CLIENT_SETTINGS, API_RATE_LIMIT=""):
        client = Client()
        trivial = median_ms(client, TRIVIAL, args.repeats)
        typical = median_ms(client, TYPICAL, args.repeats)
        rows, seconds, size = stream_csv(client, "/api/v1/values?format=csv")
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\nTrivial view:           {trivial:8.2f} ms")
    print(f"Typical values query:   {typical:8.2f} ms ({typical / trivial:.1f}x the trivial view)")
    print(f"  {TYPICAL}")
    print(
        f"CSV of every value:     {rows:,} rows, {size / 1e6:.0f} MB in {seconds:.1f} s: "
        f"{rows / seconds:,.0f} rows/s, streamed"
    )
    print(f"Peak resident memory:   {peak_mb:.0f} MB")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
