"""The paper-trading engine: which signals of a cycle become orders, at what limit price and size.

One call plans one cycle over a frame of signals (vectorised, polars). Every signal comes back with a
``decision`` (``order`` or ``skip``) and, when skipped, the first rule it failed (``reason`` in words,
``skip_code`` for counting):

1. it names a Kalshi market, was evaluated by its model and suggests a direction;
2. its type is in the allowlist, it is fresh (``max_signal_age``) and its market has not expired;
3. the market is open and has an ask on the side to buy (YES ask for buy_yes, NO ask for buy_no);
4. its edge (bps of $1, after fees) and confidence reach the minimums;
5. no order on the same ticker and direction within the cooldown (``recent_orders``);
6. the limit price is the ask, clamped to [min_price, max_price]; the size is fractional Kelly at
   that price plus the taker fee, capped by the profile's bankroll share and contracts; below one
   contract it is skipped;
7. one order per market per cycle (the strongest signal), then at most ``max_orders_per_cycle`` by
   edge, confidence and signal id (so a tie is broken the same way every time).

Kelly for a binary contract bought at cost c (price + fee) that wins with probability p pays
(1 - c) per c staked: f* = (p - c) / (1 - c). Model quantities are float; the limit price, the
count, the notional and the fee estimate are exact Decimal.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import polars as pl

from kalshi_platform.core.fees import FEE_TYPES, fee_expr, fee_rate
from kalshi_platform.core.money import DECIMAL_DTYPE
from kalshi_platform.core.trading.config import EngineConfig

DIRECTIONS = ("buy_yes", "buy_no")
SIGNAL_COLUMNS: dict[str, pl.DataType] = {
    "signal_id": pl.String(),
    "signal_type": pl.String(),
    "ticker": pl.String(),
    "direction": pl.String(),
    "model_prob": pl.Float64(),
    "edge_bps": pl.Float64(),
    "confidence": pl.Float64(),
    "as_of": pl.Datetime("us", "UTC"),
    "expiry": pl.Datetime("us", "UTC"),
    "skip_reason": pl.String(),
    "yes_ask": DECIMAL_DTYPE,
    "no_ask": DECIMAL_DTYPE,
    "market_status": pl.String(),
    "fee_type": pl.String(),
    "fee_multiplier": DECIMAL_DTYPE,
}
RECENT_ORDER_COLUMNS: dict[str, pl.DataType] = {
    "ticker": pl.String(),
    "direction": pl.String(),
    "created_at": pl.Datetime("us", "UTC"),
}
PLAN_COLUMNS = (
    "decision", "reason", "skip_code", "side", "ask", "limit_price", "clamped", "win_prob", "kelly_full",
    "stake_fraction", "count", "notional", "fee_estimate", "rank",
)

_TAKER_RATE = {ft: float(fee_rate(ft, "taker")) for ft in FEE_TYPES}


def _shown(value: pl.Expr) -> pl.Expr:
    # pl.format yields null when an argument is null, and a null reason would read as "no gate failed".
    return value.cast(pl.String).fill_null("none")


def _dec(value: Decimal) -> pl.Expr:
    return pl.lit(value, dtype=DECIMAL_DTYPE)


def conform(frame: pl.DataFrame, columns: dict[str, pl.DataType]) -> pl.DataFrame:
    """The frame with every expected column (missing ones null) cast to its type; other columns kept."""
    missing = [pl.lit(None, dtype).alias(name) for name, dtype in columns.items() if name not in frame.columns]
    frame = frame.with_columns(missing) if missing else frame
    return frame.with_columns(pl.col(name).cast(dtype) for name, dtype in columns.items())


def plan_orders(
    signals: pl.DataFrame,
    recent_orders: pl.DataFrame,
    config: EngineConfig,
    now: datetime,
) -> pl.DataFrame:
    """Every signal with its decision, skip reason and, for orders, limit price, count and fee estimate."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    frame = conform(signals, SIGNAL_COLUMNS)
    recent = conform(recent_orders, RECENT_ORDER_COLUMNS)
    now_lit = pl.lit(now).cast(pl.Datetime("us", "UTC"))
    last_order = (
        recent.filter(pl.col("created_at") > now_lit - pl.lit(config.cooldown))
        .group_by("ticker", "direction")
        .agg(pl.col("created_at").max().alias("_last_order_at"))
    )
    frame = frame.join(last_order, on=["ticker", "direction"], how="left")

    side = pl.when(pl.col("direction") == "buy_yes").then(pl.lit("yes")).when(
        pl.col("direction") == "buy_no").then(pl.lit("no"))
    frame = frame.with_columns(side.alias("side"))
    ask = pl.when(pl.col("side") == "yes").then(pl.col("yes_ask")).when(pl.col("side") == "no").then(pl.col("no_ask"))
    frame = frame.with_columns(ask.cast(DECIMAL_DTYPE).alias("ask"))

    max_age_min = config.max_signal_age.total_seconds() / 60
    cooldown_min = config.cooldown.total_seconds() / 60
    allowed = sorted(config.signal_types)
    gates: list[tuple[str, pl.Expr, pl.Expr]] = [
        ("no_market", pl.col("ticker").is_null(), pl.lit("no Kalshi market")),
        ("signal_skipped", pl.col("skip_reason").is_not_null(), pl.format("signal skipped: {}", pl.col("skip_reason"))),
        ("no_direction", ~pl.col("direction").is_in(DIRECTIONS).fill_null(False), pl.lit("no trade suggested")),
        ("type_not_allowed", ~pl.col("signal_type").is_in(allowed).fill_null(False),
         pl.format("signal type {} not in TRADING_SIGNAL_TYPES", _shown(pl.col("signal_type")))),
        ("stale", pl.col("as_of").is_null() | (pl.col("as_of") < now_lit - pl.lit(config.max_signal_age)),
         pl.lit(f"signal older than {max_age_min:g} min")),
        ("expired", pl.col("expiry").is_null() | (pl.col("expiry") <= now_lit), pl.lit("market expired")),
        ("market_not_open", pl.col("market_status").is_not_null() & (pl.col("market_status") != "active"),
         pl.format("market not open ({})", pl.col("market_status"))),
        ("no_ask", pl.col("ask").is_null() | (pl.col("ask") <= _dec(Decimal(0))) | (pl.col("ask") >= _dec(Decimal(1))),
         pl.lit("no ask to buy at")),
        ("no_model_prob", pl.col("model_prob").is_null() | ~pl.col("model_prob").is_between(0.0, 1.0),
         pl.lit("no model probability")),
        ("edge_below_min", pl.col("edge_bps").is_null() | (pl.col("edge_bps") < config.min_edge_bps),
         pl.format("edge {} bps below minimum " + f"{config.min_edge_bps:g}", _shown(pl.col("edge_bps").round(1)))),
        ("confidence_below_min", pl.col("confidence").is_null() | (pl.col("confidence") < config.min_confidence),
         pl.format("confidence {} below minimum " + f"{config.min_confidence:g}", _shown(pl.col("confidence").round(3)))),
        ("cooldown", pl.col("_last_order_at").is_not_null(),
         pl.lit(f"cooldown: same ticker and direction ordered within {cooldown_min:g} min")),
    ]
    reason = pl.lit(None, pl.String)
    code = pl.lit(None, pl.String)
    for name, flag, message in reversed(gates):
        failed = flag.fill_null(True)
        reason = pl.when(failed).then(message).otherwise(reason)
        code = pl.when(failed).then(pl.lit(name)).otherwise(code)
    frame = frame.with_columns(reason.alias("reason"), code.alias("skip_code"))

    # Price and size (computed for every row, used only where no gate failed).
    lo, hi = _dec(config.min_price), _dec(config.max_price)
    limit = pl.when(pl.col("ask") < lo).then(lo).when(pl.col("ask") > hi).then(hi).otherwise(pl.col("ask"))
    frame = frame.with_columns(limit.cast(DECIMAL_DTYPE).alias("limit_price"))
    rate = pl.col("fee_type").fill_null("quadratic").replace_strict(_TAKER_RATE, default=_TAKER_RATE["quadratic"],
                                                                    return_dtype=pl.Float64)
    multiplier = pl.col("fee_multiplier").cast(pl.Float64).fill_null(1.0)
    price_f = pl.col("limit_price").cast(pl.Float64)
    cost_f = price_f + rate * multiplier * price_f * (1.0 - price_f)
    win_prob = pl.when(pl.col("side") == "yes").then(pl.col("model_prob")).otherwise(1.0 - pl.col("model_prob"))
    profile = config.profile
    frame = frame.with_columns(
        win_prob.alias("win_prob"),
        (pl.col("limit_price") != pl.col("ask")).alias("clamped"),
        cost_f.alias("_cost_f"),
    ).with_columns(
        ((pl.col("win_prob") - pl.col("_cost_f")) / (1.0 - pl.col("_cost_f"))).clip(lower_bound=0.0).alias("kelly_full"),
    ).with_columns(
        pl.min_horizontal(pl.col("kelly_full") * profile.kelly_multiplier, pl.lit(profile.max_bankroll_fraction))
        .alias("stake_fraction"),
    )
    bankroll = float(config.bankroll)
    contracts = (pl.col("stake_fraction") * bankroll / pl.col("_cost_f")).floor().clip(upper_bound=profile.max_contracts)
    frame = frame.with_columns(contracts.fill_nan(0.0).fill_null(0.0).cast(pl.Int64).alias("_count"))
    too_small = pl.col("reason").is_null() & (pl.col("_count") < 1)
    frame = frame.with_columns(
        pl.when(too_small)
        .then(pl.format("size below one contract (Kelly stake {}% of bankroll)",
                        _shown((pl.col("stake_fraction") * 100).round(3))))
        .otherwise(pl.col("reason"))
        .alias("reason"),
        pl.when(too_small).then(pl.lit("size_below_one")).otherwise(pl.col("skip_code")).alias("skip_code"),
    )

    # One order per market per cycle, then the cap, strongest first.
    order_key = [pl.col("edge_bps"), pl.col("confidence"), pl.col("signal_id")]
    candidates = frame.filter(pl.col("reason").is_null()).sort(order_key, descending=[True, True, False])
    best = candidates.unique(subset=["ticker"], keep="first", maintain_order=True)
    weaker = candidates.join(best.select("signal_id"), on="signal_id", how="anti").select("signal_id")
    ranked = best.with_row_index("rank", offset=1).select("signal_id", pl.col("rank").cast(pl.Int64))
    is_weaker = pl.col("signal_id").is_in(weaker.get_column("signal_id").implode()) & pl.col("reason").is_null()
    over_cap = pl.col("rank") > config.max_orders_per_cycle
    frame = frame.join(ranked, on="signal_id", how="left").with_columns(
        pl.when(is_weaker).then(pl.lit("a stronger signal on the same market this cycle"))
        .when(over_cap).then(pl.lit(f"cap of {config.max_orders_per_cycle} orders per cycle reached"))
        .otherwise(pl.col("reason"))
        .alias("reason"),
        pl.when(is_weaker).then(pl.lit("weaker_same_market"))
        .when(over_cap).then(pl.lit("cap_reached"))
        .otherwise(pl.col("skip_code"))
        .alias("skip_code"),
    )
    is_order = pl.col("reason").is_null()
    count = pl.when(is_order).then(pl.col("_count")).cast(DECIMAL_DTYPE)
    frame = frame.with_columns(
        pl.when(is_order).then(pl.lit("order")).otherwise(pl.lit("skip")).alias("decision"),
        count.alias("count"),
        pl.when(~is_order).then(None).otherwise(pl.col("rank")).alias("rank"),
    ).with_columns(
        (pl.col("count") * pl.col("limit_price")).cast(DECIMAL_DTYPE).alias("notional"),
        fee_expr(pl.col("limit_price"), contracts=pl.col("count"), fee_type=pl.col("fee_type"),
                 multiplier=pl.col("fee_multiplier")).alias("fee_estimate"),
    )
    # Price and size mean nothing for a skipped signal: null them so no one reads them as an order.
    order_only = ["limit_price", "clamped", "kelly_full", "stake_fraction", "notional", "fee_estimate"]
    frame = frame.with_columns(pl.when(is_order).then(pl.col(c)).alias(c) for c in order_only)
    return frame.drop("_last_order_at", "_cost_f", "_count").sort(
        pl.col("rank").is_null(), "rank", "signal_id"
    )
