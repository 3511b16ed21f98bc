"""core.quotes_latest: the newest quote of every market, what edges and orders price against."""

import dagster as dg

from kalshi_platform.defs.common import DUCKDB_WRITE_POOL, open_batch, table_result
from kalshi_platform.warehouse import queries, writes
from kalshi_platform.warehouse.resource import WarehouseResource

TABLE = "core.quotes_latest"


@dg.asset(
    key=["core", "quotes_latest"],
    group_name="markets",
    kinds={"duckdb", "polars"},
    pool=DUCKDB_WRITE_POOL,
    deps=[dg.AssetKey(["raw", "kalshi_market_snapshots"]), dg.AssetKey(["raw", "kalshi_markets"])],
    description=(
        "The newest quote of every market (one row per ticker) from the snapshot time series, with the "
        "market's current status, so a market that closed since its last quote is not priced as live."
    ),
)
def quotes_latest(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    """Rebuilt whole each poll: a market's newest quote replaces its previous one."""
    with open_batch(warehouse, TABLE) as batch:
        rows = queries.newest_quote_per_market(batch.con)
        writes.replace_all(batch.con, TABLE, rows)
        batch.rows_written = rows.height
        live = rows.filter(rows["status"] == "active").height if rows.height else 0
        return table_result(batch, TABLE, rows, extra={"active_markets": dg.MetadataValue.int(live)})
