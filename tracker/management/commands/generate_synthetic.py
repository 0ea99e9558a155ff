"""Fill the database with a deterministic, realistic, clearly synthetic data set.

``python manage.py generate_synthetic --figures N --seed S`` makes a place tree
over several invented countries (ISO3 codes from the user-assigned X.. range),
organizations, crises, events, sources and N records across the three kinds.
Every row says it is synthetic (``is_synthetic`` and its notes).

This is one of the two bulk paths allowed to skip per-row services and history
(DOMAIN.md): rows are inserted directly (COPY on PostgreSQL, ``executemany``
elsewhere), with every derived column computed by the same functions ``save()``
uses: ``tracker.quantities.derive_quantity`` for low/best/high/high_open,
``tracker.choices.displacement_term_group`` for the term group, the path and
ancestor rule of ``Location._derive_tree``, and ``normalise_url`` for sources.
The database constraints check every inserted row.

The same seed gives the same rows: every random choice comes from
``random.Random`` seeded from ``--seed`` (records in fixed blocks of
``BLOCK`` rows, each with its own generator, so ``--batch-size`` changes
nothing but how rows are sent), and dates sit in a fixed ten-year window.

On PostgreSQL the records are the bulk of the work, and Python's: ``--workers``
forked processes draw the blocks and write them as COPY text (a part that
several records share, such as a source's columns, is formatted once) while the
command sends them in order; the database parses them on its own processor.
"""

from __future__ import annotations

import bisect
import itertools
import math
import multiprocessing
import os
import random
import sys
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.core.management.color import no_style
from django.db import connection, models, transaction
from tqdm import tqdm

from tracker.choices import (
    CapacityUnit,
    CombatantStatus,
    DatePrecision,
    DisplacementCategory,
    DisplacementTerm,
    EventKind,
    HouseholdSizeSource,
    LocationLevel,
    LocationPrecision,
    MagnitudeWord,
    OrganizationKind,
    Quantifier,
    Reliability,
    ReviewStatus,
    Role,
    Sector,
    SourceKind,
    Strain,
    SurrenderTerm,
    TermGroup,
    Unit,
)
from tracker.models import (
    CLAIM_MODELS,
    AidCapacityReport,
    Crisis,
    DisplacementFigure,
    Event,
    Location,
    Organization,
    Source,
    SurrenderFigure,
)
from tracker.rules.normalise import normalise_url
from tracker.rules.quantities import MAGNITUDE_RANGES, derive_quantity
from tracker.rules.terms import displacement_term_group

# A fixed window, so that the same seed gives the same rows on any day (and no date lies in the future).
WINDOW_START = date(2016, 1, 1)
WINDOW_END = date(2025, 12, 31)
CREATED_CAP = datetime(2026, 1, 31, tzinfo=UTC)
WINDOW_START_ORDINAL, WINDOW_END_ORDINAL = WINDOW_START.toordinal(), WINDOW_END.toordinal()
BLOCK = 10_000  # records per random generator: the unit of determinism
RECORD_NOTE = "Synthetic record: no real source reports it."
SOURCE_NOTE = "Synthetic source: no real outlet published it."
PLACE_NOTE = "Synthetic place: it does not exist."
ORG_NOTE = "Synthetic organization: it does not exist."
EVENT_NOTE = "Synthetic event: it did not happen."
CRISIS_PREFIX = "Synthetic crisis"
USER_PREFIX = "synthetic-"

KIND_SHARES = ((DisplacementFigure, 0.70), (SurrenderFigure, 0.18), (AidCapacityReport, 0.12))
STATUS_WEIGHTS = (
    (ReviewStatus.APPROVED, 84), (ReviewStatus.IN_REVIEW, 6), (ReviewStatus.DRAFT, 3),
    (ReviewStatus.CHANGES_REQUESTED, 3), (ReviewStatus.REJECTED, 4),
)
QUANTIFIER_WEIGHTS = (
    (Quantifier.EXACT, 24), (Quantifier.APPROXIMATELY, 26), (Quantifier.MORE_THAN, 12), (Quantifier.AT_LEAST, 5),
    (Quantifier.LESS_THAN, 3), (Quantifier.AT_MOST, 2), (Quantifier.RANGE, 8), (Quantifier.MAGNITUDE, 12),
    (Quantifier.UNQUANTIFIED, 8),
)
MAGNITUDE_WEIGHTS = (
    (MagnitudeWord.SEVERAL, 4), (MagnitudeWord.DOZENS, 14), (MagnitudeWord.HUNDREDS, 28),
    (MagnitudeWord.THOUSANDS, 30), (MagnitudeWord.TENS_OF_THOUSANDS, 16),
    (MagnitudeWord.HUNDREDS_OF_THOUSANDS, 6), (MagnitudeWord.MILLIONS, 2),
)
TERM_WEIGHTS = (
    (DisplacementTerm.FLED, 24), (DisplacementTerm.DISPLACED, 22), (DisplacementTerm.EVACUATED, 10),
    (DisplacementTerm.RELOCATED, 4), (DisplacementTerm.RETURNED, 12), (DisplacementTerm.ARRIVED, 10),
    (DisplacementTerm.IN_CAMP, 12), (DisplacementTerm.TRAPPED, 6),
)
STOCK_TERMS = {DisplacementTerm.IN_CAMP, DisplacementTerm.TRAPPED}
UNIT_WEIGHTS = ((Unit.PERSONS, 85), (Unit.HOUSEHOLDS, 10), (Unit.FAMILIES, 5))
HOUSEHOLD_SIZES = tuple(Decimal(s) for s in ("4.50", "5.00", "5.50", "6.00", "6.50", "7.00"))
START_PRECISION_WEIGHTS = ((DatePrecision.DAY, 60), (DatePrecision.WEEK, 10), (DatePrecision.MONTH, 25),
                           (DatePrecision.YEAR, 5))
END_PRECISION_WEIGHTS = ((DatePrecision.DAY, 85), (DatePrecision.WEEK, 8), (DatePrecision.MONTH, 7))
LEVEL_PRECISION = {
    LocationLevel.COUNTRY: LocationPrecision.COUNTRY, LocationLevel.ADM1: LocationPrecision.ADM1,
    LocationLevel.ADM2: LocationPrecision.ADM2, LocationLevel.ADM3: LocationPrecision.ADM3,
}
# Where records sit: mostly towns and camps, some admin areas, a few whole countries.
RECORD_LEVEL_WEIGHTS = (
    (LocationLevel.LOCALITY, 48), (LocationLevel.SITE, 14), (LocationLevel.ADM3, 14), (LocationLevel.ADM2, 12),
    (LocationLevel.ADM1, 9), (LocationLevel.COUNTRY, 3),
)
ORG_KIND_WEIGHTS = (
    (OrganizationKind.MEDIA, 30), (OrganizationKind.NGO, 22), (OrganizationKind.ARMED_GROUP, 16),
    (OrganizationKind.STATE_FORCE, 8), (OrganizationKind.GOVERNMENT, 8), (OrganizationKind.UN_AGENCY, 8),
    (OrganizationKind.RED_CROSS, 3), (OrganizationKind.OTHER, 5),
)
SOURCE_KIND_WEIGHTS = (
    (SourceKind.NEWS_ARTICLE, 62), (SourceKind.NGO_REPORT, 14), (SourceKind.UN_REPORT, 10),
    (SourceKind.OFFICIAL_STATEMENT, 8), (SourceKind.SOCIAL_MEDIA, 4), (SourceKind.OTHER, 2),
)
SYLLABLES = ("al", "ba", "dar", "el", "fa", "ghu", "ha", "ka", "kir", "lat", "ma", "nur", "qa", "ra", "sa",
             "shi", "ta", "um", "wa", "ya", "za", "bek", "dun", "gor", "mi", "tos", "vel", "zan", "or", "is")
PLACE_WORDS = {
    LocationLevel.ADM1: "Province", LocationLevel.ADM2: "District", LocationLevel.ADM3: "Subdistrict",
    LocationLevel.SITE: "Camp",
}


def weighted(pairs):
    """(values, cumulative weights) for ``random.choices``."""
    values = [value for value, _ in pairs]
    cumulative, total = [], 0
    for _, weight in pairs:
        total += weight
        cumulative.append(total)
    return values, cumulative


def pick(rng: random.Random, table) -> object:
    values, cumulative = table
    return values[bisect.bisect(cumulative, rng.random() * cumulative[-1])]


def scale(figures: int) -> dict[str, int]:
    """Sizes of the reference tables for N records: the full sizes from a million, proportionally less below."""
    return {
        "places": max(60, min(10_000, figures // 100)),
        "events": max(5, min(1_000, figures // 1_000)),
        "sources": max(10, min(200_000, figures // 5)),
        "organizations": max(20, min(300, figures // 100)),
        "crises": max(2, min(12, figures // 50_000)),
    }


def sql_name(model: type[models.Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def default_workers() -> int:
    """Two record workers when this process can run on two processors or more; none on one."""
    processors = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return 2 if processors > 1 else 0


class Inserter:
    """Sends rows to one table: COPY on PostgreSQL, ``executemany`` elsewhere.

    ``send`` takes dicts by column name; ``send_tuples`` takes tuples in ``columns`` order; ``send_copy_text``
    (PostgreSQL only, the fastest) takes rows already in COPY's text format.
    """

    def __init__(self, model: type[models.Model], columns: list[str] | None = None):
        self.model = model
        by_column = {f.column: f for f in model._meta.concrete_fields}
        self.columns = columns or list(by_column)
        if set(self.columns) != set(by_column) or len(self.columns) != len(by_column):
            raise ValueError(f"{model.__name__}: columns differ from the table's: "
                             f"{sorted(set(self.columns) ^ set(by_column))}")
        self.fields = [by_column[c] for c in self.columns]
        self.postgres = connection.vendor == "postgresql"
        quoted = ", ".join(connection.ops.quote_name(c) for c in self.columns)
        self.copy_sql = f"COPY {sql_name(model)} ({quoted}) FROM STDIN"
        self.insert_sql = (
            f"INSERT INTO {sql_name(model)} ({quoted}) VALUES ({', '.join(['%s'] * len(self.columns))})"
        )
        # Off PostgreSQL, values go through Django's adapters (aware datetimes, decimals) for the column types.
        self.adapters = [
            (i, f) for i, f in enumerate(self.fields)
            if isinstance(f, models.DateTimeField | models.DecimalField | models.DateField)
        ]

    def send(self, rows: list[dict]) -> None:
        columns = self.columns
        self.send_tuples([tuple(row.get(c) for c in columns) for row in rows])

    def send_tuples(self, values: list[tuple]) -> None:
        if not values:
            return
        with connection.cursor() as cursor:
            if self.postgres:
                with cursor.cursor.copy(self.copy_sql) as copy:
                    write = copy.write_row
                    for value in values:
                        write(value)
                return
            adapted = []
            for value in values:
                value = list(value)
                for i, field in self.adapters:
                    if value[i] is not None:
                        value[i] = field.get_db_prep_value(value[i], connection)
                adapted.append(value)
            cursor.executemany(self.insert_sql, adapted)

    def send_copy_text(self, chunks: Iterable[tuple[bytes, int]], batch_size: int,
                       sent: Callable[[int], object] | None = None) -> None:
        """COPY chunks of whole rows (text format, with their row counts), ``batch_size`` rows a statement.

        A chunk never spans two statements: the chunks must end where batches do. ``sent(rows)`` follows progress.
        """
        chunks = iter(chunks)
        pending = next(chunks, None)
        with connection.cursor() as cursor:
            while pending is not None:
                rows = 0
                with cursor.cursor.copy(self.copy_sql) as copy:
                    while pending is not None and rows < batch_size:
                        data, count = pending
                        copy.write(data)
                        rows += count
                        if sent:
                            sent(count)
                        pending = next(chunks, None)
                if rows != batch_size and pending is not None:
                    raise ValueError(f"a chunk crossed a batch boundary ({rows:,} rows, not {batch_size:,})")


@contextmanager
def bulk_loading(tables: list[type[models.Model]]):
    """On PostgreSQL, load without per-row index upkeep and foreign-key triggers, then rebuild and re-check.

    What pg_restore does: the tables' secondary indexes and foreign keys are dropped inside the
    transaction, and recreated after the load. ``ADD CONSTRAINT`` validates every row at once, so
    every foreign key still holds when the transaction commits (and a failure rolls all of it back).
    Check, unique and primary-key constraints stay in place throughout.
    """
    if connection.vendor != "postgresql":
        yield
        return
    quote = connection.ops.quote_name
    saved = []
    with connection.cursor() as cursor:
        # Run the checks deferred so far (earlier deletes): ALTER TABLE refuses a table with pending ones.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        for model in tables:
            table = model._meta.db_table
            cursor.execute(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = %s::regclass AND contype = 'f' ORDER BY conname", [table])
            foreign_keys = cursor.fetchall()
            cursor.execute(
                "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
                "WHERE x.indrelid = %s::regclass AND NOT x.indisprimary AND NOT x.indisunique "
                "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.oid) ORDER BY i.relname",
                [table])
            indexes = cursor.fetchall()
            for name, _ in foreign_keys:
                cursor.execute(f"ALTER TABLE {quote(table)} DROP CONSTRAINT {quote(name)}")
            for name, _ in indexes:
                cursor.execute(f"DROP INDEX {quote(name)}")
            saved.append((table, foreign_keys, indexes))
    yield
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        for table, foreign_keys, indexes in saved:
            for _, definition in indexes:
                cursor.execute(definition)
            for name, definition in foreign_keys:
                cursor.execute(f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(name)} {definition}")
            cursor.execute(f"ANALYZE {quote(table)}")


def next_id(model: type[models.Model]) -> int:
    return (model.objects.aggregate(top=models.Max("pk"))["top"] or 0) + 1


def audit(created: datetime, user_id: int) -> dict:
    return {"created_at": created, "updated_at": created, "created_by_id": user_id, "updated_by_id": user_id,
            "version": 1}


class Command(BaseCommand):
    help = (
        "Generate a deterministic synthetic data set (places, organizations, events, sources and N records), "
        "marked synthetic. Replaces earlier synthetic data; refuses a database holding real records unless --force."
    )

    def add_arguments(self, parser):
        parser.add_argument("--figures", type=int, required=True, help="How many records (all three kinds).")
        parser.add_argument("--seed", type=int, default=1, help="Random seed: the same seed gives the same rows.")
        parser.add_argument("--force", action="store_true", help="Add synthetic data beside real records.")
        parser.add_argument("--batch-size", type=int, default=20_000, help="Rows per insert batch.")
        parser.add_argument(
            "--workers", type=int, default=default_workers(),
            help="Processes that generate records while this one sends them to PostgreSQL (0: this one does it "
                 "all; the default is 2 with two processors or more, else 0; none where processes cannot fork). "
                 "The rows do not depend on it.",
        )

    # --- entry ------------------------------------------------------------------------------
    def handle(self, *args, figures: int, seed: int, force: bool, batch_size: int, workers: int, **options):
        if figures < 1:
            raise CommandError("--figures must be at least 1.")
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        if workers < 0:
            raise CommandError("--workers must be 0 or more.")
        real = sum(model.objects.filter(is_synthetic=False).count() for model in CLAIM_MODELS)
        if real and not force:
            raise CommandError(
                f"This database holds {real:,} real (non-synthetic) records. Synthetic data belongs in a separate "
                "database; pass --force to add it here anyway."
            )
        self.seed, self.figures, self.batch_size, self.workers = seed, figures, batch_size, workers
        self.verbose = options.get("verbosity", 1) >= 1
        sizes = scale(figures)
        started = time.perf_counter()
        with transaction.atomic():
            self.remove_previous()
            self.make_users()
            self.make_places(sizes["places"])
            self.make_organizations(sizes["organizations"])
            self.make_events(sizes["crises"], sizes["events"])
            with bulk_loading([Source]):
                self.make_sources(sizes["sources"])
            reference_done = time.perf_counter()
            with bulk_loading(list(CLAIM_MODELS)):
                self.make_records(figures)
                written = time.perf_counter()
                if connection.vendor == "postgresql":
                    self.say("Rebuilding indexes and checking foreign keys...")
            records_done = time.perf_counter()
            self.reset_sequences()
        self.vacuum()
        finished = time.perf_counter()
        # Two rates: rows inserted (COPY, without indexes), and records ready to query (indexes rebuilt,
        # foreign keys checked, statistics taken).
        self.insert_rate = figures / max(written - reference_done, 1e-9)
        self.rate = figures / max(records_done - reference_done, 1e-9)
        self.say(
            f"Generated {figures:,} records ({self.counts_text()}) over {len(self.places):,} places, "
            f"{sizes['organizations']:,} organizations, {sizes['events']:,} events and {sizes['sources']:,} "
            f"sources on {connection.vendor} with seed {seed}: reference data {reference_done - started:.1f} s, "
            f"records inserted in {written - reference_done:.1f} s ({self.insert_rate:,.0f} records/second), "
            f"indexed and checked after {records_done - reference_done:.1f} s ({self.rate:,.0f} records/second), "
            f"total {finished - started:.1f} s."
        )

    def say(self, message: str) -> None:
        if self.verbose:
            self.stdout.write(message)

    def counts_text(self) -> str:
        return ", ".join(f"{n:,} {model._meta.verbose_name_plural}" for model, n in self.kind_counts.items())

    # --- clean slate ------------------------------------------------------------------------
    def remove_previous(self) -> None:
        """Delete earlier synthetic rows with plain DELETEs (no per-row signals: they carry no history); records
        with one TRUNCATE on PostgreSQL when every record is synthetic."""
        if not Location.objects.filter(is_synthetic=True).exists() and not Source.objects.filter(
            is_synthetic=True
        ).exists() and not any(m.objects.filter(is_synthetic=True).exists() for m in CLAIM_MODELS):
            return
        self.say("Removing the earlier synthetic data...")
        with connection.cursor() as cursor:

            def delete(model, where: str) -> None:
                cursor.execute(f"DELETE FROM {sql_name(model)} WHERE {where}")

            def delete_links(through, owner_column: str, owner) -> None:
                delete(through, f"{connection.ops.quote_name(owner_column)} IN "
                                f"(SELECT id FROM {sql_name(owner)} WHERE is_synthetic)")

            truth = "is_synthetic = TRUE" if connection.vendor == "postgresql" else "is_synthetic = 1"
            throughs = [model._meta.get_field("cited_sources").remote_field.through for model in CLAIM_MODELS]
            if connection.vendor == "postgresql" and not any(
                model.objects.filter(is_synthetic=False).exists() for model in CLAIM_MODELS
            ):
                # Every record is synthetic: empty the three tables and their links at once. After a DELETE,
                # each source, place and organization deleted next queues a deferred foreign-key check that
                # probes a million dead record rows: about 27 s at a million records.
                cursor.execute(f"TRUNCATE {', '.join(sql_name(m) for m in [*CLAIM_MODELS, *throughs])}")
            else:
                for model, through in zip(CLAIM_MODELS, throughs, strict=True):
                    delete_links(through, through._meta.get_field(model._meta.model_name).column, model)
                    delete(model, truth)
            through = Source._meta.get_field("co_credited").remote_field.through
            delete_links(through, "source_id", Source)
            delete(Source, truth)
            for name in ("countries", "parties"):
                through = Event._meta.get_field(name).remote_field.through
                delete_links(through, "event_id", Event)
            delete(Event, truth)
            cursor.execute(f"DELETE FROM {sql_name(Crisis)} WHERE name LIKE %s", [f"{CRISIS_PREFIX}%"])
            delete(Organization, truth)
            delete(Location, truth)

    def make_users(self) -> None:
        """A few synthetic analysts and reviewers to carry the audit and review columns."""
        User = get_user_model()
        self.analysts, self.reviewers = [], []
        for role, count, target in (("analyst", 6, self.analysts), ("reviewer", 3, self.reviewers)):
            for i in range(1, count + 1):
                user, created = User.objects.get_or_create(
                    username=f"{USER_PREFIX}{role}-{i}",
                    defaults={"first_name": "Synthetic", "last_name": f"{role.title()} {i}", "is_active": False},
                )
                if created:
                    user.set_unusable_password()
                    user.save(update_fields=["password"])
                target.append(user.pk)

    def vacuum(self) -> None:
        """On PostgreSQL, VACUUM (ANALYZE) every table written: fresh statistics for the planner, and a
        visibility map so that counts can be answered from indexes alone. Outside the transaction (it must be)."""
        if connection.vendor != "postgresql":
            return
        # Called inside someone's transaction (a test, a script), VACUUM cannot run: statistics still can.
        statement = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
        self.say("Vacuuming and analysing..." if statement != "ANALYZE" else "Analysing...")
        with connection.cursor() as cursor:
            for model in (Location, Organization, Crisis, Event, Source, *CLAIM_MODELS):
                cursor.execute(f"{statement} {sql_name(model)}")

    def reset_sequences(self) -> None:
        """Ids were assigned here: move PostgreSQL's sequences past them."""
        sql = connection.ops.sequence_reset_sql(
            no_style(), [Location, Organization, Crisis, Event, Source, *CLAIM_MODELS]
        )
        with connection.cursor() as cursor:
            for statement in sql:
                cursor.execute(statement)

    # --- places -----------------------------------------------------------------------------
    def name(self, rng: random.Random, parts: int = 2) -> str:
        return "".join(rng.choice(SYLLABLES) for _ in range(parts)).capitalize()

    def make_places(self, target: int) -> None:
        """Countries, adm1-adm3, localities and sites (and a few features), with paths computed here."""
        rng = random.Random(f"{self.seed}-places")
        countries = max(2, min(8, round(target / 1_500)))
        per_country = target / countries
        # Branching b at each of the four levels below a country, with a site under 30% of localities:
        # b + b^2 + b^3 + 1.3 b^4 places per country.
        branching = 1.0
        while branching + branching**2 + branching**3 + 1.3 * branching**4 < per_country:
            branching += 0.05
        first = next_id(Location)
        rows: list[dict] = []
        self.places: list[dict] = []

        def add(level: str, parent: dict | None, name: str, lat: float, lon: float, **extra) -> dict:
            pk = first + len(rows)
            row = {
                "id": pk, "name": name, "level": level, "parent_id": parent["id"] if parent else None,
                "pcode": extra.pop("pcode", None), "iso3": extra.pop("iso3", None),
                "latitude": Decimal(f"{lat:.6f}"), "longitude": Decimal(f"{lon:.6f}"),
                "default_household_size": None, "default_household_size_citation": "", "notes": PLACE_NOTE,
                "is_synthetic": True, **audit(CREATED_CAP, self.analysts[0]), **extra,
            }
            # The rule of Location._derive_tree, with ids known in advance.
            row["path"] = f"{parent['path'] if parent else '/'}{pk}/"
            row["depth"] = row["path"].count("/") - 2
            for ancestor in ("country", "adm1", "adm2"):
                row[f"{ancestor}_id"] = pk if level == ancestor else (parent[f"{ancestor}_id"] if parent else None)
            rows.append(row)
            return row

        def spread() -> int:
            return rng.randint(max(1, round(branching * 0.6)), max(1, round(branching * 1.4)))

        for c in range(countries):
            iso3 = "X" + chr(ord("A") + c // 26) + chr(ord("A") + c % 26)
            lat, lon = rng.uniform(-10, 40), rng.uniform(-10, 60)
            country = add(LocationLevel.COUNTRY, None, f"Synthetica {self.name(rng, 2)}", lat, lon, iso3=iso3,
                          pcode=iso3[:2] + iso3[2], default_household_size=rng.choice(HOUSEHOLD_SIZES),
                          default_household_size_citation="Synthetic default: no real survey measured it.")
            for a1 in range(spread()):
                p1 = f"{country['pcode']}{a1 + 1:02d}"
                adm1 = add(LocationLevel.ADM1, country, f"{self.name(rng)} {PLACE_WORDS['adm1']}",
                           lat + rng.uniform(-3, 3), lon + rng.uniform(-3, 3), pcode=p1)
                for a2 in range(spread()):
                    p2 = f"{p1}{a2 + 1:02d}"
                    adm2 = add(LocationLevel.ADM2, adm1, f"{self.name(rng)} {PLACE_WORDS['adm2']}",
                               float(adm1["latitude"]) + rng.uniform(-1, 1),
                               float(adm1["longitude"]) + rng.uniform(-1, 1), pcode=p2)
                    for a3 in range(spread()):
                        p3 = f"{p2}{a3 + 1:02d}"
                        adm3 = add(LocationLevel.ADM3, adm2, f"{self.name(rng)} {PLACE_WORDS['adm3']}",
                                   float(adm2["latitude"]) + rng.uniform(-0.3, 0.3),
                                   float(adm2["longitude"]) + rng.uniform(-0.3, 0.3), pcode=p3)
                        for loc in range(spread()):
                            town = add(LocationLevel.LOCALITY, adm3, self.name(rng, rng.randint(2, 3)),
                                       float(adm3["latitude"]) + rng.uniform(-0.1, 0.1),
                                       float(adm3["longitude"]) + rng.uniform(-0.1, 0.1),
                                       pcode=f"{p3}{loc + 1:03d}")
                            if rng.random() < 0.3:
                                add(LocationLevel.SITE, town, f"{town['name']} {PLACE_WORDS['site']}",
                                    float(town["latitude"]) + rng.uniform(-0.02, 0.02),
                                    float(town["longitude"]) + rng.uniform(-0.02, 0.02))
            for _ in range(2):
                add(LocationLevel.FEATURE, country, f"{self.name(rng)} river", lat + rng.uniform(-3, 3),
                    lon + rng.uniform(-3, 3))
        Inserter(Location).send(rows)
        self.places = rows
        self.place_country = {row["id"]: row["country_id"] for row in rows}
        self.countries = [row for row in rows if row["level"] == LocationLevel.COUNTRY]
        # Places by country and level, for drawing record places.
        self.places_by = {}
        for row in rows:
            self.places_by.setdefault((row["country_id"], row["level"]), []).append(row)
        self.say(f"  {len(rows):,} places in {countries} synthetic countries")

    # --- organizations, crises, events ------------------------------------------------------
    def make_organizations(self, count: int) -> None:
        rng = random.Random(f"{self.seed}-organizations")
        first = next_id(Organization)
        kinds = weighted(ORG_KIND_WEIGHTS)
        reliabilities = weighted(((Reliability.HIGH, 3), (Reliability.MEDIUM, 5), (Reliability.LOW, 2)))
        rows = []
        for i in range(count):
            kind = OrganizationKind.MEDIA if i < 5 else pick(rng, kinds)
            word = self.name(rng)
            label = OrganizationKind(kind).label
            rows.append({
                "id": first + i, "name": f"Synthetic {label} {word} {i + 1}", "acronym": f"S{word[:3].upper()}{i + 1}",
                "kind": kind, "reliability": pick(rng, reliabilities),
                "country_id": rng.choice(self.countries)["id"] if rng.random() < 0.7 else None,
                "notes": ORG_NOTE, "is_synthetic": True, **audit(CREATED_CAP, self.analysts[0]),
            })
        Inserter(Organization).send(rows)
        by_kind: dict[str, list[int]] = {}
        for row in rows:
            by_kind.setdefault(row["kind"], []).append(row["id"])
        self.organizations = [row["id"] for row in rows]
        self.media = by_kind[OrganizationKind.MEDIA]
        self.publishers = (self.media + by_kind.get(OrganizationKind.NGO, [])
                           + by_kind.get(OrganizationKind.UN_AGENCY, []))
        self.armed = by_kind.get(OrganizationKind.ARMED_GROUP, []) or self.organizations
        self.forces = by_kind.get(OrganizationKind.STATE_FORCE, []) + self.armed
        self.providers = (by_kind.get(OrganizationKind.NGO, []) + by_kind.get(OrganizationKind.UN_AGENCY, [])
                          + by_kind.get(OrganizationKind.RED_CROSS, [])) or self.organizations
        self.say(f"  {count:,} organizations")

    def make_events(self, crises: int, count: int) -> None:
        rng = random.Random(f"{self.seed}-events")
        crisis_ids = []
        for i in range(crises):
            crisis = Crisis(name=f"{CRISIS_PREFIX} {i + 1}: {self.name(rng)} conflict",
                            description="Synthetic crisis: it did not happen.")
            crisis.save()
            crisis_ids.append(crisis.pk)
        first = next_id(Event)
        window = (WINDOW_END - WINDOW_START).days
        rows, countries, parties = [], [], []
        self.events = []
        for i in range(count):
            kind = pick(rng, weighted(((EventKind.CONFLICT, 80), (EventKind.DISASTER, 15), (EventKind.OTHER, 5))))
            start = WINDOW_START + timedelta(days=rng.randrange(window - 30))
            end = min(start + timedelta(days=rng.randint(3, 400)), WINDOW_END)
            place = self.name(rng, 3)
            label = {"conflict": "Battle of", "disaster": "Floods in", "other": "Crisis in"}[kind]
            event_countries = rng.sample(self.countries, k=1 if rng.random() < 0.8 else 2)
            row = {
                "id": first + i, "name": f"Synthetic event {i + 1}: {label} {place}", "kind": kind,
                "crisis_id": rng.choice(crisis_ids) if kind == EventKind.CONFLICT else None,
                "start_date": start, "end_date": None if end == WINDOW_END else end,
                "description": EVENT_NOTE, "is_synthetic": True, **audit(CREATED_CAP, self.analysts[0]),
            }
            rows.append(row)
            countries += [{"event_id": row["id"], "location_id": c["id"]} for c in event_countries]
            sides = rng.sample(self.forces, k=min(2, len(self.forces))) if kind == EventKind.CONFLICT else []
            parties += [{"event_id": row["id"], "organization_id": o} for o in sides]
            self.events.append({"id": row["id"], "start": start.toordinal(), "end": end.toordinal(),
                                "countries": [c["id"] for c in event_countries], "parties": sides})
        Inserter(Event).send(rows)
        self.events_by_id = {event["id"]: event for event in self.events}
        for name, links in (("countries", countries), ("parties", parties)):
            through = Event._meta.get_field(name).remote_field.through
            link_id = next_id(through)
            for offset, link in enumerate(links):
                link["id"] = link_id + offset
            Inserter(through).send(links)
        self.say(f"  {crises} crises, {count:,} events")

    # --- sources ----------------------------------------------------------------------------
    def make_sources(self, count: int) -> None:
        """Sources in publication order, so that a record can find one published on or after its end date."""
        rng = random.Random(f"{self.seed}-sources")
        first = next_id(Source)
        window = (WINDOW_END - WINDOW_START).days
        days = sorted(rng.randrange(window + 1) for _ in range(count))
        kinds = weighted(SOURCE_KIND_WEIGHTS)
        languages = weighted((("en", 70), ("ar", 15), ("fr", 10), ("es", 5)))
        base = WINDOW_START.toordinal()
        self.source_days = [base + d for d in days]
        self.first_source = first
        inserter = Inserter(Source)
        batch = []
        localities = [p["id"] for p in self.places if p["level"] == LocationLevel.LOCALITY]
        for i, day in enumerate(self.source_days):
            pk = first + i
            published = date.fromordinal(day)
            kind = pick(rng, kinds)
            url = "" if kind == SourceKind.OFFICIAL_STATEMENT and rng.random() < 0.6 else (
                f"https://news{rng.randint(1, 40)}.synthetic.example/{published:%Y/%m}/s{self.seed}-{pk}"
            )
            created = min(datetime(published.year, published.month, published.day, tzinfo=UTC)
                          + timedelta(hours=rng.randint(6, 24 * 20)), CREATED_CAP)
            batch.append({
                "id": pk, "title": f"Synthetic {SourceKind(kind).label.lower()} {pk}: {self.name(rng, 3)} update",
                "url": url, "url_normalized": normalise_url(url) if url else None,
                "publisher_id": rng.choice(self.publishers), "publication_date": published, "kind": kind,
                "language": pick(rng, languages),
                "dateline_id": rng.choice(localities) if localities and rng.random() < 0.4 else None,
                "text": "", "content_hash": "", "archive_url": "",
                "accessed_on": published + timedelta(days=rng.randint(0, 30)) if rng.random() < 0.5 else None,
                "is_confidential": rng.random() < 0.02, "notes": SOURCE_NOTE, "is_synthetic": True,
                **audit(created, rng.choice(self.analysts)),
            })
            if len(batch) >= self.batch_size:
                inserter.send(batch)
                batch = []
        inserter.send(batch)
        self.say(f"  {count:,} sources")

    # --- records ----------------------------------------------------------------------------
    def make_records(self, figures: int) -> None:
        """N records across the three kinds, in blocks of ``BLOCK`` rows each drawn from its own generator.

        On PostgreSQL, ``--workers`` processes generate the blocks and format them as COPY text while this
        process sends them, in order; elsewhere (and with ``--workers 0``) this process does all of it.
        """
        self.kind_counts = {}
        remaining = figures
        for index, (model, share) in enumerate(KIND_SHARES):
            n = remaining if index == len(KIND_SHARES) - 1 else min(remaining, round(figures * share))
            self.kind_counts[model] = n
            remaining -= n
        self.prepare_pools()
        firsts = {model: next_id(model) for model in self.kind_counts}
        blocks = [(model, firsts[model], offset, min(BLOCK, n - offset))
                  for model, n in self.kind_counts.items() for offset in range(0, n, BLOCK)]
        postgres = connection.vendor == "postgresql"
        with self.block_mapper(self.workers if postgres else 0) as mapped:
            progress = tqdm(total=figures, unit="records", disable=not self.verbose, mininterval=0.5,
                            desc="Records", file=self.stdout._out)
            if postgres:
                chunks = zip(blocks, mapped("copy_chunks", blocks), strict=True)
                for model, of_model in itertools.groupby(chunks, key=lambda pair: pair[0][0]):
                    Inserter(model, RECORD_COLUMNS[model]).send_copy_text(
                        itertools.chain.from_iterable(block_chunks for _, block_chunks in of_model),
                        self.batch_size, progress.update)
            else:
                for model, of_model in itertools.groupby(blocks, key=lambda block: block[0]):
                    inserter = Inserter(model, RECORD_COLUMNS[model])
                    pending: list[tuple] = []
                    for block in of_model:
                        pending += self.record_values(self.block_rows(*block))
                        while len(pending) >= self.batch_size:
                            inserter.send_tuples(pending[: self.batch_size])
                            progress.update(self.batch_size)
                            pending = pending[self.batch_size :]
                    inserter.send_tuples(pending)
                    progress.update(len(pending))
            progress.close()

    def block_rows(self, model: type[models.Model], first: int, offset: int, count: int) -> list[tuple[tuple, ...]]:
        """Records ``offset`` to ``offset + count`` of a kind (ids from ``first + offset``), each as its parts:
        group columns, own columns, quantity, the rest (``record_values`` and ``copy_text_rows`` lay them out).
        The same rows for the same seed, whichever process draws them and in whatever order."""
        rng = random.Random(f"{self.seed}-{model._meta.model_name}-{offset // BLOCK}")
        maker = {DisplacementFigure: self.displacement_block, SurrenderFigure: self.surrender_block,
                 AidCapacityReport: self.aid_capacity_block}[model]
        return maker(rng, first + offset, count)

    def copy_chunks(self, model: type[models.Model], first: int, offset: int, count: int) -> list[tuple[bytes, int]]:
        """A block's records as COPY text, cut where a batch of ``--batch-size`` rows ends."""
        rows = self.block_rows(model, first, offset, count)
        cuts = [0, *range(-offset % self.batch_size or self.batch_size, count, self.batch_size), count]
        return [(self.copy_text_rows(rows[start:end]), end - start)
                for start, end in itertools.pairwise(cuts) if end > start]

    def group_values(self, group: tuple) -> tuple:
        """A group's columns with its times (minutes from ``date_base``) as aware datetimes."""
        return tuple(self.with_moments(group, self.midnights, MINUTES))

    def group_text(self, group: tuple) -> str:
        """A group's columns as COPY text, with its times as PostgreSQL reads a UTC timestamp."""
        return copy_text(self.with_moments(group, self.date_texts, CLOCK))

    @staticmethod
    def with_moments(group: tuple, days: Sequence, clock: Sequence) -> list:
        """A group's columns with each time (minutes from ``date_base``) as ``days[day] + clock[minute]``."""
        values = list(group)
        for i in GROUP_MOMENTS:
            if values[i] is not None:
                day, minute = divmod(values[i], MINUTES_A_DAY)
                values[i] = days[day] + clock[minute]
        return values

    def record_values(self, rows: list[tuple[tuple, ...]]) -> list[tuple]:
        """Records' parts (``block_rows``) as tuples of column values, in ``RECORD_COLUMNS`` order."""
        dates, base, country = self.dates, self.date_base, self.place_country
        return [
            self.group_values(group) + (pk, f"{EXCERPT[0]}{pk}{EXCERPT[1]}", place, country[place], precision,
                                        dates[start - base], start_precision, dates[end - base], end_precision)
            + quantity + rest
            for group, (pk, place, precision, start, start_precision, end, end_precision), quantity, rest in rows
        ]

    def copy_text_rows(self, rows: list[tuple[tuple, ...]]) -> bytes:
        """Records' parts (``block_rows``) as the lines of a COPY in text format: the same values as
        ``record_values``, without a Python object per value.

        A group's columns and a quantity (one object that several records hold) are formatted once per object,
        and the rest of a record (few distinct values) once per value. The record's own columns are numbers,
        dates and choice values, which need no escaping.
        """
        dates, base, country = self.date_texts, self.date_base, self.place_country
        groups: dict[int, str] = {}  # by id(): every part stays alive in ``rows`` while this runs
        quantities: dict[int, str] = {}
        rests: dict[tuple, str] = {}
        start_excerpt, end_excerpt = EXCERPT
        lines = []
        for group, (pk, place, precision, start, start_precision, end, end_precision), quantity, rest in rows:
            group_text = groups.get(id(group))
            if group_text is None:
                group_text = groups[id(group)] = self.group_text(group)
            quantity_text = quantities.get(id(quantity))
            if quantity_text is None:  # with the tab that follows it, so that a record without one has neither
                quantity_text = quantities[id(quantity)] = copy_text(quantity) + "\t" if quantity else ""
            rest_text = rests.get(rest)
            if rest_text is None:
                rest_text = rests[rest] = copy_text(rest)
            lines.append(f"{group_text}\t{pk}\t{start_excerpt}{pk}{end_excerpt}\t{place}\t{country[place]}\t{precision}\t"
                         f"{dates[start - base]}\t{start_precision}\t{dates[end - base]}\t{end_precision}\t"
                         f"{quantity_text}{rest_text}\n")
        return "".join(lines).encode()

    @contextmanager
    def block_mapper(self, workers: int) -> Iterator[Callable]:
        """``mapped(method, blocks)``: ``self.method(*block)`` for each block, in order, computed by ``workers``
        forked processes (each with a copy of this command's reference data; they never touch the database), at
        most two blocks a worker ahead of the consumer; or here, one at a time, with no workers or no ``fork``."""
        if workers < 1 or not CAN_FORK:
            yield lambda method, blocks: (getattr(self, method)(*block) for block in blocks)
            return
        global _FORKED_COMMAND
        _FORKED_COMMAND = self
        try:
            with multiprocessing.get_context("fork").Pool(workers) as pool:  # leaving it terminates the workers
                yield lambda method, blocks: ordered_map(pool, method, blocks, ahead=2 * workers)
        finally:
            _FORKED_COMMAND = None

    def prepare_pools(self) -> None:
        """Weighted choices as flat lists (one ``random()`` per draw), dates by ordinal, places by country."""
        self.date_base = WINDOW_START.toordinal() - 400
        last = CREATED_CAP.toordinal() + 7  # the latest review: three days after a capped entry
        self.dates = [date.fromordinal(o) for o in range(self.date_base, last + 1)]
        self.date_texts = [d.isoformat() for d in self.dates]
        self.midnights = [datetime(d.year, d.month, d.day, tzinfo=UTC) for d in self.dates]
        self.cap_minute = (CREATED_CAP.toordinal() - self.date_base) * MINUTES_A_DAY  # CREATED_CAP is a midnight
        self.source_index_base = self.date_base
        self.source_index = [bisect.bisect_left(self.source_days, day)
                             for day in range(self.date_base, WINDOW_END_ORDINAL + 31)]
        self.status_pool = expand(STATUS_WEIGHTS)
        self.level_pool = expand(RECORD_LEVEL_WEIGHTS)
        self.start_precision_pool = expand(START_PRECISION_WEIGHTS)
        self.end_precision_pool = expand(END_PRECISION_WEIGHTS)
        self.combatant_pool = expand(((CombatantStatus.FIGHTERS, 7), (CombatantStatus.MIXED, 2),
                                      (CombatantStatus.UNKNOWN, 1)))
        self.strain_pool = expand(((Strain.NORMAL, 2), (Strain.STRAINED, 5), (Strain.OVERWHELMED, 2),
                                   (Strain.SUSPENDED, 1), (Strain.UNKNOWN, 1)))
        self.sectors = [str(v) for v in Sector.values]
        self.capacity_units = [str(v) for v in CapacityUnit.values]
        terms = []
        for term, weight in TERM_WEIGHTS:
            if term == DisplacementTerm.DISPLACED:  # new displacements (flow) and displaced people at a date (stock)
                terms += [(term, DisplacementCategory.FLOW)] * round(weight * 0.6)
                terms += [(term, DisplacementCategory.STOCK)] * round(weight * 0.4)
            else:
                category = DisplacementCategory.STOCK if term in STOCK_TERMS else DisplacementCategory.FLOW
                terms += [(term, category)] * weight
        self.term_pool = [(str(t), str(c), str(displacement_term_group(t, c))) for t, c in terms]
        self.surrender_terms = [str(SurrenderTerm.SURRENDERED)] * 3 + [str(SurrenderTerm.CAPTURED)]
        self.country_ids = [c["id"] for c in self.countries]
        self.record_places = {}
        for (country, level), rows in self.places_by.items():
            precision = LEVEL_PRECISION.get(level)
            self.record_places.setdefault(country, {})[level] = [
                (row["id"], str(precision) if precision else None) for row in rows
            ]
        self.localities = {
            country: [pk for pk, _ in levels.get(LocationLevel.LOCALITY, [])] for country, levels in
            self.record_places.items()
        }

    def first_source_from(self, day: int) -> int:
        """The index of the first source published on ``day`` (an ordinal) or later: ``bisect_left`` over
        ``source_days``, looked up in a table across the window."""
        if self.source_index_base <= day < self.source_index_base + len(self.source_index):
            return self.source_index[day - self.source_index_base]
        return bisect.bisect_left(self.source_days, day)

    def group(self, rng: random.Random, anchor: tuple | None = None) -> tuple[tuple, int, int, dict | None]:
        """What records drawn from one source share: the source, its event, country, end date, review, audit.

        A source yields a few records (an article gives several numbers), entered and reviewed together.
        ``anchor`` (a headline being supported or duplicated) fixes the event, country and end date.
        Returns the group's columns (``GROUP_COLUMNS``, times as minutes from ``date_base``: ``group_values``
        makes datetimes of them), the country, the end date ordinal and the event.
        """
        rand = rng.random
        if anchor is not None:
            event = self.events_by_id.get(anchor[5])
            country, end_ord = anchor[6], anchor[4]
        else:
            event = self.events[int(rand() * len(self.events))] if rand() < 0.7 else None
            if event:
                countries = event["countries"]
                country = countries[int(rand() * len(countries))]
                last = min(event["end"] + 60, WINDOW_END_ORDINAL)
                end_ord = event["start"] + int(rand() * (last - event["start"] + 1))
            else:
                country = self.country_ids[int(rand() * len(self.country_ids))]
                first = WINDOW_START_ORDINAL + 120
                end_ord = first + int(rand() * (WINDOW_END_ORDINAL - first + 1))
        # A source published on the end date or within three weeks after it.
        days, n = self.source_days, len(self.source_days)
        index = self.first_source_from(end_ord + int(rand() * 22))
        if index >= n:
            index = self.first_source_from(end_ord)
            if index >= n:
                index = n - 1 - int(rand() * min(5, n))
        published = days[index]
        group_end = min(end_ord, published)
        status = self.status_pool[int(rand() * len(self.status_pool))]
        if anchor is not None and status == REJECTED:
            status = APPROVED
        analyst = self.analysts[int(rand() * len(self.analysts))]
        created = min((published - self.date_base) * MINUTES_A_DAY + 60 + int(rand() * 43_140), self.cap_minute)
        updated, updated_by = created, analyst
        submitted_by = submitted_at = reviewed_by = reviewed_at = None
        comment = ""
        if status != DRAFT:
            submitted_by, submitted_at = analyst, created + 60
            updated = submitted_at
        if status in REVIEWED_STATUSES:
            reviewed_by = self.reviewers[int(rand() * len(self.reviewers))]
            reviewed_at = submitted_at + 60 * (2 + int(rand() * 70))
            updated, updated_by = reviewed_at, reviewed_by
            comment = REVIEW_COMMENTS.get(status, "")
        attributed, attribution = None, ""
        if rand() < 0.4:
            attributed = self.organizations[int(rand() * len(self.organizations))]
            attribution = f"Synthetic spokesperson {1 + int(rand() * 500)}"
        columns = (created, updated, analyst, updated_by, 1, self.first_source + index, attributed, attribution,
                   event["id"] if event else None, status, submitted_by, submitted_at, reviewed_by, reviewed_at,
                   comment, rand() < 0.03, True, RECORD_NOTE, "", None, None)
        return columns, country, group_end, event

    def place_and_period(self, rand, pk: int, country: int, group_end: int, stock: bool,
                         anchor: tuple | None) -> tuple[tuple, int, str | None, int, int]:
        """The record's own columns as ``(id, place, precision, start ordinal, start precision, end ordinal, end
        precision)`` (``record_values`` and ``copy_text_rows`` make ``RECORD_ROW_COLUMNS`` of it), then the place,
        its precision and the period."""
        if anchor is not None:
            place, precision, start, end = anchor[1], anchor[2], min(anchor[3], group_end), group_end
        else:
            places = self.record_places[country]
            choices = places.get(self.level_pool[int(rand() * len(self.level_pool))]) or places["country"]
            place, precision = choices[int(rand() * len(choices))]
            if precision is None:
                precision = "near" if rand() < 0.15 else "exact"
            end = group_end - int(rand() * 3) if rand() < 0.2 else group_end
            start = end if stock else end - DURATIONS[int(rand() * len(DURATIONS))]
        start_precision = self.start_precision_pool[int(rand() * len(self.start_precision_pool))] if start != end \
            else "day"
        record = (pk, place, precision, start, start_precision, end,
                  self.end_precision_pool[int(rand() * len(self.end_precision_pool))])
        return record, place, precision, start, end

    def quantity(self, rng: random.Random, top: float, anchor_best: int | None = None) -> tuple:
        """One quantity block (``QUANTITY_COLUMNS``): inputs, then low/best/high/high_open from derive_quantity."""
        rand = rng.random
        quantifier = str(pick(rng, QUANTIFIERS))
        value = value_max = word = None
        unit = "persons" if quantifier == "unquantified" else str(pick(rng, UNITS))
        if anchor_best is not None:  # a second source on the same fact: a nearby number
            quantifier = rng.choice(("approximately", "more_than", "exact"))
            unit = "persons"
            value = max(1, round(anchor_best * rng.uniform(0.6, 1.2)))
        elif quantifier == "magnitude":
            word = str(pick(rng, MAGNITUDES))
        elif quantifier == "range":
            value = reported_number(rng, top)
            value_max = value + max(1, round(value * rng.uniform(0.2, 2)))
        elif quantifier != "unquantified":
            value = 0 if quantifier == "exact" and rand() < 0.03 else reported_number(rng, top)
        size = size_source = None
        if unit != "persons":
            size = HOUSEHOLD_SIZES[int(rand() * len(HOUSEHOLD_SIZES))]
            size_source = str(pick(rng, HOUSEHOLD_SIZE_SOURCES))
        override, reason = None, ""
        result = derive_quantity(quantifier=quantifier, reported_value=value, reported_value_max=value_max,
                                 magnitude_word=word, unit=unit, household_size=size)
        if result.high is not None and result.high - result.low > 1 and rand() < 0.01:
            override = result.low + 1 + int(rand() * (result.high - result.low - 1))
            reason = "Synthetic override: a second synthetic source gives a middle figure."
            result = derive_quantity(quantifier=quantifier, reported_value=value, reported_value_max=value_max,
                                     magnitude_word=word, unit=unit, household_size=size, best_override=override)
        return (quantifier, value, value_max, word or "", phrase(quantifier, value, value_max, word, unit), unit,
                size, size_source or "", override, reason, result.low, result.best, result.high, result.high_open)

    def quantified_block(self, rng: random.Random, first: int, count: int, top: float, kind_columns) -> list[tuple]:
        """Rows of a quantified kind. ``kind_columns(rand, row_so_far, anchor, country, event)`` returns
        (term_group, kind-specific columns, what a later record supporting this one must copy)."""
        rand = rng.random
        pool = [self.quantity(rng, top) for _ in range(QUANTITY_POOL)]
        headlines: list[tuple] = []  # approved, quantified, non-duplicate headlines: what later records may support
        rows: list[tuple] = []
        pk, last = first, first + count
        while pk < last:
            anchor, duplicate = None, False
            if headlines and rand() < 0.14:
                anchor = headlines[int(rand() * len(headlines))]
                duplicate = rand() < 0.3
                size = 1
            else:
                size = min(last - pk, 1 + int(rand() * rand() * 9))
            group, country, group_end, event = self.group(rng, anchor)
            approved = group[9] == APPROVED
            for _ in range(size):
                term_group, kind, memo = kind_columns(rand, anchor, country, event)
                stock = memo[0] == "stock"
                record, place, precision, start, end = self.place_and_period(rand, pk, country, group_end, stock,
                                                                             anchor)
                quantity = self.quantity(rng, top, anchor[8]) if anchor is not None else pool[
                    int(rand() * QUANTITY_POOL)]
                if anchor is None:
                    links = (HEADLINE, None, None, term_group)
                    if approved and quantity[11]:
                        headlines.append((pk, place, precision, start, end, group[8], country, memo, quantity[11]))
                        if len(headlines) > 400:
                            del headlines[:200]
                elif duplicate:
                    links = (HEADLINE, None, anchor[0], term_group)
                else:
                    links = (TRIANGULATION, anchor[0], None, term_group)
                rows.append((group, record, quantity, links + kind(quantity[11], place)))
                pk += 1
        return rows

    def displacement_block(self, rng: random.Random, first: int, count: int) -> list[tuple]:
        def kind_columns(rand, anchor, country, event):
            term, category, term_group = anchor[7][1] if anchor else self.term_pool[int(rand() * len(self.term_pool))]
            localities = self.localities.get(country) or []

            def columns(best, place):
                origin = destination = None
                if category == "flow" and localities and rand() < 0.2:
                    other = localities[int(rand() * len(localities))]
                    if term in ("arrived", "returned"):
                        origin = other
                    else:
                        origin, destination = place, other
                women = children = None
                note = ""
                if best and rand() < 0.12:
                    children, women = int(best * (0.3 + rand() * 0.3)), int(best * (0.15 + rand() * 0.15))
                    note = "Synthetic composition: mostly women and children."
                return (term, category, origin, destination, women, None, children, None, note)

            return term_group, columns, (category, (term, category, term_group))

        return self.quantified_block(rng, first, count, 150_000, kind_columns)

    def surrender_block(self, rng: random.Random, first: int, count: int) -> list[tuple]:
        def kind_columns(rand, anchor, country, event):
            if anchor:
                group, term = anchor[7][1]
            else:
                group = self.armed[int(rand() * len(self.armed))]
                term = self.surrender_terms[int(rand() * len(self.surrender_terms))]
            receivers = event["parties"] if event and event["parties"] else self.forces
            received = receivers[int(rand() * len(receivers))] if rand() < 0.8 else None
            if received == group:
                received = None
            status = self.combatant_pool[int(rand() * len(self.combatant_pool))]

            def columns(best, place):
                return (group, received, term, status)

            return SURRENDERED, columns, ("flow", (group, term))

        return self.quantified_block(rng, first, count, 6_000, kind_columns)

    def aid_capacity_block(self, rng: random.Random, first: int, count: int) -> list[tuple]:
        rand = rng.random
        rows: list[tuple] = []
        pk, last = first, first + count
        while pk < last:
            group, country, group_end, event = self.group(rng)
            for _ in range(min(last - pk, 1 + int(rand() * 3))):
                record = self.place_and_period(rand, pk, country, group_end, rand() < 0.5, None)[0]
                named = rand() < 0.7
                capacity = reported_number(rng, 20_000) if rand() < 0.45 else None
                demand = round(capacity * (0.8 + rand() * 2.2)) if capacity is not None and rand() < 0.7 else None
                rows.append((group, record, NO_QUANTITY, (
                    self.providers[int(rand() * len(self.providers))] if named else None,
                    "" if named else "aid agencies in the area",
                    self.sectors[int(rand() * len(self.sectors))],
                    self.strain_pool[int(rand() * len(self.strain_pool))],
                    capacity, demand,
                    self.capacity_units[int(rand() * len(self.capacity_units))] if capacity is not None else "",
                )))
                pk += 1
        return rows


# Workers are forked, so that they start with the reference data in memory. Not on macOS, where a forked process
# may crash in the system's libraries (spawn is Python's default there).
CAN_FORK = "fork" in multiprocessing.get_all_start_methods() and sys.platform != "darwin"
_FORKED_COMMAND: Command | None = None  # the command whose blocks forked workers compute


def call_forked(method: str, block: tuple):
    """In a worker: the forking command's ``method(*block)``."""
    return getattr(_FORKED_COMMAND, method)(*block)


def ordered_map(pool, method: str, blocks: Iterable[tuple], ahead: int) -> Iterator:
    """``call_forked(method, block)`` for each block in the pool, results in order, ``ahead`` blocks queued."""
    blocks = iter(blocks)
    pending = deque(pool.apply_async(call_forked, (method, block)) for block in itertools.islice(blocks, ahead))
    while pending:
        result = pending.popleft().get()
        pending.extend(pool.apply_async(call_forked, (method, block)) for block in itertools.islice(blocks, 1))
        yield result


def expand(pairs) -> list[str]:
    """A weighted choice as a flat list: each value repeated by its weight."""
    return [str(value) for value, weight in pairs for _ in range(weight)]


def reported_number(rng: random.Random, top: float) -> int:
    """A reported number, log-uniform up to ``top``, rounded to two significant digits as sources round."""
    raw = math.exp(rng.uniform(0, math.log(top)))
    digits = max(0, int(math.log10(raw)) - 1)
    return max(1, round(raw / 10**digits) * 10**digits)


def phrase(quantifier: str, value, value_max, word, unit: str) -> str:
    """The number as a source would print it."""
    noun = {"persons": "people", "households": "households", "families": "families"}[unit]
    if quantifier == Quantifier.UNQUANTIFIED:
        return "large numbers of people"
    if quantifier == Quantifier.MAGNITUDE:
        return f"{MagnitudeWord(word).label} of {noun}"
    if quantifier == Quantifier.RANGE:
        return f"between {value:,} and {value_max:,} {noun}"
    return f"{PHRASE_PREFIX[quantifier]}{value:,} {noun}"


def copy_field(value) -> str:
    """One value in the text format of PostgreSQL's COPY: ``\\N`` for NULL, backslash escapes in text."""
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, str):
        return value.translate(COPY_ESCAPES)
    return str(value)  # int, Decimal, date, aware datetime ("2016-01-01 01:00:00+00:00"): PostgreSQL's input forms


def copy_text(values: Sequence) -> str:
    """A tuple of values as tab-separated COPY fields.

    The fast way is ``str()`` of every value (PostgreSQL reads ``True``, ISO dates and ``+00:00`` offsets);
    if the result has a tab, line end or backslash that is not a field separator or a NULL, the values
    go one by one through ``copy_field``, which escapes them.
    """
    nulls = values.count(None)
    if nulls:
        text = "\t".join(["\\N" if value is None else str(value) for value in values])
    else:
        text = "\t".join(map(str, values))
    if text.count("\t") != len(values) - 1 or text.count("\\") != nulls or "\n" in text or "\r" in text:
        return "\t".join(map(copy_field, values))
    return text


PHRASE_PREFIX = {"exact": "", "approximately": "about ", "more_than": "more than ", "at_least": "at least ",
                 "less_than": "fewer than ", "at_most": "at most "}
QUANTIFIERS = weighted(QUANTIFIER_WEIGHTS)
MAGNITUDES = weighted(MAGNITUDE_WEIGHTS)
UNITS = weighted(UNIT_WEIGHTS)
HOUSEHOLD_SIZE_SOURCES = weighted(((HouseholdSizeSource.REPORTED, 3), (HouseholdSizeSource.COUNTRY_DEFAULT, 5),
                                   (HouseholdSizeSource.ANALYST_ESTIMATE, 2)))
COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
NO_QUANTITY = ()  # an aid capacity report's quantity part
EXCERPT = ("Synthetic excerpt ", ": no real source printed this sentence.")  # around the record's id
HEADLINE, TRIANGULATION, SURRENDERED = str(Role.HEADLINE), str(Role.TRIANGULATION), str(TermGroup.SURRENDERED)
QUANTITY_POOL = 1024  # distinct quantity blocks per block of records
DURATIONS = (0, 0, 0, 1, 2, 6, 6, 13, 29, 30, 89)  # days from start to end of a flow's period
APPROVED, REJECTED, DRAFT = str(ReviewStatus.APPROVED), str(ReviewStatus.REJECTED), str(ReviewStatus.DRAFT)
REVIEWED_STATUSES = frozenset({APPROVED, REJECTED, str(ReviewStatus.CHANGES_REQUESTED)})
MINUTES_A_DAY = 24 * 60
MINUTES = [timedelta(minutes=m) for m in range(MINUTES_A_DAY)]
CLOCK = [f" {m // 60:02d}:{m % 60:02d}:00+00" for m in range(MINUTES_A_DAY)]  # after a date: a UTC time
REVIEW_COMMENTS = {
    REJECTED: "Synthetic rejection: the source does not support the number.",
    str(ReviewStatus.CHANGES_REQUESTED): "Synthetic review: check the period against the source.",
}
GROUP_COLUMNS = ["created_at", "updated_at", "created_by_id", "updated_by_id", "version", "source_id",
                 "attributed_to_id", "attribution_text", "event_id", "review_status", "submitted_by_id",
                 "submitted_at", "reviewed_by_id", "reviewed_at", "review_comment", "is_confidential",
                 "is_synthetic", "notes", "excerpt_translation", "excerpt_start", "excerpt_end"]
GROUP_MOMENTS = tuple(i for i, column in enumerate(GROUP_COLUMNS) if column.endswith("_at"))
RECORD_ROW_COLUMNS = ["id", "excerpt", "location_id", "country_id", "location_precision", "start_date",
                      "start_precision", "end_date", "end_precision"]
QUANTITY_COLUMNS = ["quantifier", "reported_value", "reported_value_max", "magnitude_word", "reported_phrase",
                    "unit", "household_size", "household_size_source", "best_override", "best_override_reason",
                    "low", "best", "high", "high_open"]
LINK_COLUMNS = ["role", "supports_id", "duplicate_of_id", "term_group"]
RECORD_COLUMNS = {
    DisplacementFigure: GROUP_COLUMNS + RECORD_ROW_COLUMNS + QUANTITY_COLUMNS + LINK_COLUMNS
    + ["term", "category", "origin_id", "destination_id", "women", "men", "children", "elderly", "composition_note"],
    SurrenderFigure: GROUP_COLUMNS + RECORD_ROW_COLUMNS + QUANTITY_COLUMNS + LINK_COLUMNS
    + ["surrendering_group_id", "received_by_id", "term", "combatant_status"],
    AidCapacityReport: GROUP_COLUMNS + RECORD_ROW_COLUMNS
    + ["provider_id", "provider_description", "sector", "strain", "capacity", "demand", "capacity_unit"],
}


__all__ = ["MAGNITUDE_RANGES", "Command", "scale"]
