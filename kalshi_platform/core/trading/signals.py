"""The signals contract, and the union of every signal table into one stream (signals.signals).

Each signal table keeps its history (its natural key includes ``as_of``) and carries at least the
contract columns below. A signal's id is its type and its source row's natural key, as readable text
(``btc_edge|KXBTCD-26NOV2017-T95000|2026-11-20T15:30:00Z``), so the same source row always maps to the
same signal and re-reading a source never duplicates one.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from kalshi_platform.core.money import DECIMAL_DTYPE

TS = pl.Datetime("us", "UTC")

CONTRACT_COLUMNS: dict[str, pl.DataType] = {
    "as_of": TS,
    "ticker": pl.String(),
    "model_prob": pl.Float64(),
    "yes_ask": DECIMAL_DTYPE,
    "no_ask": DECIMAL_DTYPE,
    "direction": pl.String(),
    "edge_bps": pl.Float64(),
    "confidence": pl.Float64(),
    "expiry": TS,
    "skip_reason": pl.String(),
}

SIGNALS_SCHEMA: dict[str, pl.DataType] = {
    "signal_id": pl.String(),
    "signal_type": pl.String(),
    "model": pl.String(),
    "source_table": pl.String(),
    "source_key": pl.String(),
    "as_of": TS,
    "ticker": pl.String(),
    "direction": pl.String(),
    "model_prob": pl.Float64(),
    "market_prob": pl.Float64(),
    "market_price": DECIMAL_DTYPE,
    "yes_ask": DECIMAL_DTYPE,
    "no_ask": DECIMAL_DTYPE,
    "edge_bps": pl.Float64(),
    "confidence": pl.Float64(),
    "expiry": TS,
    "horizon_hours": pl.Float64(),
    "actionable": pl.Boolean(),
    "skip_reason": pl.String(),
}
SIGNALS_KEY = ["signal_id"]
KEY_SEPARATOR = "|"


@dataclass(frozen=True)
class SignalSource:
    """One signal table: its type in signals.signals, the model behind it and its natural key."""

    table: str
    signal_type: str
    model: str
    key_columns: tuple[str, ...]
    title: str

    @property
    def asset_key(self) -> list[str]:
        return self.table.split(".")


class ContractError(ValueError):
    """A signal table without the contract's columns."""


def missing_contract_columns(columns: list[str] | tuple[str, ...], source: SignalSource) -> list[str]:
    wanted = [*CONTRACT_COLUMNS, *source.key_columns]
    return [c for c in dict.fromkeys(wanted) if c not in columns]


def _text(expr: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    if isinstance(dtype, pl.Datetime):
        # One fixed rendering of instants, whatever the source's time unit.
        return expr.cast(TS).dt.strftime("%Y-%m-%dT%H:%M:%S%.fZ")
    return expr.cast(pl.String)


def to_signals(frame: pl.DataFrame, source: SignalSource) -> pl.DataFrame:
    """Rows of a signal table -> signals.signals rows (ids, market price, horizon, actionable)."""
    missing = missing_contract_columns(frame.columns, source)
    if missing:
        raise ContractError(f"{source.table} lacks the signals contract column(s) {missing}")
    keys = [_text(pl.col(c), frame.schema[c]).fill_null("") for c in source.key_columns]
    typed = frame.with_columns(pl.col(c).cast(t) for c, t in CONTRACT_COLUMNS.items())
    source_key = pl.concat_str(keys, separator=KEY_SEPARATOR)
    yes_ask, no_ask = pl.col("yes_ask"), pl.col("no_ask")
    one = pl.lit(1, dtype=DECIMAL_DTYPE)
    # Market-implied probability of YES: the mid of YES bid (= 1 - NO ask) and YES ask, else one side.
    yes_bid = one - no_ask
    mid = pl.when(yes_ask.is_not_null() & no_ask.is_not_null()).then(
        (yes_ask.cast(pl.Float64) + yes_bid.cast(pl.Float64)) / 2
    ).otherwise(pl.coalesce(yes_ask.cast(pl.Float64), yes_bid.cast(pl.Float64)))
    price = pl.when(pl.col("direction") == "buy_yes").then(yes_ask).when(pl.col("direction") == "buy_no").then(no_ask)
    horizon = (pl.col("expiry") - pl.col("as_of")).dt.total_microseconds().cast(pl.Float64) / 3.6e9
    actionable = (
        pl.col("ticker").is_not_null()
        & pl.col("direction").is_in(["buy_yes", "buy_no"]).fill_null(False)
        & pl.col("skip_reason").is_null()
        & (pl.col("edge_bps") > 0).fill_null(False)
    )
    out = typed.select(
        pl.concat_str([pl.lit(source.signal_type), source_key], separator=KEY_SEPARATOR).alias("signal_id"),
        pl.lit(source.signal_type).alias("signal_type"),
        pl.lit(source.model).alias("model"),
        pl.lit(source.table).alias("source_table"),
        source_key.alias("source_key"),
        pl.col("as_of"),
        pl.col("ticker"),
        pl.col("direction"),
        pl.col("model_prob"),
        mid.clip(0.0, 1.0).alias("market_prob"),
        price.cast(DECIMAL_DTYPE).alias("market_price"),
        yes_ask,
        no_ask,
        pl.col("edge_bps"),
        pl.col("confidence"),
        pl.col("expiry"),
        horizon.alias("horizon_hours"),
        actionable.alias("actionable"),
        pl.col("skip_reason"),
    )
    return out.select(pl.col(c).cast(t) for c, t in SIGNALS_SCHEMA.items())


def empty_signals() -> pl.DataFrame:
    return pl.DataFrame(schema=SIGNALS_SCHEMA)


# The signal tables of the platform and their natural keys (migrations 0006-0008).
SOURCES: tuple[SignalSource, ...] = (
    SignalSource("signals.btc_edges", "btc_edge", "btc_gbm", ("as_of", "ticker"), "BTC price ranges and thresholds (GBM)"),
    SignalSource("signals.btc15m_signals", "btc15m", "btc_15m", ("as_of", "ticker"), "BTC 15-minute up/down"),
    SignalSource("signals.weather_signals", "weather", "weather_ensemble", ("as_of", "ticker"),
                 "NYC daily high (ensemble)"),
    SignalSource("signals.nba_prop_lines", "nba_prop", "nba_props", ("as_of", "game_id", "player_lookup", "stat"),
                 "NBA player props"),
)
SOURCE_BY_TYPE = {s.signal_type: s for s in SOURCES}
