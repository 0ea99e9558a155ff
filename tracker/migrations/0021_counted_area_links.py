"""The indexes that answer reports carry the records' stored province and district (0020).

A report grouped by adm1 or adm2 groups by the record's own stored link: with the links in the counted indexes it
still reads them alone (an index-only scan), where it joined every counted row to its place before.
"""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [('tracker', '0020_claim_area_links')]

    operations = [
        migrations.RemoveIndex(
            model_name='displacementfigure',
            name='displacement_counted_stock_idx',
        ),
        migrations.RemoveIndex(
            model_name='displacementfigure',
            name='displacement_counted_flow_idx',
        ),
        migrations.RemoveIndex(
            model_name='surrenderfigure',
            name='surrender_counted_idx',
        ),
        migrations.AddIndex(
            model_name='displacementfigure',
            index=models.Index(condition=models.Q(('category', 'stock'), ('duplicate_of__isnull', True), ('low__isnull', False), ('review_status', 'approved'), ('role', 'headline')), fields=['term', 'country', 'end_date', 'location'], include=('id', 'adm1', 'adm2', 'source', 'is_confidential', 'term_group', 'event', 'start_date', 'low', 'best', 'high', 'high_open'), name='displacement_counted_stock_idx'),
        ),
        migrations.AddIndex(
            model_name='displacementfigure',
            index=models.Index(condition=models.Q(('duplicate_of__isnull', True), ('low__isnull', False), ('review_status', 'approved'), ('role', 'headline'), ('category', 'flow')), fields=['country', 'end_date'], include=('id', 'location', 'adm1', 'adm2', 'term', 'source', 'is_confidential', 'term_group', 'event', 'start_date', 'low', 'best', 'high', 'high_open', 'category'), name='displacement_counted_flow_idx'),
        ),
        migrations.AddIndex(
            model_name='surrenderfigure',
            index=models.Index(condition=models.Q(('duplicate_of__isnull', True), ('low__isnull', False), ('review_status', 'approved'), ('role', 'headline')), fields=['country', 'end_date'], include=('id', 'location', 'adm1', 'adm2', 'term', 'source', 'is_confidential', 'term_group', 'event', 'start_date', 'low', 'best', 'high', 'high_open'), name='surrender_counted_idx'),
        ),
    ]
