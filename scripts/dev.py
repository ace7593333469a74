#!/usr/bin/env python3
"""Set up and run the project with nothing but Python 3.11+, Node.js/npm and git.

    python3 scripts/dev.py start  # install, migrate, load the demo, print a login, run the site
    python3 scripts/dev.py test   # install what the tests need, run the whole test suite
    python3 scripts/dev.py serve  # run the site as production does: DEBUG off, gunicorn

Each step is skipped when it has nothing to do, so running it again is quick.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import signal
import subprocess
import sys
import time
import venv
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
PYTHON = VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
ENV_FILE = ROOT / ".env"


def run(*args: str | Path, env: dict[str, str] | None = None) -> None:
    print("$", " ".join(str(a) for a in args), flush=True)
    subprocess.run([str(a) for a in args], cwd=ROOT, check=True, env=env)


def digest_of(*sources: Path) -> str:
    return hashlib.sha256(b"".join(p.read_bytes() for p in sources if p.exists())).hexdigest()


def stamp_matches(name: str, *sources: Path) -> bool:
    """True when the step last finished with the sources as they are now (a stamp in .venv,
    which `write_stamp` writes only once the step has succeeded)."""
    stamp = VENV / f".{name}.sha256"
    return stamp.exists() and stamp.read_text() == digest_of(*sources)


def write_stamp(name: str, *sources: Path) -> None:
    (VENV / f".{name}.sha256").write_text(digest_of(*sources))


def ensure_env_file() -> None:
    if ENV_FILE.exists():
        return
    ENV_FILE.write_text(
        "# Written by scripts/dev.py for local development; never commit this file.\n"
        "DEBUG=1\n"
        f"SECRET_KEY={secrets.token_urlsafe(50)}\n"
    )
    print(f"Wrote {ENV_FILE.name} (DEBUG=1 and a random SECRET_KEY) for local development.")


def install(extras: str) -> None:
    if sys.version_info < (3, 11):  # noqa: UP036 - run by whatever python3 the user has
        sys.exit("Python 3.11 or newer is needed.")
    if not PYTHON.exists():
        print(f"Creating the virtual environment in {VENV}")
        try:
            venv.create(VENV, with_pip=True)
        except subprocess.CalledProcessError as error:  # ensurepip, whose output venv keeps
            said = (error.output or b"").decode(errors="replace").strip() or error
            sys.exit(
                f"Could not put pip in {VENV}:\n{said}\nOn Debian or Ubuntu, "
                "`apt-get install python3-venv` first."
            )
    # Each step's stamp is written only once the step has succeeded, so that a run stopped
    # half-way (Ctrl+C during pip or npm) is taken up again by the next one.
    pyproject = ROOT / "pyproject.toml"
    pip_step = f"pip-{extras or 'base'}"
    if not stamp_matches(pip_step, pyproject):
        if not has_pip():  # the virtual environment was stopped while pip was put in
            run(PYTHON, "-m", "ensurepip", "--upgrade", "--default-pip")
        run(PYTHON, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
        run(PYTHON, "-m", "pip", "install", "--quiet", "-e", f".[{extras}]" if extras else ".")
        write_stamp(pip_step, pyproject)
    lock = ROOT / "package-lock.json"
    if not (ROOT / "node_modules").exists() or not stamp_matches("npm", lock):
        run("npm", "ci", "--no-audit", "--no-fund")
        write_stamp("npm", lock)


def has_pip() -> bool:
    found = subprocess.run(
        [str(PYTHON), "-m", "pip", "--version"], cwd=ROOT, capture_output=True, check=False
    )
    return found.returncode == 0


def start() -> None:
    install("")
    ensure_env_file()
    manage = (PYTHON, "manage.py")
    run(*manage, "migrate", "--no-input")
    # All of England's areas (ONS), then the demo: both are safe to run again. Neither
    # overwrites what was edited since (an area's name, a page, a section, a figure): the demo
    # says what it kept, and only `load_demo --reset` (which asks) puts it back.
    run(*manage, "load_geography")
    run(*manage, "load_demo")
    # An officer who looks after the demo pages, and a publisher who approves them. An account
    # that exists is left as it is: only a new one gets (and prints) a password.
    team = ("--team", "Children and families intelligence")
    run(*manage, "create_officer", "officer", *team, "--keep-existing")
    run(*manage, "create_officer", "publisher", "--role", "Publisher", "--keep-existing")
    print("\nThe site: http://127.0.0.1:8000/   Officers' admin: http://127.0.0.1:8000/admin/")
    print(
        "Log in with a login printed above (an existing login keeps its password): the "
        "officer edits the demo pages as drafts, the publisher publishes them. Stop the site "
        "with Ctrl+C.\n",
        flush=True,
    )
    # Scheduled releases and pages go out through the same worker (every minute).
    run(*manage, "schedule_publishing")
    serve_with_worker(manage)


def serve_with_worker(
    manage: tuple[str | Path, ...], server: tuple[str | Path, ...] | None = None
) -> None:
    """The site (`server`, by default Django's development server) and, beside it, the task
    worker that runs imports and scheduled publishing. Ctrl+C stops both. If either one stops
    by itself, this says so, stops the other and exits non-zero (with the site's exit status,
    or 1 for the worker).

    Each runs in a process group of its own, so that Ctrl+C in the terminal reaches only this
    script, which then stops them itself: the worker finishes (or, if it takes too long, takes
    back) the task it is running, and neither prints a traceback for the interruption."""
    children: dict[str, subprocess.Popen] = {}
    # Closing the terminal, or `kill`, stops them too (they would not get the signal).
    stopping = [signal.SIGTERM] + ([signal.SIGHUP] if hasattr(signal, "SIGHUP") else [])
    previous = {number: signal.signal(number, interrupt) for number in stopping}
    status = 0
    try:
        worker = spawn(*manage, "run_worker")
        children["the task worker"] = worker
        print(
            f"Task worker started (process {worker.pid}): it runs the imports and scheduled "
            "publishing.",
            flush=True,
        )
        site = spawn(*(server or (*manage, "runserver", "127.0.0.1:8000")))
        children["the site"] = site
        while True:
            if site.poll() is not None:
                status = site.returncode
                say(f"The site stopped ({how_it_ended(status)}). Stopping the task worker.")
                break
            if worker.poll() is not None:
                say(
                    f"The task worker stopped ({how_it_ended(worker.returncode)}): imports and "
                    "scheduled publishing will not run. Stopping the site."
                )
                status = 1
                break
            time.sleep(0.25)
    except KeyboardInterrupt:
        print(flush=True)  # after the ^C the terminal shows
    finally:
        stop(children)
        for number, handler in previous.items():
            signal.signal(number, handler)
        print("Stopped the site and the task worker.", flush=True)
    if status:
        sys.exit(status if status > 0 else 1)


def interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def say(message: str) -> None:
    print(f"\n{message}", file=sys.stderr, flush=True)


def how_it_ended(returncode: int) -> str:
    if returncode < 0:
        try:
            return f"killed by {signal.Signals(-returncode).name}"
        except ValueError:
            pass
    return f"exit code {returncode}"


def spawn(*args: str | Path) -> subprocess.Popen:
    """Start a command in a process group of its own (a console one on Windows), which the
    terminal's Ctrl+C does not reach."""
    print("$", " ".join(str(a) for a in args), flush=True)
    if os.name == "nt":
        flags = subprocess.CREATE_NEW_PROCESS_GROUP  # type: ignore[attr-defined]
        return subprocess.Popen([str(a) for a in args], cwd=ROOT, creationflags=flags)
    return subprocess.Popen([str(a) for a in args], cwd=ROOT, start_new_session=True)


def still_running(process: subprocess.Popen) -> bool:
    """The process, or on POSIX any process of its group (runserver's reloaded child,
    gunicorn's workers), is still running."""
    if process.poll() is None:
        return True
    if os.name == "nt":
        return False
    try:
        os.killpg(process.pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # the group is there but may not be signalled: its leader has gone
        return False
    return True


def send(process: subprocess.Popen, *, kill: bool = False) -> None:
    """SIGTERM (or SIGKILL) to the process's whole group."""
    if os.name == "nt":
        if process.poll() is None:
            process.kill() if kill else process.terminate()
        return
    try:
        os.killpg(process.pid, signal.SIGKILL if kill else signal.SIGTERM)
    except ProcessLookupError:
        pass
    except OSError:  # the group may not be signalled here: the process itself, at least
        if process.poll() is None:
            process.kill() if kill else process.terminate()


def stop(children: dict[str, subprocess.Popen]) -> None:
    """Stop the children as a service manager would: SIGTERM, on which the worker finishes the
    task it is running; if that takes over 10 s (or on a second Ctrl+C), SIGTERM again, which
    stops the task (an import takes back what it wrote); 30 s later, or on a third Ctrl+C,
    SIGKILL."""
    stages = (
        (10, "still running after 10 s: stopping what it is doing"),
        (30, "still running after 30 s more: killing it"),
    )
    for seconds, then in stages:
        for child in children.values():
            send(child)
        waited = wait_for(children.values(), seconds)
        busy = [name for name, child in children.items() if still_running(child)]
        if not busy:
            return
        if waited:  # not a Ctrl+C, which says why by itself
            say(f"{' and '.join(busy).capitalize()}: {then}.")
    for child in children.values():
        if still_running(child):
            send(child, kill=True)
        try:
            child.wait(timeout=10)
        except subprocess.TimeoutExpired:
            say(f"Process {child.pid} did not stop even when killed; leaving it.")


def wait_for(children: Iterable[subprocess.Popen], seconds: float) -> bool:
    """Wait until every child (and its group) has stopped, for at most `seconds`; False when
    cut short by Ctrl+C."""
    deadline = time.monotonic() + seconds
    try:
        while time.monotonic() < deadline and any(still_running(c) for c in children):
            time.sleep(0.1)
    except KeyboardInterrupt:
        return False
    return True


def dotenv_values(path: Path) -> dict[str, str]:
    """The NAME=value lines of a .env file (enough to see what it sets; the site itself reads
    it with python-dotenv)."""
    values = {}
    if path.exists():
        for line in path.read_text().splitlines():
            name, equals, value = line.strip().removeprefix("export ").partition("=")
            if equals and not name.startswith("#"):
                values[name.strip()] = value.strip().strip("'\"")
    return values


def serve() -> None:
    """The site as production runs it: DEBUG off, static files collected (hashed and
    compressed, served by whitenoise), the database migrated, gunicorn with the settings in
    deploy/gunicorn.conf.py, and the task worker beside it."""
    from_file = {} if os.environ.get("DJANGO_DOTENV_DISABLED") else dotenv_values(ENV_FILE)
    missing = [
        name
        for name in ("SECRET_KEY", "ALLOWED_HOSTS")
        if not (os.environ[name] if name in os.environ else from_file.get(name))
    ]
    if missing:
        sys.exit(
            f"serve runs the site as production does, with DEBUG off, so it needs "
            f"{' and '.join(missing)}: set {'them' if len(missing) > 1 else 'it'} in the "
            f"environment or in {ENV_FILE.name} (see .env.example). To try it on this "
            "computer, over plain HTTP:\n\n"
            "    SECRET_KEY=$(python3 -c 'import secrets; print(secrets.token_urlsafe(50))') \\\n"
            "    ALLOWED_HOSTS=127.0.0.1,localhost SECURE_SSL_REDIRECT=0 \\\n"
            "    python3 scripts/dev.py serve"
        )
    # The environment wins over .env, so DEBUG=1 written there for `start` does not apply.
    os.environ["DEBUG"] = "0"
    install("")
    manage = (PYTHON, "manage.py")
    run(*manage, "collectstatic", "--no-input", "--verbosity", "0")
    run(*manage, "migrate", "--no-input")
    run(*manage, "schedule_publishing")
    gunicorn = (PYTHON, "-m", "gunicorn", "--config", "deploy/gunicorn.conf.py")
    print("Stop the site and the task worker with Ctrl+C.", flush=True)
    serve_with_worker(manage, server=gunicorn)


def test(pytest_args: list[str]) -> None:
    install("test")
    # On every core (pytest-xdist, one test database per worker); a -n given here comes later
    # and wins, e.g. `-n 0` to run one file at once without starting workers.
    if any(not arg.startswith("-") for arg in pytest_args):  # tests named: run just those
        run(PYTHON, "-m", "pytest", "-n", "auto", *pytest_args)
        return
    # The whole suite (with any options given, such as -x or -v): the tests timed against the
    # clock (marked "alone") run after the rest, by themselves, since beside other tests on a
    # machine of two cores they would time their neighbours as much as what they measure.
    failed: subprocess.CalledProcessError | None = None
    for phase in (("-n", "auto", "-m", "not alone"), ("-n", "0", "-m", "alone")):
        try:
            run(PYTHON, "-m", "pytest", *phase, *pytest_args)
        except subprocess.CalledProcessError as error:
            if error.returncode != 5:  # 5: no test chosen (none marked alone), not a failure
                failed = failed or error
    if failed is not None:
        raise failed


def main() -> None:
    if len(sys.argv) < 2 or sys.argv[1] not in {"start", "test", "serve"}:
        sys.exit(__doc__)
    try:
        if sys.argv[1] == "start":
            start()
        elif sys.argv[1] == "serve":
            serve()
        else:
            test(sys.argv[2:])
    except subprocess.CalledProcessError as error:
        sys.exit(error.returncode)
    except KeyboardInterrupt:
        # While installing or loading: nothing is marked done until it is, so running the
        # same command again carries on.
        if sys.argv[1] == "test":
            sys.exit("\nStopped.")
        sys.exit("\nStopped. Run the same command again to carry on from there.")


if __name__ == "__main__":
    main()
