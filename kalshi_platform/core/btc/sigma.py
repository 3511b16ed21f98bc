"""Volatility: EWMA of log returns of the composite spot, annualized, with guardrails and fallbacks.

The composite is sampled on a regular grid (the last quorum price at or before each grid time, no
older than one interval), returns are taken only between adjacent grid points that both have a price,
and the EWMA recursion var_t = decay * var_{t-1} + (1 - decay) * r_t^2 starts from the mean square of
the first few returns. A value is *rejected* when it is not finite, not positive, above the configured
maximum, or rests on too few returns; then the last good value (if recent enough) is used, then the
configured default, and every choice says so in ``sigma_source`` / ``sigma_reason``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
import polars as pl

from kalshi_platform.core.btc.pricing import SECONDS_PER_YEAR

EWMA = "ewma"
LAST_GOOD = "last_good"
DEFAULT = "default"
UNAVAILABLE = "unavailable"
SEED_RETURNS = 10


@dataclass(frozen=True)
class SigmaChoice:
    sigma: float | None  # annualized; None only when nothing usable exists (source "unavailable")
    source: str  # ewma | last_good | default | unavailable
    reason: str | None  # null when the fresh EWMA was used; else why it was not
    raw: float | None  # the EWMA as computed (even when rejected)
    n_returns: int


def grid_prices(ts: pl.Series, prices: pl.Series, *, interval_s: int, end: datetime, lookback_s: int) -> np.ndarray:
    """Prices on the grid end - k*interval (ascending), NaN where no price in the interval before."""
    frame = pl.DataFrame({"ts": ts.cast(pl.Datetime("us", "UTC")), "price": prices.cast(pl.Float64)}).drop_nulls()
    frame = frame.filter(pl.col("price") > 0).sort("ts")
    n = max(int(lookback_s // interval_s), 1)
    grid = pl.DataFrame({"ts": [end - timedelta(seconds=interval_s * k) for k in range(n, -1, -1)]}).with_columns(
        pl.col("ts").cast(pl.Datetime("us", "UTC")))
    joined = grid.join_asof(frame.rename({"ts": "tick"}), left_on="ts", right_on="tick", strategy="backward",
                            tolerance=timedelta(seconds=interval_s) - timedelta(microseconds=1))
    return joined.get_column("price").fill_null(np.nan).to_numpy()


def log_returns(grid: np.ndarray) -> np.ndarray:
    """Log returns between adjacent grid prices that both exist."""
    g = np.asarray(grid, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.diff(np.log(g))
    return r[np.isfinite(r)]


def ewma_sigma(returns: np.ndarray, *, decay: float, interval_s: float) -> float:
    """Annualized EWMA volatility of ``returns`` taken every ``interval_s`` seconds (NaN if none)."""
    r = np.asarray(returns, dtype=np.float64)
    if not len(r):
        return math.nan
    if not 0.0 < decay < 1.0:
        raise ValueError(f"EWMA decay must be in (0, 1), got {decay}")
    seed = min(SEED_RETURNS, len(r))
    var = float(np.mean(r[:seed] ** 2))
    for x in r[seed:]:
        var = decay * var + (1.0 - decay) * x * x
    return math.sqrt(var * SECONDS_PER_YEAR / interval_s) if var >= 0 else math.nan


def rejection(raw: float | None, n_returns: int, *, min_returns: int, sigma_max: float) -> str | None:
    """Why a computed sigma cannot be used, or None when it can."""
    if n_returns < min_returns:
        return f"too_few_returns ({n_returns} < {min_returns})"
    if raw is None or not math.isfinite(raw):
        return "non_finite"
    if raw <= 0:
        return "non_positive"
    if raw > sigma_max:
        return f"above_max ({raw:.4g} > {sigma_max:g})"
    return None


def choose_sigma(
    raw: float | None,
    n_returns: int,
    *,
    min_returns: int,
    sigma_max: float,
    default: float | None,
    last_good: tuple[float, datetime] | None = None,
    last_good_max_age_s: float | None = None,
    as_of: datetime | None = None,
) -> SigmaChoice:
    """The sigma to use: the fresh EWMA, else the last good value, else the default, else none."""
    why = rejection(raw, n_returns, min_returns=min_returns, sigma_max=sigma_max)
    raw_out = raw if raw is not None and math.isfinite(raw) else None
    if why is None:
        return SigmaChoice(float(raw), EWMA, None, raw_out, n_returns)
    if last_good is not None:
        value, when = last_good
        fresh = (last_good_max_age_s is None or as_of is None
                 or (as_of - when).total_seconds() <= last_good_max_age_s)
        usable = value is not None and math.isfinite(value) and 0 < value <= sigma_max
        if fresh and usable:
            return SigmaChoice(float(value), LAST_GOOD, f"{why}; last good from {when.isoformat()}", raw_out, n_returns)
        if usable:
            why = f"{why}; last good from {when.isoformat()} too old"
    if default is not None and math.isfinite(default) and 0 < default <= sigma_max:
        return SigmaChoice(float(default), DEFAULT, why, raw_out, n_returns)
    return SigmaChoice(None, UNAVAILABLE, f"{why}; no usable default", raw_out, n_returns)
