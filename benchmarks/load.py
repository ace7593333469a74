"""Requests per second of each public page type under load, served as production serves them
(gunicorn, two workers, DEBUG off) and measured with wrk, as a share of a trivial Django view
measured in the same run: with the page cache warm, and with a figure changed every second.

    python -m benchmarks.load                   # a fresh SQLite file, 10 s of wrk per page
    python -m benchmarks.load --seconds 5       # a shorter run
    python -m benchmarks.load --values 200000   # more figures first (benchmarks.pages' generator)
    scripts/postgres.sh .venv/bin/python -m benchmarks.load   # an EMPTY PostgreSQL database

wrk (Debian's package: ``apt-get install wrk``) is a load tool written in C: it keeps its
connections busy from an event loop, with no Python of its own competing with the site for the
interpreter. It still uses CPU on the same machine as gunicorn, so it runs with one thread by
default (``--threads``) and the CPU time it took is printed beside the results.

It migrates a fresh database (a temporary SQLite file, or the empty PostgreSQL database in
DATABASE_URL), loads the demo (``load_demo``), optionally generates more figures (``--values``),
collects the static files into a temporary STATIC_ROOT and starts gunicorn on a free loopback
port as production does (``deploy/gunicorn.conf.py``, ``--workers 2``, DEBUG off) with the
site's URLs plus the trivial view (``benchmarks.settings_load``). Then, for each page, it runs
``wrk --latency`` on the trivial view (``--trivial-seconds``, by default half of ``--seconds``)
and at once on the page (``--seconds``): each page is compared with the trivial view measured
just before it, as the machine is shared and its speed drifts during a run. From each run it
reads requests per second, the median and 99th percentile latency and the errors (socket
errors, timeouts, responses other than 2xx or 3xx; a run with no answer at all is a failure, as
wrk counts a timeout only when the late answer comes), and, from /proc, gunicorn's CPU time a
request, which is steadier than requests per second on a machine shared with other work.
gunicorn's log (a line a request, as in production) goes to the run's temporary folder. The
conditions:

1. warm: nothing changes, so every page comes from the page cache;
2. with changes: a thread of this process changes one figure every second through the site's
   real write path, ``indicators.importing.import_values(stage=False)`` (an import released at
   once, with whatever invalidation the site does): a figure of an indicator of its own, for
   an area of its own, that no measured page shows (it is checked: no page mentions either).

Targets: the topic page serves at least 50% of the trivial view's requests per second warm and
at least 25% with a change every second (each against the trivial view's run just before),
with no errors at all. PASS or FAIL is printed for each, and the exit status is 0
either way (it is a measurement); it is 1 when the server did not start or wrk failed, and 2
when wrk is missing or the database is not empty. gunicorn and the changes always stop.
"""

from __future__ import annotations

import argparse
import http.client
import io
import os
import re
import resource
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORKERS = 2
LOAD_INDICATOR = "Load benchmark indicator"
LOAD_SLUG = "load-benchmark-indicator"
LOAD_AREA = ("E06009999", "Load benchmark area")
TRIVIAL = "trivial view"
PAGES = [  # name, URL (the area page's is looked up)
    (TRIVIAL, "/__trivial__/"),
    ("topic", "/children-and-young-people/childrens-social-care/child-protection/"),
    ("indicator", "/data/indicators/referrals-rate/"),
    ("area", ""),
    ("A to Z", "/a-z/"),
    ("search", "/search/?q=referrals"),
]
WARM_TARGET = 0.50
CHANGES_TARGET = 0.25


class Broken(Exception):
    """Something the measurement needs did not work (exit status 1)."""


# --- wrk's output ----------------------------------------------------------------------------


class WrkOutputError(ValueError):
    """wrk printed no result (it could not connect, or stopped early)."""


@dataclass
class WrkResult:
    requests: int
    seconds: float
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    connect_errors: int = 0
    read_errors: int = 0
    write_errors: int = 0
    timeouts: int = 0
    non_2xx_3xx: int = 0

    @property
    def errors(self) -> int:
        return (
            self.connect_errors
            + self.read_errors
            + self.write_errors
            + self.timeouts
            + self.non_2xx_3xx
        )


_TIME_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m|h)", text)
    if not match:
        raise WrkOutputError(f"not a wrk duration: {text!r}")
    return float(match[1]) * _TIME_UNITS[match[2]]


def parse_wrk(output: str) -> WrkResult:
    """The figures of one `wrk --latency` run, from what it printed."""
    rate = re.search(r"^Requests/sec:\s+([\d.]+)\s*$", output, re.M)
    total = re.search(r"^\s*(\d+) requests in ([\d.]+)(us|ms|s|m|h),", output, re.M)
    p50 = re.search(r"^\s+50%\s+(\S+)\s*$", output, re.M)
    p99 = re.search(r"^\s+99%\s+(\S+)\s*$", output, re.M)
    if not (rate and total and p50 and p99):
        raise WrkOutputError(f"wrk printed no result:\n{output.strip()}")
    result = WrkResult(
        requests=int(total[1]),
        seconds=_ms(total[2] + total[3]) / 1000,
        requests_per_second=float(rate[1]),
        p50_ms=_ms(p50[1]),
        p99_ms=_ms(p99[1]),
    )
    sockets = re.search(
        r"^\s*Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)\s*$",
        output,
        re.M,
    )
    if sockets:
        result.connect_errors, result.read_errors, result.write_errors, result.timeouts = (
            int(n) for n in sockets.groups()
        )
    other = re.search(r"^\s*Non-2xx or 3xx responses: (\d+)\s*$", output, re.M)
    if other:
        result.non_2xx_3xx = int(other[1])
    return result


@dataclass
class Run:
    result: WrkResult
    wrk_cpu_seconds: float
    server_cpu_seconds: float  # gunicorn's master and workers
    output: str = field(repr=False)

    @property
    def server_cpu_ms_per_request(self) -> float:
        return self.server_cpu_seconds * 1000 / max(self.result.requests, 1)


def server_cpu_seconds(master: int) -> float:
    """The CPU time gunicorn's master and its workers have used (Linux's /proc)."""
    ticks = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:  # a process that has just ended
            continue
        pid = int(stat.parent.name)
        fields = text[text.rindex(")") + 2 :].split()
        if pid == master or int(fields[1]) == master:
            ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def run_wrk(wrk: str, url: str, args: argparse.Namespace, master: int, seconds: int) -> Run:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    server_before = server_cpu_seconds(master)
    command = [
        wrk,
        f"-t{args.threads}",
        f"-c{args.connections}",
        f"-d{seconds}s",
        f"--timeout={args.timeout}s",
        "--latency",
        url,
    ]
    try:
        completed = subprocess.run(
            command, capture_output=True, text=True, timeout=seconds + 30, check=False
        )
    except subprocess.TimeoutExpired as error:  # subprocess.run has killed it
        raise Broken(f"wrk did not finish: {' '.join(command)}") from error
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    server = server_cpu_seconds(master) - server_before
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    try:
        result = parse_wrk(completed.stdout)
    except WrkOutputError as error:
        raise Broken(f"{' '.join(command)}: {error}\n{completed.stderr.strip()}") from error
    if not result.requests and not result.errors:
        # wrk counts a timeout only when the late answer comes: a server that never answers
        # shows no errors at all, only no requests.
        raise Broken(f"no answer at all in {seconds} s: {' '.join(command)}")
    return Run(result, cpu, server, completed.stdout)


# --- The site --------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def configure(folder: Path, port: int) -> str:
    """The environment of this process and of gunicorn: production's settings (DEBUG off) on
    plain HTTP over loopback, a database and static folder of the run's own. Returns the
    database's description."""
    database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{folder / 'load.sqlite3'}"
    os.environ.update(
        {
            "DATABASE_URL": database_url,
            "DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "127.0.0.1",
            "SITE_URL": f"http://127.0.0.1:{port}",
            "SECURE_SSL_REDIRECT": "0",
            "STATIC_ROOT": str(folder / "static"),
            "DJANGO_SETTINGS_MODULE": "benchmarks.settings_load",
            # Nothing from the project's .env (a developer's DEBUG=1, REDIS_URL, ...).
            "DJANGO_DOTENV_DISABLED": "1",
        }
    )
    os.environ.pop("WEB_CONCURRENCY", None)
    os.environ.pop("BIND", None)
    import django

    django.setup()
    return database_url.split("@")[-1] if "@" in database_url else database_url


def build(values: int) -> dict[str, str]:
    """The demo (and `values` figures in all), the indicator the changes are made to, the
    static files; the URL of each page measured."""
    from django.core.management import call_command
    from django.db import connection

    from indicators.models import Area, Indicator, Period, Value

    if connection.introspection.table_names():
        print(
            f"The database ({connection.settings_dict['NAME']}) is not empty: the benchmark "
            "needs an empty one (it adds the demo and changes figures).",
            file=sys.stderr,
        )
        sys.exit(2)
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    call_command("load_demo", verbosity=0, stdout=io.StringIO())
    if values:
        from benchmarks.pages import generate

        generate(values)
    # Not public on its own and on no page, for an area of its own: no page measured shows
    # either (checked before each condition), so a change to its figure changes nothing that
    # is measured but through the invalidation.
    Indicator.objects.create(
        name=LOAD_INDICATOR,
        slug=LOAD_SLUG,
        unit="percentage",
        multiplier=100,
        decimal_places=1,
        is_public=False,
    )
    area = Area(code=LOAD_AREA[0], name=LOAD_AREA[1], area_type="other")
    area.full_clean()
    area.save()
    period = Period.objects.filter(kind="fy").order_by("-start_date").first()
    assert period is not None
    Changer.target = (area.code, area.name, period.code)
    Changer.change(0)  # the figure exists before the warm condition
    call_command("collectstatic", interactive=False, verbosity=0)
    urls = dict(PAGES)
    urls["area"] = Area.objects.get(code="E07000123").get_absolute_url()
    print(
        f"Set up in {time.perf_counter() - started:.0f} s: {Value.objects.count():,} values, "
        f"static files in {os.environ['STATIC_ROOT']}",
        flush=True,
    )
    connection.close()
    return urls


class Changer(threading.Thread):
    """Once a second, one figure of the load benchmark's indicator changed through the site's
    write path: an import of a one-row file in our template, released at once."""

    target: tuple[str, str, str] = ("", "", "")  # area code, area name, period code

    def __init__(self) -> None:
        super().__init__(name="load-benchmark-changes", daemon=True)
        self.stopping = threading.Event()
        self.made = 0
        self.late = 0  # seconds skipped because a change took longer than a second
        self.error: BaseException | None = None
        self.started_at = self.stopped_at = 0.0
        self.busy = self.cpu = 0.0  # seconds spent changing: in all, and on this thread's CPU

    @classmethod
    def change(cls, n: int) -> None:
        from indicators.admin.blank_template import TEMPLATE_COLUMNS
        from indicators.importing import import_values

        code, name, period = cls.target
        figure = f"{10 + n % 80}.{n % 10}"  # never the figure of the change before
        cells = {
            "indicator": LOAD_SLUG,
            "area_code": code,
            "area_name": name,
            "period": period,
            "value": figure,
        }
        text = ",".join(TEMPLATE_COLUMNS) + "\n"
        text += ",".join(cells.get(column, "") for column in TEMPLATE_COLUMNS) + "\n"
        report = import_values(
            source=io.BytesIO(text.encode()),
            file_name=f"load-benchmark-{n}.csv",
            remember=False,
            stage=False,
        )
        if not report.applied or report.figures_new + report.figures_changed != 1:
            raise Broken(
                f"the change to {figure} was not applied: {report.status}; "
                f"{report.file_errors} {[error.message for error in report.errors]}"
            )

    def run(self) -> None:
        from django.db import connection

        self.started_at = next_at = time.monotonic()
        try:
            while not self.stopping.wait(max(next_at - time.monotonic(), 0)):
                started, cpu = time.monotonic(), time.thread_time()
                self.change(self.made + 1)
                self.busy += time.monotonic() - started
                self.cpu += time.thread_time() - cpu
                self.made += 1
                next_at += 1
                if next_at < time.monotonic():  # took over a second: no burst to catch up
                    self.late += 1
                    next_at = time.monotonic()
        except BaseException as error:  # noqa: BLE001 - reported by the main thread
            self.error = error
        finally:
            self.stopped_at = time.monotonic()
            connection.close()

    def stop(self) -> None:
        self.stopping.set()
        self.join(timeout=30)


def get(port: int, path: str) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def start_server(port: int, log: Path) -> subprocess.Popen[bytes]:
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "--config",
        "deploy/gunicorn.conf.py",
        "--workers",
        str(WORKERS),
        "--bind",
        f"127.0.0.1:{port}",
    ]
    with log.open("wb") as handle:
        # A session of its own, so that stopping it stops its workers and nothing else.
        server = subprocess.Popen(
            command,
            cwd=ROOT,
            env=os.environ.copy(),
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise Broken(f"gunicorn stopped (exit status {server.returncode}):\n{tail(log)}")
        try:
            if get(port, "/__trivial__/")[0] == 200:
                return server
        except OSError:
            pass
        time.sleep(0.3)
    stop_server(server)
    raise Broken(f"gunicorn did not answer on port {port} in 60 s:\n{tail(log)}")


def stop_server(server: subprocess.Popen[bytes]) -> None:
    """Stop gunicorn as a stop of the service does (SIGTERM: the master stops its workers);
    whatever of its session is left after 30 s, or after the master, is killed."""
    if server.poll() is None:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            pass
    try:
        os.killpg(server.pid, signal.SIGKILL)  # its own session: gunicorn and its workers
    except ProcessLookupError:  # nothing left, as it should be
        pass
    server.wait(timeout=10)


def tail(log: Path, lines: int = 30) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def check_pages(port: int, urls: dict[str, str]) -> dict[str, int]:
    """Each page answers 200 (not a redirect, which would be quick for the wrong reason) and
    shows neither the indicator nor the area the changes are made to; then each is asked for a
    few times, so that both workers have it in their cache. The size of each page, in bytes."""
    sizes = {}
    for name, url in urls.items():
        status, body = get(port, url)
        sizes[name] = len(body)
        if status != 200:
            raise Broken(f"{name} ({url}) answered {status}, not 200")
        for shown in (LOAD_INDICATOR, LOAD_SLUG, *LOAD_AREA):
            if shown.encode() in body:
                raise Broken(f"{name} ({url}) shows {shown}: the changes would be related")
        for _ in range(10):
            get(port, url)
    return sizes


@dataclass
class Condition:
    """One condition's runs: each page's, and the trivial view's run just before it, which
    the page is compared with (the machine is shared: its speed drifts during a run)."""

    name: str
    pages: dict[str, Run] = field(default_factory=dict)
    trivial: dict[str, Run] = field(default_factory=dict)

    def share(self, page: str) -> float:
        return (
            self.pages[page].result.requests_per_second
            / self.trivial[page].result.requests_per_second
        )

    def trivial_view(self) -> Run:
        """The trivial view's runs together: requests/s over them all, the median of their
        medians, the worst 99th percentile."""
        runs = list(self.trivial.values())
        results = [run.result for run in runs]
        requests = sum(result.requests for result in results)
        seconds = sum(result.seconds for result in results)
        together = WrkResult(
            requests=requests,
            seconds=seconds,
            requests_per_second=requests / seconds,
            p50_ms=statistics.median(result.p50_ms for result in results),
            p99_ms=max(result.p99_ms for result in results),
            connect_errors=sum(result.connect_errors for result in results),
            read_errors=sum(result.read_errors for result in results),
            write_errors=sum(result.write_errors for result in results),
            timeouts=sum(result.timeouts for result in results),
            non_2xx_3xx=sum(result.non_2xx_3xx for result in results),
        )
        return Run(
            together,
            sum(run.wrk_cpu_seconds for run in runs),
            sum(run.server_cpu_seconds for run in runs),
            "",
        )

    @property
    def errors(self) -> int:
        return sum(run.result.errors for run in [*self.pages.values(), *self.trivial.values()])


def measure(
    wrk: str,
    server: subprocess.Popen[bytes],
    port: int,
    urls: dict[str, str],
    args: argparse.Namespace,
    name: str,
) -> Condition:
    condition = Condition(name)
    for page, url in urls.items():
        if page == TRIVIAL:
            continue
        for measured, path, seconds, into in (
            (TRIVIAL, urls[TRIVIAL], args.trivial_seconds, condition.trivial),
            (page, url, args.seconds, condition.pages),
        ):
            run = run_wrk(wrk, f"http://127.0.0.1:{port}{path}", args, server.pid, seconds)
            result = run.result
            print(
                f"  {name:<8}{measured:<13}{result.requests_per_second:>8.1f} req/s, "
                f"p50 {result.p50_ms:.1f} ms, p99 {result.p99_ms:.1f} ms, {result.errors} "
                f"errors; CPU: gunicorn {run.server_cpu_seconds / result.seconds:.0%} of a core "
                f"({run.server_cpu_ms_per_request:.2f} ms a request), wrk "
                f"{run.wrk_cpu_seconds / result.seconds:.0%}; load average "
                f"{os.getloadavg()[0]:.1f}",
                flush=True,
            )
            into[page] = run
    return condition


# --- The report ------------------------------------------------------------------------------


def report(warm: Condition, changing: Condition, pages: list[str], sizes: dict[str, int]) -> bool:
    """The table and the targets; True when every target is met."""
    print()
    print(
        f"{'page':<13}{'req/s warm':>11}{'% trivial':>10}{'req/s changes':>15}{'% trivial':>10}"
        f"{'errors':>8}{'p50/p99 ms warm':>17}{'p50/p99 ms changes':>20}"
        f"{'CPU ms/req':>12}{'KB':>5}"
    )
    for name in pages:
        if name == TRIVIAL:
            w_run, c_run = warm.trivial_view(), changing.trivial_view()
            w_share = c_share = 1.0
        else:
            w_run, c_run = warm.pages[name], changing.pages[name]
            w_share, c_share = warm.share(name), changing.share(name)
        w, c = w_run.result, c_run.result
        cpu = f"{w_run.server_cpu_ms_per_request:.2f}/{c_run.server_cpu_ms_per_request:.2f}"
        print(
            f"{name:<13}{w.requests_per_second:>11.1f}{w_share:>10.0%}"
            f"{c.requests_per_second:>15.1f}{c_share:>10.0%}"
            f"{f'{w.errors}/{c.errors}':>8}{f'{w.p50_ms:.1f}/{w.p99_ms:.1f}':>17}"
            f"{f'{c.p50_ms:.1f}/{c.p99_ms:.1f}':>20}{cpu:>12}{sizes.get(name, 0) / 1024:>5.0f}"
        )
    print(
        "% trivial: of the requests/s of the trivial view's run just before the page's, in "
        "the same condition (the trivial view's row: all its runs together); errors: warm/with "
        "changes (socket errors, timeouts, non-2xx/3xx responses); CPU ms/req: gunicorn's CPU "
        "time a request, warm/with changes; KB: the page's size"
    )
    for condition in (warm, changing):
        rates = [run.result.requests_per_second for run in condition.trivial.values()]
        print(
            f"The trivial view's runs, {condition.name}: {min(rates):.0f} to {max(rates):.0f} "
            "req/s (how much the machine's speed moved)"
        )
    topic_warm, topic_changing = warm.share("topic"), changing.share("topic")
    errors = warm.errors + changing.errors
    targets = [
        (f"topic page warm >= {WARM_TARGET:.0%} of the trivial view", topic_warm >= WARM_TARGET,
         f"{topic_warm:.0%}"),
        (f"topic page with a change every second >= {CHANGES_TARGET:.0%} of the trivial view",
         topic_changing >= CHANGES_TARGET, f"{topic_changing:.0%}"),
        ("0 errors, every page and run, both conditions", errors == 0, f"{errors}"),
    ]  # fmt: skip
    print("\nTargets:")
    for words, met, measured in targets:
        print(f"  {'PASS' if met else 'FAIL'}  {words}: {measured}")
    by_cpu = [
        condition.trivial_view().server_cpu_ms_per_request
        / condition.pages["topic"].server_cpu_ms_per_request
        for condition in (warm, changing)
    ]
    print(
        f"  (not a target: gunicorn's CPU time a request, the trivial view's over the topic "
        f"page's, which is steadier on a busy machine: warm {by_cpu[0]:.0%}, with changes "
        f"{by_cpu[1]:.0%})"
    )
    return all(met for _, met, _ in targets)


def content_version() -> str:
    """The site's content version, if it still has one (for the report only)."""
    from django.db import connection

    try:
        from core.caching import current_version

        return str(current_version())
    except Exception:  # noqa: BLE001 - the report goes on without it
        return "?"
    finally:
        connection.close()


def tags_moved(after: str) -> str:
    """The cache tags changed since content version `after`, if the site keeps tags (for the
    report only: which cached pages the changes emptied)."""
    from django.db import connection

    try:
        from core.models import CacheTag

        names = CacheTag.objects.filter(changed__gt=int(after)).values_list("name", flat=True)
        return ", ".join(sorted(names)) or "none"
    except Exception:  # noqa: BLE001 - the report goes on without it
        return "?"
    finally:
        connection.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=10, help="Of wrk, per page and condition.")
    parser.add_argument(
        "--trivial-seconds",
        type=int,
        help="Of wrk on the trivial view, before each page (default: half of --seconds).",
    )
    parser.add_argument("--threads", type=int, default=1, help="wrk's threads (-t).")
    parser.add_argument("--connections", type=int, default=8, help="wrk's connections (-c).")
    parser.add_argument("--timeout", type=int, default=2, help="wrk's timeout, seconds.")
    parser.add_argument("--values", type=int, default=0, help="Figures in all (default: demo).")
    args = parser.parse_args()
    if args.trivial_seconds is None:
        args.trivial_seconds = max(args.seconds // 2, 1)
    wrk = shutil.which("wrk")
    if not wrk:
        print("wrk is not installed: apt-get install wrk", file=sys.stderr)
        sys.exit(2)
    # A stop (SIGTERM) unwinds like Ctrl+C does, through the finally below.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    folder = Path(tempfile.mkdtemp(prefix="jsna-load-bench-"))
    server: subprocess.Popen[bytes] | None = None
    changer: Changer | None = None
    try:
        port = free_port()
        database = configure(folder, port)
        from django.conf import settings
        from django.db import connection

        urls = build(args.values)
        cache = settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]
        print(
            f"Database: {connection.vendor} ({database}); cache: {cache}; gunicorn: "
            f"{WORKERS} workers (sync), DEBUG off, on 127.0.0.1:{port}; {os.cpu_count()} cores "
            f"shared with wrk and this process (load average {os.getloadavg()[0]:.2f})",
            flush=True,
        )
        print(
            f"wrk: -t{args.threads} -c{args.connections} -d{args.seconds}s "
            f"--timeout={args.timeout}s --latency for each page, after -d{args.trivial_seconds}s "
            "on the trivial view; on the same cores as the site: its own CPU use is shown per "
            "run",
            flush=True,
        )
        log = folder / "gunicorn.log"
        server = start_server(port, log)
        sizes = check_pages(port, urls)
        print("Condition 1: warm (nothing changes)", flush=True)
        warm = measure(wrk, server, port, urls, args, "warm")
        check_pages(port, urls)
        version = content_version()
        changer = Changer()
        changer.start()
        time.sleep(1.5)  # the first changes are made before the first page is measured
        print("Condition 2: a figure changed every second (an unrelated indicator)", flush=True)
        changing = measure(wrk, server, port, urls, args, "changes")
        changer.stop()
        if changer.error:
            raise Broken(f"the changes stopped: {changer.error!r}")
        elapsed = changer.stopped_at - changer.started_at
        print(
            f"\nChanges made: {changer.made} in {elapsed:.0f} s through import_values "
            f"(stage=False), to “{LOAD_INDICATOR}” for “{LOAD_AREA[1]}”, each in "
            f"{changer.busy * 1000 / max(changer.made, 1):.0f} ms "
            f"({changer.cpu * 1000 / max(changer.made, 1):.0f} ms of CPU), {changer.late} "
            f"seconds late; the content version went from {version} to {content_version()}; "
            f"cache tags they changed: {tags_moved(version)}",
            flush=True,
        )
        report(warm, changing, list(urls), sizes)
        if server.poll() is not None:
            raise Broken(f"gunicorn stopped during the run:\n{tail(log)}")
        if "Traceback" in log.read_text(errors="replace"):
            print(f"\nThe server's log has a traceback:\n{tail(log, 60)}")
    except Broken as error:
        print(f"\nBROKEN: {error}", file=sys.stderr)
        sys.exit(1)
    finally:
        if changer is not None and changer.is_alive():
            changer.stop()
        if server is not None:
            stop_server(server)
        shutil.rmtree(folder, ignore_errors=True)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
