"""Kalshi's side of a prop: the ladder of thresholds and the line it implies.

Kalshi lists one market per threshold N ("Kawhi Leonard: 25+ points", ticker ``...-LACKLEONARD2-25``,
``floor_strike`` 24.5): YES pays when the stat reaches N, the same proposition as a sportsbook over at
N - 0.5. Each rung's probability is its mid price, (yes bid + yes ask) / 2, or whichever side exists
when the other is empty; a rung with neither is left out of the interpolation.

P(over) must fall as the line rises. Quotes can break that by a cent or two, so the rung
probabilities are made non-increasing (running minimum up the ladder) before the line where they
cross 50% is interpolated linearly between the two rungs that bracket it. The seed example: 24.5 at
0.51 and 29.5 at 0.28 give 24.5 + 0.01 / 0.23 x 5 = 24.717. When every rung is above (or below) 50%
the line is extrapolated from the two outermost rungs, at most one ladder step beyond them, and
flagged ``implied_line_extrapolated``.
"""

from __future__ import annotations

import polars as pl

from kalshi_platform.core.money import DECIMAL_DTYPE

GROUP = ("game_id", "player_lookup", "stat")

RUNG_STRUCT = pl.Struct({
    "line": pl.Float64(),
    "threshold": pl.Int32(),
    "ticker": pl.String(),
    "yes_bid": DECIMAL_DTYPE,
    "yes_ask": DECIMAL_DTYPE,
    "no_bid": DECIMAL_DTYPE,
    "no_ask": DECIMAL_DTYPE,
    "yes_bid_size": DECIMAL_DTYPE,
    "yes_ask_size": DECIMAL_DTYPE,
    "liquidity": DECIMAL_DTYPE,
    "mid": pl.Float64(),
    "status": pl.String(),
})


def rung_probability(yes_bid: pl.Expr, yes_ask: pl.Expr) -> pl.Expr:
    """Mid of a rung as a probability; one side when the other is empty (bid 0 / ask 1); null if both."""
    bid = yes_bid.cast(pl.Float64)
    ask = yes_ask.cast(pl.Float64)
    has_bid = bid.is_not_null() & (bid > 0)
    has_ask = ask.is_not_null() & (ask < 1)
    return (
        pl.when(has_bid & has_ask).then((bid + ask) / 2)
        .when(has_bid).then(bid)
        .when(has_ask).then(ask)
        .otherwise(None)
    )


def implied_line(lines: list[float], probs: list[float | None]) -> tuple[float | None, bool]:
    """Scalar form for plain inputs (a backtest, a notebook): (50% line, extrapolated?)."""
    frame = pl.DataFrame({"g": [0] * len(lines), "line": lines, "mid": probs},
                         schema={"g": pl.Int64, "line": pl.Float64, "mid": pl.Float64})
    out = implied_lines(frame, group=("g",))
    if out.is_empty():
        return None, False
    row = out.row(0, named=True)
    return row["kalshi_implied_line"], bool(row["implied_line_extrapolated"])


def implied_lines(rungs: pl.DataFrame, group: tuple[str, ...] = GROUP) -> pl.DataFrame:
    """Per group: ``kalshi_implied_line`` (where the ladder crosses 50%) and whether it was extrapolated.

    ``rungs`` has the group columns, ``line`` and ``mid``; groups with fewer than two priced rungs get
    a null line.
    """
    g = list(group)
    priced = rungs.filter(pl.col("mid").is_not_null() & pl.col("line").is_not_null()).sort([*g, "line"])
    p = pl.col("mid").cum_min().over(g)
    staged = priced.with_columns(p.alias("_p")).with_columns(
        pl.col("_p").shift(-1).over(g).alias("_p_next"),
        pl.col("line").shift(-1).over(g).alias("_line_next"),
        pl.col("_p").shift(1).over(g).alias("_p_prev"),
        pl.col("line").shift(1).over(g).alias("_line_prev"),
    )
    bracket = (pl.col("_p") >= 0.5) & (pl.col("_p_next") < 0.5)
    inside = pl.col("line") + (pl.col("_p") - 0.5) / (pl.col("_p") - pl.col("_p_next")) * (
        pl.col("_line_next") - pl.col("line")
    )
    # Above the ladder: slope of the last two rungs (probability lost per point), capped one step out.
    step_up = pl.col("line") - pl.col("_line_prev")
    slope_up = (pl.col("_p_prev") - pl.col("_p")) / step_up
    above = pl.when(slope_up > 0).then(
        pl.min_horizontal(pl.col("line") + (pl.col("_p") - 0.5) / slope_up, pl.col("line") + step_up)
    ).otherwise(pl.col("line") + step_up)
    step_down = pl.col("_line_next") - pl.col("line")
    slope_down = (pl.col("_p") - pl.col("_p_next")) / step_down
    below = pl.when(slope_down > 0).then(
        pl.max_horizontal(pl.col("line") - (0.5 - pl.col("_p")) / slope_down, pl.col("line") - step_down)
    ).otherwise(pl.col("line") - step_down)
    agg = staged.group_by(g).agg(
        pl.len().alias("_n"),
        inside.filter(bracket).first().alias("_inside"),
        (pl.col("_p").min() >= 0.5).alias("_all_above"),
        (pl.col("_p").max() < 0.5).alias("_all_below"),
        above.last().alias("_above"),
        below.first().alias("_below"),
    )
    line = (
        pl.when(pl.col("_n") < 2).then(None)
        .when(pl.col("_inside").is_not_null()).then(pl.col("_inside"))
        .when(pl.col("_all_above")).then(pl.col("_above"))
        .when(pl.col("_all_below")).then(pl.col("_below"))
    )
    extrapolated = (pl.col("_n") >= 2) & pl.col("_inside").is_null() & (pl.col("_all_above") | pl.col("_all_below"))
    return agg.select(*g, line.alias("kalshi_implied_line"), extrapolated.alias("implied_line_extrapolated"))


def closest_rung(rungs: pl.DataFrame, target: pl.DataFrame, group: tuple[str, ...] = GROUP) -> pl.DataFrame:
    """Per group, the rung whose line is closest to ``target_line`` (from ``target``); ties go to the
    rung whose price is nearest 50% (the most informative), then to the lower line. Groups without a
    target line take the rung nearest 50%."""
    g = list(group)
    joined = rungs.join(target.select(*g, "target_line"), on=g, how="left")
    distance = (pl.col("line") - pl.col("target_line")).abs()
    to_half = (pl.col("mid") - 0.5).abs()
    return (
        joined.with_columns(distance.alias("_d"), to_half.alias("_h"))
        .sort([*g, "_d", "_h", "line"], nulls_last=True)
        .group_by(g, maintain_order=True)
        .first()
        .drop("_d", "_h", "target_line")
    )
