"""Reading the API's answers in tests."""

from __future__ import annotations

import csv
import io
from typing import Any

from django.http import HttpResponse


def body(response: HttpResponse) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


def csv_rows(response: HttpResponse) -> list[dict[str, str]]:
    assert response["Content-Type"].startswith("text/csv"), response["Content-Type"]
    return list(csv.DictReader(io.StringIO(body(response).decode())))


def every_item(client: Any, url: str) -> list[dict[str, Any]]:
    """Every item of a JSON list, following its `next` links."""
    items: list[dict[str, Any]] = []
    while url:
        response = client.get(url)
        assert response.status_code == 200, (url, response.content)
        page = response.json()
        items += page["data"]
        url = page["next"]
    return items
