"""The forms of a topic and its sections, which refuse to save over a newer change."""

from django import forms
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from pages import workflow
from pages.models import Section, Topic


class VersionCheckedForm(forms.ModelForm):
    """Refuses to save over a change someone else saved after this form was loaded (the
    second of two officers editing the same thing), showing what they saved."""

    seen_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["seen_version"].initial = self.instance.edit_version
        # What the officer changed is measured against what their form showed (posted back in
        # hidden "initial-" inputs), not against what is stored now: a form loaded before
        # someone else's save still holds their old text, which the officer did not change and
        # which must neither count as a conflict nor be saved over the newer text.
        for name, field in self.fields.items():
            if name != "seen_version":
                field.show_hidden_initial = True

    def has_changed(self) -> bool:
        return any(name != "seen_version" for name in self.changed_data)

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
        if stored is not None and stored.edit_version != seen:
            raise ValidationError(self.conflict_message(stored))
        return cleaned

    def conflict_message(self, stored) -> str:
        last = stored.history.order_by("-history_date").select_related("history_user").first()
        who = last.history_user.get_username() if last and last.history_user else "someone"
        when = timezone.localtime(last.history_date).strftime("%H:%M on %d %b %Y") if last else ""
        return (
            f"{who} saved a change to this at {when}, after you opened it, so your change "
            f"was not saved (it is still in the form). What they saved: {self.describe(stored)} "
            "Copy anything of yours you want to keep, reload the page, and make your change again."
        )

    def describe(self, stored) -> str:
        return f"“{stored}”."


class TopicForm(VersionCheckedForm):
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
    class Meta:
        model = Section
        fields = "__all__"

    def describe(self, stored: Section) -> str:
        return f"heading “{stored.heading}”, narrative: “{stored.body}”"
