"""Contracts: what each strike market pays on, from the API's own fields (never from the ticker).

For every market whose ``strike_type`` is greater, greater_or_equal, less, less_or_equal or between,
``floor_strike`` / ``cap_strike`` become explicit bounds with their inclusiveness, and the horizon is
``close_time``, else ``expected_expiration_time``. A market whose fields do not make a contract is
kept with ``contract_status`` saying why (``missing_contract``: a bound is missing or inverted;
``missing_close_time``: no horizon), so a skip downstream can name its reason.
"""

from __future__ import annotations

import polars as pl

from kalshi_platform.core.btc.pricing import SETTLEMENT_WINDOW_S, STRIKE_TYPES
from kalshi_platform.core.money import DECIMAL_DTYPE

CONTRACT_OK = "ok"
MISSING_CONTRACT = "missing_contract"
MISSING_CLOSE_TIME = "missing_close_time"

CONTRACT_SCHEMA: dict[str, pl.DataType] = {
    "ticker": pl.String(),
    "event_ticker": pl.String(),
    "series_ticker": pl.String(),
    "status": pl.String(),
    "strike_type": pl.String(),
    "floor_strike": DECIMAL_DTYPE,
    "cap_strike": DECIMAL_DTYPE,
    "lower_bound": DECIMAL_DTYPE,  # null: unbounded below
    "lower_inclusive": pl.Boolean(),
    "upper_bound": DECIMAL_DTYPE,  # null: unbounded above
    "upper_inclusive": pl.Boolean(),
    "open_time": pl.Datetime("us", "UTC"),
    "expiry": pl.Datetime("us", "UTC"),
    "horizon_source": pl.String(),  # close_time | expected_expiration_time | null
    "settlement_window_s": pl.Int64(),  # seconds averaged at settlement (60 for CF Benchmarks BRTI), 0 = one print
    "contract_status": pl.String(),
    "problem": pl.String(),
}

INPUT_COLUMNS = ("ticker", "event_ticker", "series_ticker", "status", "strike_type", "floor_strike", "cap_strike",
                 "open_time", "close_time", "expected_expiration_time", "rules_primary")

# "the simple average of the sixty seconds of CF Benchmarks' ..." (Kalshi's crypto rules).
_AVERAGE_RULE = r"(?i)average of the sixty seconds"


def build_contracts(markets: pl.DataFrame) -> pl.DataFrame:
    """One row per strike market of ``markets`` (raw.kalshi_markets columns plus series_ticker)."""
    missing = [c for c in INPUT_COLUMNS if c not in markets.columns]
    if missing:
        raise ValueError(f"build_contracts: input lacks column(s) {missing}")
    m = markets.filter(pl.col("strike_type").is_in(STRIKE_TYPES))
    st = pl.col("strike_type")
    floor, cap = pl.col("floor_strike"), pl.col("cap_strike")
    needs_floor = st.is_in(["greater", "greater_or_equal", "between"])
    needs_cap = st.is_in(["less", "less_or_equal", "between"])
    problem = (
        pl.when(needs_floor & floor.is_null()).then(pl.lit("floor_strike missing for ") + st)
        .when(needs_cap & cap.is_null()).then(pl.lit("cap_strike missing for ") + st)
        .when((st == "between") & (floor > cap)).then(pl.lit("floor_strike above cap_strike"))
        .otherwise(None)
    )
    expiry = pl.coalesce(pl.col("close_time"), pl.col("expected_expiration_time"))
    horizon_source = (
        pl.when(pl.col("close_time").is_not_null()).then(pl.lit("close_time"))
        .when(pl.col("expected_expiration_time").is_not_null()).then(pl.lit("expected_expiration_time"))
        .otherwise(None)
    )
    out = m.with_columns(
        pl.col("floor_strike").cast(DECIMAL_DTYPE),
        pl.col("cap_strike").cast(DECIMAL_DTYPE),
        problem.alias("problem"),
        expiry.alias("expiry"),
        horizon_source.alias("horizon_source"),
    ).with_columns(
        pl.when(needs_floor).then(pl.col("floor_strike")).otherwise(None).alias("lower_bound"),
        pl.when(needs_floor).then(st != "greater").otherwise(None).alias("lower_inclusive"),
        pl.when(needs_cap).then(pl.col("cap_strike")).otherwise(None).alias("upper_bound"),
        pl.when(needs_cap).then(st != "less").otherwise(None).alias("upper_inclusive"),
        pl.when(pl.col("rules_primary").fill_null("").str.contains(_AVERAGE_RULE))
        .then(pl.lit(SETTLEMENT_WINDOW_S)).otherwise(pl.lit(0)).cast(pl.Int64).alias("settlement_window_s"),
        pl.when(pl.col("problem").is_not_null()).then(pl.lit(MISSING_CONTRACT))
        .when(pl.col("expiry").is_null()).then(pl.lit(MISSING_CLOSE_TIME))
        .otherwise(pl.lit(CONTRACT_OK)).alias("contract_status"),
    ).with_columns(
        pl.when(pl.col("contract_status") == MISSING_CLOSE_TIME)
        .then(pl.lit("neither close_time nor expected_expiration_time"))
        .otherwise(pl.col("problem")).alias("problem"),
    )
    return out.select([pl.col(c).cast(t) for c, t in CONTRACT_SCHEMA.items()]).sort("ticker")
