"""The file formats officers receive, recognised from the header row (`detect_format`).

Each format turns the rows of a `Table` into `SourceRow`s (`Format.read`): one per row of the
file, saying whether it is a data row, a blank row or a note (a footnote or title), where it
is, when, and the figures it gives (one for our template and for Fingertips, one per measure
column for an EES file). Formats only read and reshape; they do not look anything up in the
database, apart from the names of the measures already mapped. The import service validates
and stores.

Each format is a class with its own module, and holds all of its source's own rules as
methods (see `Format`): the importer never asks which format a file is.

- `TemplateFormat`: our own template (indicator slug, area_code, period, breakdown, value, ...).
- `FingertipsFormat`: an OHID Fingertips data export (Indicator ID, Area Code, Time period, ...).
- `EesFormat`: a DfE Explore Education Statistics tidy data file (time_period,
  time_identifier, geographic_level, the area code columns, one column per measure).
- `SfrFormat`: an older DfE statistical release's underlying data (geog_l, geog_c, geog_n,
  New_geog_code, one column per measure; the period given for the whole file).

A new format is a subclass of `Format` in a module of its own, added to `FORMATS` and
`FORMATS_LISTED`.
"""

from __future__ import annotations

from indicators.importing.formats.base import (
    Format,
    Problem,
    SourceFigure,
    SourceRow,
    area_type_for,
    normalise,
)
from indicators.importing.formats.ees import EES_LEVELS, EES_SAMPLE_ROWS, EesFormat
from indicators.importing.formats.fingertips import (
    FingertipsFormat,
    age_band,
    default_age,
    fingertips_id,
)
from indicators.importing.formats.sfr import SfrFormat
from indicators.importing.formats.template import TemplateFormat
from indicators.importing.reading import FileRejected

#: Every format, in the order a header is tried against them.
FORMATS: list[type[Format]] = [EesFormat, FingertipsFormat, SfrFormat, TemplateFormat]
#: The same formats in the order they are named to officers: ours first.
FORMATS_LISTED: list[type[Format]] = [TemplateFormat, FingertipsFormat, EesFormat, SfrFormat]
FORMAT_NAMES = {format_class.name: format_class for format_class in FORMATS}


def detect_format(header: list[str], requested: str = "auto") -> Format:
    """The format whose columns the header has; FileRejected when none (or not the one the
    officer asked for)."""
    names = {normalise(cell) for cell in header if cell}
    if requested and requested != "auto":
        if requested not in FORMAT_NAMES:
            raise FileRejected(
                f"“{requested}” is not a format we know: expected auto, {', '.join(FORMAT_NAMES)}."
            )
        return FORMAT_NAMES[requested](header)
    for format_class in FORMATS:
        if format_class.matches(names):
            return format_class(header)
    shown = ", ".join(f"“{cell}”" for cell in header[:8] if cell)
    more = " …" if len([cell for cell in header if cell]) > 8 else ""
    expected = [format_class.expected for format_class in FORMATS_LISTED]
    raise FileRejected(
        f"The header row ({shown}{more}) is not one we recognise. Expected "
        f"{', '.join(expected[:-1])} or {expected[-1]}."
    )


__all__ = [
    "EES_LEVELS",
    "EES_SAMPLE_ROWS",
    "FORMATS",
    "FORMATS_LISTED",
    "FORMAT_NAMES",
    "EesFormat",
    "FingertipsFormat",
    "Format",
    "Problem",
    "SfrFormat",
    "SourceFigure",
    "SourceRow",
    "TemplateFormat",
    "age_band",
    "area_type_for",
    "default_age",
    "detect_format",
    "fingertips_id",
    "normalise",
]
