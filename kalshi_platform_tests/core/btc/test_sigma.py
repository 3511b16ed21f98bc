"""EWMA sigma and its guardrails: NaN, zero and huge values are rejected; then the last good value, then the
default, each choice recorded with its reason."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import numpy as np
import polars as pl
import pytest

from kalshi_platform.core.btc.pricing import SECONDS_PER_YEAR
from kalshi_platform.core.btc.sigma import choose_sigma, ewma_sigma, grid_prices, log_returns

NOW = datetime(2026, 11, 20, 15, 30, tzinfo=UTC)
RULES = {"min_returns": 20, "sigma_max": 3.0, "default": 0.5, "last_good_max_age_s": 86_400, "as_of": NOW}


def test_ewma_recovers_the_volatility_of_gbm_minute_returns():
    rng = np.random.default_rng(1)
    sigma = 0.55
    r = rng.standard_normal(5000) * sigma * math.sqrt(60 / SECONDS_PER_YEAR)
    assert ewma_sigma(r, decay=0.995, interval_s=60) == pytest.approx(sigma, rel=0.1)
    # The EWMA follows a change of regime: the recent half dominates.
    r2 = np.concatenate([r[:2500], r[2500:] * 2])
    assert ewma_sigma(r2, decay=0.97, interval_s=60) == pytest.approx(2 * sigma, rel=0.25)
    assert math.isnan(ewma_sigma(np.array([]), decay=0.97, interval_s=60))
    with pytest.raises(ValueError):
        ewma_sigma(r, decay=1.0, interval_s=60)


def test_grid_prices_skip_gaps_instead_of_bridging_them():
    ts = [NOW - timedelta(minutes=m) for m in (10, 9, 8, 4, 3, 2, 1, 0)]
    prices = [100.0, 101.0, 100.5, 102.0, 101.0, 101.5, 101.0, 100.0]
    grid = grid_prices(pl.Series(ts), pl.Series(prices), interval_s=60, end=NOW, lookback_s=600)
    assert len(grid) == 11 and np.isnan(grid[3:6]).sum() == 3
    returns = log_returns(grid)
    assert len(returns) == 2 + 4  # 10->9->8, then 4->3->2->1->0; nothing across the hole


@pytest.mark.parametrize(("raw", "n", "why"), [
    (float("nan"), 100, "non_finite"),
    (float("inf"), 100, "non_finite"),
    (0.0, 100, "non_positive"),
    (-0.1, 100, "non_positive"),
    (40.0, 100, "above_max (40 > 3)"),
    (0.5, 5, "too_few_returns (5 < 20)"),
])
def test_guardrails_reject_and_fall_back_to_the_last_good_value(raw, n, why):
    good = choose_sigma(raw, n, last_good=(0.61, NOW - timedelta(hours=1)), **RULES)
    assert (good.sigma, good.source) == (0.61, "last_good")
    assert good.reason.startswith(why) and "last good from" in good.reason
    # No last good value: the configured default.
    default = choose_sigma(raw, n, last_good=None, **RULES)
    assert (default.sigma, default.source, default.reason) == (0.5, "default", why)
    # No default either: unavailable, and the edge engine will skip with sigma_unavailable.
    none = choose_sigma(raw, n, last_good=None, **{**RULES, "default": None})
    assert none.sigma is None and none.source == "unavailable" and none.reason.startswith(why)


def test_a_good_ewma_is_used_as_is():
    choice = choose_sigma(0.48, 119, last_good=(0.61, NOW), **RULES)
    assert (choice.sigma, choice.source, choice.reason, choice.raw) == (0.48, "ewma", None, 0.48)


def test_a_stale_or_bad_last_good_value_is_not_used():
    old = choose_sigma(float("nan"), 100, last_good=(0.61, NOW - timedelta(days=3)), **RULES)
    assert old.source == "default" and "too old" in old.reason
    bad = choose_sigma(float("nan"), 100, last_good=(50.0, NOW), **RULES)
    assert bad.source == "default"
