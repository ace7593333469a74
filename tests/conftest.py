import pytest
from django.core.management import call_command


@pytest.fixture
def demo(db):
    """The full Lancashire demo content; only for tests that are about it."""
    call_command("load_demo", verbosity=0)


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with an empty cache (pages, A to Z)."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
