"""The search document of a record: ``search_text`` (the stemmed words of its own prose) and ``search_names`` (the
plain words of every name it shows), filled by every door and kept true when a name changes.

A record shows the names of its place (name, alternate names, P-code), its event, its source (title, and the
publisher's name, acronym and aliases) and every organization it names or cites (name, acronym, aliases). The
names are read for many records at once (``NameBook``: six queries whatever their number), so an import or a
rename costs a few queries per thousand records, not per record.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from functools import cache

from django.apps import apps as global_apps
from django.db import connections, models, router
from django.db.models import F, Q
from django.db.models.functions import Cast

from tracker.db.compiled import Slot, bind
from tracker.search.text import document, names

#: The record's own prose, where the kind has the field.
PROSE_FIELDS = ("excerpt", "excerpt_translation", "notes", "attribution_text", "reported_phrase", "composition_note",
                "provider_description")
#: Records read and written per round when documents are refreshed.
CHUNK = 1000
#: Up to this many ids of each kind, the names are read in one query (under SQLite's 999 variables).
ONE_QUERY = 50


def prose_fields(model: type[models.Model]) -> list[str]:
    own = {field.name for field in model._meta.concrete_fields}
    return [name for name in PROSE_FIELDS if name in own]


def organization_fields(model: type[models.Model]) -> list[str]:
    """The record's own foreign keys to organizations (claimant, surrendering group, receiver, provider)."""
    return [field.name for field in model._meta.concrete_fields
            if field.is_relation and field.related_model._meta.model_name == "organization"]


class NameBook:
    """The names of the places, events, sources and organizations that some records show, read in six queries.

    ``apps`` is the app registry to read from (a migration passes its historical one)."""

    def __init__(self, *, places: Iterable[int] = (), events: Iterable[int] = (), sources: Iterable[int] = (),
                 organizations: Iterable[int] = (), apps=global_apps) -> None:
        def model(name: str) -> type[models.Model]:
            return apps.get_model("tracker", name)

        place_ids, event_ids, source_ids = _ids(places), _ids(events), _ids(sources)
        organization_ids = _ids(organizations)
        if max(len(place_ids), len(event_ids), len(source_ids), len(organization_ids)) <= ONE_QUERY:
            self._read_one(apps, place_ids, event_ids, source_ids, organization_ids)
            return
        self.places: dict[int, list[str]] = {
            pk: [name, pcode] for pk, name, pcode in
            _rows(model("Location").objects, place_ids, "id", "name", "pcode")}
        for pk, name in _rows(model("LocationName").objects, place_ids, "location_id", "name", key="location_id"):
            self.places[pk].append(name)
        self.events = dict(_rows(model("Event").objects, event_ids, "id", "name"))
        self.sources: dict[int, tuple[str, int]] = {
            pk: (title, publisher) for pk, title, publisher in
            _rows(model("Source").objects, source_ids, "id", "title", "publisher_id")}
        organization_ids |= {publisher for _, publisher in self.sources.values()}
        self.organizations: dict[int, list[str]] = {
            pk: [name, acronym] for pk, name, acronym in
            _rows(model("Organization").objects, organization_ids, "id", "name", "acronym")}
        for pk, name in _rows(model("OrganizationAlias").objects, organization_ids, "organization_id", "name",
                              key="organization_id"):
            self.organizations[pk].append(name)

    def _read_one(self, apps, place_ids: set[int], event_ids: set[int], source_ids: set[int],
                  organization_ids: set[int]) -> None:
        """The same rows for a few records, in one query: a UNION of the six reads, in their order (creating a
        record spent six round trips here), compiled once per number of ids of each kind (``_one_query``)."""
        ids = {"place": sorted(place_ids), "event": sorted(event_ids), "source": sorted(source_ids),
               "organization": sorted(organization_ids)}
        self.places, self.events, self.sources, self.organizations = {}, {}, {}, {}
        if not any(ids.values()):  # nothing to read (a form sent without a source): no query
            return
        sql, params = _one_query(apps, **{kind: len(listed) for kind, listed in ids.items()})
        values = {f"{kind}{index}": pk for kind, listed in ids.items() for index, pk in enumerate(listed)}
        with connections[router.db_for_read(apps.get_model("tracker", "Location"))].cursor() as cursor:
            cursor.execute(sql, bind(params, values))
            rows = cursor.fetchall()
        for number, key, _, name, extra in rows:
            if number == 0:
                self.places[key] = [name, extra]
            elif number == 1:
                self.places[key].append(name)
            elif number == 2:
                self.events[key] = name
            elif number == 3:
                self.sources[key] = (name, int(extra) if extra is not None else None)
            elif number == 4:
                self.organizations[key] = [name, extra]
            else:
                self.organizations[key].append(name)

    def names_of(self, *, place: int | None, event: int | None, source: int | None,
                 organizations: Iterable[int | None]) -> list[str]:
        values = list(self.places.get(place, ()))
        values.append(self.events.get(event))
        title, publisher = self.sources.get(source, (None, None))
        values.append(title)
        for pk in (publisher, *organizations):
            values.extend(self.organizations.get(pk, ()))
        return values


@cache
def _one_query(apps, *, place: int, event: int, source: int, organization: int) -> tuple[str, list]:
    """``NameBook``'s UNION for so many ids of each kind, compiled once with a ``Slot`` per id
    (``tracker.db.compiled``): building and compiling it took the ORM about 4 ms, running it PostgreSQL 0.2 ms."""
    text = models.CharField()

    def model(name: str) -> type[models.Model]:
        return apps.get_model("tracker", name)

    def slots(kind: str, count: int) -> list[Slot]:
        return [Slot(f"{kind}{index}", models.BigIntegerField()) for index in range(count)]

    place_ids, event_ids, source_ids = slots("place", place), slots("event", event), slots("source", source)
    organization_ids = slots("organization", organization)

    def part(number: int, manager, key: str, name: str, extra: str | None, condition: Q):
        return manager.filter(condition).order_by().annotate(
            book_part=models.Value(number), book_key=F(key), book_order=F("pk"), book_name=Cast(name, text),
            book_extra=Cast(extra, text) if extra else models.Value(None, output_field=text),
        ).values_list("book_part", "book_key", "book_order", "book_name", "book_extra")

    # Keys compared through the related model's id (``location__id``): a slot is an expression, which the
    # related-field lookups would try to read as an id.
    publishers = model("Source").objects.filter(pk__in=source_ids).values("publisher_id")
    parts = [
        part(0, model("Location").objects, "pk", "name", "pcode", Q(pk__in=place_ids)),
        part(1, model("LocationName").objects, "location_id", "name", None, Q(location__id__in=place_ids)),
        part(2, model("Event").objects, "pk", "name", None, Q(pk__in=event_ids)),
        part(3, model("Source").objects, "pk", "title", "publisher_id", Q(pk__in=source_ids)),
        part(4, model("Organization").objects, "pk", "name", "acronym",
             Q(pk__in=organization_ids) | Q(pk__in=publishers)),
        part(5, model("OrganizationAlias").objects, "organization_id", "name", None,
             Q(organization__id__in=organization_ids) | Q(organization_id__in=publishers)),
    ]
    union = parts[0].union(*parts[1:], all=True).order_by("book_part", "book_key", "book_order")
    return union.query.sql_with_params()


def _ids(values: Iterable[int | None]) -> set[int]:
    return {value for value in values if value is not None}


def _rows(manager, ids: set[int], *columns: str, key: str = "id") -> list[tuple]:
    if not ids:
        return []
    rows = []
    ordered = sorted(ids)
    for start in range(0, len(ordered), CHUNK):
        # In one order on every database (a place's alternate names by when they were added), so that a document
        # is the same wherever it is computed.
        rows += manager.filter(**{f"{key}__in": ordered[start:start + CHUNK]}).order_by(key, "pk").values_list(
            *columns)
    return rows


def _cited(claim: models.Model) -> list[int]:
    """Ids of the organizations the record cites: as the caller set them on it (``prefetched_cited_sources``, a
    record not yet saved or being given new ones), else as stored."""
    cited = getattr(claim, "prefetched_cited_sources", None)
    if cited is None:
        cited = claim.cited_sources.all() if claim.pk else ()
    return sorted(organization.pk for organization in cited)


def book_for(claims: Sequence[models.Model]) -> NameBook:
    """The names that ``claims`` (records of one kind, saved or not) show."""
    if not claims:
        return NameBook()
    fields = organization_fields(type(claims[0]))
    return NameBook(
        places=(claim.location_id for claim in claims), events=(claim.event_id for claim in claims),
        sources=(claim.source_id for claim in claims),
        organizations=[*(getattr(claim, f"{name}_id") for claim in claims for name in fields),
                       *(pk for claim in claims for pk in _cited(claim))],
    )


def search_document(claim: models.Model, *, book: NameBook | None = None) -> tuple[str, str]:
    """``(search_text, search_names)`` of one record as it stands (unsaved edits and ``prefetched_cited_sources``
    included); ``book`` holds the names when many records are filled at once."""
    book = book or book_for([claim])
    model = type(claim)
    shown = book.names_of(
        place=claim.location_id, event=claim.event_id, source=claim.source_id,
        organizations=[*(getattr(claim, f"{name}_id") for name in organization_fields(model)), *_cited(claim)],
    )
    return document((getattr(claim, name) for name in prose_fields(model)), shown)


def search_fill(claim: models.Model, *, book: NameBook | None = None) -> None:
    """Set the record's two search columns (``claim_fill_derived`` calls it, so every door fills them)."""
    claim.search_text, claim.search_names = search_document(claim, book=book)


# --- refreshing stored documents --------------------------------------------------------------------------------


def search_refresh(model: type[models.Model], ids: Iterable[int], *, prose: bool = False, apps=global_apps) -> int:
    """Recompute the stored search columns of the records ``ids`` of ``model`` from the database, in rounds of
    ``CHUNK`` records: ``search_names`` always, ``search_text`` too when ``prose``. Returns how many changed.

    Written with ``update()`` (no history, no ``updated_at``): the document is derived, like an index. A rename
    that a hundred thousand records show costs about a hundred rounds of seven reads and one write."""
    through = model._meta.get_field("cited_sources").remote_field.through
    source_column = model._meta.get_field("cited_sources").m2m_field_name()
    target_column = model._meta.get_field("cited_sources").m2m_reverse_field_name()
    fields = organization_fields(model)
    texts = prose_fields(model) if prose else []
    columns = ["id", "location_id", "event_id", "source_id", *(f"{name}_id" for name in fields), *texts,
               "search_text", "search_names"]
    ordered = sorted(set(ids))
    changed = 0
    for start in range(0, len(ordered), CHUNK):
        rows = list(model.objects.filter(pk__in=ordered[start:start + CHUNK]).order_by().values(*columns))
        cited = defaultdict(list)
        for claim_id, organization_id in through.objects.filter(
                **{f"{source_column}_id__in": [row["id"] for row in rows]}).values_list(
                f"{source_column}_id", f"{target_column}_id"):
            cited[claim_id].append(organization_id)
        for pks in cited.values():
            pks.sort()
        book = NameBook(places=(r["location_id"] for r in rows), events=(r["event_id"] for r in rows),
                        sources=(r["source_id"] for r in rows),
                        organizations=[*(r[f"{n}_id"] for r in rows for n in fields), *(
                            pk for pks in cited.values() for pk in pks)], apps=apps)
        stale = []
        for row in rows:
            shown = book.names_of(place=row["location_id"], event=row["event_id"], source=row["source_id"],
                                  organizations=[*(row[f"{n}_id"] for n in fields), *cited[row["id"]]])
            text, names_ = document((row[name] for name in texts), shown) if prose else (row["search_text"], names(
                *dict.fromkeys(shown)))
            if (text, names_) != (row["search_text"], row["search_names"]):
                stale.append((text, names_, row["id"]))
        _write(model, stale)
        changed += len(stale)
    return changed


def _write(model: type[models.Model], rows: list[tuple[str, str, int]]) -> None:
    """Store ``(search_text, search_names, id)`` rows: one statement run for each (``bulk_update``'s CASE over a
    thousand ids took PostgreSQL seconds)."""
    if not rows:
        return
    connection = connections[router.db_for_write(model)]
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.executemany(f"UPDATE {table} SET search_text = %s, search_names = %s WHERE id = %s", rows)


def records_showing(instance: models.Model) -> list[models.QuerySet]:
    """Querysets of the records whose ``search_names`` hold a name of ``instance`` (a place, an organization, an
    event or a source); none for anything else."""
    from tracker.models import CLAIM_MODELS, Location, Organization, Source
    from tracker.models.reference import Event

    if isinstance(instance, Location):
        return [model.objects.filter(location=instance) for model in CLAIM_MODELS]
    if isinstance(instance, Event):
        return [model.objects.filter(event=instance) for model in CLAIM_MODELS]
    if isinstance(instance, Source):
        return [model.objects.filter(source=instance) for model in CLAIM_MODELS]
    if isinstance(instance, Organization):
        querysets = []
        for model in CLAIM_MODELS:
            query = models.Q(source__publisher=instance)
            for name in organization_fields(model):
                query |= models.Q(**{name: instance})
            querysets += [model.objects.filter(query), model.objects.filter(cited_sources=instance)]
        return querysets
    return []


def search_names_refresh(instance: models.Model) -> int:
    """After a place, organization, event or source changed a name, an alias, a title or a P-code (or a source its
    publisher): every record that shows it gets its ``search_names`` again. One function for every door."""
    changed = 0
    for queryset in records_showing(instance):
        changed += search_refresh(queryset.model, queryset.order_by().values_list("pk", flat=True))
    return changed
