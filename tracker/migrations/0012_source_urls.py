"""Source URLs compare without trailing slashes: restate the stored normal forms that this changes.

A source's ``url_normalized`` is recomputed where its new form collides with nothing: no other source's new form,
no other source's stored form. Sources whose new forms collide are left as they are, never merged here:
``python manage.py source_url_collisions`` lists them for a reviewer to merge, and until then finding a source by
URL still finds them under their old form (``stored_url_forms``). The column is derived and not shown by the API,
so no history row or sync bump is written. On a new (empty) database this is one query.
"""

from collections import Counter

from django.db import migrations

CHUNK = 2000


def restate_url_forms(apps, schema_editor):
    from tracker.rules.normalise import normalise_url

    Source = apps.get_model("tracker", "Source")
    rows = list(Source.objects.exclude(url="").exclude(url_normalized=None).values_list("pk", "url", "url_normalized")
                .iterator(chunk_size=CHUNK))
    if not rows:
        return
    new_forms = {pk: normalise_url(url) for pk, url, _ in rows}
    sharing = Counter(new_forms.values())
    stored = {form: pk for pk, _, form in rows}
    changed = [
        Source(pk=pk, url_normalized=new_forms[pk])
        for pk, _, old in rows
        if new_forms[pk] != old and sharing[new_forms[pk]] == 1 and stored.get(new_forms[pk], pk) == pk
    ]
    Source.objects.bulk_update(changed, ["url_normalized"], batch_size=CHUNK)


class Migration(migrations.Migration):
    dependencies = [("tracker", "0011_imports")]

    operations = [migrations.RunPython(restate_url_forms, migrations.RunPython.noop, elidable=True)]
