"""From ensemble members to bracket probabilities and edges (pure; polars over all brackets at once).

model_prob of a bracket = the share of members whose high, rounded to a whole degree the way the
climate report rounds it (halves up), falls in the bracket. Brackets of a day that split the whole
degrees exactly once (``brackets.ladder_problem``) then sum to 1 by construction: every member lands
in exactly one of them.

Optional bias correction: once settled days exist, each (city, model)'s mean error over recent
settled days (forecast mean minus the reported high) is subtracted from that model's members.

Confidence (0..1) grows with the number of members and falls with their spread:
``(1 - 1/sqrt(n)) / (1 + (sd / 6°F)^2)``; one deterministic value scores 0, an 82-member ensemble
with a 2°F spread about 0.8.

Edges are per contract after the exact taker fee (``core.fees``): buying YES at the ask earns
``p - yes_ask - fee(yes_ask)``, buying NO ``(1 - p) - no_ask - fee(no_ask)``; in basis points of $1.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date
from decimal import Decimal

import polars as pl

from kalshi_platform.core.fees import fee_expr
from kalshi_platform.core.money import DECIMAL_DTYPE

SPREAD_SCALE_F = 6.0
MEMBER_KEYS = ("city", "target_date")
SKIP_NO_FORECAST = "no forecast for the target date"
SKIP_NO_QUOTE = "no quote"
SKIP_NOT_OPEN = "market not open"


def climate_round(value: pl.Expr) -> pl.Expr:
    """A high in °F to the whole degree the climate report prints: halves round up (72.5 -> 73)."""
    return (value + 0.5).floor().cast(pl.Int64)


def climate_round_value(value: float) -> int:
    return int(math.floor(value + 0.5))


def confidence_expr(n_members: pl.Expr, spread_f: pl.Expr) -> pl.Expr:
    n = n_members.cast(pl.Float64)
    count = pl.when(n > 0).then(1.0 - 1.0 / n.sqrt()).otherwise(0.0)
    spread = 1.0 / (1.0 + (spread_f.fill_null(0.0) / SPREAD_SCALE_F) ** 2)
    return (count * spread).clip(0.0, 1.0)


# -- bias ------------------------------------------------------------------------------------------
def forecast_bias(
    forecasts: pl.DataFrame,
    settled: pl.DataFrame,
    *,
    before: date,
    lookback_days: int = 30,
    min_days: int = 5,
) -> pl.DataFrame:
    """Mean forecast error per (city, model) over settled days in [before - lookback, before).

    ``forecasts``: city, model, target_date, forecast_mean_f (one row per city/model/day: the forecast
    issued before that climate day began). ``settled``: city, target_date, settled_high_f.
    Returns city, model, bias_f, bias_days for pairs with at least ``min_days`` days (else none).
    """
    schema = {"city": pl.String, "model": pl.String, "bias_f": pl.Float64, "bias_days": pl.Int64}
    if forecasts.is_empty() or settled.is_empty():
        return pl.DataFrame(schema=schema)
    start = pl.lit(before) - pl.duration(days=lookback_days)
    joined = forecasts.join(settled, on=["city", "target_date"], how="inner").filter(
        (pl.col("target_date") < pl.lit(before)) & (pl.col("target_date") >= start)
    )
    out = (
        joined.group_by("city", "model")
        .agg(
            (pl.col("forecast_mean_f") - pl.col("settled_high_f").cast(pl.Float64)).mean().alias("bias_f"),
            pl.len().cast(pl.Int64).alias("bias_days"),
        )
        .filter(pl.col("bias_days") >= min_days)
    )
    return out.select(schema.keys()).cast(schema).sort("city", "model")


def apply_bias(members: pl.DataFrame, biases: pl.DataFrame | None) -> pl.DataFrame:
    """members + value_f corrected by its (city, model) bias; keeps raw_value_f and bias_f (0 if none)."""
    if biases is None or biases.is_empty():
        return members.with_columns(
            pl.col("value_f").alias("raw_value_f"), pl.lit(0.0).alias("bias_f"), pl.lit(0, pl.Int64).alias("bias_days")
        )
    return (
        members.join(biases, on=["city", "model"], how="left")
        .with_columns(
            pl.col("value_f").alias("raw_value_f"),
            pl.col("bias_f").fill_null(0.0),
            pl.col("bias_days").fill_null(0),
        )
        .with_columns((pl.col("raw_value_f") - pl.col("bias_f")).alias("value_f"))
    )


# -- members -> brackets ---------------------------------------------------------------------------
def member_summary(members: pl.DataFrame, keys: Sequence[str] = MEMBER_KEYS) -> pl.DataFrame:
    """Per key: member counts (all, ensemble, deterministic fallback), mean, spread (sd) and range."""
    keys = list(keys)
    if "bias_f" not in members.columns:
        members = members.with_columns(pl.lit(0.0).alias("bias_f"))
    return members.group_by(keys).agg(
        pl.len().cast(pl.Int64).alias("n_members"),
        (pl.col("source") == "ensemble").sum().cast(pl.Int64).alias("n_ensemble_members"),
        (pl.col("source") != "ensemble").sum().cast(pl.Int64).alias("n_fallback_members"),
        pl.col("model").unique().sort().str.join(",").alias("models"),
        pl.col("value_f").mean().alias("mean_high_f"),
        pl.col("value_f").std(ddof=0).alias("spread_f"),
        pl.col("value_f").min().alias("min_high_f"),
        pl.col("value_f").max().alias("max_high_f"),
        pl.col("bias_f").abs().max().fill_null(0.0).alias("max_abs_bias_f"),
    )


def bracket_probabilities(
    members: pl.DataFrame, brackets: pl.DataFrame, keys: Sequence[str] = MEMBER_KEYS
) -> pl.DataFrame:
    """brackets (keys, ticker, lo, hi, ...) + n_members, n_in_bracket, model_prob and the member summary.

    ``lo`` / ``hi`` are whole degrees, null for an open end. Brackets with no members for their key
    get null counts and probability.
    """
    keys = list(keys)
    rounded = members.select(*keys, climate_round(pl.col("value_f")).alias("degrees"))
    # Count members per whole degree first: a few dozen degrees per day instead of every member.
    per_degree = rounded.group_by(*keys, "degrees").agg(pl.len().cast(pl.Int64).alias("n"))
    hits = (
        brackets.select(*keys, "ticker", "lo", "hi")
        .join(per_degree, on=keys, how="inner")
        .filter(
            (pl.col("lo").is_null() | (pl.col("degrees") >= pl.col("lo")))
            & (pl.col("hi").is_null() | (pl.col("degrees") <= pl.col("hi")))
        )
        .group_by(*keys, "ticker")
        .agg(pl.col("n").sum().alias("n_in_bracket"))
    )
    summary = member_summary(members, keys)
    return (
        brackets.join(summary, on=keys, how="left")
        .join(hits, on=[*keys, "ticker"], how="left")
        .with_columns(
            pl.when(pl.col("n_members").is_not_null()).then(pl.col("n_in_bracket").fill_null(0)).alias("n_in_bracket")
        )
        .with_columns(
            (pl.col("n_in_bracket").cast(pl.Float64) / pl.col("n_members").cast(pl.Float64)).alias("model_prob"),
            confidence_expr(pl.col("n_members"), pl.col("spread_f")).alias("confidence"),
        )
    )


# -- edges -----------------------------------------------------------------------------------------
def _to_float(expr: pl.Expr) -> pl.Expr:
    return expr.cast(pl.Float64)


def edges(
    frame: pl.DataFrame,
    *,
    min_edge_bps: float,
    min_confidence: float,
    contracts: Decimal | int = 1,
    event_key: str = "event_ticker",
) -> pl.DataFrame:
    """Market probability, fair mid, per-side edges after fees and the suggested direction.

    ``frame`` needs: model_prob, confidence, yes_bid, yes_ask, no_ask (DECIMAL), fee_type,
    fee_multiplier, skip_reason (null = price it) and ``event_key``. Adds market_prob (the mid),
    fair_mid (the mid over the sum of the event's mids), yes_fee, no_fee (DECIMAL, per contract),
    yes_edge_bps, no_edge_bps, direction, edge_bps and note.
    """
    c = Decimal(contracts)
    if c <= 0:
        raise ValueError("contracts must be > 0")
    per_contract = pl.lit(c, dtype=DECIMAL_DTYPE)

    def fee(price: str) -> pl.Expr:
        total = fee_expr(pl.col(price), contracts=c, fee_type=pl.col("fee_type"),
                         multiplier=pl.col("fee_multiplier"))
        return (total / per_contract).cast(DECIMAL_DTYPE)

    # A side is buyable when its ask is a real offer: above 0 and below $1.
    yes_ok = pl.col("yes_ask").is_not_null() & (pl.col("yes_ask") > 0) & (pl.col("yes_ask") < 1)
    no_ok = pl.col("no_ask").is_not_null() & (pl.col("no_ask") > 0) & (pl.col("no_ask") < 1)
    mid = pl.when(pl.col("yes_bid").is_not_null() & yes_ok).then(
        (_to_float(pl.col("yes_bid")) + _to_float(pl.col("yes_ask"))) / 2.0
    )
    p = pl.col("model_prob")
    out = frame.with_columns(
        mid.alias("market_prob"),
        pl.when(yes_ok).then(fee("yes_ask")).alias("yes_fee"),
        pl.when(no_ok).then(fee("no_ask")).alias("no_fee"),
    ).with_columns(
        pl.when(pl.col("market_prob").is_not_null().all().over(event_key))
        .then(pl.col("market_prob") / pl.col("market_prob").sum().over(event_key))
        .alias("fair_mid"),
        ((p - _to_float(pl.col("yes_ask")) - _to_float(pl.col("yes_fee"))) * 10_000).alias("yes_edge_bps"),
        ((1.0 - p - _to_float(pl.col("no_ask")) - _to_float(pl.col("no_fee"))) * 10_000).alias("no_edge_bps"),
    )
    evaluated = pl.col("skip_reason").is_null() & pl.col("model_prob").is_not_null()
    confident = pl.col("confidence") >= min_confidence
    yes_best = pl.col("yes_edge_bps").fill_null(-1e18) >= pl.col("no_edge_bps").fill_null(-1e18)
    best = pl.when(yes_best).then(pl.col("yes_edge_bps")).otherwise(pl.col("no_edge_bps"))
    trade = evaluated & confident & best.is_not_null() & (best >= min_edge_bps)
    return out.with_columns(
        pl.when(trade).then(pl.when(yes_best).then(pl.lit("buy_yes")).otherwise(pl.lit("buy_no"))).alias("direction"),
        pl.when(trade).then(best).alias("edge_bps"),
        pl.when(~evaluated).then(pl.lit(None, pl.String))
        .when(~confident)
        .then(pl.format("confidence {} below {}", pl.col("confidence").round(3), pl.lit(min_confidence)))
        .when(best.is_null()).then(pl.lit("no side has an offer"))
        .when(~trade).then(pl.format("best edge {} bps below {} bps", best.round(1), pl.lit(min_edge_bps)))
        .alias("note"),
    )


def weather_signals(
    members: pl.DataFrame,
    markets: pl.DataFrame,
    *,
    biases: pl.DataFrame | None = None,
    min_edge_bps: float = 100.0,
    min_confidence: float = 0.5,
    contracts: Decimal | int = 1,
) -> pl.DataFrame:
    """The whole model in one call, from plain frames (a backtest can feed it history).

    ``members``: city, target_date, model, source, member, value_f (°F, as forecast).
    ``markets``: one row per bracket market with city, target_date, ticker, event_ticker, lo, hi,
    bracket_problem (null = readable), yes_bid, yes_ask, no_ask (DECIMAL), fee_type, fee_multiplier.
    ``biases``: city, model, bias_f, bias_days (``forecast_bias``), optional.
    Returns the markets with member counts, model_prob, confidence, market_prob, fair_mid, fees,
    per-side edges, direction, edge_bps, skip_reason and note.
    """
    corrected = apply_bias(members, biases)
    priced = bracket_probabilities(corrected, markets)
    no_quote = pl.col("yes_ask").is_null() & pl.col("no_ask").is_null()
    priced = priced.with_columns(
        pl.coalesce(
            pl.col("bracket_problem"),
            pl.when(pl.col("n_members").is_null()).then(pl.lit(SKIP_NO_FORECAST)),
            pl.when(no_quote).then(pl.lit(SKIP_NO_QUOTE)),
        ).alias("skip_reason")
    )
    # An unpriceable market shows no probability rather than one computed for bounds we cannot trust.
    priced = priced.with_columns(
        pl.when(pl.col("bracket_problem").is_null()).then(pl.col("model_prob")).alias("model_prob")
    )
    return edges(priced, min_edge_bps=min_edge_bps, min_confidence=min_confidence, contracts=contracts)
