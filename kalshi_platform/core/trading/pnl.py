"""Profit and loss of paper orders, exact: from what filled, at what price, and how the market settled.

A filled contract bought at ``avg_price`` pays $1 if its side wins and $0 otherwise, so

    realized   = filled x (payout - avg_price) - fees             once the market has a result
    unrealized = filled x (mark - avg_price) - fees               before, marked at the side's bid

A simulated order fills at once when its limit reaches the ask it was planned against (a marketable
limit order takes the ask); a limit clamped below the ask rests, and fills at its limit once a later
quote's ask comes down to it. A void result returns the cost: realized = -fees.
"""

from __future__ import annotations

import polars as pl

from kalshi_platform.core.money import DECIMAL_DTYPE

RESULT_COLUMNS: dict[str, pl.DataType] = {
    "side": pl.String(),
    "filled_count": DECIMAL_DTYPE,
    "avg_price": DECIMAL_DTYPE,
    "fees_paid": DECIMAL_DTYPE,
    "market_result": pl.String(),
    "yes_bid": DECIMAL_DTYPE,
    "no_bid": DECIMAL_DTYPE,
}


def _dec(value: int | str) -> pl.Expr:
    return pl.lit(value).cast(DECIMAL_DTYPE)


def order_pnl(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` plus ``realized_pnl`` and ``unrealized_pnl`` (Decimal; null where they do not apply)."""
    missing = [pl.lit(None, t).alias(c) for c, t in RESULT_COLUMNS.items() if c not in frame.columns]
    if missing:
        frame = frame.with_columns(missing)
    filled = pl.col("filled_count").cast(DECIMAL_DTYPE).fill_null(_dec(0))
    avg = pl.col("avg_price").cast(DECIMAL_DTYPE)
    fees = pl.col("fees_paid").cast(DECIMAL_DTYPE).fill_null(_dec(0))
    result = pl.col("market_result")
    payout = (
        pl.when(result.is_in(["yes", "no"]) & (result == pl.col("side"))).then(_dec(1))
        .when(result.is_in(["yes", "no"])).then(_dec(0))
    )
    realized = (
        pl.when(filled == _dec(0)).then(pl.when(result.is_in(["yes", "no", "void"])).then(_dec(0)))
        .when(result == "void").then(-fees)
        .when(payout.is_not_null()).then(filled * (payout - avg) - fees)
    )
    mark = pl.when(pl.col("side") == "yes").then(pl.col("yes_bid")).otherwise(pl.col("no_bid")).cast(DECIMAL_DTYPE)
    unrealized = (
        pl.when(result.is_in(["yes", "no", "void"]).fill_null(False)).then(None)
        .when(filled == _dec(0)).then(_dec(0))
        .when(mark.is_not_null()).then(filled * (mark - avg) - fees)
    )
    return frame.with_columns(
        realized.cast(DECIMAL_DTYPE).alias("realized_pnl"), unrealized.cast(DECIMAL_DTYPE).alias("unrealized_pnl")
    )


def simulated_fill(
    limit_price: pl.Expr, planned_ask: pl.Expr, current_ask: pl.Expr, count: pl.Expr, market_open: pl.Expr
) -> tuple[pl.Expr, pl.Expr]:
    """(filled_count, avg_price) of a simulated limit buy: taker at the planned ask when marketable,
    else maker at the limit once a later ask (of an open market) comes down to it."""
    at_once = planned_ask <= limit_price
    later = market_open & current_ask.is_not_null() & (current_ask <= limit_price)
    filled = pl.when(at_once | later).then(count).otherwise(_dec(0)).cast(DECIMAL_DTYPE)
    avg = pl.when(at_once).then(planned_ask).when(later).then(limit_price).cast(DECIMAL_DTYPE)
    return filled, avg
