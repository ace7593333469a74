"""`python3 scripts/dev.py start`: its installing, which a Ctrl+C half-way must not mark as done,
and its running of the site beside the task worker, with real processes: Ctrl+C stops both and
frees the port, and either one stopping by itself stops the other and says so."""

import os
import re
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.scripts.test_serve import ROOT, clean_environment, free_port, get, load_dev_script

pytestmark = pytest.mark.skipif(
    not Path("/proc/self/stat").exists(), reason="follows the processes through /proc (Linux)"
)

# Stands in for .venv/bin/python and for npm: notes each call in calls.log, then does what the
# flag files beside it say. `interrupt-pip` makes `pip install -e` do what Ctrl+C in the
# terminal does: SIGINT to the whole foreground process group (dev.py and itself).
FAKE_TOOL = """\
#!/bin/sh
here=$(dirname "$0")
flags={flags}
echo "$(basename "$0") $*" >> "$flags/calls.log"
case "$*" in
  "-m pip --version") [ -e "$flags/no-pip" ] && exit 1 ;;
  "-m ensurepip"*) rm -f "$flags/no-pip" ;;
  *"pip install --quiet -e"*)
    if [ -e "$flags/interrupt-pip" ]; then
      rm "$flags/interrupt-pip"
      kill -INT 0
      sleep 5
    fi
    [ -e "$flags/fail-pip" ] && exit 1 ;;
  "ci --no-audit --no-fund")
    [ -e "$flags/fail-npm" ] && exit 1
    mkdir -p node_modules ;;
  "manage.py run_worker") exec sleep 60 ;;
esac
exit 0
"""


def make_project(tmp_path: Path) -> tuple[Path, Path]:
    """A project folder with this dev.py, and a .venv whose python (like npm) is FAKE_TOOL."""
    project = tmp_path / "project"
    (project / "scripts").mkdir(parents=True)
    shutil.copy(ROOT / "scripts" / "dev.py", project / "scripts" / "dev.py")
    (project / "pyproject.toml").write_text('[project]\nname = "jsna"\n')
    (project / "package-lock.json").write_text("{}\n")
    flags = tmp_path / "flags"
    flags.mkdir()
    tools = [project / ".venv" / "bin" / "python", tmp_path / "bin" / "npm"]
    for tool in tools:
        tool.parent.mkdir(parents=True)
        tool.write_text(FAKE_TOOL.format(flags=flags))
        tool.chmod(0o755)
    return project, flags


def calls(flags: Path) -> list[str]:
    log = flags / "calls.log"
    lines = log.read_text().splitlines() if log.exists() else []
    log.unlink(missing_ok=True)
    return lines


def installs(lines: list[str]) -> list[str]:
    return [line for line in lines if "pip" in line or line.startswith("npm")]


PIP = [
    "python -m pip --version",
    "python -m pip install --quiet --upgrade pip",
    "python -m pip install --quiet -e .",
]


def run_start(project: Path, tmp_path: Path) -> subprocess.CompletedProcess:
    env = clean_environment(PATH=f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")
    # A session of its own, as a terminal gives a command: the fake pip's Ctrl+C stays in it.
    return subprocess.run(
        [sys.executable, "scripts/dev.py", "start"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        start_new_session=True,
    )


def test_start_stopped_during_pip_installs_again_next_time(tmp_path):
    project, flags = make_project(tmp_path)
    (flags / "interrupt-pip").touch()

    first = run_start(project, tmp_path)
    assert first.returncode == 1, first.stdout + first.stderr
    assert "Run the same command again" in first.stderr
    assert installs(calls(flags)) == PIP
    # Not marked as installed, so the next start does not take a half-made .venv for done.
    assert not list((project / ".venv").glob(".pip-*.sha256"))

    second = run_start(project, tmp_path)
    assert second.returncode == 0, second.stdout + second.stderr
    lines = calls(flags)
    assert installs(lines) == [*PIP, "npm ci --no-audit --no-fund"]
    # The rest of the start command, down to the site (which the fake python ends at once).
    assert "python manage.py migrate --no-input" in lines
    assert "python manage.py load_demo" in lines
    assert "python manage.py run_worker" in lines
    assert "python manage.py runserver 127.0.0.1:8000" in lines
    assert "The site stopped (exit code 0). Stopping the task worker." in second.stderr
    assert "Stopped the site and the task worker." in second.stdout

    third = run_start(project, tmp_path)
    assert third.returncode == 0, third.stdout + third.stderr
    assert installs(calls(flags)) == []  # both installs were marked done


def test_a_failed_install_is_not_marked_done(tmp_path, monkeypatch):
    project, flags = make_project(tmp_path)
    dev = load_dev_script()
    monkeypatch.setattr(dev, "ROOT", project)
    monkeypatch.setattr(dev, "VENV", project / ".venv")
    monkeypatch.setattr(dev, "PYTHON", project / ".venv" / "bin" / "python")
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")
    stamps = project / ".venv"

    # pip fails: nothing is marked, and npm is not reached.
    (flags / "fail-pip").touch()
    with pytest.raises(subprocess.CalledProcessError):
        dev.install("")
    assert installs(calls(flags)) == PIP
    assert not (stamps / ".pip-base.sha256").exists()

    # npm fails: pip is marked done, npm is not.
    (flags / "fail-pip").unlink()
    (flags / "fail-npm").touch()
    with pytest.raises(subprocess.CalledProcessError):
        dev.install("")
    assert installs(calls(flags)) == [*PIP, "npm ci --no-audit --no-fund"]
    assert (stamps / ".pip-base.sha256").exists()
    assert not (stamps / ".npm.sha256").exists()

    (flags / "fail-npm").unlink()
    dev.install("")
    assert installs(calls(flags)) == ["npm ci --no-audit --no-fund"]
    dev.install("")
    assert installs(calls(flags)) == []

    # A changed pyproject.toml installs again; a .venv left without pip (venv stopped while
    # it put pip in) gets it first.
    (project / "pyproject.toml").write_text('[project]\nname = "jsna"\nversion = "2"\n')
    (flags / "no-pip").touch()
    dev.install("")
    assert (
        installs(calls(flags))
        == [PIP[0], "python -m ensurepip --upgrade --default-pip"] + (PIP[1:])
    )


# The real thing: Django's development server (with its reloader, a second process) and the
# task worker on a database of their own, run by serve_with_worker as `start` runs them.
DRIVER = textwrap.dedent(
    """
    import ast, importlib.util, sys
    spec = importlib.util.spec_from_file_location("dev", "scripts/dev.py")
    dev = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(dev)
    manage = (sys.executable, "manage.py")
    server = ast.literal_eval(sys.argv[2]) if sys.argv[2] else (*manage, "runserver", sys.argv[1])
    dev.serve_with_worker(manage, server=server)
    """
)


@pytest.fixture(scope="module")
def database(tmp_path_factory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('start') / 'db.sqlite3'}"
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--no-input", "--verbosity", "0"],
        cwd=ROOT,
        env=site_environment(url),
        check=True,
        timeout=240,
    )
    return url


def site_environment(database_url: str) -> dict[str, str]:
    return clean_environment(DEBUG="1", SECRET_KEY="not-secret", DATABASE_URL=database_url)


@dataclass
class Started:
    process: subprocess.Popen
    port: int
    log: Path

    def output(self) -> str:
        return self.log.read_text()

    def sessions(self) -> set[int]:
        """The sessions of the site and the worker: each is in one of its own."""
        return {session for _, ppid, session, _ in processes() if ppid == self.process.pid}

    def wait_until_it_answers(self) -> None:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"stopped ({self.process.returncode}):\n{self.output()}")
            try:
                get(self.port, "/")
                return
            except OSError:
                time.sleep(0.5)
        pytest.fail(f"did not answer in time:\n{self.output()}")

    def finish(self, within: float = 60) -> str:
        try:
            self.process.wait(timeout=within)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
            pytest.fail(f"did not stop:\n{self.output()}")
        return self.output()

    def worker_pid(self) -> int:
        found = re.search(r"Task worker started \(process (\d+)\)", self.output())
        assert found, self.output()
        return int(found[1])


def start_site(tmp_path: Path, database_url: str, *, server: str = "") -> Started:
    port = free_port()
    log = tmp_path / "start.log"
    with log.open("w") as out:
        # A session of its own, so that SIGINT to its process group is Ctrl+C in a terminal.
        process = subprocess.Popen(
            [sys.executable, "-c", DRIVER, f"127.0.0.1:{port}", server],
            cwd=ROOT,
            env=site_environment(database_url),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return Started(process, port, log)


def processes() -> list[tuple[int, int, int, str]]:
    """(pid, parent, session, state) of every process."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        found.append((int(stat.parent.name), int(fields[1]), int(fields[3]), fields[0]))
    return found


def left_running(sessions: set[int], within: float = 15) -> list[int]:
    """The processes still running in those sessions once they have had time to stop; kills
    them, so that a failing test leaves nothing behind."""
    deadline = time.monotonic() + within
    while True:
        left = [pid for pid, _, sid, state in processes() if sid in sessions and state != "Z"]
        if not left or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    for session in sessions:
        try:
            os.killpg(session, signal.SIGKILL)
        except ProcessLookupError:
            pass
    return left


def test_ctrl_c_stops_the_site_and_the_worker_quietly(tmp_path, database):
    started = start_site(tmp_path, database)
    sessions: set[int] = set()
    try:
        started.wait_until_it_answers()
        sessions = started.sessions()
        assert len(sessions) == 2, started.output()  # the worker's, and the site's
        assert started.worker_pid() in sessions
        # runserver serves from a child process of its own, in the site's group
        assert len([pid for pid, _, sid, _ in processes() if sid in sessions]) >= 3
        os.killpg(started.process.pid, signal.SIGINT)  # what Ctrl+C in the terminal sends
        text = started.finish()
    finally:
        if started.process.poll() is None:
            os.killpg(started.process.pid, signal.SIGKILL)
        left = left_running(sessions)
    assert started.process.returncode == 0, text
    assert "Stopped the site and the task worker." in text
    # The worker was stopped by the script, not by the terminal's Ctrl+C: no traceback.
    assert "Traceback" not in text and "KeyboardInterrupt" not in text, text
    assert left == [], text
    with pytest.raises(ConnectionRefusedError):
        get(started.port, "/")


def test_a_worker_that_stops_stops_the_site(tmp_path, database):
    started = start_site(tmp_path, database)
    sessions: set[int] = set()
    try:
        started.wait_until_it_answers()
        sessions = started.sessions()
        os.kill(started.worker_pid(), signal.SIGKILL)
        text = started.finish()
    finally:
        if started.process.poll() is None:
            os.killpg(started.process.pid, signal.SIGKILL)
        left = left_running(sessions)
    assert started.process.returncode == 1, text
    assert (
        "The task worker stopped (killed by SIGKILL): imports and scheduled publishing will not "
        "run. Stopping the site."
    ) in text
    assert "Stopped the site and the task worker." in text
    assert left == [], text
    with pytest.raises(ConnectionRefusedError):
        get(started.port, "/")


def test_a_worker_that_fails_stops_the_site(tmp_path):
    # No tables: the worker fails as it first looks for tasks, whether or not the site is up.
    started = start_site(tmp_path, f"sqlite:///{tmp_path / 'empty.sqlite3'}")
    text = started.finish()
    assert started.process.returncode == 1, text
    assert "The task worker stopped (exit code 1): imports and scheduled publishing" in text
    assert "no such table" in text  # the worker's own error, for the reader
    assert "Stopped the site and the task worker." in text
    assert left_running({started.worker_pid()}, 0) == []
    with pytest.raises(ConnectionRefusedError):
        get(started.port, "/")


def test_a_site_that_stops_stops_the_worker(tmp_path, database):
    server = repr((sys.executable, "-c", "import time, sys; time.sleep(3); sys.exit(3)"))
    started = start_site(tmp_path, database, server=server)
    text = started.finish()
    assert started.process.returncode == 3, text
    assert "The site stopped (exit code 3). Stopping the task worker." in text
    assert "Stopped the site and the task worker." in text
    assert "Traceback" not in text, text
    assert left_running({started.worker_pid()}, 0) == []
