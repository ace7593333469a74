from django.db import models


class ContentVersion(models.Model):
    """One row whose number goes up whenever anything the public sees changes: a topic, a
    section, a link, an author, or indicator data. Each change records its number against
    what it changed (`CacheTag`), and a cached page against the number it was built at
    (core/caching.py), so a change shows at once in every worker, with or without a shared
    cache."""

    number = models.PositiveBigIntegerField(default=0)
    changed_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Content version {self.number}"


class CacheTag(models.Model):
    """The last change to one thing cached pages show, by its tag ("indicator:12", "content",
    ...; see core/caching.py): the `ContentVersion` number of that change. A page cached
    before it is built again."""

    name = models.CharField(max_length=100, unique=True)
    changed = models.PositiveBigIntegerField()

    def __str__(self) -> str:
        return f"{self.name} (change {self.changed})"


class Prebuilt(models.Model):
    """A block of a public page built from the database and kept there (core/prebuilt.py):
    a topic section's narrative and figures, an area's table of figures. Read with the page
    in one query, built again when one of its `tags` changes after change `number`."""

    key = models.CharField(max_length=200, unique=True)
    number = models.PositiveBigIntegerField()
    tags = models.JSONField(default=list)
    html = models.TextField()
    data = models.JSONField(default=dict)  # small facts read with it, e.g. a date
    built_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.key
