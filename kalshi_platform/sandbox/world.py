"""The simulated Kalshi world: static universe from the families, dynamics from counters.

Nothing is stepped. Every quote, trade, candle and settlement is a pure function of the seed, the
market's static parameters and the time asked about, so any clock (frozen, accelerated, real) gives
the same answers for the same instant, and a request never depends on earlier requests.

Model, per market:
- truth: probability ``p`` and ``outcome`` (coherent within an event, set by the family);
- quotes: mid = sigmoid(logit(belief) + bias + noise); belief moves from ``p`` to the outcome over
  the last part of the market's life; bias is a persistent mispricing, noise a smooth wave plus jitter.
  A market re-quotes only at its own deterministic subset of minutes (a grid of period P, thinned by
  a hash), so ``updated_time`` advances market by market;
- trades: per (market, UTC day) a Poisson count, a day volume and the time of the day's last trade
  are closed-form; single trades are expanded only when asked for, and are priced at the quote in
  force at their instant (taker YES lifts the ask, taker NO hits the bid);
- lifecycle: initialized -> active (-> inactive for a paused day) -> closed -> determined -> finalized;
  ``result`` is set from the outcome at determination; markets settled before the historical cutoff
  move to the /historical routes.
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

import numpy as np

from kalshi_platform.sandbox import rng
from kalshi_platform.sandbox.wire import (
    PRICE_ONE,
    fmt_count,
    fmt_u4,
    rfc3339,
    rfc3339_us,
)
from kalshi_platform.sandbox.worlds.base import DAY, EventDef, Family, MarketDef, SeriesDef, WorldBuilder

US = 1_000_000
DAY_US = DAY * US
MIN_US = 60 * US
_DYNAMIC_KEYS = (
    "status", "result", "expiration_value", "yes_bid_dollars", "yes_ask_dollars", "no_bid_dollars", "no_ask_dollars",
    "yes_bid_size_fp", "yes_ask_size_fp", "previous_yes_bid_dollars", "previous_yes_ask_dollars", "last_price_dollars",
    "previous_price_dollars", "volume_fp", "volume_24h_fp", "open_interest_fp", "liquidity_dollars", "updated_time",
)
_KEY_SPAN = 1 << 37  # > microseconds in a day: (market, time) packed into one sortable int64

# Market status codes, in lifecycle order.
INITIALIZED, INACTIVE, ACTIVE, CLOSED, DETERMINED, FINALIZED = range(6)
STATUS_NAMES = ("initialized", "inactive", "active", "closed", "determined", "finalized")
# Kalshi's status *filter* values -> market status values (DESIGN.md §6: they differ).
STATUS_FILTER = {
    "unopened": (INITIALIZED,),
    "open": (ACTIVE,),
    "paused": (INACTIVE,),
    "closed": (CLOSED,),
    "settled": (DETERMINED, FINALIZED),
}

# How far back trades are simulated; older activity is summarised as a base volume.
HISTORY_DAYS = 45
# The historical cutoff sits this many days before the clock's current day.
CUTOFF_DAYS = 14

_T = {
    name: rng.tag(name)
    for name in (
        "rq", "jit", "bsz", "asz", "n", "dvol", "last", "tt", "sz", "side", "id", "id2", "lvl", "lvlsz", "nlvl",
    )
}


class KalshiWorld:
    """The simulated truth and its market data, for the exchange's routes and for tests."""

    def __init__(
        self,
        seed: int = 7,
        anchor: datetime | None = None,
        scale: int = 1,
        families: Sequence[Family] | None = None,
    ) -> None:
        from kalshi_platform.sandbox.worlds import default_families

        anchor = anchor or datetime.now(UTC)
        if anchor.tzinfo is None:
            raise ValueError("the world clock must be timezone-aware (UTC)")
        anchor = anchor.astimezone(UTC)
        self.seed = int(seed)
        self.scale = max(1, int(scale))
        self.anchor_ts = int(datetime(anchor.year, anchor.month, anchor.day, tzinfo=UTC).timestamp())
        self.families: list[Family] = list(families) if families is not None else default_families()
        builder = WorldBuilder(self.seed, self.anchor_ts, self.scale)
        for family in self.families:
            builder.start_family(family.name)
            family.build(builder)
        self.series: list[SeriesDef] = builder.series
        self.events: list[EventDef] = builder.events
        self.markets: list[MarketDef] = builder.markets
        self._finalize()
        self._bind_dynamic_truth()
        self._lock = threading.RLock()
        self._cumvol_cache: dict[int, np.ndarray] = {}
        self._day_trades: OrderedDict[int, dict[str, np.ndarray]] = OrderedDict()
        self._static_cache: OrderedDict[int, dict] = OrderedDict()

    # ------------------------------------------------------------------------------------------
    # static arrays
    # ------------------------------------------------------------------------------------------
    def _finalize(self) -> None:
        ms, evs = self.markets, self.events
        n = len(ms)
        self.n_markets = n
        self.market_index = {m.ticker: i for i, m in enumerate(ms)}
        self.event_index = {e.event_ticker: i for i, e in enumerate(evs)}
        self.series_index = {s.ticker: i for i, s in enumerate(self.series)}
        idx = np.arange(n, dtype=np.int64)
        seed = self.seed

        def arr(attr: str, dtype) -> np.ndarray:
            return np.fromiter((getattr(m, attr) for m in ms), dtype=dtype, count=n)

        self.ev_of = arr("event_index", np.int64)
        self.series_of_event = np.array([self.series_index[e.series_ticker] for e in evs], dtype=np.int64)
        self.ser_of = self.series_of_event[self.ev_of] if n else np.zeros(0, np.int64)
        self.is_mve_event = np.array([e.is_mve for e in evs], dtype=bool)
        self.is_mve = self.is_mve_event[self.ev_of] if n else np.zeros(0, bool)
        # Markets of an event are contiguous (the builder appends them together).
        self.ev_first = np.searchsorted(self.ev_of, np.arange(len(evs)), side="left")
        self.ev_count = np.searchsorted(self.ev_of, np.arange(len(evs)), side="right") - self.ev_first

        self.open_s = arr("open_ts", np.int64)
        self.close_s = arr("close_ts", np.int64)
        self.created_us = arr("created_us", np.int64)
        self.timer_s = arr("settlement_timer_seconds", np.int64)
        self.p = arr("p", np.float64)
        self.outcome = arr("outcome", bool)
        self.fractional = arr("fractional", bool)
        self.tick = np.where(arr("deci_cent", bool), 10, 100).astype(np.int64)
        self.lam = arr("activity", np.float64)

        u = lambda *k: rng.uniform(seed, rng.tag("static"), idx, *k)  # noqa: E731
        # Settlement: determined a settlement timer (plus a little) after close, finalized hours later.
        self.det_s = self.close_s + self.timer_s + (u(1) * 600).astype(np.int64)
        self.fin_s = self.det_s + 3600 + (u(2) * 5 * 3600).astype(np.int64)
        # About 1% of markets are paused (status inactive) for one whole UTC day of their open life.
        life_days = np.maximum(1, (self.close_s - self.open_s) // DAY)
        pause_pick = (self.open_s // DAY) + 1 + (u(3) * life_days).astype(np.int64)
        self.pause_day = np.where((u(4) < 0.01) & (pause_pick * DAY + DAY < self.close_s), pause_pick, -1)

        # Quote dynamics.
        self.bias = rng.normal(seed, rng.tag("bias"), idx) * 0.25
        self.vol = 0.1 + u(5) * 0.4
        life = np.maximum(self.close_s - self.open_s, 3600)
        window = np.clip(life * 0.1, 3600, 7 * DAY)
        self.info_start = (self.close_s - window).astype(np.float64)
        self.wave_t1 = (2 + u(6) * 5) * DAY
        self.wave_t2 = (3 + u(7) * 9) * 3600
        self.wave_p1 = u(8) * 2 * np.pi
        self.wave_p2 = u(9) * 2 * np.pi
        spread_cent = 1 + (u(10) * 4).astype(np.int64)
        spread_deci = 5 + (u(10) * 30).astype(np.int64)
        self.spread = np.where(self.tick == 10, spread_deci, spread_cent)
        periods = np.array([1, 2, 3, 5, 10, 15, 30, 60, 120, 240], dtype=np.int64)
        self.period = periods[(u(11) * len(periods)).astype(np.int64)]
        self.phase = (u(12) * self.period).astype(np.int64)
        self.keep = 0.45 + u(13) * 0.5
        self.off_us = (u(14) * 59 * US).astype(np.int64) + 1
        self.unit = np.where(self.fractional, 1, 100).astype(np.int64)  # smallest count, hundredths
        self.size_mean = np.where(self.fractional, 900 + u(15) * 9000, 3 + u(15) * 60)  # in units
        self.book_size = np.where(self.fractional, 2000 + u(16) * 200000, 20 + u(16) * 2000)
        self.levels = 3 + (u(17) * 12).astype(np.int64)
        self.oi_ratio = 0.25 + u(18) * 0.5

        self.hist_start_s = self.anchor_ts - HISTORY_DAYS * DAY
        self.hist_day = self.hist_start_s // DAY
        # Volume from before the simulated trade history, for markets that were already trading.
        pre_hours = np.maximum(0, np.minimum(self.close_s, self.hist_start_s) - self.open_s) / 3600.0
        base_units = np.floor(self.lam * pre_hours * self.size_mean * (0.5 + u(19)))
        self.base_vol = (base_units * self.unit).astype(np.int64)

    def _bind_dynamic_truth(self) -> None:
        """Let a family make some markets' belief follow a time-varying truth instead of ``p``.

        A family with ``dynamic_truth(world) -> (market indices, truth)`` where ``truth(idx, t_s)``
        returns P(YES) at each instant (e.g. the probability a BTC path implies at that minute) gets
        those markets quoted around it; every other market quotes exactly as without the hook.
        """
        self._truth_slot: np.ndarray | None = None
        self._truth_fns: list = []
        for family in self.families:
            hook = getattr(family, "dynamic_truth", None)
            bound = hook(self) if hook is not None else None
            if bound is None:
                continue
            indices, truth = bound
            if self._truth_slot is None:
                self._truth_slot = np.full(self.n_markets, -1, dtype=np.int64)
            self._truth_slot[np.asarray(indices, dtype=np.int64)] = len(self._truth_fns)
            self._truth_fns.append(truth)

    def _dynamic_belief(self, idx: np.ndarray, t: np.ndarray, belief: np.ndarray) -> np.ndarray:
        """``belief`` (log-odds) with the hooked markets' entries replaced by their truth at t."""
        slot = self._truth_slot[idx]
        hooked = slot >= 0
        if not hooked.any():
            return belief
        belief = np.array(belief, dtype=np.float64, copy=True)
        t = np.broadcast_to(t, idx.shape)
        for k in np.unique(slot[hooked]).tolist():
            sel = np.flatnonzero(slot == k)
            p = np.clip(np.asarray(self._truth_fns[k](idx[sel], t[sel]), dtype=np.float64), 1e-4, 1 - 1e-4)
            belief[sel] = np.log(p / (1 - p))
        return belief

    # ------------------------------------------------------------------------------------------
    # lifecycle
    # ------------------------------------------------------------------------------------------
    def status_codes(self, t_s: int, idx: np.ndarray | None = None) -> np.ndarray:
        sl = slice(None) if idx is None else idx
        op, cl, de, fi = self.open_s[sl], self.close_s[sl], self.det_s[sl], self.fin_s[sl]
        st = np.full(op.shape, INITIALIZED, dtype=np.int8)
        st[t_s >= op] = ACTIVE
        st[(t_s // DAY == self.pause_day[sl]) & (t_s >= op) & (t_s < cl)] = INACTIVE
        st[t_s >= cl] = CLOSED
        st[t_s >= de] = DETERMINED
        st[t_s >= fi] = FINALIZED
        return st

    def created_mask(self, t_us: int, idx: np.ndarray | None = None) -> np.ndarray:
        """Markets that exist at t: a market is listed only from its creation on."""
        sl = slice(None) if idx is None else idx
        return self.created_us[sl] <= t_us

    def event_created_mask(self, t_us: int) -> np.ndarray:
        if not len(self.events):
            return np.zeros(0, bool)
        return np.minimum.reduceat(self.created_us, self.ev_first) <= t_us

    def cutoff_s(self, t_s: int) -> int:
        return (t_s // DAY - CUTOFF_DAYS) * DAY

    def historical_mask(self, t_s: int, idx: np.ndarray | None = None) -> np.ndarray:
        """Markets settled before the cutoff: served only by the /historical routes."""
        sl = slice(None) if idx is None else idx
        return (self.det_s[sl] <= t_s) & (self.det_s[sl] < self.cutoff_s(t_s))

    def updated_us(self, t_us: int, idx: np.ndarray) -> np.ndarray:
        """Last non-trading change: creation, status transitions, re-quotes while active."""
        t_s = t_us // US
        out = self.created_us[idx].copy()
        for times in (self.open_s, self.close_s, self.det_s, self.fin_s):
            tt = times[idx] * US
            out = np.where(tt <= t_us, np.maximum(out, tt), out)
        pd = self.pause_day[idx]
        for edge in (pd * DAY, pd * DAY + DAY):
            tt = edge * US
            hit = (pd >= 0) & (tt <= t_us) & (tt > self.open_s[idx] * US) & (tt < self.close_s[idx] * US)
            out = np.where(hit, np.maximum(out, tt), out)
        st = self.status_codes(t_s, idx)
        live = (st == ACTIVE)
        if live.any():
            li = idx[live]
            m = self._requote_minute(li, np.full(li.shape, t_us, dtype=np.int64))
            rq = m * MIN_US + self.off_us[li]
            rq = np.where(rq <= t_us, rq, self.open_s[li] * US)
            out[live] = np.maximum(out[live], rq)
        return out

    # ------------------------------------------------------------------------------------------
    # quotes
    # ------------------------------------------------------------------------------------------
    def _requote_minute(self, idx: np.ndarray, t_us: np.ndarray) -> np.ndarray:
        """The minute of the last re-quote at or before t (the quote freezes at close)."""
        t_us = np.minimum(np.asarray(t_us, dtype=np.int64), self.close_s[idx] * US - 1)
        open_m = (self.open_s[idx] + 59) // 60
        per, ph, off = self.period[idx], self.phase[idx], self.off_us[idx]
        m = (t_us - off) // MIN_US
        m = m - np.mod(m - ph, per)
        result = m.copy()
        pending = np.ones(m.shape, dtype=bool)
        for _ in range(40):
            if not pending.any():
                break
            pi = np.flatnonzero(pending)
            mm = result[pi]
            kept = (mm <= open_m[pi]) | (rng.uniform(self.seed, _T["rq"], idx[pi], mm) < self.keep[idx[pi]])
            done = pi[kept]
            pending[done] = False
            still = pi[~kept]
            result[still] -= per[still]
        return np.maximum(result, open_m)

    def _quote_at_minute(self, idx: np.ndarray, m: np.ndarray) -> tuple[np.ndarray, ...]:
        """(bid, ask) in u4 and (bid size, ask size) in hundredths for the quote set at minute m."""
        t = m.astype(np.float64) * 60.0
        p = np.clip(self.p[idx], 1e-4, 1 - 1e-4)
        l0 = np.log(p / (1 - p))
        close = self.close_s[idx].astype(np.float64)
        start = self.info_start[idx]
        frac = np.clip((t - start) / np.maximum(close - start, 1.0), 0.0, 1.0)
        target = np.where(self.outcome[idx], 4.5, -4.5)
        belief = l0 * (1 - frac) + target * frac
        if self._truth_slot is not None:
            belief = self._dynamic_belief(idx, t, belief)
        wave = (np.sin(2 * np.pi * t / self.wave_t1[idx] + self.wave_p1[idx])
                + np.sin(2 * np.pi * t / self.wave_t2[idx] + self.wave_p2[idx])) / math.sqrt(2)
        z = 0.7 * wave + 0.3 * rng.normal(self.seed, _T["jit"], idx, m)
        mid = 1.0 / (1.0 + np.exp(-(belief + (self.bias[idx] + self.vol[idx] * z) * (1 - 0.7 * frac))))
        tick, spread = self.tick[idx], self.spread[idx]
        width = spread * tick
        bid = np.floor((mid * PRICE_ONE - width / 2) / tick).astype(np.int64) * tick
        bid = np.clip(bid, 0, PRICE_ONE - width)
        ask = bid + width
        unit = self.unit[idx]
        bsz = np.maximum(1, np.round(self.book_size[idx] * 0.2 * np.exp(0.8 * rng.normal(self.seed, _T["bsz"], idx, m)))) * unit
        asz = np.maximum(1, np.round(self.book_size[idx] * 0.2 * np.exp(0.8 * rng.normal(self.seed, _T["asz"], idx, m)))) * unit
        bsz = np.where(bid > 0, bsz, 0).astype(np.int64)
        asz = np.where(ask < PRICE_ONE, asz, 0).astype(np.int64)
        return bid, ask, bsz, asz

    def quote_at(self, idx: np.ndarray, t_us) -> tuple[np.ndarray, ...]:
        """The raw quote in force at t (bid, ask, bid size, ask size, quote minute)."""
        idx = np.asarray(idx, dtype=np.int64)
        t_arr = np.broadcast_to(np.asarray(t_us, dtype=np.int64), idx.shape)
        m = self._requote_minute(idx, t_arr)
        bid, ask, bsz, asz = self._quote_at_minute(idx, m)
        return bid, ask, bsz, asz, m

    def book_quote(self, idx: np.ndarray, t_us: int) -> tuple[np.ndarray, ...]:
        """The quote as the book shows it: empty unless the market is active."""
        idx = np.asarray(idx, dtype=np.int64)
        bid, ask, bsz, asz, m = self.quote_at(idx, t_us)
        live = self.status_codes(t_us // US, idx) == ACTIVE
        bid = np.where(live, bid, 0)
        ask = np.where(live, ask, PRICE_ONE)
        bsz = np.where(live, bsz, 0)
        asz = np.where(live, asz, 0)
        return bid, ask, bsz, asz, m

    def orderbook(self, i: int, t_us: int, depth: int = 0) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
        """YES bids and NO bids as [(price u4, size hundredths)] ascending, best (highest) last."""
        idx = np.array([i], dtype=np.int64)
        bid, ask, bsz, asz, m = self.book_quote(idx, t_us)
        return (
            self._side_levels(i, int(m[0]), int(bid[0]), int(bsz[0]), 1, depth),
            self._side_levels(i, int(m[0]), PRICE_ONE - int(ask[0]), int(asz[0]), 2, depth),
        )

    def _side_levels(self, i: int, m: int, best: int, best_size: int, side: int, depth: int) -> list[tuple[int, int]]:
        if best <= 0 or best_size <= 0:
            return []
        tick = int(self.tick[i])
        n_levels = int(self.levels[i])
        k = np.arange(1, n_levels, dtype=np.int64)
        gaps = 1 + (rng.uniform(self.seed, _T["lvl"], i, m, side, k) * 3).astype(np.int64)
        prices = best - np.cumsum(gaps) * tick
        sizes = np.maximum(1, np.round(self.book_size[i] * 0.3 * np.exp(rng.normal(self.seed, _T["lvlsz"], i, m, side, k))))
        sizes = sizes.astype(np.int64) * int(self.unit[i])
        keep = prices > 0
        levels = list(zip(prices[keep][::-1].tolist(), sizes[keep][::-1].tolist(), strict=True))
        levels.append((best, best_size))
        if depth and depth > 0:
            levels = levels[-depth:]
        return levels

    # ------------------------------------------------------------------------------------------
    # trades
    # ------------------------------------------------------------------------------------------
    def _day_params(self, mi: np.ndarray, d: np.ndarray) -> dict[str, np.ndarray]:
        """Closed-form per (market, day): count, volume, active span and the last trade's time."""
        mi = np.asarray(mi, dtype=np.int64)
        d = np.broadcast_to(np.asarray(d, dtype=np.int64), mi.shape)
        day0 = d * DAY
        a = np.maximum(np.maximum(day0, self.open_s[mi]), self.hist_start_s)
        b = np.minimum(day0 + DAY, self.close_s[mi])
        span = np.maximum(0, b - a)
        span = np.where(self.pause_day[mi] == d, 0, span)
        lam = self.lam[mi] * span / 3600.0
        n = rng.poisson(rng.uniform(self.seed, _T["n"], mi, d), lam)
        n = np.where(span > 0, n, 0)
        f = np.exp(0.4 * rng.normal(self.seed, _T["dvol"], mi, d))
        units = np.where(n > 0, np.maximum(n, np.round(n * self.size_mean[mi] * f)), 0).astype(np.int64)
        v = rng.uniform(self.seed, _T["last"], mi, d)
        with np.errstate(divide="ignore"):
            frac_last = np.where(n > 0, v ** (1.0 / np.maximum(n, 1)), 0.0)
        a_us = a * US
        t_last = a_us + np.floor(span * US * frac_last).astype(np.int64)
        return {"mi": mi, "d": d, "n": n, "units": units, "vol": units * self.unit[mi], "a_us": a_us, "t_last": t_last}

    def _expand(self, params: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Every trade of the given (market, day) pairs, sorted by (time, order key)."""
        has = params["n"] > 0
        mi, d, n = params["mi"][has], params["d"][has], params["n"][has]
        units, a_us, t_last = params["units"][has], params["a_us"][has], params["t_last"][has]
        total = int(n.sum())
        if total == 0:
            return _empty_trades()
        grp = np.repeat(np.arange(len(n)), n)
        starts = np.cumsum(n) - n
        k = np.arange(total, dtype=np.int64) - starts[grp]
        m, dd, nn = mi[grp], d[grp], n[grp]
        last = k == nn - 1
        w = rng.uniform(self.seed, _T["tt"], m, dd, k)
        ts = np.where(last, t_last[grp], a_us[grp] + np.floor((t_last[grp] - a_us[grp]) * w).astype(np.int64))
        # Sizes: one unit each, the day's extra volume split by random weights, remainder on the last.
        r = 0.2 + rng.uniform(self.seed, _T["sz"], m, dd, k)
        rsum = np.add.reduceat(r, starts) if len(starts) else r
        extra = (units - n)[grp]
        share = np.floor(extra * r / rsum[grp]).astype(np.int64)
        given = np.add.reduceat(share, starts)
        share = share + np.where(last, (units - n - given)[grp], 0)
        size = (1 + share) * self.unit[m]
        side_yes = rng.uniform(self.seed, _T["side"], m, dd, k) < 0.5
        bid, ask, _, _, _ = self.quote_at(m, ts)
        side_yes = np.where(bid <= 0, True, np.where(ask >= PRICE_ONE, False, side_yes))
        price = np.where(side_yes, ask, bid)
        h = rng.hash64(self.seed, _T["id"], m, dd, k)
        h2 = rng.hash64(self.seed, _T["id2"], m, dd, k)
        # The day's last trade sorts last among equal instants, so closed-form "last trade" agrees.
        key = ((h >> np.uint64(2)).astype(np.int64)) | (last.astype(np.int64) << 62)
        order = np.lexsort((key, ts))
        return {
            "mi": m[order], "ts": ts[order], "size": size[order].astype(np.int64), "yes": side_yes[order],
            "price": price[order].astype(np.int64), "key": key[order], "h": h[order], "h2": h2[order],
        }

    def _day_all(self, d: int) -> dict[str, np.ndarray]:
        """All trades of all markets on UTC day d (cached): the /markets/trades firehose, plus a
        (market, time)-sorted view for per-market "as of t" volume and last price lookups."""
        with self._lock:
            hit = self._day_trades.get(d)
            if hit is not None:
                self._day_trades.move_to_end(d)
                return hit
        day0 = d * DAY
        alive = np.flatnonzero((self.lam > 0) & (self.open_s < day0 + DAY) & (self.close_s > day0))
        trades = self._expand(self._day_params(alive, d)) if len(alive) else _empty_trades()
        order = np.lexsort((trades["key"], trades["ts"], trades["mi"]))
        trades["by_key"] = trades["mi"][order] * _KEY_SPAN + (trades["ts"][order] - day0 * US)
        trades["by_price"] = trades["price"][order]
        trades["by_cum"] = np.cumsum(trades["size"][order])
        with self._lock:
            self._day_trades[d] = trades
            while len(self._day_trades) > 8:
                self._day_trades.popitem(last=False)
        return trades

    def _day_upto(self, idx: np.ndarray, t_us: int) -> tuple[np.ndarray, np.ndarray]:
        """For each market: volume traded on t's UTC day up to t, and the last price then (-1: none)."""
        d = t_us // DAY_US
        tr = self._day_all(int(d))
        if not len(tr["by_key"]):
            return np.zeros(idx.shape, np.int64), np.full(idx.shape, -1, np.int64)
        keys = tr["by_key"]
        base = idx * _KEY_SPAN
        hi = np.searchsorted(keys, base + (t_us - d * DAY_US), side="right") - 1
        lo = np.searchsorted(keys, base, side="left") - 1
        cum = tr["by_cum"]
        has = hi > lo
        vol = np.where(has, cum[np.maximum(hi, 0)] - np.where(lo >= 0, cum[np.maximum(lo, 0)], 0), 0)
        price = np.where(has, tr["by_price"][np.maximum(hi, 0)], -1)
        return vol.astype(np.int64), price.astype(np.int64)

    def _cumvol_before(self, d: int) -> np.ndarray:
        """Volume (hundredths) each market traded before UTC day d, all markets."""
        with self._lock:
            if d <= self.hist_day:
                return self.base_vol
            if d in self._cumvol_cache:
                return self._cumvol_cache[d]
            known = [k for k in self._cumvol_cache if k < d]
            d0 = max(known) if known else self.hist_day
            vec = self._cumvol_cache[d0] if known else self.base_vol
            vec = vec.copy()
            for dd in range(d0, d):
                day0 = dd * DAY
                alive = np.flatnonzero((self.lam > 0) & (self.open_s < day0 + DAY) & (self.close_s > day0))
                if len(alive):
                    vec[alive] += self._day_params(alive, dd)["vol"]
            self._cumvol_cache[d] = vec
            if len(self._cumvol_cache) > 16:
                self._cumvol_cache.pop(min(self._cumvol_cache))
            return vec

    def volume_at(self, idx: np.ndarray, t_us: int) -> np.ndarray:
        """Cumulative traded volume (hundredths) of each market up to and including t."""
        idx = np.asarray(idx, dtype=np.int64)
        d = t_us // DAY_US
        vol = self._cumvol_before(int(d))[idx].copy()
        today, _ = self._day_upto(idx, t_us)
        return vol + today

    def last_trade_price(self, idx: np.ndarray, t_us: int) -> np.ndarray:
        """Price (u4) of the last trade at or before t; 0 when the market never traded."""
        idx = np.asarray(idx, dtype=np.int64)
        out = np.full(idx.shape, -1, dtype=np.int64)
        d_now = t_us // DAY_US
        live = self.lam[idx] > 0
        # Start each market's search on the last day it could have traded.
        start = np.minimum(d_now, (self.close_s[idx] - 1) // DAY)
        first = np.maximum(self.hist_day, self.open_s[idx] // DAY)
        # Today (possibly partial) from the day cache; earlier days from the closed-form last trade.
        _, today = self._day_upto(idx, t_us)
        out = np.where(live & (today >= 0), today, out)
        start = np.where(start == d_now, d_now - 1, start)
        pending = np.flatnonzero(live & (out < 0) & (start >= first))
        step = 0
        while len(pending):
            dd = start[pending] - step
            alive = dd >= first[pending]
            pending = pending[alive]
            dd = dd[alive]
            if not len(pending):
                break
            pr = self._day_params(idx[pending], dd)
            got = pr["n"] > 0
            if got.any():
                out[pending[got]] = self._last_of_day_price(pr, got)
            pending = pending[~got]
            step += 1
        # Never traded in the simulated history: a market with earlier volume shows its opening ask.
        missing = out < 0
        if missing.any():
            mi = idx[missing]
            had = self.base_vol[mi] > 0
            _, ask, _, _, _ = self.quote_at(mi, np.maximum(self.open_s[mi], self.hist_start_s) * US)
            out[missing] = np.where(had, ask, 0)
        return out

    def _last_of_day_price(self, pr: dict[str, np.ndarray], mask: np.ndarray) -> np.ndarray:
        mi, d, n, ts = pr["mi"][mask], pr["d"][mask], pr["n"][mask], pr["t_last"][mask]
        side_yes = rng.uniform(self.seed, _T["side"], mi, d, n - 1) < 0.5
        bid, ask, _, _, _ = self.quote_at(mi, ts)
        side_yes = np.where(bid <= 0, True, np.where(ask >= PRICE_ONE, False, side_yes))
        return np.where(side_yes, ask, bid)

    def open_interest(self, idx: np.ndarray, vol: np.ndarray) -> np.ndarray:
        """Open interest as a fixed share of volume, in whole units (grows with trading)."""
        unit = self.unit[idx]
        return (np.floor(vol * self.oi_ratio[idx] / unit) * unit).astype(np.int64)

    def trades_for_market(self, i: int, lo_us: int, hi_us: int) -> dict[str, np.ndarray]:
        """All trades of one market with lo <= ts <= hi, ascending."""
        lo_us = max(lo_us, self.hist_start_s * US, int(self.open_s[i]) * US)
        hi_us = min(hi_us, int(self.close_s[i]) * US)
        if hi_us < lo_us or self.lam[i] <= 0:
            return _empty_trades()
        days = np.arange(lo_us // DAY_US, hi_us // DAY_US + 1, dtype=np.int64)
        pr = self._day_params(np.full(days.shape, i, dtype=np.int64), days)
        tr = self._expand(pr)
        keep = (tr["ts"] >= lo_us) & (tr["ts"] <= hi_us)
        return {k: v[keep] for k, v in tr.items()}

    def trades_between(self, lo_us: int, hi_us: int, idx: np.ndarray | None = None) -> dict[str, np.ndarray]:
        """Every trade with lo < ts <= hi, of the markets ``idx`` (default: all), ascending by time
        (the order a live trade feed would send them in)."""
        lo_us = max(int(lo_us), self.hist_start_s * US - 1)
        hi_us = int(hi_us)
        if hi_us <= lo_us:
            return _empty_trades()
        chunks = []
        for d in range((lo_us + 1) // DAY_US, hi_us // DAY_US + 1):
            tr = self._day_all(int(d))
            if not len(tr["ts"]):
                continue
            keep = (tr["ts"] > lo_us) & (tr["ts"] <= hi_us)
            if idx is not None:
                keep &= np.isin(tr["mi"], np.asarray(idx, dtype=np.int64))
            if keep.any():
                chunks.append({k: tr[k][keep] for k in _empty_trades()})
        if not chunks:
            return _empty_trades()
        return {k: np.concatenate([c[k] for c in chunks]) for k in chunks[0]}

    def trades_page(
        self,
        *,
        now_us: int,
        limit: int,
        ticker_index: int | None = None,
        min_us: int | None = None,
        max_us: int | None = None,
        after: tuple[int, int] | None = None,
    ) -> tuple[dict[str, np.ndarray], bool]:
        """Newest-first trades with lo <= ts <= hi, strictly older than the cursor ``after``.

        Returns the page and whether more trades remain.
        """
        hi = now_us if max_us is None else min(now_us, max_us)
        lo = self.hist_start_s * US if min_us is None else max(min_us, self.hist_start_s * US)
        if after is not None:
            hi = min(hi, after[0])
        if hi < lo:
            return _empty_trades(), False
        if ticker_index is not None:
            tr = self.trades_for_market(ticker_index, lo, hi)
            tr = _before_cursor(tr, after)
            n = len(tr["ts"])
            take = slice(max(0, n - limit), n)
            page = {k: v[take][::-1] for k, v in tr.items()}
            return page, n > limit
        chunks: list[dict[str, np.ndarray]] = []
        have = 0
        d = hi // DAY_US
        more = False
        while d >= lo // DAY_US:
            tr = self._day_all(int(d))
            if len(tr["ts"]):
                keep = (tr["ts"] >= lo) & (tr["ts"] <= hi)
                sub = _before_cursor({k: v[keep] for k, v in tr.items()}, after)
                n = len(sub["ts"])
                if n:
                    need = limit - have
                    take = slice(max(0, n - need), n)
                    chunks.append({k: v[take][::-1] for k, v in sub.items()})
                    have += min(n, need)
                    if n > need:
                        more = True
                        break
            if have >= limit:
                # Anything older left? Cheap check on the previous days' counts.
                more = self._any_trades_between(lo, int(d) * DAY_US - 1) if not more else True
                break
            d -= 1
        if not chunks:
            return _empty_trades(), False
        page = {k: np.concatenate([c[k] for c in chunks]) for k in chunks[0]}
        return page, more

    def _any_trades_between(self, lo_us: int, hi_us: int) -> bool:
        d = hi_us // DAY_US
        while d >= lo_us // DAY_US:
            tr = self._day_all(int(d))
            if len(tr["ts"]) and ((tr["ts"] >= lo_us) & (tr["ts"] <= hi_us)).any():
                return True
            d -= 1
        return False

    def trade_dicts(self, tr: dict[str, np.ndarray]) -> list[dict]:
        out = []
        tickers = [self.markets[i].ticker for i in tr["mi"].tolist()]
        for tk, ts, size, yes, price, h, h2 in zip(
            tickers, tr["ts"].tolist(), tr["size"].tolist(), tr["yes"].tolist(), tr["price"].tolist(),
            tr["h"].tolist(), tr["h2"].tolist(), strict=True,
        ):
            side = "yes" if yes else "no"
            out.append({
                "count_fp": fmt_count(size),
                "created_time": rfc3339_us(ts),
                "is_block_trade": False,
                "no_price_dollars": fmt_u4(PRICE_ONE - price),
                "taker_book_side": "bid" if yes else "ask",
                "taker_outcome_side": side,
                "taker_side": side,
                "ticker": tk,
                "trade_id": rng.uuid_from(h, h2),
                "yes_price_dollars": fmt_u4(price),
            })
        return out

    # ------------------------------------------------------------------------------------------
    # candlesticks
    # ------------------------------------------------------------------------------------------
    def candlesticks(self, i: int, start_s: int, end_s: int, period_min: int, now_us: int) -> list[dict]:
        """Candles of one market (live naming is applied by the caller). Periods without a re-quote
        or a trade are skipped, as Kalshi skips them."""
        per_s = period_min * 60
        end_s = min(end_s, now_us // US)
        first_end = ((max(start_s, int(self.open_s[i])) + per_s - 1) // per_s) * per_s
        last_end = (end_s // per_s) * per_s
        if last_end < first_end:
            return []
        ends = np.arange(first_end, last_end + 1, per_s, dtype=np.int64)
        if len(ends) > 10_000:
            raise ValueError("too many candlesticks requested; narrow start_ts/end_ts or raise period_interval")
        lo_s = int(ends[0]) - per_s
        hi_s = int(ends[-1])
        # Re-quote minutes in range: the market's grid, thinned by the same hash as _requote_minute.
        per_q, ph = int(self.period[i]), int(self.phase[i])
        open_m = (int(self.open_s[i]) + 59) // 60
        close_m = (int(self.close_s[i]) - 1) // 60
        m_lo, m_hi = max(lo_s // 60, open_m), min(hi_s // 60, close_m)
        mins = np.arange(m_lo - ((m_lo - ph) % per_q), m_hi + 1, per_q, dtype=np.int64) if m_hi >= m_lo else np.zeros(0, np.int64)
        mins = mins[mins >= m_lo]
        if len(mins):
            kept = (mins <= open_m) | (rng.uniform(self.seed, _T["rq"], i, mins) < self.keep[i])
            mins = mins[kept]
        ii = np.full(mins.shape, i, dtype=np.int64)
        rq_t = mins * MIN_US + int(self.off_us[i])
        rbid, rask, _, _ = self._quote_at_minute(ii, mins) if len(mins) else (np.zeros(0, np.int64),) * 4
        # Quote in force at each period's start and end.
        starts_us = (ends - per_s) * US
        ends_us = ends * US
        allq = np.full(len(ends), i, dtype=np.int64)
        ob, oa, _, _, _ = self.book_quote_many(allq, starts_us)
        cb, ca, _, _, _ = self.book_quote_many(allq, ends_us)
        trades = self.trades_for_market(i, int(starts_us[0]) + 1, int(ends_us[-1]))
        # Previous trade price before the first period.
        prev = int(self.last_trade_price(np.array([i]), int(starts_us[0]))[0]) if self.lam[i] > 0 else 0
        vol_before = int(self.volume_at(np.array([i]), int(starts_us[0]))[0])
        out = []
        rq_pos = np.searchsorted(rq_t, starts_us, side="right"), np.searchsorted(rq_t, ends_us, side="right")
        tr_pos = np.searchsorted(trades["ts"], starts_us, side="right"), np.searchsorted(trades["ts"], ends_us, side="right")
        cum = vol_before
        for j, end in enumerate(ends.tolist()):
            r0, r1 = int(rq_pos[0][j]), int(rq_pos[1][j])
            t0, t1 = int(tr_pos[0][j]), int(tr_pos[1][j])
            active_rq = r1 > r0
            if not active_rq and t1 <= t0:
                continue
            bids = [int(ob[j]), int(cb[j])] + rbid[r0:r1].tolist()
            asks = [int(oa[j]), int(ca[j])] + rask[r0:r1].tolist()
            candle = {
                "end_period_ts": int(end),
                "yes_bid": {"open": int(ob[j]), "high": max(bids), "low": min(bids), "close": int(cb[j])},
                "yes_ask": {"open": int(oa[j]), "high": max(asks), "low": min(asks), "close": int(ca[j])},
            }
            prices = trades["price"][t0:t1]
            sizes = trades["size"][t0:t1]
            volume = int(sizes.sum())
            cum += volume
            if volume:
                # Volume-weighted mean rounded half up to $0.0001, in integer arithmetic.
                num = int((prices * sizes).sum())
                mean = (2 * num + volume) // (2 * volume)
                candle["price"] = {
                    "open": int(prices[0]), "high": int(prices.max()), "low": int(prices.min()),
                    "close": int(prices[-1]), "mean": mean, "previous": prev if prev > 0 else None,
                }
                prev = int(prices[-1])
            else:
                candle["price"] = {"previous": prev if prev > 0 else None}
            candle["volume"] = volume
            candle["open_interest"] = int(self.open_interest(np.array([i]), np.array([cum]))[0])
            out.append(candle)
        return out

    def book_quote_many(self, idx: np.ndarray, t_us: np.ndarray) -> tuple[np.ndarray, ...]:
        """book_quote with one time per element."""
        bid, ask, bsz, asz, m = self.quote_at(idx, t_us)
        t_s = t_us // US
        op, cl = self.open_s[idx], self.close_s[idx]
        live = (t_s >= op) & (t_s < cl) & (t_s // DAY != self.pause_day[idx])
        return (np.where(live, bid, 0), np.where(live, ask, PRICE_ONE), np.where(live, bsz, 0),
                np.where(live, asz, 0), m)

    # ------------------------------------------------------------------------------------------
    # payloads
    # ------------------------------------------------------------------------------------------
    def market_dicts(self, idx: Sequence[int] | np.ndarray, now_us: int) -> list[dict]:
        idx = np.asarray(idx, dtype=np.int64)
        if not len(idx):
            return []
        t_s = now_us // US
        st = self.status_codes(t_s, idx)
        bid, ask, bsz, asz, _ = self.book_quote(idx, now_us)
        day_ago = now_us - DAY_US
        pbid, pask, _, _, _ = self.book_quote_many(idx, np.full(idx.shape, day_ago, dtype=np.int64))
        vol = self.volume_at(idx, now_us)
        vol_ago = self.volume_at(idx, day_ago)
        last = self.last_trade_price(idx, now_us)
        prev = self.last_trade_price(idx, day_ago)
        oi = self.open_interest(idx, vol)
        upd = self.updated_us(now_us, idx)
        # Plain Python ints from here: formatting numpy scalars one by one is several times slower.
        cols = [a.tolist() for a in (st, bid, ask, bsz, asz, pbid, pask, last, prev, vol, vol - vol_ago, oi, upd)]
        out = []
        for i, (code, b, a, bs, as_, pb, pa, lp, pp, v, v24, o, u) in zip(idx.tolist(), zip(*cols, strict=True), strict=True):
            m = self.markets[i]
            d = self._static_cached(i)
            settled = code >= DETERMINED
            d["status"] = STATUS_NAMES[code]
            d["result"] = ("yes" if m.outcome else "no") if settled else ""
            d["expiration_value"] = m.expiration_value if settled else ""
            d["yes_bid_dollars"] = fmt_u4(b)
            d["yes_ask_dollars"] = fmt_u4(a)
            d["no_bid_dollars"] = fmt_u4(PRICE_ONE - a)
            d["no_ask_dollars"] = fmt_u4(PRICE_ONE - b)
            d["yes_bid_size_fp"] = fmt_count(bs)
            d["yes_ask_size_fp"] = fmt_count(as_)
            d["previous_yes_bid_dollars"] = fmt_u4(pb)
            d["previous_yes_ask_dollars"] = fmt_u4(pa)
            d["last_price_dollars"] = fmt_u4(lp)
            d["previous_price_dollars"] = fmt_u4(pp)
            d["volume_fp"] = fmt_count(v)
            d["volume_24h_fp"] = fmt_count(v24)
            d["open_interest_fp"] = fmt_count(o)
            d["liquidity_dollars"] = "0.0000"
            d["updated_time"] = rfc3339_us(u)
            if settled:
                d["settlement_ts"] = rfc3339_us(int(self.det_s[i]) * US + 123_457)
                d["settlement_value_dollars"] = "1.0000" if m.outcome else "0.0000"
            out.append(d)
        return out

    def _static_cached(self, i: int) -> dict:
        """A fresh top-level copy of the market's static fields (nested values are shared, never mutated)."""
        hit = self._static_cache.get(i)
        if hit is None:
            hit = self._static_market(i)
            with self._lock:
                self._static_cache[i] = hit
                if len(self._static_cache) > 30_000:
                    self._static_cache.popitem(last=False)
        return dict(hit)

    def _static_market(self, i: int) -> dict:
        m = self.markets[i]
        ev = self.events[m.event_index]
        d = {
            "can_close_early": m.can_close_early,
            "close_time": rfc3339(m.close_ts),
            "created_time": rfc3339_us(m.created_us),
            "event_ticker": ev.event_ticker,
            "expected_expiration_time": rfc3339(m.expected_expiration_ts),
            "expiration_time": rfc3339(m.latest_expiration_ts),
            "fractional_trading_enabled": m.fractional,
            "latest_expiration_time": rfc3339(m.latest_expiration_ts),
            "market_type": "binary",
            "no_sub_title": m.no_sub_title,
            "notional_value_dollars": "1.0000",
            "open_time": rfc3339(m.open_ts),
            "price_level_structure": "deci_cent" if m.deci_cent else "linear_cent",
            "price_ranges": [{"end": "1.0000", "start": "0.0000", "step": "0.0010" if m.deci_cent else "0.0100"}],
            "response_price_units": "usd_cent",
            "rules_primary": m.rules_primary,
            "rules_secondary": m.rules_secondary,
            "settlement_timer_seconds": m.settlement_timer_seconds,
            "subtitle": "",
            "tick_size": 1,
            "ticker": m.ticker,
            "title": m.title,
            "yes_sub_title": m.yes_sub_title,
        }
        if m.early_close_condition:  # omitted when empty, as in Kalshi's MVE payloads
            d["early_close_condition"] = m.early_close_condition
        if m.strike_type:
            d["strike_type"] = m.strike_type
        if m.floor_strike is not None:
            d["floor_strike"] = m.floor_strike
        if m.cap_strike is not None:
            d["cap_strike"] = m.cap_strike
        if m.custom_strike is not None:
            d["custom_strike"] = dict(m.custom_strike)
        if m.mve_legs:
            d["mve_collection_ticker"] = m.mve_collection_ticker
            d["mve_selected_legs"] = [{"event_ticker": e, "market_ticker": t, "side": s} for e, t, s in m.mve_legs]
        # Dynamic keys get their slots now so the finished dict is already in Kalshi's alphabetical order.
        d.update(dict.fromkeys(_DYNAMIC_KEYS))
        return dict(sorted(d.items()))

    def event_status(self, t_s: int) -> np.ndarray:
        """Per event: 0 unopened, 1 open, 2 closed, 3 settled (the /events filter values)."""
        st = self.status_codes(t_s)
        if not len(self.events):
            return np.zeros(0, np.int8)
        first = self.ev_first
        any_open = np.maximum.reduceat(((st == ACTIVE) | (st == INACTIVE)).astype(np.int8), first) > 0
        all_unopened = np.minimum.reduceat((st == INITIALIZED).astype(np.int8), first) > 0
        all_settled = np.minimum.reduceat((st >= DETERMINED).astype(np.int8), first) > 0
        out = np.full(len(self.events), 2, dtype=np.int8)
        out[all_settled] = 3
        out[all_unopened] = 0
        out[any_open] = 1
        return out

    def event_updated_us(self, ev_idx: np.ndarray, t_us: int) -> np.ndarray:
        """An event's last metadata change: the latest status transition among its markets."""
        out = np.zeros(len(ev_idx), dtype=np.int64)
        for j, e in enumerate(ev_idx.tolist()):
            sl = slice(int(self.ev_first[e]), int(self.ev_first[e] + self.ev_count[e]))
            best = int(self.created_us[sl].max())
            for times in (self.open_s, self.close_s, self.det_s, self.fin_s):
                tt = times[sl] * US
                tt = tt[tt <= t_us]
                if len(tt):
                    best = max(best, int(tt.max()))
            out[j] = best
        return out

    def event_dicts(self, ev_idx: Sequence[int] | np.ndarray, now_us: int, *, nested: bool = False) -> list[dict]:
        ev_idx = np.asarray(ev_idx, dtype=np.int64)
        upd = self.event_updated_us(ev_idx, now_us)
        t_s = now_us // US
        out = []
        for j, e in enumerate(ev_idx.tolist()):
            ev = self.events[e]
            ser = self.series[self.series_of_event[e]]
            d = {
                "available_on_brokers": True,
                "category": ser.category,
                "collateral_return_type": ev.collateral_return_type,
                "event_ticker": ev.event_ticker,
                "last_updated_ts": rfc3339_us(upd[j]),
                "mutually_exclusive": ev.mutually_exclusive,
                "product_metadata": dict(ev.product_metadata or {}),
                "series_ticker": ev.series_ticker,
                "strike_period": ev.strike_period,
                "sub_title": ev.sub_title,
                "title": ev.title,
            }
            if nested:
                d["markets"] = self.market_dicts(self.live_markets_of_event(e, t_s), now_us)
            out.append(d)
        return out

    def live_markets_of_event(self, e: int, t_s: int) -> np.ndarray:
        idx = np.arange(int(self.ev_first[e]), int(self.ev_first[e] + self.ev_count[e]), dtype=np.int64)
        return idx[~self.historical_mask(t_s, idx) & self.created_mask(t_s * US + US - 1, idx)]

    def series_dict(self, s: int, now_us: int, *, include_volume: bool = False) -> dict:
        ser = self.series[s]
        d = {
            "additional_prohibitions": list(ser.additional_prohibitions),
            "categories": [ser.category],
            "category": ser.category,
            "contract_terms_url": ser.contract_terms_url,
            "contract_url": ser.contract_url,
            "exchange_index": 0,
            "fee_multiplier": ser.fee_multiplier,
            "fee_type": ser.fee_type,
            "frequency": ser.frequency,
            "last_updated_ts": rfc3339_us(self.anchor_ts * US - 86_400 * US * 30 + 95_313),
            "settlement_sources": [dict(x) for x in ser.settlement_sources],
            "tags": list(ser.tags),
            "ticker": ser.ticker,
            "title": ser.title,
        }
        if ser.product_metadata is not None:
            d["product_metadata"] = ser.product_metadata
        if include_volume:
            idx = np.flatnonzero(self.ser_of == s)
            d["volume_fp"] = fmt_count(int(self.volume_at(idx, now_us).sum()) if len(idx) else 0)
        return d

    def cutoff_dict(self, now_us: int) -> dict:
        ts = rfc3339(self.cutoff_s(now_us // US))
        return {
            "market_positions_last_updated_ts": ts,
            "market_settled_ts": ts,
            "orders_updated_ts": ts,
            "trades_created_ts": ts,
        }

    # ------------------------------------------------------------------------------------------
    # lookups for tests and other modules
    # ------------------------------------------------------------------------------------------
    def market(self, ticker: str) -> MarketDef:
        return self.markets[self.market_index[ticker]]

    def category_of_market(self, i: int) -> str:
        return self.series[int(self.ser_of[i])].category

    def families_routes(self) -> Iterable:
        for family in self.families:
            yield from family.routes(self)


def _empty_trades() -> dict[str, np.ndarray]:
    z = np.zeros(0, dtype=np.int64)
    return {"mi": z, "ts": z, "size": z, "yes": np.zeros(0, bool), "price": z, "key": z,
            "h": np.zeros(0, np.uint64), "h2": np.zeros(0, np.uint64)}


def _before_cursor(tr: dict[str, np.ndarray], after: tuple[int, int] | None) -> dict[str, np.ndarray]:
    """Trades strictly older than the cursor (ts, key) in (ts, key) order."""
    if after is None or not len(tr["ts"]):
        return tr
    ts, key = after
    keep = (tr["ts"] < ts) | ((tr["ts"] == ts) & (tr["key"] < key))
    return {k: v[keep] for k, v in tr.items()}
