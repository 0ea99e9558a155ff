from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("tracker", "0013_saved_queries")]

    operations = []
