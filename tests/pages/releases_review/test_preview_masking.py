"""Someone given pre-release access (not an officer) previews a staged import: its small
numbers are not masked, as disclosure control has never run on the staged figures."""

import pytest
from django.test import Client

from indicators.models import Value
from tests.factories import UserFactory, build_child_protection
from tests.pages.releases_review.helpers import small_numbers, stage

pytestmark = pytest.mark.django_db


def test_pre_release_preview_shows_unmasked_small_number(db):
    build_child_protection(["about", "children-with-a-plan", "age"])
    indicator, _ = small_numbers()
    # A new district figure of 2 for 2012-03-31 (Lancashire's 809 is published).
    batch = stage(b"indicator,area_code,period,value,count\ncpp-count,E07000124,2012-03-31,2,2\n")
    Value.objects.get(is_staged=True)
    guest = UserFactory(username="journalist")
    batch.pre_release_access.add(guest)
    client = Client()
    client.force_login(guest)
    html = client.get(
        indicator.get_absolute_url() + f"?release={batch.pk}&period=2012-03-31"
    ).content.decode()
    import re

    cells = re.findall(r"Ribble Valley.*?</tr>", html, re.S)
    row = [c for c in cells if "31 March 2012" in c][0]
    assert '<td class="num">2</td>' not in row, (
        "the pre-release viewer reads the small number 2 (the public would see c)"
    )
