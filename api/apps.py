from django.apps import AppConfig
from django.core.exceptions import ImproperlyConfigured


class ApiConfig(AppConfig):
    """The read-only open-data API. It sits above `pages` (it lists published topics) and
    reads through the same QuerySets the public pages use, so it shows exactly what they do."""

    name = "api"
    verbose_name = "Open-data API"

    def ready(self) -> None:
        # A rate that cannot be read fails at start-up, not on every request.
        from django.conf import settings

        from api.http import parse_rate

        try:
            parse_rate(getattr(settings, "API_RATE_LIMIT", ""))
        except ValueError as error:
            raise ImproperlyConfigured(str(error)) from None
