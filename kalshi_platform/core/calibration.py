"""Calibration of probability forecasts against settled outcomes, next to the market's own forecast.

For forecasts p of binary outcomes y (1 = YES):

    Brier    = mean((p - y)^2)                                   0 is perfect; always 0.5 scores 0.25
    log loss = -mean(y ln p + (1 - y) ln(1 - p)), p clipped to [1e-6, 1 - 1e-6] so one overconfident
               miss is large but finite
    skill    = 1 - Brier(model) / Brier(market), on the forecasts that have a market price:
               > 0 means the model beat the market-implied probability (the quote's mid)

Forecasts are grouped by model and by horizon (time from forecast to the market's close; a hindcast,
made after the close, is in its own "after close" bucket). A market
forecast every few minutes would otherwise count hundreds of times, so each market contributes its
latest forecast per horizon bucket. Reliability bins split [0, 1] into equal-width bins of the
model's probability: a calibrated model's observed YES rate in each bin is close to its mean forecast.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import polars as pl

EPS = 1e-6
ALL_HORIZONS = "all"
# (upper bound in hours, label), in order; the last bucket is open-ended.
HORIZON_BUCKETS: tuple[tuple[float, str], ...] = (
    (5 / 60, "<5m"),
    (0.25, "5-15m"),
    (1.0, "15m-1h"),
    (6.0, "1-6h"),
    (24.0, "6-24h"),
    (72.0, "1-3d"),
    (168.0, "3-7d"),
    (math.inf, ">7d"),
)
# A forecast made after the close (a hindcast: the model run on inputs issued after the fact).
AFTER_CLOSE = "after close"
HORIZON_ORDER = (
    {AFTER_CLOSE: -1} | {label: n for n, (_, label) in enumerate(HORIZON_BUCKETS)} | {ALL_HORIZONS: len(HORIZON_BUCKETS)}
)

FORECAST_COLUMNS: dict[str, pl.DataType] = {
    "model": pl.String(),
    "ticker": pl.String(),
    "as_of": pl.Datetime("us", "UTC"),
    "horizon_hours": pl.Float64(),
    "model_prob": pl.Float64(),
    "market_prob": pl.Float64(),
    "outcome": pl.Int8(),
}

SUMMARY_SCHEMA: dict[str, pl.DataType] = {
    "model": pl.String(),
    "horizon": pl.String(),
    "horizon_order": pl.Int64(),
    "n": pl.Int64(),
    "markets": pl.Int64(),
    "base_rate": pl.Float64(),
    "mean_model_prob": pl.Float64(),
    "brier_model": pl.Float64(),
    "log_loss_model": pl.Float64(),
    "n_market": pl.Int64(),
    "brier_market": pl.Float64(),
    "log_loss_market": pl.Float64(),
    "brier_model_paired": pl.Float64(),
    "brier_skill": pl.Float64(),
}
BINS_SCHEMA: dict[str, pl.DataType] = {
    "model": pl.String(),
    "bin": pl.Int64(),
    "bin_low": pl.Float64(),
    "bin_high": pl.Float64(),
    "n": pl.Int64(),
    "mean_prob": pl.Float64(),
    "observed_rate": pl.Float64(),
}


def brier_score(probs: Sequence[float], outcomes: Sequence[int]) -> float:
    if len(probs) != len(outcomes) or not probs:
        raise ValueError("brier_score needs equally many probabilities and outcomes, at least one")
    return sum((p - y) ** 2 for p, y in zip(probs, outcomes, strict=True)) / len(probs)


def log_loss(probs: Sequence[float], outcomes: Sequence[int]) -> float:
    if len(probs) != len(outcomes) or not probs:
        raise ValueError("log_loss needs equally many probabilities and outcomes, at least one")
    total = 0.0
    for p, y in zip(probs, outcomes, strict=True):
        q = min(max(p, EPS), 1 - EPS)
        total -= y * math.log(q) + (1 - y) * math.log(1 - q)
    return total / len(probs)


def horizon_bucket(hours: pl.Expr) -> pl.Expr:
    expr = pl.lit(HORIZON_BUCKETS[-1][1])
    for upper, label in reversed(HORIZON_BUCKETS[:-1]):
        expr = pl.when(hours < upper).then(pl.lit(label)).otherwise(expr)
    return pl.when(hours.is_null()).then(None).when(hours < 0).then(pl.lit(AFTER_CLOSE)).otherwise(expr)


def _brier(p: pl.Expr, y: pl.Expr) -> pl.Expr:
    return ((p - y) ** 2).mean()


def _log_loss(p: pl.Expr, y: pl.Expr) -> pl.Expr:
    q = p.clip(EPS, 1 - EPS)
    return -(y * q.log() + (1 - y) * (1 - q).log()).mean()


def forecasts(frame: pl.DataFrame) -> pl.DataFrame:
    """Usable forecasts, one per (model, market, horizon bucket): the latest of each (in no particular order)."""
    missing = [pl.lit(None, t).alias(c) for c, t in FORECAST_COLUMNS.items() if c not in frame.columns]
    frame = frame.with_columns(missing) if missing else frame
    frame = frame.with_columns(pl.col(c).cast(t) for c, t in FORECAST_COLUMNS.items())
    usable = frame.filter(
        pl.col("model_prob").is_between(0.0, 1.0)
        & pl.col("outcome").is_in([0, 1])
        & pl.col("horizon_hours").is_not_null()
    ).with_columns(
        horizon_bucket(pl.col("horizon_hours")).alias("horizon"),
        pl.when(pl.col("market_prob").is_between(0.0, 1.0)).then(pl.col("market_prob")).alias("market_prob"),
    )
    # The newest per key: sort once by time, take each group's last row. Rows come back in no particular
    # order (ordering 1M rows by a text ticker would cost more than the selection itself).
    return usable.sort("as_of").group_by(["model", "ticker", "horizon"]).last().select(usable.columns)


def _summarise(frame: pl.DataFrame, by: list[str]) -> pl.DataFrame:
    p, m = pl.col("model_prob"), pl.col("market_prob")
    y = pl.col("outcome").cast(pl.Float64)
    has_market = m.is_not_null()
    return frame.group_by(by).agg(
        pl.len().cast(pl.Int64).alias("n"),
        pl.col("ticker").n_unique().cast(pl.Int64).alias("markets"),
        y.mean().alias("base_rate"),
        p.mean().alias("mean_model_prob"),
        _brier(p, y).alias("brier_model"),
        _log_loss(p, y).alias("log_loss_model"),
        has_market.sum().cast(pl.Int64).alias("n_market"),
        _brier(m.filter(has_market), y.filter(has_market)).alias("brier_market"),
        _log_loss(m.filter(has_market), y.filter(has_market)).alias("log_loss_market"),
        _brier(p.filter(has_market), y.filter(has_market)).alias("brier_model_paired"),
    )


def calibration_summary(forecast_rows: pl.DataFrame) -> pl.DataFrame:
    """Per model and horizon (and per model over all horizons): Brier, log loss, market baseline, skill."""
    rows = forecasts(forecast_rows) if "horizon" not in forecast_rows.columns else forecast_rows
    if rows.is_empty():
        return pl.DataFrame(schema=SUMMARY_SCHEMA)
    by_horizon = _summarise(rows, ["model", "horizon"])
    overall = _summarise(rows, ["model"]).with_columns(pl.lit(ALL_HORIZONS).alias("horizon"))
    out = pl.concat([by_horizon, overall.select(by_horizon.columns)])
    skill = (
        pl.when((pl.col("n_market") > 0) & (pl.col("brier_market") > 0))
        .then(1.0 - pl.col("brier_model_paired") / pl.col("brier_market"))
    )
    out = out.with_columns(
        pl.col("horizon").replace_strict(HORIZON_ORDER, return_dtype=pl.Int64).alias("horizon_order"),
        skill.alias("brier_skill"),
    )
    return out.select(pl.col(c).cast(t) for c, t in SUMMARY_SCHEMA.items()).sort("model", "horizon_order")


def reliability_bins(forecast_rows: pl.DataFrame, bins: int = 10) -> pl.DataFrame:
    """Per model: equal-width bins of the model probability with their mean forecast and YES rate."""
    if bins < 1:
        raise ValueError("bins must be >= 1")
    rows = forecasts(forecast_rows) if "horizon" not in forecast_rows.columns else forecast_rows
    if rows.is_empty():
        return pl.DataFrame(schema=BINS_SCHEMA)
    # A hair of slack so 0.3 * 10 (2.9999999999999996 in binary) lands in bin 3, where it belongs.
    index = (pl.col("model_prob") * bins + 1e-9).floor().cast(pl.Int64).clip(0, bins - 1)
    out = (
        rows.with_columns(index.alias("bin"))
        .group_by("model", "bin")
        .agg(
            pl.len().cast(pl.Int64).alias("n"),
            pl.col("model_prob").mean().alias("mean_prob"),
            pl.col("outcome").cast(pl.Float64).mean().alias("observed_rate"),
        )
        .with_columns(
            (pl.col("bin").cast(pl.Float64) / bins).alias("bin_low"),
            ((pl.col("bin") + 1).cast(pl.Float64) / bins).alias("bin_high"),
        )
    )
    return out.select(pl.col(c).cast(t) for c, t in BINS_SCHEMA.items()).sort("model", "bin")
