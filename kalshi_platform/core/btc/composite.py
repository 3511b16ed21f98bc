"""Composite spot: the median of the core exchanges' prices, second by second, with a quorum.

For every second in which some core source printed a tick, each core source contributes its newest
tick at or before the end of that second, unless that tick is older than the staleness limit. The
composite is the median of the contributions (exact: prices are handled as integer micro-dollars, and
the mean of the two middle values of an even count is exact for the venues' few decimals). A second
with fewer than ``min_sources`` contributions keeps its row, with a null price and ``quorum = false``,
so a stale spot can always be traced to which exchange was missing or stale.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal

import polars as pl

from kalshi_platform.core.money import DECIMAL_DTYPE

COMPOSITE_SCHEMA: dict[str, pl.DataType] = {
    "ts": pl.Datetime("us", "UTC"),  # the second (start) the price holds for
    "price": DECIMAL_DTYPE,  # median of the sources used; null without quorum
    "n_sources": pl.Int64(),
    "quorum": pl.Boolean(),
    "sources": pl.String(),  # core sources used, comma-separated, sorted
    "source_prices": pl.String(),  # "bitstamp=75651,coinbase=75663.72" exactly as used
    "excluded": pl.String(),  # core sources not used and why: "kraken:stale(41s)", "bitstamp:no_tick"
    "max_age_ms": pl.Int64(),  # age of the oldest tick used, at the start of the second
}

TICK_COLUMNS = ("source", "tick_ts", "price")
_MICRO = Decimal("0.000001")


def _to_micro(col: str) -> pl.Expr:
    return (pl.col(col).cast(DECIMAL_DTYPE) * 1_000_000).cast(pl.Int64)


def _from_micro(expr: pl.Expr) -> pl.Expr:
    return (expr.cast(pl.Decimal(38, 6)) * pl.lit(_MICRO)).cast(DECIMAL_DTYPE)


def composite_spot(
    ticks: pl.DataFrame,
    *,
    core_sources: Sequence[str],
    min_sources: int,
    stale_s: float,
    start: datetime | None = None,
    end: datetime | None = None,
) -> pl.DataFrame:
    """Per-second composite prices from ``ticks`` (source, tick_ts, price; usable ticks only)."""
    missing = [c for c in TICK_COLUMNS if c not in ticks.columns]
    if missing:
        raise ValueError(f"composite_spot: ticks lack column(s) {missing}")
    if min_sources < 1:
        raise ValueError("min_sources must be at least 1")
    sources = sorted(dict.fromkeys(core_sources))
    usable = (
        ticks.select(
            pl.col("source").cast(pl.String),
            pl.col("tick_ts").cast(pl.Datetime("us", "UTC")),
            _to_micro("price").alias("micro"),
        )
        .filter(pl.col("source").is_in(sources) & pl.col("tick_ts").is_not_null() & pl.col("micro").is_not_null()
                & (pl.col("micro") > 0))
    )
    grid = usable.select(pl.col("tick_ts").dt.truncate("1s").alias("ts")).unique()
    if start is not None:
        grid = grid.filter(pl.col("ts") >= start)
    if end is not None:
        grid = grid.filter(pl.col("ts") <= end)
    if grid.is_empty():
        return pl.DataFrame(schema=COMPOSITE_SCHEMA)
    one_s = timedelta(seconds=1)
    grid = grid.sort("ts").with_columns((pl.col("ts") + one_s - timedelta(microseconds=1)).alias("_until"))
    stale_us = int(round(stale_s * 1_000_000))
    long_parts = []
    for source in sources:
        own = usable.filter(pl.col("source") == source).sort("tick_ts").select(
            pl.col("tick_ts").alias("_until"), pl.col("tick_ts").alias("_tick_ts"), "micro")
        joined = grid.join_asof(own, on="_until", strategy="backward")
        long_parts.append(joined.select(
            "ts",
            pl.lit(source).alias("source"),
            pl.col("micro"),
            # Age at the start of the second (a tick inside the second is 0 s old).
            (pl.col("ts") - pl.col("_tick_ts")).dt.total_microseconds().clip(lower_bound=0).alias("age_us"),
        ))
    long = pl.concat(long_parts)
    long = long.with_columns(
        pl.when(pl.col("micro").is_null()).then(pl.lit("no_tick"))
        .when(pl.col("age_us") > stale_us)
        .then(pl.lit("stale(") + (pl.col("age_us") // 1_000_000).cast(pl.String) + pl.lit("s)"))
        .otherwise(None).alias("why_not")
    )
    used = long.filter(pl.col("why_not").is_null())
    per_second = (
        used.sort(["ts", "micro", "source"])
        .group_by("ts")
        .agg(
            pl.len().alias("n_sources"),
            pl.col("micro").alias("_sorted"),
            pl.col("source").sort().str.join(",").alias("sources"),
            (pl.col("source") + pl.lit("=") + _plain(_from_micro(pl.col("micro"))))
            .sort_by(pl.col("source")).str.join(",").alias("source_prices"),
            (pl.col("age_us").max() // 1000).alias("max_age_ms"),
        )
        .with_columns(
            # Exact median on integers: the middle one, or the mean of the two middle ones.
            ((pl.col("_sorted").list.get((pl.col("n_sources") - 1) // 2)
              + pl.col("_sorted").list.get(pl.col("n_sources") // 2)) // 2).alias("_median")
        )
    )
    excluded = (
        long.filter(pl.col("why_not").is_not_null())
        .sort(["ts", "source"])
        .group_by("ts")
        .agg((pl.col("source") + pl.lit(":") + pl.col("why_not")).str.join(",").alias("excluded"))
    )
    out = (
        grid.select("ts")
        .join(per_second, on="ts", how="left")
        .join(excluded, on="ts", how="left")
        .with_columns(pl.col("n_sources").fill_null(0))
        .with_columns((pl.col("n_sources") >= min_sources).alias("quorum"))
        .with_columns(pl.when(pl.col("quorum")).then(_from_micro(pl.col("_median"))).otherwise(None).alias("price"))
        .sort("ts")
    )
    return out.select([pl.col(c).cast(t) for c, t in COMPOSITE_SCHEMA.items()])


def _plain(decimal: pl.Expr) -> pl.Expr:
    """A decimal as text without trailing zeros ("75663.720000" -> "75663.72", "75651.000000" -> "75651")."""
    return decimal.cast(pl.String).str.replace(r"(\.\d*?)0+$", "$1").str.replace(r"\.$", "")


def latest_composite(composite: pl.DataFrame, as_of: datetime) -> dict | None:
    """The newest quorum row at or before ``as_of`` (as a dict), or None."""
    rows = composite.filter(pl.col("quorum") & (pl.col("ts") <= as_of)).sort("ts")
    if rows.is_empty():
        return None
    return rows.row(-1, named=True)
