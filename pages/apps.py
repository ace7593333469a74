from django.apps import AppConfig
from django.db.models.signals import post_migrate


class PagesConfig(AppConfig):
    name = "pages"
    verbose_name = "Topic pages"

    def ready(self) -> None:
        from pages.services import ensure_roles

        def create_groups(**kwargs) -> None:
            ensure_roles(using=kwargs.get("using", "default"))

        # Sent once per app; `pages` is the last app, so every permission exists by then.
        post_migrate.connect(create_groups, sender=self, weak=False, dispatch_uid="pages_groups")

        from simple_history.signals import pre_create_historical_record

        pre_create_historical_record.connect(
            mark_save, weak=False, dispatch_uid="pages_history_save_id"
        )

        from pages import cache_tags

        # What each change to the pages' content empties from the page cache.
        cache_tags.connect()
        from pages import hooks  # noqa: F401 - registers what indicators asks of pages
        from pages.search_index import connect_signals

        connect_signals()  # keeps the stored search index in step with the content


def mark_save(sender, history_instance, **kwargs) -> None:
    """Give the history records written by one save the same save id: those of one request,
    or, outside a request (a command, the scheduler), those written inside `one_save()`."""
    if not hasattr(history_instance, "save_id"):
        return
    from simple_history.models import HistoricalRecords

    from pages.models import current_save_id

    request = getattr(HistoricalRecords.context, "request", None)
    if request is None:
        history_instance.save_id = current_save_id()
        return
    if not hasattr(request, "_history_save_id"):
        import uuid

        request._history_save_id = uuid.uuid4().hex
    history_instance.save_id = request._history_save_id
