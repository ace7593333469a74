"""The forms of the import screens: the upload, and the officer's choices on the preview."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, fields
from typing import Any, TypeVar

from django import forms
from django.conf import settings
from django.core.validators import RegexValidator
from django.forms.utils import ErrorDict
from django.template.defaultfilters import filesizeformat

from indicators.importing.breakdowns import COLUMN_ROLES
from indicators.importing.formats import FORMATS_LISTED
from indicators.models import Indicator, Period, PeriodReading

#: The largest file the admin takes, unless ``settings.IMPORT_MAX_BYTES`` says otherwise;
#: larger ones go through `manage.py import_values`, which has no limit. The task worker reads
#: the upload, never the request, so a national file fits: 1,000,000 rows of our template are
#: about 70 MB (`python -m benchmarks.upload`); the upload is kept on disk until confirmed.
MAX_UPLOAD_BYTES = 200 * 1024 * 1024
#: Source indicators offered for mapping on one preview.
MAX_MAPPINGS = 500

ACCEPT = ".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
LEAVE_OUT = "-"


def import_max_bytes() -> int:
    return getattr(settings, "IMPORT_MAX_BYTES", MAX_UPLOAD_BYTES)


def _format_choices() -> list[tuple[str, str]]:
    """The formats in the order officers are shown them (`FORMATS_LISTED`)."""
    return [("auto", "Recognise it from the header row")] + [
        (f.name, f.label[0].upper() + f.label[1:]) for f in FORMATS_LISTED
    ]


class UploadForm(forms.Form):
    file = forms.FileField(
        label="File",
        help_text="CSV or Excel (.xlsx), up to {limit}: our template, an OHID Fingertips data "
        "export, a DfE Explore Education Statistics data file or an older DfE release's "
        "underlying data.",
        widget=forms.FileInput(attrs={"accept": ACCEPT}),
    )
    file_format = forms.ChoiceField(
        label="Format",
        choices=_format_choices,
        initial="auto",
        help_text="Leave it to recognise the format from the header row, unless it gets it wrong.",
    )
    add_areas = forms.BooleanField(
        label="Add areas that are not on the site",
        required=False,
        help_text="Create them from the file's own codes, names and geographic levels. "
        "Otherwise their rows are skipped, and counted in the preview.",
    )
    period = forms.CharField(
        label="Period, for a file that gives none",
        required=False,
        max_length=40,
        help_text="Only for an older DfE release's underlying data, which has no period "
        "column: e.g. 2013-03-31 for figures at 31 March 2013, or 2012/13 for a financial "
        "year. Leave it empty for other files.",
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        file = self.fields["file"]
        file.help_text = file.help_text.format(limit=filesizeformat(import_max_bytes()))

    def clean_period(self) -> str:
        return _checked_period(self.cleaned_data["period"])

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = import_max_bytes()
        if upload.size > limit:
            raise forms.ValidationError(
                f"“{upload.name}” is {filesizeformat(upload.size)}, over the limit of "
                f"{filesizeformat(limit)} for the admin. Split it into smaller "
                f"files, or ask an administrator to import it with “python manage.py "
                f"import_values”, which has no limit.",
                code="too_big",
            )
        return upload


def _checked_period(text: str) -> str:
    """A period as the officer typed it, if the site can read it (a year on its own is read
    later, as the source's mapping says)."""
    text = text.strip()
    if text:
        try:
            Period.from_code(text)
        except ValueError as error:
            raise forms.ValidationError(str(error), code="period") from None
    return text


@dataclass(frozen=True)
class ReadingRow:
    """One of the file's measures whose periods are single years (DfE's “Reporting year”),
    how they were read (“2013 (Reporting year) read as 2012/13”), and how the officer chose to
    read them: a `PeriodReading` value, "" to decide from our indicator's figures."""

    key: str
    shown: str = ""
    why: str = ""
    choice: str = ""


@dataclass(frozen=True)
class MappingRow:
    """A source's own indicator in the file (a Fingertips Indicator ID, an EES measure
    column), and which of ours the officer chose for it: "" none yet, "-" leave it out, or an
    indicator's pk."""

    key: str
    name: str = ""
    rows: int = 0
    choice: str = ""


@dataclass(frozen=True)
class ColumnRow:
    """A column of the file the importer asked about, and what the officer said it is (one
    of COLUMN_ROLES), or how it was read until they say."""

    key: str
    values: str = ""  # its first few values, as the question showed them
    choice: str = ""


#: A row of the preview's choices: a key, what to show of it again, and the officer's choice.
_Row = TypeVar("_Row", "MappingRow", "ColumnRow", "ReadingRow")

_ALIAS = re.compile(r"^\s*([A-Za-z0-9]{1,12})\s*=\s*([A-Za-z0-9]{1,12})\s*$")


def _aliases(text: str) -> dict[str, str]:
    """“E06000048=E06000057”, one a line (or separated by commas) → {old: new}."""
    found: dict[str, str] = {}
    for part in re.split(r"[\n,;]+", text):
        if not part.strip():
            continue
        match = _ALIAS.match(part)
        if match is None:
            raise forms.ValidationError(
                f"“{part.strip()}” is not an alias: write each as OLD=NEW, such as "
                f"E06000048=E06000057, one a line."
            )
        found[match[1].upper()] = match[2].upper()
    return found


class ImportChoicesForm(forms.Form):
    """What the officer chose on the preview: carried to “check again” and to “import”.

    The upload is named only by its SHA-256. Each source indicator to map comes as hidden
    fields ``map-<n>-key``, ``-name`` and ``-rows`` (the last two only to show it again) and a
    select ``map-<n>`` of our indicators."""

    upload = forms.CharField(
        widget=forms.HiddenInput,
        validators=[RegexValidator(r"^[0-9a-f]{64}$", "This is not an uploaded file's hash.")],
    )
    file_format = forms.ChoiceField(choices=_format_choices, widget=forms.HiddenInput)
    add_areas = forms.BooleanField(
        label="Add the areas that are not on the site",
        required=False,
        help_text="From the file's own codes, names and geographic levels, instead of "
        "skipping their rows.",
    )
    apply_valid_rows = forms.BooleanField(
        label="Apply only the valid rows",
        required=False,
        help_text="The rejected rows listed above are left out and every other figure is "
        "imported. Without this, a file with rejected rows changes nothing.",
    )
    aliases = forms.CharField(
        label="Old area codes to read as current ones",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 40}),
        help_text="One a line, as OLD=NEW, e.g. E06000048=E06000057 for Northumberland, "
        "re-coded in 2013. The new area must be on the site and of a kind the old code could "
        "have become.",
    )
    confirmed_aliases = forms.MultipleChoiceField(
        label="Confirmed aliases", required=False, widget=forms.CheckboxSelectMultiple
    )
    period = forms.CharField(
        label="Period of every figure",
        required=False,
        max_length=40,
        help_text="The file gives no period: e.g. 2013-03-31 for figures at 31 March 2013, "
        "2012/13 for a financial year, AY2012/13 for an academic year.",
    )

    def __init__(
        self,
        *args,
        mapping_rows: Iterable[MappingRow] = (),
        column_rows: Iterable[ColumnRow] = (),
        alias_questions: Iterable[tuple[str, str]] = (),
        reading_rows: Iterable[ReadingRow] = (),
        **kwargs,
    ) -> None:
        super().__init__(*args, **kwargs)
        #: (column asked about, the select of what it is, its hidden fields), for the template.
        self.column_fields = self._add_rows(
            "column",
            ColumnRow,
            column_rows,
            lambda row: forms.ChoiceField(
                label=f"What the column “{row.key}” is", choices=list(COLUMN_ROLES.items())
            ),
        )
        self._add_reading_fields(reading_rows)
        # The aliases to confirm: those asked about, and any posted (checked on a page that
        # asked), so that a confirmation goes on to the import.
        asked = list(alias_questions)
        if self.is_bound:
            getlist = getattr(self.data, "getlist", None)
            posted = getlist("confirmed_aliases") if getlist else []
            asked += [(key, key) for key in posted if _ALIAS.match(key)]
        self.fields["confirmed_aliases"].choices = list(dict(asked).items())
        self.indicator_choices = [("", "Not mapped: skip these rows"), (LEAVE_OUT, "Leave out")]
        self.indicator_choices += [
            (str(pk), f"{name} ({slug})")
            for pk, name, slug in Indicator.objects.order_by("name").values_list(
                "pk", "name", "slug"
            )
        ]
        #: (source indicator, the select of ours, its hidden fields), for the template.
        self.mapping_fields = self._add_rows(
            "map",
            MappingRow,
            mapping_rows,
            lambda row: forms.ChoiceField(
                label=f"Our indicator for {row.key}",
                choices=self.indicator_choices,
                required=False,
            ),
        )

    def _add_rows(
        self,
        prefix: str,
        row_type: type[_Row],
        given: Iterable[_Row],
        select: Callable[[_Row], forms.ChoiceField],
    ) -> list[tuple[_Row, forms.BoundField, list[forms.BoundField]]]:
        """For each row (those posted, if the form is bound), the select ``<prefix>-<n>`` of
        the officer's choice, and a hidden field ``<prefix>-<n>-<field>`` for each of the
        row's other fields, to show it again: (row, its select, its hidden fields)."""
        rows = _posted_rows(self.data, prefix, row_type) if self.is_bound else list(given)
        found = []
        for index, row in enumerate(rows[:MAX_MAPPINGS]):
            name = f"{prefix}-{index}"
            hidden: dict[str, forms.Field] = {}
            for item in fields(row_type):
                if item.name == "choice":
                    continue
                value = getattr(row, item.name)
                field: forms.Field = (
                    forms.IntegerField(min_value=0, required=False)
                    if isinstance(value, int)
                    else forms.CharField(max_length=1000, required=item.name == "key")
                )
                field.initial, field.widget = value, forms.HiddenInput()
                hidden[_field_name(prefix, index, item.name)] = field
            self.fields.update(hidden)
            self.fields[name] = select(row)
            self.fields[name].initial = row.choice
            found.append((row, self[name], [self[hidden_name] for hidden_name in hidden]))
        return found

    def _chosen(self, prefix: str, row_type: type[_Row], count: int) -> list[_Row]:
        """The rows `_add_rows` added, as cleaned, with the officer's choices."""
        chosen = []
        for index in range(count):
            values: dict[str, Any] = {}
            for item in fields(row_type):
                value = self.cleaned_data.get(_field_name(prefix, index, item.name))
                values[item.name] = value or (0 if item.type == "int" else "")
            values["key"] = values["key"].strip()
            chosen.append(row_type(**values))
        return chosen

    def _add_reading_fields(self, reading_rows: Iterable[ReadingRow]) -> None:
        """A select of `PeriodReading` for each measure whose years are single years
        (``years-<n>``), with its key and how its years were read in hidden fields."""
        rows = self._readings_in(self.data) if self.is_bound else list(reading_rows)
        #: (measure, its select, its hidden fields), for the template.
        self.reading_fields: list[tuple[ReadingRow, forms.BoundField, list[forms.BoundField]]]
        self.reading_fields = []
        for index, row in enumerate(rows[:MAX_MAPPINGS]):
            prefix = f"years-{index}"
            hidden = {
                f"{prefix}-key": forms.CharField(max_length=200, initial=row.key),
                f"{prefix}-shown": forms.CharField(
                    max_length=1000, required=False, initial=row.shown
                ),
                f"{prefix}-why": forms.CharField(max_length=1000, required=False, initial=row.why),
            }
            for name, field in hidden.items():
                field.widget = forms.HiddenInput()
                self.fields[name] = field
            self.fields[prefix] = forms.ChoiceField(
                label=f"How the years of {row.key} are meant",
                choices=PeriodReading.choices,
                required=False,
                initial=row.choice,
            )
            self.reading_fields.append((row, self[prefix], [self[name] for name in hidden]))

    @staticmethod
    def _readings_in(data: Mapping[str, str]) -> list[ReadingRow]:
        rows = []
        for index in range(MAX_MAPPINGS):
            key = data.get(f"years-{index}-key")
            if key is None:
                break
            rows.append(
                ReadingRow(
                    key=key,
                    shown=data.get(f"years-{index}-shown", ""),
                    why=data.get(f"years-{index}-why", ""),
                    choice=data.get(f"years-{index}", ""),
                )
            )
        return rows

    def chosen_readings(self) -> list[ReadingRow]:
        """The measures whose years are read, with the officer's choices."""
        return [
            ReadingRow(
                key=self.cleaned_data[f"years-{index}-key"].strip(),
                shown=self.cleaned_data.get(f"years-{index}-shown") or "",
                why=self.cleaned_data.get(f"years-{index}-why") or "",
                choice=self.cleaned_data.get(f"years-{index}") or "",
            )
            for index in range(len(self.reading_fields))
        ]

    def period_readings(self) -> dict[str, str]:
        """Measure → how its single years are read, as chosen ("" to decide from our
        indicator's figures)."""
        return {row.key: row.choice for row in self.chosen_readings() if row.key}

    #: The fields the officer types on the preview: a mistake in one is shown beside it, on
    #: the same preview, instead of sending the officer back to start again.
    TYPED = ("period", "aliases")

    def typed_errors(self) -> dict[str, list[str]] | None:
        """The errors of the fields the officer types, if they are all the form's errors;
        None if any other field is wrong (those are only ever as the preview wrote them)."""
        if any(name not in self.TYPED for name in self.errors):
            return None
        return {name: list(errors) for name, errors in self.errors.items()}

    def show_errors(self, errors: Mapping[str, list[str]]) -> None:
        """Show these errors beside their fields, on a form built from initial values (the
        preview shown again after a mistake in a field the officer typed)."""
        self._errors = ErrorDict(
            {name: self.error_class(messages) for name, messages in errors.items()}
        )

    def clean_period(self) -> str:
        return _checked_period(self.cleaned_data["period"])

    def clean_aliases(self) -> dict[str, str]:
        return _aliases(self.cleaned_data.get("aliases") or "")

    def chosen_columns(self) -> list[ColumnRow]:
        """The columns asked about, with what the officer said each is."""
        return self._chosen("column", ColumnRow, len(self.column_fields))

    def column_roles(self) -> dict[str, str]:
        """Column → what the officer said it is (COLUMN_ROLES)."""
        return {row.key: row.choice for row in self.chosen_columns() if row.key and row.choice}

    def alias_choices(self) -> tuple[dict[str, str], dict[str, str]]:
        """(The aliases given, those confirmed), each {old: new}."""
        given = self.cleaned_data.get("aliases") or {}
        confirmed = {}
        for key in self.cleaned_data.get("confirmed_aliases") or []:
            old, _, new = key.partition("=")
            confirmed[old] = new
        return given, confirmed

    def chosen_rows(self) -> list[MappingRow]:
        """The source indicators as cleaned, with the officer's choices."""
        return self._chosen("map", MappingRow, len(self.mapping_fields))

    def mappings(self) -> dict[str, Indicator | None]:
        """Source key → our indicator, or None to leave it out; keys not chosen are absent."""
        chosen = {row.key: row.choice for row in self.chosen_rows() if row.key and row.choice}
        found = Indicator.objects.in_bulk(
            [int(choice) for choice in chosen.values() if choice != LEAVE_OUT]
        )
        return {
            key: None if choice == LEAVE_OUT else found[int(choice)]
            for key, choice in chosen.items()
        }


def _field_name(prefix: str, index: int, name: str) -> str:
    """The form field of a row's field: ``map-3`` (the choice), ``map-3-key``…"""
    return f"{prefix}-{index}" if name == "choice" else f"{prefix}-{index}-{name}"


def _posted_rows(data: Mapping[str, str], prefix: str, row_type: type[_Row]) -> list[_Row]:
    """The rows a preview's form posted (see `ImportChoicesForm._add_rows`)."""
    rows = []
    for index in range(MAX_MAPPINGS):
        key = data.get(f"{prefix}-{index}-key")
        if key is None:
            break
        values: dict[str, Any] = {"key": key}
        for item in fields(row_type):
            if item.name == "key":
                continue
            text = data.get(_field_name(prefix, index, item.name), "")
            values[item.name] = _int(text) if item.type == "int" else text
        rows.append(row_type(**values))
    return rows


def _int(text: str) -> int:
    try:
        return max(int(text), 0)
    except (TypeError, ValueError):
        return 0


class BlankTemplateForm(forms.Form):
    indicator = forms.ChoiceField(label="Indicator")
    file = forms.ChoiceField(
        label="As",
        choices=[("xlsx", "Excel workbook, with the columns explained"), ("csv", "CSV")],
        initial="xlsx",
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # A list, read once: a ModelChoiceField's select reads its queryset twice.
        self.fields["indicator"].choices = list(
            Indicator.objects.order_by("name").values_list("slug", "name")
        )

    def clean_indicator(self) -> Indicator:
        return Indicator.objects.get(slug=self.cleaned_data["indicator"])
