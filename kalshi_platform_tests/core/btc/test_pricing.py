"""GBM probabilities on the 60-second settlement average: monotone in strike, buckets summing to 1, and
agreeing with a Monte Carlo of the same GBM within sampling error."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kalshi_platform.core.btc.pricing import (
    SECONDS_PER_YEAR,
    effective_horizon,
    gbm_probability,
    gbm_probability_one,
)


def test_effective_horizon_of_the_sixty_second_average():
    tau = np.array([-5.0, 0.0, 30.0, 60.0, 900.0, 86_400.0])
    # Ahead of the window: tau - 2w/3; inside it: tau^3 / (3 w^2); continuous at tau = w (w/3 = 20 s).
    assert effective_horizon(tau, 60).tolist() == pytest.approx([0.0, 0.0, 2.5, 20.0, 860.0, 86_360.0])
    assert effective_horizon(np.array([10.0, 900.0]), 0).tolist() == [10.0, 900.0]  # one print: no averaging


@settings(max_examples=60, deadline=None)
@given(
    spot=st.floats(20_000, 200_000),
    sigma=st.floats(0.05, 2.0),
    tau=st.floats(1, 30 * 86_400),
    offsets=st.lists(st.floats(-0.3, 0.3), min_size=2, max_size=12),
)
def test_probabilities_are_monotone_in_the_strike(spot, sigma, tau, offsets):
    strikes = np.sort(spot * (1 + np.array(offsets)))
    n = len(strikes)
    greater = gbm_probability(spot, sigma, np.full(n, tau), ["greater"] * n, strikes, np.full(n, np.nan))
    geq = gbm_probability(spot, sigma, np.full(n, tau), ["greater_or_equal"] * n, strikes, np.full(n, np.nan))
    less = gbm_probability(spot, sigma, np.full(n, tau), ["less"] * n, np.full(n, np.nan), strikes)
    leq = gbm_probability(spot, sigma, np.full(n, tau), ["less_or_equal"] * n, np.full(n, np.nan), strikes)
    for p in (greater, geq, less, leq):
        assert np.all((p >= 0) & (p <= 1))
    assert np.all(np.diff(greater) <= 1e-12) and np.all(np.diff(geq) <= 1e-12)
    assert np.all(np.diff(less) >= -1e-12) and np.all(np.diff(leq) >= -1e-12)
    # At one strike, ">=" holds at least as often as ">", "<=" at least as often as "<".
    assert np.all(geq >= greater - 1e-12) and np.all(leq >= less - 1e-12)
    # "> K" and "< K + 0.01" are complements once the settlement value is cent-rounded.
    comp = gbm_probability(spot, sigma, np.full(n, tau), ["less"] * n, np.full(n, np.nan), strikes + 0.01)
    assert np.allclose(greater + comp, 1.0, atol=1e-12)


@pytest.mark.parametrize("tau", [45.0, 900.0, 3 * 3600.0, 6 * 86_400.0])
def test_buckets_of_one_range_event_sum_to_one(tau):
    # A KXBTC ladder as Kalshi lists it: a less tail, $500 buckets [lo, lo + 499.99], a greater tail.
    spot, sigma, width, low, k = 91_234.56, 0.55, 500.0, 86_000.0, 20
    kinds = ["less"] + ["between"] * k + ["greater"]
    floor = [np.nan] + [low + width * j for j in range(k)] + [low + width * k - 0.01]
    cap = [low] + [low + width * j + width - 0.01 for j in range(k)] + [np.nan]
    p = gbm_probability(spot, sigma, np.full(len(kinds), tau), kinds, floor, cap)
    assert p.sum() == pytest.approx(1.0, abs=1e-12)
    assert np.all(p >= 0)


def test_missing_bounds_unknown_types_and_bad_inputs_give_nan_not_a_guess():
    p = gbm_probability(90_000.0, 0.5, np.full(5, 600.0), ["greater", "less", "between", "custom", "structured"],
                        [np.nan, 1.0, 90_000.0, 90_000.0, 90_000.0], [np.nan, np.nan, np.nan, 91_000.0, 91_000.0])
    assert np.isnan(p).all()
    assert np.isnan(gbm_probability(np.nan, 0.5, [600.0], ["greater"], [1.0], [np.nan])).all()
    assert np.isnan(gbm_probability(90_000.0, np.nan, [600.0], ["greater"], [1.0], [np.nan])).all()
    assert np.isnan(gbm_probability(-1.0, 0.5, [600.0], ["greater"], [1.0], [np.nan])).all()


def test_zero_variance_is_the_indicator_with_cent_rounding():
    # sigma 0 (or no time left): the outcome is known from the spot, rounding to the cent included.
    p = gbm_probability(100.0, 0.0, np.full(4, 600.0), ["greater", "greater", "greater_or_equal", "between"],
                        [99.99, 100.0, 100.0, 100.0], [np.nan, np.nan, np.nan, 100.0])
    assert p.tolist() == [1.0, 0.0, 1.0, 1.0]


def _simulate_average(spot: float, sigma: float, tau: int, window: int, n_paths: int, seed: int) -> np.ndarray:
    """Exact GBM: one log-normal step to the window's first second still ahead, then one per second;
    the mean over the window's ``window`` seconds (seconds already past count at the spot)."""
    rng = np.random.default_rng(seed)
    dt = 1.0 / SECONDS_PER_YEAR
    to_window = max(tau - window, 0)
    first = (math.log(spot) + rng.standard_normal(n_paths) * sigma * math.sqrt(to_window * dt)
             - 0.5 * sigma**2 * to_window * dt)
    ahead = min(tau, window)
    steps = rng.standard_normal((n_paths, ahead - 1)) * sigma * math.sqrt(dt) - 0.5 * sigma**2 * dt
    logs = first[:, None] + np.concatenate([np.zeros((n_paths, 1)), np.cumsum(steps, axis=1)], axis=1)
    return ((window - ahead) * spot + np.exp(logs).sum(axis=1)) / window


@pytest.mark.parametrize(("tau", "sigma"), [(900, 0.5), (3600, 0.8), (45, 0.6)])
def test_model_agrees_with_a_monte_carlo_of_the_same_gbm(tau, sigma):
    spot, n_paths = 90_000.0, 20_000
    avg = _simulate_average(spot, sigma, tau, 60, n_paths, seed=tau)
    sd = spot * sigma * math.sqrt(max(tau, 1) / SECONDS_PER_YEAR)
    strikes = spot + sd * np.array([-2.0, -1.0, -0.3, 0.0, 0.4, 1.0, 2.0])
    strikes = np.round(strikes, 2)
    value = np.round(avg, 2)  # the settlement value is shown to the cent
    n = len(strikes)
    cases = {
        "greater": (strikes, np.full(n, np.nan), lambda k, c: (value[:, None] > k).mean(axis=0)),
        "less_or_equal": (np.full(n, np.nan), strikes, lambda k, c: (value[:, None] <= c).mean(axis=0)),
        "between": (strikes, strikes + np.round(sd, 2), lambda k, c: ((value[:, None] >= k) & (value[:, None] <= c)).mean(axis=0)),
    }
    for kind, (floor, cap, empirical) in cases.items():
        model = gbm_probability(spot, sigma, np.full(n, float(tau)), [kind] * n, floor, cap)
        mc = empirical(floor, cap)
        se = np.sqrt(np.maximum(mc * (1 - mc), 1e-4) / n_paths)
        assert np.all(np.abs(model - mc) < 4.5 * se + 1e-3), (kind, model, mc)


def test_scalar_reference_matches_the_vectorised_model():
    rng = np.random.default_rng(3)
    kinds = ["greater", "greater_or_equal", "less", "less_or_equal", "between"]
    for _ in range(300):
        kind = kinds[rng.integers(5)]
        spot = float(rng.uniform(50_000, 120_000))
        lo = float(np.round(spot * rng.uniform(0.9, 1.05), 2))
        hi = lo + 250.0
        tau = float(rng.uniform(0, 7 * 86_400))
        sigma = float(rng.uniform(0.1, 1.5))
        floor = lo if kind in ("greater", "greater_or_equal", "between") else np.nan
        cap = hi if kind in ("less", "less_or_equal", "between") else np.nan
        vec = gbm_probability(spot, sigma, [tau], [kind], [floor], [cap])[0]
        one = gbm_probability_one(spot, sigma, tau, kind, floor, cap)
        assert vec == pytest.approx(one, abs=1e-12)
