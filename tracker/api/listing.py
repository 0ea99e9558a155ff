"""List pages and downloads built from value rows: the serializers' representation without model instances.

(Longer than 500 lines on purpose: one compiler of serializer fields, whose steps only make sense together.)

A page of 100 displacement figures spent most of its time in Python, not SQL: ~760 model instances
(the records and their sources, publishers, events, crises, places and cited organizations), ~500
nested ``to_representation`` and ~7,000 ``get_attribute`` calls, and a deep copy of the serializer's
fields on every request. For lists, :func:`plan_for` reads a serializer's fields once per serializer
and audience and compiles them into steps over ``.values()`` rows:

- a model column: the field's own ``to_representation``, left out where it gives the database's value
  back unchanged (integers, text, booleans, choices);
- a brief related row: scalar subqueries of the same query when it is a few plain columns (an
  organization, a crisis, a user's name), joined to it when it reaches further (a source and its
  publisher, an event), or, for the fields a view names (a record's location, origin and
  destination), one query for every such row of the page;
- a to-many relation (cited organizations, aliases, an event's countries): one query per relation for
  the page, in the related model's ordering, as a prefetch would;
- a model property (``ROW_PROPERTIES``): the model's own property, read from what the page loaded.

The serializer stays the one definition of the representation. A field this module cannot compile makes
:func:`plan_for` raise :class:`Unsupported`, and the list falls back to the serializer;
tests/api/test_listing.py checks that every list compiles and gives exactly ``Serializer(many=True).data``.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from types import SimpleNamespace

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.core.signals import setting_changed
from django.db import models
from django.db.models import OuterRef, QuerySet, Subquery
from django.dispatch import receiver
from django.utils import timezone
from rest_framework import ISO_8601, serializers
from rest_framework.fields import empty
from rest_framework.relations import ManyRelatedField, PrimaryKeyRelatedField, SlugRelatedField
from rest_framework.settings import api_settings

from tracker.api.pagination import ordering_of
from tracker.models import Claim, QuantifiedClaim

logger = logging.getLogger(__name__)

#: a step's value when DRF would leave the key out (``SkipField``)
SKIP = object()

# Model columns whose Python value the identity-safe fields below give back as they are.
INTEGER_COLUMNS = frozenset({
    "AutoField", "BigAutoField", "SmallAutoField", "IntegerField", "BigIntegerField", "SmallIntegerField",
    "PositiveIntegerField", "PositiveBigIntegerField", "PositiveSmallIntegerField",
})
TEXT_COLUMNS = frozenset({"CharField", "TextField", "SlugField"})


class Unsupported(Exception):
    """A serializer field the plans cannot read from value rows (the list then uses the serializer)."""


# One step of a representation: (key, column, convert, special). A plain column step reads ``row[column]``
# and, unless it is None, passes it through ``convert`` (None: as it is). A special step calls
# ``special(row, page)``, ``page`` holding what the plan's loaders loaded for the rows.
Step = tuple[str, "str | None", "Callable | None", "Callable | None"]


def build(steps: tuple[Step, ...], row: dict, page: list) -> dict:
    """The representation of one row: DRF's ``Serializer.to_representation`` over precompiled steps."""
    out = {}
    for key, column, convert, special in steps:
        if special is None:
            value = row[column]
            out[key] = value if value is None or convert is None else convert(value)
        else:
            value = special(row, page)
            if value is not SKIP:
                out[key] = value
    return out


# --- what a page loads besides its rows ---------------------------------------------------------


class Loader:
    """Loads, for a list of rows, what some steps read (``page[index]``)."""

    def load(self, rows: list[dict]) -> object:
        raise NotImplementedError


class CurrentTimezone(Loader):
    """The time zone a page's times are given in (DRF's ``DateTimeField.default_timezone``), once a page."""

    def load(self, rows):
        return timezone.get_current_timezone()


@dataclass(eq=False)
class ToMany(Loader):
    """A to-many relation of the rows (m2m or reverse foreign key) in one query: owner id -> representations."""

    queryset: Callable[[list], QuerySet]
    owner: str  # the column of the related query naming the row it belongs to
    pk: str  # the rows' own id column
    represent: Callable[[dict], object]

    def load(self, rows):
        groups: dict = {}
        if rows:
            represent = self.represent
            for related in self.queryset([row[self.pk] for row in rows]):
                groups.setdefault(related[self.owner], []).append(represent(related))
        return groups


@dataclass(eq=False)
class Lookup(Loader):
    """Rows of one model that some foreign keys of the rows point to, in one query: id -> representation.

    (The places of a page of records: joined to the records, each place column costs planning time on
    every page; see ``tracker.api.claims.attach_places``.) Rows showing the same place share its representation, which
    nothing changes once built."""

    model: type
    fks: tuple[str, ...]
    columns: tuple[str, ...]
    steps: tuple[Step, ...]

    def load(self, rows):
        ids = {row[fk] for row in rows for fk in self.fks} - {None}
        if not ids:
            return {}
        pk = self.model._meta.pk.name
        queryset = self.model._base_manager.filter(pk__in=ids).order_by().values(*self.columns)
        return {related[pk]: build(self.steps, related, []) for related in queryset}


@dataclass(eq=False)
class EventParties(Loader):
    """What ``Claim.is_party_claim`` reads of a record's event, for the rows' events: their party ids."""

    model: type  # the claim model
    column: str  # the rows' event column

    def load(self, rows):
        ids = {row[self.column] for row in rows} - {None}
        if not ids:
            return {}
        relation = self.model._meta.get_field("event").related_model._meta.get_field("parties")
        owner, party = relation.m2m_field_name(), relation.m2m_reverse_field_name()
        parties: dict = {pk: [] for pk in ids}
        links = relation.remote_field.through.objects.filter(**{f"{owner}__in": ids}).values_list(owner, party)
        for event_id, party_id in links:
            parties[event_id].append(SimpleNamespace(pk=party_id))
        return {pk: SimpleNamespace(prefetched_parties=found) for pk, found in parties.items()}


# --- the compiled plan --------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Plan:
    """How a list represents its rows: the columns to select, the steps per row, the loaders per page."""

    columns: tuple[str, ...]
    expressions: dict[str, Subquery]
    steps: tuple[Step, ...]
    loaders: tuple[Loader, ...]

    def values(self, queryset: QuerySet) -> QuerySet:
        """``queryset``'s value rows: the plan's columns and those its ordering needs (for a page's cursor)."""
        ordering = [path.lstrip("-") for path in ordering_of(queryset)]
        columns = dict.fromkeys([*self.columns, *ordering])
        return queryset.prefetch_related(None).values(*columns, **self.expressions)

    def represent(self, rows: list[dict]) -> list[dict]:
        page = [loader.load(rows) for loader in self.loaders]
        steps = self.steps
        return [build(steps, row, page) for row in rows]

    def stream(self, queryset: QuerySet, chunk_size: int) -> Iterator[dict]:
        """Every row of ``queryset`` represented, from a server-side cursor, loading chunk by chunk."""
        rows = self.values(queryset).iterator(chunk_size=chunk_size)
        while chunk := list(itertools.islice(rows, chunk_size)):
            yield from self.represent(chunk)


_plans: dict[tuple, Plan | None] = {}


@receiver(setting_changed)
def forget_plans(*, setting: str, **kwargs) -> None:
    """Plans read DRF's formats and Django's USE_TZ when compiled: a test that changes them gets new ones."""
    if setting in ("REST_FRAMEWORK", "USE_TZ"):
        _plans.clear()


def plan_for(serializer_class: type, request, separate: tuple[str, ...] = ()) -> Plan | None:
    """The plan of ``serializer_class`` for the request's audience, compiled once; None if it cannot be.

    ``separate``: fields whose related rows are loaded in a query of their own rather than joined.
    """
    audience = getattr(serializer_class, "audience", None)
    key = (serializer_class, audience(request) if audience else None, separate)
    if key not in _plans:
        try:
            serializer = serializer_class(context={"request": request})
            _plans[key] = compile_plan(serializer, separate)
            serializer._context = {}  # the plan outlives the request its fields were chosen for
        except Unsupported as error:
            logger.warning("%s lists through the serializer: %s", serializer_class.__name__, error)
            _plans[key] = None
    return _plans[key]


def compile_plan(serializer: serializers.ModelSerializer, separate: tuple[str, ...] = ()) -> Plan:
    compiler = _Compiler(serializer.Meta.model, separate)
    columns: list[str] = [compiler.pk]
    steps = compiler.level(serializer, serializer.Meta.model, "", columns, top=True, paged=True)
    return Plan(columns=tuple(dict.fromkeys(columns)), expressions=compiler.expressions, steps=steps,
                loaders=tuple(compiler.loaders))


# --- compiling ----------------------------------------------------------------------------------


def _join(*parts: str) -> str:
    return "__".join(part for part in parts if part)


def _identity_safe(field: serializers.Field, column: models.Field) -> bool:
    """Whether ``field.to_representation`` gives the database's value of ``column`` back unchanged."""
    method = type(field).to_representation
    kind = column.get_internal_type()
    if method is serializers.IntegerField.to_representation:
        return kind in INTEGER_COLUMNS
    if method is serializers.BigIntegerField.to_representation:
        return kind in INTEGER_COLUMNS and not getattr(field, "coerce_to_string", api_settings.COERCE_BIGINT_TO_STRING)
    if method is serializers.CharField.to_representation:
        return kind in TEXT_COLUMNS
    if method is serializers.BooleanField.to_representation:
        return kind == "BooleanField"
    if method is serializers.ChoiceField.to_representation:
        return kind in TEXT_COLUMNS and all(
            type(value) is str and key == value for key, value in field.choice_strings_to_values.items()
        )
    return False


def _iso_time_field(field: serializers.Field) -> bool:
    """Whether ``field`` is a plain DRF ``DateTimeField`` giving aware times as ISO 8601 in the current zone."""
    cls = serializers.DateTimeField
    return (
        settings.USE_TZ
        and type(field).to_representation is cls.to_representation
        and type(field).enforce_timezone is cls.enforce_timezone
        and type(field).default_timezone is cls.default_timezone
        and not hasattr(field, "timezone")
        and str(getattr(field, "format", api_settings.DATETIME_FORMAT)).lower() == ISO_8601
    )


def iso_time(value, zone, field: serializers.DateTimeField) -> str:
    """``DateTimeField.to_representation`` of an aware time in the page's ``zone`` (DRF's steps, in one call)."""
    if value.utcoffset() is None:  # naive: DRF's own handling
        return field.to_representation(value)
    try:
        text = value.astimezone(zone).isoformat()
    except OverflowError:
        return field.to_representation(value)  # DRF's own error
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _when_missing(field: serializers.Field):
    """What DRF gives when an object on the way to the field's value is missing (its ``get_attribute``)."""
    if field.default is not empty:
        raise Unsupported(f"{field.field_name}: a default behind a nullable relation")
    if field.allow_null:
        return None
    if not field.required:
        return SKIP
    raise Unsupported(f"{field.field_name}: a required field behind a nullable relation")


@dataclass
class _Target:
    """What a field's source names on a model."""

    kind: str  # column, fk, many, property
    path: str  # the values() path of the attribute (an fk's gives its id)
    model_field: object  # the model field or relation, or the property
    nullable: tuple[str, ...]  # values() paths of the nullable relations on the way


class _Compiler:
    def __init__(self, model: type, separate: tuple[str, ...]):
        self.model = model
        self.pk = model._meta.pk.name
        self.separate = separate
        self.loaders: list[Loader] = []
        self.lookups: dict[tuple, int] = {}
        self.zone: int | None = None
        self.expressions: dict[str, Subquery] = {}  # computed columns of the rows' query, by name

    def add(self, loader: Loader) -> int:
        self.loaders.append(loader)
        return len(self.loaders) - 1

    def current_timezone(self) -> int:
        if self.zone is None:
            self.zone = self.add(CurrentTimezone())
        return self.zone

    @staticmethod
    def resolve(model: type, prefix: str, attrs: list[str]) -> _Target:
        nullable = []
        for n, attr in enumerate(attrs):
            try:
                model_field = model._meta.get_field(attr)
            except FieldDoesNotExist:
                found = getattr(model, attr, None)
                if n < len(attrs) - 1 or not isinstance(found, property):
                    raise Unsupported(f"{'.'.join(attrs)}: not a model field or property") from None
                return _Target("property", _join(prefix, *attrs), found, tuple(nullable))
            path = _join(prefix, *attrs[: n + 1])
            last = n == len(attrs) - 1
            if model_field.is_relation and (model_field.many_to_many or model_field.one_to_many):
                if not last or model_field.auto_created and model_field.many_to_many:
                    raise Unsupported(f"{'.'.join(attrs)}: a to-many relation this plan does not read")
                return _Target("many", path, model_field, tuple(nullable))
            if model_field.is_relation and not model_field.concrete:
                raise Unsupported(f"{'.'.join(attrs)}: a reverse one-to-one relation")
            if model_field.is_relation and attr == model_field.name:
                if last:
                    return _Target("fk", path, model_field, tuple(nullable))
                if model_field.null:
                    nullable.append(path)
                model = model_field.related_model
                continue
            if not last:
                raise Unsupported(f"{'.'.join(attrs)}: goes through a column")
            return _Target("column", path, model_field, tuple(nullable))
        raise Unsupported("an empty source")

    def level(self, serializer, model: type, prefix: str, columns: list[str], *, top: bool,
              paged: bool) -> tuple[Step, ...]:
        """The steps of ``serializer``'s fields on rows of ``model`` whose columns start with ``prefix``.

        ``top``: the list's own rows; ``paged``: rows built with the page (not a loader's related rows)."""
        steps = []
        for field in serializer._readable_fields:
            if field.source == "*":
                raise Unsupported(f"{field.field_name}: source='*'")
            target = self.resolve(model, prefix, field.source_attrs)
            step = self.step(field, target, columns, top=top, paged=paged)
            if target.nullable and (missing := _when_missing(field)) is not None:
                step = self.guarded(step, target.nullable, missing, columns)
            steps.append(step)
        return tuple(steps)

    @staticmethod
    def guarded(step: Step, nullable: tuple[str, ...], missing, columns: list[str]) -> Step:
        """``step``, giving ``missing`` when one of the relations on the way is null."""
        key, column, convert, special = step
        columns.extend(nullable)
        inner = (key, column, convert, special)

        def guarded_step(row, page):
            if any(row[path] is None for path in nullable):
                return missing
            return build((inner,), row, page).get(key, SKIP)

        return key, None, None, guarded_step

    def step(self, field, target: _Target, columns: list[str], *, top: bool, paged: bool) -> Step:
        key = field.field_name
        if target.kind == "property":
            if not top or target.model_field not in ROW_PROPERTIES:
                raise Unsupported(f"{key}: the property {target.path}")
            return ROW_PROPERTIES[target.model_field](self, field, columns)
        if target.kind == "many":
            if not top:
                raise Unsupported(f"{key}: a to-many relation below the top level")
            return self.to_many(field, target.model_field, columns)
        if isinstance(field, serializers.ListSerializer | ManyRelatedField):
            raise Unsupported(f"{key}: many=True over a single value")
        if isinstance(field, serializers.BaseSerializer):
            if target.kind != "fk":
                raise Unsupported(f"{key}: a nested serializer over a column")
            return self.nested(field, target, columns, top=top, paged=paged)
        if target.kind == "fk":
            if isinstance(field, PrimaryKeyRelatedField) and field.pk_field is None:
                columns.append(target.path)
                return key, target.path, None, None
            if isinstance(field, SlugRelatedField):
                related = target.model_field.related_model
                self.resolve(related, "", field.slug_field.split("__"))  # a column of the related row
                column = _join(target.path, field.slug_field)
                if paged and target.model_field.target_field.primary_key:
                    # A subquery, not a join: the staff's four user joins made PostgreSQL plan a page of
                    # records for ~15 ms (and run it in ~2); as subqueries they are planned apart in ~0.5 ms.
                    self.expressions[column] = Subquery(
                        related._base_manager.filter(pk=OuterRef(target.path)).order_by().values(field.slug_field)[:1]
                    )
                else:
                    columns.append(column)
                return key, column, None, None
            raise Unsupported(f"{key}: {type(field).__name__} over a relation")
        if isinstance(field, serializers.RelatedField):
            raise Unsupported(f"{key}: {type(field).__name__} over a column")
        column = target.path
        columns.append(column)
        if paged and _iso_time_field(field):
            zone = self.current_timezone()

            def time_step(row, page):
                value = row[column]
                return None if value is None else iso_time(value, page[zone], field)

            return key, None, None, time_step
        return key, column, None if _identity_safe(field, target.model_field) else field.to_representation, None

    def nested(self, field, target: _Target, columns: list[str], *, top: bool, paged: bool) -> Step:
        """A brief related row: joined into the rows' query, or loaded apart (``separate``)."""
        key, fk = field.field_name, target.path
        related = target.model_field.related_model
        columns.append(fk)
        if top and fk in self.separate:
            if not target.model_field.target_field.primary_key:
                raise Unsupported(f"{key}: a foreign key to another column than the primary key")
            group = (type(field), related)
            if group not in self.lookups:
                lookup_columns = [related._meta.pk.name]
                steps = self.level(field, related, "", lookup_columns, top=False, paged=False)
                self.lookups[group] = self.add(Lookup(related, (), tuple(dict.fromkeys(lookup_columns)), steps))
            index = self.lookups[group]
            lookup = self.loaders[index]
            lookup.fks = (*lookup.fks, fk)

            def separate_row(row, page):
                pk = row[fk]
                return None if pk is None else page[index][pk]

            return key, None, None, separate_row
        joined: list[str] = []
        steps = self.level(field, related, fk, joined, top=False, paged=paged)
        if paged and target.model_field.target_field.primary_key and self.flat(steps, fk, related):
            steps = self.subqueries(steps, fk, related)
        else:
            columns.extend(joined)

        def joined_row(row, page):
            return None if row[fk] is None else build(steps, row, page)

        return key, None, None, joined_row

    @staticmethod
    def flat(steps: tuple[Step, ...], fk: str, related: type) -> bool:
        """Whether ``steps`` only copy columns of the row ``fk`` points to (no relation beyond it)."""
        for _, column, _, special in steps:
            name = column[len(fk) + 2:] if special is None and column.startswith(f"{fk}__") else ""
            if not name or "__" in name or related._meta.get_field(name).is_relation:
                return False
        return True

    def subqueries(self, steps: tuple[Step, ...], fk: str, related: type) -> tuple[Step, ...]:
        """A brief row's columns as scalar subqueries of the rows' query, not a join.

        PostgreSQL plans subqueries one by one but searches the orders of all the joins together: with a
        surrender's group and receiving party joined, it planned a page for ~28 ms and ran it in ~1 ms;
        with the records' organizations as subqueries, ~1 ms and ~1.5 ms."""
        pk = related._meta.pk.name
        rows = related._base_manager.filter(pk=OuterRef(fk)).order_by()
        compiled = []
        for key, column, convert, _ in steps:
            name = column[len(fk) + 2:]
            if name == pk:
                column = fk  # the foreign key holds it
            else:
                self.expressions[column] = Subquery(rows.values(name)[:1])
            compiled.append((key, column, convert, None))
        return tuple(compiled)

    def to_many(self, field, relation, columns: list[str]) -> Step:
        """A to-many relation: one query for the page, in the related model's ordering (as a prefetch)."""
        key, pk = field.field_name, self.pk
        related = relation.related_model
        if related._default_manager.get_queryset().query.where:
            raise Unsupported(f"{key}: the related model's default manager filters its rows")
        if relation.many_to_many:  # forward: the link table, ordered as the target model orders its rows
            if any(not isinstance(o, str) for o in related._meta.ordering):
                raise Unsupported(f"{key}: an ordering by expression")
            owner, prefix = relation.m2m_field_name(), relation.m2m_reverse_field_name()
            link = relation.remote_field.through._meta.get_field(owner)
            rows = relation.remote_field.through.objects.order_by(
                *[f"-{prefix}__{o[1:]}" if o.startswith("-") else f"{prefix}__{o}" for o in related._meta.ordering]
            )
        else:  # reverse foreign key: the related model's rows, as its default manager orders them
            owner, prefix = relation.field.name, ""
            link = relation.field
            rows = related._default_manager.all()
        if not link.target_field.primary_key:
            raise Unsupported(f"{key}: linked by another column than the primary key")
        query_columns: list[str] = [owner]
        if isinstance(field, ManyRelatedField):
            child = field.child_relation
            if isinstance(child, PrimaryKeyRelatedField) and child.pk_field is None:
                column = _join(prefix, related._meta.pk.name)
            elif isinstance(child, SlugRelatedField):
                column = _join(prefix, child.slug_field)
            else:
                raise Unsupported(f"{key}: many {type(child).__name__}")
            query_columns.append(column)

            def represent(related_row):
                return related_row[column]
        elif isinstance(field, serializers.ListSerializer) and isinstance(field.child, serializers.Serializer):
            child_steps = self.level(field.child, related, prefix, query_columns, top=False, paged=False)

            def represent(related_row):
                return build(child_steps, related_row, [])
        else:
            raise Unsupported(f"{key}: {type(field).__name__} over a to-many relation")
        query_columns = list(dict.fromkeys(query_columns))

        def queryset(ids):
            return rows.filter(**{f"{owner}__in": ids}).values(*query_columns)

        index = self.add(ToMany(queryset, owner, pk, represent))
        columns.append(pk)

        def many_rows(row, page):
            return page[index].get(row[pk]) or []

        return key, None, None, many_rows


# --- model properties the plans read ------------------------------------------------------------


def _cited_source_list(compiler: _Compiler, field, columns: list[str]) -> Step:
    """``Claim.cited_source_list``: the record's cited organizations, i.e. the ``cited_sources`` relation."""
    return compiler.to_many(field, compiler.model._meta.get_field("cited_sources"), columns)


def _is_party_claim(compiler: _Compiler, field, columns: list[str]) -> Step:
    """``Claim.is_party_claim``, the model's own property, on a stand-in holding what it reads."""
    key, model = field.field_name, compiler.model
    rule = model.is_party_claim.fget
    index = compiler.add(EventParties(model, "event"))
    columns.extend(["attributed_to", "event"])
    convert = field.to_representation

    def party_claim(row, page):
        event_id = row["event"]
        record = SimpleNamespace(attributed_to_id=row["attributed_to"], event_id=event_id,
                                 event=page[index].get(event_id))
        value = rule(record)
        return None if value is None else convert(value)

    return key, None, None, party_claim


def _is_counted(compiler: _Compiler, field, columns: list[str]) -> Step:
    """``QuantifiedClaim.is_counted``, the model's own property, on a stand-in holding the four columns it reads."""
    key, rule, convert = field.field_name, QuantifiedClaim.is_counted.fget, field.to_representation
    columns.extend(["review_status", "role", "duplicate_of", "low"])

    def counted(row, page):
        return convert(rule(SimpleNamespace(review_status=row["review_status"], role=row["role"],
                                            duplicate_of_id=row["duplicate_of"], low=row["low"])))

    return key, None, None, counted


#: model properties the plans read, and how (a subclass that redefines one lists through the serializer)
ROW_PROPERTIES: dict[property, Callable[[_Compiler, serializers.Field, list[str]], Step]] = {
    Claim.cited_source_list: _cited_source_list,
    Claim.is_party_claim: _is_party_claim,
    QuantifiedClaim.is_counted: _is_counted,
}
