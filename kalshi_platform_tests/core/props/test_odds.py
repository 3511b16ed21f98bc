"""American odds -> implied probability (exact) and the power-method de-vig, on hand-checked numbers."""

from fractions import Fraction

import numpy as np
import pytest

from kalshi_platform.core.props.odds import (
    OddsError,
    american_from_probability,
    decimal_odds,
    devig_power,
    devig_power_american,
    implied_probability,
    implied_probability_array,
    overround,
)


@pytest.mark.parametrize(
    ("odds", "expected"),
    [
        (-110, Fraction(11, 21)),  # stake 110 to win 100: 110 / 210
        (110, Fraction(10, 21)),  # stake 100 to win 110: 100 / 210
        (150, Fraction(2, 5)),
        (-150, Fraction(3, 5)),
        (-140, Fraction(7, 12)),
        (100, Fraction(1, 2)),
        (-100, Fraction(1, 2)),
        (-10000, Fraction(100, 101)),
    ],
)
def test_implied_probability_is_exact(odds, expected):
    assert implied_probability(odds) == expected
    assert decimal_odds(odds) == 1 / expected


@pytest.mark.parametrize("bad", [0, 50, -99, 99, 1.5, "110", True])
def test_odds_that_cannot_exist_are_refused(bad):
    with pytest.raises(OddsError):
        implied_probability(bad)


def test_vectorised_implied_probability_matches_exact_and_nulls_impossible_odds():
    got = implied_probability_array(np.array([-110, 150, 100, 50]))
    assert got[:3] == pytest.approx([11 / 21, 2 / 5, 1 / 2], abs=1e-15)
    assert np.isnan(got[3])


def test_minus_110_both_ways_devigs_to_even_money_and_the_book_keeps_one_twenty_first():
    # The seed example: a sportsbook line at -110 each way.
    assert overround(-110, -110) == Fraction(1, 21)  # 4.76%
    over, under = devig_power_american(-110, -110)
    assert over == pytest.approx(0.5, abs=1e-12)
    assert under == pytest.approx(0.5, abs=1e-12)


def test_power_method_recovers_probabilities_built_with_a_known_exponent():
    # Fair 60/40 raised to k = 0.8 gives a book with a 14.5% overround (0.66453 + 0.48045);
    # de-vigging must find 60/40 again.
    fair = np.array([0.6, 0.4])
    book = fair ** 0.8
    assert book.sum() == pytest.approx(1.14499, abs=1e-5)
    over, under = devig_power(book[0], book[1])
    assert over[0] == pytest.approx(0.6, abs=1e-12)
    assert under[0] == pytest.approx(0.4, abs=1e-12)


def test_power_method_hand_example_plus110_minus140():
    # +110 / -140: implied 10/21 and 7/12 (sum 1.0595). Solving a^k + b^k = 1 by bisection in the test
    # gives k = 1.1012..; the fair probabilities sum to 1 and the longshot loses more, relatively.
    a, b = 10 / 21, 7 / 12
    lo, hi = 1.0, 2.0
    for _ in range(200):
        k = (lo + hi) / 2
        lo, hi = (k, hi) if a**k + b**k > 1 else (lo, k)
    over, under = devig_power_american(110, -140)
    assert over == pytest.approx(a**k, abs=1e-12)
    assert under == pytest.approx(b**k, abs=1e-12)
    assert over + under == pytest.approx(1.0, abs=1e-12)
    assert over == pytest.approx(0.44483, abs=1e-5)
    assert (a - over) / a > (b - under) / b  # longshot shrinks more than the favourite


def test_power_method_is_vectorised_and_marks_missing_sides():
    over, under = devig_power(np.array([11 / 21, 0.55, np.nan, 1.2]), np.array([11 / 21, 0.50, 0.5, 0.5]))
    assert over[0] == pytest.approx(0.5)
    assert over[1] + under[1] == pytest.approx(1.0)
    assert np.isnan(over[2]) and np.isnan(over[3])


def test_underround_market_scales_up():
    # Two +105 prices (each 0.4878) add up to less than 1: the power method then uses k < 1.
    over, under = devig_power_american(105, 105)
    assert over == pytest.approx(0.5) and under == pytest.approx(0.5)


@pytest.mark.parametrize(("p", "odds"), [(0.5, -100), (0.6, -150), (0.4, 150), (11 / 21, -110)])
def test_probability_back_to_american(p, odds):
    assert american_from_probability(p) == odds
