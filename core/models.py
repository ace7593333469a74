from django.db import models


class ContentVersion(models.Model):
    """One row whose number goes up whenever anything the public sees changes: a topic, a
    section, a link, an author, or indicator data. Cached public pages are keyed by it, so a
    change shows at once in every worker without a shared cache."""

    number = models.PositiveBigIntegerField(default=0)
    changed_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Content version {self.number}"
