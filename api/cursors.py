"""Stable cursors for the API's lists: keyset pagination on the primary key.

A page is "the rows after id N, in id order", so a row added or removed while a client pages
through never makes another row appear twice or be skipped, and asking for page 1,000 costs
what page 1 does. The cursor is opaque to clients (base64 of a small versioned JSON), so its
form may change without breaking anyone who follows the `next` links.
"""

from __future__ import annotations

import base64
import binascii
import json

from django.http import HttpRequest
from django.utils.http import urlencode

from api.problems import ApiProblem

VERSION = 1


def encode(after: int) -> str:
    raw = json.dumps({"v": VERSION, "after": after}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(cursor: str | None) -> int:
    """The id a cursor continues after (0 for none); a 400 for a cursor we did not give."""
    if not cursor:
        return 0
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
        after = data["after"]
        if data.get("v") != VERSION or not isinstance(after, int) or after < 0:
            raise ValueError(cursor)
    except (ValueError, KeyError, TypeError, UnicodeError, binascii.Error):
        raise ApiProblem(
            400,
            "The cursor is not one this API gave: follow the `next` link of the previous page, "
            "or leave `cursor` out to start at the beginning.",
            errors=[{"parameter": "cursor", "in": "query", "message": "not a valid cursor"}],
        ) from None
    return after


def next_link(request: HttpRequest, after: int) -> str:
    """The address of the page after id `after`: this request's, with the new cursor."""
    params = [(k, v) for k, values in request.GET.lists() if k != "cursor" for v in values]
    params.append(("cursor", encode(after)))
    return request.build_absolute_uri(f"{request.path}?{urlencode(params)}")
