"""The counts a page prints: grouped as the active language groups thousands, whichever way they are written."""

import pytest
from django.utils import translation
from django.utils.formats import number_format

from tracker.formatting import count, persons_range


@pytest.mark.parametrize("value", [0, 7, 999, 1_000, 20_000, 1_234_567, -4_500, 10**12])
def test_counts_read_as_django_formats_them_in_english(value):
    with translation.override("en-gb"):
        assert count(value) == number_format(value, force_grouping=True)


def test_a_language_grouping_otherwise_keeps_its_own_separator():
    with translation.override("de"):
        assert count(1_234_567) == "1.234.567"
    with translation.override("en-gb"):
        assert count(1_234_567) == "1,234,567"


def test_a_range_reads_with_grouped_bounds():
    assert persons_range(20_000, 25_000, 99_999, False) == "25,000 (20,000–99,999)"
    assert persons_range(4_000, 4_000, None, True) == "4,000 (4,000 or more)"
    assert count(None) == ""
