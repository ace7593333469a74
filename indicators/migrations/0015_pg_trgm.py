"""PostgreSQL's pg_trgm extension, for finding areas and topics despite a typo (trigram word
similarity: indicators/area_search.py, pages/search.py). Django's TrigramExtension does
nothing on any other database, so SQLite skips it."""

from django.db import migrations

try:
    from django.contrib.postgres.operations import TrigramExtension
except ImportError:  # Without psycopg the site can only run on SQLite: nothing to do.
    TrigramExtension = None


class Migration(migrations.Migration):
    dependencies = [("indicators", "0014_import_runs")]

    operations = [TrigramExtension()] if TrigramExtension is not None else []
