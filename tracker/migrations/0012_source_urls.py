from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("tracker", "0011_imports")]

    operations = [migrations.RunPython(migrations.RunPython.noop, migrations.RunPython.noop)]
