"""The import reads the export registry: every export column has a meaning on the way in, and the header
matcher finds each column by its name and by its HXL hashtag."""

from __future__ import annotations

import pytest

from tracker.imports import spec
from tracker.imports.headers import match_headers
from tracker.models import ImportKind


@pytest.mark.parametrize("kind", ImportKind.values)
def test_every_export_column_has_an_import_role(kind):
    names = [column.name for column in spec.EXPORT_COLUMNS[kind]]
    missing = [name for name in names if name not in spec.ROLES[kind]]
    assert not missing, f"export columns of {kind} with no import role in tracker/imports/spec.py: {missing}"
    extra = sorted(set(spec.ROLES[kind]) - set(names))
    assert not extra, f"import roles for columns the {kind} export does not have: {extra}"


@pytest.mark.parametrize("kind", ImportKind.values)
def test_written_columns_name_real_model_fields(kind):
    model = spec.MODELS[kind]
    fields = {f.name for f in model._meta.get_fields()} | {f.attname for f in model._meta.concrete_fields}
    for column in spec.import_columns(kind):
        if column.role.role in (spec.FIELD, spec.REF, spec.MANY):
            assert (column.role.target or column.name) in fields, (kind, column.name)


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ImportKind.values)
def test_headers_match_by_name_and_by_hashtag(kind):
    columns = spec.import_columns(kind)
    by_name, errors = match_headers(kind, [c.name.upper().replace("_", " ") for c in columns], None)
    assert not errors
    assert [m.column.name for m in by_name] == [c.name for c in columns]
    hashtags = [c.hxl for c in columns]
    by_tag, errors = match_headers(kind, ["" for _ in columns], hashtags)
    assert not errors
    # a hashtag shared by two columns of one kind goes to the first: say so here if that ever happens
    first = {}
    for column in columns:
        first.setdefault(column.hxl, column.name)
    assert [m.column.name for m in by_tag] == [first[c.hxl] for c in columns]


@pytest.mark.django_db
def test_unknown_header_is_refused_with_our_columns():
    matches, errors = match_headers("displacement", ["term", "Number of IDPs"], None)
    assert len(errors) == 1
    assert "Unknown column: 'Number of IDPs'" in errors[0] and "reported_phrase" in errors[0]
