"""The forms of the import screens: the upload, and the officer's choices on the preview."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django import forms
from django.conf import settings
from django.core.validators import RegexValidator
from django.template.defaultfilters import filesizeformat

from indicators.importing.formats import FORMAT_NAMES
from indicators.models import Indicator

#: The largest file the admin takes, unless ``settings.IMPORT_MAX_BYTES`` says otherwise;
#: larger ones go through `manage.py import_values`, which has no limit. National files can be
#: hundreds of megabytes, but the admin keeps each upload until it is confirmed and reads it
#: within a web request, so it takes the size of a county's or a region's file.
MAX_UPLOAD_BYTES = 50 * 1024 * 1024
#: Source indicators offered for mapping on one preview.
MAX_MAPPINGS = 500

ACCEPT = ".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
LEAVE_OUT = "-"


def import_max_bytes() -> int:
    return getattr(settings, "IMPORT_MAX_BYTES", MAX_UPLOAD_BYTES)


def _format_choices() -> list[tuple[str, str]]:
    order = ["template", "fingertips", "ees"]
    names = sorted(FORMAT_NAMES, key=lambda name: order.index(name) if name in order else 99)
    labels = [(name, FORMAT_NAMES[name].label) for name in names]
    return [("auto", "Recognise it from the header row")] + [
        (name, label[0].upper() + label[1:]) for name, label in labels
    ]


class UploadForm(forms.Form):
    file = forms.FileField(
        label="File",
        help_text="CSV or Excel (.xlsx), up to {limit}: our template, an OHID Fingertips data "
        "export or a DfE Explore Education Statistics data file.",
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

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        file = self.fields["file"]
        file.help_text = file.help_text.format(limit=filesizeformat(import_max_bytes()))

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


@dataclass(frozen=True)
class MappingRow:
    """A source's own indicator in the file (a Fingertips Indicator ID, an EES measure
    column), and which of ours the officer chose for it: "" none yet, "-" leave it out, or an
    indicator's pk."""

    key: str
    name: str = ""
    rows: int = 0
    choice: str = ""


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

    def __init__(self, *args, mapping_rows: Iterable[MappingRow] = (), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.indicator_choices = [("", "Not mapped: skip these rows"), (LEAVE_OUT, "Leave out")]
        self.indicator_choices += [
            (str(pk), f"{name} ({slug})")
            for pk, name, slug in Indicator.objects.order_by("name").values_list(
                "pk", "name", "slug"
            )
        ]
        rows = self._rows_in(self.data) if self.is_bound else list(mapping_rows)
        #: (source indicator, the select of ours, its hidden fields), for the template.
        self.mapping_fields: list[tuple[MappingRow, forms.BoundField, list[forms.BoundField]]] = []
        for index, row in enumerate(rows[:MAX_MAPPINGS]):
            prefix = f"map-{index}"
            hidden = {
                f"{prefix}-key": forms.CharField(max_length=200, initial=row.key),
                f"{prefix}-name": forms.CharField(max_length=300, required=False, initial=row.name),
                f"{prefix}-rows": forms.IntegerField(min_value=0, required=False, initial=row.rows),
            }
            for name, field in hidden.items():
                field.widget = forms.HiddenInput()
                self.fields[name] = field
            self.fields[prefix] = forms.ChoiceField(
                label=f"Our indicator for {row.key}",
                choices=self.indicator_choices,
                required=False,
                initial=row.choice,
            )
            self.mapping_fields.append((row, self[prefix], [self[name] for name in hidden]))

    @staticmethod
    def _rows_in(data: Mapping[str, str]) -> list[MappingRow]:
        rows = []
        for index in range(MAX_MAPPINGS):
            key = data.get(f"map-{index}-key")
            if key is None:
                break
            rows.append(
                MappingRow(
                    key=key,
                    name=data.get(f"map-{index}-name", ""),
                    rows=_int(data.get(f"map-{index}-rows", "")),
                    choice=data.get(f"map-{index}", ""),
                )
            )
        return rows

    def chosen_rows(self) -> list[MappingRow]:
        """The source indicators as cleaned, with the officer's choices."""
        return [
            MappingRow(
                key=self.cleaned_data[f"map-{index}-key"].strip(),
                name=self.cleaned_data.get(f"map-{index}-name") or "",
                rows=self.cleaned_data.get(f"map-{index}-rows") or 0,
                choice=self.cleaned_data.get(f"map-{index}") or "",
            )
            for index in range(len(self.mapping_fields))
        ]

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
