from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("tracker", "0014_search_documents")]

    operations = []
