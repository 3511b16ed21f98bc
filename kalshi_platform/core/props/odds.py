"""Sportsbook prices: American odds, implied probability, and the vig taken out by the power method.

American odds: -110 means stake 110 to win 100 (implied 110/210), +150 stake 100 to win 150 (implied
100/250). Odds strictly between -100 and +100 do not exist. ``implied_probability`` is exact (a
``Fraction``); the vectorised forms return float64, which is what the model quantities are.

A book's two sides add up to more than 1 (the overround). The power method finds the exponent k with
``p_over**k + p_under**k = 1`` and takes ``p**k`` as the fair probability: it shrinks the longshot more
than the favourite, as books load their margin onto longshots (Clarke, Kovalchik & Ingram 2017).
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import polars as pl


class OddsError(ValueError):
    """American odds that cannot exist (|odds| < 100, zero, not an integer)."""


def _check_american(odds: int) -> int:
    if isinstance(odds, bool) or not isinstance(odds, int):
        raise OddsError(f"American odds must be an integer, got {odds!r}")
    if -100 < odds < 100:
        raise OddsError(f"American odds {odds} do not exist: they are <= -100 or >= +100")
    return odds


def implied_probability(odds: int) -> Fraction:
    """Exact implied probability of American odds: -110 -> 11/21, +150 -> 2/5, +100 / -100 -> 1/2."""
    odds = _check_american(odds)
    if odds < 0:
        return Fraction(-odds, -odds + 100)
    return Fraction(100, odds + 100)


def decimal_odds(odds: int) -> Fraction:
    """Total payout per unit staked, exactly: -110 -> 21/11, +150 -> 5/2."""
    return 1 / implied_probability(odds)


def american_from_probability(p: float) -> int:
    """The American odds whose implied probability is ``p`` (rounded to the nearest whole number)."""
    if not 0.0 < p < 1.0:
        raise OddsError(f"a probability for odds must be in (0, 1), got {p}")
    if p >= 0.5:
        return -round(100 * p / (1 - p))
    return round(100 * (1 - p) / p)


def implied_probability_expr(odds: pl.Expr) -> pl.Expr:
    """Vectorised implied probability (float64); null for odds that cannot exist."""
    o = odds.cast(pl.Float64)
    p = pl.when(o <= -100).then(-o / (-o + 100)).when(o >= 100).then(100 / (o + 100))
    return p.otherwise(None)


def implied_probability_array(odds: np.ndarray) -> np.ndarray:
    o = np.asarray(odds, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = np.where(o <= -100, -o / (-o + 100), np.where(o >= 100, 100 / (o + 100), np.nan))
    return p


def devig_power(p_over: np.ndarray | float, p_under: np.ndarray | float, *, iterations: int = 60,
                tol: float = 1e-13) -> tuple[np.ndarray, np.ndarray]:
    """Fair (over, under) probabilities by the power method, element-wise; NaN where a side is missing
    or outside (0, 1).

    Solves ``a**k + b**k = 1`` for k by Newton's method on ``f(k) = a**k + b**k - 1``, which is convex
    and decreasing in k for a, b in (0, 1), so Newton from k = 1 approaches the root monotonically
    after at most one step and never overshoots below it.
    """
    a = np.atleast_1d(np.asarray(p_over, dtype=np.float64))
    b = np.atleast_1d(np.asarray(p_under, dtype=np.float64))
    a, b = np.broadcast_arrays(a, b)
    valid = (a > 0) & (a < 1) & (b > 0) & (b < 1)
    la = np.log(np.where(valid, a, 0.5))
    lb = np.log(np.where(valid, b, 0.5))
    k = np.ones(a.shape)
    for _ in range(iterations):
        ea, eb = np.exp(k * la), np.exp(k * lb)
        f = ea + eb - 1.0
        step = f / (ea * la + eb * lb)
        k = np.maximum(k - step, 1e-9)
        if np.all(np.abs(f) < tol):
            break
    fair_a = np.where(valid, np.exp(k * la), np.nan)
    fair_b = np.where(valid, np.exp(k * lb), np.nan)
    return fair_a, fair_b


def devig_power_american(over_odds: int, under_odds: int) -> tuple[float, float]:
    """Scalar convenience: fair (over, under) from two American prices."""
    a, b = devig_power(float(implied_probability(over_odds)), float(implied_probability(under_odds)))
    return float(a[0]), float(b[0])


def overround(over_odds: int, under_odds: int) -> Fraction:
    """The book's margin, exactly: -110/-110 -> 1/21 (4.76%)."""
    return implied_probability(over_odds) + implied_probability(under_odds) - 1
