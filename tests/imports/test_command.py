"""``manage.py import_records``: a summary, every error by row and column, exit status 1 when any row fails."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.management import CommandError, call_command

from tests.imports.conftest import EXCERPTS, HEADER, counts, csv_bytes, row
from tracker.models import DisplacementFigure, ImportBatch, ImportMapping, ImportStatus


def import_records(path, *args, **options) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_records", str(path), *args, stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def good(world, tmp_path):
    path = tmp_path / "figures.csv"
    path.write_bytes(csv_bytes([HEADER, row(world.source),
                                row(world.source, excerpt=EXCERPTS[1], place="Al-Hasakeh", start="2019-02-01",
                                    end="2019-02-05")]))
    return path


@pytest.fixture
def bad(world, tmp_path):
    path = tmp_path / "figures.csv"
    path.write_bytes(csv_bytes([HEADER, row(world.source),
                                row(world.source, excerpt=EXCERPTS[1], place="Nowhere", value="lots")]))
    return path


def test_a_good_file_is_written_and_summarised(world, good):
    out, err = import_records(good, "--kind", "displacement", "--user", "analyst")
    batch = ImportBatch.objects.get()
    assert f"Wrote: 2 created, 0 updated, 0 unchanged, 0 failed, of 2 rows (import #{batch.pk})." in out
    assert "2/2" in err and "rows/s" in err  # the progress bar, on stderr
    assert "row " not in err.replace("rows", "")
    assert DisplacementFigure.objects.count() == 2 and batch.status == ImportStatus.COMMITTED


def test_a_dry_run_writes_nothing(world, good):
    before = counts()
    out, _ = import_records(good, "--kind", "displacement", "--user", "analyst", "--dry-run")
    assert "Would write: 2 created, 0 updated, 0 unchanged, 0 failed, of 2 rows." in out
    assert counts() == before


def test_a_failing_row_is_named_on_stderr_and_exits_1(world, bad):
    before = counts()
    with pytest.raises(SystemExit) as exit_:
        import_records(bad, "--kind", "displacement", "--user", "analyst", "--verbosity", "0")
    assert exit_.value.code == 1
    assert counts() == before


def test_the_errors_are_printed_by_row_and_column(world, bad):
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(SystemExit):
        call_command("import_records", str(bad), kind="displacement", user="analyst", stdout=out, stderr=err)
    assert "Nothing written. Checked: 1 created, 0 updated, 0 unchanged, 1 failed, of 2 rows." in out.getvalue()
    lines = err.getvalue().splitlines()
    assert "row 3, column reported_value: Enter a whole number." in lines
    assert "row 3, column location_name: No place is named 'Nowhere' in Syria." in lines


def test_valid_rows_only_writes_the_skipped_rows_file(world, bad, tmp_path):
    skipped = tmp_path / "left_out.csv"
    with pytest.raises(SystemExit) as exit_:
        import_records(bad, "--kind", "displacement", "--user", "analyst", "--valid-rows-only",
                       "--skipped", str(skipped))
    assert exit_.value.code == 1  # a row failed, even though the others were written
    assert DisplacementFigure.objects.count() == 1
    rows = list(csv.reader(io.StringIO(skipped.read_text(encoding="utf-8"))))
    assert rows[0] == ["row", *HEADER, "errors"] and rows[1][0] == "3"
    assert "reported_value: Enter a whole number." in rows[1][-1]


def test_valid_rows_only_writes_next_to_the_file_by_default(world, bad):
    with pytest.raises(SystemExit):
        import_records(bad, "--kind", "displacement", "--user", "analyst", "--valid-rows-only")
    assert (bad.parent / "figures.csv.skipped.csv").is_file()


def test_a_refused_file_exits_1_with_its_message(world, tmp_path):
    path = tmp_path / "report.pdf"
    path.write_bytes(b"%PDF-1.4 not a sheet")
    err = io.StringIO()
    with pytest.raises(SystemExit):
        call_command("import_records", str(path), kind="displacement", user="analyst", stdout=io.StringIO(),
                     stderr=err)
    assert "This file is a PDF, not a spreadsheet." in err.getvalue()


def test_options_reach_the_engine(world, tmp_path):
    theirs = ["Lieu" if name == "location_name" else name for name in HEADER]
    path = tmp_path / "equipe.csv"
    path.write_bytes(csv_bytes([theirs, row(world.source, start="03/03/2019")], encoding="cp1252"))
    out, _ = import_records(path, "--kind", "displacement", "--user", "analyst", "--day-first", "--encoding",
                            "cp1252", "--map", "Lieu=location_name")
    assert "1 created" in out
    assert ImportMapping.objects.get(kind="displacement", header="lieu").column == "location_name"
    assert DisplacementFigure.objects.get().location == world.places.baghouz


@pytest.mark.parametrize("args, message", [
    (["--user", "nobody"], "No user named 'nobody'."),
    (["--user", "analyst", "--map", "Lieu"], "--map takes HEADER=COLUMN, not 'Lieu'."),
])
def test_bad_arguments_are_command_errors(world, good, args, message):
    with pytest.raises(CommandError, match=message):
        import_records(good, "--kind", "displacement", *args)


def test_a_missing_file_is_a_command_error(world, tmp_path):
    with pytest.raises(CommandError, match="No such file"):
        import_records(tmp_path / "absent.csv", "--kind", "displacement", "--user", "analyst")


def test_a_user_who_may_not_add_records_is_refused(world, good):
    from tests.factories import UserFactory

    UserFactory(username="visitor")
    with pytest.raises(CommandError, match="You do not have permission to add displacement figures."):
        import_records(good, "--kind", "displacement", "--user", "visitor")


def test_a_dry_run_with_a_failing_row_exits_1(world, bad):
    with pytest.raises(SystemExit) as exit_:
        import_records(bad, "--kind", "displacement", "--user", "analyst", "--dry-run")
    assert exit_.value.code == 1 and not DisplacementFigure.objects.exists()


def test_a_sheet_naming_no_source_takes_its_publisher(world, tmp_path):
    path = tmp_path / "hdx.csv"
    path.write_bytes(csv_bytes([["term", "quantifier", "reported_value", "country_iso3", "location_name",
                                 "start_date", "end_date"],
                                ["fled", "exact", "4000", "SYR", "Baghouz", "2019-03-03", "2019-03-10"]]))
    with pytest.raises(SystemExit):
        import_records(path, "--kind", "displacement", "--user", "analyst")
    out, _ = import_records(path, "--kind", "displacement", "--user", "analyst", "--publisher", "UNHCR")
    assert "1 created" in out
    figure = DisplacementFigure.objects.get()
    assert (figure.source.kind, figure.source.publisher) == ("dataset", world.unhcr)
