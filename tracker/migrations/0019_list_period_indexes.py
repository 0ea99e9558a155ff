"""A country's records newest first, with the start date in the index (issue 20: the load test's filtered lists).

The API's list of a country and a period (``date_from``/``date_to``: ends on or after, starts on or before) reads
``*_country_rev_idx`` backward from the newest end date. Without the start date in the index every row that ends
after the period was fetched from the table only to be dropped: 58,000 rows for a 2019 quarter of one country at a
million records, 82 ms median over the load test's lists. With it, the index says which rows start too late, and
the same lists take 7 ms; building it takes about 3 s per million rows.
"""

from django.db import migrations, models


def swap(model: str, name: str) -> list:
    return [
        migrations.RemoveIndex(model_name=model, name=name),
        migrations.AddIndex(model_name=model, index=models.Index(
            fields=["country", "review_status", "end_date", "id", "start_date"], name=name)),
    ]


class Migration(migrations.Migration):
    dependencies = [("tracker", "0018_place_page_indexes")]

    operations = [
        *swap("displacementfigure", "displacement_country_rev_idx"),
        *swap("surrenderfigure", "surrender_country_rev_idx"),
        *swap("aidcapacityreport", "aidcapacity_country_rev_idx"),
    ]
