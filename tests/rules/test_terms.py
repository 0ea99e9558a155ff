"""What a displacement term allows and which double-counting group it falls in."""

from __future__ import annotations

from tracker.choices import DisplacementCategory, DisplacementTerm, TermGroup
from tracker.rules.terms import TERM_CATEGORIES, displacement_term_group


def test_every_term_has_its_categories_and_a_group_in_each():
    assert set(TERM_CATEGORIES) == set(DisplacementTerm)
    for term, categories in TERM_CATEGORIES.items():
        for category in categories:
            assert displacement_term_group(term, category) in TermGroup.values


def test_displaced_is_leaving_as_a_flow_and_its_own_stock():
    assert displacement_term_group(DisplacementTerm.DISPLACED, DisplacementCategory.FLOW) == TermGroup.LEAVING
    assert displacement_term_group(DisplacementTerm.DISPLACED, DisplacementCategory.STOCK) == (
        TermGroup.DISPLACED_STOCK)
    assert displacement_term_group(DisplacementTerm.FLED, DisplacementCategory.FLOW) == TermGroup.LEAVING
    assert displacement_term_group(DisplacementTerm.ARRIVED, DisplacementCategory.FLOW) == TermGroup.ARRIVING
