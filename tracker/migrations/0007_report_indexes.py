# What a report reads without visiting the table: the counted stocks with the numbers it sums, and the
# approved figures it leaves out of totals (for its warnings).

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('tracker', '0006_counted_stock_index'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='displacementfigure',
            name='displacement_counted_stock_idx',
        ),
        migrations.AddIndex(
            model_name='displacementfigure',
            index=models.Index(condition=models.Q(('category', 'stock'), ('duplicate_of__isnull', True), ('low__isnull', False), ('review_status', 'approved'), ('role', 'headline')), fields=['term', 'country', 'end_date', 'location'], include=('id', 'source', 'is_confidential', 'term_group', 'event', 'start_date', 'low', 'best', 'high', 'high_open'), name='displacement_counted_stock_idx'),
        ),
        migrations.AddIndex(
            model_name='displacementfigure',
            index=models.Index(condition=models.Q(('review_status', 'approved'), models.Q(('role', 'triangulation'), ('duplicate_of__isnull', False), ('low__isnull', True), _connector='OR')), fields=['end_date'], include=('id', 'source', 'is_confidential', 'role', 'duplicate_of', 'low'), name='displacement_not_counted_idx'),
        ),
        migrations.AddIndex(
            model_name='surrenderfigure',
            index=models.Index(condition=models.Q(('review_status', 'approved'), models.Q(('role', 'triangulation'), ('duplicate_of__isnull', False), ('low__isnull', True), _connector='OR')), fields=['end_date'], include=('id', 'source', 'is_confidential', 'role', 'duplicate_of', 'low'), name='surrender_not_counted_idx'),
        ),
    ]
