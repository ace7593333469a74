"""What every address under /api/v1/ does around its view, for use by anyone's code:

- CORS: `Access-Control-Allow-Origin: *`, so that a dashboard on another site can read it;
- a per-client rate limit (`API_RATE_LIMIT`, e.g. "120/minute", by IP, counted in Django's
  cache: shared by every process and machine with Redis (`REDIS_URL`), counted by each
  process on its own without it), answering 429 with Retry-After;
- conditional GET: an ETag and Last-Modified from the site's content version
  (`core.caching`), which moves on with every change the public can see, so a client that
  polls is answered 304 after one indexed query, before the view runs;
- every error as problem details (`api.problems`), and a 500 as one too, never a traceback.

A wrapper around each URL's view rather than a middleware, so that the rest of the site is
untouched.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import math
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.utils.cache import get_conditional_response
from django.utils.http import http_date
from django.views.decorators.csrf import csrf_exempt

from api.problems import as_problem, problem_response
from core.caching import code_version
from core.models import ContentVersion

logger = logging.getLogger("django.request")

View = Callable[..., HttpResponse]

#: Headers a script on another site may read from our responses.
EXPOSED_HEADERS = "ETag, Last-Modified, Link, Retry-After, RateLimit-Limit, RateLimit-Remaining"

PERIODS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}
UNITS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "d": 86400}


def parse_rate(text: str) -> tuple[int, int] | None:
    """A rate as (requests, seconds): "120/minute" is (120, 60); "" or "0" is None, no limit.
    A rate that cannot be read is a configuration error (checked at start-up: api/apps.py)."""
    text = (text or "").strip()
    if text in ("", "0"):
        return None
    count, _, period = text.partition("/")
    period = period.strip().lower() or "minute"
    seconds = PERIODS.get(period) or PERIODS.get(period.removesuffix("s")) or UNITS.get(period)
    if not count.strip().isdigit() or seconds is None:
        raise ValueError(
            f"API_RATE_LIMIT must look like “120/minute” (per second, minute, hour or day), "
            f"not {text!r}."
        )
    return int(count), seconds


def client_address(request: HttpRequest) -> str:
    """The client's IP: REMOTE_ADDR, or behind our own proxy (`API_TRUST_FORWARDED_FOR`) the
    last address of X-Forwarded-For, which that proxy wrote (earlier ones the client may have
    made up)."""
    if getattr(settings, "API_TRUST_FORWARDED_FOR", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[-1].strip()
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def rate_limited(request: HttpRequest) -> tuple[HttpResponse | None, dict[str, str]]:
    """A 429 response if this client is over its limit (else None), and the headers that say
    how much of it is left."""
    rate = parse_rate(getattr(settings, "API_RATE_LIMIT", ""))
    if rate is None:
        return None, {}
    limit, seconds = rate
    now = time.time()
    window = int(now // seconds)
    key = f"api-rate:{client_address(request)}:{seconds}:{window}"
    if cache.add(key, 1, seconds + 1):
        used = 1
    else:
        try:
            used = cache.incr(key)
        except ValueError:  # expired between the two calls: a new window
            cache.set(key, 1, seconds + 1)
            used = 1
    headers = {"RateLimit-Limit": str(limit), "RateLimit-Remaining": str(max(limit - used, 0))}
    if used <= limit:
        return None, headers
    wait = max(1, math.ceil((window + 1) * seconds - now))
    response = problem_response(
        request,
        429,
        f"Too many requests: the API answers {limit} requests per {_period_name(seconds)} "
        f"from one address. Try again in {wait} second{'s' if wait != 1 else ''}.",
        headers={"Retry-After": str(wait), **headers},
    )
    return response, headers


def _period_name(seconds: int) -> str:
    return next(name for name, length in PERIODS.items() if length == seconds)


def content_version() -> tuple[int, Any]:
    """The site's content version and when it last moved on: one indexed query."""
    row = ContentVersion.objects.filter(pk=1).values_list("number", "changed_at").first()
    return row if row is not None else (0, None)


@functools.cache
def api_code_version() -> str:
    """A digest of the site's code that builds pages (`core.caching.code_version`) and of
    this app's: a new release never answers 304 to what the old one gave."""
    digest = hashlib.sha256(code_version().encode())
    folder = Path(__file__).resolve().parent
    for path in sorted(folder.rglob("*")):
        if path.suffix in (".py", ".html"):
            digest.update(path.relative_to(folder).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def entity_tag(request: HttpRequest, number: int) -> str:
    """What a response is a function of: the code that builds it, the content version and
    the address asked for (which holds every parameter, the format included)."""
    digest = hashlib.sha256(
        f"{api_code_version()}|{number}|{request.get_full_path()}".encode()
    ).hexdigest()[:20]
    return f'"{number}-{digest}"'


def public_endpoint(view: View) -> View:
    """Wrap an API view with CORS, the rate limit, conditional GET and problem details."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method == "OPTIONS":
            response = HttpResponse(status=204)
            response["Allow"] = "GET, HEAD, OPTIONS"
            response["Access-Control-Allow-Methods"] = "GET, HEAD, OPTIONS"
            response["Access-Control-Allow-Headers"] = "If-None-Match, If-Modified-Since"
            response["Access-Control-Max-Age"] = "86400"
            return _cors(response)
        refused, limit_headers = rate_limited(request)
        if refused is not None:
            return _cors(refused)
        response = as_problem(request, _respond(view, request, *args, **kwargs))
        for name, value in limit_headers.items():
            response[name] = value
        return _cors(response)

    # Read-only and cookie-less: a POST is refused with a problem 405 (or 404), never with
    # the CSRF middleware's HTML page.
    return csrf_exempt(wrapper)


def _respond(view: View, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    head = request.method == "HEAD"
    try:
        if request.method not in ("GET", "HEAD"):
            return view(request, *args, **kwargs)
        number, changed_at = content_version()
        etag = entity_tag(request, number)
        # Whole seconds, as HTTP dates have them (ETags tell changes within a second apart).
        last_modified = int(changed_at.timestamp()) if changed_at is not None else None
        not_modified = get_conditional_response(request, etag=etag, last_modified=last_modified)
        if not_modified is not None:
            response = not_modified
        else:
            if head:  # answered as a GET; the server sends the headers only
                request.method = "GET"
            response = view(request, *args, **kwargs)
        if response.status_code in (200, 304):
            response["ETag"] = etag
            if last_modified is not None:
                response["Last-Modified"] = http_date(last_modified)
            # Caches may keep a copy but must ask again (cheaply, with the ETag) each time.
            response["Cache-Control"] = "public, max-age=0, must-revalidate"
        return response
    except Exception:
        logger.error(
            "Internal Server Error: %s",
            request.path,
            exc_info=True,
            extra={"status_code": 500, "request": request},
        )
        return server_error(request)
    finally:
        if head:
            request.method = "HEAD"


def server_error(request: HttpRequest) -> HttpResponse:
    return problem_response(
        request,
        500,
        "Something went wrong on our side and it has been logged. Please try again later.",
    )


def _cors(response: HttpResponse) -> HttpResponse:
    response["Access-Control-Allow-Origin"] = "*"
    response["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
    return response
