import time

from django.core.management.base import BaseCommand, CommandParser
from django.db import DEFAULT_DB_ALIAS

from core.caching import bump_content_version
from pages import search_index


class Command(BaseCommand):
    help = (
        "Write the site search's index again: a document for every topic and indicator (and "
        "none for those deleted), in one transaction. Saves and deletions keep it up to date "
        "on their own; run this after changes made without them (bulk updates, SQL, a restore) "
        "or after a migration that rebuilt its table on SQLite."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *args, database: str = DEFAULT_DB_ALIAS, **options) -> None:
        start = time.perf_counter()
        topics, indicators = search_index.rebuild(using=database)
        bump_content_version()  # cached search pages may have been built from the old index
        self.stdout.write(
            f"Indexed {topics} topic(s) and {indicators} indicator(s) in "
            f"{time.perf_counter() - start:.1f} s."
        )
