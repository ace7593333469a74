"""The stored search index (`pages.search_index`): the documents' table; on PostgreSQL its
generated tsvector columns and their GIN index, on SQLite an FTS5 table kept in step with it
by triggers (each only on its own database); then a document for every topic and indicator
there already is."""

from django.db import migrations, models

from pages.search_index import Indexer, database_index_sql


def create_database_index(apps, schema_editor):
    for statement in database_index_sql(schema_editor.connection.vendor):
        schema_editor.execute(statement)


def drop_database_index(apps, schema_editor):
    for statement in database_index_sql(schema_editor.connection.vendor, drop=True):
        schema_editor.execute(statement)


def index_everything(apps, schema_editor):
    Indexer(
        apps.get_model("pages", "Topic"),
        apps.get_model("pages", "Section"),
        apps.get_model("indicators", "Indicator"),
        apps.get_model("pages", "SearchDocument"),
        schema_editor.connection.alias,
    ).rebuild()


class Migration(migrations.Migration):
    dependencies = [
        ("pages", "0012_dismissed_number"),
        ("indicators", "0015_pg_trgm"),
    ]

    operations = [
        migrations.CreateModel(
            name="SearchDocument",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[("topic", "Topic"), ("indicator", "Indicator")], max_length=9
                    ),
                ),
                ("object_id", models.PositiveBigIntegerField()),
                ("title", models.TextField(blank=True)),
                ("keywords", models.TextField(blank=True)),
                ("summary", models.TextField(blank=True)),
                ("headings", models.TextField(blank=True)),
                ("indicators", models.TextField(blank=True)),
                ("body", models.TextField(blank=True)),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("kind", "object_id"), name="searchdocument_unique_object"
                    )
                ],
            },
        ),
        migrations.RunPython(create_database_index, drop_database_index, elidable=False),
        migrations.RunPython(index_everything, migrations.RunPython.noop),
    ]
