"""What a browser would post from an admin change form: every input, textarea and select of the
form as the page rendered it (hidden fields, management forms and inlines included), so a test
posts back exactly what an officer's browser would, with only the officer's own edits."""

from __future__ import annotations

from html.parser import HTMLParser

FormData = dict[str, str | list[str]]


class _FormReader(HTMLParser):
    def __init__(self, form_id: str) -> None:
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.inside = False
        self.fields: list[tuple[str, str]] = []
        self._textarea: str | None = None
        self._text: list[str] = []
        self._select: tuple[str, bool] | None = None
        self._options: list[tuple[str, bool]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = {name: value if value is not None else "" for name, value in attrs}
        if tag == "form" and attr.get("id") == self.form_id:
            self.inside = True
        if not self.inside or "disabled" in attr:
            return
        name = attr.get("name")
        if tag == "input" and name:
            kind = attr.get("type", "text").lower()
            if kind in ("submit", "button", "image", "reset", "file"):
                return
            if kind in ("checkbox", "radio") and "checked" not in attr:
                return
            self.fields.append((name, attr.get("value", "on" if kind == "checkbox" else "")))
        elif tag == "textarea" and name:
            self._textarea, self._text = name, []
        elif tag == "select" and name:
            self._select, self._options = (name, "multiple" in attr), []
        elif tag == "option" and self._select is not None:
            self._options.append((attr.get("value", ""), "selected" in attr))

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self.inside:
            self.inside = False
        elif tag == "textarea" and self._textarea is not None:
            text = "".join(self._text)
            # Browsers drop the newline that follows <textarea>; so does Django's widget.
            self.fields.append((self._textarea, text.removeprefix("\r\n").removeprefix("\n")))
            self._textarea = None
        elif tag == "select" and self._select is not None:
            name, multiple = self._select
            chosen = [value for value, selected in self._options if selected]
            if not chosen and not multiple and self._options:
                chosen = [self._options[0][0]]  # a browser posts the first option
            self.fields.extend((name, value) for value in chosen)
            self._select = None


def form_data(
    response, changes: dict[str, str | None] | None = None, *, form_id: str = "topic_form"
) -> FormData:
    """The form's data as a browser would post it, with `changes` (field name -> new value;
    None leaves the field out, as an unticked box)."""
    assert response.status_code == 200, response.status_code
    reader = _FormReader(form_id)
    reader.feed(response.content.decode())
    assert reader.fields, f"No form with id {form_id!r} on the page."
    data: FormData = {}
    for name, value in reader.fields:
        if name in data:
            previous = data[name]
            data[name] = [*previous, value] if isinstance(previous, list) else [previous, value]
        else:
            data[name] = value
    for name, value in (changes or {}).items():
        if value is None:
            data.pop(name, None)
        else:
            assert name in data or name.endswith("DELETE"), f"No field {name!r} in the form."
            data[name] = value
    return data


def section_prefix(data: FormData, anchor: str) -> str:
    """The inline prefix (e.g. "sections-1") of the section with this anchor."""
    for name, value in data.items():
        if name.startswith("sections-") and name.endswith("-anchor") and value == anchor:
            return name.removesuffix("-anchor")
    raise AssertionError(f"No section {anchor!r} in the form.")
