"""The migrations describe the models in one initial migration that an old database also accepts, and later
migrations that change the schema without data steps.

docs/decisions.md, "Migrations squashed", says why and what ``replaces`` does for a database of the first chain.
"""

import io

import pytest
from django.core.management import call_command
from django.db import connection, migrations
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.recorder import MigrationRecorder

INITIAL = ("tracker", "0001_squashed_0009_api_key_history")
FIRST_CHAIN = [
    "0001_initial", "0002_household_size_not_null", "0003_api_key_tombstone", "0004_claim_country",
    "0005_unindexed_authors", "0006_counted_stock_index", "0007_report_indexes", "0008_counted_flow_indexes",
    "0009_api_key_history",
]
# Migrations made after the squash. Fold them into a new squash when they grow slow to apply to a test database.
LATER = [("tracker", "0010_source_intake_and_proposals"), ("tracker", "0011_imports"), ("tracker", "0012_source_urls"),
         ("tracker", "0013_saved_queries"), ("tracker", "0014_search_documents"), ("tracker", "0015_write_indexes"),
         ("tracker", "0016_page_indexes"), ("tracker", "0017_page_counts"), ("tracker", "0018_place_page_indexes"),
         ("tracker", "0019_list_period_indexes"), ("tracker", "0020_claim_area_links"),
         ("tracker", "0021_counted_area_links"), ("tracker", "0022_pair_dates_indexed")]

# The data steps, and why: the URL rule changed (trailing slashes), and url_normalized is derived and UNIQUE, so
# stored forms are restated where they collide with nothing; the records' search documents are derived from their
# text and the names they show, which no SQL default can compute; the records' province and district are their
# places' (0020), which a default cannot read either. On a new database each reads no row.
DATA_STEPS_ALLOWED = {("tracker", "0012_source_urls"), ("tracker", "0014_search_documents"),
                      ("tracker", "0020_claim_area_links")}


@pytest.mark.django_db
def test_no_model_change_lacks_a_migration():
    out = io.StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)
    except SystemExit as exit_:
        pytest.fail(f"makemigrations would write a migration (exit {exit_.code}):\n{out.getvalue()}")
    assert "No changes detected" in out.getvalue()


@pytest.mark.django_db
def test_the_schema_is_one_initial_migration_of_tables_alone_then_schema_changes():
    """A test database is built table by table: the initial migration adds no column, index or constraint to a
    table already made (on SQLite each such step rebuilt the table); no migration has a data step, which a new
    database has no data for."""
    graph = MigrationExecutor(connection).loader.graph
    assert sorted(node for node in graph.nodes if node[0] == "tracker") == [INITIAL, *LATER]
    migration = graph.nodes[INITIAL]
    assert migration.initial and migration.replaces == [("tracker", name) for name in FIRST_CHAIN]
    assert {type(operation) for operation in migration.operations} == {migrations.CreateModel}
    for node in LATER:
        steps = {type(operation) for operation in graph.nodes[node].operations}
        if node in DATA_STEPS_ALLOWED:
            steps -= {migrations.RunPython}
        assert not steps & {migrations.RunPython, migrations.RunSQL}, node


@pytest.mark.django_db
def test_a_database_migrated_by_the_first_chain_counts_as_migrated():
    recorder = MigrationRecorder(connection)
    recorder.record_unapplied(*INITIAL)
    for name in FIRST_CHAIN:
        recorder.record_applied("tracker", name)
    executor = MigrationExecutor(connection)
    assert INITIAL in executor.loader.applied_migrations
    assert executor.migration_plan(executor.loader.graph.leaf_nodes()) == []


@pytest.mark.django_db
def test_the_named_constraints_and_report_indexes_are_in_the_database():
    with connection.cursor() as cursor:
        figures = connection.introspection.get_constraints(cursor, "tracker_displacementfigure")
        places = connection.introspection.get_constraints(cursor, "tracker_location")
    for name in ("tracker_displacementfigure_household_unit_needs_size", "tracker_displacementfigure_low_le_best",
                 "tracker_displacementfigure_term_allows_category"):
        assert figures[name]["check"], name
    key = ["term", "country_id", "end_date", "location_id"]  # PostgreSQL lists the included columns after these
    assert figures["displacement_counted_stock_idx"]["columns"][:4] == key
    assert figures["displacement_counted_flow_idx"]["index"]
    assert places["tracker_location_country_is_root"]["check"]
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename IN "
                       "('tracker_displacementfigure', 'tracker_surrenderfigure', 'tracker_location')")
        definitions = dict(cursor.fetchall())
    # The reports read these partial covering indexes alone; SQLite has no INCLUDE and leaves it out.
    for name in ("displacement_counted_stock_idx", "displacement_not_counted_idx", "displacement_counted_flow_idx",
                 "surrender_not_counted_idx", "surrender_counted_idx"):
        assert " INCLUDE (" in definitions[name] and " WHERE " in definitions[name], name
    # A place's subtree is a LIKE 'path%' on the path's pattern index (LocationQuerySet.subtree).
    assert any("varchar_pattern_ops" in definition and "(path " in definition for definition in definitions.values())


@pytest.mark.django_db
def test_the_report_buckets_have_planner_statistics_on_postgresql():
    """A report groups by the week, month or year of the end date; without statistics on those expressions
    PostgreSQL reckons a country's few hundred months at tens of thousands of groups and sorts instead of hashing
    (tracker.db.statistics)."""
    from tracker.db.statistics import BUCKETS, TABLES, statistics_name

    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT stxname FROM pg_statistic_ext")
        names = {name for (name,) in cursor.fetchall()}
    assert {statistics_name(table, bucket) for table in TABLES for bucket in BUCKETS} <= names
