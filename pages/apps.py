from django.apps import AppConfig
from django.db.models.signals import post_migrate


class PagesConfig(AppConfig):
    name = "pages"
    verbose_name = "Topic pages"

    def ready(self) -> None:
        from pages.services import ensure_officer_group

        def create_groups(**kwargs) -> None:
            ensure_officer_group(using=kwargs.get("using", "default"))

        # Sent once per app; `pages` is the last app, so every permission exists by then.
        post_migrate.connect(create_groups, sender=self, weak=False, dispatch_uid="pages_groups")
