# What a report reads without visiting the table: the counted flows (and surrenders) with what their GROUP BY
# reads, as 0007 did for the counted stocks.

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('tracker', '0007_report_indexes'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name='displacementfigure',
            index=models.Index(condition=models.Q(('duplicate_of__isnull', True), ('low__isnull', False), ('review_status', 'approved'), ('role', 'headline'), ('category', 'flow')), fields=['country', 'end_date'], include=('id', 'location', 'term', 'source', 'is_confidential', 'term_group', 'event', 'start_date', 'low', 'best', 'high', 'high_open', 'category'), name='displacement_counted_flow_idx'),
        ),
        migrations.AddIndex(
            model_name='surrenderfigure',
            index=models.Index(condition=models.Q(('duplicate_of__isnull', True), ('low__isnull', False), ('review_status', 'approved'), ('role', 'headline')), fields=['country', 'end_date'], include=('id', 'location', 'term', 'source', 'is_confidential', 'term_group', 'event', 'start_date', 'low', 'best', 'high', 'high_open'), name='surrender_counted_idx'),
        ),
    ]
