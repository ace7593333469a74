"""CSV answers (`?format=csv`), streamed so that a million figures never sit in memory.

Figures come in the site's download columns (`indicators.exports.COLUMNS`, written by
`value_row`), so a file from the API and one from a page's "Download this data" can be put
together; the other lists are their JSON fields flattened (a list as its items joined by
"; ", an object as its columns prefixed with its name). UTF-8 without a byte order mark: the
API is for programs (the site's downloads keep theirs for Excel)."""

from __future__ import annotations

import csv
import io
import typing
from collections.abc import Iterable, Iterator
from typing import Any

from django.db.models import QuerySet
from django.http import StreamingHttpResponse
from django.utils.http import content_disposition_header
from pydantic import BaseModel

from indicators.exports import COLUMNS, _csv_cell, neutralise_formula, value_row
from indicators.models import Area, Breakdown, Indicator, Period, Value

CONTENT_TYPE = "text/csv; charset=utf-8"
#: Rows written to the stream at a time: one chunk of text per this many rows.
ROWS_PER_CHUNK = 500
#: Rows read from the database at a time.
FETCH_CHUNK = 2000


def _lines(header: Iterable[str], rows: Iterable[Iterable[Any]]) -> Iterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(list(header))
    pending = 1
    for row in rows:
        writer.writerow([_csv_cell(cell) for cell in row])
        pending += 1
        if pending >= ROWS_PER_CHUNK:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
            pending = 0
    if buffer.tell():
        yield buffer.getvalue().encode()


def streamed(
    name: str, header: Iterable[str], rows: Iterable[Iterable[Any]]
) -> StreamingHttpResponse:
    response = StreamingHttpResponse(_lines(header, rows), content_type=CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=False, filename=f"jsna-{name}.csv"
    )
    return response


def values_csv(values: QuerySet[Value]) -> StreamingHttpResponse:
    """Figures (from `PublishedValue`, so masked as the public see them, in the queryset's
    order) in the download columns, read a chunk at a time."""
    return streamed("values", COLUMNS, (value_row(value) for value in with_related(values)))


def with_related(values: QuerySet[Value]) -> Iterator[Value]:
    """The figures with their indicator, area, period and breakdown, which are few (hundreds
    even at national scale) and so read once each, rather than joined to every row and built
    again for each: that would double the time of a million rows."""
    related = {
        "indicator": Indicator.objects.in_bulk(),
        "area": Area.objects.in_bulk(),
        "period": Period.objects.in_bulk(),
        "breakdown": Breakdown.objects.in_bulk(),
    }
    for value in values.iterator(chunk_size=FETCH_CHUNK):
        cache = value._state.fields_cache  # what select_related would have filled in
        cache["indicator"] = related["indicator"][value.indicator_id]
        cache["area"] = related["area"][value.area_id]
        cache["period"] = related["period"][value.period_id]
        cache["breakdown"] = (
            related["breakdown"][value.breakdown_id] if value.breakdown_id is not None else None
        )
        yield value


def flatten(item: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in item.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(flatten(value, f"{name}_"))
        elif isinstance(value, list):
            flat[name] = "; ".join(
                str(v.get("code") or v.get("indicator") or v.get("anchor") or v)
                if isinstance(v, dict)
                else str(v)
                for v in value
            )
        elif isinstance(value, bool):
            flat[name] = "yes" if value else "no"
        elif value is None:
            flat[name] = ""
        elif isinstance(value, str):
            flat[name] = neutralise_formula(value)
        else:
            flat[name] = value.isoformat() if hasattr(value, "isoformat") else value
    return flat


def items_csv(
    name: str, fields: list[str], items: Iterable[dict[str, Any]]
) -> StreamingHttpResponse:
    """A list of JSON items as CSV, its columns `fields` (the flattened schema's)."""
    rows = ([flatten(item).get(field, "") for field in fields] for item in items)
    return streamed(name, fields, rows)


def csv_fields(schema: type) -> list[str]:
    """The CSV columns of a schema: its fields, an object field's own fields prefixed with
    its name (`author_name`)."""
    fields: list[str] = []
    for name, info in schema.model_fields.items():  # type: ignore[attr-defined]
        annotation = info.annotation
        options = typing.get_args(annotation) if typing.get_origin(annotation) is not list else ()
        nested = [
            arg
            for arg in (annotation, *options)
            if isinstance(arg, type) and issubclass(arg, BaseModel)
        ]
        if nested:
            fields += [f"{name}_{sub}" for sub in csv_fields(nested[0])]
        else:
            fields.append(name)
    return fields
