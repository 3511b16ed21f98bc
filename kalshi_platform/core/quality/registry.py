"""What "good data" means for each warehouse table: one :class:`TableRule` per table.

The data-quality checks (``defs/quality``) are generated from this registry, so a domain adds its
table with one entry: its natural key, its price and probability columns (which must lie in [0, 1]),
its bid/ask pairs (bid never above ask), its enumerations, its timestamps with the range a sane value
lies in, how fresh a time series must stay, and whether a failure must stop the data from flowing on
(``blocking``: the tables in front of edges and orders).

A table gets checks only when its asset is part of the Dagster graph, so entries for tables that a
domain has not shipped yet are harmless.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import polars as pl

from kalshi_platform.core.instruments import CATEGORIES
from kalshi_platform.core.kalshi_parse import (
    KNOWN_CANDLE_KEYS,
    KNOWN_EVENT_KEYS,
    KNOWN_MARKET_KEYS,
    KNOWN_SERIES_KEYS,
    KNOWN_TRADE_KEYS,
    MARKET_STATUSES,
)

# The checks a table can have; each is one Dagster asset check named like this.
KEYS = "keys_unique"
VALUES = "values_in_range"
BID_ASK = "bid_not_above_ask"
STATUSES = "statuses_known"
TIMESTAMPS = "timestamps_sane"
CHECK_NAMES = (KEYS, VALUES, BID_ASK, STATUSES, TIMESTAMPS)

CHECK_DESCRIPTIONS: Mapping[str, str] = {
    KEYS: "Every natural-key column is present and no key occurs twice.",
    VALUES: (
        "Prices and probabilities lie within [0, 1]; counts, volumes and amounts are not negative; other "
        "bounded values (volatility, temperatures, a composite's distance from its sources) within their range."
    ),
    BID_ASK: "No bid is above its ask (a crossed quote means a misread price).",
    STATUSES: "Status and enumeration columns hold only the values the platform knows.",
    TIMESTAMPS: "Timestamps lie after Kalshi existed and not (far) after the run's clock.",
}

# Kalshi was founded in 2018; no market, quote or trade can be older.
KALSHI_EPOCH = datetime(2018, 1, 1, tzinfo=UTC)

# Scopes: which rows a check reads.
WHOLE_TABLE = "table"  # state tables (one row per market, series, ...): the whole table
LATEST_BATCH = "latest_batch"  # time series: the rows of the newest batch (what just flowed in)


@dataclass(frozen=True)
class TimeBound:
    """A timestamp column and its sane range: on or after ``earliest`` and at most ``max_ahead`` after
    the run's clock (None: no upper bound)."""

    column: str
    max_ahead: timedelta | None = timedelta(hours=1)
    earliest: datetime = KALSHI_EPOCH

    def bounds(self, now: datetime) -> tuple[datetime, datetime | None]:
        return self.earliest, (now + self.max_ahead) if self.max_ahead is not None else None


# Values that may legitimately lie far in the future: long-dated markets close decades ahead
# (KXELONMARS-99 closes in 2099), so the bound only catches unit mistakes (ms read as s, year 50000).
FAR_FUTURE = timedelta(days=365 * 100)


@dataclass(frozen=True)
class TableRule:
    """The quality rules of one table (asset key = ``table.split('.')``)."""

    table: str
    keys: tuple[str, ...]
    nullable_keys: tuple[str, ...] = ()  # key columns allowed to be null (e.g. an unreadable parlay's leg)
    prices: tuple[str, ...] = ()  # within [0, 1]: prices in dollars and probabilities
    non_negative: tuple[str, ...] = ()  # counts, volumes, amounts
    ranges: Mapping[str, tuple[float | None, float | None]] = field(default_factory=dict)  # column -> [min, max]
    bid_ask: tuple[tuple[str, str], ...] = ()  # (bid column, ask column)
    enums: Mapping[str, frozenset[str]] = field(default_factory=dict)  # column -> known values (null allowed)
    timestamps: tuple[TimeBound, ...] = ()
    scope: str = WHOLE_TABLE
    batch_column: str = "batch_id"  # scope LATEST_BATCH: the newest value of this column
    # Share of rows a check may fail before it fails (0: none), per check name.
    tolerances: Mapping[str, float] = field(default_factory=dict)
    blocking: bool = False  # a failed check stops the run's downstream assets
    freshness: timedelta | None = None  # a time series must have been updated at most this long ago
    # Extra columns computed from the rows read (pure polars), e.g. an order book's best bid and ask.
    derive: Callable[[pl.DataFrame], pl.DataFrame] | None = None
    derived_columns: tuple[str, ...] = ()  # columns ``derive`` adds (not read from the table)
    reads: tuple[str, ...] = ()  # further columns ``derive`` needs
    description: str = ""

    def __post_init__(self) -> None:
        if self.scope not in (WHOLE_TABLE, LATEST_BATCH):
            raise ValueError(f"{self.table}: unknown scope {self.scope!r}")
        if "." not in self.table:
            raise ValueError(f"{self.table}: table must be schema.name")
        unknown = set(self.tolerances) - set(CHECK_NAMES)
        if unknown:
            raise ValueError(f"{self.table}: tolerances for unknown checks {sorted(unknown)}")
        for name, share in self.tolerances.items():
            if not 0 <= share < 1:
                raise ValueError(f"{self.table}: tolerance of {name} must be in [0, 1), got {share}")

    @property
    def asset_key(self) -> tuple[str, ...]:
        return tuple(self.table.split("."))

    def checks(self) -> tuple[str, ...]:
        """The checks this table has (those its rule gives something to verify)."""
        present = {
            KEYS: bool(self.keys),
            VALUES: bool(self.prices or self.non_negative or self.ranges),
            BID_ASK: bool(self.bid_ask),
            STATUSES: bool(self.enums),
            TIMESTAMPS: bool(self.timestamps),
        }
        return tuple(name for name in CHECK_NAMES if present[name])

    def columns(self) -> tuple[str, ...]:
        """Columns to read from the table (derived ones excluded)."""
        wanted = [
            *self.keys,
            *self.prices,
            *self.non_negative,
            *self.ranges,
            *(c for pair in self.bid_ask for c in pair),
            *self.enums,
            *(t.column for t in self.timestamps),
            *self.reads,
        ]
        if self.scope == LATEST_BATCH:
            wanted.append(self.batch_column)
        derived = set(self.derived_columns)
        return tuple(dict.fromkeys(c for c in wanted if c not in derived))

    def mostly(self, check: str) -> float:
        return 1.0 - self.tolerances.get(check, 0.0)


@dataclass(frozen=True)
class DriftSource:
    """A raw table whose ``raw_json`` keeps each record as Kalshi sent it, and the keys its parser reads."""

    table: str
    known_keys: frozenset[str]
    json_column: str = "raw_json"

    @property
    def asset_key(self) -> tuple[str, ...]:
        return tuple(self.table.split("."))


# --- derived columns --------------------------------------------------------------------------------


def orderbook_top(levels: pl.DataFrame) -> pl.DataFrame:
    """Each level with its book's best YES bid and implied YES ask (1 - best NO bid), per batch and ticker.

    Kalshi's book holds bids only (DESIGN.md §6): the YES ask is what a NO bidder would sell YES for.
    A book with no NO bids has no ask (null), which the bid/ask check ignores.
    """
    book = [c for c in ("batch_id", "ticker") if c in levels.columns]
    price = pl.col("price").cast(pl.Float64)
    return levels.with_columns(
        price.filter(pl.col("side") == "yes").max().over(book).alias("best_yes_bid"),
        (1.0 - price.filter(pl.col("side") == "no").max().over(book)).alias("implied_yes_ask"),
    )


# A source of the composite BTC price further than this from the composite means a broken feed (the
# venues quote within a few basis points of each other).
SPOT_SOURCE_TOLERANCE_BPS = 100.0


def spot_source_deviation(composite: pl.DataFrame) -> pl.DataFrame:
    """Each composite price with the largest distance of a source it used from it, in basis points.

    ``source_prices`` lists the prices used as ``"bitstamp=75651,coinbase=75663.72"``; a row without a
    price (no quorum) has no deviation.
    """
    sources = (
        pl.col("source_prices")
        .str.split(",")
        .list.eval(pl.element().str.split("=").list.last().cast(pl.Float64, strict=False))
    )
    price = pl.col("price").cast(pl.Float64)
    farthest = pl.max_horizontal((sources.list.max() - price).abs(), (sources.list.min() - price).abs())
    return composite.with_columns(pl.when(price > 0).then(farthest / price * 10_000).alias("max_source_deviation_bps"))


# --- the registry -----------------------------------------------------------------------------------

_FETCHED = TimeBound("fetched_at", max_ahead=timedelta(minutes=5))
_QUOTES = ("yes_bid", "yes_ask", "no_bid", "no_ask")
_QUOTE_PAIRS = (("yes_bid", "yes_ask"), ("no_bid", "no_ask"))
_CANDLE_PRICES = tuple(
    f"{block}_{stat}"
    for block, stats in (
        ("yes_bid", ("open", "high", "low", "close")),
        ("yes_ask", ("open", "high", "low", "close")),
        ("price", ("open", "high", "low", "close", "mean", "previous", "min", "max")),
    )
    for stat in stats
)

_KALSHI_RULES: tuple[TableRule, ...] = (
    TableRule(
        "raw.kalshi_series",
        keys=("ticker",),
        non_negative=("fee_multiplier", "volume"),
        enums={"fee_type": frozenset({"quadratic", "quadratic_with_maker_fees", "flat"})},
        timestamps=(TimeBound("last_updated_ts"), _FETCHED),
        description="Kalshi series; fee_type drives the fee model, so an unknown one is an error.",
    ),
    TableRule(
        "raw.kalshi_events",
        keys=("event_ticker",),
        timestamps=(TimeBound("strike_date", max_ahead=FAR_FUTURE), TimeBound("last_updated_ts"), _FETCHED),
    ),
    TableRule(
        "raw.kalshi_markets",
        keys=("ticker",),
        prices=(*_QUOTES, "last_price", "previous_yes_bid", "previous_yes_ask", "previous_price", "settlement_value"),
        non_negative=("volume", "volume_24h", "open_interest", "liquidity", "notional_value"),
        bid_ask=_QUOTE_PAIRS,
        enums={"status": MARKET_STATUSES},
        timestamps=(
            TimeBound("created_time"),
            TimeBound("updated_time"),
            TimeBound("open_time", max_ahead=FAR_FUTURE),
            TimeBound("close_time", max_ahead=FAR_FUTURE),
            TimeBound("expected_expiration_time", max_ahead=FAR_FUTURE),
            TimeBound("settlement_ts"),
            _FETCHED,
        ),
    ),
    TableRule(
        "raw.kalshi_market_snapshots",
        keys=("batch_id", "ticker"),
        prices=(*_QUOTES, "last_price", "previous_price"),
        non_negative=("volume", "volume_24h", "open_interest", "liquidity"),
        bid_ask=_QUOTE_PAIRS,
        enums={"status": MARKET_STATUSES},
        timestamps=(TimeBound("updated_time"), _FETCHED),
        scope=LATEST_BATCH,
        blocking=True,  # quotes feed core.quotes_latest, edges and orders
        freshness=timedelta(minutes=15),
        description="The quote poll: every edge and order is priced from it.",
    ),
    TableRule(
        "raw.kalshi_orderbooks",
        keys=("batch_id", "ticker", "side", "price"),
        prices=("price",),
        non_negative=("count",),
        bid_ask=(("best_yes_bid", "implied_yes_ask"),),
        enums={
            "side": frozenset({"yes", "no"}),
            "format": frozenset({"orderbook_fp", "orderbook_dollars", "orderbook_cents"}),
        },
        timestamps=(_FETCHED,),
        scope=LATEST_BATCH,
        freshness=timedelta(minutes=15),
        derive=orderbook_top,
        derived_columns=("best_yes_bid", "implied_yes_ask"),
    ),
    TableRule(
        "raw.kalshi_trades",
        keys=("trade_id",),
        prices=("yes_price", "no_price"),
        non_negative=("count",),
        enums={
            "taker_side": frozenset({"yes", "no"}),
            "taker_outcome_side": frozenset({"yes", "no"}),
            "taker_book_side": frozenset({"bid", "ask"}),
        },
        timestamps=(TimeBound("created_time"), _FETCHED),
        scope=LATEST_BATCH,
        freshness=timedelta(hours=1),
    ),
    TableRule(
        "raw.kalshi_candlesticks",
        keys=("ticker", "period_interval", "end_period_ts"),
        prices=_CANDLE_PRICES,
        non_negative=("volume", "open_interest"),
        enums={"source_tier": frozenset({"live", "historical"})},
        # A candle's end is at most one period (a day at most) after the clock.
        timestamps=(TimeBound("end_period_ts", max_ahead=timedelta(days=1)), _FETCHED),
        scope=LATEST_BATCH,
    ),
    TableRule(
        "raw.rejects",
        keys=("batch_id", "reject_id"),
        timestamps=(_FETCHED,),
    ),
    TableRule(
        "core.instruments",
        keys=("ticker",),
        enums={
            "status": MARKET_STATUSES,
            "category": frozenset(CATEGORIES),
            "parsed_from": frozenset({"api", "ticker", "both"}),
        },
        timestamps=(
            TimeBound("close_time", max_ahead=FAR_FUTURE),
            TimeBound("expected_expiration_time", max_ahead=FAR_FUTURE),
            TimeBound("first_seen", max_ahead=timedelta(minutes=5)),
            TimeBound("last_updated", max_ahead=timedelta(minutes=5)),
        ),
    ),
    TableRule(
        "core.market_relationships",
        keys=("group_kind", "group_key", "ticker"),
        enums={"group_kind": frozenset({"event", "game"})},
    ),
    TableRule(
        "core.exclusive_sets",
        keys=("set_key",),
        non_negative=("sum_yes_bid", "sum_yes_ask", "n_markets", "n_quoted"),
        enums={"set_kind": frozenset({"winner_list", "bracket_ladder", "moneyline"})},
    ),
    TableRule(
        "core.parlay_legs",
        keys=("parlay_ticker", "leg_index"),
        nullable_keys=("leg_index",),
        enums={"side": frozenset({"yes", "no"})},
    ),
)

# --- the other domains' tables (as their migrations 0006-0012 create them) -------------------------

_PROBABILITIES = ("model_prob", "confidence")
_DIRECTIONS = {"direction": frozenset({"buy_yes", "buy_no"})}
_SIGNAL_TIMES = (TimeBound("as_of", max_ahead=timedelta(minutes=5)), TimeBound("expiry", max_ahead=FAR_FUTURE))

_DOMAIN_RULES: tuple[TableRule, ...] = (
    TableRule(
        "core.quotes_latest",
        keys=("ticker",),
        prices=(*_QUOTES, "last_price"),
        non_negative=("volume_24h", "open_interest", "liquidity"),
        bid_ask=_QUOTE_PAIRS,
        enums={"status": MARKET_STATUSES},
        timestamps=(TimeBound("updated_time"), TimeBound("quoted_at", max_ahead=timedelta(minutes=5))),
        blocking=True,  # every edge is priced from it
        freshness=timedelta(minutes=15),
        description="Each market's newest quote: the prices every edge and order uses.",
    ),
    TableRule(
        "raw.spot_ticks",
        keys=("source", "channel", "tick_ts"),
        non_negative=("price", "bid", "ask"),
        bid_ask=(("bid", "ask"),),
        enums={"status": frozenset({"ok", "outage", "unreadable"}), "ts_from": frozenset({"exchange", "received"})},
        timestamps=(TimeBound("tick_ts", max_ahead=timedelta(minutes=5)), _FETCHED),
        scope=LATEST_BATCH,
        freshness=timedelta(minutes=15),
    ),
    TableRule(
        "core.spot_prices",
        keys=("ts",),
        non_negative=("price", "n_sources"),
        ranges={"max_source_deviation_bps": (0, SPOT_SOURCE_TOLERANCE_BPS)},
        timestamps=(TimeBound("ts", max_ahead=timedelta(minutes=5)), TimeBound("computed_at", max_ahead=timedelta(minutes=5))),
        scope=LATEST_BATCH,
        blocking=True,  # the BTC model's spot
        freshness=timedelta(minutes=15),
        derive=spot_source_deviation,
        derived_columns=("max_source_deviation_bps",),
        reads=("source_prices",),
        description="Composite BTC spot: every source it used within SPOT_SOURCE_TOLERANCE_BPS of it.",
    ),
    TableRule(
        "core.sigma_history",
        keys=("as_of",),
        ranges={"sigma": (1e-6, 10.0)},  # annualized; the model refuses 0 and absurd values
        enums={"sigma_source": frozenset({"ewma", "last_good", "default", "unavailable"})},
        timestamps=(TimeBound("as_of", max_ahead=timedelta(minutes=5)),),
        blocking=True,
    ),
    TableRule(
        "core.contracts",
        keys=("ticker",),
        enums={
            "status": MARKET_STATUSES,
            "strike_type": frozenset({"greater", "greater_or_equal", "less", "less_or_equal", "between",
                                      "functional", "custom", "structured"}),
        },
        timestamps=(TimeBound("open_time", max_ahead=FAR_FUTURE), TimeBound("expiry", max_ahead=FAR_FUTURE)),
        blocking=True,  # the bounds the BTC model prices
    ),
    TableRule(
        "signals.btc_edges",
        keys=("as_of", "ticker"),
        prices=(*_PROBABILITIES, "yes_ask", "no_ask"),
        non_negative=("yes_fee", "no_fee"),
        enums=_DIRECTIONS,
        timestamps=_SIGNAL_TIMES,
        scope=LATEST_BATCH,
        batch_column="as_of",
        blocking=True,  # in front of paper orders
    ),
    TableRule(
        "signals.btc15m_signals",
        keys=("as_of", "ticker"),
        prices=(*_PROBABILITIES, "yes_ask", "no_ask"),
        non_negative=("yes_fee", "no_fee"),
        enums=_DIRECTIONS,
        timestamps=_SIGNAL_TIMES,
        scope=LATEST_BATCH,
        batch_column="as_of",
        blocking=True,
    ),
    TableRule(
        "signals.weather_signals",
        keys=("as_of", "ticker"),
        prices=(*_PROBABILITIES, "yes_bid", "yes_ask", "no_ask", "market_prob"),
        non_negative=("yes_fee", "no_fee", "n_members"),
        enums=_DIRECTIONS,
        timestamps=_SIGNAL_TIMES,
        scope=LATEST_BATCH,
        batch_column="as_of",
        blocking=True,
    ),
    TableRule(
        "signals.nba_prop_lines",
        keys=("as_of", "game_id", "player_lookup", "stat"),
        prices=(*_PROBABILITIES, "yes_ask", "no_ask", "consensus_over_prob", "kalshi_yes_price", "kalshi_no_price"),
        enums={**_DIRECTIONS, "match_status": frozenset({"matched", "kalshi_only", "sportsbook_only"})},
        timestamps=_SIGNAL_TIMES,
        scope=LATEST_BATCH,
        batch_column="as_of",
        blocking=True,
    ),
    TableRule(
        "signals.signals",
        keys=("signal_id",),
        prices=(*_PROBABILITIES, "market_prob", "market_price", "yes_ask", "no_ask"),
        enums={**_DIRECTIONS, "signal_type": frozenset({"btc_edge", "btc15m", "weather", "nba_prop"})},
        timestamps=_SIGNAL_TIMES,
        scope=LATEST_BATCH,
        blocking=True,  # what the paper-trading engine orders from
    ),
    TableRule(
        "signals.calibration",
        keys=("model", "method", "horizon"),
        prices=("base_rate", "mean_model_prob", "brier_model", "brier_market"),
        non_negative=("n", "log_loss_model", "log_loss_market"),
    ),
    TableRule(
        "trading.paper_orders",
        keys=("order_id",),
        prices=("ask", "limit_price", "avg_price", "model_prob", "confidence"),
        non_negative=("count", "notional", "fee_estimate", "filled_count", "fees_paid"),
        enums={
            "status": frozenset({"simulated", "resting", "executed", "canceled", "pending", "failed", "rejected", "blocked"}),
            "mode": frozenset({"simulate", "kalshi_demo", "kalshi_live"}),
            "side": frozenset({"yes", "no"}),
            **_DIRECTIONS,
        },
        timestamps=(TimeBound("cycle_at", max_ahead=timedelta(minutes=5)), TimeBound("created_at", max_ahead=timedelta(minutes=5))),
    ),
    TableRule(
        "trading.alert_events",
        keys=("alert_id",),
        enums={
            "status": frozenset({"sent", "failed", "skipped"}),
            "alert_type": frozenset({"signals", "executions", "props_arbitrage", "run_failure"}),
        },
        timestamps=(TimeBound("created_at", max_ahead=timedelta(minutes=5)),),
    ),
    TableRule(
        "raw.weather_ensembles",
        keys=("as_of", "city", "requested_model", "target_date", "member"),
        ranges={"temperature_2m_max": (-80.0, 140.0)},  # °F: beyond any recorded daily high
        enums={"source": frozenset({"ensemble", "deterministic_fallback"})},
        timestamps=(TimeBound("as_of", max_ahead=timedelta(minutes=5)), _FETCHED),
        scope=LATEST_BATCH,
        freshness=timedelta(hours=2),
    ),
    TableRule(
        "raw.sportsbook_props",
        keys=("event_id", "bookmaker", "market", "player_name", "side", "point"),
        prices=("implied_prob",),
        enums={"side": frozenset({"Over", "Under"})},
        timestamps=(TimeBound("commence_time", max_ahead=timedelta(days=30)), _FETCHED),
        scope=LATEST_BATCH,
    ),
    TableRule(
        "raw.kalshi_ws_messages",
        keys=("connection_id", "frame_no"),
        timestamps=(TimeBound("received_at", max_ahead=timedelta(minutes=5)), TimeBound("exchange_ts")),
        scope=LATEST_BATCH,
        batch_column="capture_id",
    ),
    TableRule(
        "core.orderbook_top",
        keys=("ticker", "ts"),
        prices=_QUOTES,
        non_negative=("yes_bid_size", "no_bid_size", "yes_depth", "no_depth"),
        bid_ask=(("yes_bid", "yes_ask"), ("no_bid", "no_ask")),
        timestamps=(TimeBound("ts", max_ahead=timedelta(minutes=5)), TimeBound("exchange_ts")),
        scope=LATEST_BATCH,
        batch_column="capture_id",
    ),
    TableRule(
        "raw.kalshi_ws_rest_books",
        keys=("capture_id", "ticker"),
        timestamps=(TimeBound("requested_at", max_ahead=timedelta(minutes=5)), TimeBound("received_at", max_ahead=timedelta(minutes=5))),
        scope=LATEST_BATCH,
        batch_column="capture_id",
    ),
    TableRule(
        "core.weather_stations",
        keys=("city",),
        ranges={"latitude": (-90.0, 90.0), "longitude": (-180.0, 180.0)},
    ),
    TableRule(
        "raw.portfolio_balances",
        keys=("user_name", "fetched_at"),
        timestamps=(_FETCHED,),
    ),
    TableRule(
        "raw.portfolio_positions",
        keys=("user_name", "ticker"),
        non_negative=("fees_paid", "total_traded"),
        timestamps=(_FETCHED,),
    ),
    TableRule(
        "raw.portfolio_fills",
        keys=("user_name", "fill_id"),
        prices=("yes_price", "no_price"),
        non_negative=("count", "fee_cost"),
        enums={"side": frozenset({"yes", "no"}), "action": frozenset({"buy", "sell"})},
        timestamps=(TimeBound("created_time"), _FETCHED),
    ),
    TableRule(
        "raw.portfolio_settlements",
        keys=("user_name", "ticker", "settled_time"),
        non_negative=("yes_count", "no_count", "fee_cost"),
        timestamps=(TimeBound("settled_time"), _FETCHED),
    ),
)

REGISTRY: tuple[TableRule, ...] = _KALSHI_RULES + _DOMAIN_RULES

DRIFT_SOURCES: tuple[DriftSource, ...] = (
    DriftSource("raw.kalshi_series", KNOWN_SERIES_KEYS),
    DriftSource("raw.kalshi_events", KNOWN_EVENT_KEYS),
    DriftSource("raw.kalshi_markets", KNOWN_MARKET_KEYS),
    DriftSource("raw.kalshi_trades", KNOWN_TRADE_KEYS),
    DriftSource("raw.kalshi_candlesticks", KNOWN_CANDLE_KEYS),
)


def rule_for(table: str, registry: tuple[TableRule, ...] = REGISTRY) -> TableRule:
    for rule in registry:
        if rule.table == table:
            return rule
    raise KeyError(f"no quality rule for {table}")


def _check_unique(registry: tuple[TableRule, ...]) -> None:
    seen = [r.table for r in registry]
    duplicated = {t for t in seen if seen.count(t) > 1}
    if duplicated:
        raise ValueError(f"quality registry: tables listed twice: {sorted(duplicated)}")


_check_unique(REGISTRY)
