"""Indexes that fit what a place's page asks at a million records (issue 19).

- The confidential sources, a few in a hundred: a record is hidden with its source by an anti-join on this small
  index (``NOT_CONFIDENTIAL``), where every query of a page looked up each of its records' source.
- The largest counted flows (and surrenders) of a country and term group, best first, holding what a chart draws of
  them: a page's weekly chart reads the dozen largest spanning figures of each group from the index's first rows,
  rather than ranking every spanning figure of the country.
- On PostgreSQL, statistics on the week, month and year of each figure's end date, the buckets a report groups by
  (``tracker.db.statistics``): the planner then hashes a country's flows into their months instead of sorting them.
"""

from django.db import migrations, models

from tracker.db.statistics import BucketStatistics

COUNTED = (("duplicate_of__isnull", True), ("low__isnull", False), ("review_status", "approved"), ("role", "headline"))
SPAN_COLUMNS = ["start_date", "end_date", "low", "high", "high_open", "source", "is_confidential"]


class Migration(migrations.Migration):
    dependencies = [("tracker", "0017_page_counts")]

    operations = [
        migrations.AddIndex(
            model_name="source",
            index=models.Index(condition=models.Q(("is_confidential", True)), fields=["id"],
                               name="source_confidential_idx"),
        ),
        migrations.AddIndex(
            model_name="displacementfigure",
            index=models.Index(condition=models.Q(*COUNTED, ("category", "flow")),
                               fields=["country", "term_group", "-best", "id"], include=SPAN_COLUMNS,
                               name="displacement_largest_idx"),
        ),
        migrations.AddIndex(
            model_name="surrenderfigure",
            index=models.Index(condition=models.Q(*COUNTED), fields=["country", "term_group", "-best", "id"],
                               include=SPAN_COLUMNS, name="surrender_largest_idx"),
        ),
        BucketStatistics(),
    ]
