"""Model probabilities for BTC strikes: zero-drift GBM on the settlement average.

Kalshi's bitcoin markets settle on the simple average of the 60 seconds of CF Benchmarks' BRTI before
expiry, not on one print. For a GBM with volatility sigma, the log of that average is (very nearly)
normal with the variance of the price at the window's start plus a third of the window's:

    tau_eff = tau - 2w/3          when tau >= w (the window is still ahead)
    tau_eff = tau^3 / (3 w^2)     when 0 < tau < w (only the window's unseen part is uncertain)

and the average is a martingale in the spot, so ln A ~ N(ln S - v/2, v) with v = sigma^2 tau_eff / year.
The settlement value is shown to the cent, so every bound is shifted by half a cent: "greater than
K" is A >= K + 0.005, "between L and C" is L - 0.005 <= A < C + 0.005; the buckets of a range event
then tile the line and their probabilities sum to 1 exactly.

Everything here takes plain arrays (no frames, no clock) so a backtest can call it with history.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.special import ndtr

SECONDS_PER_YEAR = 365 * 86_400  # bitcoin trades every day: volatility is annualized over calendar time
SETTLEMENT_WINDOW_S = 60
HALF_CENT = 0.005

STRIKE_TYPES = ("greater", "greater_or_equal", "less", "less_or_equal", "between")
GREATER, GREATER_OR_EQUAL, LESS, LESS_OR_EQUAL, BETWEEN = range(5)
STRIKE_CODES = {name: code for code, name in enumerate(STRIKE_TYPES)}


def effective_horizon(tau_s, window_s: float = SETTLEMENT_WINDOW_S) -> np.ndarray:
    """Seconds of variance the settlement average still carries, ``tau_s`` seconds before expiry."""
    tau = np.asarray(tau_s, dtype=np.float64)
    if window_s <= 0:
        return np.maximum(tau, 0.0)
    w = float(window_s)
    ahead = tau - 2.0 * w / 3.0
    inside = tau**3 / (3.0 * w * w)
    return np.where(tau >= w, ahead, np.where(tau > 0, inside, 0.0))


def strike_codes(strike_type) -> np.ndarray:
    """Strike type names -> codes (-1 for anything else)."""
    names = np.asarray(strike_type, dtype=object)
    return np.array([STRIKE_CODES.get(s, -1) if isinstance(s, str) else -1 for s in names.ravel()],
                    dtype=np.int64).reshape(names.shape)


def prob_above(spot, level, variance, log_shift=0.0) -> np.ndarray:
    """P(A >= level) for ln A ~ N(ln spot + log_shift - v/2, v); v = 0 gives the indicator."""
    spot = np.asarray(spot, dtype=np.float64)
    level = np.asarray(level, dtype=np.float64)
    v = np.asarray(variance, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (np.log(spot / level) + log_shift - v / 2.0) / np.sqrt(v)
        certain = np.where(np.log(spot / level) + log_shift >= 0.0, 1.0, 0.0)
    return np.where(v > 0, ndtr(z), certain)


def gbm_probability(
    spot,
    sigma,
    tau_s,
    strike_type,
    floor_strike,
    cap_strike,
    *,
    window_s: float = SETTLEMENT_WINDOW_S,
    half_tick: float = HALF_CENT,
    log_shift=0.0,
) -> np.ndarray:
    """P(YES) of each strike under zero-drift GBM on the ``window_s``-second settlement average.

    ``strike_type`` holds names or codes; bounds are floats (NaN where the type has none). A strike
    whose type is unknown or whose bound is missing gets NaN, never a guess. ``log_shift`` moves the
    log-mean (the 15-minute model's momentum term); 0 is the martingale.
    """
    codes = np.asarray(strike_type)
    if codes.dtype.kind not in "iu":
        codes = strike_codes(codes)
    spot = np.asarray(spot, dtype=np.float64)
    sigma = np.asarray(sigma, dtype=np.float64)
    lo = np.asarray(floor_strike, dtype=np.float64)
    hi = np.asarray(cap_strike, dtype=np.float64)
    variance = sigma**2 * effective_horizon(tau_s, window_s) / SECONDS_PER_YEAR
    # Every type is P(A >= lower) - P(A >= upper), with the cent-rounding shift on each bound; a side
    # without a bound contributes 1 (no lower) or 0 (no upper).
    has_lower = (codes == GREATER) | (codes == GREATER_OR_EQUAL) | (codes == BETWEEN)
    has_upper = (codes == LESS) | (codes == LESS_OR_EQUAL) | (codes == BETWEEN)
    lower = np.where(codes == GREATER, lo + half_tick, lo - half_tick)
    upper = np.where(codes == LESS, hi - half_tick, hi + half_tick)
    with np.errstate(invalid="ignore"):
        p_lower = np.where(has_lower, prob_above(spot, np.where(has_lower, lower, 1.0), variance, log_shift), 1.0)
        p_upper = np.where(has_upper, prob_above(spot, np.where(has_upper, upper, 1.0), variance, log_shift), 0.0)
        p = p_lower - p_upper
    bad = (~np.isfinite(spot) | ~np.isfinite(sigma) | (spot <= 0) | (sigma < 0) | (codes < 0)
           | (has_lower & ~np.isfinite(lo)) | (has_upper & ~np.isfinite(hi)))
    return np.where(bad, np.nan, np.clip(p, 0.0, 1.0))


def gbm_probability_one(spot: float, sigma: float, tau_s: float, strike_type: str, floor_strike: float | None,
                        cap_strike: float | None, *, window_s: float = SETTLEMENT_WINDOW_S,
                        half_tick: float = HALF_CENT, log_shift: float = 0.0) -> float:
    """The same model for one market with math only (the per-market reference the benchmark times)."""
    if tau_s >= window_s:
        tau_eff = tau_s - 2.0 * window_s / 3.0
    elif tau_s > 0:
        tau_eff = tau_s**3 / (3.0 * window_s * window_s)
    else:
        tau_eff = 0.0
    v = sigma * sigma * tau_eff / SECONDS_PER_YEAR

    def above(level: float) -> float:
        if v <= 0:
            return 1.0 if math.log(spot / level) + log_shift >= 0 else 0.0
        z = (math.log(spot / level) + log_shift - v / 2.0) / math.sqrt(v)
        return 0.5 * math.erfc(-z / math.sqrt(2.0))

    if strike_type == "greater":
        return above(floor_strike + half_tick)
    if strike_type == "greater_or_equal":
        return above(floor_strike - half_tick)
    if strike_type == "less":
        return 1.0 - above(cap_strike - half_tick)
    if strike_type == "less_or_equal":
        return 1.0 - above(cap_strike + half_tick)
    if strike_type == "between":
        return max(0.0, above(floor_strike - half_tick) - above(cap_strike + half_tick))
    return math.nan
