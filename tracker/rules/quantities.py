"""The one rule that turns what a source printed into persons: low, best, high.

Every door (admin, API, import, command, shell, synthetic data) reaches these
numbers through :func:`derive_quantity`, called from the models' ``save()``;
nothing else computes them. See docs/counting.md for the reasoning.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from tracker.choices import HOUSEHOLD_UNITS, MagnitudeWord, Quantifier

# Magnitude words: (low, high) in the reported unit. "tens of thousands" means at
# least twenty thousand: a bare "thousands" would be 2,000-9,999. ACLED instead
# codes vague words with fixed values (12 for "several", 100 for "hundreds"); we
# keep the whole credible range and take its low end as best.
MAGNITUDE_RANGES: dict[str, tuple[int, int]] = {
    MagnitudeWord.SEVERAL: (3, 9),
    MagnitudeWord.DOZENS: (24, 99),
    MagnitudeWord.HUNDREDS: (200, 999),
    MagnitudeWord.THOUSANDS: (2_000, 9_999),
    MagnitudeWord.TENS_OF_THOUSANDS: (20_000, 99_999),
    MagnitudeWord.HUNDREDS_OF_THOUSANDS: (200_000, 999_999),
    MagnitudeWord.MILLIONS: (2_000_000, 9_999_999),
}

SINGLE_VALUE_QUANTIFIERS = frozenset(
    {
        Quantifier.EXACT,
        Quantifier.APPROXIMATELY,
        Quantifier.MORE_THAN,
        Quantifier.AT_LEAST,
        Quantifier.LESS_THAN,
        Quantifier.AT_MOST,
    }
)
MAX_HOUSEHOLD_SIZE = Decimal(20)


@dataclass(frozen=True)
class Quantity:
    """Persons implied by a claim. ``high`` is None when open or unquantified."""

    low: int | None
    best: int | None
    high: int | None
    high_open: bool

    @property
    def is_quantified(self) -> bool:
        return self.low is not None


UNQUANTIFIED = Quantity(None, None, None, False)


def to_persons(value: int, unit: str, household_size: Decimal | None) -> int:
    """A count in the reported unit, in persons: households and families times their size, half up."""
    if unit not in HOUSEHOLD_UNITS:
        return value
    if household_size is None:
        raise ValueError("a household unit needs a household size")
    return int((Decimal(value) * Decimal(household_size)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def reported_bounds(
    quantifier: str, reported_value: int | None, reported_value_max: int | None, magnitude_word: str | None
) -> tuple[int | None, int | None, int | None, bool]:
    """(low, best, high, high_open) in the reported unit, before any household conversion."""
    if quantifier == Quantifier.UNQUANTIFIED:
        return None, None, None, False
    if quantifier != Quantifier.MAGNITUDE and reported_value is None:
        raise ValueError(f"a {quantifier} quantity needs a reported value")
    if quantifier == Quantifier.MAGNITUDE:
        if magnitude_word not in MAGNITUDE_RANGES:
            raise ValueError(f"unknown magnitude word {magnitude_word!r}")
        low, high = MAGNITUDE_RANGES[magnitude_word]
        return low, low, high, False
    if quantifier == Quantifier.RANGE:
        return reported_value, reported_value, reported_value_max, False
    if quantifier in (Quantifier.EXACT, Quantifier.APPROXIMATELY):
        return reported_value, reported_value, reported_value, False
    if quantifier in (Quantifier.MORE_THAN, Quantifier.AT_LEAST):
        return reported_value, reported_value, None, True
    if quantifier in (Quantifier.LESS_THAN, Quantifier.AT_MOST):
        return 0, reported_value, reported_value, False
    raise ValueError(f"unknown quantifier {quantifier!r}")


def derive_quantity(
    *,
    quantifier: str,
    reported_value: int | None = None,
    reported_value_max: int | None = None,
    magnitude_word: str | None = None,
    unit: str,
    household_size: Decimal | None = None,
    best_override: int | None = None,
) -> Quantity:
    """Low, best and high in persons from a claim's inputs.

    Inputs are assumed valid (see :func:`quantity_input_errors`); ``best_override``
    is already in persons and replaces best.
    """
    low, best, high, high_open = reported_bounds(quantifier, reported_value, reported_value_max, magnitude_word)
    if low is None:
        return UNQUANTIFIED
    low, best = to_persons(low, unit, household_size), to_persons(best, unit, household_size)
    high = None if high is None else to_persons(high, unit, household_size)
    if best_override is not None:
        best = best_override
    return Quantity(low, best, high, high_open)


def quantity_input_errors(
    *,
    quantifier: str,
    reported_value: int | None,
    reported_value_max: int | None,
    magnitude_word: str | None,
    unit: str,
    household_size: Decimal | None,
    best_override: int | None,
    best_override_reason: str,
) -> dict[str, str]:
    """Field-level messages for inputs that do not describe one quantity; empty when valid."""
    errors: dict[str, str] = {}
    if quantifier not in Quantifier.values:
        errors["quantifier"] = "Choose how the source qualifies its number (exactly, more than, a range...)."
    if quantifier in SINGLE_VALUE_QUANTIFIERS or quantifier == Quantifier.RANGE:
        if reported_value is None:
            errors["reported_value"] = "Enter the number the source reports for this quantifier."
        if magnitude_word:
            errors["magnitude_word"] = "A magnitude word goes only with the 'magnitude word' quantifier."
    if quantifier in SINGLE_VALUE_QUANTIFIERS and reported_value_max is not None:
        errors["reported_value_max"] = "An upper value goes only with a range."
    if quantifier == Quantifier.RANGE:
        if reported_value_max is None:
            errors["reported_value_max"] = "A range needs its upper value."
        elif reported_value is not None and reported_value_max <= reported_value:
            errors["reported_value_max"] = "The upper value of a range must be greater than its lower value."
    if quantifier == Quantifier.MAGNITUDE:
        if not magnitude_word:
            errors["magnitude_word"] = "Choose the magnitude word the source uses."
        elif magnitude_word not in MAGNITUDE_RANGES:
            errors["magnitude_word"] = f"Unknown magnitude word {magnitude_word!r}: choose one from the list."
        for field, value in (("reported_value", reported_value), ("reported_value_max", reported_value_max)):
            if value is not None:
                errors[field] = "A magnitude word carries its own numbers: leave this empty."
    if quantifier == Quantifier.UNQUANTIFIED:
        for field, value in (
            ("reported_value", reported_value),
            ("reported_value_max", reported_value_max),
            ("magnitude_word", magnitude_word),
            ("best_override", best_override),
        ):
            if value not in (None, ""):
                errors[field] = "An unquantified claim has no number: leave this empty."
    if unit in HOUSEHOLD_UNITS:
        if household_size is None:
            errors["household_size"] = "Households and families need a household size to convert to persons."
        elif not (0 < household_size <= MAX_HOUSEHOLD_SIZE):
            errors["household_size"] = "A household size must be more than 0 and at most 20."
    if best_override is not None and not errors and quantifier != Quantifier.UNQUANTIFIED:
        base = derive_quantity(
            quantifier=quantifier,
            reported_value=reported_value,
            reported_value_max=reported_value_max,
            magnitude_word=magnitude_word,
            unit=unit,
            household_size=household_size,
        )
        upper = "no upper bound" if base.high_open else f"{base.high:,}"
        if best_override < base.low or (base.high is not None and best_override > base.high):
            errors["best_override"] = f"A best override must lie between low ({base.low:,}) and high ({upper})."
    if best_override is not None and not best_override_reason.strip():
        errors["best_override_reason"] = "Say why best differs from the rule."
    return errors
