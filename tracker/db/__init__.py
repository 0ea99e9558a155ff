"""Database fast paths, each beside its portable twin.

PostgreSQL gets what its driver and planner do best (rows straight from the cursor, id arrays, one snapshot
shared by a report's queries); SQLite, and any other database, the portable Django path the fast one copies.
A test holds each pair equal (tests/db/).
"""
