"""Indexes that fit what the public pages ask at a million records (issue 19).

- The count of a country's figures left out of totals (triangulations, duplicates, unquantified), which every
  report's warnings show: the figures left out, by country, with the columns the count reads, so that a country's
  ten thousand are read from the index alone rather than from as many of the table's pages.
- The latest aid capacity report of each place, sector and provider: whether a later report of the same place and
  sector exists is read from an index on (place, sector, end date) holding what the comparison reads, rather than
  from every report of the place.
"""

from django.db import migrations, models

NOT_COUNTED = models.Q(("review_status", "approved"), models.Q(
    ("role", "triangulation"), ("duplicate_of__isnull", False), ("low__isnull", True), _connector="OR"))
NOT_COUNTED_COLUMNS = ("id", "source", "is_confidential", "role", "duplicate_of", "low")


class Migration(migrations.Migration):
    dependencies = [("tracker", "0016_page_indexes")]

    operations = [
        migrations.AddIndex(
            model_name="displacementfigure",
            index=models.Index(condition=NOT_COUNTED, fields=["country"], include=NOT_COUNTED_COLUMNS,
                               name="displacement_uncounted_cty_idx"),
        ),
        migrations.AddIndex(
            model_name="surrenderfigure",
            index=models.Index(condition=NOT_COUNTED, fields=["country"], include=NOT_COUNTED_COLUMNS,
                               name="surrender_uncounted_cty_idx"),
        ),
        migrations.AddIndex(
            model_name="aidcapacityreport",
            index=models.Index(fields=["location", "sector", "end_date"], name="aidcapacity_latest_idx",
                               include=["review_status", "is_confidential", "country", "provider",
                                        "provider_description", "source", "id"]),
        ),
    ]
