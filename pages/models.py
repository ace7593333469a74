"""Content: the topic tree, narrative sections, page authors, downloads and links."""

from __future__ import annotations

import contextlib
import contextvars
import datetime
import uuid
from collections.abc import Iterator

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Exists, F, OuterRef, Q
from django.db.models import Value as V
from django.db.models.functions import Concat
from django.db.models.lookups import StartsWith
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from indicators.models import Area, BreakdownType, ComparatorGroup, Indicator
from pages.uploads import validate_download


class Team(models.Model):
    """A group of officers who share the pages they look after (e.g. “Children's
    intelligence”). A topic owned by a team may be edited by any of its members."""

    name = models.CharField(max_length=120, unique=True)
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="teams")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


_save_id: contextvars.ContextVar[str] = contextvars.ContextVar("history_save_id", default="")


@contextlib.contextmanager
def one_save() -> Iterator[str]:
    """Outside a web request (a command, the scheduler), mark the history records written in
    this block as one save, as a request's are; nested blocks join the outer one."""
    if _save_id.get():
        yield _save_id.get()
        return
    token = _save_id.set(uuid.uuid4().hex)
    try:
        yield _save_id.get()
    finally:
        _save_id.reset(token)


def current_save_id() -> str:
    return _save_id.get()


class SaveGroup(models.Model):
    """Added to the history records of topics, sections and links: which save (web request)
    a record came from, so that one save of a page and its sections is one version of it.
    Filled in by `pages.apps` from the request django-simple-history keeps, or `one_save()`."""

    save_id = models.CharField(max_length=32, blank=True, editable=False)

    class Meta:
        abstract = True


class Status(models.TextChoices):
    DRAFT = "draft", "Draft"
    REVIEW = "review", "In review"
    PUBLISHED = "published", "Published"
    ARCHIVED = "archived", "Archived"


class PageAuthor(models.Model):
    """The named contact for a page: readers are told whom to ask."""

    name = models.CharField(max_length=120)
    job_title = models.CharField(max_length=120, blank=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["name", "email"], name="pageauthor_unique_name_email"),
        ]

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>" if self.email else self.name


class TopicQuerySet(models.QuerySet["Topic"]):
    def live(self) -> TopicQuerySet:
        """Published topics (a pending draft of a published topic is never itself published)."""
        return self.filter(status=Status.PUBLISHED)

    def pages(self) -> TopicQuerySet:
        """The pages of the tree, without the pending drafts of published pages."""
        return self.filter(draft_of__isnull=True)

    def published(self) -> TopicQuerySet:
        """Published topics none of whose ancestors is unpublished: what the public may see.
        One query whatever the depth: an ancestor's path is a prefix of the topic's path + "/"."""
        hidden_ancestor = (
            Topic.objects.pages()
            .filter(StartsWith(OuterRef("path"), Concat(F("path"), V("/"))))
            .exclude(status=Status.PUBLISHED)
        )
        return self.live().exclude(Exists(hidden_ancestor))

    def due_to_publish(self, now: datetime.datetime | None = None) -> TopicQuerySet:
        return self.filter(
            publish_at__lte=now or timezone.now(), status__in=[Status.DRAFT, Status.REVIEW]
        )

    def roots(self) -> TopicQuerySet:
        return self.filter(parent__isnull=True)

    def get_by_natural_key(self, path: str) -> Topic:
        return self.get(path=path)

    def review_overdue(self, today: datetime.date | None = None) -> TopicQuerySet:
        return self.filter(review_due__lt=today or timezone.localdate())


class Topic(models.Model):
    """A page in the tree: a theme (no parent) or a topic within it.

    `path` is the slash-joined slugs from the root, kept in step by `save()`, so that a
    page is found by its URL in one query."""

    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        help_text="Leave empty for a theme on the home page.",
    )
    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=100, help_text="The last part of the page's web address.")
    path = models.CharField(max_length=500, editable=False, db_index=True)
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    summary = models.TextField(
        blank=True, help_text="One or two sentences shown in lists and search."
    )
    keywords = models.CharField(
        max_length=500,
        blank=True,
        help_text="Other words readers may look for, comma-separated, e.g. “Safeguarding, CPP”. "
        "The page is listed under each of them in the A-Z.",
    )
    sort_order = models.PositiveSmallIntegerField(default=0)
    area = models.ForeignKey(
        Area,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="topics",
        help_text="The area the page is about, e.g. Lancashire-12. Its region and country are "
        "always shown beside it.",
    )
    comparators = models.ManyToManyField(
        Area,
        blank=True,
        related_name="compared_on_topics",
        help_text="Other areas to compare with, e.g. neighbouring authorities.",
    )
    release_with = models.ManyToManyField(
        "indicators.ImportBatch",
        blank=True,
        related_name="release_with_topics",
        help_text="Staged imports released when this page (or its draft) is published: the "
        "figures and the words that describe them go out together.",
    )
    comparator_group = models.ForeignKey(
        ComparatorGroup,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="topics",
        help_text="A named group to compare with as well, e.g. the area's statistical "
        "neighbours: the page names it (“compared with its 10 statistical neighbours”).",
    )
    author = models.ForeignKey(
        PageAuthor,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="topics",
    )
    last_updated = models.DateField(
        null=True,
        blank=True,
        help_text="When the page was last reviewed. The page shows the later of this date, the "
        "last edit of its narrative and the last change to its figures.",
    )
    review_due = models.DateField(
        null=True, blank=True, help_text="When the page should be reviewed."
    )
    # Who may edit: the owner, the members of the owning team, publishers and administrators.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_topics",
        help_text="The officer who looks after this page.",
    )
    team = models.ForeignKey(
        Team,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="topics",
        help_text="The team who look after this page: any member may edit it.",
    )
    # Workflow: draft -> in review -> published (-> archived). Changes to a published page are
    # made on a copy (draft_of points to the published page) until the copy is published.
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.DRAFT, editable=False
    )
    draft_of = models.OneToOneField(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        editable=False,
        related_name="pending_draft",
    )
    publish_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="Publish automatically at this date and time.",
    )
    first_published_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_published_at = models.DateTimeField(null=True, blank=True, editable=False)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    # Raised by every save: an edit made from an older number was made over someone else's.
    edit_version = models.PositiveIntegerField(default=0, editable=False)

    objects = TopicQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["edit_version"], bases=[SaveGroup])
    # Why the next save is made, set by the workflow and written into the history record.
    _change_reason: str

    class Meta:
        ordering = ["path"]
        permissions = [
            ("publish_topic", "Can review, publish, schedule and archive any topic"),
            ("edit_any_topic", "Can edit any topic, whoever looks after it"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["path"],
                name="topic_unique_path",
                condition=Q(draft_of__isnull=True),
                violation_error_message="Another page has this address.",
            ),
            models.UniqueConstraint(
                fields=["parent", "slug"],
                name="topic_unique_slug_per_parent",
                condition=Q(parent__isnull=False, draft_of__isnull=True),
                violation_error_message="Another page under the same parent has this slug.",
            ),
            models.UniqueConstraint(
                fields=["slug"],
                name="topic_unique_root_slug",
                condition=Q(parent__isnull=True, draft_of__isnull=True),
                violation_error_message="Another theme has this slug.",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def natural_key(self) -> tuple[str]:
        return (self.path,)

    def comparison_areas(self) -> list[Area]:
        """The areas the page's area is compared with: its parents up to England, then the
        officer's chosen comparators. The area's parents should be selected with it."""
        if self.area is None:
            return []
        areas = self.area.ancestors()
        areas += [a for a in self.comparators.all() if a not in areas]
        if self.comparator_group_id is not None:
            areas += [
                a
                for a in self.comparator_group.members.all()
                if a not in areas and a.pk != self.area_id
            ]
        return areas

    def get_absolute_url(self) -> str:
        url = reverse("pages:topic", kwargs={"path": self.path})
        return f"{url}?draft=1" if self.draft_of_id else url

    def clean(self) -> None:
        super().clean()
        node = self.parent
        while node is not None:
            if self.pk is not None and node.pk == self.pk:
                raise ValidationError(
                    {"parent": "A page cannot sit under itself or its own sub-pages."}
                )
            node = node.parent
        if self.last_updated and self.review_due and self.review_due < self.last_updated:
            raise ValidationError(
                {"review_due": "The review date cannot be before the last update."}
            )

    def save(self, *args, **kwargs) -> None:
        old_path = None
        if self.pk:
            old_path = Topic.objects.filter(pk=self.pk).values_list("path", flat=True).first()
        self.path = f"{self.parent.path}/{self.slug}" if self.parent else self.slug
        self.depth = self.parent.depth + 1 if self.parent else 0
        if self.status == Status.PUBLISHED and self.first_published_at is None:
            self.first_published_at = timezone.now()
        self.edit_version += 1
        super().save(*args, **kwargs)
        if old_path and old_path != self.path:
            for child in self.children.all():
                child.save()

    @property
    def is_published(self) -> bool:
        return self.status == Status.PUBLISHED

    @property
    def public_topic(self) -> Topic:
        """The page at this topic's address: itself, or the published page it is a draft of."""
        return self.draft_of or self

    @property
    def keyword_list(self) -> list[str]:
        return [word.strip() for word in self.keywords.split(",") if word.strip()]

    def ancestors(self) -> list[Topic]:
        """Parents from the root down, not including this page: one query, by path."""
        parts = self.path.split("/")
        prefixes = ["/".join(parts[:i]) for i in range(1, len(parts))]
        if not prefixes:
            return []
        return list(Topic.objects.pages().filter(path__in=prefixes).order_by("depth"))


class Section(models.Model):
    """A block of narrative on a topic page, optionally about one indicator."""

    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="sections")
    heading = models.CharField(max_length=200)
    anchor = models.SlugField(
        max_length=100, help_text="The in-page link to this section, e.g. “referrals”."
    )
    body = models.TextField(
        blank=True,
        help_text="Narrative in Markdown: blank lines between paragraphs, **bold**, "
        "[link text](https://…), lists with “- ”. HTML is not allowed.",
    )
    indicator = models.ForeignKey(
        Indicator,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sections",
        help_text="The indicator whose chart and table this section shows.",
    )
    breakdown_dimension = models.CharField(
        max_length=16,
        choices=BreakdownType.choices,
        blank=True,
        help_text="Show the indicator broken down by this (e.g. age band) instead of by area "
        "and period.",
    )
    sort_order = models.PositiveSmallIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)
    edit_version = models.PositiveIntegerField(default=0, editable=False)

    history = HistoricalRecords(excluded_fields=["edit_version"], bases=[SaveGroup])

    class Meta:
        ordering = ["topic", "sort_order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["topic", "anchor"],
                name="section_unique_anchor_per_topic",
                violation_error_message="Another section on this page has this anchor.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.topic.title}: {self.heading}"

    def save(self, *args, **kwargs) -> None:
        self.edit_version += 1
        super().save(*args, **kwargs)

    def clean(self) -> None:
        super().clean()
        if self.breakdown_dimension and not self.indicator_id:
            raise ValidationError(
                {"breakdown_dimension": "Choose the indicator to break down, or clear this."}
            )
        self.check_references()

    def check_references(self) -> None:
        """Every live figure reference in the body must name things the site has."""
        from pages import references

        problems = references.problems(self.body, self.topic.area if self.topic_id else None)
        if problems:
            raise ValidationError({"body": problems})


class TopicLink(models.Model):
    """A download (an uploaded file) or a link to elsewhere, listed on a topic page."""

    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="links")
    title = models.CharField(max_length=200)
    description = models.CharField(max_length=300, blank=True)
    file = models.FileField(
        upload_to="downloads/%Y/",
        blank=True,
        validators=[validate_download],
        help_text="PDF, Word, Excel, PowerPoint, OpenDocument, CSV, text, PNG or JPEG.",
    )
    url = models.URLField(max_length=500, blank=True)
    sort_order = models.PositiveSmallIntegerField(default=0)

    history = HistoricalRecords(bases=[SaveGroup])

    class Meta:
        ordering = ["topic", "sort_order", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(file="") & ~Q(url="")) | (~Q(file="") & Q(url="")),
                name="topiclink_file_or_url",
                violation_error_message=(
                    "Give either a file to download or a web address, not both."
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_download(self) -> bool:
        return bool(self.file)

    @property
    def href(self) -> str:
        if not self.file:
            return self.url
        name = self.file.name.rsplit("/", 1)[-1]
        return reverse("pages:download", kwargs={"pk": self.pk, "name": name})

    def clean(self) -> None:
        super().clean()
        if bool(self.file) == bool(self.url):
            raise ValidationError("Give either a file to download or a web address, not both.")


class DemoRecord(models.Model):
    """What `manage.py load_demo` last wrote of one item of the demo (an area, an indicator, a
    figure, a page, a section…): which row it is and its fields as written. Running the demo
    again compares the row with this: a row that no longer matches, or has gone, was changed
    since by someone else, and the demo keeps it as it is (`pages.demo.loader`)."""

    model = models.CharField(max_length=100, help_text="app_label.model_name")
    key = models.CharField(
        max_length=300, help_text="The demo's name for the item, e.g. an area's code."
    )
    object_id = models.PositiveBigIntegerField()
    written = models.JSONField(default=dict, help_text="The fields as the demo wrote them.")
    written_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["model", "key"], name="demorecord_unique_item"),
        ]

    def __str__(self) -> str:
        return f"{self.model} {self.key}"


class DismissedNumber(models.Model):
    """A number typed in a section's narrative that an officer has said is not a figure the
    data should give (a count of councils, a label the checker did not know), so that the
    typed-number checker stops listing it. It is remembered by a hash of the section's text
    and the number's place in it (`pages.checker.finding_key`), not by the section: when the
    text changes the number is checked, and listed, again; and it holds in a draft of the
    page, whose sections are copies with the same text."""

    key = models.CharField(max_length=64, editable=False)
    text = models.CharField(max_length=40, help_text="The number as it is typed.")
    section = models.ForeignKey(
        Section,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The section it was dismissed in.",
    )
    dismissed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    dismissed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["key"], name="dismissednumber_unique_key"),
        ]

    def __str__(self) -> str:
        return f"“{self.text}”, dismissed"


# The search index's model lives beside its code; imported here so that Django finds it.
from pages.search_index import SearchDocument  # noqa: E402, F401
