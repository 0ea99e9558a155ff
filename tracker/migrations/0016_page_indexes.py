"""Indexes that fit what the public pages ask at a million records (issue 19).

- The sources a country's page cites: (country, review status, source) on each kind, holding only the records not
  confidential of their own, so that a country's cited source ids (tens of thousands of records) are read from the
  index alone, without a visit to the table's pages.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("tracker", "0015_write_indexes")]

    operations = [
        migrations.AddIndex(
            model_name="displacementfigure",
            index=models.Index(condition=models.Q(("is_confidential", False)),
                               fields=["country", "review_status", "source"], name="displacement_country_src_idx"),
        ),
        migrations.AddIndex(
            model_name="surrenderfigure",
            index=models.Index(condition=models.Q(("is_confidential", False)),
                               fields=["country", "review_status", "source"], name="surrender_country_src_idx"),
        ),
        migrations.AddIndex(
            model_name="aidcapacityreport",
            index=models.Index(condition=models.Q(("is_confidential", False)),
                               fields=["country", "review_status", "source"], name="aidcapacity_country_src_idx"),
        ),
    ]
