"""``/api/v1/imports/``: analysts preview and write spreadsheets, read a batch, download its skipped rows, withdraw
it, and download each kind's template; keys, strangers and bad uploads are refused with a message."""

from __future__ import annotations

import csv
import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from tests.api.conftest import API, token_client
from tests.factories import OrganizationFactory, SourceFactory, UserFactory
from tests.imports.conftest import ARTICLE, EXCERPTS, HEADER, counts, csv_bytes, row
from tracker.choices import DisplacementTerm, OrganizationKind
from tracker.imports import spec
from tracker.models import DisplacementFigure, ImportBatch, ImportKind, ImportMapping, ImportStatus

URL = f"{API}/imports/"


@pytest.fixture
def article(db):
    """A news article whose stored text holds the excerpts the rows quote."""
    return SourceFactory(title="Baghouz: thousands leave", text=ARTICLE, text_may_be_kept=True)


@pytest.fixture
def sheet(places, article):
    """Two good rows: 4,000 fled Baghouz and 1,200 fled in Al-Hasakeh, each quoting the article."""
    return csv_bytes([HEADER, row(article),
                      row(article, excerpt=EXCERPTS[1], place="Al-Hasakeh", value="1200", start="2019-02-01",
                          end="2019-02-05")])


@pytest.fixture
def failing_sheet(places, article):
    """The two good rows around one naming a place that does not exist and a quantifier that is no choice."""
    return csv_bytes([HEADER, row(article), row(article, place="Nowhere", quantifier="lots"),
                      row(article, excerpt=EXCERPTS[1], place="Al-Hasakeh", value="1200", start="2019-02-01",
                          end="2019-02-05")])


def upload(client, data: bytes, name: str = "figures.csv", **fields):
    fields.setdefault("kind", "displacement")
    return client.post(URL, {"file": SimpleUploadedFile(name, data), **fields}, format="multipart")


def test_a_preview_writes_nothing_and_the_commit_writes_what_it_showed(analyst_client, analyst, sheet):
    before = counts()
    preview = upload(analyst_client, sheet)
    assert preview.status_code == 200, preview.content
    answer = preview.json()
    assert answer["dry_run"] is True and answer["written"] is False
    assert answer["counts"] == {"rows": 2, "created": 2, "updated": 0, "unchanged": 0, "failed": 0, "empty": 0}
    assert [r["action"] for r in answer["rows"]] == ["create", "create"]
    assert {c["column"] for c in answer["columns"]} == set(HEADER)
    assert "nothing written" in answer["detail"] and answer["file_name"] == "figures.csv"
    assert counts() == before

    written = upload(analyst_client, sheet, dry_run="false")
    assert written.status_code == 200, written.content
    answer = written.json()
    assert answer["written"] is True and answer["counts"]["created"] == 2 and answer["skipped_csv"] is None
    batch = ImportBatch.objects.get(pk=answer["batch"])
    assert batch.status == ImportStatus.COMMITTED and batch.created_by == analyst
    figures = DisplacementFigure.objects.order_by("pk")
    assert [(f.reported_value, f.review_status, f.created_by) for f in figures] == [
        (4000, "draft", analyst), (1200, "draft", analyst)]
    assert sorted(r["id"] for r in answer["rows"]) == [f.pk for f in figures]
    assert {f.history.earliest().history_change_reason for f in figures} == {
        f"Imported (batch #{batch.pk}, figures.csv)"}

    status = analyst_client.get(answer["url"])
    assert status.status_code == 200
    assert (status.json()["status"], status.json()["summary"]["created"], status.json()["records"]) == (
        "committed", 2, 2)


def test_a_failing_row_refuses_the_commit_with_its_errors_by_column(analyst_client, failing_sheet):
    before = counts()
    response = upload(analyst_client, failing_sheet, dry_run="false")
    assert response.status_code == 400, response.content
    answer = response.json()
    assert answer["written"] is False and answer["counts"]["failed"] == 1
    [failed] = [r for r in answer["rows"] if r["action"] == "error"]
    assert failed["row"] == 3
    assert "Nowhere" in failed["errors"]["location_name"][0]
    assert "valid_rows_only" in answer["detail"]
    assert counts()["DisplacementFigure"] == before["DisplacementFigure"] == 0

    preview = upload(analyst_client, failing_sheet)
    assert preview.status_code == 200 and preview.json()["counts"]["failed"] == 1


def test_valid_rows_only_writes_the_others_and_serves_the_skipped_rows(analyst_client, failing_sheet):
    response = upload(analyst_client, failing_sheet, dry_run="false", valid_rows_only="true")
    assert response.status_code == 200, response.content
    answer = response.json()
    assert answer["written"] is True and (answer["counts"]["created"], answer["counts"]["failed"]) == (2, 1)
    assert DisplacementFigure.objects.count() == 2

    skipped = analyst_client.get(answer["skipped_csv"])
    assert skipped.status_code == 200 and skipped["Content-Type"].startswith("text/csv")
    assert "attachment" in skipped["Content-Disposition"]
    [left_out] = list(csv.DictReader(io.StringIO(skipped.content.decode())))
    assert (left_out["row"], left_out["location_name"]) == ("3", "Nowhere")
    assert "location_name:" in left_out["errors"]
    assert analyst_client.get(answer["url"]).json()["skipped_csv"] == answer["skipped_csv"]


def test_an_hxl_tagged_csv_is_read_by_its_hashtags(analyst_client, sheet):
    tags = {column.name: column.hxl for column in spec.import_columns("displacement")}
    rows = list(csv.reader(io.StringIO(sheet.decode())))
    french = [f"colonne {n}" for n in range(len(HEADER))]  # headers nobody knows: the hashtags match
    tagged = csv_bytes([french, [tags[name] for name in HEADER], *rows[1:]])
    response = upload(analyst_client, tagged, name="hdx.csv", dry_run="false")
    assert response.status_code == 200, response.content
    answer = response.json()
    assert answer["format"] == "hxl" and {c["matched_by"] for c in answer["columns"]} == {"hxl"}
    assert DisplacementFigure.objects.count() == 2


def test_a_mapping_reads_a_teams_header_and_is_saved(analyst_client, sheet):
    rows = list(csv.reader(io.StringIO(sheet.decode())))
    rows[0][HEADER.index("reported_value")] = "Displaced (people)"
    response = upload(analyst_client, csv_bytes(rows), mapping='{"Displaced (people)": "reported_value"}')
    assert response.status_code == 200, response.content
    assert response.json()["counts"]["created"] == 2
    assert ImportMapping.objects.get(kind="displacement").column == "reported_value"
    again = upload(analyst_client, csv_bytes(rows))  # the saved mapping applies to the next file
    assert again.status_code == 200 and again.json()["counts"]["created"] == 2


def test_a_written_import_is_withdrawn_by_its_analyst(analyst_client, sheet):
    answer = upload(analyst_client, sheet, dry_run="false").json()
    response = analyst_client.post(f"{answer['url']}withdraw/")
    assert response.status_code == 200, response.content
    assert len(response.json()["deleted"]) == 2
    assert DisplacementFigure.objects.count() == 0
    again = analyst_client.post(f"{answer['url']}withdraw/")
    assert again.status_code == 409 and "only a written import" in again.json()["errors"][0]


def test_a_batch_is_its_analysts_alone(analyst_client, sheet, groups, reviewer):
    answer = upload(analyst_client, sheet, dry_run="false").json()
    other = token_client(reviewer)
    assert other.get(answer["url"]).status_code == 404
    assert other.post(f"{answer['url']}withdraw/").status_code == 404
    reviewer.is_superuser = True
    reviewer.save()
    assert other.get(answer["url"]).status_code == 200
    assert analyst_client.get(f"{URL}999999/").status_code == 404
    assert analyst_client.get(f"{URL}abc/").status_code == 404
    assert analyst_client.get(f"{answer['url']}skipped.csv").status_code == 404  # nothing was left out


def test_the_template_downloads_with_our_columns_explained_and_lists(analyst_client, db):
    response = analyst_client.get(f"{URL}templates/displacement.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response["Content-Disposition"] == 'attachment; filename="template-displacement.xlsx"'
    workbook = load_workbook(io.BytesIO(response.content))
    sheet = workbook.worksheets[0]
    headers = [cell.value for cell in sheet[1]]
    assert headers == [column.name for column in spec.writable_columns("displacement")]
    assert all(cell.comment is not None and cell.comment.text.strip() for cell in sheet[1])
    assert "Required" in sheet.cell(1, headers.index("term") + 1).comment.text
    term_letter = sheet.cell(1, headers.index("term") + 1).column_letter
    [term_list] = [v for v in sheet.data_validations.dataValidation
                   if v.type == "list" and f"{term_letter}2" in str(v.sqref)]
    assert list_values(workbook, term_list.formula1) == [value for value, _ in DisplacementTerm.choices]
    assert analyst_client.get(f"{URL}templates/nothing.xlsx").status_code == 404


def list_values(workbook, formula: str) -> list[str]:
    """A list validation's values: typed into it ("a,b"), or a range of the lists sheet."""
    if formula.startswith('"'):
        return formula.strip('"').split(",")
    sheet_name, cells = formula.lstrip("=").split("!")
    return [cell.value for (cell,) in workbook[sheet_name][cells.replace("$", "")]]


def test_a_logged_in_session_imports_too(client, analyst, sheet):
    client.force_login(analyst)
    assert client.get(f"{URL}templates/source.xlsx").status_code == 200
    response = client.post(URL, {"file": SimpleUploadedFile("figures.csv", sheet), "kind": "displacement"})
    assert response.status_code == 200 and response.json()["counts"]["created"] == 2


@pytest.mark.parametrize("kind", ImportKind.values)
def test_every_kind_has_a_template(analyst_client, db, kind):
    response = analyst_client.get(f"{URL}templates/{kind}.xlsx")
    assert response.status_code == 200
    headers = [cell.value for cell in load_workbook(io.BytesIO(response.content)).worksheets[0][1]]
    assert headers == [column.name for column in spec.writable_columns(kind)]


def test_keys_strangers_and_non_staff_are_refused(key_client, anonymous_client, other_user, sheet):
    for client, expected in ((key_client, 403), (anonymous_client, 401), (token_client(other_user), 403)):
        assert upload(client, sheet).status_code == expected
        assert client.get(f"{URL}templates/displacement.xlsx").status_code == expected
    assert ImportBatch.objects.count() == 0


def test_an_analyst_without_the_permission_is_refused(groups, sheet):
    staff = UserFactory(username="staff_without_groups")
    response = upload(token_client(staff), sheet)
    assert response.status_code == 403 and "displacement figures" in response.json()["detail"]


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"kind": "figures"}, "kind"),
        ({"kind": ""}, "kind"),
        ({"dry_run": "perhaps"}, "dry_run"),
        ({"encoding": "no-such-codec"}, "encoding"),
        ({"encoding": "rot13"}, "encoding"),
        ({"mapping": "not json"}, "mapping"),
        ({"mapping": '["a list"]'}, "mapping"),
        ({"mapping": '{"Their header": "no_such_column"}'}, "mapping"),
        ({"colour": "blue"}, "colour"),
    ],
)
def test_a_bad_field_is_a_400_naming_it(analyst_client, sheet, fields, field):
    response = upload(analyst_client, sheet, **fields)
    assert response.status_code == 400 and response.json()[field], response.content
    assert ImportMapping.objects.count() == 0


def test_a_missing_empty_or_unreadable_file_is_a_400_on_the_file(analyst_client, db):
    response = analyst_client.post(URL, {"kind": "displacement"}, format="multipart")
    assert response.status_code == 400 and response.json()["file"]
    response = upload(analyst_client, b"")
    assert response.status_code == 400 and response.json()["file"]
    for name, data, says in (("report.pdf", b"%PDF-1.7 not a sheet", "PDF"),
                             ("sheet.xlsx", b"PK\x03\x04 truncated", "Excel"),
                             ("latin.csv", "location_name\nHasak\xe9\n".encode("latin-1"), "UTF-8")):
        response = upload(analyst_client, data, name=name)
        assert response.status_code == 400, (name, response.content)
        assert says in response.json()["file"][0] and response.json()["written"] is False
    response = analyst_client.post(URL, {"kind": "displacement"}, format="json")
    assert response.status_code == 415


def damaged_workbook() -> bytes:
    """A workbook whose sheet's XML was cut in half (a download that stopped, a disk that failed)."""
    import xlsxwriter

    whole = io.BytesIO()
    book = xlsxwriter.Workbook(whole, {"in_memory": True})
    book.add_worksheet().write_row(0, 0, ["term", "location_name"])
    book.close()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(whole.getvalue())) as inside, zipfile.ZipFile(out, "w") as damaged:
        for item in inside.infolist():
            data = inside.read(item.filename)
            damaged.writestr(item, data[: len(data) // 2] if item.filename.endswith("sheet1.xml") else data)
    return out.getvalue()


def test_a_damaged_workbook_is_a_400_on_the_file(analyst_client, db):
    response = upload(analyst_client, damaged_workbook(), name="figures.xlsx")
    assert response.status_code == 400, response.content
    assert "damaged" in response.json()["file"][0] and response.json()["written"] is False


def test_an_unknown_header_is_a_400_listing_ours(analyst_client, sheet):
    rows = list(csv.reader(io.StringIO(sheet.decode())))
    rows[0][0] = "Kind of movement"
    response = upload(analyst_client, csv_bytes(rows))
    assert response.status_code == 400
    [message] = response.json()["file"]
    assert "'Kind of movement'" in message and "reported_value" in message


def test_a_file_with_no_source_needs_its_publisher(analyst_client, places):
    OrganizationFactory(name="Camp Coordination Team", kind=OrganizationKind.NGO)
    header = [h for h in HEADER if h not in ("source_id", "excerpt")]
    rows = [header, [v for h, v in zip(HEADER, row(SourceFactory.build(pk=1)), strict=True) if h in header]]
    response = upload(analyst_client, csv_bytes(rows), dry_run="false")
    assert response.status_code == 400 and "publisher" in response.json()["file"][0]
    response = upload(analyst_client, csv_bytes(rows), dry_run="false", publisher="Camp Coordination Team")
    assert response.status_code == 200, response.content
    assert response.json()["source"] is not None and DisplacementFigure.objects.count() == 1


def test_an_oversized_file_is_refused_before_it_is_read(analyst_client, sheet, settings):
    settings.IMPORT_MAX_BYTES = 100
    response = upload(analyst_client, sheet + b"\n" * 300_000)
    assert response.status_code == 413 and "IMPORT_MAX_BYTES" in response.json()["file"][0]
    response = upload(analyst_client, sheet)  # under the multipart allowance, over the file limit
    assert response.status_code == 413 and "MB" in response.json()["detail"]
    assert ImportBatch.objects.count() == 0


def test_the_api_root_lists_the_imports(analyst_client):
    response = analyst_client.get("/api/v1/")
    assert response.status_code == 200
    assert response.json()["imports"].endswith("/api/v1/imports/")
