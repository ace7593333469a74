"""Errors as RFC 9457 problem details (`application/problem+json`): every error the API gives,
whoever raised it (a view, ninja's validation, Django's URL resolver, the rate limit), reaches
the client as the same small JSON document, in words a person understands, never a traceback.
"""

from __future__ import annotations

import json
from http import HTTPStatus
from typing import Any

from django.http import HttpRequest, HttpResponse

PROBLEM_CONTENT_TYPE = "application/problem+json"

#: Status → (the anchor of its explanation in the docs, its title).
PROBLEM_TYPES: dict[int, tuple[str, str]] = {
    400: ("bad-request", "The request's parameters are not valid"),
    404: ("not-found", "Not found"),
    405: ("method-not-allowed", "Method not allowed"),
    406: ("not-acceptable", "Format not available"),
    429: ("rate-limited", "Too many requests"),
    500: ("server-error", "Something went wrong on our side"),
}

#: What each problem type means, for the docs page (by its anchor).
PROBLEM_EXPLANATIONS: dict[str, str] = {
    "bad-request": "A parameter has a value the API cannot read (a limit that is not a number, "
    "a cursor that was not given by the API, a date that is not YYYY-MM-DD). The detail says "
    "which; `errors` lists each parameter that is wrong.",
    "not-found": "The address, or the indicator, area, period or topic it names, does not "
    "exist or is not public. An indicator that only a draft page uses is not found, exactly "
    "as on the website.",
    "method-not-allowed": "The API is read-only: it answers GET (and HEAD) only.",
    "not-acceptable": "The format asked for is not one the API gives (json or csv).",
    "rate-limited": "This address (your IP) has made too many requests in a short time. "
    "Wait the number of seconds in the Retry-After header, then go on.",
    "server-error": "An error on our side, which has been logged. Try again later.",
}


def problem_type(status: int) -> str:
    """The problem's `type`: the docs' explanation of it (relative to the API's address)."""
    slug = PROBLEM_TYPES.get(status, ("error", ""))[0]
    return f"/api/v1/docs#problem-{slug}"


class ApiProblem(Exception):
    """Raised by an endpoint to answer with a problem: `status`, and `detail` in words."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.headers = headers or {}
        self.extra = extra


def problem_response(
    request: HttpRequest | None,
    status: int,
    detail: str,
    *,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> HttpResponse:
    """A problem details response."""
    title = PROBLEM_TYPES.get(status, ("", ""))[1] or HTTPStatus(status).phrase
    body: dict[str, Any] = {
        "type": problem_type(status),
        "title": title,
        "status": status,
        "detail": detail,
    }
    if request is not None:
        body["instance"] = request.path
    body.update(extra)
    response = HttpResponse(
        json.dumps(body, ensure_ascii=False),
        status=status,
        content_type=f"{PROBLEM_CONTENT_TYPE}; charset=utf-8",
    )
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def from_exception(request: HttpRequest, problem: ApiProblem) -> HttpResponse:
    return problem_response(
        request, problem.status, problem.detail, headers=problem.headers, **problem.extra
    )


def default_detail(request: HttpRequest, status: int) -> str:
    """Words for an error response that came without any (Django's 404, ninja's 405)."""
    if status == 404:
        return (
            f"There is nothing at {request.path}. The API's addresses are listed at "
            "/api/v1/docs (and in /api/v1/openapi.json)."
        )
    if status == 405:
        return (
            f"The API is read-only: it answers GET and HEAD, not {request.method}, at "
            f"{request.path}."
        )
    return f"{HTTPStatus(status).phrase}."


def is_problem(response: HttpResponse) -> bool:
    return response.get("Content-Type", "").startswith(PROBLEM_CONTENT_TYPE)


def as_problem(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """An error response made into problem details, keeping its headers that matter (Allow,
    Retry-After); any other response as it is."""
    if response.status_code < 400 or is_problem(response):
        return response
    headers = {
        name: response[name] for name in ("Allow", "Retry-After") if response.has_header(name)
    }
    return problem_response(
        request,
        response.status_code,
        default_detail(request, response.status_code),
        headers=headers,
    )
