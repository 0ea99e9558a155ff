"""API keys keep history; analysts' plain-text DRF tokens are revoked.

Keys get a history table, and each existing key a first row ("Key as it was when
history began") so that later changes show against it.

Analysts' write tokens move to django-rest-knox, which stores only a hash. The
old ``authtoken_token`` table held every token in plain text and cannot be
converted into knox's format, so it is dropped with its rows (each analyst makes
a new token: docs/api.md), and the ``authtoken`` app's migration records go with
it, so that installing that app again would start from an empty table.
"""

import django.db.models.deletion
import django.utils.timezone
import simple_history.models
from django.conf import settings
from django.db import migrations, models


LEGACY_TOKEN_TABLE = "authtoken_token"


def start_key_history(apps, schema_editor):
    ApiKey = apps.get_model("tracker", "ApiKey")
    HistoricalApiKey = apps.get_model("tracker", "HistoricalApiKey")
    db = schema_editor.connection.alias
    now = django.utils.timezone.now()
    HistoricalApiKey.objects.using(db).bulk_create(
        HistoricalApiKey(
            id=key.id, prefix=key.prefix, created=key.created, name=key.name, revoked=key.revoked,
            expiry_date=key.expiry_date, client=key.client, confidential_scope=key.confidential_scope,
            history_date=now, history_type="+", history_user=None,
            history_change_reason="Key as it was when history began",
        )
        for key in ApiKey.objects.using(db).all()
    )


def revoke_plain_text_tokens(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
    if LEGACY_TOKEN_TABLE in tables:
        schema_editor.execute(schema_editor.sql_delete_table % {"table": schema_editor.quote_name(LEGACY_TOKEN_TABLE)})
    schema_editor.execute("DELETE FROM django_migrations WHERE app = %s", ["authtoken"])


class Migration(migrations.Migration):

    dependencies = [
        ('tracker', '0008_counted_flow_indexes'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='apikey',
            options={'ordering': ('-created',), 'permissions': [('grant_confidential_scope', 'Can grant an API key the confidential scope')], 'verbose_name': 'API key', 'verbose_name_plural': 'API keys'},
        ),
        migrations.CreateModel(
            name='HistoricalApiKey',
            fields=[
                ('id', models.CharField(db_index=True, editable=False, max_length=150)),
                ('prefix', models.CharField(db_index=True, editable=False, max_length=8)),
                ('created', models.DateTimeField(blank=True, db_index=True, editable=False)),
                ('name', models.CharField(default=None, help_text='A free-form name for the API key. Need not be unique. 50 characters max.', max_length=50)),
                ('revoked', models.BooleanField(blank=True, default=False, help_text='If the API key is revoked, clients cannot use it anymore. (This cannot be undone.)')),
                ('expiry_date', models.DateTimeField(blank=True, help_text='Once API key expires, clients cannot use it anymore.', null=True, verbose_name='Expires')),
                ('client', models.CharField(help_text="The organization that holds the key (an NGO's name).", max_length=200)),
                ('confidential_scope', models.BooleanField(default=False, help_text='Also sees confidential records and records from confidential sources. Off unless agreed.')),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'historical API key',
                'verbose_name_plural': 'historical API keys',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.RunPython(start_key_history, migrations.RunPython.noop),
        # Revoked for good: going back does not bring plain-text tokens back.
        migrations.RunPython(revoke_plain_text_tokens, migrations.RunPython.noop),
    ]
