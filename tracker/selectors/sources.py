"""Reads about sources that the doors share: sources stored twice under one URL (``source_url_collisions``)."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Count

from tracker.models import AidCapacityReport, DisplacementFigure, Source, SurrenderFigure
from tracker.rules.normalise import normalise_url


def source_url_collisions() -> list[list[Source]]:
    """Groups of sources whose URLs name one page under the current rule (``normalise_url``): sources stored
    before the rule last changed (trailing slashes), which the migration left apart for a reviewer to merge.

    Each group is ordered by id; each source carries ``records``, the number of records taken from it. One pass
    over the sources' URLs, then one query per kind of record for the colliding ones.
    """
    by_form: dict[str, list[int]] = defaultdict(list)
    for pk, url in Source.objects.exclude(url="").order_by("pk").values_list("pk", "url").iterator(chunk_size=2000):
        by_form[normalise_url(url)].append(pk)
    colliding = [pks for pks in by_form.values() if len(pks) > 1]
    if not colliding:
        return []
    ids = [pk for pks in colliding for pk in pks]
    records: dict[int, int] = defaultdict(int)
    for model in (DisplacementFigure, SurrenderFigure, AidCapacityReport):
        counts = model.objects.filter(source_id__in=ids).order_by().values("source_id").annotate(n=Count("pk"))
        for row in counts:
            records[row["source_id"]] += row["n"]
    sources = Source.objects.select_related("publisher").in_bulk(ids)
    groups = []
    for pks in colliding:
        group = [sources[pk] for pk in pks]
        for source in group:
            source.records = records[source.pk]
        groups.append(group)
    return groups
