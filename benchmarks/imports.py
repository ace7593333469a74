"""The bulk import path measured against the database's own bulk insert of the same rows.

    python -m benchmarks.imports                   # 1,000,000 values, fresh SQLite file
    python -m benchmarks.imports --rows 200000     # a smaller run
    DATABASE_URL=postgres://... python -m benchmarks.imports   # an EMPTY PostgreSQL database
    scripts/postgres.sh .venv/bin/python -m benchmarks.imports  # a throwaway PostgreSQL server
    python -m benchmarks.imports --disclosure-threshold 4  # a small-number rule on every indicator

It migrates the database, adds the areas, financial years and indicators the file refers to
(350 areas with GSS-style codes, 16 financial years, as many indicators as the rows need),
writes a CSV file in our import template (streamed to a temporary folder), and measures:

- the ceiling: a bare bulk insert of the same rows, as the import would store them, into a
  scratch copy of the values table (same columns, constraints, indexes and foreign keys):
  ``executemany`` on SQLite, ``COPY`` on PostgreSQL, in chunks of 10,000 rows, timing only the
  database calls and the commit (building the rows is not timed). It is measured twice, before
  the first import (into an empty database) and after the re-import (beside the imported
  values), because the same insert has been seen to take three times as long in one run as in
  another on the same machine; the ratios are to the faster of the two, the harder target;
- ``manage.py import_values FILE`` into the empty values table, which stages the figures:
  rows per second and their ratio to the ceiling, and the process's peak resident memory
  (``ru_maxrss``; target: under 300 MB, for the whole process) and its growth during the import;
- releasing that import (``indicators.releases.publish_release``), as a publisher would, with
  the time spent in the small-number rule (``apply_disclosure_control``, which runs when
  figures are released) shown apart;
- the ratio: the file's rows per second through the import, and through the import and its
  release together, each divided by the ceiling's rows per second. Target for both: at least
  50% of the ceiling on SQLite (executemany), at least 75% on PostgreSQL (COPY);
- the same file imported again (nothing changes: every figure is compared with the released
  ones and reported as unchanged);
- the same import once more, from an emptied values table, under ``tracemalloc``, for the peak
  of Python's own allocations during the import (measured separately: tracemalloc slows
  Python down, so it would distort the rates). ``--no-tracemalloc`` skips it.

With ``--disclosure-threshold N`` every indicator has a small-number rule (counts from 1 to N
are withheld) and about one figure in twelve has a count from 1 to N, so that figures are
withheld, with secondary figures beside them, in every indicator and period; the time of the
small-number rule is shown for the import (which applies it to the staged figures) and for
the release, with the process's peak resident memory after each (target: under 200 MB for
1,000,000 rows). The ceiling inserts the same rows.

Django runs with DEBUG off, as in production: with DEBUG on, Django keeps the SQL of the last
9,000 queries in memory.
"""

from __future__ import annotations

import argparse
import atexit
import csv
import gc
import math
import os
import resource
import shutil
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Iterator
from io import StringIO
from pathlib import Path

AREAS = 350
YEARS = range(2008, 2024)  # 16 financial years, 2008/09 to 2023/24
CHUNK = 10_000
#: The import's rate (and the import's and release's together) as a share of the ceiling's.
TARGETS = {"sqlite": 0.50, "postgresql": 0.75}
MEMORY_TARGET_MB = 300
#: The peak resident memory of the whole run with a small-number rule on every indicator.
DISCLOSURE_MEMORY_TARGET_MB = 200
#: With a small-number rule: one figure in this many has a count from 1 to the threshold.
SMALL_EVERY = 12
UNITS = [  # (unit, multiplier, population)
    ("percentage", 100, ""),
    ("rate", 10_000, "population aged under 18"),
    ("count", 1, ""),
]
SUPPRESSED_NOTE = "Suppressed to protect confidentiality (c)"


def setup_django(database_url: str | None) -> Path:
    folder = Path(tempfile.mkdtemp(prefix="jsna-import-bench-"))
    # The database and files (hundreds of megabytes) go when the run ends.
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    os.environ["DATABASE_URL"] = database_url or f"sqlite:///{folder / 'bench.sqlite3'}"
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("SECRET_KEY", "benchmark-only-not-a-secret")
    os.environ.setdefault("ALLOWED_HOSTS", "localhost")
    os.environ["DJANGO_SETTINGS_MODULE"] = "jsna.settings"
    import django

    django.setup()
    return folder


def max_rss_mb() -> float:
    """The process's peak resident memory so far (Linux reports kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --- The site and the file ---------------------------------------------------------------------


def build_site(
    rows: int, disclosure_threshold: int | None = None
) -> tuple[list[tuple[str, str]], list[str], list[tuple[str, str]]]:
    """Areas, periods and indicators for `rows` values: (code, name) per area, period codes,
    (slug, unit) per indicator; each indicator with the small-number rule given, if any."""
    from django.utils.text import slugify

    from indicators.models import Area, Indicator, Period

    def area(code: str, name: str, area_type: str, parent: Area | None) -> Area:
        return Area(
            code=code,
            name=name,
            area_type=area_type,
            parent=parent,
            slug=f"{slugify(name)}-{code.lower()}",
        )

    england = area("E92000001", "England", "country", None)
    england.save()
    regions = [area(f"E1200000{n}", f"Region {n}", "region", england) for n in range(1, 10)]
    Area.objects.bulk_create(regions)
    counties = [area(f"E10{n:06d}", f"County {n}", "county", regions[n % 9]) for n in range(1, 25)]
    Area.objects.bulk_create(counties)
    others = []
    for n in range(AREAS - 1 - len(regions) - len(counties)):
        if n % 3 == 0:
            others.append(area(f"E07{n:06d}", f"District {n}", "district", counties[n % 24]))
        elif n % 3 == 1:
            others.append(area(f"E06{n:06d}", f"Unitary {n}", "unitary", regions[n % 9]))
        else:
            others.append(area(f"E08{n:06d}", f"Metropolitan {n}", "unitary", regions[n % 9]))
    Area.objects.bulk_create(others)
    periods = []
    for year in YEARS:
        period, _ = Period.objects.get_or_create_from_code(f"{year}/{(year + 1) % 100:02d}")
        periods.append(period.code)
    per_indicator = AREAS * len(YEARS)
    indicators = []
    for n in range(math.ceil(rows / per_indicator)):
        unit, multiplier, population = UNITS[n % len(UNITS)]
        indicators.append(
            Indicator(
                name=f"Benchmark indicator {n}",
                slug=f"bench-{n:04d}",
                unit=unit,
                multiplier=multiplier,
                population=population,
                decimal_places=1,
                disclosure_threshold=disclosure_threshold,
            )
        )
    Indicator.objects.bulk_create(indicators)
    areas = [(a.code, a.name) for a in Area.objects.order_by("code")]
    assert len(areas) == AREAS, len(areas)
    return areas, periods, [(i.slug, i.unit) for i in indicators]


def file_rows(
    rows: int,
    areas: list[tuple[str, str]],
    periods: list[str],
    indicators: list[tuple[str, str]],
    small: int | None = None,
) -> Iterator[list[str]]:
    """The rows of the file, as text, the same every run: a figure with its count,
    denominator and 95% limits; one in 40 suppressed (“c”); one in 100 with a note; with
    `small`, one in `SMALL_EVERY` with a count from 1 to `small`."""
    made = 0
    for i, (slug, unit) in enumerate(indicators):
        for a, (code, name) in enumerate(areas):
            for p, period in enumerate(periods):
                if made >= rows:
                    return
                made += 1
                h = (i * 7919 + a * 104_729 + p * 1_299_709) % 1_000_003
                note = "Provisional" if h % 100 == 7 else ""
                if h % 40 == 3:
                    yield [slug, code, name, period, "", "c", "", "", "", "", "", note]
                    continue
                tiny = 1 + h % small if small and h % SMALL_EVERY == 5 else 0
                if unit == "percentage":
                    denominator = 200 + h % 5000
                    count = tiny or (h // 7) % (denominator + 1)
                    value = count / denominator * 100
                    spread = 5 + h % 7
                    yield [
                        slug,
                        code,
                        name,
                        period,
                        "",
                        f"{value:.1f}",
                        "",
                        str(count),
                        str(denominator),
                        f"{max(value - spread, 0):.1f}",
                        f"{min(value + spread, 100):.1f}",
                        note,
                    ]
                elif unit == "rate":
                    denominator = 10_000 + h % 200_000
                    count = tiny or (h // 11) % 2000
                    value = count / denominator * 10_000
                    yield [
                        slug,
                        code,
                        name,
                        period,
                        "",
                        f"{value:.1f}",
                        "",
                        str(count),
                        str(denominator),
                        f"{value * 0.9:.1f}",
                        f"{value * 1.1 + 0.1:.1f}",
                        note,
                    ]
                else:
                    count = tiny or h % 5000
                    yield [slug, code, name, period, "", str(count), "", "", "", "", "", note]


def write_file(path: Path, rows: Iterator[list[str]]) -> int:
    """A file in our template, as an officer would fill in the blank template."""
    from indicators.admin.blank_template import TEMPLATE_COLUMNS

    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(TEMPLATE_COLUMNS)
        count = 0
        for row in rows:
            writer.writerow(row)
            count += 1
    return count


# --- The ceiling ---------------------------------------------------------------------------------


def stored_rows(
    rows: Iterator[list[str]], now: object, batch_id: int
) -> Iterator[dict[str, object]]:
    """The file's rows as the import stores them, column by column (ids, not codes)."""
    from indicators.models import Area, Indicator, Period

    indicator_ids = dict(Indicator.objects.values_list("slug", "pk"))
    area_ids = dict(Area.objects.values_list("code", "pk"))
    period_ids = dict(Period.objects.values_list("code", "pk"))
    for slug, code, _, period, _, value, _, count, denominator, lower, upper, note in rows:
        suppressed = value == "c"
        yield {
            "indicator_id": indicator_ids[slug],
            "area_id": area_ids[code],
            "period_id": period_ids[period],
            "breakdown_id": None,
            "value": None if suppressed else value,
            "status": "suppressed" if suppressed else "available",
            "count": count or None,
            "denominator": denominator or None,
            "lower_ci": lower or None,
            "upper_ci": upper or None,
            "note": (SUPPRESSED_NOTE if suppressed else "") + (f"{note}." if note else ""),
            "is_illustrative": False,
            "import_batch_id": batch_id,
            "updated_at": now,
        }


def ceiling(rows: Iterator[list[str]]) -> tuple[int, float]:
    """Insert the rows into a scratch copy of the values table; (rows, seconds timed)."""
    from django.db import connection, transaction
    from django.utils import timezone

    from indicators.models import ImportBatch, Value

    table = Value._meta.db_table
    scratch = "bench_ceiling_value"
    fields = [f for f in Value._meta.concrete_fields if not f.primary_key]
    columns = [f.column for f in fields]
    stamp = Value._meta.get_field("updated_at").get_db_prep_save(timezone.now(), connection)
    batch = ImportBatch.objects.create(file_name="ceiling")  # the rows point at an import
    defaults = {f.attname: f.get_db_prep_save(f.get_default(), connection) for f in fields}
    _make_scratch_table(table, scratch)
    quoted = ", ".join(connection.ops.quote_name(column) for column in columns)
    written, timed = 0, 0.0
    chunk: list[tuple[object, ...]] = []

    def insert(cursor) -> float:
        start = time.perf_counter()
        if connection.vendor == "postgresql":
            with cursor.copy(f"COPY {scratch} ({quoted}) FROM STDIN") as copy:
                for row in chunk:
                    copy.write_row(row)
        else:
            placeholders = ", ".join(["%s"] * len(columns))
            cursor.executemany(f"INSERT INTO {scratch} ({quoted}) VALUES ({placeholders})", chunk)
        return time.perf_counter() - start

    try:
        with transaction.atomic(), connection.cursor() as cursor:
            for stored in stored_rows(rows, stamp, batch.pk):
                chunk.append(tuple(stored.get(f.attname, defaults[f.attname]) for f in fields))
                if len(chunk) == CHUNK:
                    timed += insert(cursor)
                    written += len(chunk)
                    chunk.clear()
            if chunk:
                timed += insert(cursor)
                written += len(chunk)
            start = time.perf_counter()
        timed += time.perf_counter() - start  # the commit
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {scratch}")
        batch.delete()
    return written, timed


def _make_scratch_table(table: str, scratch: str) -> None:
    """An empty copy of `table` with its constraints, indexes and foreign keys."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {scratch}")
        if connection.vendor == "postgresql":
            cursor.execute(f"CREATE TABLE {scratch} (LIKE {table} INCLUDING ALL)")
            cursor.execute(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = %s::regclass AND contype = 'f'",
                [table],
            )
            for name, definition in cursor.fetchall():
                cursor.execute(f"ALTER TABLE {scratch} ADD CONSTRAINT {name}_bench {definition}")
            return
        cursor.execute(
            "SELECT type, name, sql FROM sqlite_master WHERE tbl_name = %s AND sql IS NOT NULL "
            "ORDER BY type DESC",  # the table before its indexes
            [table],
        )
        for kind, name, sql in cursor.fetchall():
            sql = sql.replace(f'"{table}"', f'"{scratch}"', 1)
            if kind == "index":
                sql = sql.replace(f'"{name}"', f'"{name}_bench"', 1)
            cursor.execute(sql)


# --- The import ---------------------------------------------------------------------------------


def run_import(path: Path, *, trace: bool = False) -> dict[str, float]:
    """Run the command; its time, the time of the small-number rule within it, memory."""
    from django.core.management import call_command

    from indicators.importing import pipeline

    rule = pipeline.apply_disclosure_control
    rule_seconds = 0.0

    def timed_rule(*args, **kwargs):
        nonlocal rule_seconds
        start = time.perf_counter()
        try:
            return rule(*args, **kwargs)
        finally:
            rule_seconds += time.perf_counter() - start

    gc.collect()
    rss_before = max_rss_mb()
    out, err = StringIO(), StringIO()
    if trace:
        tracemalloc.start()
    pipeline.apply_disclosure_control = timed_rule
    try:
        start = time.perf_counter()
        call_command("import_values", str(path), stdout=out, stderr=err)
        seconds = time.perf_counter() - start
    finally:
        pipeline.apply_disclosure_control = rule
    result = {
        "seconds": seconds,
        "rule_seconds": rule_seconds,
        "rss_growth": max_rss_mb() - rss_before,
        "rss": max_rss_mb(),
    }
    if trace:
        result["traced_peak"] = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    (result["summary"],) = [  # type: ignore[assignment]
        line.strip() for line in out.getvalue().splitlines() if line.strip().startswith("Read ")
    ]
    return result


def run_release() -> dict[str, float]:
    """Release the import just staged, as a publisher would: its time, and that of the
    small-number rule within it."""
    from indicators import releases
    from indicators.models import ImportBatch

    rule = releases.apply_disclosure_control
    rule_seconds = 0.0

    def timed_rule(*args, **kwargs):
        nonlocal rule_seconds
        start = time.perf_counter()
        try:
            return rule(*args, **kwargs)
        finally:
            rule_seconds += time.perf_counter() - start

    batch = ImportBatch.objects.latest("imported_at")
    releases.apply_disclosure_control = timed_rule
    try:
        start = time.perf_counter()
        releases.publish_release(batch)
        seconds = time.perf_counter() - start
    finally:
        releases.apply_disclosure_control = rule
    return {"seconds": seconds, "rule_seconds": rule_seconds, "rss": max_rss_mb()}


def empty_values_table() -> None:
    from django.db import connection

    from indicators.models import ImportBatch, ImportChange, Value

    with connection.cursor() as cursor:
        for model in (ImportChange, Value, ImportBatch):
            cursor.execute(f"DELETE FROM {model._meta.db_table}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument(
        "--no-tracemalloc",
        dest="trace",
        action="store_false",
        help="Skip the extra import under tracemalloc.",
    )
    parser.add_argument(
        "--disclosure-threshold",
        type=int,
        default=None,
        metavar="N",
        help="Give every indicator a small-number rule (counts 1 to N withheld) and some "
        "figures small counts; show the time and memory of the rule.",
    )
    args = parser.parse_args()
    folder = setup_django(os.environ.get("DATABASE_URL"))

    from django.core.management import call_command
    from django.db import connection

    from indicators.models import Value

    if connection.vendor == "postgresql":
        version = connection.cursor().connection.info.server_version
        where = f"PostgreSQL {version // 10000}.{version % 10000}"
    else:
        import sqlite3

        where = f"SQLite {sqlite3.sqlite_version} ({folder / 'bench.sqlite3'})"
    tables = connection.introspection.table_names()
    if "indicators_value" in tables and Value.objects.exists():
        sys.exit("The database already holds values: give an empty database.")
    call_command("migrate", verbosity=0)
    print(f"Database: {where}; Python {sys.version.split()[0]}", flush=True)

    start = time.perf_counter()
    small = args.disclosure_threshold
    areas, periods, indicators = build_site(args.rows, small)
    path = folder / "values.csv"
    written = write_file(path, file_rows(args.rows, areas, periods, indicators, small))
    size = path.stat().st_size / 2**20
    print(
        f"File: {written:,} rows ({len(indicators)} indicators × {len(areas)} areas × "
        f"{len(periods)} years), {size:.0f} MB, written in {time.perf_counter() - start:.0f} s",
        flush=True,
    )

    rows, before_seconds = ceiling(file_rows(args.rows, areas, periods, indicators, small))
    assert rows == written
    print(f"Ceiling, before the import: {before_seconds:.1f} s for {rows:,} rows", flush=True)

    first = run_import(path)
    print(f"Import (staged): {first['seconds']:.1f} s — {first['summary']}", flush=True)
    if f"{written:,} new figures" not in first["summary"]:
        sys.exit("The import did not add every figure of the file.")
    released = run_release()
    print(f"Release of the staged import: {released['seconds']:.1f} s", flush=True)
    again = run_import(path)
    print(f"Re-import: {again['seconds']:.1f} s — {again['summary']}", flush=True)
    rows, after_seconds = ceiling(file_rows(args.rows, areas, periods, indicators, small))
    assert rows == written
    print(f"Ceiling, after the re-import: {after_seconds:.1f} s for {rows:,} rows", flush=True)
    ceiling_seconds = min(before_seconds, after_seconds)
    traced = None
    if args.trace:
        empty_values_table()
        traced = run_import(path, trace=True)
        print(f"Import under tracemalloc: {traced['seconds']:.1f} s", flush=True)

    ceiling_rate = rows / ceiling_seconds
    ratio = written / first["seconds"] / ceiling_rate
    both = written / (first["seconds"] + released["seconds"]) / ceiling_rate
    target = TARGETS.get(connection.vendor, TARGETS["sqlite"])
    bulk = "COPY" if connection.vendor == "postgresql" else "executemany"
    print(f"\n{'':<44}{'seconds':>9}{'rows/s':>10}{'% of ceiling':>14}")
    for label, seconds in (
        (f"ceiling: bare bulk insert ({bulk})", ceiling_seconds),
        ("  (before the import)", before_seconds),
        ("  (after the re-import)", after_seconds),
        ("import_values, new figures (staged)", first["seconds"]),
        ("releasing them (publish_release)", released["seconds"]),
        ("import and release together", first["seconds"] + released["seconds"]),
        ("import_values again, nothing changes", again["seconds"]),
    ):
        rate = written / seconds
        print(f"{label:<44}{seconds:>9.1f}{rate:>10,.0f}{rate / ceiling_rate:>14.0%}")
    print(
        f"\nRatio to the ceiling ({bulk}, the faster of its two runs), target at least "
        f"{target:.0%} on {connection.vendor}:"
    )
    print(f"  import_values (staged)           {ratio:>5.0%}  target {_met(ratio >= target)}")
    print(f"  import_values and its release    {both:>5.0%}  target {_met(both >= target)}")
    rule = released["rule_seconds"]
    if rule:
        print(
            f"Of the release's {released['seconds']:.1f} s, {rule:.1f} s went to the small-number "
            f"rule (apply_disclosure_control), which runs when figures are released."
        )
    if small:
        from django.db.models import Count

        states = dict(
            Value.objects.exclude(withheld="").values_list("withheld").annotate(n=Count("id"))
        )
        print(
            f"Withheld after the release: {states.get('primary', 0):,} primary, "
            f"{states.get('secondary', 0):,} secondary."
        )
        print(
            f"Small-number rule (every indicator, counts 1 to {small} withheld): "
            f"{first['rule_seconds']:.1f} s in the import (staged figures), "
            f"{released['rule_seconds']:.1f} s in the release; peak resident memory of the "
            f"process {first['rss']:,.0f} MB after the import, {released['rss']:,.0f} MB after "
            f"the release (target, under {DISCLOSURE_MEMORY_TARGET_MB} MB: "
            f"{_met(released['rss'] < DISCLOSURE_MEMORY_TARGET_MB)})."
        )
    print(f"Memory of the first import (target, peak under {MEMORY_TARGET_MB} MB):")
    print(f"  peak resident memory of the process (ru_maxrss)    {first['rss']:>6,.0f} MB")
    print(f"  growth of that peak during the import              {first['rss_growth']:>6,.0f} MB")
    if traced is not None:
        traced_peak = traced["traced_peak"]
        print(f"  peak of Python's allocations (tracemalloc, rerun)  {traced_peak:>6,.0f} MB")
    print(
        f"Target, peak under {MEMORY_TARGET_MB} MB: {_met(first['rss'] < MEMORY_TARGET_MB)} "
        f"({first['rss']:,.0f} MB, the whole process: Python, Django and the import)."
    )
    sys.stdout.flush()


def _met(met: bool) -> str:
    return "met" if met else "NOT met"


if __name__ == "__main__":
    main()
