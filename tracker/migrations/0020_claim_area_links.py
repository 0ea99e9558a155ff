"""Records store their place's province and district (``adm1``, ``adm2``) as they store its country.

A province's or a district's page, and the API's ``location=`` filter on one, read its records by the places'
stored ancestor links: a join of every record of the country (a province) or a walk of the place index (a
district) before anything was counted. Stored on the record, they are one indexed column, as the country is; the
indexes carry what those pages read (docs/decisions.md, "A place's records by its stored links"). The links are
filled here from the places, then kept by ``store_areas`` and by ``Location.save`` when a subtree moves.
"""

import django.db.models.deletion
from django.db import migrations, models

TABLES = ("tracker_displacementfigure", "tracker_surrenderfigure", "tracker_aidcapacityreport")


def fill_links(apps, schema_editor) -> None:
    """Each record's links from its place: one UPDATE a table (a join on PostgreSQL, subqueries on SQLite)."""
    with schema_editor.connection.cursor() as cursor:
        for table in TABLES:
            if schema_editor.connection.vendor == "postgresql":
                cursor.execute(f"UPDATE {table} AS r SET adm1_id = l.adm1_id, adm2_id = l.adm2_id "  # noqa: S608
                               "FROM tracker_location AS l WHERE l.id = r.location_id "
                               "AND (l.adm1_id IS NOT NULL OR l.adm2_id IS NOT NULL)")
            else:
                cursor.execute(f"UPDATE {table} SET "  # noqa: S608 - the table names above
                               f"adm1_id = (SELECT adm1_id FROM tracker_location WHERE id = {table}.location_id), "
                               f"adm2_id = (SELECT adm2_id FROM tracker_location WHERE id = {table}.location_id)")


# as tracker.models.claim_indexes.AREA_QUANTIFIED_COLUMNS when written
AREA_QUANTIFIED_COLUMNS = ["location", "source", "is_confidential", "role", "duplicate_of", "term", "term_group",
                           "event", "start_date", "low", "best", "high", "high_open"]
LINKS = {"adm1": "first-level admin area", "adm2": "second-level admin area"}
MODELS = {"displacementfigure": ("displacement", [*AREA_QUANTIFIED_COLUMNS, "category"]),
          "surrenderfigure": ("surrender", AREA_QUANTIFIED_COLUMNS),
          "aidcapacityreport": ("aidcapacity", ["location", "source", "is_confidential"])}


class Migration(migrations.Migration):
    dependencies = [("tracker", "0019_list_period_indexes")]

    operations = [
        *(migrations.AddField(model_name=model, name=link, field=models.ForeignKey(
            blank=True, db_index=False, editable=False, help_text=f"Derived: the {what} the place lies in.", null=True,
            on_delete=django.db.models.deletion.PROTECT, related_name="+", to="tracker.location"))
          for model in MODELS for link, what in LINKS.items()),
        migrations.RunPython(fill_links, migrations.RunPython.noop, elidable=True),
        *(migrations.AddIndex(model_name=model, index=models.Index(
            fields=[link, "review_status", "end_date", "id"], include=include, name=f"{prefix}_{link}_idx"))
          for model, (prefix, include) in MODELS.items() for link in LINKS),
    ]
