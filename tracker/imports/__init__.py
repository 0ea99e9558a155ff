"""Spreadsheet imports: CSV, XLSX and HXL-tagged CSV, previewed, then written in one transaction through the
services (docs/import.md).

``reading`` streams a file's rows; ``spec`` says what each export column means on the way back in; ``headers``
matches a file's headers to those columns; ``cells`` reads a cell with the admin form's field; ``resolve`` turns
names into rows; ``engine`` runs it all and ``results`` is what it reports; ``templates`` writes the XLSX
template of each kind.
"""

from tracker.imports.engine import run_import
from tracker.imports.reading import FileRefused
from tracker.imports.results import ImportResult, Options, RowReport

__all__ = ["FileRefused", "ImportResult", "Options", "RowReport", "run_import"]
