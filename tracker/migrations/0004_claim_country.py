# Records store their place's country: country filters become one indexed column (bench/README.md).

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('tracker', '0003_api_key_tombstone'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='aidcapacityreport',
            name='country',
            field=models.ForeignKey(blank=True, db_index=False, editable=False, help_text='Derived: the country the place lies in.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='tracker.location'),
        ),
        migrations.AddField(
            model_name='displacementfigure',
            name='country',
            field=models.ForeignKey(blank=True, db_index=False, editable=False, help_text='Derived: the country the place lies in.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='tracker.location'),
        ),
        migrations.AddField(
            model_name='surrenderfigure',
            name='country',
            field=models.ForeignKey(blank=True, db_index=False, editable=False, help_text='Derived: the country the place lies in.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='tracker.location'),
        ),
        # Existing records take their place's country (the same rule as Claim.save()).
        *[
            migrations.RunSQL(
                f"UPDATE tracker_{model} SET country_id = (SELECT l.country_id FROM tracker_location l "
                f"WHERE l.id = tracker_{model}.location_id)",
                migrations.RunSQL.noop,
            )
            for model in ("displacementfigure", "surrenderfigure", "aidcapacityreport")
        ],
        migrations.AlterField(
            model_name='aidcapacityreport',
            name='review_status',
            field=models.CharField(choices=[('draft', 'Draft'), ('in_review', 'In review'), ('changes_requested', 'Changes requested'), ('approved', 'Approved'), ('rejected', 'Rejected')], default='draft', editable=False, max_length=20),
        ),
        migrations.AlterField(
            model_name='displacementfigure',
            name='review_status',
            field=models.CharField(choices=[('draft', 'Draft'), ('in_review', 'In review'), ('changes_requested', 'Changes requested'), ('approved', 'Approved'), ('rejected', 'Rejected')], default='draft', editable=False, max_length=20),
        ),
        migrations.AlterField(
            model_name='displacementfigure',
            name='term_group',
            field=models.CharField(choices=[('leaving', 'Leaving'), ('arriving', 'Arriving'), ('returning', 'Returning'), ('in_camp', 'In camp'), ('trapped', 'Trapped'), ('displaced_stock', 'Displaced (stock)'), ('surrendered', 'Surrendered or captured')], editable=False, max_length=20),
        ),
        migrations.AlterField(
            model_name='historicalaidcapacityreport',
            name='review_status',
            field=models.CharField(choices=[('draft', 'Draft'), ('in_review', 'In review'), ('changes_requested', 'Changes requested'), ('approved', 'Approved'), ('rejected', 'Rejected')], default='draft', editable=False, max_length=20),
        ),
        migrations.AlterField(
            model_name='historicaldisplacementfigure',
            name='review_status',
            field=models.CharField(choices=[('draft', 'Draft'), ('in_review', 'In review'), ('changes_requested', 'Changes requested'), ('approved', 'Approved'), ('rejected', 'Rejected')], default='draft', editable=False, max_length=20),
        ),
        migrations.AlterField(
            model_name='historicaldisplacementfigure',
            name='term_group',
            field=models.CharField(choices=[('leaving', 'Leaving'), ('arriving', 'Arriving'), ('returning', 'Returning'), ('in_camp', 'In camp'), ('trapped', 'Trapped'), ('displaced_stock', 'Displaced (stock)'), ('surrendered', 'Surrendered or captured')], editable=False, max_length=20),
        ),
        migrations.AlterField(
            model_name='historicalsurrenderfigure',
            name='review_status',
            field=models.CharField(choices=[('draft', 'Draft'), ('in_review', 'In review'), ('changes_requested', 'Changes requested'), ('approved', 'Approved'), ('rejected', 'Rejected')], default='draft', editable=False, max_length=20),
        ),
        migrations.AlterField(
            model_name='historicalsurrenderfigure',
            name='term_group',
            field=models.CharField(choices=[('leaving', 'Leaving'), ('arriving', 'Arriving'), ('returning', 'Returning'), ('in_camp', 'In camp'), ('trapped', 'Trapped'), ('displaced_stock', 'Displaced (stock)'), ('surrendered', 'Surrendered or captured')], editable=False, max_length=20),
        ),
        migrations.AlterField(
            model_name='surrenderfigure',
            name='review_status',
            field=models.CharField(choices=[('draft', 'Draft'), ('in_review', 'In review'), ('changes_requested', 'Changes requested'), ('approved', 'Approved'), ('rejected', 'Rejected')], default='draft', editable=False, max_length=20),
        ),
        migrations.AlterField(
            model_name='surrenderfigure',
            name='term_group',
            field=models.CharField(choices=[('leaving', 'Leaving'), ('arriving', 'Arriving'), ('returning', 'Returning'), ('in_camp', 'In camp'), ('trapped', 'Trapped'), ('displaced_stock', 'Displaced (stock)'), ('surrendered', 'Surrendered or captured')], editable=False, max_length=20),
        ),
        migrations.AddIndex(
            model_name='aidcapacityreport',
            index=models.Index(fields=['review_status', 'end_date'], name='aidcapacity_status_idx'),
        ),
        migrations.AddIndex(
            model_name='aidcapacityreport',
            index=models.Index(fields=['country', 'end_date', 'start_date'], name='aidcapacity_country_date_idx'),
        ),
        migrations.AddIndex(
            model_name='aidcapacityreport',
            index=models.Index(fields=['country', 'review_status', 'end_date', 'id'], name='aidcapacity_country_rev_idx'),
        ),
        migrations.AddIndex(
            model_name='displacementfigure',
            index=models.Index(fields=['country', 'term', 'end_date', 'start_date'], name='displacement_country_term_idx'),
        ),
        migrations.AddIndex(
            model_name='displacementfigure',
            index=models.Index(fields=['country', 'review_status', 'end_date', 'id'], name='displacement_country_rev_idx'),
        ),
        migrations.AddIndex(
            model_name='surrenderfigure',
            index=models.Index(fields=['country', 'term', 'end_date', 'start_date'], name='surrender_country_term_idx'),
        ),
        migrations.AddIndex(
            model_name='surrenderfigure',
            index=models.Index(fields=['country', 'review_status', 'end_date', 'id'], name='surrender_country_rev_idx'),
        ),
    ]
