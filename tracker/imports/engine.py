"""One spreadsheet, checked row by row through the services and written in one transaction (or not at all).

``run_import`` is the engine of every door (the admin's import page, ``POST /api/v1/imports/``, ``manage.py
import_records``). It reads the file as a stream (``tracker.imports.reading``), matches its headers to the
export registry's columns (by name, HXL hashtag or the team's saved mapping), reads each cell with the admin
form's field (``tracker.imports.cells``), resolves names (``tracker.imports.resolve``), then writes:

- new records in batches through ``claims_create_batch`` (the same rules as ``claim_create``, set-based);
- updates through ``claim_update`` with the version the file read; places, organizations and sources through
  ``reference_create``/``reference_update``;

each in a savepoint, inside one transaction for the whole file. A preview is the same run, rolled back: what it
reports (created, updated, unchanged, every error by row and column, the possible double counts found) is
exactly what confirming writes. When any row fails, nothing is written, unless the analyst asked for the valid
rows only; the rows left out then come back as CSV with their errors.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections import defaultdict
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone

from tracker.imports import spec
from tracker.imports.cells import cell_value, is_empty, parse, parse_id
from tracker.imports.headers import HeaderMatch, match_headers
from tracker.imports.reading import Cell, FileRefused, Table, cell_text, read_table
from tracker.imports.resolve import Resolver
from tracker.imports.results import REQUIRED, ROW, ImportResult, Options, RowReport, messages_of
from tracker.models import (
    QUANTIFIED_MODELS,
    ImportBatch,
    ImportItem,
    ImportKind,
    ImportStatus,
    Location,
    LocationName,
    OrganizationAlias,
    PossibleDoubleCount,
    Source,
)
from tracker.rules.normalise import _BLANKS, content_hash
from tracker.search.documents import search_names_refresh
from tracker.services.common import ConcurrentEditError, changed_fields, has_permission

BATCH_SIZE = 500
ROWS_KEPT = 1000  # rows a preview lists in full; past it, only rows with errors or double counts
PREVIEWS_KEPT = timedelta(days=7)


class Run:
    """One run over one file: the context every row shares."""

    def __init__(self, kind: str, table: Table, matches: list[HeaderMatch], *, user, options: Options,
                 batch: ImportBatch | None, result: ImportResult):
        self.kind, self.table, self.user, self.options, self.batch, self.result = (
            kind, table, user, options, batch, result)
        self.model = spec.MODELS[kind]
        self.matches = matches
        self.resolver = Resolver()
        self.file_source: Source | None = None
        self.lines: dict[int, tuple[int | None, int | None, str]] = {}
        self.pending: list[tuple[RowReport, models.Model, list | None]] = []
        #: (model, object_id, action, prior_version, version, row) of every row written: ImportItems on commit
        self.items: list[tuple] = []
        #: the ids this run created, by the row that created them (a double count within the file names the row)
        self.created_rows: dict[int, int] = {}
        self.reason = batch.reason if batch is not None and batch.pk else "Imported"
        # the column a model field's error is shown under: the first column of the file writing it
        self.column_of: dict[str, str] = {}
        # a country that narrows a place's name is not the place: its column comes last
        for match in sorted(matches, key=lambda m: m.column is not None and m.column.role.by == spec.SCOPE):
            if match.column is not None and match.column.role.role in (spec.FIELD, spec.REF, spec.MANY):
                target = match.column.role.target or match.column.name
                self.column_of.setdefault(target.removesuffix("_id") if target.endswith("_id") else target,
                                          match.column.name)
                self.column_of.setdefault(target, match.column.name)

    # --- errors -----------------------------------------------------------------------------------------------

    def columns_for(self, error: ValidationError) -> dict[str, list[str]]:
        """A model's errors by the file's columns (a field the file has no column for is named as the field)."""
        out: dict[str, list[str]] = defaultdict(list)
        for name, messages in messages_of(error).items():
            key = ROW if name in ("__all__", ROW) else self.column_of.get(name, name)
            out[key].extend(messages)
        return dict(out)

    # --- a row's values ---------------------------------------------------------------------------------------

    def values(self, cells: list[Cell]) -> tuple[dict[str, Cell], dict[str, list[str]]]:
        """The row's non-empty cells by our column name; cells under a header-less column are an error."""
        named: dict[str, Cell] = {}
        errors: dict[str, list[str]] = {}
        for index, cell in enumerate(cells):
            if index >= len(self.matches):
                if not is_empty(cell.value):
                    errors.setdefault(ROW, []).append(
                        f"Cell {index + 1} is past the last column header: give it a header or remove it.")
                continue
            match = self.matches[index]
            if match.column is None:
                if match.blank and not is_empty(cell.value):
                    errors.setdefault(ROW, []).append(
                        f"Column {index + 1} holds data but has no header (merged header cells are not read): "
                        "give every column its own header.")
                continue
            named[match.column.name] = cell
        return named, errors

    def parse_fields(self, instance: models.Model, named: dict[str, Cell], errors: dict[str, list[str]]) -> None:
        for name, cell in named.items():
            role = spec.ROLES[self.kind][name]
            if role.role != spec.FIELD:
                continue
            target = role.target or name
            model_field = self.model._meta.get_field(target.removesuffix("_id") if target.endswith("_id")
                                                     else target)
            if is_empty(cell.value) and model_field.has_default() and not model_field.blank:
                continue  # an empty cell of a field that has a default (a precision): the default, or as stored
            try:
                if target.endswith("_id"):
                    value = parse_id(cell)
                else:
                    value = parse(model_field, cell, day_first=self.options.day_first)
            except ValidationError as error:
                errors.setdefault(name, []).extend(error.messages)
                continue
            setattr(instance, target, value)

    def resolve_refs(self, instance: models.Model, named: dict[str, Cell], errors: dict[str, list[str]],
                     adding: bool) -> dict[str, list]:
        """Set every foreign key a row names; returns the many-to-many lists it names (by target)."""
        by_target: dict[str, list[tuple[str, str, object]]] = defaultdict(list)
        many: dict[str, list] = {}
        for name, cell in named.items():
            role = spec.ROLES[self.kind][name]
            if role.role not in (spec.REF, spec.MANY):
                continue
            try:
                value = cell_value(cell)
            except ValidationError as error:
                errors.setdefault(name, []).extend(error.messages)
                continue
            if is_empty(value):
                if role.role == spec.MANY:
                    many[role.target] = []
                continue
            if role.role == spec.MANY:
                names = [part.strip() for part in str(value).split(";") if part.strip()]
                if role.model is None:
                    many[role.target] = names
                    continue
                found = []
                for part in names:
                    try:
                        found.append(self.resolver.organization(part))
                    except ValidationError as error:
                        errors.setdefault(name, []).extend(error.messages)
                many[role.target] = found
                continue
            by_target[role.target].append((role.by, name, value))
        for target, given in by_target.items():
            self._resolve_one(instance, target, given, errors)
        return many

    def _resolve_one(self, instance, target: str, given: list[tuple[str, str, object]], errors) -> None:
        """Set ``target`` from the most exact column the row fills (id, then code or URL, then name within the
        country given); a place's own code is not its parent (the export's adm1/adm2 codes include the place)."""
        if target == "parent" and getattr(instance, "level", None) == "country":
            instance.parent = None
            return
        rank = [spec.BY_ID, spec.BY_CODE, spec.BY_URL, spec.BY_NAME]
        order = {name: index for index, name in enumerate(spec.PARENT_ORDER)}
        role_model = spec.ROLES[self.kind][given[0][1]].model
        scope = next(((name, value) for by, name, value in given if by == spec.SCOPE), None)
        country = None
        if scope is not None:
            try:
                country = self.resolver.country(str(scope[1]))
            except ValidationError as error:
                errors.setdefault(scope[0], []).extend(error.messages)
                return
        ranked = sorted((item for item in given if item[0] != spec.SCOPE),
                        key=lambda item: (rank.index(item[0]), order.get(item[1], 0)))
        for by, column, value in ranked:
            try:
                if by == spec.BY_ID:
                    found = self.resolver.by_id(role_model, parse_id(Cell(value)))
                elif by == spec.BY_CODE:
                    found = self.resolver.country(str(value)) if target == "country" else \
                        self.resolver.place_by_code(str(value))
                elif by == spec.BY_URL:
                    found = self.resolver.source_by_url(str(value))
                elif role_model is Location:
                    found = self.resolver.place_by_name(str(value), country)
                elif target == "event":
                    found = self.resolver.event(str(value))
                else:
                    found = self.resolver.organization(str(value))
            except ValidationError as error:
                errors.setdefault(column, []).extend(error.messages)
                return
            if target == "parent" and (found.pk == instance.pk or (found.pcode and found.pcode == instance.pcode)):
                continue
            setattr(instance, target, found)
            return
        if target == "parent" and country is not None:
            instance.parent = country  # a place whose only parent given is its country

    # --- rows -------------------------------------------------------------------------------------------------

    def existing(self, named: dict[str, Cell], errors) -> models.Model | None:
        if "id" not in named:
            return None
        try:
            pk = parse_id(named["id"])
        except ValidationError as error:
            errors.setdefault("id", []).extend(error.messages)
            return None
        if pk is None:
            return None
        try:
            return self.model.objects.get(pk=pk)
        except ObjectDoesNotExist:
            errors.setdefault("id", []).append(
                f"No {self.model._meta.verbose_name} has id {pk}: leave the id empty to add a new one.")
            return None

    def expected_version(self, named: dict[str, Cell], errors) -> int | None:
        if "version" not in named:
            return None
        try:
            return parse_id(named["version"])
        except ValidationError as error:
            errors.setdefault("version", []).extend(error.messages)
            return None

    def row(self, number: int, cells: list[Cell]) -> RowReport | None:
        named, errors = self.values(cells)
        if not errors and all(is_empty(cell.value) for cell in named.values()):
            return None  # a row of empty cells (",,,," in a CSV, spaces): passed over and counted
        report = RowReport(number, "create")
        instance = self.existing(named, errors)
        expected = self.expected_version(named, errors)
        adding = instance is None
        if adding:
            instance = self.model()
        self.parse_fields(instance, named, errors)
        many = self.resolve_refs(instance, named, errors, adding)
        if self.kind in spec.CLAIM_KINDS:
            self.claim_source(instance, number, named, errors, adding)
        if adding and not errors:
            self.check_required(instance, named, errors)
        if errors:
            report.action, report.errors = "error", errors
            return report
        if adding and self.kind in spec.CLAIM_KINDS:
            self.pending.append((report, instance, many.get("cited_sources")))
            if len(self.pending) >= BATCH_SIZE:
                self.flush()
            return report
        self.write_one(report, instance, many, adding, expected)
        return report

    def check_required(self, instance, named, errors) -> None:
        for group in spec.required_columns(self.kind):
            if group & set(named):
                continue
            errors.setdefault(sorted(group)[0], []).append(REQUIRED)

    def claim_source(self, instance, number: int, named, errors, adding: bool) -> None:
        """A record's source: the one its row names, else the file itself (its excerpt its own line)."""
        if self.file_source is not None and instance.source_id is None:
            instance.source = self.file_source
            start, end, line = self.lines[number]
            if not instance.excerpt:
                instance.excerpt = line
                instance.excerpt_start, instance.excerpt_end = start, end
            return
        if adding and instance.source_id is None and not ({"source_id", "source_url"} & set(named)):
            errors.setdefault("source_id", []).append(
                "Give the record's source: source_id, or the URL of a stored source in source_url.")

    # --- writes -----------------------------------------------------------------------------------------------

    def flush(self) -> None:
        """Create the pending new records as one batch through the batch service."""
        from tracker.services.batch import claims_create_valid

        pending, self.pending = self.pending, []
        if not pending:
            return
        with transaction.atomic():
            failures = claims_create_valid([instance for _, instance, _ in pending], created_by=self.user,
                                           cited_sources=[cited for _, _, cited in pending], reason=self.reason)
        passing = []
        for index, (report, instance, cited) in enumerate(pending):
            if index in failures:
                report.action, report.errors = "error", self.columns_for(failures[index])
            else:
                passing.append((report, instance, cited))
        for report, instance, _ in passing:
            report.object_id = instance.pk
            self.created_rows[instance.pk] = report.row
            self.items.append((self.model._meta.model_name, instance.pk, ImportItem.Action.CREATED, None,
                               instance.version, report.row))
        self.double_counts([report for report, _, _ in passing])

    def write_one(self, report: RowReport, instance, many: dict[str, list], adding: bool,
                  expected: int | None) -> None:
        """Create or update one row through its service, in a savepoint."""
        from tracker.services.claims import claim_update
        from tracker.services.reference import reference_create, reference_update

        prior = None if adding else instance.version
        if not adding and self.kind not in spec.CLAIM_KINDS and self.reference_unchanged(instance, many):
            report.action, report.object_id = "unchanged", instance.pk
            return
        try:
            with transaction.atomic():
                if self.kind in spec.CLAIM_KINDS:
                    claim_update(instance, changed_by=self.user, cited_sources=many.get("cited_sources"),
                                 expected_version=expected, reason=self.reason)
                else:
                    m2m = {name: values for name, values in many.items() if name in ("co_credited",)}
                    if adding:
                        reference_create(instance, created_by=self.user, m2m=m2m)
                    else:
                        reference_update(instance, changed_by=self.user, m2m=m2m or None,
                                         expected_version=expected, reason=self.reason)
                    self.write_names(instance, many)
        except ConcurrentEditError as error:
            report.action, report.errors = "error", {"version": [str(error)]}
            return
        except PermissionDenied as error:
            report.action, report.errors = "error", {ROW: [str(error)]}
            return
        except ValidationError as error:
            report.action, report.errors = "error", self.columns_for(error)
            return
        instance.refresh_from_db(fields=["version"])
        report.object_id = instance.pk
        if not adding and instance.version == prior:
            report.action = "unchanged"
            return
        report.action = "create" if adding else "update"
        if adding:
            self.created_rows[instance.pk] = report.row
        self.items.append((self.model._meta.model_name, instance.pk,
                           ImportItem.Action.CREATED if adding else ImportItem.Action.UPDATED, prior,
                           instance.version, report.row))
        self.double_counts([report])

    def double_counts(self, reports: list[RowReport]) -> None:
        """The possible double counts the rows just written take part in: stored records by id, other rows of
        this file by row number (their ids do not outlive a preview)."""
        if self.model not in QUANTIFIED_MODELS:
            return
        mine = {report.object_id: report for report in reports if report.object_id}
        if not mine:
            return
        pairs = PossibleDoubleCount.objects.filter(kind=self.model._meta.model_name).filter(
            models.Q(first_id__in=list(mine)) | models.Q(second_id__in=list(mine)))
        for first, second in pairs.values_list("first_id", "second_id"):
            for own, other in ((first, second), (second, first)):
                if own not in mine:
                    continue
                if other in self.created_rows:
                    mine[own].double_count_rows.append(self.created_rows[other])
                else:
                    mine[own].double_counts.append(other)

    def reference_unchanged(self, instance, many: dict[str, list]) -> bool:
        """Whether a place, organization or source row says nothing new (it is then left alone: reference_update
        would write a new version of an unchanged row)."""
        current = self.model.objects.get(pk=instance.pk)
        if changed_fields(current, instance):
            return False
        if "co_credited" in many and {o.pk for o in many["co_credited"]} != set(
                current.co_credited.values_list("pk", flat=True)):
            return False
        for name in ("aliases", "alternate_names"):
            if name in many:
                known = {n.casefold() for n in getattr(current, name).values_list("name", flat=True)}
                known.add(current.name.casefold())
                if any(n.casefold() not in known for n in many[name]):
                    return False
        return True

    def write_names(self, instance, many: dict[str, list]) -> None:
        """An organization's aliases and a place's alternate names: added where missing, none removed; the records
        that show it then find it by them."""
        added = self.add_names(instance, many)
        if added:
            search_names_refresh(instance)

    def add_names(self, instance, many: dict[str, list]) -> int:
        added = 0
        if "aliases" in many:
            known = {name.casefold() for name in instance.aliases.values_list("name", flat=True)}
            for name in many["aliases"]:
                if name.casefold() not in known and name.casefold() != instance.name.casefold():
                    alias = OrganizationAlias(organization=instance, name=name)
                    alias._history_user = self.user
                    alias.save()
                    known.add(name.casefold())
                    added += 1
        if "alternate_names" in many:
            known = {name.casefold() for name in instance.alternate_names.values_list("name", flat=True)}
            for name in many["alternate_names"]:
                if name.casefold() not in known:
                    alternate = LocationName(location=instance, name=name)
                    alternate._history_user = self.user
                    alternate.save()
                    known.add(name.casefold())
                    added += 1
        return added

    # --- the file as the records' source ----------------------------------------------------------------------

    def make_file_source(self, data: bytes, file_name: str) -> None:
        """Store the sheet, rendered as CSV, as the source of rows that name none; each row's line is its
        excerpt. The same file imported again finds its source by the text's hash."""
        from tracker.services.reference import source_create

        lines, spans, offset = [], {}, 0
        table = read_table(file_name, data, encoding=self.options.encoding)
        for number, cells in [(0, [Cell(h) for h in self.table.headers] if any(self.table.headers)
                               else [Cell(h) for h in self.table.hashtags or []]), *table.rows]:
            values = [cell_text(c.value) for c in cells]
            if number and not any(v.strip() for v in values):
                continue
            out = io.StringIO()
            csv.writer(out, lineterminator="").writerow([" ".join(v.split()) for v in values])
            line = _BLANKS.sub(" ", unicodedata.normalize("NFC", out.getvalue())).rstrip(" ")
            spans[number] = (offset, offset + len(line), line)
            lines.append(line)
            offset += len(line) + 1
        text = "\n".join(lines)
        existing = Source.objects.filter(content_hash=content_hash(text)).first()
        if existing is not None:
            self.file_source = existing
        else:
            if not self.options.publisher.strip():
                raise FileRefused("The rows name no source, so the file itself becomes their source: say who "
                                  "published it (publisher).")
            try:
                publisher = self.resolver.organization(self.options.publisher)
            except ValidationError as error:
                raise FileRefused(f"Publisher: {error.messages[0]}") from error
            source = Source(title=file_name[:500], kind="dataset", publication_date=timezone.localdate(),
                            publisher=publisher, text=text, text_may_be_kept=True,
                            notes=f"The spreadsheet {file_name}, imported; each record's excerpt is its row.")
            try:
                source_create(source, created_by=self.user)
            except ValidationError as error:
                raise FileRefused("The file cannot be stored as a source: " + "; ".join(error.messages)) from error
            self.file_source = source
            self.items.append(("source", source.pk, ImportItem.Action.CREATED, None, source.version, 0))
        if self.file_source.text != text:  # stored otherwise: offsets are found again from the excerpts
            spans = {number: (None, None, line) for number, (_, _, line) in spans.items()}
        self.lines = spans
        self.result.source = self.file_source


def _needs_file_source(kind: str, matches: list[HeaderMatch]) -> bool:
    named = {m.column.name for m in matches if m.column is not None}
    return kind in spec.CLAIM_KINDS and not ({"source_id", "source_url", "id"} & named)


def run_import(kind: str, file_name: str, data: bytes, *, user: AbstractBaseUser, commit: bool,
               options: Options | None = None, batch: ImportBatch | None = None,
               progress: Callable[[int, int], None] | None = None) -> ImportResult:
    """Import ``data`` as ``kind``: a preview (``commit=False``, nothing kept) or the write, all or nothing
    unless ``options.valid_rows_only``. ``batch`` is the preview's batch being confirmed (a new one is made
    otherwise); the result says what was (or would be) written, row by row."""
    options = options or Options()
    if kind not in spec.MODELS:
        raise ValueError(f"Unknown kind {kind!r}: one of {', '.join(ImportKind.values)}.")
    model = spec.MODELS[kind]
    result = ImportResult(kind, file_name)
    if not has_permission(user, f"tracker.add_{model._meta.model_name}"):
        raise PermissionDenied(f"You do not have permission to add {model._meta.verbose_name_plural}.")
    try:
        table = read_table(file_name, data, encoding=options.encoding)
    except FileRefused as error:
        result.file_errors.append(error.message)
        return result
    result.format, result.notes = table.format, list(table.notes)
    limit = settings.IMPORT_MAX_ROWS
    if table.size_hint > limit + 2 and table.format == "xlsx":
        result.file_errors.append(f"The sheet has {table.size_hint:,} rows, past the limit of {limit:,}: "
                                  "split it into files of at most that many rows.")
        return result
    matches, header_errors = match_headers(kind, table.headers, table.hashtags, options.mapping)
    result.headers = matches
    result.file_errors += header_errors
    if result.file_errors:
        return result
    result.skipped_headers = [m.header or m.hashtag for m in matches]
    ignored = [m.header or m.hashtag for m in matches if m.how == "ignored"]
    if ignored:
        result.notes.append(f"Ignored column{'s' if len(ignored) > 1 else ''}: {', '.join(ignored)}.")
    if batch is None:
        batch = ImportBatch.objects.create(kind=kind, file_name=file_name[:255], file=data,
                                           options=options.as_json(), created_by=user,
                                           valid_rows_only=options.valid_rows_only)
    result.batch = batch
    # Previews nobody confirmed keep their file a week, for the analyst to come back to; then they go.
    ImportBatch.objects.filter(status=ImportStatus.PREVIEWED,
                               created_at__lt=timezone.now() - PREVIEWS_KEPT).exclude(pk=batch.pk).delete()
    with transaction.atomic():
        if commit and not ImportBatch.objects.select_for_update().filter(
                pk=batch.pk, status=ImportStatus.PREVIEWED).exists():
            # confirmed twice (a second click, a second tab): the first confirmation wrote it; this one waits for
            # it on the row lock, then writes nothing
            result.file_errors.append(f"Import #{batch.pk} is no longer a preview (written, withdrawn or dropped): "
                                      "nothing was written again.")
            return result
        run = Run(kind, table, matches, user=user, options=options, batch=batch, result=result)
        try:
            if _needs_file_source(kind, matches):
                run.make_file_source(data, file_name)
            _rows(run, result, limit, progress)
        except FileRefused as error:
            result.file_errors.append(error.message)
        written = commit and not result.file_errors and (not result.counts["failed"] or options.valid_rows_only)
        if written:
            _finish(run, result, batch)
        else:
            transaction.set_rollback(True)
        result.written = written
    if not written:
        batch.summary = result.counts
        ImportBatch.objects.filter(pk=batch.pk).update(summary=result.counts)
    return result


def _rows(run: Run, result: ImportResult, limit: int, progress) -> None:
    total, done = run.table.size_hint, 0
    for done, (number, cells) in enumerate(run.table.rows, start=1):
        if done > limit:
            raise FileRefused(f"The sheet has more than {limit:,} rows: split it into files of at most that many.")
        report = run.row(number, cells)
        if report is None:
            result.counts["empty"] += 1
        else:
            result.counts["rows"] += 1
            if report.action == "error":
                report.cells = [cell_text(c.value) for c in cells]
            result.rows.append(report)
        if progress and done % 100 == 0:
            progress(done, total)
    run.flush()
    if progress:
        progress(done, done)  # the rows read: the size hint is an estimate (a CSV's line count)
    if not result.counts["rows"]:
        raise FileRefused("The file has no rows under its column headers (empty rows are passed over): nothing to "
                          "import.")
    kept = []
    for report in result.rows:
        key = {"create": "created", "update": "updated", "unchanged": "unchanged", "error": "failed"}[report.action]
        result.counts[key] += 1
        if report.action == "error":
            result.skipped.append(report)
        if report.action == "error" or report.double_counts or report.double_count_rows or len(kept) < ROWS_KEPT:
            kept.append(report)
    result.rows = kept
    if result.counts["empty"]:
        result.notes.append(f"{result.counts['empty']} empty row(s) were passed over.")


def _finish(run: Run, result: ImportResult, batch: ImportBatch) -> None:
    fields = ("model", "object_id", "action", "prior_version", "version", "row")
    ImportItem.objects.bulk_create([ImportItem(batch=batch, **dict(zip(fields, item, strict=True)))
                                    for item in run.items], batch_size=1000)
    batch.status = ImportStatus.COMMITTED
    batch.committed_at = timezone.now()
    batch.summary = result.counts
    batch.valid_rows_only = run.options.valid_rows_only
    batch.source = run.file_source if run.file_source is not None and run.file_source.pk else None
    batch.skipped_csv = result.skipped_csv() if result.skipped else ""
    batch.save()
