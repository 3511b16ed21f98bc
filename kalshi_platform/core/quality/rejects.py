"""Reject rate per source asset: rejects of its newest batch over the records that batch read.

A batch that read N good records and R unreadable ones has a reject rate R / (N + R). A small rate is
normal (the exchange sends the odd bad record); a rising one means a format change or a broken
source, long before the tables run empty.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

OK = "ok"
WARN = "warn"
ERROR = "error"


@dataclass(frozen=True)
class RejectRates:
    rates: pl.DataFrame  # asset_key, batch_id, rows_written, rejects, reject_rate, level
    warn_above: float
    error_above: float

    @property
    def level(self) -> str:
        levels = set(self.rates.get_column("level").to_list()) if self.rates.height else set()
        return ERROR if ERROR in levels else WARN if WARN in levels else OK

    def offenders(self) -> pl.DataFrame:
        return self.rates.filter(pl.col("level") != OK).sort("reject_rate", descending=True)

    def summary(self) -> str:
        if not self.rates.height:
            return "no batches yet"
        bad = self.offenders()
        if bad.is_empty():
            worst = self.rates.sort("reject_rate", descending=True).row(0, named=True)
            return (
                f"{self.rates.height} assets, every reject rate at most {self.warn_above:.1%} "
                f"(highest: {worst['asset_key']} {worst['reject_rate']:.2%})"
            )
        return "; ".join(
            f"{r['asset_key']}: {r['rejects']} rejects / {r['rows_written'] + r['rejects']} records = "
            f"{r['reject_rate']:.1%} ({r['level']})"
            for r in bad.iter_rows(named=True)
        )


def reject_rates(
    batches: pl.DataFrame, reject_counts: pl.DataFrame, *, warn_above: float, error_above: float
) -> RejectRates:
    """``batches``: asset_key, batch_id, rows_written (each asset's newest batch); ``reject_counts``:
    batch_id, rejects. Rates above ``warn_above`` warn, above ``error_above`` fail."""
    if not 0 <= warn_above <= error_above <= 1:
        raise ValueError(f"need 0 <= warn_above <= error_above <= 1, got {warn_above}, {error_above}")
    joined = (
        batches.select(
            pl.col("asset_key").cast(pl.String), pl.col("batch_id").cast(pl.String),
            pl.col("rows_written").fill_null(0).cast(pl.Int64),
        )
        .join(
            reject_counts.select(pl.col("batch_id").cast(pl.String), pl.col("rejects").cast(pl.Int64)),
            on="batch_id", how="left",
        )
        .with_columns(pl.col("rejects").fill_null(0))
    )
    total = pl.col("rows_written") + pl.col("rejects")
    rates = joined.with_columns(
        pl.when(total > 0).then(pl.col("rejects") / total).otherwise(0.0).alias("reject_rate")
    ).with_columns(
        pl.when(pl.col("reject_rate") > error_above)
        .then(pl.lit(ERROR))
        .when(pl.col("reject_rate") > warn_above)
        .then(pl.lit(WARN))
        .otherwise(pl.lit(OK))
        .alias("level")
    )
    return RejectRates(rates.sort("asset_key"), warn_above, error_above)
