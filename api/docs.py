"""The API's human docs at /api/v1/docs: a page of the site rendered on the server from the
API's own OpenAPI document (each operation, its parameters, an example address), so it needs
no script at all, loads nothing from a CDN and passes the site's Content-Security-Policy.
ninja's Swagger UI would load its code from a CDN and run inline scripts, which the CSP
forbids."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.safestring import mark_safe
from ninja.openapi.docs import DocsBase

from api.problems import PROBLEM_EXPLANATIONS, PROBLEM_TYPES
from pages.markdown import render_markdown  # the site's sanitised Markdown (nh3)

DESCRIPTION = """\
The site's public figures and what describes them, for programs: exactly what the website
shows. Only released figures of public indicators (never an import waiting for release); a
figure withheld for small numbers comes as status `suppressed` with no value, count or limits
(“c” on the site); synthetic figures are flagged `illustrative`; a revised figure carries
`revised_on` and what it was. Topics are published pages only.

**Formats.** JSON by default; add `format=csv` to any list for CSV (UTF-8, a header row;
figures in the site's download columns). CSV streams every matching row in one file.

**Pages.** JSON lists come a page at a time (`limit`, at most 1,000), in id order, with the
address of the next page in `next` (null on the last) and in a `Link: <…>; rel="next"` header.
Follow it: its `cursor` is opaque and stays valid however the data changes.

**Caching.** Every answer has an ETag and Last-Modified; send If-None-Match (or
If-Modified-Since) and an unchanged answer is 304 Not Modified. Poll `/api/v1/changes?since=`
to learn what was released.

**Use from anywhere.** CORS is open (`Access-Control-Allow-Origin: *`). Each address (IP) may
make a limited number of requests a minute; past it the answer is 429 with Retry-After.

**Errors** are problem details (RFC 9457, `application/problem+json`): `type`, `title`,
`status` and `detail` in words.
"""

METHODS = ("get", "post", "put", "patch", "delete")

#: An address to try for each operation, on the demo's data (Lancashire-12 is E10000017).
EXAMPLES = {
    "list_indicators": "/api/v1/indicators",
    "get_indicator": "/api/v1/indicators/referrals-rate",
    "list_areas": "/api/v1/areas?parent=E10000017",
    "get_area": "/api/v1/areas/E07000123",
    "list_periods": "/api/v1/periods?kind=fy",
    "list_breakdowns": "/api/v1/breakdowns?dimension=age",
    "list_topics": "/api/v1/topics?indicator=referrals-rate",
    "list_values": "/api/v1/values?indicator=referrals-rate&area=E10000017"
    "&comparators_of=E10000017&from=2011/12",
    "list_changes": "/api/v1/changes?since=2014-01-01",
}


def example_url(path: str, parameters: list[dict[str, Any]]) -> str:
    """The operation's address with its path parameters shown as placeholders."""
    for parameter in parameters:
        if parameter.get("in") == "path":
            path = path.replace("{" + parameter["name"] + "}", f"<{parameter['name']}>")
    return path


def parameter_type(schema: dict[str, Any]) -> str:
    if "anyOf" in schema:
        return " or ".join(parameter_type(s) for s in schema["anyOf"] if s.get("type") != "null")
    if schema.get("enum"):
        return " | ".join(str(v) for v in schema["enum"])
    if schema.get("type") == "array":
        return f"{parameter_type(schema.get('items', {}))}, repeatable"
    kind = schema.get("type", "string")
    return f"{kind} ({schema['format']})" if schema.get("format") else kind


def operations(openapi: dict[str, Any]) -> list[dict[str, Any]]:
    found = []
    for path, item in openapi.get("paths", {}).items():
        for method in METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            parameters = operation.get("parameters", [])
            found.append(
                {
                    "id": operation.get("operationId", ""),
                    "method": method.upper(),
                    "path": path,
                    "summary": operation.get("summary", ""),
                    "description": mark_safe(render_markdown(operation.get("description", ""))),
                    "example": example_url(path, parameters),
                    "try": EXAMPLES.get(operation.get("operationId", ""), ""),
                    "parameters": [
                        {
                            "name": p["name"],
                            "where": p.get("in", ""),
                            "required": p.get("required", False),
                            "type": parameter_type(p.get("schema", {})),
                            "description": p.get("description", "")
                            or p.get("schema", {}).get("description", ""),
                        }
                        for p in parameters
                    ],
                    "formats": list(_ok(operation).get("content", {})),
                }
            )
    return found


def _ok(operation: dict[str, Any]) -> dict[str, Any]:
    responses = operation.get("responses", {})
    return responses.get(200) or responses.get("200") or {}


class ServerRenderedDocs(DocsBase):
    """ninja's docs hook, answered by our own template."""

    def render_page(self, request: HttpRequest, api: Any, **kwargs: Any) -> HttpResponse:
        openapi = api.get_openapi_schema(path_params=kwargs)
        return render(
            request,
            "api/docs.html",
            {
                "title": api.title,
                "version": api.version,
                "description": mark_safe(render_markdown(DESCRIPTION)),
                "operations": operations(openapi),
                "openapi_url": self.get_openapi_url(api, kwargs),
                "problems": [
                    {
                        "status": status,
                        "anchor": anchor,
                        "title": title,
                        "explanation": PROBLEM_EXPLANATIONS.get(anchor, ""),
                    }
                    for status, (anchor, title) in PROBLEM_TYPES.items()
                ],
            },
        )
