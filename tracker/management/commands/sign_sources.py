"""(Re)compute the near-duplicate signatures of sources: after loaddata (which skips the services), or a change
of the signature's parameters."""

from django.core.management.base import BaseCommand
from django.db.models import Q

from tracker.models import Source
from tracker.services.intake import source_sign


class Command(BaseCommand):
    help = ("Compute the MinHash signature and its bands for every source with a stored text (and the bands of "
            "sources whose text was dropped, from their kept signature).")

    def handle(self, *args, **options):
        count = 0
        for source in Source.objects.filter(~Q(text="") | Q(text_signature__isnull=False)).order_by("pk").iterator():
            source_sign(source)
            count += 1
        self.stdout.write(f"{count} source(s) signed.")
