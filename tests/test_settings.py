import os
import subprocess
import sys
from pathlib import Path

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


def test_tests_use_a_fast_hasher_and_local_cache():
    assert settings.PASSWORD_HASHERS == ["django.contrib.auth.hashers.MD5PasswordHasher"]
    assert settings.CACHES["default"]["BACKEND"].endswith("LocMemCache")


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/a-z/", "/search/?q=x", "/no-such-page/", "/admin/login/"])
def test_every_page_has_a_content_security_policy_without_inline_scripts(client, path):
    policy = client.get(path)["Content-Security-Policy"]
    directives = {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}
    assert directives["script-src"] == ["'self'"]
    assert "'unsafe-inline'" not in policy and "'unsafe-eval'" not in policy
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
