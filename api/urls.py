"""/api/v1/: ninja's operations, its OpenAPI document and our docs, then a catch-all so that
an unknown address under /api/v1/ is a problem-details 404 too, every one wrapped by
`api.http.public_endpoint` (CORS, rate limit, ETag, problem details)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, URLResolver, re_path

from api.endpoints import api
from api.http import public_endpoint
from api.problems import default_detail, problem_response


def wrapped(patterns: list[URLPattern | URLResolver]) -> list[URLPattern | URLResolver]:
    for pattern in patterns:
        if isinstance(pattern, URLPattern):
            pattern.callback = public_endpoint(pattern.callback)
        else:
            wrapped(pattern.url_patterns)
    return patterns


def not_found(request: HttpRequest, rest: str = "") -> HttpResponse:
    return problem_response(request, 404, default_detail(request, 404))


ninja_patterns, app_name_, namespace = api.urls

urlpatterns = [
    re_path("", (wrapped(ninja_patterns), app_name_, namespace)),
    re_path(r"^(?P<rest>.*)$", public_endpoint(not_found)),
]
