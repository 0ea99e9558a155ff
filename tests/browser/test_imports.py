"""A spreadsheet import in a real browser: an analyst uploads a file with a place nobody knows, reads the error by
row and column, fixes the file, confirms, finds the new drafts, and withdraws the import again."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import screenshot
from tests.factories import SourceFactory
from tracker.models import DisplacementFigure, ImportBatch, ImportStatus

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HEADER = "location_name,country_iso3,term,quantifier,reported_value,start_date,end_date,source_id,excerpt"


def sheet(source_id: int, places: list[tuple[str, int]]) -> bytes:
    lines = [HEADER] + [f"{place},SYR,fled,approximately,{value},2019-03-03,2019-03-10,{source_id},"
                        f"About {value} people fled {place}" for place, value in places]
    return ("\n".join(lines) + "\n").encode()


def upload(page, name: str, data: bytes) -> None:
    page.select_option("#id_kind", "displacement")
    page.set_input_files("#id_file", files=[{"name": name, "mimeType": "text/csv", "buffer": data}])
    page.click("#preview-button")
    page.wait_for_selector("#confirm-form, #file-errors")


def test_upload_fix_confirm_and_withdraw(login, demo_world):
    source = SourceFactory(title="Families flee the last villages")
    page = login("demo_analyst")

    page.goto(f"{demo_world.url}/admin/tracker/displacementfigure/")
    page.click(".import-spreadsheet-link")
    assert page.input_value("#id_kind") == "displacement"
    screenshot(page, "imports-upload")
    upload(page, "week-11.csv", sheet(source.pk, [("Baghouz", 1200), ("Atlantis", 300)]))

    error = page.locator("#row-errors tr.row-error")
    assert error.count() == 1
    assert [cell.strip() for cell in error.locator("td").all_inner_texts()] == [
        "3", "location_name", "No place is named 'Atlantis' in Syria."]
    assert page.inner_text("#count-created") == "1"
    assert page.inner_text("#count-failed") == "1"
    screenshot(page, "imports-preview-errors")
    assert DisplacementFigure.objects.count() == 0

    page.click("#confirm-form a.cancel-link")  # upload the fixed file
    upload(page, "week-11.csv", sheet(source.pk, [("Baghouz", 1200), ("Abu Kamal", 300)]))
    assert page.locator("#row-errors").count() == 0
    assert page.inner_text("#count-created") == "2"
    assert page.locator("#rows-to-write tbody tr").count() == 2
    screenshot(page, "imports-preview-clean")
    page.click("#confirm-button")

    page.wait_for_selector("#batch-items")
    assert "2 created" in page.inner_text(".messagelist")
    assert page.inner_text("#batch-status") == "Written"
    links = page.locator("#batch-items a")
    assert links.count() == 2
    screenshot(page, "imports-batch-written")
    batch = ImportBatch.objects.get(status=ImportStatus.COMMITTED)
    created = DisplacementFigure.objects.order_by("pk")
    assert [figure.reported_value for figure in created] == [1200, 300]

    links.first.click()  # the record the first row created, in its own form
    page.wait_for_selector("#id_reported_value")
    assert page.input_value("#id_reported_value") == "1200"
    page.go_back()

    page.click("#withdraw-button")
    page.wait_for_selector("#withdraw-confirm")
    page.click("#withdraw-confirm")
    page.wait_for_selector(".messagelist .success")
    message = page.inner_text(".messagelist")
    assert f"Import #{batch.pk} withdrawn" in message
    assert re.search(r"Deleted: displacement figure #\d+ \(row 3\), displacement figure #\d+ \(row 2\)", message)
    assert page.inner_text("#batch-status") == "Withdrawn"
    screenshot(page, "imports-batch-withdrawn")
    assert DisplacementFigure.objects.count() == 0

    page.goto(f"{demo_world.url}/admin/tracker/displacementfigure/")
    assert page.locator("#result_list tbody tr").count() == 0
