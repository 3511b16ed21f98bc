"""The stat distribution used to carry a sportsbook probability to Kalshi's line."""

import math

import numpy as np
import pytest

from kalshi_platform.core.props.distribution import count_pmf, count_sf, implied_mean, prob_over, shift_probability


def test_poisson_tail_by_hand():
    # Poisson(2): P(X > 1) = 1 - e^-2 (1 + 2)
    assert count_sf(1, 2.0, 1.0)[0] == pytest.approx(1 - math.exp(-2) * 3, abs=1e-14)
    assert count_sf(-1, 2.0, 1.0)[0] == pytest.approx(1.0)


def test_negative_binomial_by_hand():
    # mean 4, variance 8 (dispersion 2): r = 4, q = 1/2; P(X = 0) = 1/16, P(X = 1) = 4 * 1/2 * 1/16 = 1/8
    pmf = count_pmf(1, 4.0, 2.0)[0]
    assert pmf == pytest.approx([1 / 16, 1 / 8], abs=1e-15)
    assert count_sf(1, 4.0, 2.0)[0] == pytest.approx(1 - 3 / 16, abs=1e-14)


def test_pmf_sums_to_one_with_the_right_mean_and_variance():
    pmf = count_pmf(400, [25.0, 8.0, 1.2], [2.0, 1.4, 1.1])
    k = np.arange(401)
    assert pmf.sum(axis=1) == pytest.approx([1, 1, 1], abs=1e-9)
    mean = (pmf * k).sum(axis=1)
    var = (pmf * k**2).sum(axis=1) - mean**2
    assert mean == pytest.approx([25.0, 8.0, 1.2], rel=1e-9)
    assert var == pytest.approx([50.0, 11.2, 1.32], rel=1e-9)


def test_the_same_line_keeps_its_probability_and_other_lines_move_the_right_way():
    p = shift_probability(24.5, 0.5, [19.5, 24.5, 29.5, 34.5], "points")
    assert p[1] == 0.5
    assert 1 > p[0] > 0.5 > p[2] > p[3] > 0
    # The mean that makes 24.5 a coin flip, then the tail above 29.5 of that distribution.
    mu = implied_mean(24.5, 0.5, "points")[0]
    assert prob_over(24.5, mu, "points")[0] == pytest.approx(0.5, abs=1e-9)
    assert p[2] == pytest.approx(prob_over(29.5, mu, "points")[0], abs=1e-9)


def test_whole_number_lines_are_conditional_on_no_push():
    mu = 10.0
    over_10 = prob_over(10.0, mu, "rebounds")[0]
    sf10, sf9 = count_sf(10, mu, 1.4)[0], count_sf(9, mu, 1.4)[0]
    assert over_10 == pytest.approx(sf10 / (1 - (sf9 - sf10)), abs=1e-12)


def test_missing_inputs_give_nan_not_an_error():
    out = shift_probability([24.5, np.nan, 24.5], [0.5, 0.5, np.nan], [19.5, 19.5, 19.5], "points")
    assert out[0] > 0.5 and np.isnan(out[1]) and np.isnan(out[2])
