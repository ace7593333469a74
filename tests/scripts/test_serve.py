"""`python3 scripts/dev.py serve`: the site as production runs it (DEBUG off, gunicorn, static
files collected and served by whitenoise, the task worker beside it), started for real on a
free port with a database and static folder of its own, then stopped as Ctrl+C stops it."""

import http.client
import importlib.util
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# What the site reads from the environment, so that nothing of this run's (or CI's) leaks in.
SITE_SETTINGS = {
    "DEBUG",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "DATABASE_URL",
    "REDIS_URL",
    "SITE_URL",
    "CSRF_TRUSTED_ORIGINS",
    "BEHIND_PROXY",
    "SECURE_SSL_REDIRECT",
    "MEDIA_ROOT",
    "STATIC_ROOT",
    "WEB_CONCURRENCY",
    "BIND",
    "DJANGO_SETTINGS_MODULE",
    "JSNA_REQUIRE_POSTGRES",
    "JSNA_REQUIRE_REDIS",
    "PYTEST_XDIST_WORKER",
    "PYTEST_XDIST_WORKER_COUNT",
}


def clean_environment(**settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in SITE_SETTINGS}
    # No .env from the project folder either.
    env["DJANGO_DOTENV_DISABLED"] = "1"
    env.update(settings)
    return env


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(port: int, path: str, **headers: str) -> tuple[int, http.client.HTTPResponse, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        return response.status, response, response.read()
    finally:
        connection.close()


def wait_until_it_answers(server: subprocess.Popen, port: int, log: Path) -> None:
    # Installing (when pyproject.toml changed), collectstatic and migrate come first.
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"serve stopped (exit status {server.returncode}):\n{log.read_text()}")
        try:
            get(port, "/")
            return
        except OSError:
            time.sleep(0.5)
    pytest.fail(f"serve did not answer on port {port} in time:\n{log.read_text()}")


def group_is_gone(group: int, within: float) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            os.killpg(group, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.2)
    return False


def test_serve_runs_the_site_as_production_does(tmp_path):
    port = free_port()
    log = tmp_path / "serve.log"
    env = clean_environment(
        # DEBUG=1 (as the development .env has it) must not apply: serve turns it off.
        DEBUG="1",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1",
        # Plain HTTP on this computer (production behind a TLS proxy would keep the redirect).
        SECURE_SSL_REDIRECT="0",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        MEDIA_ROOT=str(tmp_path / "media"),
        STATIC_ROOT=str(tmp_path / "static"),
        DJANGO_SETTINGS_MODULE="tests.scripts.serve_settings",
        BIND=f"127.0.0.1:{port}",
        WEB_CONCURRENCY="2",
    )
    with log.open("w") as out:
        # A session of its own, so that SIGINT to its process group is what Ctrl+C in a
        # terminal does: the script, gunicorn and the task worker all get it.
        server = subprocess.Popen(
            [sys.executable, "scripts/dev.py", "serve"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_until_it_answers(server, port, log)

        status, response, body = get(port, "/")
        assert status == 200
        assert response.getheader("Server", "").startswith("gunicorn")
        html = body.decode()
        # The stylesheet by its hashed name (ManifestStaticFilesStorage), served by whitenoise
        # from the folder collectstatic filled, compressed, to be cached for ever.
        stylesheet = re.search(r'href="(/static/css/site\.[0-9a-f]{12}\.css)"', html)
        assert stylesheet, html
        status, response, css = get(port, stylesheet[1], **{"Accept-Encoding": "gzip"})
        assert status == 200
        assert "immutable" in response.getheader("Cache-Control", "")
        assert response.getheader("Content-Encoding") == "gzip"
        assert list((tmp_path / "static" / "css").glob("site.*.css.gz"))

        # DEBUG is off: an unknown address gets the site's own "page not found", not Django's
        # technical 404 page listing the URL patterns.
        status, _, body = get(port, "/no-such-page/")
        page = body.decode()
        assert status == 404
        assert "<h1>Page not found</h1>" in page
        assert "JSNA home page" in page
        assert "DEBUG = True" not in page and "URLconf" not in page

        text = log.read_text()
        assert "Task worker started" in text
        assert '"GET / HTTP/1.1" 200' in text  # the access log, on stdout
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGINT)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()
    text = log.read_text()
    assert server.returncode == 0, text
    assert "Stopped the site and the task worker." in text
    assert group_is_gone(server.pid, within=15), f"gunicorn or the worker still runs:\n{text}"
    with pytest.raises(ConnectionRefusedError):
        get(port, "/")


def test_serve_refuses_to_start_without_production_settings():
    result = subprocess.run(
        [sys.executable, "scripts/dev.py", "serve"],
        cwd=ROOT,
        env=clean_environment(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1
    assert "needs SECRET_KEY and ALLOWED_HOSTS" in result.stderr
    assert "SECURE_SSL_REDIRECT=0" in result.stderr  # how to try it locally
    assert result.stdout == ""  # nothing was installed, collected or migrated


def load_dev_script():
    spec = importlib.util.spec_from_file_location("dev_script", ROOT / "scripts" / "dev.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_serve_sees_what_a_dot_env_file_sets(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text(
        "# a comment\n"
        "DEBUG=1\n"
        "export SECRET_KEY='abc=def'\n"
        'ALLOWED_HOSTS="jsna.example.org"\n'
        "#SITE_NAME=Not this\n"
        "\n"
    )
    values = load_dev_script().dotenv_values(env_file)
    assert values == {"DEBUG": "1", "SECRET_KEY": "abc=def", "ALLOWED_HOSTS": "jsna.example.org"}


@pytest.mark.parametrize(
    ("cores", "environment", "workers", "bind"),
    [
        (2, {}, 5, ["127.0.0.1:8000"]),
        (8, {}, 12, ["127.0.0.1:8000"]),  # 2 x 8 + 1, capped
        (8, {"WEB_CONCURRENCY": "3", "BIND": "0.0.0.0:9000"}, 3, ["0.0.0.0:9000"]),
    ],
)
def test_gunicorn_takes_its_workers_and_address_from_the_environment(
    monkeypatch, cores, environment, workers, bind
):
    import multiprocessing
    import runpy

    monkeypatch.setenv("DJANGO_DOTENV_DISABLED", "1")
    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    monkeypatch.delenv("BIND", raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(multiprocessing, "cpu_count", lambda: cores)
    config = runpy.run_path(str(ROOT / "deploy" / "gunicorn.conf.py"))
    assert config["workers"] == workers
    assert config["bind"] == bind
    assert config["wsgi_app"] == "jsna.wsgi:application"
    assert config["accesslog"] == "-"
