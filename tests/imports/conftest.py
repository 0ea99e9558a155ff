"""Fixtures of the import tests: spreadsheets built in the test (CSV, XLSX), a source whose stored text holds the
excerpts the rows quote, and the row counts a test compares before and after an import."""

from __future__ import annotations

import csv
import io
from types import SimpleNamespace

import pytest

from tests.factories import OrganizationFactory, SourceFactory
from tracker.choices import OrganizationKind
from tracker.imports import Options, run_import
from tracker.models import (
    AidCapacityReport,
    DisplacementFigure,
    ImportItem,
    Location,
    Organization,
    PossibleDoubleCount,
    Source,
    SurrenderFigure,
)

#: the stored text of the ``text_source`` fixture: each row of ``HEADER``/``row()`` quotes one of its sentences
ARTICLE = (
    "More than 4,000 people left Baghouz in the past week, the SDF said.\n"
    "About 1,200 families reached Al-Hol camp on Saturday.\n"
    "Some 300 fighters surrendered near the river."
)
EXCERPTS = ARTICLE.split("\n")

HEADER = ["term", "category", "quantifier", "reported_value", "unit", "role", "country_iso3", "location_name",
          "start_date", "end_date", "source_id", "excerpt"]


def csv_bytes(rows: list[list], *, encoding: str = "utf-8", delimiter: str = ",") -> bytes:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return out.getvalue().encode(encoding)


def xlsx_bytes(rows: list[list], write=None) -> bytes:
    """An XLSX workbook of one sheet holding ``rows`` (xlsxwriter: dates as date cells); ``write(book, sheet)``
    adds what a test needs (a formula, merged cells)."""
    import xlsxwriter

    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = book.add_worksheet("Data")
    dates = book.add_format({"num_format": "yyyy-mm-dd"})
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value is None:
                continue
            if hasattr(value, "isoformat"):
                sheet.write_datetime(r, c, value, dates)
            else:
                sheet.write(r, c, value)
    if write is not None:
        write(book, sheet)
    book.close()
    return out.getvalue()


def counts() -> dict[str, int]:
    """How many rows each table an import writes holds."""
    return {model.__name__: model.objects.count() for model in (
        DisplacementFigure, SurrenderFigure, AidCapacityReport, Source, Organization, Location, ImportItem,
        PossibleDoubleCount)}


def run(kind: str, data: bytes, user, *, commit: bool = True, name: str = "figures.csv", **options):
    return run_import(kind, name, data, user=user, commit=commit, options=Options(**options))


def errors_of(result) -> dict:
    """Row number -> {column: [messages]} of every failing row."""
    return {report.row: report.errors for report in result.rows if report.errors}


@pytest.fixture
def text_source(db):
    """A news article whose stored text holds the excerpts the rows quote."""
    return SourceFactory(title="Baghouz: thousands leave", text=ARTICLE, text_may_be_kept=True)


@pytest.fixture
def world(places, analyst, reviewer, text_source):
    sdf = OrganizationFactory(name="Syrian Democratic Forces", acronym="SDF", kind=OrganizationKind.ARMED_GROUP)
    unhcr = OrganizationFactory(name="United Nations High Commissioner for Refugees", acronym="UNHCR",
                                kind=OrganizationKind.UN_AGENCY)
    return SimpleNamespace(places=places, analyst=analyst, reviewer=reviewer, source=text_source, sdf=sdf,
                           unhcr=unhcr)


def row(source: Source, *, excerpt: str = EXCERPTS[0], place: str = "Baghouz", value: str = "4000",
        start: str = "2019-03-03", end: str = "2019-03-10", **changes) -> list[str]:
    """One displacement row under ``HEADER``: 4,000 fled Baghouz, quoted from the source's first sentence."""
    values = dict(zip(HEADER, ["fled", "flow", "more_than", value, "persons", "headline", "SYR", place, start, end,
                               str(source.pk), excerpt], strict=True))
    values.update(changes)
    return [values[name] for name in HEADER]
