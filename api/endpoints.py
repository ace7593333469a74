"""The API's operations (django-ninja): each reads through `api.selectors`, which holds the
site's rules of what the public may see, and answers JSON (`api.schemas`) or, with
`?format=csv`, a streamed CSV file (`api.streaming`)."""

from __future__ import annotations

import datetime
import logging
from typing import Any, Literal

from django.conf import settings
from django.db.models import F
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from ninja import NinjaAPI, Query
from ninja.errors import HttpError, ValidationError

from api import schemas, selectors, serialize, streaming
from api.cursors import decode, next_link
from api.docs import DESCRIPTION, ServerRenderedDocs
from api.http import server_error
from api.problems import PROBLEM_CONTENT_TYPE, ApiProblem, from_exception, problem_response

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000

Format = Literal["json", "csv"]
#: The errors every list or item may answer with, documented for each operation.
ERRORS = {400: schemas.Problem, 404: schemas.Problem, 429: schemas.Problem}


class OpenDataAPI(NinjaAPI):
    """ninja's API with an OpenAPI document that says what the answers really are: errors
    as `application/problem+json`, and the CSV that `format=csv` gives."""

    def get_openapi_operation_id(self, operation: Any) -> str:
        return operation.view_func.__name__

    def get_openapi_schema(self, *args: Any, **kwargs: Any) -> Any:
        schema = super().get_openapi_schema(*args, **kwargs)
        for item in schema.get("paths", {}).values():
            for operation in item.values():
                responses = operation.get("responses", {})
                for status, response in responses.items():
                    content = response.get("content", {})
                    if int(status) >= 400 and "application/json" in content:
                        content[PROBLEM_CONTENT_TYPE] = content.pop("application/json")
                takes_format = any(
                    p.get("name") == "format" for p in operation.get("parameters", [])
                )
                ok = responses.get(200) or responses.get("200")
                if takes_format and ok is not None:
                    ok.setdefault("content", {})["text/csv"] = {"schema": {"type": "string"}}
        return schema


api = OpenDataAPI(
    title=f"{settings.SITE_NAME} open data",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api-v1",
    docs=ServerRenderedDocs(),
    docs_url="/docs",
)


@api.exception_handler(ApiProblem)
def _problem(request: HttpRequest, exc: ApiProblem) -> HttpResponse:
    return from_exception(request, exc)


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = []
    for error in exc.errors:
        location = [str(part) for part in error.get("loc", ())]
        where = location[0] if location else "query"
        parameter = ".".join(location[1:]) or where
        errors.append({"parameter": parameter, "in": where, "message": error.get("msg", "")})
    detail = "; ".join(f"{e['parameter']}: {e['message']}" for e in errors) or "Not valid."
    return problem_response(
        request, 400, f"Some parameters are not valid: {detail}.", errors=errors
    )


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return problem_response(request, 404, str(exc) or f"There is nothing at {request.path}.")


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return problem_response(request, exc.status_code, str(exc))


@api.exception_handler(Exception)
def _error(request: HttpRequest, exc: Exception) -> HttpResponse:
    logging.getLogger("django.request").error(
        "Internal Server Error: %s",
        request.path,
        exc_info=exc,
        extra={"status_code": 500, "request": request},
    )
    return server_error(request)


def page(
    request: HttpRequest,
    response: HttpResponse,
    queryset: Any,
    cursor: str | None,
    limit: int,
    item: Any,
) -> dict:
    """One JSON page: its items and the next page's address, in the body and, for clients
    that follow links, in a `Link: <…>; rel="next"` header (RFC 8288)."""
    rows, last = selectors.after(queryset, decode(cursor), limit)
    following = next_link(request, last) if last is not None else None
    if following is not None:
        response["Link"] = f'<{following}>; rel="next"'
    return {"data": [item(row) for row in rows], "next": following}


def whole_list(
    name: str, schema: type, queryset: Any, cursor: str | None, item: Any
) -> HttpResponse:
    rows = queryset.filter(pk__gt=decode(cursor)).order_by("pk")
    return streaming.items_csv(name, streaming.csv_fields(schema), (item(r) for r in rows))


LIMIT = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="Rows per page (JSON).")
CURSOR = Query(None, description="From the previous page's next link; leave out to start.")
FORMAT = Query("json", description="json (paged) or csv (every row, streamed).")
INDICATORS = Query(None, description="Indicator slug; repeat for several.")
AREAS = Query(None, description="Area GSS code; repeat for several.")
PERIODS = Query(None, description="Period code; repeat for several.")
SINCE = Query(None, description="Releases on or after this day (YYYY-MM-DD).")


@api.get(
    "/",
    response={200: schemas.Index, 429: schemas.Problem},
    summary="What the API has",
    tags=["about"],
)
def index(request: HttpRequest) -> dict:
    names = ["indicators", "areas", "periods", "breakdowns", "topics", "values", "changes"]
    return {
        "title": api.title,
        "version": api.version,
        "docs": request.build_absolute_uri(reverse("api-v1:openapi-view")),
        "openapi": request.build_absolute_uri(reverse("api-v1:openapi-json")),
        "endpoints": {n: request.build_absolute_uri(reverse(f"api-v1:{n}")) for n in names},
    }


@api.get(
    "/indicators",
    response={200: schemas.IndicatorPage, **ERRORS},
    url_name="indicators",
    summary="Public indicators",
    tags=["indicators"],
)
def list_indicators(
    request: HttpRequest,
    response: HttpResponse,
    cursor: str | None = CURSOR,
    limit: int = LIMIT,
    format: Format = FORMAT,
) -> Any:
    """Every indicator the public may see (those a published page shows, and those made
    public on their own), with its definition, unit, polarity, source and methodology."""
    indicators = selectors.public_indicators()
    if format == "csv":
        return whole_list(
            "indicators", schemas.IndicatorOut, indicators, cursor, serialize.indicator_item
        )
    return page(request, response, indicators, cursor, limit, serialize.indicator_item)


@api.get(
    "/indicators/{slug}",
    response={200: schemas.IndicatorOut, **ERRORS},
    url_name="indicator",
    summary="One indicator",
    tags=["indicators"],
)
def get_indicator(request: HttpRequest, slug: str) -> Any:
    return serialize.indicator_item(selectors.indicator_by_slug(slug))


@api.get(
    "/areas",
    response={200: schemas.AreaPage, **ERRORS},
    url_name="areas",
    summary="Areas and their hierarchy",
    tags=["areas"],
)
def list_areas(
    request: HttpRequest,
    response: HttpResponse,
    type: str | None = Query(None, description="country, region, county, unitary, district…"),
    parent: str | None = Query(None, description="Only the areas within this area (its code)."),
    current: bool | None = Query(None, description="true: current areas; false: former ones."),
    cursor: str | None = CURSOR,
    limit: int = LIMIT,
    format: Format = FORMAT,
) -> Any:
    """Every area, current and former: its GSS code, type, parent and the areas above it,
    its ONS statistical groupings, comparator groups, and what replaced it or it replaced."""
    areas = selectors.areas()
    if type:
        areas = areas.filter(area_type=type.strip().lower())
    if parent:
        areas = areas.filter(parent=selectors.area_by_code(parent, "parent"))
    if current is not None:
        areas = areas.filter(is_current=current)
    if format == "csv":
        return whole_list("areas", schemas.AreaOut, areas, cursor, serialize.area_item)
    return page(request, response, areas, cursor, limit, serialize.area_item)


@api.get(
    "/areas/{code}",
    response={200: schemas.AreaOut, **ERRORS},
    url_name="area",
    summary="One area",
    tags=["areas"],
)
def get_area(request: HttpRequest, code: str) -> Any:
    return serialize.area_item(selectors.area_by_code(code, full=True))


@api.get(
    "/periods",
    response={200: schemas.PeriodPage, **ERRORS},
    url_name="periods",
    summary="Periods with public figures",
    tags=["reference"],
)
def list_periods(
    request: HttpRequest,
    response: HttpResponse,
    kind: str | None = Query(None, description="fy, ay, cy, snapshot, quarter, month…"),
    cursor: str | None = CURSOR,
    limit: int = LIMIT,
    format: Format = FORMAT,
) -> Any:
    """The periods that some public figure is for (a period only a staged import has is not
    listed until its release)."""
    periods = selectors.public_periods()
    if kind:
        periods = periods.filter(kind=kind.strip().lower())
    if format == "csv":
        return whole_list("periods", schemas.PeriodOut, periods, cursor, serialize.period_item)
    return page(request, response, periods, cursor, limit, serialize.period_item)


@api.get(
    "/breakdowns",
    response={200: schemas.BreakdownPage, **ERRORS},
    url_name="breakdowns",
    summary="Breakdowns with public figures",
    tags=["reference"],
)
def list_breakdowns(
    request: HttpRequest,
    response: HttpResponse,
    dimension: str | None = Query(None, description="age, sex, ethnicity, deprivation, other."),
    cursor: str | None = CURSOR,
    limit: int = LIMIT,
    format: Format = FORMAT,
) -> Any:
    """The categories (age bands, ethnicities…) that some public figure is broken down by."""
    breakdowns = selectors.public_breakdowns()
    if dimension:
        breakdowns = breakdowns.filter(dimension=dimension.strip().lower())
    if format == "csv":
        return whole_list(
            "breakdowns", schemas.BreakdownOut, breakdowns, cursor, serialize.breakdown_item
        )
    return page(request, response, breakdowns, cursor, limit, serialize.breakdown_item)


@api.get(
    "/topics",
    response={200: schemas.TopicPage, **ERRORS},
    url_name="topics",
    summary="Published topic pages",
    tags=["topics"],
)
def list_topics(
    request: HttpRequest,
    response: HttpResponse,
    path: str | None = Query(
        None, description="One page by its path, e.g. children-and-young-people."
    ),
    indicator: str | None = Query(None, description="Only pages showing this indicator (slug)."),
    cursor: str | None = CURSOR,
    limit: int = Query(20, ge=1, le=100, description="Rows per page (JSON)."),
    format: Format = FORMAT,
) -> Any:
    """Published pages only (never a draft, nor a page under an unpublished one): title,
    address, summary, the indicators its sections show, its author and its last update as the
    page shows it."""
    topics = selectors.public_topics()
    if path:
        topics = topics.filter(path=path.strip("/"))
    if indicator:
        chosen = selectors.indicator_by_slug(indicator)
        topics = topics.filter(sections__indicator=chosen).distinct()
    if format == "csv":
        return whole_list("topics", schemas.TopicOut, topics, cursor, serialize.topic_item)
    return page(request, response, topics, cursor, limit, serialize.topic_item)


@api.get(
    "/topics/{topic_id}",
    response={200: schemas.TopicOut, **ERRORS},
    url_name="topic",
    summary="One published topic page",
    tags=["topics"],
)
def get_topic(request: HttpRequest, topic_id: int) -> Any:
    topic = selectors.public_topics().filter(pk=topic_id).first()
    if topic is None:
        raise ApiProblem(404, f"There is no published topic {topic_id}: see /api/v1/topics.")
    return serialize.topic_item(topic)


@api.get(
    "/values",
    response={200: schemas.ValuePage, **ERRORS},
    url_name="values",
    summary="Figures",
    tags=["values"],
)
def list_values(
    request: HttpRequest,
    response: HttpResponse,
    indicator: list[str] = INDICATORS,
    area: list[str] = AREAS,
    children_of: str | None = Query(None, description="The areas within this area (code)."),
    comparators_of: str | None = Query(
        None, description="This area's comparators: the areas above it and its named groups."
    ),
    period: list[str] = PERIODS,
    period_from: str | None = Query(
        None, alias="from", description="Periods ending on or after this period's end (or date)."
    ),
    period_to: str | None = Query(
        None, alias="to", description="Periods ending on or before this period's end (or date)."
    ),
    breakdown: str | None = Query(
        None, description="none (whole population), a dimension (age…) or a breakdown's id."
    ),
    cursor: str | None = CURSOR,
    limit: int = LIMIT,
    format: Format = FORMAT,
) -> Any:
    """Released figures of public indicators, exactly as the site shows them: rounded to the
    indicator's decimal places, a figure withheld for small numbers as "suppressed" with no
    value or count, illustrative figures flagged, revised ones with the day and what they
    were. `area`, `children_of` and `comparators_of` add up (figures for any of them)."""
    values = selectors.filtered_values(
        selectors.ValueFilters(
            indicator=tuple(indicator or ()),
            area=tuple(area or ()),
            children_of=children_of,
            comparators_of=comparators_of,
            period=tuple(period or ()),
            period_from=period_from,
            period_to=period_to,
            breakdown=breakdown,
        )
    )
    if format == "csv":
        return streaming.values_csv(values.filter(pk__gt=decode(cursor)))
    values = values.select_related("indicator", "area", "period", "breakdown").annotate(
        released_at=F("import_batch__published_at")
    )
    return page(request, response, values, cursor, limit, serialize.value_item)


@api.get(
    "/changes",
    response={200: schemas.ReleasePage, **ERRORS},
    url_name="changes",
    summary="Releases of figures since a date",
    tags=["values"],
)
def list_changes(
    request: HttpRequest,
    response: HttpResponse,
    since: datetime.date | None = SINCE,
    cursor: str | None = CURSOR,
    limit: int = LIMIT,
    format: Format = FORMAT,
) -> Any:
    """Each release of figures (a released import), in the order the imports were made (their
    ids; a release's own moment is `released_at`): when, its note and any
    correction notice, and per public indicator the figures added and revised and the new
    periods. Poll it with `since` (and the ETag) to learn what is new."""
    batches = selectors.releases(since)
    names = selectors.indicators_by_id(
        int(key) for batch in batches for key in (batch.release_summary or {}) if str(key).isdigit()
    )

    def item(batch: Any) -> dict:
        return serialize.release_item(batch, names)

    if format == "csv":
        return whole_list("changes", schemas.ReleaseOut, batches, cursor, item)
    return page(request, response, batches, cursor, limit, item)
