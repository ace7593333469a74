"""`benchmarks.load` reads wrk's output: requests per second, the median and 99th percentile
latency, and every kind of error wrk counts. The files in wrk/ are what Debian's wrk 4.1.0
printed (`wrk -t1 -c8 -d3s --timeout=... --latency URL`), captured for real:

- ok-trivial.txt, ok-topic.txt: the site under gunicorn (2 workers, DEBUG off, as
  `benchmarks.load` starts it), the trivial view and the Child protection topic page;
- not-found.txt: the same site, a URL that does not exist (every answer a 404);
- closed-unanswered.txt: a server that closes every connection without an answer (read errors);
- mixed-then-refused.txt: a server answering 200, 500, closing, or holding connections, that
  stopped listening half way through (non-2xx responses, read and write errors);
- late-timeouts.txt: a server answering after 1.5 s, with --timeout=1s (timeouts);
- slow-seconds.txt: the same with --timeout=3s (latencies in seconds, no errors);
- never-answers.txt: a server that accepts and never answers (no requests, and no errors:
  wrk counts a timeout only when the late answer comes).
"""

import argparse
import subprocess
from pathlib import Path

import pytest

from benchmarks import load
from benchmarks.load import WrkOutputError, parse_wrk

WRK = Path(__file__).parent / "wrk"


def parsed(name: str):
    return parse_wrk((WRK / name).read_text())


def test_a_clean_run():
    result = parsed("ok-trivial.txt")
    assert result.requests == 3282
    assert result.seconds == pytest.approx(3.01)
    assert result.requests_per_second == pytest.approx(1091.37)
    assert result.p50_ms == pytest.approx(7.30)
    assert result.p99_ms == pytest.approx(22.55)
    assert result.errors == 0


def test_a_clean_run_of_a_page():
    result = parsed("ok-topic.txt")
    assert (result.requests, result.requests_per_second) == (414, pytest.approx(137.49))
    assert (result.p50_ms, result.p99_ms) == (pytest.approx(48.97), pytest.approx(392.22))
    assert result.errors == 0


def test_responses_other_than_2xx_or_3xx_are_errors():
    result = parsed("not-found.txt")
    assert result.non_2xx_3xx == 240
    assert result.requests == 240
    assert result.errors == 240


def test_connections_closed_without_an_answer_are_read_errors():
    result = parsed("closed-unanswered.txt")
    assert (result.connect_errors, result.read_errors, result.write_errors) == (0, 3749, 0)
    assert result.timeouts == 0
    assert result.requests == 0
    assert result.errors == 3749


def test_every_kind_of_socket_error_and_bad_status_is_counted():
    result = parsed("mixed-then-refused.txt")
    assert result.read_errors == 16
    assert result.write_errors == 59168
    assert result.non_2xx_3xx == 8
    assert result.errors == 16 + 59168 + 8
    assert result.requests == 15
    assert result.p99_ms == pytest.approx(20.06)


def test_late_answers_are_timeouts():
    result = parsed("late-timeouts.txt")
    assert result.timeouts == 16
    assert result.errors == 16
    assert result.p50_ms == 0  # wrk leaves timed-out requests out of its latencies


def test_latencies_in_seconds():
    result = parsed("slow-seconds.txt")
    assert result.p50_ms == pytest.approx(1510)
    assert result.p99_ms == pytest.approx(1510)
    assert result.errors == 0


def test_a_server_that_never_answers_shows_no_requests():
    """Nor errors: `benchmarks.load.run_wrk` treats a run with neither as broken."""
    result = parsed("never-answers.txt")
    assert (result.requests, result.errors, result.requests_per_second) == (0, 0, 0)


def test_no_result_at_all():
    # What wrk prints (on stderr, with nothing on stdout) when it cannot connect.
    with pytest.raises(WrkOutputError):
        parse_wrk("")
    with pytest.raises(WrkOutputError):
        parse_wrk("unable to connect to 127.0.0.1:47699 Connection refused\n")


@pytest.mark.parametrize(
    ("name", "broken"),
    [("ok-topic.txt", False), ("not-found.txt", False), ("never-answers.txt", True)],
)
def test_a_run_with_no_answer_at_all_is_broken(monkeypatch, name, broken):
    """Errors are counted (and fail the target); no answer at all stops the benchmark."""
    printed = (WRK / name).read_text()
    monkeypatch.setattr(
        load.subprocess,
        "run",
        lambda command, **kwargs: subprocess.CompletedProcess(command, 0, printed, ""),
    )
    monkeypatch.setattr(load, "server_cpu_seconds", lambda master: 0.0)
    args = argparse.Namespace(threads=1, connections=8, timeout=2)
    if broken:
        with pytest.raises(load.Broken, match="no answer at all"):
            load.run_wrk("wrk", "http://127.0.0.1:1/", args, master=1, seconds=3)
    else:
        run = load.run_wrk("wrk", "http://127.0.0.1:1/", args, master=1, seconds=3)
        assert run.result == parse_wrk(printed)
