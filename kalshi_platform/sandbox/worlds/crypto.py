"""Crypto: bitcoin markets driven by the 1-second BTC path, and daily ETH thresholds.

Bitcoin (``worlds/btc.py`` holds the path and the spot exchanges):
- KXBTCD: "above" thresholds ending in .99 (strike_type greater), daily at 5pm New York for the past
  two weeks and the coming week, and hourly around the clock's day;
- KXBTC: ranges of the same events' expiries (between buckets, a less tail and a greater tail);
- KXBTC15M: up/down every 15 minutes (greater_or_equal the window's opening average).

Every one settles on the simple average of the 60 seconds of the index before expiry (cent-rounded).
A ladder is centred on the price when its event is created and a 15-minute window's target is the
average before its open, and a market is listed only from then on, so nothing listed reveals the
future. The quotes follow the path: the family hands the world a time-varying truth (``dynamic_truth``),
P(YES | path so far), instead of a static probability. Tickers carry New York times, as Kalshi's do.

ETH (KXETHD) keeps a daily GBM path of its own, drawn at build time.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np

from kalshi_platform.sandbox.worlds.base import (
    DAY,
    HOUR,
    MONTH_NAMES,
    MONTHS,
    BaseFamily,
    EventDef,
    MarketDef,
    SeriesDef,
    WorldBuilder,
    norm_cdf,
)
from kalshi_platform.sandbox.worlds.btc import (
    SETTLE_WINDOW_S,
    STRIKE_KINDS,
    BtcPath,
    SpotFeed,
    settle_value,
    settles_yes,
    truth_probability,
)

NEW_YORK = ZoneInfo("America/New_York")
CF_SOURCE = {"name": "CF Benchmarks", "url": "https://www.cfbenchmarks.com/data/indices/BRTI"}
CRYPTO_CONTRACT = "https://assets.kalshi.com/regulatory/product-certifications/CRYPTO.pdf"
CRYPTO_TERMS = "https://kalshi-public-docs.s3.amazonaws.com/contract_terms/CRYPTO.pdf"
MIN15 = 900

# Which expiries exist around the world's anchor day (midnight UTC of the clock's date).
# The clock lies somewhere in the anchor's UTC day, so hourly events and 15-minute windows cover all
# of it; the daily events keep ten days of settled history for calibration.
DAILY_DAYS = (-10, 6)  # 5pm New York events, days before / after the anchor day (open a week ahead)
HOURLY_SPAN_H = (-6, 26)  # hourly events (other than 5pm), hours from the anchor
WINDOWS_SPAN_H = (-12, 24)  # 15-minute windows, hours from the anchor


def _series(ticker: str, title: str, tags: list[str], frequency: str) -> SeriesDef:
    return SeriesDef(ticker=ticker, title=title, category="Crypto", tags=tags, frequency=frequency,
                     settlement_sources=[CF_SOURCE], fee_type="quadratic", fee_multiplier=1,
                     contract_url=CRYPTO_CONTRACT, contract_terms_url=CRYPTO_TERMS)


def _ny(ts: int) -> datetime:
    return datetime.fromtimestamp(ts, tz=NEW_YORK)


def _ny_code(ts: int, minutes: bool = False) -> str:
    """KXBTCD-26NOV2017 style: New York date and hour (and minute for 15-minute windows)."""
    d = _ny(ts)
    code = f"{d.year % 100:02d}{MONTHS[d.month - 1]}{d.day:02d}{d.hour:02d}"
    return code + (f"{d.minute:02d}" if minutes else "")


def _ny_words(ts: int) -> tuple[str, str]:
    """("Nov 20, 2026", "5pm EST") in New York time."""
    d = _ny(ts)
    hour = d.hour % 12 or 12
    clock = f"{hour}{'' if d.minute == 0 else f':{d.minute:02d}'}{'am' if d.hour < 12 else 'pm'}"
    return f"{MONTH_NAMES[d.month - 1]} {d.day}, {d.year}", f"{clock} {d.tzname()}"


def _ny_long(ts: int) -> str:
    d = _ny(ts)
    hour = d.hour % 12 or 12
    return f"{hour}:{d.minute:02d} {'AM' if d.hour < 12 else 'PM'} {d.tzname()} on {MONTH_NAMES[d.month - 1]} {d.day}, {d.year}"


def _five_pm(anchor_ts: int, day_offset: int) -> int:
    day = datetime.fromtimestamp(anchor_ts, tz=UTC).date() + timedelta(days=day_offset)
    return int(datetime(day.year, day.month, day.day, 17, tzinfo=NEW_YORK).timestamp())


class BitcoinMarkets(BaseFamily):
    """KXBTCD, KXBTC and KXBTC15M on one BTC path, with the spot exchanges' routes."""

    name = "crypto_btc"

    def __init__(self) -> None:
        self.path: BtcPath | None = None
        self._tickers: list[str] = []
        self._defs: list[MarketDef] = []
        self._strikes: list[tuple[int, float, float, int]] = []  # (kind, lo, hi, expiry) per ticker
        self._codes: set[str] = set()

    def _path_for(self, seed: int) -> BtcPath:
        if self.path is None or self.path.seed != seed:
            self.path = BtcPath(seed)
        return self.path

    # -- build ---------------------------------------------------------------------------------------
    def build(self, b: WorldBuilder) -> None:
        path = self._path_for(b.seed)
        self._tickers, self._defs, self._strikes, self._codes = [], [], [], set()
        b.add_series(_series("KXBTCD", "Bitcoin price Above/below", ["BTC", "Hourly"], "hourly"))
        b.add_series(_series("KXBTC", "Bitcoin price range", ["BTC", "Hourly"], "hourly"))
        b.add_series(_series("KXBTC15M", "BTC price up or down in 15 minutes", ["BTC", "15 min"], "fifteen_min"))

        expiries: list[tuple[int, int]] = []  # (expiry, life seconds)
        # A larger scale reaches further back and forward in time (the universe grows linearly).
        for d in range(DAILY_DAYS[0] * b.scale, DAILY_DAYS[1] * b.scale + 1):
            expiries.append((_five_pm(b.anchor_ts, d), 7 * DAY))
        daily = {e for e, _ in expiries}
        for h in range(HOURLY_SPAN_H[0] * b.scale, HOURLY_SPAN_H[1] + 1):
            expiry = b.anchor_ts + h * HOUR
            if expiry not in daily:
                expiries.append((expiry, HOUR))
        expiries.sort()
        # Each ladder is centred on the price when its event is created (just before it opens).
        leads = b.rng.integers(600, 3000, size=len(expiries))
        # Hourly events are listed an hour before they open, so the next hour is always upcoming.
        created = np.array([e - life - (HOUR if life == HOUR else 0) - int(lead)
                            for (e, life), lead in zip(expiries, leads, strict=True)], dtype=np.int64)
        centres = path.price(created)
        for (expiry, life), made, centre in zip(expiries, created.tolist(), centres.tolist(), strict=True):
            self._ladders(b, expiry, life, made, centre)

        first = b.anchor_ts + WINDOWS_SPAN_H[0] * b.scale * HOUR + MIN15
        closes = np.arange(first, b.anchor_ts + WINDOWS_SPAN_H[1] * HOUR * b.scale + 1, MIN15, dtype=np.int64)
        targets = settle_value(path.settlement_average(closes - MIN15))
        for close, target in zip(closes.tolist(), targets.tolist(), strict=True):
            self._window(b, close, target)
        self._settle(b)

    def _add(self, b: WorldBuilder, event: EventDef, markets: list[MarketDef]) -> None:
        b.add_event(event, markets)
        for m in markets:
            self._tickers.append(m.ticker)
            self._defs.append(m)
            lo = m.floor_strike if m.floor_strike is not None else math.nan
            hi = m.cap_strike if m.cap_strike is not None else math.nan
            self._strikes.append((STRIKE_KINDS[m.strike_type], float(lo), float(hi), m.close_ts))

    def _ladders(self, b: WorldBuilder, expiry: int, life: int, created: int, centre: float) -> None:
        hourly = life == HOUR
        code = _ny_code(expiry)
        if code in self._codes:  # the repeated New York hour when daylight saving time ends
            return
        self._codes.add(code)
        when, clock = _ny_words(expiry)
        open_ts = expiry - life
        created_us = created * 1_000_000 + int(b.rng.integers(0, 1_000_000))
        activity = (lambda: float(b.rng.uniform(2, 10))) if hourly else (lambda: None)
        common = dict(open_ts=open_ts, close_ts=expiry, expected_expiration_ts=expiry + 300, created_us=created_us,
                      deci_cent=True, fractional=True, can_close_early=False, settlement_timer_seconds=60)
        rule = f"the simple average of the sixty seconds of CF Benchmarks' Real-Time Index (BRTI) before {clock} on {when}"

        # KXBTCD: "above" thresholds ending in .99.
        step, n = (250.0, 7) if hourly else (500.0, 17)
        base = round(centre / step) * step
        event = f"KXBTCD-{code}"
        markets = []
        for k in range(n):
            strike = round(base + step * (k - n // 2) - 0.01, 2)
            markets.append(MarketDef(
                ticker=f"{event}-T{strike:.2f}", title=f"Bitcoin price on {when} at {clock}?",
                yes_sub_title=f"${strike + 0.01:,.0f} or above", no_sub_title=f"${strike + 0.01:,.0f} or above",
                rules_primary=f"If {rule} is above {strike:,.2f}, then the market resolves to Yes.",
                strike_type="greater", floor_strike=strike, activity=activity(), **common))
        self._add(b, EventDef(event_ticker=event, series_ticker="KXBTCD", title=f"Bitcoin price on {when} at {clock}?",
                              sub_title=f"{when} at {clock}", mutually_exclusive=False,
                              strike_period="hour" if hourly else "day"), markets)

        # KXBTC: ranges, with a tail at each end.
        width, buckets = (250.0, 5) if hourly else (500.0, 14)
        low = math.floor(centre / width) * width - width * (buckets // 2)
        high = low + width * buckets
        event = f"KXBTC-{code}"
        markets = [MarketDef(
            ticker=f"{event}-T{low - 0.01:.2f}", title=f"Bitcoin price range on {when} at {clock}?",
            yes_sub_title=f"${low - 0.01:,.2f} or below", no_sub_title=f"${low - 0.01:,.2f} or below",
            rules_primary=f"If {rule} is below {low:,.2f}, then the market resolves to Yes.",
            strike_type="less", cap_strike=low, activity=activity(), **common)]
        for k in range(buckets):
            lo = low + width * k
            cap = round(lo + width - 0.01, 2)
            markets.append(MarketDef(
                ticker=f"{event}-B{lo + width / 2:.0f}", title=f"Bitcoin price range on {when} at {clock}?",
                yes_sub_title=f"${lo:,.0f} to {cap:,.2f}", no_sub_title=f"${lo:,.0f} to {cap:,.2f}",
                rules_primary=f"If {rule} is between {lo:,.2f} and {cap:,.2f}, then the market resolves to Yes.",
                strike_type="between", floor_strike=lo, cap_strike=cap, activity=activity(), **common))
        markets.append(MarketDef(
            ticker=f"{event}-T{high - 0.01:.2f}", title=f"Bitcoin price range on {when} at {clock}?",
            yes_sub_title=f"${high:,.0f} or above", no_sub_title=f"${high:,.0f} or above",
            rules_primary=f"If {rule} is above {high - 0.01:,.2f}, then the market resolves to Yes.",
            strike_type="greater", floor_strike=round(high - 0.01, 2), activity=activity(), **common))
        self._add(b, EventDef(event_ticker=event, series_ticker="KXBTC", title=f"Bitcoin price range on {when} at {clock}?",
                              sub_title=f"{when} at {clock}", mutually_exclusive=True, collateral_return_type="MECNET",
                              strike_period="hour" if hourly else "day"), markets)

    def _window(self, b: WorldBuilder, close: int, target: float) -> None:
        open_ts = close - MIN15
        event = f"KXBTC15M-{_ny_code(close, minutes=True)}"
        if event in self._codes:  # the repeated New York hour when daylight saving time ends
            return
        self._codes.add(event)
        when, clock = _ny_words(close)
        market = MarketDef(
            ticker=f"{event}-{_ny(close).minute:02d}", title="BTC price up in next 15 mins?",
            yes_sub_title=f"Target Price: ${target:,.2f}", no_sub_title=f"Target Price: ${target:,.2f}",
            rules_primary=(f"If the simple average of the sixty seconds of CF Benchmarks' BRTI before {_ny_long(close)} "
                           f"is at least the simple average of the sixty seconds of CF Benchmarks' BRTI before "
                           f"{_ny_long(open_ts)}, then the market resolves to Yes."),
            open_ts=open_ts, close_ts=close, expected_expiration_ts=close + 60,
            # The target is the average before the open, so the market is listed at the open, not before.
            created_us=open_ts * 1_000_000,
            strike_type="greater_or_equal", floor_strike=target, settlement_timer_seconds=1,
            can_close_early=False, fractional=True,
            activity=float(b.rng.uniform(20, 60)))
        self._add(b, EventDef(event_ticker=event, series_ticker="KXBTC15M", title=f"BTC price up in next 15 mins? ({clock})",
                              sub_title=f"{when} {clock}", mutually_exclusive=False, strike_period="fifteen_min"),
                  [market])

    def _settle(self, b: WorldBuilder) -> None:
        """Outcomes from the path, and the static truth as of each market's open (the quotes use the
        time-varying one)."""
        kind, lo, hi, expiry = (np.array(col) for col in zip(*self._strikes, strict=True))
        value = settle_value(self.path.settlement_average(expiry))
        yes = settles_yes(kind, lo, hi, value)
        opens = np.array([m.open_ts for m in self._defs], dtype=np.int64)
        p_open = truth_probability(self.path, kind, lo, hi, expiry, opens)
        for j, m in enumerate(self._defs):
            m.outcome = bool(yes[j])
            m.expiration_value = f"{value[j]:.2f}"
            m.p = float(np.clip(p_open[j], 0.002, 0.998))

    # -- hooks the world and the exchange call ---------------------------------------------------
    def dynamic_truth(self, world) -> tuple[np.ndarray, object] | None:
        """(market indices, P(YES | path at t)) for the world's quotes."""
        if not self._tickers or self.path is None:
            return None
        index = np.array([world.market_index[t] for t in self._tickers], dtype=np.int64)
        order = np.argsort(index)
        sorted_index = index[order]
        kind, lo, hi, expiry = (np.array(col)[order] for col in zip(*self._strikes, strict=True))
        path = self.path

        def truth(idx: np.ndarray, t_s: np.ndarray) -> np.ndarray:
            pos = np.searchsorted(sorted_index, idx)
            return truth_probability(path, kind[pos], lo[pos], hi[pos], expiry[pos], np.asarray(t_s).astype(np.int64),
                                     SETTLE_WINDOW_S)

        return index, truth

    def routes(self, world) -> Iterable:
        from kalshi_platform.sandbox.spot_api import spot_routes

        return spot_routes(SpotFeed(self._path_for(world.seed)))


class EthereumDaily(BaseFamily):
    """KXETHD: daily thresholds at 5pm New York on a daily GBM path drawn at build time."""

    name = "crypto"

    def build(self, b: WorldBuilder) -> None:
        b.add_series(_series("KXETHD", "Ethereum price today at 5pm EDT", ["ETH", "Daily"], "daily"))
        days = range(-16, 6 * b.scale + 1)
        sigma = 0.035
        z = b.rng.normal(0, 1, size=len(days))
        values = 3_400.0 * np.exp(np.cumsum(-0.5 * sigma**2 + sigma * z))
        for k, d in enumerate(days):
            expiry = _five_pm(b.anchor_ts, d)
            prev = float(values[k - 1] if k else values[0])
            self._thresholds(b, f"KXETHD-{_ny_code(expiry)}", float(values[k]), prev, sigma, 40.0, 11, expiry)

    @staticmethod
    def _thresholds(b: WorldBuilder, event: str, value: float, prev: float, sigma: float, step: float, n: int,
                    expiry: int) -> None:
        centre = round(prev / step) * step
        when, clock = _ny_words(expiry)
        mu = math.log(prev) - 0.5 * sigma**2
        markets = []
        for k in range(n):
            s = round(centre + step * (k - n // 2) - 0.01, 2)
            p = 1 - norm_cdf((math.log(s) - mu) / sigma)
            markets.append(MarketDef(
                ticker=f"{event}-T{s:.2f}", title=f"Ethereum price on {when} at {clock}?",
                yes_sub_title=f"${s + 0.01:,.0f} or above", no_sub_title=f"${s + 0.01:,.0f} or above",
                rules_primary=f"If the simple average of the sixty seconds of CF Benchmarks' Real-Time Index before "
                              f"{clock} is above {s:,.2f} on {when}, then the market resolves to Yes.",
                open_ts=expiry - 7 * DAY, close_ts=expiry, expected_expiration_ts=expiry + 300,
                strike_type="greater", floor_strike=s, deci_cent=True, fractional=True, can_close_early=False,
                settlement_timer_seconds=60, p=min(0.998, max(0.002, p)), outcome=value > s,
                expiration_value=f"{value:.2f}"))
        b.add_event(EventDef(event_ticker=event, series_ticker="KXETHD", title=f"Ethereum price on {when}?",
                             sub_title=f"{when} at {clock}", mutually_exclusive=False, strike_period="day"), markets)


def families() -> list[BaseFamily]:
    return [EthereumDaily(), BitcoinMarkets()]
