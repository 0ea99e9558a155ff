"""What a displacement term means for counting: the categories it allows and its double-counting group.

Figures in one term group may describe the same people; across groups they never add (DOMAIN.md,
"Double counting"). A term names a flow (movement during a period), a stock (people in a situation at a
date) or, for "displaced", either. Surrenders and captures form one group of their own
(``TermGroup.SURRENDERED``).
"""

from __future__ import annotations

from tracker.choices import DisplacementCategory, DisplacementTerm, TermGroup

# Which categories each term allows.
TERM_CATEGORIES = {
    DisplacementTerm.EVACUATED: {DisplacementCategory.FLOW},
    DisplacementTerm.FLED: {DisplacementCategory.FLOW},
    DisplacementTerm.RELOCATED: {DisplacementCategory.FLOW},
    DisplacementTerm.RETURNED: {DisplacementCategory.FLOW},
    DisplacementTerm.ARRIVED: {DisplacementCategory.FLOW},
    DisplacementTerm.IN_CAMP: {DisplacementCategory.STOCK},
    DisplacementTerm.TRAPPED: {DisplacementCategory.STOCK},
    DisplacementTerm.DISPLACED: {DisplacementCategory.FLOW, DisplacementCategory.STOCK},
}


def displacement_term_group(term: str, category: str) -> str:
    """The double-counting group of a displacement term in a category."""
    if term == DisplacementTerm.DISPLACED:
        return TermGroup.LEAVING if category == DisplacementCategory.FLOW else TermGroup.DISPLACED_STOCK
    return {
        DisplacementTerm.EVACUATED: TermGroup.LEAVING,
        DisplacementTerm.FLED: TermGroup.LEAVING,
        DisplacementTerm.RELOCATED: TermGroup.LEAVING,
        DisplacementTerm.ARRIVED: TermGroup.ARRIVING,
        DisplacementTerm.RETURNED: TermGroup.RETURNING,
        DisplacementTerm.IN_CAMP: TermGroup.IN_CAMP,
        DisplacementTerm.TRAPPED: TermGroup.TRAPPED,
    }[term]


def default_category(term: str) -> str | None:
    """The category a term gives a figure left without one: the only one it allows, and a flow for "displaced"
    (new displacements are what sources report most; people displaced at a date are chosen by hand)."""
    allowed = TERM_CATEGORIES.get(term)
    if not allowed:
        return None
    return next(iter(allowed)) if len(allowed) == 1 else DisplacementCategory.FLOW
