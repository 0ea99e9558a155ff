"""Formula escaping (OWASP's CSV-injection rule): a text cell that a spreadsheet would run as a formula gets a
leading apostrophe. One list of leading characters, written out twice: in Python for the renderers and the
pages' CSV, and as SQL for PostgreSQL's COPY downloads."""

from __future__ import annotations

from django.db.models import Func, TextField

FORMULA_PREFIXES = ("=", "+", "-", "@")


def escape_formula(value: str) -> str:
    """A text cell that begins like a formula gets a leading apostrophe."""
    return "'" + value if value.startswith(FORMULA_PREFIXES) else value


def sql_literal(text: str) -> str:
    """``text`` as an SQL string literal in a statement that is %-formatted with its parameters."""
    return "'" + text.replace("'", "''").replace("%", "%%") + "'"


class EscapeFormula(Func):
    """``escape_formula`` in SQL, on a text expression (the template names the expression three times: use it
    on columns, not on parameters)."""

    template = (
        f"CASE WHEN left(%(expressions)s, 1) IN ({', '.join(sql_literal(p) for p in FORMULA_PREFIXES)}) "
        "THEN '''' || %(expressions)s ELSE %(expressions)s END"
    )
    output_field = TextField()
