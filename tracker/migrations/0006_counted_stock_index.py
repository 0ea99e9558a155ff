# The stocks that count, in a partial covering index the report's stock rules read alone (bench/README.md).

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('tracker', '0005_unindexed_authors'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name='displacementfigure',
            index=models.Index(condition=models.Q(('category', 'stock'), ('duplicate_of__isnull', True), ('low__isnull', False), ('review_status', 'approved'), ('role', 'headline')), fields=['term', 'country', 'end_date', 'location'], include=('id', 'source', 'is_confidential'), name='displacement_counted_stock_idx'),
        ),
    ]
