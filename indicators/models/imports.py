"""Imports: each import of a file, the figures it created or changed (so that it can be
undone), and which of our indicators a source's own indicators are."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Coalesce

from core.formatting import day_and_time
from indicators.models.areas import Area
from indicators.models.breakdowns import Breakdown
from indicators.models.indicators import Indicator
from indicators.models.periods import Period, PeriodReading
from indicators.models.values import Value


class ImportBatch(models.Model):
    """One import of a file: who, when, what, and what it did."""

    class Status(models.TextChoices):
        APPLIED = "applied", "Applied"
        REJECTED = "rejected", "Rejected (nothing changed)"
        UNDONE = "undone", "Undone"
        #: Applied, but every figure in the file was already on the site: nothing to undo.
        UNCHANGED = "unchanged", "Unchanged (nothing to undo)"
        #: Still reading and writing: its figures are staged, seen by nobody, until it ends
        #: (and removed if it fails: `indicators.importing.batches.discard_unfinished`).
        RUNNING = "running", "Running"

    file_name = models.CharField(max_length=255)
    file_hash = models.CharField("SHA-256 of the file", max_length=64, blank=True, db_index=True)
    file_format = models.CharField(max_length=40, blank=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="import_batches",
    )
    imported_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.APPLIED)
    rows_added = models.PositiveIntegerField(default=0)
    rows_changed = models.PositiveIntegerField(default=0)
    rows_unchanged = models.PositiveIntegerField(default=0)
    rows_rejected = models.PositiveIntegerField(default=0)
    rows_skipped = models.PositiveIntegerField(
        default=0,
        help_text="Rows that hold nothing to import: blank and note rows, and rows for areas "
        "or indicators this site does not hold.",
    )
    notes = models.TextField(blank=True)
    heartbeat_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When a running import last wrote a batch of figures: one that has not for "
        "a long while has stopped (its process ended) and is cleaned up.",
    )
    applied_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the import finished writing. A value it set that was saved after this "
        "has been changed since, which stops the import from being undone.",
    )
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="undone_import_batches",
    )
    areas_added = models.ManyToManyField(
        "Area",
        blank=True,
        related_name="added_by_imports",
        help_text="Areas this import created from the file's own codes and names.",
    )
    periods_added = models.ManyToManyField(
        "Period",
        blank=True,
        related_name="added_by_imports",
        help_text="Periods this import created.",
    )
    breakdowns_added = models.ManyToManyField(
        "Breakdown",
        blank=True,
        related_name="added_by_imports",
        help_text="Breakdowns this import created.",
    )

    class Release(models.TextChoices):
        STAGED = "staged", "Staged: not yet released"
        SCHEDULED = "scheduled", "Scheduled for release"
        PUBLISHED = "published", "Released"
        DISCARDED = "discarded", "Discarded before release"

    release = models.CharField(
        "release",
        max_length=10,
        choices=Release.choices,
        default=Release.PUBLISHED,
        help_text="An import's figures are staged until a publisher releases them.",
    )
    publish_at = models.DateTimeField(
        "release at",
        null=True,
        blank=True,
        help_text="When a scheduled release goes out (by `publish_scheduled`).",
    )
    published_at = models.DateTimeField("released at", null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="released_import_batches",
    )
    release_note = models.TextField(
        blank=True,
        help_text="Shown to the public under “Changes to these figures”, e.g. “Figures for "
        "2013/14 added; 2012/13 revised after late returns.”",
    )
    correction_notice = models.TextField(
        blank=True,
        help_text="If the release corrects an error, say what was wrong: shown as a correction.",
    )
    corrects = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="corrections",
        help_text="The released import this one reverses (an undo after release).",
    )
    release_summary = models.JSONField(
        default=dict,
        blank=True,
        help_text="What the release did, per indicator: figures added and revised, new periods.",
    )
    confirmed_flags = models.JSONField(
        default=list,
        blank=True,
        help_text="The changes of meaning the publisher confirmed before the release.",
    )
    pre_release_access = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="pre_release_imports",
        help_text="People who may see the staged figures before the release; each look is "
        "recorded in the audit log.",
    )

    class Meta:
        ordering = ["-imported_at"]
        verbose_name_plural = "import batches"

    @property
    def is_pending(self) -> bool:
        """Applied, and waiting for release."""
        return self.status == self.Status.APPLIED and self.release in (
            self.Release.STAGED,
            self.Release.SCHEDULED,
        )

    def __str__(self) -> str:
        when = day_and_time(self.imported_at) if self.imported_at else "not saved"
        return f"{self.file_name} ({when})"


class SourceMapping(models.Model):
    """Which of our indicators a source's own indicator is: a Fingertips indicator ID or a DfE
    Explore Education Statistics measure column, mapped by an officer once and reused for every
    later file from that source. No indicator means “leave these figures out”."""

    class Source(models.TextChoices):
        FINGERTIPS = "fingertips", "OHID Fingertips"
        EES = "ees", "DfE Explore Education Statistics"
        SFR = "sfr", "DfE statistical release underlying data (before EES)"

    source = models.CharField(max_length=12, choices=Source.choices)
    key = models.CharField(
        max_length=200,
        help_text="The source's own identifier: a Fingertips indicator ID such as 90812, or an "
        "EES measure column such as CPP_subsequent_percent.",
    )
    name = models.CharField(
        max_length=300, blank=True, help_text="The source's name for it, as the file gave it."
    )
    indicator = models.ForeignKey(
        Indicator,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="source_mappings",
        help_text="Leave empty to leave this source indicator out of imports.",
    )
    period_reading = models.CharField(
        "read years as",
        max_length=24,
        choices=PeriodReading.choices,
        blank=True,
        default=PeriodReading.AUTOMATIC,
        help_text="How this source's single years (such as DfE's Reporting year 2013) are meant.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["source", "key"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "key"],
                name="source_mapping_unique_key",
                violation_error_message="This source indicator is already mapped.",
            ),
        ]

    def __str__(self) -> str:
        target = self.indicator.name if self.indicator_id else "left out"
        return f"{self.get_source_display()} {self.key} → {target}"


class ImportChange(models.Model):
    """One figure an import created or changed, with what it was before, so that the import
    can be undone. The natural key is kept as well as the value: it says which figure it was
    even after the value itself has been deleted."""

    class Action(models.TextChoices):
        CREATED = "created", "Created"
        UPDATED = "updated", "Updated"

    # Every reference here is kept by Django, without the database's own check of it: the
    # importer writes a record for every figure, from the keys of the values it has just
    # written, and the check (a look-up in another table for every record, and on PostgreSQL
    # one more pass over each batch's records at its commit) cost as much as writing them.
    # Deleting an import, indicator, area, period or breakdown deletes its records here
    # through Django, and deleting a value clears `value` here through Django; the code that
    # deletes values with raw SQL (`writing.delete_written`, the release of staged figures)
    # moves or deletes their records first.
    #
    # Indexed for what reads the records: an import's records (the unique index below leads
    # with `batch`), a figure's (`value`), and whether an area, period or breakdown is still
    # used by another import (`area`, `period`, and `breakdown` where there is one: most
    # figures have none). An indicator's records are read only with the import's, through the
    # unique index, so `indicator` has no index of its own.
    batch = models.ForeignKey(
        ImportBatch,
        on_delete=models.CASCADE,
        related_name="changes",
        db_constraint=False,
        db_index=False,
    )
    value = models.ForeignKey(
        Value,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="import_changes",
        db_constraint=False,
    )
    indicator = models.ForeignKey(
        Indicator, on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False
    )
    area = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="+", db_constraint=False)
    period = models.ForeignKey(
        Period, on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    breakdown = models.ForeignKey(
        Breakdown,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    action = models.CharField(max_length=8, choices=Action.choices)
    row_number = models.PositiveIntegerField(help_text="The row of the file that set it.")
    previous = models.JSONField(
        null=True,
        blank=True,
        help_text="The figure before the import (value, status, count, denominator, limits, "
        "note, illustrative flag, import and time); empty when the import created it.",
    )

    class Meta:
        ordering = ["batch", "row_number"]
        indexes = [
            models.Index(
                fields=["breakdown"],
                name="import_change_breakdown",
                condition=Q(breakdown__isnull=False),
            )
        ]
        constraints = [
            # One figure once an import: a figure without a breakdown counts as breakdown 0
            # (no breakdown has that id), so one index serves both kinds and the look-ups of
            # an import's records, which a pair of partial indexes could not.
            models.UniqueConstraint(
                F("batch"),
                F("indicator"),
                F("area"),
                F("period"),
                Coalesce(F("breakdown"), models.Value(0)),
                name="import_change_unique",
            ),
            models.CheckConstraint(
                condition=Q(action="created", previous__isnull=True)
                | Q(action="updated", previous__isnull=False),
                name="import_change_previous_only_when_updated",
                violation_error_message="An updated figure keeps its previous state; a created "
                "one has none.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} in {self.batch}: row {self.row_number}"


def time_left_text(seconds: int | None) -> str:
    """“about 40 seconds left”, “about 3 minutes left”, or “not known yet”."""
    if seconds is None:
        return "not known yet"
    if seconds <= 90:
        return f"about {seconds} second{'' if seconds == 1 else 's'} left"
    return f"about {round(seconds / 60)} minutes left"


class ImportRun(models.Model):
    """An import run by the task worker for an officer: the preview of an uploaded file, or
    its import once confirmed. The request that starts it returns at once; the worker reads
    the file, saying how far it has got (`rows_read`, and the figures checked and written so
    far), and keeps the report for the page that shows it, which the officer may leave and
    come back to (`indicators.tasks`)."""

    class State(models.TextChoices):
        QUEUED = "queued", "Waiting to start"
        RUNNING = "running", "Running"
        DONE = "done", "Finished"
        FAILED = "failed", "Failed (nothing changed)"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="import_runs"
    )
    upload = models.CharField("SHA-256 of the upload", max_length=64)
    file_name = models.CharField(max_length=255)
    file_size = models.PositiveBigIntegerField(default=0)
    dry_run = models.BooleanField(default=True, help_text="A preview: nothing is kept.")
    choices = models.JSONField(default=dict, help_text="The officer's choices, as posted.")
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    heartbeat_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the running import last said how far it had got: one that has not "
        "for a long while has stopped (its worker ended) and is marked failed.",
    )
    task_id = models.CharField(
        max_length=64,
        blank=True,
        help_text="The task worker's id for the run's task, to ask whether it has ended.",
    )
    rows_read = models.PositiveIntegerField(default=0)
    rows_expected = models.PositiveIntegerField(
        default=0, help_text="An estimate from the file's size and its first rows (0: unknown)."
    )
    figures_checked = models.PositiveIntegerField(default=0)
    figures_written = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True, help_text="Why the run failed, for the officer.")
    report = models.BinaryField(null=True, blank=True, editable=False)
    batch = models.ForeignKey(
        ImportBatch, on_delete=models.SET_NULL, null=True, blank=True, related_name="runs"
    )
    shown = models.BooleanField(
        default=False, help_text="The officer has been shown the outcome of an import."
    )

    class Meta:
        ordering = ["-created_at"]

    @property
    def finished(self) -> bool:
        return self.state in (self.State.DONE, self.State.FAILED)

    @property
    def percent(self) -> int | None:
        """How far through the file, as a whole percentage, if it can be told."""
        if self.state == self.State.DONE:
            return 100
        if not self.rows_expected:
            return None
        return min(99, int(100 * self.rows_read / self.rows_expected))

    @property
    def seconds_left(self) -> int | None:
        """A guess at the seconds left, from the pace so far."""
        percent = self.percent
        if self.state != self.State.RUNNING or not percent or self.started_at is None:
            return None
        elapsed = ((self.heartbeat_at or self.updated_at) - self.started_at).total_seconds()
        return max(int(elapsed * (100 - percent) / percent), 0)

    @property
    def time_left(self) -> str:
        """The time left in words: seconds up to a minute and a half, then minutes
        (the progress page's script writes it the same way)."""
        return time_left_text(self.seconds_left)

    def __str__(self) -> str:
        kind = "Preview" if self.dry_run else "Import"
        return f"{kind} of {self.file_name} ({self.get_state_display().lower()})"
