"""Every record stores its search document (tracker.search): two columns, filled for the records already there, and
the index that serves them, made by the database at hand (a GIN index on PostgreSQL, an FTS5 table on SQLite)."""

from django.db import migrations, models

from tracker.search.documents import search_refresh
from tracker.search.schema import CreateSearchIndexes

KINDS = ("DisplacementFigure", "SurrenderFigure", "AidCapacityReport")


def fill_documents(apps, schema_editor):
    for name in KINDS:
        model = apps.get_model("tracker", name)
        ids = model.objects.using(schema_editor.connection.alias).values_list("pk", flat=True)
        search_refresh(model, list(ids), prose=True, apps=apps)


def column(name):
    return [
        migrations.AddField(model_name=name.lower(), name="search_text",
                            field=models.TextField(blank=True, default="", editable=False)),
        migrations.AddField(model_name=name.lower(), name="search_names",
                            field=models.TextField(blank=True, default="", editable=False)),
    ]


class Migration(migrations.Migration):
    dependencies = [("tracker", "0013_saved_queries")]

    operations = [
        *(operation for name in KINDS for operation in column(name)),
        migrations.RunPython(fill_documents, migrations.RunPython.noop, elidable=True),
        CreateSearchIndexes(),
    ]
