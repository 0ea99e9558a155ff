"""Indexes that fit what record creation and the public pages ask at a million records (issue 19).

- The double-count check (``tracker.services.claims.overlapping_figures``) asks, for each place that nests with a
  new figure's, for the candidates of its term group whose period shares a day with the figure's. On PostgreSQL a
  GiST index over (place, term group, period as a closed date range) answers that from the overlapping entries
  alone, whatever the period's length and the table's size; ``btree_gist`` lets GiST hold the plain columns. It is
  partial: only the figures that take part in the check (``OVERLAP_CANDIDATES``). Its definition lives beside the
  query's (``tracker.models.double_counts``), so that the planner matches the two. SQLite keeps its B-tree lookups.
- An event's approved records, newest first (the event page): (event, review status, end date, id) on each kind.
"""

from django.contrib.postgres.operations import BtreeGistExtension
from django.db import migrations, models

from tracker.models.double_counts import OverlapIndexes


class Migration(migrations.Migration):
    dependencies = [("tracker", "0014_search_documents")]

    operations = [
        BtreeGistExtension(),
        OverlapIndexes(),
        migrations.AddIndex(
            model_name="displacementfigure",
            index=models.Index(fields=["event", "review_status", "end_date", "id"], name="displacement_event_rev_idx"),
        ),
        migrations.AddIndex(
            model_name="surrenderfigure",
            index=models.Index(fields=["event", "review_status", "end_date", "id"], name="surrender_event_rev_idx"),
        ),
        migrations.AddIndex(
            model_name="aidcapacityreport",
            index=models.Index(fields=["event", "review_status", "end_date", "id"], name="aidcapacity_event_rev_idx"),
        ),
    ]
