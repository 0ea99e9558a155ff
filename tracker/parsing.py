"""Reading numbers and times from what callers type: query parameters, URL parts, headers, hidden fields.

Python's ``int()`` and ``str.isdigit()`` accept any script's digits and more: ``"²".isdigit()`` is true
and ``int("²")`` fails, ``int("٣")`` is 3. Ids, page numbers and versions are ASCII digits only, read
here and nowhere else, so an odd character is a field-level 400 (or a 404 in a URL), never a 500.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from django.utils.dateparse import parse_datetime

# A bigint holds every 18-digit number; 19 digits may overflow it.
MAX_ID_DIGITS = 18
_WHOLE = re.compile(r"[0-9]+", re.ASCII)
# PostgreSQL refuses UTC offsets beyond 15:59 ("time zone displacement out of range").
MAX_UTC_OFFSET = timedelta(hours=15, minutes=59)


def whole_number(value, *, max_digits: int = MAX_ID_DIGITS) -> int | None:
    """``value`` as a whole number when it is 1 to ``max_digits`` ASCII digits (no sign, no spaces); else None."""
    if not isinstance(value, str) or not 0 < len(value) <= max_digits or not _WHOLE.fullmatch(value):
        return None
    return int(value)


def is_whole_number(value, *, max_digits: int = MAX_ID_DIGITS) -> bool:
    return whole_number(value, max_digits=max_digits) is not None


def iso_datetime(value: str) -> datetime | None:
    """An ISO 8601 time the database can store, or None: a bad date, or a UTC offset beyond ±15:59."""
    try:
        moment = parse_datetime(value.strip())
    except ValueError:
        return None
    if moment is None or (moment.utcoffset() is not None and abs(moment.utcoffset()) > MAX_UTC_OFFSET):
        return None
    return moment
