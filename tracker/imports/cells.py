"""A cell's value for a model field, read by the admin form's own field for it, so a bad cell gets the message
the admin form gives for the same input ("Enter a valid date.", "Select a valid choice. ...").

Before the form field reads it, a cell is taken as a spreadsheet holds it: the leading apostrophe our exports
put before formula-like text is dropped; a formula is refused; dates are ISO (``2019-03-05``), or day-first
(``05/03/2019``) when the file says so; whole numbers may carry thousands separators (``12,500``) or come as
text; a choice may be given by its value or its label, in any case.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from functools import cache

from django.core.exceptions import ValidationError
from django.db import models

from tracker.exports.escape import FORMULA_PREFIXES
from tracker.imports.reading import Cell

_THOUSANDS = re.compile(r"^[+-]?\d{1,3}([,\u00a0\u202f ]\d{3})+$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[T ]00:00(?::00(?:\.0+)?)?Z?)?$")
_DAY_FIRST = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")
_ID_FIELD = models.PositiveBigIntegerField()
TRUE, FALSE = {"true", "yes", "y", "1", "t"}, {"false", "no", "n", "0", "f"}

DATE_HINT = "Write dates as YYYY-MM-DD, or declare the file's dates day-first to read DD/MM/YYYY."
FORMULA_MESSAGE = "This cell holds a formula ({formula}): import values, not formulas (paste as values in your " \
                  "spreadsheet first)."


@cache
def form_field(field: models.Field):
    """The admin form's field for a model field (its messages are the ones analysts already see)."""
    return field.formfield()


def unescape(text: str) -> str:
    """Our exports write ``'=x`` for a text beginning like a formula: the apostrophe is not part of the value."""
    if text.startswith("'") and text[1:].startswith(FORMULA_PREFIXES):
        return text[1:]
    return text


def cell_value(cell: Cell) -> object:
    """The cell's raw value with our export's escaping undone, or ValidationError for a formula."""
    value = cell.value
    if cell.formula:
        raise ValidationError(FORMULA_MESSAGE.format(formula=str(value)[:40]))
    if isinstance(value, str):
        value = value.strip()
        if value.startswith("=") and len(value) > 1:
            raise ValidationError(FORMULA_MESSAGE.format(formula=value[:40]))
        value = unescape(value)
    return value


def is_empty(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _date(field: models.Field, value: object, day_first: bool) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    match = _ISO_DATE.match(text)
    if match:
        return form_field(field).clean("-".join(match.groups()))
    match = _DAY_FIRST.match(text)
    if match and day_first:
        day, month, year = match.groups()
        return form_field(field).clean(f"{year}-{int(month):02d}-{int(day):02d}")
    message = form_field(field).error_messages["invalid"]
    raise ValidationError(f"{message} {DATE_HINT}")


def _integer(field: models.Field, value: object) -> int:
    if isinstance(value, bool):
        raise ValidationError(form_field(field).error_messages["invalid"])
    if isinstance(value, float):
        value = int(value) if value.is_integer() else value
    if isinstance(value, int):
        return form_field(field).clean(str(value))
    text = str(value).strip()
    if _THOUSANDS.match(text):
        text = re.sub(r"[,\u00a0\u202f ]", "", text)
    elif re.fullmatch(r"[+-]?\d+\.0+", text):
        text = text.split(".")[0]
    return form_field(field).clean(text)


def _choice(field: models.Field, value: object) -> str:
    text = str(value).strip()
    for key, _label in field.flatchoices:
        if text == str(key):
            return key
    folded = text.casefold()
    for key, label in field.flatchoices:
        if folded in (str(key).casefold(), str(label).casefold()):
            return key
    return form_field(field).clean(text)  # raises the form's "Select a valid choice" message


def _boolean(value: object) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    text = str(value).strip().casefold()
    if text in TRUE:
        return True
    if text in FALSE:
        return False
    raise ValidationError("Enter true or false.")


def parse(field: models.Field, cell: Cell, *, day_first: bool = False) -> object:
    """The value ``field`` takes from ``cell``: None (or "" for text) when empty; ValidationError when bad."""
    value = cell_value(cell)
    if is_empty(value):
        if isinstance(field, models.BooleanField):
            return False
        return "" if isinstance(field, models.CharField | models.TextField) and not field.null else None
    if field.choices:
        return _choice(field, value)
    if isinstance(field, models.BooleanField):
        return _boolean(value)
    if isinstance(field, models.DateField) and not isinstance(field, models.DateTimeField):
        return _date(field, value, day_first)
    if isinstance(field, models.IntegerField):
        return _integer(field, value)
    if isinstance(field, models.DecimalField):
        if isinstance(value, float):
            value = Decimal(str(value))
        return form_field(field).clean(str(value).replace(",", "") if _THOUSANDS.match(str(value)) else str(value))
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, date):
        value = value.isoformat()
    return form_field(field).clean(str(value))


def parse_id(cell: Cell) -> int | None:
    """An id cell (a row's own, or a reference's): a whole number, or None when empty."""
    value = cell_value(cell)
    if is_empty(value):
        return None
    return _integer(_ID_FIELD, value)
