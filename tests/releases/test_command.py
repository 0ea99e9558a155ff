"""build_release refuses what it cannot do with a message naming the problem, and builds in one snapshot."""

from __future__ import annotations

import pytest
from django.core.management import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.releases.conftest import build_release, manifest_of


@pytest.mark.parametrize(("args", "message"), [
    (("--date", "05/12/2026"), "--date '05/12/2026': give a date as YYYY-MM-DD."),
    (("--date", "2026-02-30"), "--date '2026-02-30': give a date as YYYY-MM-DD."),
    (("--version", "../etc"), "--version '../etc': use letters, digits"),
    (("--version", ".hidden"), "--version '.hidden': use letters, digits"),
])
@pytest.mark.django_db
def test_bad_arguments_are_refused_with_a_clear_message(args, message, releases_root):
    with pytest.raises(CommandError, match="^" + message.replace(".", r"\.").replace("(", r"\(")):
        build_release(*args)
    assert not releases_root.exists() or not [path for path in releases_root.iterdir()]


@pytest.mark.django_db
def test_an_empty_database_has_nothing_to_release(releases_root):
    with pytest.raises(CommandError, match="Nothing to release"):
        build_release()


@pytest.mark.django_db
def test_a_version_taken_by_a_release_of_other_data_is_refused(world, releases_root):
    build_release("--version", "v1", "--date", "2026-12-05")
    record = world.visible["aid-capacity"][0]
    from tracker.services import claim_reject

    claim_reject(record, rejected_by=world.reviewer, reason="Withdrawn.", expected_version=record.version)
    with pytest.raises(CommandError, match="Release v1 exists and holds other data"):
        build_release("--version", "v1")
    assert sorted(path.name for path in releases_root.iterdir()) == ["v1"]


@pytest.mark.django_db
def test_a_root_that_cannot_be_written_is_refused(world, settings, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    settings.RELEASES_ROOT = blocker / "releases"
    with pytest.raises(CommandError, match="RELEASES_ROOT .* cannot be written"):
        build_release()


@pytest.mark.django_db(transaction=True)
def test_a_release_is_read_in_one_read_only_snapshot(world, releases_root):
    with CaptureQueriesContext(connection) as queries:
        build_release("--date", "2026-12-05")
    statements = [query["sql"] for query in queries.captured_queries if query["sql"] != "BEGIN"]
    if connection.vendor == "postgresql":
        assert statements[0].startswith("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        assert sum("SET TRANSACTION" in statement for statement in statements) == 1
    manifest = manifest_of(releases_root / "2026.12.05")
    assert manifest["records"] == {kind: len(records) for kind, records in sorted(world.visible.items())}
