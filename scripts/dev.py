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
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
PYTHON = VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
ENV_FILE = ROOT / ".env"


def run(*args: str | Path, env: dict[str, str] | None = None) -> None:
    print("$", " ".join(str(a) for a in args), flush=True)
    subprocess.run([str(a) for a in args], cwd=ROOT, check=True, env=env)


def stamp_matches(name: str, *sources: Path) -> bool:
    """True when the sources have not changed since the step last ran (cached in .venv)."""
    digest = hashlib.sha256(b"".join(p.read_bytes() for p in sources if p.exists())).hexdigest()
    stamp = VENV / f".{name}.sha256"
    if stamp.exists() and stamp.read_text() == digest:
        return True
    stamp.write_text(digest)
    return False


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
        venv.create(VENV, with_pip=True)
    pyproject = ROOT / "pyproject.toml"
    if not stamp_matches(f"pip-{extras or 'base'}", pyproject):
        run(PYTHON, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
        run(PYTHON, "-m", "pip", "install", "--quiet", "-e", f".[{extras}]" if extras else ".")
    lock = ROOT / "package-lock.json"
    lock_unchanged = stamp_matches("npm", lock)
    if not (ROOT / "node_modules").exists() or not lock_unchanged:
        run("npm", "ci", "--no-audit", "--no-fund")


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
    worker that runs imports (and scheduled releases); Ctrl+C, or either one stopping, stops
    both."""
    worker = subprocess.Popen([str(a) for a in (*manage, "run_worker")], cwd=ROOT)
    print(f"Task worker started (process {worker.pid}): it runs the imports.", flush=True)
    try:
        run(*(server or (*manage, "runserver", "127.0.0.1:8000")))
    finally:
        if worker.poll() is None:
            worker.terminate()
            try:
                worker.wait(timeout=15)
            except subprocess.TimeoutExpired:
                worker.kill()
        print("Stopped the site and the task worker.", flush=True)


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
    run(PYTHON, "-m", "pytest", "-n", "auto", *pytest_args)


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
        pass


if __name__ == "__main__":
    main()
