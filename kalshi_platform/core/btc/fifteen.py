"""15-minute up/down signals (KXBTC15M): fair probability against the window's opening price.

A KXBTC15M market pays YES when the settlement average at the window's close is at least the average
before its open (the market's ``floor_strike``, ``greater_or_equal``). The fair probability is the GBM
probability of that from the composite spot, with a momentum term: the log return of the composite
over the last ``momentum_s`` seconds, times ``momentum_weight``, carried forward for at most one
momentum window of the remaining effective horizon:

    shift = weight * r_momentum * min(tau_eff / momentum_s, 1)

A weight of 0 is the pure martingale. The direction and the confidence come from the same engine as
the edges (``core.btc.edges.evaluate``): confidence also asks how much edge survives without momentum.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import polars as pl

from kalshi_platform.core.btc.edges import (
    INPUT_SCHEMA,
    EdgeParams,
    SigmaInput,
    SpotInput,
    _tau_eff_rows,
    evaluate,
)
from kalshi_platform.core.money import DECIMAL_DTYPE

NOT_OPEN = "not_open"

WINDOW_INPUT_SCHEMA: dict[str, pl.DataType] = {**INPUT_SCHEMA, "open_time": pl.Datetime("us", "UTC")}

OUTPUT_SCHEMA: dict[str, pl.DataType] = {
    "as_of": pl.Datetime("us", "UTC"),
    "ticker": pl.String(),
    "event_ticker": pl.String(),
    "window_open": pl.Datetime("us", "UTC"),
    "expiry": pl.Datetime("us", "UTC"),
    "opening_price": DECIMAL_DTYPE,  # the window's target: floor_strike
    "spot": DECIMAL_DTYPE,
    "spot_ts": pl.Datetime("us", "UTC"),
    "spot_sources": pl.String(),
    "spot_n_sources": pl.Int64(),
    "spot_vs_open_bps": pl.Float64(),
    "momentum_return": pl.Float64(),
    "momentum_s": pl.Int64(),
    "momentum_shift": pl.Float64(),  # the log-mean shift the momentum term applied
    "sigma": pl.Float64(),
    "sigma_source": pl.String(),
    "sigma_reason": pl.String(),
    "tau_s": pl.Float64(),
    "tau_eff_s": pl.Float64(),
    "model_prob": pl.Float64(),
    "yes_ask": DECIMAL_DTYPE,
    "no_ask": DECIMAL_DTYPE,
    "quoted_at": pl.Datetime("us", "UTC"),
    "fee_type": pl.String(),
    "fee_multiplier": DECIMAL_DTYPE,
    "fee_contracts": DECIMAL_DTYPE,
    "yes_fee": DECIMAL_DTYPE,
    "no_fee": DECIMAL_DTYPE,
    "ev_yes": pl.Float64(),
    "ev_no": pl.Float64(),
    "direction": pl.String(),
    "edge_bps": pl.Float64(),
    "confidence": pl.Float64(),
    "skip_reason": pl.String(),
}


@dataclass(frozen=True)
class Momentum:
    log_return: float | None  # ln(S_now / S_then); None when the earlier price is unknown
    window_s: int
    weight: float


def momentum_shift(momentum: Momentum, tau_eff_s: np.ndarray) -> np.ndarray:
    if momentum.log_return is None or not math.isfinite(momentum.log_return) or momentum.window_s <= 0:
        return np.zeros_like(np.asarray(tau_eff_s, dtype=np.float64))
    carry = np.clip(np.asarray(tau_eff_s, dtype=np.float64) / momentum.window_s, 0.0, 1.0)
    return momentum.weight * momentum.log_return * carry


def fifteen_minute_signals(
    windows: pl.DataFrame,
    *,
    as_of: datetime,
    spot: SpotInput,
    sigma: SigmaInput,
    momentum: Momentum,
    params: EdgeParams,
) -> pl.DataFrame:
    """One ``signals.btc15m_signals`` row per window market row."""
    missing = [c for c in WINDOW_INPUT_SCHEMA if c not in windows.columns]
    if missing:
        raise ValueError(f"fifteen_minute_signals: input lacks column(s) {missing}")
    frame = windows.select([pl.col(c).cast(t) for c, t in WINDOW_INPUT_SCHEMA.items()])
    tau = (frame.get_column("expiry") - as_of).dt.total_microseconds().cast(pl.Float64).fill_null(0.0).to_numpy() / 1e6
    window = frame.get_column("settlement_window_s").fill_null(params.default_window_s).to_numpy().astype(np.float64)
    tau_eff = _tau_eff_rows(tau, window)
    shift = momentum_shift(momentum, tau_eff)
    out = evaluate(frame.drop("open_time"), as_of=as_of, spot=spot, sigma=sigma, params=params, log_shift=shift,
                   alt_log_shift=0.0).with_columns(frame.get_column("open_time"))
    # A window that has not opened yet has no fair probability to trade on.
    not_open = pl.col("open_time").is_not_null() & (pl.col("open_time") > as_of) & pl.col("skip_reason").is_null()
    spot_f = float(spot.price) if spot.price is not None else None
    out = out.with_columns(
        pl.when(not_open).then(pl.lit(NOT_OPEN)).otherwise(pl.col("skip_reason")).alias("skip_reason"),
        pl.when(not_open).then(None).otherwise(pl.col("direction")).alias("direction"),
        pl.when(not_open).then(None).otherwise(pl.col("edge_bps")).alias("edge_bps"),
        pl.when(not_open).then(0.0).otherwise(pl.col("confidence")).alias("confidence"),
        pl.col("open_time").alias("window_open"),
        pl.col("floor_strike").alias("opening_price"),
        ((pl.lit(spot_f, dtype=pl.Float64) / pl.col("floor_strike").cast(pl.Float64) - 1.0) * 10_000).alias("spot_vs_open_bps"),
        pl.lit(momentum.log_return, dtype=pl.Float64).alias("momentum_return"),
        pl.lit(momentum.window_s, dtype=pl.Int64).alias("momentum_s"),
        pl.Series("momentum_shift", shift, dtype=pl.Float64),
    )
    return out.select([pl.col(c).cast(t) for c, t in OUTPUT_SCHEMA.items()])
