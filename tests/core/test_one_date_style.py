"""The site writes a date one way: a day as GOV.UK writes it (“19 March 2014”: the day
without a leading zero, the month in full, no ordinal) and a moment as that day and the time
on the 24-hour clock in the site's time zone (“19 March 2014, 09:30”), on the public pages
and in the admin alike. The two are Django's DATE_FORMAT and DATETIME_FORMAT, set once in
`jsna.formats`; templates name them (`{{ day|date }}`, `{{ moment|date:"DATETIME_FORMAT" }}`)
and Python code writes them with `core.formatting.long_date` and `day_and_time`.

So no template gives `|date` or `|time` a format of its own, and no code of the apps formats
a date with a `strftime` pattern that `core.formatting` does not use, except where a date is
written for a machine, not a reader (ISO 8601 in a link's address, a record kept as text):
each such exception is listed below with its reason.
"""

from __future__ import annotations

import ast
import datetime
import re
from pathlib import Path

import pytest
from django.utils import formats, timezone

from core import formatting
from jsna.formats.en_GB import formats as site_formats
from tests.factories import CHILD_PROTECTION_URL, build_child_protection

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "templates"
APPS = ("core", "indicators", "pages", "api", "audit")

#: The format names a template may give `|date`: the site's day and moment, and any other of
#: Django's names that `jsna.formats` sets to the same style (SHORT_DATE_FORMAT is
#: “19/03/2014”, so it is not one of them unless it is changed to match).
NAMED_FORMATS = {
    name
    for name in dir(site_formats)
    if name.endswith("_FORMAT")
    and getattr(site_formats, name) in (site_formats.DATE_FORMAT, site_formats.DATETIME_FORMAT)
}

#: A template's own format that is not a date for a reader → why it may stay.
TEMPLATE_EXCEPTIONS = {
    ("templates/admin/pages/topic/changes.html", "c"): (
        "ISO 8601 in the Compare link's query and the Revert form's hidden field: the "
        "server reads the moment back, to the second"
    ),
}

#: Code's own strftime pattern that is not a date for a reader → why it may stay.
CODE_EXCEPTIONS = {
    ("indicators/figure_links.py", "%Y-%m-%dT%H:%M:%SZ"): (
        "ISO 8601 in a figures link's address, read back by the site"
    ),
    ("indicators/models/periods.py", "%B"): (
        "the names of the months, to recognise (and refuse) a period written as “March 2013”"
    ),
    ("pages/management/commands/publish_scheduled.py", "%Y-%m-%d %H:%M"): (
        "the command's output for the operator running it by hand or from cron"
    ),
    ("pages/history.py", "%Y-%m-%d %H:%M:%S %Z"): (
        "the audit log's detail: a record searched as text, in ISO 8601 with its zone"
    ),
    ("pages/workflow.py", "%Y-%m-%d %H:%M %Z"): (
        "the audit log's detail: a record searched as text, in ISO 8601 with its zone"
    ),
}

# `|date:"…"` or `|time:'…'`, spaces allowed around the colon; and `{% now "…" %}`.
_FILTER = re.compile(r"""\|\s*(date|time)\s*:\s*(["'])(.*?)\2""")
_NOW = re.compile(r"""\{%\s*now\s+(["'])(.*?)\1""")


def template_formats() -> list[tuple[str, int, str, str]]:
    """(template, line, filter, format) for every format a template gives a date."""
    found = []
    for path in sorted(p for p in TEMPLATES.rglob("*") if p.is_file()):
        name = path.relative_to(ROOT).as_posix()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            found += [(name, number, m[1], m[3]) for m in _FILTER.finditer(line)]
            found += [(name, number, "now", m[2]) for m in _NOW.finditer(line)]
    return found


def _literal(node: ast.AST) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def code_formats(path: Path) -> list[tuple[int, str]]:
    """(line, pattern) for every strftime call, `format(x, "%…")` and f-string `{x:%…}` in a
    module; a pattern that is not a literal is given as “(computed)”."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Attribute) and func.attr == "strftime" and node.args:
                # moment.strftime(pattern), or datetime.strftime(moment, pattern)
                found.append((node.lineno, _literal(node.args[-1]) or "(computed)"))
            elif isinstance(func, ast.Name) and func.id == "format" and len(node.args) == 2:
                pattern = _literal(node.args[1])
                if pattern and "%" in pattern:
                    found.append((node.lineno, pattern))
        elif isinstance(node, ast.FormattedValue) and node.format_spec is not None:
            spec = "".join(
                _literal(part) or "{…}"
                for part in getattr(node.format_spec, "values", [node.format_spec])
            )
            if re.search(r"%[a-zA-Z]", spec):
                found.append((node.lineno, spec))
    return sorted(found)  # by line (ast.walk goes breadth first)


def app_modules() -> list[Path]:
    return sorted(
        path
        for app in APPS
        for path in (ROOT / app).rglob("*.py")
        if "migrations" not in path.parts and "tests" not in path.parts
    )


#: The patterns `core.formatting` writes dates with: the one place that defines them.
DEFINED = {pattern for _, pattern in code_formats(ROOT / "core" / "formatting.py")}


def test_the_scans_find_what_they_look_for(tmp_path):
    """The scanners catch each way of writing a format (so an empty list means something)."""
    module = tmp_path / "example.py"
    module.write_text(
        "import datetime\n"
        "a = day.strftime('%d/%m/%Y')\n"
        "b = datetime.date.strftime(day, '%d %b %Y')\n"
        "c = f'{moment:%H:%M on %d %b %Y}'\n"
        "d = format(day, '%Y')\n"
        "e = f'{figure:,.1f} {day.strftime(pattern)}'\n"
    )
    assert code_formats(module) == [
        (2, "%d/%m/%Y"),
        (3, "%d %b %Y"),
        (4, "%H:%M on %d %b %Y"),
        (5, "%Y"),
        (6, "(computed)"),
    ]
    # long_date's month and year; day_and_time's time, with seconds where versions differ by them
    assert DEFINED == {"%B %Y", "%H:%M", "%H:%M:%S"}
    line = """{{ a|date:"d/m/Y" }} {{ b|time : 'H:i' }} {{ c|date }} {% now "Y" %}"""
    assert [(m[1], m[3]) for m in _FILTER.finditer(line)] == [("date", "d/m/Y"), ("time", "H:i")]
    assert [m[2] for m in _NOW.finditer(line)] == ["Y"]


def test_the_named_formats_are_the_site_style():
    assert site_formats.DATE_FORMAT == "j F Y"  # 19 March 2014
    assert site_formats.DATETIME_FORMAT == "j F Y, H:i"  # 19 March 2014, 09:30
    assert NAMED_FORMATS >= {"DATE_FORMAT", "DATETIME_FORMAT"}


@pytest.mark.parametrize(
    "moment",
    [
        datetime.datetime(2014, 3, 19, 9, 30, tzinfo=datetime.UTC),  # Greenwich Mean Time
        datetime.datetime(2023, 4, 1, 7, 5, tzinfo=datetime.UTC),  # British Summer Time
        datetime.datetime(2026, 12, 31, 23, 59, tzinfo=datetime.UTC),
    ],
)
def test_core_formatting_writes_what_the_templates_write(moment):
    """`{{ x|date }}` and `long_date`, `{{ x|date:"DATETIME_FORMAT" }}` and `day_and_time`:
    the same words, in the site's time zone."""
    local = timezone.localtime(moment)
    assert formats.date_format(local.date(), "DATE_FORMAT") == formatting.long_date(local)
    assert formats.date_format(local, "DATETIME_FORMAT") == formatting.day_and_time(moment)


def test_templates_name_the_sites_formats():
    """Every `|date:"…"`, `|time:"…"` and `{% now "…" %}` in a template names DATE_FORMAT or
    DATETIME_FORMAT, unless it is listed with its reason."""
    wrong = [
        f'{name}:{number}: |{kind}:"{pattern}"'
        for name, number, kind, pattern in template_formats()
        if not (kind == "date" and pattern in NAMED_FORMATS)
        and (name, pattern) not in TEMPLATE_EXCEPTIONS
    ]
    assert wrong == [], (
        'write a day {{ x|date }} ("19 March 2014") and a moment {{ x|date:"DATETIME_FORMAT" }} '
        '("19 March 2014, 09:30"):\n' + "\n".join(wrong)
    )


def test_code_writes_dates_with_core_formatting():
    """No strftime pattern in the apps' code but those of `core.formatting`, unless it is
    listed with its reason."""
    wrong = [
        f"{path.relative_to(ROOT).as_posix()}:{number}: {pattern!r}"
        for path in app_modules()
        for number, pattern in code_formats(path)
        if pattern not in DEFINED
        and (path.relative_to(ROOT).as_posix(), pattern) not in CODE_EXCEPTIONS
    ]
    assert wrong == [], (
        "write a day with core.formatting.long_date (“19 March 2014”) and a moment with "
        "day_and_time (“19 March 2014, 09:30”):\n" + "\n".join(wrong)
    )


def test_every_exception_is_still_needed():
    """An exception whose format has gone is taken off its list, so the lists stay true."""
    in_templates = {(name, pattern) for name, _, _, pattern in template_formats()}
    in_code = {
        (path.relative_to(ROOT).as_posix(), pattern)
        for path in app_modules()
        for _, pattern in code_formats(path)
    }
    assert set(TEMPLATE_EXCEPTIONS) - in_templates == set()
    assert set(CODE_EXCEPTIONS) - in_code == set()


@pytest.mark.django_db
def test_a_topic_page_says_when_it_was_last_updated_as_gov_uk_writes_a_day(client):
    """“This page was last updated on 5 April 2014”: no leading zero, the month in full."""
    page = build_child_protection().page  # its narrative and figures date from 19 March 2014
    type(page).objects.filter(pk=page.pk).update(last_updated=datetime.date(2014, 4, 5))
    html = client.get(CHILD_PROTECTION_URL).content.decode()
    assert "This page was last updated on 5 April 2014 by:" in html, html[-2000:]
    assert not re.search(r"\b\d{1,2}/\d{1,2}/\d{4}\b|\b05 April|\b5th\b", html)
