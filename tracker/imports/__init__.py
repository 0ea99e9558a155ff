"""Spreadsheet imports: CSV, XLSX and HXL-tagged CSV, previewed, then written in one transaction through the
services (docs/import.md).

``reading`` streams a file's rows; ``spec`` says what each export column means on the way back in; ``headers``
matches a file's headers to those columns; ``cells`` reads a cell with the admin form's field; ``resolve`` turns
names into rows; ``engine`` runs it all; ``templates`` writes the XLSX template of each kind.
"""

from tracker.imports.engine import ImportResult, Options, RowReport, run_import
from tracker.imports.reading import FileRefused

__all__ = ["FileRefused", "ImportResult", "Options", "RowReport", "run_import"]
