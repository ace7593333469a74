"""The forms of a topic and its sections. They refuse to save over a newer change (showing,
word by word, what the other person saved, and offering to replace it), and a section asks
before it saves a live figure that would show “figure not available”."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from django import forms
from django.contrib.admin.widgets import RelatedFieldWidgetWrapper
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.forms.models import BaseModelFormSet
from django.http import QueryDict
from django.utils.safestring import SafeString

from core.formatting import day_and_time
from pages import references, workflow
from pages.admin.changes import labelled_diff
from pages.models import Section, Topic

#: The form's own fields: what the officer's form was loaded with and what they confirm, not
#: content. They never count as a change and have no "initial-" twin.
BOOKKEEPING = ("seen_version", "replace_theirs", "confirm_missing")


class Confirmation(forms.CheckboxInput):
    """A box to tick to go ahead with something the form warned about. It stands for one
    warning (its `token`, posted as its value): ticked for an earlier warning that has since
    changed, it does not count. Nothing is shown until the form sets a token."""

    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.token = ""

    @property
    def is_hidden(self) -> bool:
        return not self.token

    def render(self, name, value, attrs=None, renderer=None):
        return super().render(name, value, attrs, renderer) if self.token else ""

    def get_context(self, name, value, attrs):
        context = forms.widgets.Input.get_context(self, name, self.token, attrs)
        if value and value == self.token:
            context["widget"]["attrs"]["checked"] = True
        return context

    def value_from_datadict(self, data, files, name):
        return data.get(name, "")


def confirmation(label: str = "") -> forms.CharField:
    return forms.CharField(required=False, label=label or "Confirm", widget=Confirmation)


@dataclass
class Conflict:
    """Someone else's save of the same thing since this form was loaded: who, when, and what
    they changed (each field against what this form showed, word by word)."""

    who: str
    when: str
    part: str
    changes: list[tuple[str, SafeString]] = field(default_factory=list)


class VersionCheckedForm(forms.ModelForm):
    """Refuses to save over a change someone else saved after this form was loaded (the
    second of two officers editing the same thing), showing what they saved; the refused
    officer may then tick to replace it with theirs. The refusal is a form error with the code
    "conflict", so that the topic's admin can save everything else
    (`TopicAdmin.save_around_conflicts`)."""

    seen_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    replace_theirs = confirmation()
    #: The fields whose change is shown to the refused officer, with the words for them.
    described: dict[str, str] = {}
    part_name = "this"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.conflict: Conflict | None = None
        if self.instance.pk:
            self.fields["seen_version"].initial = self.instance.edit_version
        # What the officer changed is measured against what their form showed (posted back in
        # hidden "initial-" inputs), not against what is stored now: a form loaded before
        # someone else's save still holds their old text, which the officer did not change and
        # which must neither count as a conflict nor be saved over the newer text.
        for name, form_field in self.fields.items():
            if name not in BOOKKEEPING:
                form_field.show_hidden_initial = True

    def has_changed(self) -> bool:
        return any(name not in BOOKKEEPING for name in self.changed_data)

    def clean(self):
        cleaned = super().clean()
        seen = cleaned.get("seen_version")
        if not self.instance.pk or seen is None or not self.has_changed():
            return cleaned
        model = type(self.instance)
        stored = model.objects.filter(pk=self.instance.pk)
        if transaction.get_connection(stored.db).in_atomic_block:
            stored = stored.select_for_update()  # a save at the same moment waits for this one
        stored = stored.first()
        if stored is None or stored.edit_version == seen:
            return cleaned
        token = str(stored.edit_version)
        if cleaned.get("replace_theirs") == token:
            return cleaned  # seen their change, and chose to replace it
        self.conflict = self.describe_conflict(stored)
        self.ask("replace_theirs", token, f"Replace what {self.conflict.who} saved with my version")
        raise ValidationError(self.conflict_message(stored), code="conflict")

    def ask(self, name: str, token: str, label: str) -> None:
        """Show the box `name`, standing for the warning `token`, with these words."""
        self.fields[name].widget.token = token
        self.fields[name].label = self[name].label = label

    def describe_conflict(self, stored) -> Conflict:
        last = stored.history.order_by("-history_date").select_related("history_user").first()
        who = last.history_user.get_username() if last and last.history_user else "someone"
        when = day_and_time(last.history_date) if last else ""
        changes = []
        for name, label in self.described.items():
            if name not in self.fields:
                continue
            before, after = self.shown(name), display(stored, name)
            if before != after:
                changes.append((label, labelled_diff(before, after)))
        return Conflict(who=who, when=when, part=self.part_name, changes=changes)

    def shown(self, name: str) -> str:
        """The field as this officer's form showed it when it was loaded."""
        bound = self[name]
        posted = bound.field.hidden_widget().value_from_datadict(
            self.data, self.files, bound.html_initial_name
        )
        try:
            value = bound.field.to_python(posted)
        except ValidationError:
            return str(posted or "")
        return "" if value is None else str(value)

    def conflict_message(self, stored) -> str:
        conflict = self.conflict
        return (
            f"{conflict.who} saved a change to this on {conflict.when}, after you opened it, so "
            f"your change was not saved (it is still in the form). What they saved: "
            f"{self.describe(stored)}"
        )

    def describe(self, stored) -> str:
        return "see below, word by word."


def display(obj, name: str) -> str:
    value = getattr(obj, name)
    return "" if value is None else str(value)


class TopicForm(VersionCheckedForm):
    described = {"title": "Title", "slug": "Address", "summary": "Summary", "keywords": "Keywords"}
    part_name = "the page's own fields"

    class Meta:
        model = Topic
        fields = "__all__"

    def describe(self, stored: Topic) -> str:
        return f"title “{stored.title}”, summary “{stored.summary}”, keywords “{stored.keywords}”."

    def _post_clean(self) -> None:
        super()._post_clean()
        if not self.instance.draft_of_id:
            return
        # A draft of a published page will be copied onto it: hold it to the page's rules now
        # (its address, its place in the tree), not only when a publisher publishes it.
        try:
            workflow.validate_as_published(self.instance)
        except ValidationError as error:
            self._update_errors(error)


class SectionForm(VersionCheckedForm):
    """A section. Besides the version check: a live figure that names things the site has
    but has no figure for this page (it would show “figure not available”) is saved only
    when the officer ticks the box that names exactly those references."""

    confirm_missing = confirmation()
    described = {"heading": "Heading", "body": "Narrative", "indicator": "Indicator"}

    class Meta:
        model = Section
        fields = "__all__"

    @property
    def part_name(self) -> str:
        return f"“{self.instance.heading}”" if self.instance.pk else "a new section"

    def clean(self):
        cleaned = super().clean()
        if "body" not in self.changed_data and self.instance.pk:
            return cleaned  # asked when it was written; not again for a change elsewhere
        topic = getattr(self.instance, "topic", None)
        area = topic.area if topic is not None else None
        body = cleaned.get("body") or ""
        try:
            resolver = references.Resolver.for_references(references.find(body), area)
        except references.ReferenceError:
            return cleaned  # a reference that cannot be read: the model's clean says so
        missing = references.not_available(body, area, resolver=resolver)
        if not missing:
            return cleaned
        codes = ", ".join(reference.code for reference in missing)
        token = hashlib.sha256(codes.encode()).hexdigest()[:16]
        if cleaned.get("confirm_missing") == token:
            return cleaned
        self.ask(
            "confirm_missing",
            token,
            f"Save it anyway: {codes} will show “figure not available” until there is a figure",
        )
        reasons = [
            ValidationError(
                f"{reference.code} would show “figure not available” on the page: "
                f"{resolver.missing_reason(reference)}.",
                code="not_available",
            )
            for reference in missing
        ]
        reasons.append(
            ValidationError(
                "Change the reference, or tick “Save it anyway” below the narrative and save "
                "again.",
                code="not_available",
            )
        )
        self.add_error("body", reasons)
        return cleaned


# --- Saving around a conflict (see TopicAdmin.save_around_conflicts) ---------------------------


def is_refused(form: forms.Form) -> bool:
    """Whether the form was refused because someone else saved its part since it was loaded."""
    return form.has_error(NON_FIELD_ERRORS, "conflict")


def saved_since(data: QueryDict, topic: Topic) -> bool:
    """Whether the page or one of its sections was saved since the form that posted `data` was
    loaded (one query): only then can a part of it be refused."""
    if data.get("seen_version", "") not in ("", str(topic.edit_version)):
        return True
    versions = {str(pk): str(v) for pk, v in topic.sections.values_list("pk", "edit_version")}
    for name, value in data.items():
        if name.startswith("sections-") and name.endswith("-id") and value in versions:
            seen = data.get(f"{name.removesuffix('-id')}-seen_version", "")
            if seen and seen != versions[value]:
                return True
    return False


def save_all_but(formset: BaseModelFormSet, refused: list[forms.Form]) -> list[str]:
    """Save a formset's changes (as `formset.save()` does) except those of the refused forms;
    returns what was saved, in words."""
    saved = []
    name = formset.model._meta.verbose_name
    for form in formset.initial_forms:
        if form in refused or form.instance.pk is None:
            continue
        if formset.can_delete and form.cleaned_data.get("DELETE"):
            saved.append(f"the {name} “{_named(form.instance)}” deleted")
            form.instance.delete()
        elif form.has_changed():
            saved.append(f"the {name} “{_named(form.save())}”")
    for form in formset.extra_forms:
        if form in refused or not form.has_changed() or form.cleaned_data.get("DELETE"):
            continue
        saved.append(f"the new {name} “{_named(form.save())}”")
    return saved


def _named(part) -> str:
    return getattr(part, "heading", None) or getattr(part, "title", None) or str(part)


def posted_as_loaded(
    data: QueryDict, form: forms.Form, formsets: list, refused: list[forms.Form]
) -> QueryDict:
    """What a browser would post from the form as it is now (`form` and `formsets` unbound,
    from the saved page), with the refused parts as they were posted in `data`: the form to
    show again after the other parts were saved."""
    again = QueryDict(mutable=True)
    for name in data:  # the token and the button pressed
        if name.startswith("_") or name == "csrfmiddlewaretoken":
            again.setlist(name, data.getlist(name))
    refused_by_pk = {type(f.instance): {} for f in refused}
    for part in refused:
        refused_by_pk[type(part.instance)][part.instance.pk] = part
    _put_form(again, form)
    if any(part.prefix is None for part in refused):  # the page's own fields
        _copy_posted(data, again, form, form)
    for formset in formsets:
        _put_form(again, formset.management_form)
        for part in formset.forms:
            _put_form(again, part)
            posted = refused_by_pk.get(type(part.instance), {}).get(part.instance.pk)
            if posted is not None:
                _copy_posted(data, again, posted, part)
    return again


def _copy_posted(data: QueryDict, again: QueryDict, posted: forms.Form, part: forms.Form):
    """Put the refused form's posted values (`posted`, as named in `data`) in place of `part`'s."""
    for bound in part:
        for name in (bound.html_name, bound.html_initial_name):
            again.pop(name, None)
    for bound in posted:
        for name, new_name in (
            (bound.html_name, part.add_prefix(bound.name)),
            (bound.html_initial_name, part.add_initial_prefix(bound.name)),
        ):
            if name in data:
                again.setlist(new_name, data.getlist(name))


def _put_form(again: QueryDict, form: forms.Form) -> None:
    """An unbound form's values, as its widgets would post them."""
    for bound in form:
        value = bound.value()
        _put(again, bound.html_name, bound.field.widget, value)
        if bound.field.show_hidden_initial:
            _put(again, bound.html_initial_name, bound.field.hidden_widget(), value)


def _put(again: QueryDict, name: str, widget: forms.Widget, value) -> None:
    if isinstance(widget, RelatedFieldWidgetWrapper):
        widget = widget.widget
    if isinstance(widget, (forms.FileInput, Confirmation)):
        return  # a file stays as saved unless one is posted; nothing is confirmed yet
    if isinstance(widget, forms.CheckboxInput):
        if value:
            again[name] = "on"
        return
    shown = widget.format_value(value)
    if isinstance(shown, (list, tuple)):
        again.setlist(name, [str(v) for v in shown])
    elif shown is not None:
        again[name] = str(shown)


def summarise_errors(form: forms.Form, formsets: list) -> list[tuple[str, str]]:
    """What stopped the save, one line for each part of the page, each with the address of
    that part of the form: the GOV.UK Design System's error summary."""
    lines = []
    if form.conflict is not None:
        lines.append((_conflict_line(form.conflict), "#page-conflict"))
    for name, errors in form.errors.items():
        if name != NON_FIELD_ERRORS:
            label = form.fields[name].label if name in form.fields else name
            lines.append((f"{label}: {errors[0]}", f"#id_{name}"))
        elif form.conflict is None:
            lines.append((errors[0], "#page-errors"))
    for formset in formsets:
        for index, part in enumerate(formset.forms):
            if not part.errors or (formset.can_delete and part.cleaned_data.get("DELETE")):
                continue
            where = f"#{formset.prefix}-{index}"
            if getattr(part, "conflict", None) is not None:
                lines.append((_conflict_line(part.conflict), where))
                continue
            heading = part.cleaned_data.get("heading") or part.cleaned_data.get("title") or ""
            what = f"“{heading}”" if heading else f"{formset.model._meta.verbose_name} {index + 1}"
            first = next(iter(part.errors.values()))[0]
            lines.append((f"{what.capitalize() if not heading else what}: {first}", where))
        for error in formset.non_form_errors():
            lines.append((error, f"#{formset.prefix}-group"))
    return lines


def _conflict_line(conflict: Conflict) -> str:
    return (
        f"{conflict.who} saved a change to {conflict.part} on {conflict.when}, after you opened "
        f"this page: your change to it was not saved, and is still in the form."
    )
