"""The possible double counts' latest finding and decision, each read from the end of an index.

The data version (tracker.reporting.cache) asks both at every repeated page and report: read by scanning the pairs,
a million of them cost about 100 ms a request.
"""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [('tracker', '0021_counted_area_links')]

    operations = [
        migrations.AddIndex(
            model_name='possibledoublecount',
            index=models.Index(fields=['found_at'], name='doublecount_found_idx'),
        ),
        migrations.AddIndex(
            model_name='possibledoublecount',
            index=models.Index(fields=['decided_at'], name='doublecount_decided_idx'),
        ),
    ]
