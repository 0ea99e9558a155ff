"""What an import reports: its options, each row's outcome, and the whole file's result (the engine fills them;
the admin, the API and the command show them)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from django import forms
from django.core.exceptions import ValidationError

from tracker.imports.headers import HeaderMatch
from tracker.models import ImportBatch, Source

ROW = "row"  # the error key of a row-level message (no single column)


@dataclass
class Options:
    #: the team's header -> our column ("" to ignore it)
    mapping: dict[str, str] = field(default_factory=dict)
    day_first: bool = False
    encoding: str = ""
    #: who published the file, when its rows name no source and the file itself becomes their source
    publisher: str = ""
    valid_rows_only: bool = False

    def as_json(self) -> dict:
        return {"mapping": self.mapping, "day_first": self.day_first, "encoding": self.encoding,
                "publisher": self.publisher, "valid_rows_only": self.valid_rows_only}

    @classmethod
    def from_json(cls, data: dict) -> Options:
        return cls(**{key: data[key] for key in ("mapping", "day_first", "encoding", "publisher", "valid_rows_only")
                      if key in data})


@dataclass
class RowReport:
    row: int
    action: str  # create, update, unchanged, error
    object_id: int | None = None
    errors: dict[str, list[str]] = field(default_factory=dict)
    double_counts: list[int] = field(default_factory=list)
    #: rows of the same file this row may double count (written earlier in the run)
    double_count_rows: list[int] = field(default_factory=list)
    cells: list[str] | None = None

    def as_json(self) -> dict:
        data = {"row": self.row, "action": self.action, "id": self.object_id}
        if self.errors:
            data["errors"] = self.errors
        if self.double_counts:
            data["possible_double_counts"] = self.double_counts
        if self.double_count_rows:
            data["possible_double_counts_rows"] = self.double_count_rows
        return data


@dataclass
class ImportResult:
    kind: str
    file_name: str
    format: str = ""
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(
        ("rows", "created", "updated", "unchanged", "failed", "empty"), 0))
    file_errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    headers: list[HeaderMatch] = field(default_factory=list)
    rows: list[RowReport] = field(default_factory=list)
    written: bool = False
    batch: ImportBatch | None = None
    source: Source | None = None
    skipped: list[RowReport] = field(default_factory=list)
    skipped_headers: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.file_errors and not self.counts["failed"]

    def error_lines(self) -> list[str]:
        """Every error as one line: the file's, then each row's by column."""
        lines = list(self.file_errors)
        for report in self.rows:
            for column, messages in report.errors.items():
                for message in messages:
                    where = f"row {report.row}" + ("" if column == ROW else f", column {column}")
                    lines.append(f"{where}: {message}")
        return lines

    def skipped_csv(self) -> str:
        """The rows left out, as they were, with an ``errors`` column: fix them and import this file again."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["row", *self.skipped_headers, "errors"])
        for report in self.skipped:
            errors = "; ".join(f"{'' if col == ROW else col + ': '}{message}"
                               for col, messages in report.errors.items() for message in messages)
            writer.writerow([report.row, *(report.cells or []), errors])
        return out.getvalue()

    def as_json(self) -> dict:
        return {
            "kind": self.kind, "file": self.file_name, "format": self.format, "written": self.written,
            "batch": self.batch.pk if self.batch else None, "counts": self.counts,
            "file_errors": self.file_errors, "notes": self.notes,
            "columns": [match.as_json() for match in self.headers],
            "source": self.source.pk if self.source and self.source.pk else None,
            "rows": [report.as_json() for report in self.rows],
        }


#: the admin form's message for an empty required field (the model says "cannot be null" or "cannot be blank")
REQUIRED = str(forms.Field.default_error_messages["required"])


def messages_of(error: ValidationError) -> dict[str, list[str]]:
    """A model's errors by field, with the admin form's wording for an empty required field."""
    if hasattr(error, "error_dict"):
        return {name: [REQUIRED if item.code in ("null", "blank") else str(item.messages[0])
                       for item in errors] for name, errors in error.error_dict.items()}
    return {ROW: [str(m) for m in error.messages]}
