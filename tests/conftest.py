import pytest
from django.core.management import call_command


@pytest.fixture
def demo(db):
    """The full Lancashire demo content; only for tests that are about it."""
    call_command("load_demo", verbosity=0)
