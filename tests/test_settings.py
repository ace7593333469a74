import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.django_db
def test_database_is_the_one_asked_for():
    """CI runs the suite twice; the PostgreSQL run must really be on PostgreSQL."""
    url = os.environ.get("DATABASE_URL", "")
    expected = "postgresql" if url.startswith(("postgres", "postgresql")) else "sqlite"
    if os.environ.get("JSNA_REQUIRE_POSTGRES"):
        expected = "postgresql"
    assert connection.vendor == expected
    with connection.cursor() as cursor:
        cursor.execute(
            "select version()" if expected == "postgresql" else "select sqlite_version()"
        )
        version = cursor.fetchone()[0]
    print(f"\nDatabase: {connection.vendor} {version}")  # noqa: T201
    assert version


def run_manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {
        k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS"}
    }
    clean.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        check=False,
    )


def test_production_settings_pass_the_deployment_checks():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="0",
        SECRET_KEY="kq3V-9xZ_t2LmN8pRw4sYc7HbF1jD6gA0eUoI5vTnB3-Ml2Qz8Xr",
        ALLOWED_HOSTS="jsna.example.org",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_without_a_secret_key_fails_loudly(tmp_path):
    # Run from a folder with no .env so that nothing fills the key in.
    result = run_manage(
        "check", DEBUG="0", ALLOWED_HOSTS="jsna.example.org", DJANGO_DOTENV_DISABLED="1"
    )
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_tests_use_a_fast_hasher_and_the_cache_asked_for():
    """Local memory, unless REDIS_URL is set (CI's PostgreSQL run, with JSNA_REQUIRE_REDIS=1
    so that it must be): then every cached page goes through a real Redis server."""
    assert settings.PASSWORD_HASHERS == ["django.contrib.auth.hashers.MD5PasswordHasher"]
    if os.environ.get("JSNA_REQUIRE_REDIS"):
        assert os.environ.get("REDIS_URL"), "JSNA_REQUIRE_REDIS is set but REDIS_URL is not"
    expected = "RedisCache" if os.environ.get("REDIS_URL") else "LocMemCache"
    assert settings.CACHES["default"]["BACKEND"].endswith(expected)


def show_cache(*, testing: bool = False, **env: str) -> subprocess.CompletedProcess:
    """The cache settings as a fresh process with this environment sees them; `testing`
    imports pytest first, as the settings then take it for a test process."""
    code = (
        ("import pytest\n" if testing else "")
        + "import django\n"
        + "django.setup()\n"
        + "from django.conf import settings\n"
        + "print(settings.CACHES['default']['BACKEND'], settings.CACHES['default']['LOCATION'])"
    )
    clean = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "PYTEST_XDIST_WORKER"}}
    clean.update(DJANGO_SETTINGS_MODULE="jsna.settings", DEBUG="1", DJANGO_DOTENV_DISABLED="1")
    clean.update(env)
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=clean, capture_output=True, text=True
    )


def test_the_cache_is_redis_when_redis_url_is_set():
    result = show_cache(REDIS_URL="redis://cache.internal:6379/2")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "django.core.cache.backends.redis.RedisCache",
        "redis://cache.internal:6379/2",
    ]


@pytest.mark.parametrize("unset", [{}, {"REDIS_URL": ""}])
def test_the_cache_is_local_memory_without_redis_url(unset):
    result = show_cache(**unset)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["django.core.cache.backends.locmem.LocMemCache", "jsna"]


@pytest.mark.parametrize("url", ["localhost:6379", "http://cache.internal:6379/0", "redis://"])
def test_a_malformed_redis_url_fails_loudly(url):
    result = show_cache(REDIS_URL=url)
    assert result.returncode != 0
    assert "REDIS_URL must look like redis://host:6379/0" in result.stderr


@pytest.mark.parametrize(
    ("url", "worker", "expected"),
    [
        ("redis://127.0.0.1:6390/4", "gw0", "redis://127.0.0.1:6390/4"),
        ("redis://127.0.0.1:6390/4", "gw1", "redis://127.0.0.1:6390/5"),
        ("redis://127.0.0.1:6390", "gw2", "redis://127.0.0.1:6390/2"),
        (
            "rediss://:pw@cache.internal:6380/0?ssl_cert_reqs=none",
            "gw3",
            "rediss://:pw@cache.internal:6380/3?ssl_cert_reqs=none",
        ),
        ("redis://127.0.0.1:6390/4", "", "redis://127.0.0.1:6390/4"),
    ],
)
def test_each_test_process_has_a_redis_database_of_its_own(url, worker, expected):
    """cache.clear() before each test empties a whole Redis database, so two xdist workers
    sharing one server must not share a database."""
    result = show_cache(testing=True, REDIS_URL=url, PYTEST_XDIST_WORKER=worker)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[1] == expected


def test_a_site_is_not_given_a_test_database():
    # Not a test process (no pytest imported): the URL is used as it is, whatever the variable.
    result = show_cache(REDIS_URL="redis://127.0.0.1:6390/4", PYTEST_XDIST_WORKER="gw1")
    assert result.stdout.split()[1] == "redis://127.0.0.1:6390/4"


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="REDIS_URL is not set")
def test_the_cache_really_is_this_workers_redis_database():
    """With REDIS_URL set: pages are stored in the Redis server, in this worker's database, and
    clearing the cache (as before each test) leaves the other databases alone."""
    import redis
    from django.core.cache import cache

    location = settings.CACHES["default"]["LOCATION"]
    base = int(urlsplit(os.environ["REDIS_URL"]).path.strip("/") or 0)
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    assert urlsplit(location).path == f"/{base + int(worker.removeprefix('gw'))}"

    cache.set("probe", "stored in Redis")
    server = redis.Redis.from_url(location)
    assert server.exists(cache.make_key("probe")) == 1
    assert cache.get("probe") == "stored in Redis"

    # A database no test process uses (they use base .. base + workers - 1).
    unused = base + int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
    other = redis.Redis.from_url(urlsplit(location)._replace(path=f"/{unused}").geturl())
    other.set("jsna-test-other-database", "kept")
    try:
        cache.clear()
        assert server.exists(cache.make_key("probe")) == 0
        assert other.get("jsna-test-other-database") == b"kept"
    finally:
        other.delete("jsna-test-other-database")


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/a-z/", "/search/?q=x", "/no-such-page/", "/admin/login/"])
def test_every_page_has_a_content_security_policy_without_inline_scripts(client, path):
    policy = client.get(path)["Content-Security-Policy"]
    directives = {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}
    assert directives["script-src"] == ["'self'"]
    assert "'unsafe-inline'" not in policy and "'unsafe-eval'" not in policy
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]


def test_sqlite_waits_for_the_write_lock_and_lets_readers_work_during_writes(tmp_path):
    """The site's SQLite connections, as a real file database opens them (the tests' own is in
    memory): WAL journal (readers are not blocked by a writer), a 20 s busy timeout (a save
    waits for an import's short batch instead of failing with "database is locked"), and
    write transactions that take the lock when they begin (no deadlock between two readers
    that both start writing)."""
    script = (
        "from django.db import connection\n"
        "with connection.cursor() as c:\n"
        "    c.execute('PRAGMA journal_mode'); print(c.fetchone()[0])\n"
        "    c.execute('PRAGMA busy_timeout'); print(c.fetchone()[0])\n"
        "    c.execute('PRAGMA synchronous'); print(c.fetchone()[0])\n"
        "print(connection.settings_dict['OPTIONS']['transaction_mode'])\n"
    )
    result = run_manage(
        "shell",
        "--no-imports",
        "-c",
        script,
        DEBUG="1",
        DATABASE_URL=f"sqlite:///{tmp_path / 'site.sqlite3'}",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["wal", "20000", "1", "IMMEDIATE"]
