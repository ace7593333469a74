from django.apps import AppConfig


class CoreConfig(AppConfig):
    """What every other app may use and nothing in it uses them: the content version and the
    public page cache, hooks, and the formatting of figures. See ARCHITECTURE.md."""

    name = "core"
    verbose_name = "Site core"
