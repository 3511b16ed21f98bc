"""The sandbox's bitcoin: one GBM path at 1-second resolution, the index every BTC market settles on,
and the three spot exchanges (Coinbase, Kraken, Bitstamp) that quote it.

Nothing is stepped. The path is built top-down from counter-based draws (``sandbox.rng``): daily log
increments are summed once per world (20 years either side of 2026-01-01, 15k draws); within a day,
hour, minute and second values are Brownian bridges between their parent nodes, drawn from hashes of
(seed, level, node). So the price of any second is computed directly from the seed and the instant,
the same whatever order requests arrive in, and ``log S`` is an exact zero-drift GBM
(d ln S = -sigma^2/2 dt + sigma dW) with a volatility that changes day by day (42-60% a year).

The exchanges see the path with a few seconds of lag, their own basis (a fraction of a basis point to
a couple), tick sizes and spreads; each is down for some 10-minute blocks and serves a frozen ticker
for others (deterministic from the seed), so composite pricing, quorum and staleness have something
real to handle.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from kalshi_platform.sandbox import rng

EPOCH_S = 1_767_225_600  # 2026-01-01T00:00:00Z: the path's anchor, S(EPOCH) = S0
S0 = 87_500.0
DAY = 86_400
YEAR_S = 365 * DAY  # bitcoin trades every day: volatility is annualized over calendar seconds
SPAN_DAYS = 20 * 365
SETTLE_WINDOW_S = 60  # CF Benchmarks BRTI: the simple average of the 60 seconds before expiry
HALF_CENT = 0.005

_T = {name: rng.tag(f"btc.{name}") for name in (
    "volw", "vold", "day", "hour", "min", "sec", "lag", "basis", "noise", "spread", "side", "down", "stale", "size",
    "vol24", "tid", "frac",
)}

# Strike kinds, shared with the family and the truth.
GREATER, GREATER_OR_EQUAL, LESS, LESS_OR_EQUAL, BETWEEN = range(5)
STRIKE_KINDS = {"greater": GREATER, "greater_or_equal": GREATER_OR_EQUAL, "less": LESS,
                "less_or_equal": LESS_OR_EQUAL, "between": BETWEEN}


def _norm_cdf(x: np.ndarray) -> np.ndarray:
    from scipy.special import ndtr

    return ndtr(x)


def _bridge(seed: int, tag: int, keys: np.ndarray, n: int, sd: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Brownian bridges from a to b in n equal steps, one per key: shape (len(keys), n + 1).

    Independent normal steps, shifted so they sum to b - a: exactly the law of a random walk's path
    given its end points, so every level down keeps the distribution of the level above.
    """
    k = np.arange(n, dtype=np.int64)
    z = rng.normal(seed, tag, keys[:, None], k[None, :]) * sd[:, None]
    cum = np.concatenate([np.zeros((len(keys), 1)), np.cumsum(z, axis=1)], axis=1)
    frac = np.arange(n + 1, dtype=np.float64) / n
    return a[:, None] + cum - frac[None, :] * (cum[:, -1:] - (b - a)[:, None])


class BtcPath:
    """The index price S(t) at whole seconds, deterministic from the seed."""

    def __init__(self, seed: int) -> None:
        self.seed = int(seed)
        days = np.arange(-SPAN_DAYS, SPAN_DAYS, dtype=np.int64)
        # A weekly volatility regime plus a small daily wobble: 42%..60% annualized.
        level = 0.42 + 0.14 * rng.uniform(self.seed, _T["volw"], np.floor_divide(days, 7))
        self.day_sigma = level + 0.04 * rng.uniform(self.seed, _T["vold"], days)
        var = self.day_sigma**2 * DAY / YEAR_S
        inc = np.sqrt(var) * rng.normal(self.seed, _T["day"], days) - 0.5 * var
        nodes = np.concatenate([[0.0], np.cumsum(inc)])
        self.day_nodes = math.log(S0) + nodes - nodes[SPAN_DAYS]  # [k] = ln S at the start of day k - SPAN_DAYS
        cv = np.concatenate([[0.0], np.cumsum(var)])
        self.day_cumvar = cv - cv[SPAN_DAYS]  # [k] = integrated variance from EPOCH to that day's start

    # -- time -> indices ---------------------------------------------------------------------------
    @staticmethod
    def _day_index(t: np.ndarray) -> np.ndarray:
        di = np.floor_divide(t - EPOCH_S, DAY) + SPAN_DAYS
        if len(di) and (di.min() < 0 or di.max() >= 2 * SPAN_DAYS):
            raise ValueError("the BTC path covers 2006-2045 only")
        return di

    def sigma_at(self, t_s) -> np.ndarray:
        """The annualized volatility in force at t (the day's regime)."""
        t = np.atleast_1d(np.asarray(t_s, dtype=np.int64))
        return self.day_sigma[self._day_index(t)]

    def cumvar(self, t_s) -> np.ndarray:
        """Integrated variance of ln S from EPOCH to t (negative before it)."""
        t = np.atleast_1d(np.asarray(t_s, dtype=np.float64))
        ti = np.floor(t).astype(np.int64)
        di = self._day_index(ti)
        day_start = (di - SPAN_DAYS) * DAY + EPOCH_S
        return self.day_cumvar[di] + self.day_sigma[di] ** 2 * (t - day_start) / YEAR_S

    # -- prices ------------------------------------------------------------------------------------
    def log_price(self, t_s) -> np.ndarray:
        t = np.asarray(t_s, dtype=np.int64)
        shape = t.shape
        flat = np.atleast_1d(t).ravel()
        if not len(flat):
            return np.zeros(shape)
        di = self._day_index(flat)
        within = flat - ((di - SPAN_DAYS) * DAY + EPOCH_S)
        h, m, s = within // 3600, (within % 3600) // 60, within % 60
        sigma = self.day_sigma
        # Hours within each day.
        ud = np.unique(di)
        hours = _bridge(self.seed, _T["hour"], ud, 24, sigma[ud] * math.sqrt(3600 / YEAR_S),
                        self.day_nodes[ud], self.day_nodes[ud + 1])
        kh = di * 24 + h
        ukh = np.unique(kh)
        pd, ph = ukh // 24, ukh % 24
        row = np.searchsorted(ud, pd)
        minutes = _bridge(self.seed, _T["min"], ukh, 60, sigma[pd] * math.sqrt(60 / YEAR_S),
                          hours[row, ph], hours[row, ph + 1])
        km = kh * 60 + m
        ukm, inv = np.unique(km, return_inverse=True)
        mh, mm = ukm // 60, ukm % 60
        row = np.searchsorted(ukh, mh)
        seconds = _bridge(self.seed, _T["sec"], ukm, 60, sigma[mh // 24] * math.sqrt(1 / YEAR_S),
                          minutes[row, mm], minutes[row, mm + 1])
        return seconds[inv.ravel(), s].reshape(shape)

    def price(self, t_s) -> np.ndarray:
        return np.exp(self.log_price(t_s))

    def settlement_average(self, expiry_s, window_s: int = SETTLE_WINDOW_S) -> np.ndarray:
        """The simple average of the ``window_s`` seconds before each expiry (t = T-w .. T-1)."""
        expiry = np.atleast_1d(np.asarray(expiry_s, dtype=np.int64))
        grid = expiry[:, None] - window_s + np.arange(window_s, dtype=np.int64)[None, :]
        return self.price(grid).mean(axis=1)


def settle_value(avg: np.ndarray | float) -> np.ndarray:
    """The settlement value as the market shows it: the average rounded to the cent."""
    return np.round(np.asarray(avg, dtype=np.float64), 2)


def settles_yes(kind: np.ndarray, lo: np.ndarray, hi: np.ndarray, value: np.ndarray) -> np.ndarray:
    """Outcome of each strike given the cent-rounded settlement value."""
    kind = np.asarray(kind)
    return np.select(
        [kind == GREATER, kind == GREATER_OR_EQUAL, kind == LESS, kind == LESS_OR_EQUAL, kind == BETWEEN],
        [value > lo + 1e-9, value >= lo - 1e-9, value < hi - 1e-9, value <= hi + 1e-9,
         (value >= lo - 1e-9) & (value <= hi + 1e-9)],
        False,
    )


def truth_probability(path: BtcPath, kind: np.ndarray, lo: np.ndarray, hi: np.ndarray, expiry_s: np.ndarray,
                      t_s: np.ndarray, window_s: int = SETTLE_WINDOW_S) -> np.ndarray:
    """P(YES | the path up to t) for strikes on the settlement average: the sandbox's hidden truth.

    Before the averaging window the average is lognormal around S(t) with the path's own integrated
    variance to the window start plus a third of the window's; inside the window the seconds already
    seen are known exactly and only the rest is uncertain; at or after expiry the outcome is known.
    Cent rounding of the settlement value shifts each bound by half a cent.
    """
    kind = np.asarray(kind, dtype=np.int64)
    lo = np.asarray(lo, dtype=np.float64)
    hi = np.asarray(hi, dtype=np.float64)
    expiry = np.asarray(expiry_s, dtype=np.int64)
    t = np.minimum(np.asarray(t_s, dtype=np.int64), expiry)
    n = len(t)
    out = np.zeros(n, dtype=np.float64)
    if not n:
        return out
    start = expiry - window_s
    done = t >= expiry
    inside = ~done & (t > start)
    before = ~done & ~inside
    spot = path.price(t)
    mean = spot.copy()
    var = np.zeros(n)
    sig2 = path.sigma_at(np.maximum(expiry - 1, t)) ** 2 / YEAR_S
    if before.any():
        pre = np.maximum(path.cumvar(start[before]) - path.cumvar(t[before]), 0.0)
        var[before] = pre + sig2[before] * window_s / 3.0
    if inside.any() or done.any():
        sel = np.flatnonzero(inside | done)
        grid = start[sel, None] + np.arange(window_s, dtype=np.int64)[None, :]
        seen = grid < t[sel, None]
        prices = path.price(grid)
        observed = np.where(seen, prices, 0.0).sum(axis=1)
        remaining = (expiry[sel] - t[sel]).astype(np.float64)
        mean[sel] = (observed + spot[sel] * remaining) / window_s
        share = spot[sel] * remaining / window_s / mean[sel]
        var[sel] = share**2 * sig2[sel] * remaining / 3.0
    # P(avg >= x) for a lognormal average with mean ``mean`` and log-variance ``var``.
    sd = np.sqrt(np.maximum(var, 1e-300))

    def above(x: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            z = (np.log(mean / np.maximum(x, 1e-12)) - var / 2.0) / sd
        return np.where(var > 0, _norm_cdf(z), (mean >= x).astype(np.float64))

    p = np.select(
        [kind == GREATER, kind == GREATER_OR_EQUAL, kind == LESS, kind == LESS_OR_EQUAL, kind == BETWEEN],
        [above(lo + HALF_CENT), above(lo - HALF_CENT), 1.0 - above(hi - HALF_CENT), 1.0 - above(hi + HALF_CENT),
         above(lo - HALF_CENT) - above(hi + HALF_CENT)],
        0.5,
    )
    if done.any():
        value = settle_value(mean[done])
        p[done] = settles_yes(kind[done], lo[done], hi[done], value).astype(np.float64)
    return np.clip(p, 0.0, 1.0)


# ---------------------------------------------------------------------------------------------------
# The spot exchanges


@dataclass(frozen=True)
class Venue:
    name: str
    tick: float  # price increment of the order book
    spread_ticks: tuple[int, int]  # quoted spread, in ticks
    lag_s: tuple[int, int]  # how far the venue's last trade trails the index, seconds
    basis_bps: float  # persistent premium over the index
    noise_bps: float  # per-minute wobble around the basis
    outage_rate: float  # share of 10-minute blocks the API answers with an error
    stale_rate: float  # share of 10-minute blocks the ticker stays frozen at the block start
    volume_24h: tuple[float, float]  # BTC traded in 24 h
    price_decimals: int  # how the venue writes prices


VENUES: dict[str, Venue] = {
    "coinbase": Venue("coinbase", 0.01, (1, 3), (0, 1), 0.4, 0.8, 0.01, 0.01, (3_000.0, 9_000.0), 2),
    "kraken": Venue("kraken", 0.1, (1, 4), (1, 3), -1.2, 1.5, 0.03, 0.015, (700.0, 3_500.0), 1),
    "bitstamp": Venue("bitstamp", 1.0, (1, 6), (0, 2), 0.9, 1.2, 0.02, 0.01, (100.0, 900.0), 0),
}
BLOCK_S = 600


@dataclass
class VenueQuote:
    """One venue's ticker at an instant (prices rounded to the venue's tick)."""

    venue: str
    now_s: int
    trade_us: int  # when the last trade happened
    last: float
    bid: float
    ask: float
    bid_size: float
    ask_size: float
    last_size: float
    side_buy: bool
    trade_id: int
    volume_24h: float
    open_24h: float
    high_24h: float
    low_24h: float
    vwap_24h: float
    open_today: float
    high_today: float
    low_today: float
    vwap_today: float
    volume_today: float
    trades_24h: int
    trades_today: int
    low_52w: float
    high_52w: float


class SpotFeed:
    """What each exchange shows of the path, at any instant."""

    def __init__(self, path: BtcPath) -> None:
        self.path = path
        self.seed = path.seed

    def _vtag(self, venue: str) -> int:
        return rng.tag(f"venue.{venue}")

    # -- availability --------------------------------------------------------------------------
    def is_down(self, venue: str, t_s: int) -> bool:
        v = VENUES[venue]
        return bool(rng.uniform(self.seed, _T["down"], self._vtag(venue), t_s // BLOCK_S)[0] < v.outage_rate)

    def frozen_at(self, venue: str, t_s: int) -> int | None:
        """Start of the block whose ticker this venue keeps serving (a stuck feed), else None."""
        v = VENUES[venue]
        block = t_s // BLOCK_S
        if rng.uniform(self.seed, _T["stale"], self._vtag(venue), block)[0] < v.stale_rate:
            return int(block * BLOCK_S)
        return None

    def down_mask(self, venue: str, t_s: np.ndarray) -> np.ndarray:
        v = VENUES[venue]
        return rng.uniform(self.seed, _T["down"], self._vtag(venue), np.asarray(t_s) // BLOCK_S) < v.outage_rate

    # -- prices ----------------------------------------------------------------------------------
    def venue_price(self, venue: str, t_s) -> np.ndarray:
        """The venue's traded price at whole seconds (lagged index times its basis, on its tick)."""
        v = VENUES[venue]
        t = np.atleast_1d(np.asarray(t_s, dtype=np.int64))
        tag = self._vtag(venue)
        lag = v.lag_s[0] + np.floor(rng.uniform(self.seed, _T["lag"], tag, t) * (v.lag_s[1] - v.lag_s[0] + 1))
        seen = t - lag.astype(np.int64)
        noise = v.noise_bps * rng.normal(self.seed, _T["noise"], tag, seen // 60)
        raw = self.path.price(seen) * np.exp((v.basis_bps + noise) * 1e-4)
        return np.round(raw / v.tick) * v.tick

    def quote(self, venue: str, now_s: int) -> VenueQuote:
        """The ticker as the venue would serve it at now (frozen if its feed is stuck)."""
        v = VENUES[venue]
        frozen = self.frozen_at(venue, now_s)
        t = frozen if frozen is not None else int(now_s)
        tag = self._vtag(venue)
        lag_lo, lag_hi = v.lag_s
        lag = lag_lo + int(rng.uniform(self.seed, _T["lag"], tag, t)[0] * (lag_hi - lag_lo + 1))
        frac = float(rng.uniform(self.seed, _T["frac"], tag, t)[0])
        trade_us = (t - lag) * 1_000_000 - int(frac * 1_000_000)
        last = float(self.venue_price(venue, t)[0])
        spread = v.spread_ticks[0] + int(rng.uniform(self.seed, _T["spread"], tag, t)[0]
                                         * (v.spread_ticks[1] - v.spread_ticks[0] + 1))
        side_buy = bool(rng.uniform(self.seed, _T["side"], tag, t)[0] < 0.5)
        # The last trade hit one side of the book; the other side sits ``spread`` ticks away.
        bid = last - (spread * v.tick if side_buy else 0.0)
        ask = bid + spread * v.tick
        sizes = np.exp(rng.normal(self.seed, _T["size"], tag, t, np.arange(3)))
        stats = self._day_stats(venue, t)
        return VenueQuote(
            venue=venue, now_s=t, trade_us=trade_us, last=last, bid=round(bid, 8), ask=round(ask, 8),
            bid_size=float(sizes[0] * 0.3), ask_size=float(sizes[1] * 0.3), last_size=float(sizes[2] * 0.01),
            side_buy=side_buy, trade_id=int(t * 7 + (rng.hash64(self.seed, _T["tid"], tag, t)[0] % 7)) - 12_000_000_000,
            **stats,
        )

    def _day_stats(self, venue: str, t: int) -> dict:
        """24 h and since-midnight-UTC statistics from the venue's minute prices (cheap and coherent)."""
        v = VENUES[venue]
        tag = self._vtag(venue)
        minutes = np.arange(t - DAY, t + 1, 60, dtype=np.int64)
        prices = self.venue_price(venue, minutes)
        midnight = t - t % DAY
        today = minutes >= midnight
        day_prices = prices[today] if today.any() else prices[-1:]
        frac_of_day = (t - midnight) / DAY
        vol = v.volume_24h[0] + (v.volume_24h[1] - v.volume_24h[0]) * float(rng.uniform(self.seed, _T["vol24"], tag, t // 3600)[0])
        weekly = np.arange(t - 364 * DAY, t + 1, DAY, dtype=np.int64)
        year = self.path.price(weekly) * math.exp(v.basis_bps * 1e-4)
        trades_24h = int(vol * 40)
        return dict(
            volume_24h=vol, open_24h=float(prices[0]), high_24h=float(prices.max()), low_24h=float(prices.min()),
            vwap_24h=float(prices.mean()), open_today=float(day_prices[0]), high_today=float(day_prices.max()),
            low_today=float(day_prices.min()), vwap_today=float(day_prices.mean()), volume_today=vol * frac_of_day,
            trades_24h=trades_24h, trades_today=int(trades_24h * frac_of_day), low_52w=float(min(year.min(), prices.min())),
            high_52w=float(max(year.max(), prices.max())),
        )

    def candles(self, venue: str, start_s: int, end_s: int, step_s: int = 60) -> list[tuple[int, float, float, float, float, float]]:
        """(period start, open, high, low, close, volume) of each period in [start, end), ascending.

        Periods that fall in an outage have no candle (no trades were printed); the period in
        progress at ``end_s`` covers only the seconds already past.
        """
        v = VENUES[venue]
        starts = np.arange(start_s - start_s % step_s, end_s, step_s, dtype=np.int64)
        if not len(starts):
            return []
        up = ~self.down_mask(venue, starts)
        starts = starts[up]
        if not len(starts):
            return []
        # Sample every second only for 1-minute candles; coarser ones use 12 points per period.
        points = step_s if step_s <= 60 else 12
        offs = (np.arange(points, dtype=np.int64) * step_s) // points
        grid = starts[:, None] + offs[None, :]
        valid = grid < end_s
        prices = self.venue_price(venue, grid.ravel()).reshape(grid.shape)
        prices = np.where(valid, prices, np.nan)
        last_idx = valid.sum(axis=1) - 1
        tag = self._vtag(venue)
        vols = (v.volume_24h[0] / 1440 * step_s / 60) * np.exp(rng.normal(self.seed, _T["size"], tag, starts, 9))
        out = []
        for j, s in enumerate(starts.tolist()):
            row = prices[j]
            out.append((s, float(row[0]), float(np.nanmax(row)), float(np.nanmin(row)), float(row[last_idx[j]]),
                        float(round(vols[j], 8))))
        return out
