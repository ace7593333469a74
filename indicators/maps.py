"""Choropleth maps of a section's districts, drawn on the server as inline SVG.

The boundaries are the simplified ONS local authority district boundaries the site ships
(`geography/data/lad-boundaries.json`, written from the ONS TopoJSON by `manage.py
build_map_boundaries`, see `geography/data/PROVENANCE.md`). The file is read once per
process, each area's boundary decoded once, and each set of areas projected once.

A map shows the figures of the section's latest period that the table beside it shows (the
same `Value` objects), in classes of equal intervals, each named in the legend by its range in
the indicator's unit. A figure withheld or not available is hatched and named as such, never
coloured as a value; an area with no boundary in the file is listed under the map in words.
Drawing costs no database query: it reads only the figures already built."""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from core import formatting
from indicators.figures import SectionFigures
from indicators.geography import OGL_URL
from indicators.models import Value

BOUNDARIES = Path(__file__).resolve().parent / "geography" / "data" / "lad-boundaries.json"

#: Shown under every map, as `geography/data/PROVENANCE.md` asks.
ATTRIBUTION = (
    "Contains OS data © Crown copyright and database right 2016; Source: Office for National "
    "Statistics licensed under the Open Government Licence v.3.0"
)
ATTRIBUTION_URL = OGL_URL

#: A map is drawn only for this many areas with a boundary, or more.
MIN_AREAS = 3
#: Five classes from this many figures, four below it.
FIVE_CLASSES_FROM = 8
CLASSIFICATION = "equal intervals"

#: The drawing's width in SVG units; its height follows the areas' shape.
WIDTH = 1000
MARGIN = 10

WITHHELD, NOT_AVAILABLE = "withheld", "not-available"
HIDDEN_LABELS = {WITHHELD: "Figure withheld", NOT_AVAILABLE: "Not available"}


# --- TopoJSON, as `build_map_boundaries` reads it ------------------------------------------


Position = tuple[float, float]
Ring = list[Position]


def decode_arcs(topology: dict[str, Any]) -> list[list[Position]]:
    """Each arc of a TopoJSON topology as absolute positions: a quantised topology's arcs are
    delta-encoded integers (each point after the first is the difference from the one
    before), turned back into coordinates by its transform (scale, then translate)."""
    transform = topology.get("transform")
    arcs: list[list[Position]] = []
    for arc in topology["arcs"]:
        if transform is None:
            arcs.append([(float(p[0]), float(p[1])) for p in arc])
            continue
        (kx, ky), (dx, dy) = transform["scale"], transform["translate"]
        x = y = 0
        points = []
        for point in arc:
            x, y = x + point[0], y + point[1]
            points.append((x * kx + dx, y * ky + dy))
        arcs.append(points)
    return arcs


def ring(indexes: Iterable[int], arcs: Sequence[list[Position]]) -> Ring:
    """A ring from the indexes of its arcs: a negative index ~i is arc i backwards; each arc
    after the first starts where the one before ended, so its first point is left out."""
    points: Ring = []
    for index in indexes:
        arc = arcs[index] if index >= 0 else arcs[~index][::-1]
        points.extend(arc if not points else arc[1:])
    return points


def polygons(geometry: dict[str, Any], arcs: Sequence[list[Position]]) -> list[list[Ring]]:
    """A Polygon's or MultiPolygon's rings (the outer ring first, then any holes)."""
    if geometry["type"] == "Polygon":
        shapes = [geometry["arcs"]]
    elif geometry["type"] == "MultiPolygon":
        shapes = geometry["arcs"]
    else:
        return []
    return [[ring(indexes, arcs) for indexes in shape] for shape in shapes]


PRECISION = (
    3  # decimal places of a degree kept: about 70 m by 110 m, under the 200 m generalisation
)


def compact(topology: dict[str, Any], layer: str) -> dict[str, Any]:
    """The shipped file's content: each area of the layer by code, with its name and its
    rings as whole numbers of 1/1,000 degree, the first point of each ring absolute and the
    others the difference from the point before (longitude, latitude, longitude, …)."""
    arcs = decode_arcs(topology)
    factor = 10**PRECISION
    areas: dict[str, Any] = {}
    for geometry in topology["objects"][layer]["geometries"]:
        shapes = []
        for shape in polygons(geometry, arcs):
            rings = []
            for points in shape:
                flat: list[int] = []
                last = (0, 0)
                for lon, lat in points:
                    here = (round(lon * factor), round(lat * factor))
                    if flat and here == last:
                        continue
                    flat.extend((here[0] - last[0], here[1] - last[1]))
                    last = here
                rings.append(flat)
            shapes.append(rings)
        properties = geometry["properties"]
        areas[properties["code"]] = {"name": properties["name"], "polygons": shapes}
    return {"precision": PRECISION, "areas": dict(sorted(areas.items()))}


# --- the shipped boundaries ------------------------------------------------------------------


@dataclass(frozen=True)
class Boundary:
    code: str
    name: str
    polygons: tuple[tuple[tuple[Position, ...], ...], ...]  # rings of (longitude, latitude)


def read_boundary(code: str, area: dict[str, Any], precision: int) -> Boundary:
    """One area of the shipped file (see `compact`)."""
    factor = 10**precision
    shapes = []
    for shape in area["polygons"]:
        rings = []
        for flat in shape:
            x = y = 0
            points = []
            for i in range(0, len(flat), 2):
                x, y = x + flat[i], y + flat[i + 1]
                points.append((x / factor, y / factor))
            rings.append(tuple(points))
        shapes.append(tuple(rings))
    return Boundary(code, area["name"], tuple(shapes))


def read_boundaries(data: dict[str, Any]) -> dict[str, Boundary]:
    """Every area of the shipped file's content, by code."""
    return {
        code: read_boundary(code, area, data["precision"]) for code, area in data["areas"].items()
    }


@functools.cache
def shipped() -> dict[str, Any]:
    """The shipped file's content, read once per process."""
    return json.loads(BOUNDARIES.read_text(encoding="utf-8"))


@functools.cache
def boundary(code: str) -> Boundary | None:
    """An area's shipped boundary, decoded once per process; None when the file has none."""
    data = shipped()
    area = data["areas"].get(code)
    return read_boundary(code, area, data["precision"]) if area is not None else None


def boundaries() -> dict[str, Boundary]:
    """Every shipped boundary by code (each decoded once per process)."""
    found = {code: boundary(code) for code in shipped()["areas"]}
    return {code: b for code, b in found.items() if b is not None}


@functools.lru_cache(maxsize=256)
def drawing(codes: tuple[str, ...]) -> tuple[str, dict[str, str]]:
    """The SVG viewBox and each area's path for these areas, projected together: longitude
    scaled by the cosine of the middle latitude (an equirectangular projection, true to shape
    at the size of a county), north up, fitted to `WIDTH`."""
    shapes = [b for b in map(boundary, codes) if b is not None]
    points = [p for b in shapes for shape in b.polygons for rings in shape for p in rings]
    west, east = min(p[0] for p in points), max(p[0] for p in points)
    south, north = min(p[1] for p in points), max(p[1] for p in points)
    stretch = math.cos(math.radians((south + north) / 2))
    scale = (WIDTH - 2 * MARGIN) / max((east - west) * stretch, 1e-9)
    height = round((north - south) * scale) + 2 * MARGIN

    def at(p: Position) -> tuple[int, int]:
        return (
            round((p[0] - west) * stretch * scale) + MARGIN,
            round((north - p[1]) * scale) + MARGIN,
        )

    paths = {}
    for b in shapes:
        parts = []
        for shape in b.polygons:
            for points_ in shape:
                # Whole units (a thousandth of the width) are finer than the boundaries.
                projected = [at(p) for p in points_]
                kept = [p for i, p in enumerate(projected) if i == 0 or p != projected[i - 1]]
                if len(kept) >= 3:
                    parts.append("M" + "L".join(f"{x} {y}" for x, y in kept) + "Z")
        paths[b.code] = "".join(parts)
    return f"0 0 {WIDTH} {height}", paths


# --- a section's map ---------------------------------------------------------------------


@dataclass(frozen=True)
class MapArea:
    """One area on the map: a link to its page, named with its figure."""

    code: str
    name: str
    url: str
    figure: str  # “73.3 per 10,000”, “suppressed (small numbers)”, with “(illustrative)”
    label: str  # its accessible name: “Preston: 73.3 per 10,000”
    css: str  # its class's fill, e.g. "map-fill map-fill--5-3"; "map-hidden" when hatched
    pattern: str  # the id of its hatching when hidden, else ""
    path: str  # its SVG path


@dataclass(frozen=True)
class LegendEntry:
    label: str  # the class's range in the unit, or “Figure withheld”, “Not available”
    css: str  # the swatch's class, as its areas'
    pattern: str  # the id of the hatching, for a hidden entry; else ""
    areas: tuple[str, ...]  # the names of its areas, in the table's order


@dataclass(frozen=True)
class DistrictMap:
    """A choropleth map of a section's latest figures by area, as the template draws it."""

    id: str  # the map's id; its hatchings' ids start with it
    title: str  # “Map of the rate by district, 31 March 2013”
    unit: str  # the legend's heading: “Rate per 10,000 population aged under 18”
    classification: str  # how the classes are made, in words
    view_box: str
    areas: tuple[MapArea, ...]
    legend: tuple[LegendEntry, ...]
    not_on_map: tuple[str, ...]  # “Old district (12.0 per 10,000)”: no boundary in the file
    has_illustrative: bool
    attribution: str = ATTRIBUTION
    attribution_url: str = ATTRIBUTION_URL

    @property
    def withheld_pattern(self) -> str:
        return f"{self.id}-{WITHHELD}"

    @property
    def not_available_pattern(self) -> str:
        return f"{self.id}-{NOT_AVAILABLE}"


def class_breaks(numbers: Sequence[Decimal], places: int, count: int) -> list[Decimal]:
    """The lower bounds of `count` classes of equal width from the smallest figure to the
    largest, to the indicator's decimal places; fewer when the figures are too close together
    for that many different bounds (one class when they are all the same)."""
    low, high = min(numbers), max(numbers)
    step = Decimal(1).scaleb(-places)
    width = (high - low) / count
    breaks: list[Decimal] = []
    for i in range(count):
        bound = (low + width * i).quantize(step, rounding=ROUND_HALF_UP)
        if not breaks or bound > breaks[-1]:
            breaks.append(bound)
    return breaks


def class_of(number: Decimal, breaks: Sequence[Decimal]) -> int:
    """The index of the class a figure (to the indicator's places) falls in."""
    index = 0
    for i, bound in enumerate(breaks):
        if number >= bound:
            index = i
    return index


def classification(classes: int) -> str:
    """How the colours are chosen, in words."""
    if classes > 1:
        return (
            f"The colours show {classes} classes of equal width ({CLASSIFICATION}), from the "
            "lowest figure to the highest; darker is higher."
        )
    if classes == 1:
        return "The figures are all the same, so the map has one colour."
    return "There are no figures to colour."


def district_map(figures: SectionFigures, map_id: str) -> DistrictMap | None:
    """The map of an "areas" section's figures: the rows of its table other than the parent
    area's, for the period the table shows. None for another kind of section, or when fewer
    than `MIN_AREAS` of its areas have a boundary."""
    if figures.kind != "areas" or figures.period is None:
        return None
    indicator = figures.indicator
    known = shipped()["areas"]
    # (its address, its figure): the table's rows of the areas, in the table's order.
    rows = [
        (row.url, value)
        for row in figures.rows
        if not row.is_main and row.cells and (value := row.cells[0]) is not None
    ]
    on_map = [(url, value) for url, value in rows if value.area.code in known]
    if len(on_map) < MIN_AREAS:
        return None
    view_box, paths = drawing(tuple(sorted(value.area.code for _, value in on_map)))

    def figure_of(value: Value) -> str:
        return formatting.figure_text(
            indicator, value.value, value.status, illustrative=value.is_illustrative
        )

    places = indicator.decimal_places
    # Classed as shown: to the indicator's decimal places.
    shown = {
        id(value): number
        for _, value in on_map
        if (number := formatting.rounded(indicator, value.value)) is not None
    }
    numbers = list(shown.values())
    count = 5 if len(numbers) >= FIVE_CLASSES_FROM else 4
    breaks = class_breaks(numbers, places, count) if numbers else []
    step = Decimal(1).scaleb(-places)
    classes = len(breaks)
    members: dict[str, list[str]] = {}
    areas = []
    for url, value in on_map:
        name = value.area.display_name
        number = shown.get(id(value))
        if number is None:
            kind = WITHHELD if value.status == "suppressed" else NOT_AVAILABLE
            css, pattern = f"map-hidden map-hidden--{kind}", f"{map_id}-{kind}"
            members.setdefault(kind, []).append(name)
        else:
            index = class_of(number, breaks)
            css, pattern = f"map-fill map-fill--{classes}-{index + 1}", ""
            members.setdefault(str(index), []).append(name)
        figure = figure_of(value)
        areas.append(
            MapArea(
                code=value.area.code,
                name=name,
                url=url,
                figure=figure,
                label=f"{name}: {figure}",
                css=css,
                pattern=pattern,
                path=paths[value.area.code],
            )
        )
    legend = []
    for index, bound in enumerate(breaks):
        upper = breaks[index + 1] - step if index + 1 < classes else max(numbers)
        label = (
            formatting.with_unit(indicator, bound)
            if upper == bound
            else f"{formatting.figure_number(indicator, bound)} to "
            f"{formatting.with_unit(indicator, upper)}"
        )
        legend.append(
            LegendEntry(
                label=label,
                css=f"map-fill map-fill--{classes}-{index + 1}",
                pattern="",
                areas=tuple(members.get(str(index), ())),
            )
        )
    for kind in (WITHHELD, NOT_AVAILABLE):
        if kind in members:
            legend.append(
                LegendEntry(
                    label=HIDDEN_LABELS[kind],
                    css=f"map-hidden map-hidden--{kind}",
                    pattern=f"{map_id}-{kind}",
                    areas=tuple(members[kind]),
                )
            )
    heading = figures.heading[:1].lower() + figures.heading[1:]
    measure = formatting.measure_words(indicator)
    return DistrictMap(
        id=map_id,
        title=f"Map of the {heading}, {figures.period.label}",
        unit=measure[:1].upper() + measure[1:],
        classification=classification(classes),
        view_box=view_box,
        areas=tuple(areas),
        legend=tuple(legend),
        not_on_map=tuple(
            f"{value.area.display_name} ({figure_of(value)})"
            for _, value in rows
            if value.area.code not in known
        ),
        has_illustrative=any(value.is_illustrative for _, value in on_map),
    )


__all__ = [
    "ATTRIBUTION",
    "Boundary",
    "DistrictMap",
    "LegendEntry",
    "MapArea",
    "boundaries",
    "boundary",
    "compact",
    "district_map",
]
