"""The one rule that turns what a source printed into persons (DOMAIN.md, "Numbers: one rule")."""

from decimal import Decimal

import pytest

from tracker.choices import MagnitudeWord, Quantifier, Unit
from tracker.rules.quantities import MAGNITUDE_RANGES, Quantity, derive_quantity, quantity_input_errors


def persons(quantifier, value=None, value_max=None, word=None, **extra):
    return derive_quantity(
        quantifier=quantifier, reported_value=value, reported_value_max=value_max, magnitude_word=word,
        unit=extra.pop("unit", Unit.PERSONS), **extra,
    )


@pytest.mark.parametrize(
    ("quantifier", "value", "value_max", "expected"),
    [
        (Quantifier.EXACT, 4000, None, Quantity(4000, 4000, 4000, False)),
        (Quantifier.EXACT, 0, None, Quantity(0, 0, 0, False)),  # "no further civilians"
        (Quantifier.APPROXIMATELY, 4000, None, Quantity(4000, 4000, 4000, False)),
        (Quantifier.MORE_THAN, 4000, None, Quantity(4000, 4000, None, True)),
        (Quantifier.AT_LEAST, 4000, None, Quantity(4000, 4000, None, True)),
        (Quantifier.LESS_THAN, 200, None, Quantity(0, 200, 200, False)),
        (Quantifier.AT_MOST, 200, None, Quantity(0, 200, 200, False)),
        (Quantifier.RANGE, 3000, 5000, Quantity(3000, 3000, 5000, False)),
    ],
)
def test_numeric_quantifiers_in_persons(quantifier, value, value_max, expected):
    assert persons(quantifier, value, value_max) == expected


def test_open_upper_bound_is_stored_as_open_not_as_a_number():
    quantity = persons(Quantifier.MORE_THAN, 4000)
    assert quantity.high is None
    assert quantity.high_open is True
    assert quantity.is_quantified


@pytest.mark.parametrize(
    ("word", "low", "high"),
    [
        (MagnitudeWord.SEVERAL, 3, 9),
        (MagnitudeWord.DOZENS, 24, 99),
        (MagnitudeWord.HUNDREDS, 200, 999),
        (MagnitudeWord.THOUSANDS, 2_000, 9_999),
        (MagnitudeWord.TENS_OF_THOUSANDS, 20_000, 99_999),
        (MagnitudeWord.HUNDREDS_OF_THOUSANDS, 200_000, 999_999),
        (MagnitudeWord.MILLIONS, 2_000_000, 9_999_999),
    ],
)
def test_magnitude_words_take_the_low_end_as_best(word, low, high):
    assert persons(Quantifier.MAGNITUDE, word=word) == Quantity(low, low, high, False)


def test_every_magnitude_word_has_a_range():
    assert set(MAGNITUDE_RANGES) == set(MagnitudeWord.values)


def test_unquantified_claims_have_no_numbers():
    quantity = persons(Quantifier.UNQUANTIFIED)
    assert quantity == Quantity(None, None, None, False)
    assert not quantity.is_quantified


def test_every_quantifier_is_covered():
    covered = {
        Quantifier.EXACT, Quantifier.APPROXIMATELY, Quantifier.MORE_THAN, Quantifier.AT_LEAST, Quantifier.LESS_THAN,
        Quantifier.AT_MOST, Quantifier.RANGE, Quantifier.MAGNITUDE, Quantifier.UNQUANTIFIED,
    }
    assert covered == set(Quantifier.values)


# --- units ------------------------------------------------------------------------------


@pytest.mark.parametrize("unit", [Unit.HOUSEHOLDS, Unit.FAMILIES])
def test_households_and_families_convert_with_the_household_size(unit):
    quantity = persons(Quantifier.EXACT, 100, unit=unit, household_size=Decimal("5.5"))
    assert quantity == Quantity(550, 550, 550, False)


def test_persons_ignore_any_household_size():
    assert persons(Quantifier.EXACT, 100, household_size=Decimal(6)) == Quantity(100, 100, 100, False)


@pytest.mark.parametrize(
    ("households", "size", "expected"),
    [
        (3, Decimal("6.5"), 20),  # 19.5 rounds half up
        (1, Decimal("4.5"), 5),  # 4.5 rounds up, not to the even 4
        (5, Decimal("2.5"), 13),  # 12.5 -> 13
        (3, Decimal("6.45"), 19),  # 19.35 -> 19
        (7, Decimal("5.35"), 37),  # 37.45 -> 37
    ],
)
def test_household_conversion_rounds_half_up(households, size, expected):
    quantity = persons(Quantifier.EXACT, households, unit=Unit.HOUSEHOLDS, household_size=size)
    assert quantity.best == expected


def test_every_bound_of_a_range_converts():
    quantity = persons(Quantifier.RANGE, 3, 5, unit=Unit.FAMILIES, household_size=Decimal("6.5"))
    assert quantity == Quantity(20, 20, 33, False)  # 19.5 -> 20, 32.5 -> 33


def test_household_magnitude_converts_both_ends():
    quantity = persons(Quantifier.MAGNITUDE, word=MagnitudeWord.HUNDREDS, unit=Unit.HOUSEHOLDS, household_size=5)
    assert quantity == Quantity(1000, 1000, 4995, False)


def test_open_household_figure_stays_open():
    quantity = persons(Quantifier.MORE_THAN, 100, unit=Unit.HOUSEHOLDS, household_size=Decimal(6))
    assert quantity == Quantity(600, 600, None, True)


def test_less_than_households_starts_at_zero():
    quantity = persons(Quantifier.LESS_THAN, 30, unit=Unit.HOUSEHOLDS, household_size=Decimal(6))
    assert quantity == Quantity(0, 180, 180, False)


# --- best override ----------------------------------------------------------------------


def test_best_override_replaces_best_only():
    quantity = persons(Quantifier.RANGE, 3000, 5000, best_override=4000)
    assert quantity == Quantity(3000, 4000, 5000, False)


def test_best_override_above_an_open_figure():
    assert persons(Quantifier.MORE_THAN, 4000, best_override=4500) == Quantity(4000, 4500, None, True)


def test_best_override_is_in_persons_not_households():
    quantity = persons(Quantifier.RANGE, 10, 20, unit=Unit.HOUSEHOLDS, household_size=Decimal(5), best_override=75)
    assert quantity == Quantity(50, 75, 100, False)


# --- input messages ---------------------------------------------------------------------


def errors(**inputs):
    values = {
        "quantifier": Quantifier.EXACT, "reported_value": None, "reported_value_max": None, "magnitude_word": None,
        "unit": Unit.PERSONS, "household_size": None, "best_override": None, "best_override_reason": "",
    }
    values.update(inputs)
    return quantity_input_errors(**values)


@pytest.mark.parametrize(
    "inputs",
    [
        {"quantifier": Quantifier.EXACT, "reported_value": 0},
        {"quantifier": Quantifier.MORE_THAN, "reported_value": 4000},
        {"quantifier": Quantifier.RANGE, "reported_value": 3000, "reported_value_max": 5000},
        {"quantifier": Quantifier.MAGNITUDE, "magnitude_word": MagnitudeWord.DOZENS},
        {"quantifier": Quantifier.UNQUANTIFIED},
        {"quantifier": Quantifier.EXACT, "reported_value": 30, "unit": Unit.FAMILIES, "household_size": Decimal(20)},
        {"quantifier": Quantifier.RANGE, "reported_value": 10, "reported_value_max": 20, "best_override": 15,
         "best_override_reason": "The agency's own estimate."},
    ],
)
def test_valid_inputs_have_no_messages(inputs):
    assert errors(**inputs) == {}


@pytest.mark.parametrize(
    "quantifier",
    [Quantifier.EXACT, Quantifier.APPROXIMATELY, Quantifier.MORE_THAN, Quantifier.AT_LEAST, Quantifier.LESS_THAN,
     Quantifier.AT_MOST],
)
def test_single_value_quantifiers_need_a_value_and_no_upper_value(quantifier):
    assert errors(quantifier=quantifier) == {
        "reported_value": "Enter the number the source reports for this quantifier."
    }
    assert errors(quantifier=quantifier, reported_value=10, reported_value_max=20) == {
        "reported_value_max": "An upper value goes only with a range."
    }
    assert errors(quantifier=quantifier, reported_value=10, magnitude_word=MagnitudeWord.DOZENS) == {
        "magnitude_word": "A magnitude word goes only with the 'magnitude word' quantifier."
    }


def test_range_needs_an_upper_value_above_the_lower_one():
    assert errors(quantifier=Quantifier.RANGE, reported_value=3000) == {
        "reported_value_max": "A range needs its upper value."
    }
    message = "The upper value of a range must be greater than its lower value."
    assert errors(quantifier=Quantifier.RANGE, reported_value=5000, reported_value_max=3000) == {
        "reported_value_max": message
    }
    assert errors(quantifier=Quantifier.RANGE, reported_value=5000, reported_value_max=5000) == {
        "reported_value_max": message
    }


def test_magnitude_needs_its_word_and_no_numbers():
    assert errors(quantifier=Quantifier.MAGNITUDE) == {
        "magnitude_word": "Choose the magnitude word the source uses."
    }
    message = "A magnitude word carries its own numbers: leave this empty."
    assert errors(
        quantifier=Quantifier.MAGNITUDE, magnitude_word=MagnitudeWord.THOUSANDS, reported_value=2000,
        reported_value_max=3000,
    ) == {"reported_value": message, "reported_value_max": message}


def test_unknown_quantifier_or_magnitude_word_is_a_message_not_a_crash():
    assert "quantifier" in errors(quantifier="lots", reported_value=10)
    assert "magnitude_word" in errors(quantifier=Quantifier.MAGNITUDE, magnitude_word="zillions")


def test_unquantified_claims_take_no_number():
    message = "An unquantified claim has no number: leave this empty."
    assert errors(
        quantifier=Quantifier.UNQUANTIFIED, reported_value=1, reported_value_max=2,
        magnitude_word=MagnitudeWord.SEVERAL, best_override=1, best_override_reason="because",
    ) == {"reported_value": message, "reported_value_max": message, "magnitude_word": message,
          "best_override": message}


@pytest.mark.parametrize("unit", [Unit.HOUSEHOLDS, Unit.FAMILIES])
def test_household_units_need_a_size_in_range(unit):
    assert errors(reported_value=10, unit=unit) == {
        "household_size": "Households and families need a household size to convert to persons."
    }
    for size in (Decimal(0), Decimal("-1"), Decimal("20.01"), Decimal(21)):
        assert errors(reported_value=10, unit=unit, household_size=size) == {
            "household_size": "A household size must be more than 0 and at most 20."
        }


def test_best_override_must_lie_inside_low_and_high():
    assert errors(
        quantifier=Quantifier.RANGE, reported_value=3000, reported_value_max=5000, best_override=6000,
        best_override_reason="x",
    ) == {"best_override": "A best override must lie between low (3,000) and high (5,000)."}
    assert errors(
        quantifier=Quantifier.MORE_THAN, reported_value=4000, best_override=3999, best_override_reason="x",
    ) == {"best_override": "A best override must lie between low (4,000) and high (no upper bound)."}
    # The bounds are in persons: 10 households of 5 are 50 to 50.
    assert errors(
        reported_value=10, unit=Unit.HOUSEHOLDS, household_size=Decimal(5), best_override=60,
        best_override_reason="x",
    ) == {"best_override": "A best override must lie between low (50) and high (50)."}


def test_best_override_needs_a_reason():
    assert errors(
        quantifier=Quantifier.MORE_THAN, reported_value=4000, best_override=5000, best_override_reason="  ",
    ) == {"best_override_reason": "Say why best differs from the rule."}
