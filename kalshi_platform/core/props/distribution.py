"""Moving a probability from one line to another along a player's stat distribution.

A sportsbook prices one line (24.5 points); Kalshi's nearest threshold may be another (19.5). To
compare them the sportsbooks' fair probability has to be carried to Kalshi's line. A counting stat is
modelled as negative binomial with variance = ``dispersion x mean`` (Poisson when dispersion <= 1),
the usual over-dispersed model for box-score counts; the mean is the one that reproduces the book's
fair probability at its own line, and the probability at the other line follows from it.

Lines ending in .5 cannot push: P(over L) = P(X >= L + 0.5). A whole-number line pushes on X = L, and
the fair over probability is then conditional on no push, as books settle a push as void.
"""

from __future__ import annotations

import numpy as np

# Variance / mean of each stat in one game; points are the most over-dispersed (minutes and shot
# volume vary together), steals and blocks are close to Poisson.
DISPERSION: dict[str, float] = {
    "points": 2.0,
    "rebounds": 1.4,
    "assists": 1.4,
    "threes": 1.3,
    "blocks": 1.2,
    "steals": 1.1,
}
_MU_LO, _MU_HI = 1e-3, 250.0


def count_pmf(kmax: int, mu, dispersion) -> np.ndarray:
    """P(X = 0..kmax) per element of ``mu``/``dispersion`` (shape (n, kmax + 1)), X negative binomial with
    mean ``mu`` and variance ``dispersion x mu``, Poisson where dispersion <= 1.

    Built by the ratio P(k) / P(k - 1) = (k + r - 1) / k x (1 - q) (r = mu / (dispersion - 1),
    q = 1 / dispersion), or mu / k for Poisson, in log space so long ladders do not underflow.
    """
    mu = np.atleast_1d(np.asarray(mu, dtype=np.float64))[:, None]
    phi = np.atleast_1d(np.asarray(dispersion, dtype=np.float64))[:, None]
    mu, phi = np.broadcast_arrays(mu, phi)
    k = np.arange(1, kmax + 1, dtype=np.float64)[None, :]
    poisson = phi <= 1.0 + 1e-9
    safe_phi = np.where(poisson, 2.0, phi)
    r = mu / (safe_phi - 1.0)
    q = 1.0 / safe_phi
    with np.errstate(divide="ignore", invalid="ignore"):
        log0 = np.where(poisson, -mu, r * np.log(q))
        log_ratio = np.where(poisson, np.log(mu) - np.log(k), np.log(k + r - 1.0) - np.log(k) + np.log1p(-q))
    logs = np.concatenate([log0, log0 + np.cumsum(log_ratio, axis=1)], axis=1)
    return np.exp(logs)


def count_sf(k, mu, dispersion) -> np.ndarray:
    """P(X > k) element-wise (k whole numbers >= -1)."""
    k = np.atleast_1d(np.asarray(k, dtype=np.float64))
    mu = np.atleast_1d(np.asarray(mu, dtype=np.float64))
    phi = np.atleast_1d(np.asarray(dispersion, dtype=np.float64))
    k, mu, phi = np.broadcast_arrays(k, mu, phi)
    shape = k.shape
    k, mu, phi = k.ravel(), mu.ravel(), phi.ravel()
    kmax = int(max(0, np.nanmax(k, initial=0)))
    pmf = count_pmf(kmax, mu, phi)
    cdf = np.cumsum(pmf, axis=1)
    idx = np.clip(k, -1, kmax).astype(np.int64)
    below = np.where(idx >= 0, cdf[np.arange(len(k)), np.maximum(idx, 0)], 0.0)
    return np.clip(1.0 - below, 0.0, 1.0).reshape(shape)


def _over(line: np.ndarray, mu: np.ndarray, dispersion: np.ndarray) -> np.ndarray:
    """P(X > line), conditional on no push for whole-number lines."""
    k = np.floor(line)
    whole = np.isclose(line, k)
    sf = count_sf(k, mu, dispersion)
    at = count_sf(k - 1, mu, dispersion) - sf  # P(X = k)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(whole, sf / np.maximum(1.0 - at, 1e-300), sf)


def prob_over(line, mu, stat) -> np.ndarray:
    """P(stat > line) for a player whose mean is ``mu`` (element-wise over arrays)."""
    line = np.atleast_1d(np.asarray(line, dtype=np.float64))
    mu = np.atleast_1d(np.asarray(mu, dtype=np.float64))
    disp = dispersion_of(stat, line.shape)
    return _over(line, np.maximum(mu, _MU_LO), disp)


def dispersion_of(stat, shape) -> np.ndarray:
    stat_arr = np.broadcast_to(np.asarray(stat, dtype=object), shape)
    return np.array([DISPERSION.get(s, 1.5) if isinstance(s, str) else np.nan for s in stat_arr.ravel()],
                    dtype=np.float64).reshape(shape)


def implied_mean(line, p_over, stat, *, iterations: int = 60) -> np.ndarray:
    """The mean that gives P(stat > line) = p_over (bisection on log mean); NaN where p_over is
    missing or outside (0, 1)."""
    line = np.atleast_1d(np.asarray(line, dtype=np.float64))
    p = np.atleast_1d(np.asarray(p_over, dtype=np.float64))
    line, p = np.broadcast_arrays(line, p)
    disp = dispersion_of(stat, line.shape)
    valid = np.isfinite(line) & np.isfinite(p) & (p > 0) & (p < 1) & np.isfinite(disp) & (line >= 0)
    lo = np.full(line.shape, np.log(_MU_LO))
    hi = np.full(line.shape, np.log(_MU_HI))
    safe_line = np.where(valid, line, 0.5)
    safe_disp = np.where(valid, disp, 1.5)
    for _ in range(iterations):
        mid = (lo + hi) / 2
        too_low = _over(safe_line, np.exp(mid), safe_disp) < p  # P(over) rises with the mean
        lo = np.where(too_low, mid, lo)
        hi = np.where(too_low, hi, mid)
    return np.where(valid, np.exp((lo + hi) / 2), np.nan)


def shift_probability(from_line, p_over, to_line, stat) -> np.ndarray:
    """The over probability at ``to_line`` of the distribution whose over probability at
    ``from_line`` is ``p_over``; exactly ``p_over`` where the lines are equal."""
    from_line = np.atleast_1d(np.asarray(from_line, dtype=np.float64))
    to_line = np.atleast_1d(np.asarray(to_line, dtype=np.float64))
    p = np.atleast_1d(np.asarray(p_over, dtype=np.float64))
    from_line, to_line, p = np.broadcast_arrays(from_line, to_line, p)
    same = from_line == to_line
    out = np.where(same, p, np.nan)
    move = ~same & np.isfinite(to_line) & np.isfinite(from_line) & np.isfinite(p)
    if move.any():
        stat_arr = np.broadcast_to(np.asarray(stat, dtype=object), from_line.shape)
        mu = implied_mean(from_line[move], p[move], stat_arr[move])
        shifted = prob_over(to_line[move], mu, stat_arr[move])
        out[move] = np.where(np.isfinite(mu), shifted, np.nan)
    return out
