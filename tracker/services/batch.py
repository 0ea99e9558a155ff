"""Many new records of one kind at once, with the rules and the rows that ``claim_create`` gives one at a time.

A spreadsheet import of 10,000 rows cannot afford ``claim_create``'s queries per record (each foreign key looked
up, the check constraints, the insert, two history rows, the double-count search). Here each step runs once per
batch, and the outcome is the same: the same messages for the same faults, the same stored rows, history rows
and possible double counts::

    errors = claims_validate_batch(figures)          # {row index: ValidationError}, nothing written
    saved = claims_create_batch(figures, created_by=user, cited_sources=[[unhcr], None, ...])

How each rule is kept without a query per row:

- foreign keys: Django's own field validation, less its lookup; the ids of each key are then looked up for the
  whole batch, one query per key (chunked under SQLite's variable limit), and a missing one gets Django's own
  message. The rows found are attached to the records, so that filling and ``clean()`` read them from memory.
- the check constraints: the database decides. The rows that passed the other rules are inserted in chunks,
  each inside a savepoint; a chunk the database refuses is rolled back and only its rows are tested one by one
  with ``validate_constraints()``, which names the broken rule with Django's message. The conditions are thus
  the ones the tables enforce, never a second copy of them in Python. ``claims_validate_batch`` rolls its
  inserts back; ``claims_create_batch`` keeps them.
- history: the rows ``post_save`` and ``cited_sources.set()`` write one by one ("+" with the user and reason,
  then "~" with the links for a record that cites any), the "+" rows copied by the database from the stored
  rows in one INSERT ... SELECT per chunk.
- possible double counts: two joins per chunk of new figures against every candidate (the rules of
  ``overlapping_figures``), pairs among the new figures included, stored with their history rows.

Id lists too long for SQLite's 999 variables are chunked, or written into the statement as integers.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import islice

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, connection, models, transaction
from django.db.models import F
from simple_history.models import HistoricalRecords

from tracker.choices import ReviewStatus
from tracker.models import Claim, Location, Organization, PossibleDoubleCount, QuantifiedClaim
from tracker.models.claims import store_areas
from tracker.models.reference import path_prefix_q
from tracker.rules import tree
from tracker.search.documents import book_for
from tracker.services.claims import (
    OVERLAP_CANDIDATES,
    REASON_CREATED,
    _perm,
    claim_fill_derived,
    counts_for_overlap,
    double_counts_store,
)
from tracker.services.common import history_copy, require_permission

# Ids per IN list: SQLite refuses more than 999 variables in one statement.
ID_CHUNK = 500
# (new figure, place) links per double-count join: they are written into the statement as integers.
PAIR_CHUNK = 5000


class BatchValidationError(ValidationError):
    """Rows of a batch that break a rule; ``errors`` maps each one's index in the batch to its ValidationError,
    whose ``message_dict`` names the fields as ``claim_create`` would."""

    def __init__(self, errors: dict[int, ValidationError]):
        self.errors = dict(sorted(errors.items()))
        super().__init__({index: _flat_messages(error) for index, error in self.errors.items()})


def _flat_messages(error: ValidationError) -> list[str]:
    if not hasattr(error, "error_dict"):
        return error.messages
    return [message if field == NON_FIELD_ERRORS else f"{field}: {message}"
            for field, messages in error.message_dict.items() for message in messages]


def _chunks(items: Sequence, size: int):
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _model_of(claims: Sequence[Claim]) -> type[Claim]:
    models_seen = {type(claim) for claim in claims}
    if len(models_seen) != 1:
        raise ValueError(f"A batch holds records of one kind, not {sorted(m.__name__ for m in models_seen)}.")
    return models_seen.pop()


# --- validation ------------------------------------------------------------------------


def _foreign_keys(model: type[Claim]) -> list[models.ForeignKey]:
    return [field for field in model._meta.concrete_fields if isinstance(field, models.ForeignKey)]


def _clean_foreign_keys(claims: Sequence[Claim], fields: list[models.ForeignKey]) -> dict[int, dict[str, list]]:
    """Each key as ``clean_fields`` would check it, with the lookups made once per field for the whole batch.
    The related rows found are attached to the records that name them, unless they carry their own."""
    errors: dict[int, dict[str, list]] = {}
    for field in fields:
        wanted: dict[int, object] = {}
        for index, claim in enumerate(claims):
            raw = getattr(claim, field.attname)
            if field.blank and raw in field.empty_values:
                continue  # as clean_fields: an empty optional key is not checked
            try:
                value = field.to_python(raw)
                super(models.ForeignKey, field).validate(value, claim)  # choices, null, blank: the lookup is below
                field.run_validators(value)
            except ValidationError as error:
                errors.setdefault(index, {}).setdefault(field.name, []).extend(error.error_list)
                continue
            setattr(claim, field.attname, value)
            if value is not None:
                wanted[index] = value
        found = _related_rows(field, set(wanted.values()))
        for index, value in wanted.items():
            claim = claims[index]
            if value not in found:
                errors.setdefault(index, {}).setdefault(field.name, []).append(ValidationError(
                    field.error_messages["invalid"], code="invalid",
                    params={"model": field.remote_field.model._meta.verbose_name, "pk": value,
                            "field": field.remote_field.field_name, "value": value},
                ))
            elif not field.is_cached(claim):
                field.set_cached_value(claim, found[value])
    return errors


def _related_rows(field: models.ForeignKey, values: set) -> dict:
    """The rows a key's values name, by value, as ``ForeignKey.validate`` finds them (one query per chunk)."""
    remote = field.remote_field.model
    target = field.remote_field.field_name
    queryset = remote._base_manager.complex_filter(field.get_limit_choices_to())
    if remote is Location:
        queryset = queryset.select_related("country")  # a household figure reads its place's country
    found = {}
    for chunk in _chunks(sorted(values, key=str), ID_CHUNK):
        for row in queryset.filter(**{f"{target}__in": chunk}):
            found[getattr(row, target)] = row
    return found


def _validate_rows(claims: Sequence[Claim]) -> dict[int, ValidationError]:
    """``claim_create``'s steps short of the constraints: fill, draft, field rules and ``clean()``, derive.

    A row naming a related row that does not exist gets its key's message with its field rules only: filling
    and ``clean()`` read the related rows (``claim_create`` itself stops there with DoesNotExist)."""
    model = _model_of(claims)
    keys = _foreign_keys(model)
    key_names = [field.name for field in keys]
    key_errors = _clean_foreign_keys(claims, keys)
    names = book_for(claims)  # the names their search documents hold, read once for all
    errors: dict[int, ValidationError] = {}
    for index, claim in enumerate(claims):
        if index in key_errors:
            found: dict = dict(key_errors[index])
            try:
                claim.clean_fields(exclude=key_names)
            except ValidationError as error:
                found = error.update_error_dict(found)
            errors[index] = ValidationError(found)
            continue
        claim_fill_derived(claim, names=names)
        claim.review_status = ReviewStatus.DRAFT
        try:
            claim.full_clean(exclude=key_names, validate_constraints=False)
        except ValidationError as error:
            errors[index] = error
            continue
        claim.derive()
    return errors


def _insert_checked(model: type[Claim], rows: list[tuple[int, Claim]], batch_size: int) -> dict[int, ValidationError]:
    """Insert the rows in chunks, each in a savepoint: a chunk the database refuses (a check constraint) is rolled
    back and its rows are tested one by one, giving Django's messages. Returns the failing rows' errors."""
    errors: dict[int, ValidationError] = {}
    for chunk in _chunks(rows, batch_size):
        try:
            with transaction.atomic():
                model.objects.bulk_create([claim for _, claim in chunk])
        except IntegrityError:
            found = {}
            for index, claim in chunk:
                claim.pk = None
                claim._state.adding, claim._state.db = True, None
                try:
                    claim.validate_constraints()
                except ValidationError as error:
                    found[index] = error
            if not found:
                raise  # not a rule of the record's own: the database's message is the one that helps
            errors.update(found)
    return errors


class _RollBack(Exception):
    """Leaves a trial insert's atomic block, undoing it."""


def claims_validate_batch(claims: list[Claim]) -> dict[int, ValidationError]:
    """The rules ``claim_create`` applies, to many unsaved records of one kind: index -> ValidationError for the
    rows that break one (``message_dict`` naming fields as ``validate_for_save`` does). Nothing is written.

    Like ``claim_create`` it fills derived fields and sets each record as a draft; the check constraints are
    tested by a trial insert that is rolled back (module docstring)."""
    if not claims:
        return {}
    model = _model_of(claims)
    errors = _validate_rows(claims)
    passed = [(index, claim) for index, claim in enumerate(claims) if index not in errors]
    saved = {index: (claim.created_at, claim.updated_at) for index, claim in passed}
    try:
        with transaction.atomic():
            errors.update(_insert_checked(model, passed, batch_size=500))
            raise _RollBack
    except _RollBack:
        pass
    finally:
        for index, claim in passed:
            claim.pk = None
            claim._state.adding, claim._state.db = True, None
            claim.created_at, claim.updated_at = saved[index]
    return dict(sorted(errors.items()))


# --- creation ----------------------------------------------------------------------------


@transaction.atomic
def claims_create_batch(
    claims: list[Claim],
    *,
    created_by: AbstractBaseUser,
    cited_sources: list[list[Organization] | None] | None = None,
    reason: str = REASON_CREATED,
    batch_size: int = 500,
) -> list[Claim]:
    """Validate and store new records of one kind as drafts, with the history rows and possible double counts that
    ``claim_create`` would give each; all or nothing.

    ``cited_sources`` holds one entry per record (None or empty: none cited). Raises BatchValidationError, having
    written nothing, when any record breaks a rule."""
    if not claims:
        return []
    _create(claims, created_by=created_by, cited_sources=cited_sources, reason=reason, batch_size=batch_size,
            keep_valid=False)
    return claims


@transaction.atomic
def claims_create_valid(
    claims: list[Claim],
    *,
    created_by: AbstractBaseUser,
    cited_sources: list[list[Organization] | None] | None = None,
    reason: str = REASON_CREATED,
    batch_size: int = 500,
) -> dict[int, ValidationError]:
    """``claims_create_batch`` for the records that pass: those are stored (with their history and possible
    double counts), the others are returned as index -> ValidationError. One pass, for an import that reports
    the failing rows and writes or previews the rest."""
    if not claims:
        return {}
    return _create(claims, created_by=created_by, cited_sources=cited_sources, reason=reason,
                   batch_size=batch_size, keep_valid=True)


def _create(claims: list[Claim], *, created_by, cited_sources, reason: str, batch_size: int,
            keep_valid: bool) -> dict[int, ValidationError]:
    model = _model_of(claims)
    require_permission(created_by, _perm(claims[0], "add"), f"add {model._meta.verbose_name_plural}")
    if cited_sources is not None and len(cited_sources) != len(claims):
        raise ValueError("cited_sources holds one entry per record.")
    for claim, organizations in zip(claims, cited_sources or [None] * len(claims), strict=True):
        if organizations:
            claim.prefetched_cited_sources = list(organizations)  # in the search document
    errors = _validate_rows(claims)
    passed = [(index, claim) for index, claim in enumerate(claims) if index not in errors]
    for _, claim in passed:
        # What save_with_history, save() and the pre_save signal store_areas set on a new record.
        if not claim.created_by_id:
            claim.created_by = created_by
        claim.updated_by = created_by
        claim._history_user = created_by
        claim._change_reason = reason
        store_areas(claim)
    errors.update(_insert_checked(model, passed, batch_size))
    if errors and not keep_valid:
        raise BatchValidationError(errors)
    # A chunk the database refused was rolled back whole: its rows that pass go in again.
    again = [(index, claim) for index, claim in passed if index not in errors and claim.pk is None]
    errors.update(_insert_checked(model, again, batch_size))
    kept = [index for index in range(len(claims)) if index not in errors]
    created = [claims[index] for index in kept]
    history_copy(model, [claim.pk for claim in created], user=created_by, reason=reason)
    if cited_sources is not None:
        _cite_sources(model, created, [cited_sources[index] for index in kept], batch_size)
    if issubclass(model, QuantifiedClaim):
        _store_double_counts(model, created, batch_size)
    return dict(sorted(errors.items()))


def _cite_sources(model: type[Claim], claims: list[Claim], cited_sources: list, batch_size: int) -> None:
    """The links, and what ``cited_sources.set()`` records for each record that cites any: a second history
    row ("~", same user and reason) holding the links."""
    field = model._meta.get_field("cited_sources")
    through = field.remote_field.through
    source_column, target_column = field.m2m_field_name(), field.m2m_reverse_field_name()
    citing, links = [], []
    for claim, organizations in zip(claims, cited_sources, strict=True):
        ids = {organization.pk for organization in organizations or ()}
        if ids:
            citing.append(claim)
            links.extend(through(**{f"{source_column}_id": claim.pk, f"{target_column}_id": pk}) for pk in ids)
    if not citing:
        return
    links = through.objects.bulk_create(links, batch_size=batch_size)
    history = model.history.bulk_history_create(citing, batch_size=batch_size, update=True)
    history_of = {row.id: row for row in history}
    link_history = HistoricalRecords.m2m_models[field]
    link_columns = [f.attname for f in through._meta.fields]
    link_history.objects.bulk_create(
        [link_history(history=history_of[getattr(link, f"{source_column}_id")],
                      **{name: getattr(link, name) for name in link_columns})
         for link in sorted(links, key=lambda link: link.pk)],
        batch_size=batch_size,
    )


def _store_double_counts(model: type[QuantifiedClaim], claims: list[QuantifiedClaim], batch_size: int) -> None:
    """The possible double counts the new figures take part in, as ``double_count_refresh`` stores them one by
    one: each pair once, in the order one-by-one creation would add them, with a history row each."""
    kind = model._meta.model_name
    pairs = _overlapping_pairs(model, [claim for claim in claims if counts_for_overlap(claim)])
    new_ids = [claim.pk for claim in claims]
    for chunk in _chunks(new_ids, ID_CHUNK):
        stored = PossibleDoubleCount.objects.filter(kind=kind).filter(
            models.Q(first_id__in=chunk) | models.Q(second_id__in=chunk))
        pairs -= set(stored.values_list("first_id", "second_id"))
    double_counts_store(kind, sorted(pairs, key=lambda pair: (pair[1], pair[0])), batch_size=batch_size)


def _overlapping_pairs(model: type[QuantifiedClaim], figures: list[QuantifiedClaim]) -> set[tuple[int, int]]:
    """Every (lower id, higher id) pair of a new figure and another figure that ``overlapping_figures`` would give.

    Places nest when one path is a prefix of the other: the other figure lies at the new figure's place or above
    it (the ancestors are read from the path), or strictly below it (the places below are read once per place,
    from the path index). Each (new figure, place) link is joined with the candidates on their indexed place
    column, so the cost follows the links, not the table: a LIKE join on paths read every candidate of a
    million-record table for each chunk. A pair of two new figures is found from both sides and kept once."""
    if not figures:
        return set()
    table = model._meta.db_table
    candidates, candidate_params = (
        model.objects.filter(OVERLAP_CANDIDATES).annotate(place_path=F("location__path"))
        .values("id", "term_group", "start_date", "end_date", "event_id", "location_id", "place_path")
        .order_by().query.sql_with_params()
    )
    overlap = """y.term_group = x.term_group AND y.start_date <= x.end_date AND y.end_date >= x.start_date
                 AND (x.event_id IS NULL OR y.event_id IS NULL OR x.event_id = y.event_id) AND y.id <> x.id"""
    below: dict[int, list[int]] = {}  # a place's id -> the places strictly below it
    for figure in figures:
        place = figure.location
        if place.pk not in below:
            below[place.pk] = list(Location.objects.filter(path_prefix_q("path", place.path))
                                   .exclude(pk=place.pk).values_list("pk", flat=True))
    # (new figure, place) pairs: the figure's own place and those above it, then the places below it; each half
    # joins the candidates on their indexed place column.
    links = [(figure.pk, ancestor) for figure in figures for ancestor in tree.ancestor_ids(figure.location.path)]
    links += [(figure.pk, place) for figure in figures for place in below[figure.location_id]]
    pairs: set[tuple[int, int]] = set()
    with connection.cursor() as cursor:
        for chunk in _chunks(links, PAIR_CHUNK):
            values = ", ".join(f"({int(figure)}, {int(place)})" for figure, place in chunk)
            cursor.execute(
                f"""SELECT x.id, y.id FROM (VALUES {values}) a
                    JOIN {table} x ON x.id = a.column1
                    JOIN ({candidates}) y ON y.location_id = a.column2 AND {overlap}""",
                candidate_params,
            )
            pairs.update(cursor.fetchall())
    return {(min(pair), max(pair)) for pair in pairs}
