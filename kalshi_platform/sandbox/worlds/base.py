"""The plug-in surface of the simulated world.

A *family* generates series, events and markets (with their hidden truth) into a ``WorldBuilder``
and may contribute extra routes (a BTC world adds Coinbase/Kraken routes, an NBA world The Odds API).
Families never touch quotes, trades or settlement: the engine in ``sandbox/world.py`` derives all of
those from each market's truth, dates and activity, so a new family gets order books, trades,
candlesticks, settlement and history for free.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import numpy as np

from kalshi_platform.sandbox import rng

if TYPE_CHECKING:  # pragma: no cover
    from kalshi_platform.sandbox.routes import Route
    from kalshi_platform.sandbox.world import KalshiWorld

MINUTE, HOUR, DAY = 60, 3600, 86400
MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass
class SeriesDef:
    ticker: str
    title: str
    category: str
    tags: list[str]
    frequency: str
    settlement_sources: list[dict[str, str]]
    fee_type: str = "quadratic"
    fee_multiplier: float | int = 1
    contract_url: str = ""
    contract_terms_url: str = ""
    additional_prohibitions: list[str] = field(default_factory=list)
    product_metadata: dict[str, Any] | None = None


@dataclass
class EventDef:
    event_ticker: str
    series_ticker: str
    title: str
    sub_title: str
    mutually_exclusive: bool
    product_metadata: dict[str, Any] | None = None
    strike_period: str = ""
    collateral_return_type: str = ""
    is_mve: bool = False
    mve_collection_ticker: str = ""


@dataclass(slots=True)
class MarketDef:
    ticker: str
    title: str
    yes_sub_title: str
    no_sub_title: str
    rules_primary: str
    open_ts: int  # unix seconds
    close_ts: int
    rules_secondary: str = ""
    expected_expiration_ts: int | None = None
    latest_expiration_ts: int | None = None
    created_us: int = 0
    strike_type: str | None = None
    floor_strike: float | int | None = None
    cap_strike: float | int | None = None
    custom_strike: dict[str, Any] | None = None
    early_close_condition: str = "This market will close and expire early if the event occurs."
    can_close_early: bool = True
    deci_cent: bool = False  # price_level_structure deci_cent (step $0.001) instead of linear_cent
    fractional: bool = False
    settlement_timer_seconds: int = 300
    p: float = 0.5  # hidden truth: the true probability of YES
    outcome: bool = False  # hidden truth: how it settles
    expiration_value: str = ""  # what the market shows as expiration_value once determined
    activity: float | None = None  # trades per hour while open; None = drawn by the builder
    mve_legs: list[tuple[str, str, str]] | None = None  # (event_ticker, market_ticker, side)
    mve_collection_ticker: str = ""
    event_index: int = -1  # set by the builder


@runtime_checkable
class Family(Protocol):
    """A generator of series/events/markets, with optional extra routes."""

    name: str

    def build(self, b: WorldBuilder) -> None: ...

    def routes(self, world: KalshiWorld) -> Iterable[Route]: ...


class BaseFamily(ABC):
    """Convenience base: no extra routes."""

    name = "base"

    @abstractmethod
    def build(self, b: WorldBuilder) -> None:
        """Add this family's series, events and markets to the world."""

    def routes(self, world: KalshiWorld) -> Iterable[Route]:
        return ()


def norm_cdf(x: float) -> float:
    return 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))


class WorldBuilder:
    """Collects what the families generate and offers the shared helpers (dates, truth, activity)."""

    def __init__(self, seed: int, anchor_ts: int, scale: int) -> None:
        self.seed = seed
        self.anchor_ts = anchor_ts  # midnight UTC of the clock's date when the world was built
        self.scale = max(1, int(scale))
        self.series: list[SeriesDef] = []
        self.events: list[EventDef] = []
        self.markets: list[MarketDef] = []
        self._series_tickers: set[str] = set()
        self._event_tickers: set[str] = set()
        self._market_tickers: set[str] = set()
        self.family = ""
        self.rng = np.random.default_rng(seed)

    # -- registration -------------------------------------------------------------------------
    def start_family(self, name: str) -> None:
        self.family = name
        self.rng = np.random.default_rng([self.seed, rng.tag(name)])

    def add_series(self, series: SeriesDef) -> None:
        if series.ticker in self._series_tickers:
            return  # several families may share a series (e.g. spreads and totals of one league)
        self._series_tickers.add(series.ticker)
        self.series.append(series)

    def add_event(self, event: EventDef, markets: Sequence[MarketDef]) -> None:
        if event.event_ticker in self._event_tickers:
            raise ValueError(f"event {event.event_ticker} generated twice")
        if event.series_ticker not in self._series_tickers:
            raise ValueError(f"event {event.event_ticker}: series {event.series_ticker} not added")
        if not markets:
            raise ValueError(f"event {event.event_ticker} has no markets")
        self._event_tickers.add(event.event_ticker)
        index = len(self.events)
        self.events.append(event)
        for m in markets:
            if m.ticker in self._market_tickers:
                raise ValueError(f"market {m.ticker} generated twice")
            self._market_tickers.add(m.ticker)
            m.event_index = index
            if m.created_us == 0:
                lead = int(self.rng.integers(120, 3600))
                m.created_us = (m.open_ts - lead) * 1_000_000 + int(self.rng.integers(0, 1_000_000))
            if m.expected_expiration_ts is None:
                m.expected_expiration_ts = m.close_ts + HOUR
            if m.latest_expiration_ts is None:
                m.latest_expiration_ts = max(m.close_ts, m.expected_expiration_ts) + 7 * DAY
            if m.activity is None:
                # Only a share of markets trade at all; the rest sit quoted but idle.
                m.activity = float(self.rng.lognormal(0.0, 0.9)) if self.rng.random() < 0.35 else 0.0
            if not m.expiration_value:
                m.expiration_value = "Yes" if m.outcome else "No"
            self.markets.append(m)

    # -- dates -----------------------------------------------------------------------------------
    def day(self, offset_days: int, hour: int = 0, minute: int = 0) -> int:
        return self.anchor_ts + offset_days * DAY + hour * HOUR + minute * MINUTE

    @staticmethod
    def dt(ts: int) -> datetime:
        return datetime.fromtimestamp(ts, tz=UTC)

    @staticmethod
    def yymmmdd(ts: int) -> str:
        d = datetime.fromtimestamp(ts, tz=UTC)
        return f"{d.year % 100:02d}{MONTHS[d.month - 1]}{d.day:02d}"

    @staticmethod
    def yymmm(ts: int) -> str:
        d = datetime.fromtimestamp(ts, tz=UTC)
        return f"{d.year % 100:02d}{MONTHS[d.month - 1]}"

    @staticmethod
    def nice_date(ts: int) -> str:
        d = datetime.fromtimestamp(ts, tz=UTC)
        return f"{MONTH_NAMES[d.month - 1]} {d.day}, {d.year}"

    @staticmethod
    def month_start(ts: int, months_ahead: int = 0) -> int:
        d = datetime.fromtimestamp(ts, tz=UTC)
        m = d.month - 1 + months_ahead
        return int(datetime(d.year + m // 12, m % 12 + 1, 1, tzinfo=UTC).timestamp())

    @staticmethod
    def add_days(ts: int, days: float) -> int:
        return int(ts + days * DAY)

    def uuid(self) -> str:
        return rng.uuid_from(int(self.rng.integers(0, 2**63)), int(self.rng.integers(0, 2**63)))

    # -- truth -----------------------------------------------------------------------------------
    def categorical(self, markets: Sequence[MarketDef], weights: Sequence[float]) -> int:
        """Mutually exclusive outcomes: exactly one market settles YES, drawn from the probabilities."""
        w = np.asarray(weights, dtype=float)
        probs = w / w.sum()
        winner = int(self.rng.choice(len(markets), p=probs))
        for j, m in enumerate(markets):
            m.p = float(np.clip(probs[j], 0.003, 0.997))
            m.outcome = j == winner
        return winner

    def scalar(self, markets: Sequence[MarketDef], mu: float, sigma: float, *, integer: bool = False,
               value: float | None = None, grid: float | None = None) -> float:
        """Markets on one numeric quantity X ~ N(mu, sigma): truth and outcomes from their strikes.

        ``integer``/``grid`` round the realized value (whole degrees F, quarter points of a rate) and the
        probabilities account for that rounding, so the truth stays calibrated.
        """
        step = 1.0 if integer else grid
        x = float(self.rng.normal(mu, sigma)) if value is None else value
        if step:
            x = round(round(x / step) * step, 6)

        def cdf(edge: float) -> float:
            return norm_cdf((edge - mu) / sigma)

        def up(v: float, strict: bool) -> float:  # smallest grid value above (or at) v, less half a step
            if not step:
                return v
            k = math.floor(v / step + 1e-9) + 1 if strict else math.ceil(v / step - 1e-9)
            return k * step - step / 2

        def down(v: float, strict: bool) -> float:  # largest grid value below (or at) v, plus half a step
            if not step:
                return v
            k = math.ceil(v / step - 1e-9) - 1 if strict else math.floor(v / step + 1e-9)
            return k * step + step / 2

        for m in markets:
            lo, hi = m.floor_strike, m.cap_strike
            if m.strike_type in ("greater", "greater_or_equal"):
                strict = m.strike_type == "greater"
                p = 1.0 - cdf(up(lo, strict))
                m.outcome = x > lo if strict else x >= lo
            elif m.strike_type in ("less", "less_or_equal"):
                strict = m.strike_type == "less"
                p = cdf(down(hi, strict))
                m.outcome = x < hi if strict else x <= hi
            elif m.strike_type == "between":
                p = cdf(down(hi, False)) - cdf(up(lo, False))
                m.outcome = lo <= x <= hi
            else:
                raise ValueError(f"{m.ticker}: scalar truth needs a strike_type, got {m.strike_type!r}")
            m.p = float(np.clip(p, 0.002, 0.998))
        return x

    def binary(self, market: MarketDef, p: float) -> None:
        market.p = float(np.clip(p, 0.002, 0.998))
        market.outcome = bool(self.rng.random() < p)

    def skewed_weights(self, n: int, concentration: float = 1.2) -> np.ndarray:
        """Favourite-longshot style probabilities for a field of n contenders."""
        w = self.rng.gamma(concentration, 1.0, size=n) ** 2.2
        return w / w.sum()
