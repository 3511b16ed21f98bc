"""Edges: model probability, exact fees and the expected value of taking each side, per market.

For every market row the engine computes, vectorized (polars + numpy):

- ``model_prob``: zero-drift GBM on the settlement average (``core.btc.pricing``), from the composite
  spot and the chosen sigma, over the horizon to ``expiry``;
- ``yes_fee`` / ``no_fee``: Kalshi's taker fee for an order of ``fee_contracts`` at the ask, exact
  (``core.fees``, the series' ``fee_type`` and ``fee_multiplier``);
- ``ev_yes = p - yes_ask - yes_fee / C`` and ``ev_no = (1 - p) - no_ask - no_fee / C``, dollars per
  contract, each side on its own, so a market with one side missing still gets the other;
- ``direction``: the better side when its EV clears the threshold (``edge_bps`` = that EV in basis
  points of $1), else null;
- ``confidence`` in [0, 1]: how much of the edge survives a ``sigma_rel_error`` error in sigma either
  way, scaled down when sigma is a fallback or fewer core exchanges made the spot;
- ``skip_reason``: null when evaluated, else the first that applies of missing_contract,
  missing_close_time, expired, stale_spot, sigma_unavailable, missing_quote, missing_yes_ask,
  missing_no_ask (the last two still carry the other side's EV and direction).

``compute_edges`` takes plain inputs (a frame of markets, the spot and sigma as values) so a backtest
can call it with history; ``edge_one`` is the same computation for one market in plain Python, the
reference the benchmark and the tests hold the vectorized version to.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import numpy as np
import polars as pl

from kalshi_platform.core.btc.pricing import (
    HALF_CENT,
    STRIKE_CODES,
    SETTLEMENT_WINDOW_S,
    effective_horizon,
    gbm_probability,
    gbm_probability_one,
)
from kalshi_platform.core.fees import DEFAULT_FEE_TYPE, DEFAULT_MULTIPLIER, fee_expr, order_fee
from kalshi_platform.core.money import DECIMAL_DTYPE

MISSING_CONTRACT = "missing_contract"
MISSING_CLOSE_TIME = "missing_close_time"
EXPIRED = "expired"
STALE_SPOT = "stale_spot"
SIGMA_UNAVAILABLE = "sigma_unavailable"
MISSING_QUOTE = "missing_quote"
MISSING_YES_ASK = "missing_yes_ask"
MISSING_NO_ASK = "missing_no_ask"
SKIP_REASONS = (MISSING_CONTRACT, MISSING_CLOSE_TIME, EXPIRED, STALE_SPOT, SIGMA_UNAVAILABLE, MISSING_QUOTE,
                MISSING_YES_ASK, MISSING_NO_ASK)
# Reasons after which the model probability is still computed (the market was priced, a side was not).
_PRICED = (None, MISSING_QUOTE, MISSING_YES_ASK, MISSING_NO_ASK)

BUY_YES = "buy_yes"
BUY_NO = "buy_no"
SIGMA_QUALITY = {"ewma": 1.0, "last_good": 0.7, "default": 0.4}

INPUT_SCHEMA: dict[str, pl.DataType] = {
    "ticker": pl.String(),
    "event_ticker": pl.String(),
    "series_ticker": pl.String(),
    "contract_status": pl.String(),  # null: the market has no contract row
    "strike_type": pl.String(),
    "floor_strike": DECIMAL_DTYPE,
    "cap_strike": DECIMAL_DTYPE,
    "expiry": pl.Datetime("us", "UTC"),
    "horizon_source": pl.String(),
    "settlement_window_s": pl.Int64(),
    "has_quote": pl.Boolean(),
    "yes_ask": DECIMAL_DTYPE,
    "no_ask": DECIMAL_DTYPE,
    "quoted_at": pl.Datetime("us", "UTC"),
    "fee_type": pl.String(),
    "fee_multiplier": DECIMAL_DTYPE,
}

OUTPUT_SCHEMA: dict[str, pl.DataType] = {
    "as_of": pl.Datetime("us", "UTC"),
    "ticker": pl.String(),
    "event_ticker": pl.String(),
    "series_ticker": pl.String(),
    "strike_type": pl.String(),
    "floor_strike": DECIMAL_DTYPE,
    "cap_strike": DECIMAL_DTYPE,
    "expiry": pl.Datetime("us", "UTC"),
    "horizon_source": pl.String(),
    "tau_s": pl.Float64(),
    "tau_eff_s": pl.Float64(),
    "settlement_window_s": pl.Int64(),
    "spot": DECIMAL_DTYPE,
    "spot_ts": pl.Datetime("us", "UTC"),
    "spot_sources": pl.String(),
    "spot_n_sources": pl.Int64(),
    "sigma": pl.Float64(),
    "sigma_source": pl.String(),
    "sigma_reason": pl.String(),
    "sigma_as_of": pl.Datetime("us", "UTC"),
    "model_prob": pl.Float64(),
    "yes_ask": DECIMAL_DTYPE,
    "no_ask": DECIMAL_DTYPE,
    "quoted_at": pl.Datetime("us", "UTC"),
    "fee_type": pl.String(),
    "fee_multiplier": DECIMAL_DTYPE,
    "fee_contracts": DECIMAL_DTYPE,
    "yes_fee": DECIMAL_DTYPE,  # fee of a fee_contracts order at yes_ask, exact
    "no_fee": DECIMAL_DTYPE,
    "ev_yes": pl.Float64(),  # dollars per contract after fees
    "ev_no": pl.Float64(),
    "direction": pl.String(),
    "edge_bps": pl.Float64(),
    "confidence": pl.Float64(),
    "skip_reason": pl.String(),
}


@dataclass(frozen=True)
class SpotInput:
    """The composite spot the run prices from (None price: no quorum price at all)."""

    price: Decimal | None
    ts: datetime | None
    sources: str | None = None
    n_sources: int = 0
    n_core: int = 3


@dataclass(frozen=True)
class SigmaInput:
    value: float | None
    source: str | None
    reason: str | None = None
    as_of: datetime | None = None


@dataclass(frozen=True)
class EdgeParams:
    threshold_bps: float = 200.0
    spot_max_age_s: float = 120.0
    order_contracts: Decimal = Decimal(1)
    sigma_rel_error: float = 0.25
    half_tick: float = HALF_CENT
    default_window_s: int = SETTLEMENT_WINDOW_S


def spot_is_stale(spot: SpotInput, as_of: datetime, max_age_s: float) -> bool:
    if spot.price is None or spot.ts is None or spot.price <= 0:
        return True
    age = (as_of - spot.ts).total_seconds()
    return age > max_age_s or age < -max_age_s


def _conform(markets: pl.DataFrame) -> pl.DataFrame:
    missing = [c for c in INPUT_SCHEMA if c not in markets.columns]
    if missing:
        raise ValueError(f"edges: input lacks column(s) {missing}")
    return markets.select([pl.col(c).cast(t) for c, t in INPUT_SCHEMA.items()])


def _valid_ask(col: str) -> pl.Expr:
    return pl.col(col).is_not_null() & (pl.col(col) > 0) & (pl.col(col) < 1)


def evaluate(
    markets: pl.DataFrame,
    *,
    as_of: datetime,
    spot: SpotInput,
    sigma: SigmaInput,
    params: EdgeParams,
    log_shift: np.ndarray | float = 0.0,
    alt_log_shift: np.ndarray | float | None = None,
) -> pl.DataFrame:
    """The engine behind ``compute_edges`` and the 15-minute signals (``log_shift``: momentum)."""
    frame = _conform(markets)
    stale = spot_is_stale(spot, as_of, params.spot_max_age_s)
    no_sigma = sigma.value is None or not math.isfinite(sigma.value) or sigma.value <= 0
    tau = (pl.col("expiry") - pl.lit(as_of)).dt.total_microseconds().cast(pl.Float64) / 1e6
    cs = pl.col("contract_status")
    frame = frame.with_columns(
        tau.alias("tau_s"),
        pl.col("settlement_window_s").fill_null(params.default_window_s).alias("settlement_window_s"),
        pl.col("fee_type").fill_null(DEFAULT_FEE_TYPE),
        pl.col("fee_multiplier").fill_null(pl.lit(DEFAULT_MULTIPLIER, dtype=DECIMAL_DTYPE)),
        pl.lit(params.order_contracts, dtype=DECIMAL_DTYPE).alias("fee_contracts"),
        _valid_ask("yes_ask").alias("_yes_ok"),
        _valid_ask("no_ask").alias("_no_ok"),
    )
    frame = frame.with_columns(
        pl.when(cs.is_null() | (cs == MISSING_CONTRACT)).then(pl.lit(MISSING_CONTRACT))
        .when((cs == MISSING_CLOSE_TIME) | pl.col("expiry").is_null()).then(pl.lit(MISSING_CLOSE_TIME))
        .when(pl.col("tau_s") <= 0).then(pl.lit(EXPIRED))
        .when(pl.lit(stale)).then(pl.lit(STALE_SPOT))
        .when(pl.lit(no_sigma)).then(pl.lit(SIGMA_UNAVAILABLE))
        .when(~pl.col("has_quote").fill_null(False) | (~pl.col("_yes_ok") & ~pl.col("_no_ok"))).then(pl.lit(MISSING_QUOTE))
        .when(~pl.col("_yes_ok")).then(pl.lit(MISSING_YES_ASK))
        .when(~pl.col("_no_ok")).then(pl.lit(MISSING_NO_ASK))
        .otherwise(None)
        .alias("skip_reason"),
        fee_expr(pl.col("yes_ask"), contracts=pl.col("fee_contracts"), fee_type=pl.col("fee_type"),
                 multiplier=pl.col("fee_multiplier")).alias("yes_fee"),
        fee_expr(pl.col("no_ask"), contracts=pl.col("fee_contracts"), fee_type=pl.col("fee_type"),
                 multiplier=pl.col("fee_multiplier")).alias("no_fee"),
    )
    priced = frame.get_column("skip_reason").is_null() | frame.get_column("skip_reason").is_in(_PRICED[1:])
    priced = priced.fill_null(False).to_numpy()
    n = frame.height
    spot_f = float(spot.price) if spot.price is not None else math.nan
    sig = float(sigma.value) if not no_sigma else math.nan
    tau_np = frame.get_column("tau_s").fill_null(0.0).to_numpy()
    window = frame.get_column("settlement_window_s").to_numpy().astype(np.float64)
    kind = frame.get_column("strike_type").replace_strict(STRIKE_CODES, default=-1, return_dtype=pl.Int64).to_numpy()
    lo = frame.get_column("floor_strike").cast(pl.Float64).fill_null(np.nan).to_numpy()
    hi = frame.get_column("cap_strike").cast(pl.Float64).fill_null(np.nan).to_numpy()
    shift = np.broadcast_to(np.asarray(log_shift, dtype=np.float64), (n,))
    tau_eff = np.full(n, np.nan)
    prob = np.full(n, np.nan)
    probs_alt: list[np.ndarray] = []
    if priced.any():
        sel = np.flatnonzero(priced)
        w = window[sel]
        # Windows differ per market (0 for one print), so the horizon is computed per row.
        tau_eff[sel] = _tau_eff_rows(tau_np[sel], w)

        def model(s: float, shifts: np.ndarray) -> np.ndarray:
            out = np.full(n, np.nan)
            out[sel] = _probability(spot_f, s, tau_np[sel], kind[sel], lo[sel], hi[sel], w, params.half_tick, shifts[sel])
            return out

        prob = model(sig, shift)
        probs_alt = [model(sig * (1 - params.sigma_rel_error), shift), model(sig * (1 + params.sigma_rel_error), shift)]
        if alt_log_shift is not None:
            probs_alt.append(model(sig, np.broadcast_to(np.asarray(alt_log_shift, dtype=np.float64), (n,))))
    yes_ask = frame.get_column("yes_ask").cast(pl.Float64).fill_null(np.nan).to_numpy()
    no_ask = frame.get_column("no_ask").cast(pl.Float64).fill_null(np.nan).to_numpy()
    c = float(params.order_contracts)
    yes_fee = frame.get_column("yes_fee").cast(pl.Float64).fill_null(np.nan).to_numpy() / c
    no_fee = frame.get_column("no_fee").cast(pl.Float64).fill_null(np.nan).to_numpy() / c
    yes_ok = frame.get_column("_yes_ok").to_numpy() & priced
    no_ok = frame.get_column("_no_ok").to_numpy() & priced

    def ev(p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return (np.where(yes_ok, p - yes_ask - yes_fee, np.nan), np.where(no_ok, (1.0 - p) - no_ask - no_fee, np.nan))

    ev_yes, ev_no = ev(prob)
    best_yes = np.where(np.isnan(ev_no), True, np.where(np.isnan(ev_yes), False, ev_yes >= ev_no))
    best = np.where(best_yes, ev_yes, ev_no)
    has_best = np.isfinite(best)
    trade = has_best & (best * 10_000 >= params.threshold_bps) & (best > 0)
    trade_s, best_yes_s = pl.Series(trade), pl.Series(best_yes)
    direction = pl.select(pl.when(trade_s).then(pl.when(best_yes_s).then(pl.lit(BUY_YES)).otherwise(pl.lit(BUY_NO)))
                          .otherwise(None).alias("direction")).to_series()
    edge_bps = np.where(trade, best * 10_000, np.nan)
    # Confidence: the share of the best side's EV that survives the sigma (and momentum) perturbations.
    worst = best.copy()
    for p_alt in probs_alt:
        a_yes, a_no = ev(p_alt)
        worst = np.fmin(worst, np.where(best_yes, a_yes, a_no))
    with np.errstate(divide="ignore", invalid="ignore"):
        robust = np.where(has_best & (best > 0), np.clip(worst / best, 0.0, 1.0), 0.0)
    quality = SIGMA_QUALITY.get(sigma.source or "", 0.0) * min(1.0, spot.n_sources / max(spot.n_core, 1))
    confidence = np.nan_to_num(robust * quality, nan=0.0)

    out = frame.with_columns(
        pl.lit(as_of).cast(pl.Datetime("us", "UTC")).alias("as_of"),
        pl.Series("tau_eff_s", tau_eff).fill_nan(None),
        pl.lit(spot.price, dtype=DECIMAL_DTYPE).alias("spot"),
        pl.lit(spot.ts).cast(pl.Datetime("us", "UTC")).alias("spot_ts"),
        pl.lit(spot.sources, dtype=pl.String).alias("spot_sources"),
        pl.lit(spot.n_sources, dtype=pl.Int64).alias("spot_n_sources"),
        pl.lit(None if no_sigma else sig, dtype=pl.Float64).alias("sigma"),
        pl.lit(sigma.source, dtype=pl.String).alias("sigma_source"),
        pl.lit(sigma.reason, dtype=pl.String).alias("sigma_reason"),
        pl.lit(sigma.as_of).cast(pl.Datetime("us", "UTC")).alias("sigma_as_of"),
        pl.Series("model_prob", prob).fill_nan(None),
        pl.Series("ev_yes", ev_yes).fill_nan(None),
        pl.Series("ev_no", ev_no).fill_nan(None),
        direction,
        pl.Series("edge_bps", edge_bps).fill_nan(None),
        pl.Series("confidence", confidence, dtype=pl.Float64),
    )
    return out


def _tau_eff_rows(tau: np.ndarray, window: np.ndarray) -> np.ndarray:
    out = np.full(len(tau), np.nan)
    for w in np.unique(window):
        rows = window == w
        out[rows] = effective_horizon(tau[rows], float(w))
    return out


def _probability(spot: float, sigma: float, tau: np.ndarray, kind: np.ndarray, lo: np.ndarray, hi: np.ndarray,
                 window: np.ndarray, half_tick: float, shift: np.ndarray) -> np.ndarray:
    """gbm_probability with a per-row settlement window (grouped: windows take few distinct values)."""
    out = np.full(len(tau), np.nan)
    for w in np.unique(window):
        rows = window == w
        out[rows] = gbm_probability(spot, sigma, tau[rows], kind[rows], lo[rows], hi[rows], window_s=float(w),
                                    half_tick=half_tick, log_shift=shift[rows])
    return out


def compute_edges(
    markets: pl.DataFrame,
    *,
    as_of: datetime,
    spot: SpotInput,
    sigma: SigmaInput,
    params: EdgeParams = EdgeParams(),
) -> pl.DataFrame:
    """One ``signals.btc_edges`` row per market row (see the module docstring)."""
    out = evaluate(markets, as_of=as_of, spot=spot, sigma=sigma, params=params)
    return out.select([pl.col(c).cast(t) for c, t in OUTPUT_SCHEMA.items()])


def edge_one(row: dict, *, as_of: datetime, spot: SpotInput, sigma: SigmaInput, params: EdgeParams = EdgeParams()) -> dict:
    """``compute_edges`` for one market, in plain Python (the per-market reference)."""
    status = row.get("contract_status")
    expiry = row.get("expiry")
    tau = (expiry - as_of).total_seconds() if expiry is not None else None
    yes_ask, no_ask = row.get("yes_ask"), row.get("no_ask")
    yes_ok = yes_ask is not None and 0 < yes_ask < 1
    no_ok = no_ask is not None and 0 < no_ask < 1
    no_sigma = sigma.value is None or not math.isfinite(sigma.value) or sigma.value <= 0
    if status is None or status == MISSING_CONTRACT:
        skip = MISSING_CONTRACT
    elif status == MISSING_CLOSE_TIME or expiry is None:
        skip = MISSING_CLOSE_TIME
    elif tau <= 0:
        skip = EXPIRED
    elif spot_is_stale(spot, as_of, params.spot_max_age_s):
        skip = STALE_SPOT
    elif no_sigma:
        skip = SIGMA_UNAVAILABLE
    elif not row.get("has_quote") or (not yes_ok and not no_ok):
        skip = MISSING_QUOTE
    elif not yes_ok:
        skip = MISSING_YES_ASK
    elif not no_ok:
        skip = MISSING_NO_ASK
    else:
        skip = None
    fee_type = row.get("fee_type") or DEFAULT_FEE_TYPE
    multiplier = row.get("fee_multiplier")
    multiplier = DEFAULT_MULTIPLIER if multiplier is None else multiplier
    c = params.order_contracts
    yes_fee = order_fee(c, yes_ask, fee_type=fee_type, multiplier=multiplier) if yes_ask is not None and 0 <= yes_ask <= 1 else None
    no_fee = order_fee(c, no_ask, fee_type=fee_type, multiplier=multiplier) if no_ask is not None and 0 <= no_ask <= 1 else None
    out = {"ticker": row.get("ticker"), "skip_reason": skip, "model_prob": None, "ev_yes": None, "ev_no": None,
           "direction": None, "edge_bps": None, "confidence": 0.0, "yes_fee": yes_fee, "no_fee": no_fee}
    if skip not in _PRICED:
        return out
    window = row.get("settlement_window_s")
    window = params.default_window_s if window is None else window
    floor = float(row["floor_strike"]) if row.get("floor_strike") is not None else math.nan
    cap = float(row["cap_strike"]) if row.get("cap_strike") is not None else math.nan
    s = float(spot.price)

    def prob(sig: float) -> float:
        return gbm_probability_one(s, sig, tau, row["strike_type"], floor, cap, window_s=window,
                                   half_tick=params.half_tick)

    def evs(p: float) -> tuple[float | None, float | None]:
        return (p - float(yes_ask) - float(yes_fee) / float(c) if yes_ok else None,
                (1 - p) - float(no_ask) - float(no_fee) / float(c) if no_ok else None)

    p = prob(sigma.value)
    ev_yes, ev_no = evs(p)
    out.update(model_prob=p, ev_yes=ev_yes, ev_no=ev_no)
    sides = [(ev_yes, True), (ev_no, False)]
    sides = [(e, y) for e, y in sides if e is not None and not math.isnan(e)]
    if not sides:
        return out
    best, best_yes = max(sides, key=lambda item: (item[0], item[1]))
    if best * 10_000 >= params.threshold_bps and best > 0:
        out["direction"] = BUY_YES if best_yes else BUY_NO
        out["edge_bps"] = best * 10_000
    worst = best
    for factor in (1 - params.sigma_rel_error, 1 + params.sigma_rel_error):
        a_yes, a_no = evs(prob(sigma.value * factor))
        alt = a_yes if best_yes else a_no
        worst = min(worst, alt)
    robust = min(1.0, max(0.0, worst / best)) if best > 0 else 0.0
    quality = SIGMA_QUALITY.get(sigma.source or "", 0.0) * min(1.0, spot.n_sources / max(spot.n_core, 1))
    out["confidence"] = robust * quality
    return out
