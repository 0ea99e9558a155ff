"""Planner statistics on the time buckets a report groups by (PostgreSQL).

A report groups figures by ``DATE_TRUNC('<bucket>', end_date::timestamp)::date``
(:func:`tracker.reporting.dimensions.bucket_expression`). PostgreSQL keeps no statistics on an expression unless
told to, so it reckoned a country's 360 months at 30,000 groups and sorted the country's 47,000 flows to group them,
where hashing them costs about a third less (docs/decisions.md). Statistics on the same expression, filled by
ANALYZE, give it the true number of weeks, months and years. SQLite plans without them.
"""

from __future__ import annotations

from django.db.migrations.operations.base import Operation

BUCKETS = ("week", "month", "year")
TABLES = ("tracker_displacementfigure", "tracker_surrenderfigure")


def statistics_name(table: str, bucket: str) -> str:
    return f"{table}_{bucket}"


class BucketStatistics(Operation):
    """Creates the statistics of each bucket of each figure table, then analyses the end dates to fill them. An
    operation of its own: SQLite has no such statement."""

    reversible = True

    def state_forwards(self, app_label, state):
        pass

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "postgresql":
            return
        for table in TABLES:
            for bucket in BUCKETS:
                schema_editor.execute(f"CREATE STATISTICS IF NOT EXISTS {statistics_name(table, bucket)} "
                                      f"ON (DATE_TRUNC('{bucket}', end_date::timestamp)::date) FROM {table}")
            schema_editor.execute(f"ANALYZE {table} (end_date)")  # the one column they read: about a second

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "postgresql":
            return
        for table in TABLES:
            for bucket in BUCKETS:
                schema_editor.execute(f"DROP STATISTICS IF EXISTS {statistics_name(table, bucket)}")

    def describe(self):
        return "Create statistics on the figures' week, month and year (PostgreSQL)"
