"""signals.signals: every signal table in one stream, history kept."""

from datetime import UTC, datetime

import dagster as dg
import polars as pl

from kalshi_platform.core.trading.signals import SOURCES, ContractError, empty_signals, to_signals
from kalshi_platform.defs.common import DUCKDB_WRITE_POOL, open_batch, table_result
from kalshi_platform.warehouse import trading_queries as tq
from kalshi_platform.warehouse import writes
from kalshi_platform.warehouse.resource import WarehouseResource

GROUP = "trading"
TABLE = "signals.signals"
SIGNALS_KEY = dg.AssetKey(["signals", "signals"])


@dg.asset(
    key=SIGNALS_KEY,
    group_name=GROUP,
    kinds={"duckdb", "polars"},
    pool=DUCKDB_WRITE_POOL,
    deps=[dg.AssetKey(s.asset_key) for s in SOURCES],
    description=(
        "One stream of signals from every model (BTC GBM edges, BTC 15-minute, weather ensemble, NBA props): "
        "type, ticker, direction, model probability, market price and implied probability, edge after fees "
        "(bps), confidence, horizon, expiry, whether it is actionable, and the source row it came from. "
        "History is kept; re-reading a source never duplicates a signal."
    ),
)
def signals(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    """New rows of each signal table (from its newest stored run on), upserted by signal id."""
    with open_batch(warehouse, TABLE) as batch:
        frames: list[pl.DataFrame] = []
        per_source: dict[str, int] = {}
        recorded_at = datetime.now(UTC)
        for source in SOURCES:
            if not tq.table_exists(batch.con, source.table):
                batch.notes.append(f"{source.table} does not exist yet")
                per_source[source.signal_type] = 0
                continue
            since = tq.newest_signal_as_of(batch.con, source.table)
            rows = tq.source_rows(batch.con, source.table, since)
            try:
                converted = to_signals(rows, source) if rows.height else empty_signals()
            except ContractError as exc:
                # One table off-contract must not hide the others' signals: say so and go on.
                batch.incomplete(str(exc))
                per_source[source.signal_type] = 0
                continue
            per_source[source.signal_type] = converted.height
            frames.append(converted)
        new = pl.concat(frames) if frames else empty_signals()
        new = new.with_columns(pl.lit(recorded_at).alias("recorded_at"), pl.lit(batch.batch_id).alias("batch_id"))
        writes.upsert(batch.con, TABLE, new, ["signal_id"])
        batch.rows_written = new.height
        actionable = int(new.get_column("actionable").sum() or 0) if new.height else 0
        context.log.info(f"{new.height} signal(s) read ({actionable} actionable): {per_source}")
        return table_result(
            batch, TABLE, new.drop("recorded_at", "batch_id"),
            extra={
                "signals_by_type": dg.MetadataValue.json(per_source),
                "actionable_this_batch": dg.MetadataValue.int(actionable),
            },
        )
