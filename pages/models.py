"""Content: the topic tree, narrative sections, page authors, downloads and links."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Exists, F, OuterRef, Q
from django.db.models import Value as V
from django.db.models.functions import Concat
from django.db.models.lookups import StartsWith
from django.urls import reverse
from django.utils import timezone

from indicators.models import Area, BreakdownType, Indicator


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
        return self.filter(live=True)

    def published(self) -> TopicQuerySet:
        """Live topics none of whose ancestors is a draft: what the public may see. One
        query whatever the depth: an ancestor's path is a prefix of the topic's path + "/"."""
        draft_ancestor = Topic.objects.filter(
            StartsWith(OuterRef("path"), Concat(F("path"), V("/"))), live=False
        )
        return self.live().exclude(Exists(draft_ancestor))

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
    path = models.CharField(max_length=500, unique=True, editable=False)
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
    live = models.BooleanField(default=True, help_text="Shown to the public.")
    first_published_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_published_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = TopicQuerySet.as_manager()

    class Meta:
        ordering = ["path"]
        constraints = [
            models.UniqueConstraint(
                fields=["parent", "slug"],
                name="topic_unique_slug_per_parent",
                condition=Q(parent__isnull=False),
                violation_error_message="Another page under the same parent has this slug.",
            ),
            models.UniqueConstraint(
                fields=["slug"],
                name="topic_unique_root_slug",
                condition=Q(parent__isnull=True),
                violation_error_message="Another theme has this slug.",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def natural_key(self) -> tuple[str]:
        return (self.path,)

    def get_absolute_url(self) -> str:
        return reverse("pages:topic", kwargs={"path": self.path})

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
        if self.live and self.first_published_at is None:
            self.first_published_at = timezone.now()
        super().save(*args, **kwargs)
        if old_path and old_path != self.path:
            for child in self.children.all():
                child.save()

    @property
    def keyword_list(self) -> list[str]:
        return [word.strip() for word in self.keywords.split(",") if word.strip()]

    def ancestors(self) -> list[Topic]:
        """Parents from the root down, not including this page: one query, by path."""
        parts = self.path.split("/")
        prefixes = ["/".join(parts[:i]) for i in range(1, len(parts))]
        if not prefixes:
            return []
        return list(Topic.objects.filter(path__in=prefixes).order_by("depth"))


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

    def clean(self) -> None:
        super().clean()
        if self.breakdown_dimension and not self.indicator_id:
            raise ValidationError(
                {"breakdown_dimension": "Choose the indicator to break down, or clear this."}
            )
        self.check_references()

    def check_references(self) -> None:
        """Every live figure reference in the body must name things the site has."""
        from pages.references import ReferenceError, Resolver, find

        try:
            references = find(self.body)
        except ReferenceError as error:
            raise ValidationError({"body": str(error)}) from error
        if not references:
            return
        area = self.topic.area if self.topic_id else None
        resolver = Resolver.for_references(references, area)
        problems = []
        for reference in references:
            try:
                resolver.check(reference)
            except ReferenceError as error:
                problems.append(f"{{{{{reference.text}}}}}: {error}")
        if problems:
            raise ValidationError({"body": problems})


class TopicLink(models.Model):
    """A download (an uploaded file) or a link to elsewhere, listed on a topic page."""

    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="links")
    title = models.CharField(max_length=200)
    description = models.CharField(max_length=300, blank=True)
    file = models.FileField(upload_to="downloads/%Y/", blank=True)
    url = models.URLField(max_length=500, blank=True)
    sort_order = models.PositiveSmallIntegerField(default=0)

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
        return self.file.url if self.file else self.url

    def clean(self) -> None:
        super().clean()
        if bool(self.file) == bool(self.url):
            raise ValidationError("Give either a file to download or a web address, not both.")


class ContentVersion(models.Model):
    """One row whose number goes up whenever anything the public sees changes: a topic, a
    section, a link, an author, or indicator data. Cached public pages are keyed by it, so a
    change shows at once in every worker without a shared cache."""

    number = models.PositiveBigIntegerField(default=0)
    changed_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Content version {self.number}"
