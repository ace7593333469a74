"""The address of a chart's or a table row's figures: its permalink, its embed and the CSVW
metadata of its download (`indicators.permalinks` opens them).

Worked out from the figures a chart or row already holds, with no query and nothing from the
request, because charts are kept built in the database (core/prebuilt.py) and a page's query
count must not grow with its charts."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.urls import reverse
from django.utils.http import urlencode

from indicators.figures import SectionFigures
from indicators.filters import NO_BREAKDOWN
from indicators.models import Value

#: The query parameter naming the release a permalink shows.
RELEASE = "release"


@dataclass(frozen=True)
class FigureLink:
    """The addresses of one chart's figures: its permalink and its embeddable page."""

    query: str  # without "?": indicator, areas, periods, breakdown and release
    url: str  # /data/figures/?…
    embed_url: str  # /data/figures/embed/?…
    metadata_url: str  # the CSVW metadata of the figures' CSV download


def figures_query(
    indicator: str,
    *,
    areas: Iterable[str] = (),
    periods: Iterable[str] = (),
    breakdown: str = "",
    release: str = "",
) -> str:
    """The query string (without "?") of a permalink, in the order the downloads write it, so
    that a permalink's address is the download's with `release` added."""
    params: dict[str, str | list[str]] = {"indicator": indicator}
    if codes := list(areas):
        params["area"] = codes
    if period_codes := list(periods):
        params["period"] = period_codes
    if breakdown:
        params["breakdown"] = breakdown
    if release:
        params[RELEASE] = release
    return urlencode(params, doseq=True)


def addresses(query: str) -> FigureLink:
    """The permalink, embed and CSVW metadata addresses of a permalink's query."""
    without_release = "&".join(
        part for part in query.split("&") if not part.startswith(f"{RELEASE}=")
    )
    return FigureLink(
        query=query,
        url=f"{reverse('indicators:figures')}?{query}",
        embed_url=f"{reverse('indicators:figures_embed')}?{query}",
        metadata_url=f"{reverse('indicators:values_download_metadata')}?{without_release}",
    )


def release_token(values: Iterable[Value]) -> str:
    """The release that last set any of these figures, as a permalink names it: the id of the
    import that last set the most recently set figure, or, for figures no import set (typed in,
    or loaded with the demo), the moment they were last set, to the second, in UTC
    ("2014-03-19T12:00:00Z": a day alone would not tell them from a release later that day).
    "" for no figures.

    Read from the figures themselves (which import set each, and when), not the database."""
    latest = max(values, key=lambda v: v.updated_at, default=None)
    if latest is None or latest.updated_at is None:
        return ""
    if latest.import_batch_id is not None:
        return str(latest.import_batch_id)
    moment = latest.updated_at.astimezone(datetime.UTC)
    if moment.microsecond:  # to the second after, so that the figure is within it
        moment = moment.replace(microsecond=0) + datetime.timedelta(seconds=1)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def link_for(figures: SectionFigures) -> FigureLink | None:
    """The permalink of a chart's figures (and its table's: the same figures). None for a
    preview of staged figures, which has no public address, or a chart with no figures.

    The areas are the figures' own, the chart's area first (so that the permalink draws the
    same chart: that area against the others), then the others in the table's order; the
    periods in time order."""
    values = figures.values
    ordered = [v for v in values if v.area == figures.area]
    ordered += [v for v in values if v.area != figures.area]
    breakdown = NO_BREAKDOWN
    if figures.kind == "breakdown":
        breakdown = next((v.breakdown.dimension for v in values if v.breakdown), NO_BREAKDOWN)
    return figures_link(ordered, breakdown=breakdown)


def figures_link(values: Sequence[Value], *, breakdown: str = NO_BREAKDOWN) -> FigureLink | None:
    """The permalink of these figures (one indicator): the areas in the order of `values`, the
    periods in time order, the breakdown (none, or a dimension) and the release that last set
    any of them; None for none, or for staged figures, which have no public address."""
    if not values or any(v.is_staged for v in values):
        return None
    periods = sorted(
        dict.fromkeys(v.period for v in values), key=lambda p: (p.end_date, p.start_date)
    )
    return addresses(
        figures_query(
            values[0].indicator.slug,
            areas=list(dict.fromkeys(v.area.code for v in values)),
            periods=[p.code for p in periods],
            breakdown=breakdown,
            release=release_token(values),
        )
    )
