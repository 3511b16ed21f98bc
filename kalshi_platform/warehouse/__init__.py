"""DuckDB warehouse: the resource, versioned migrations, the write helpers and the notebook snapshot.

    wh = Warehouse("data/warehouse.duckdb", "data/warehouse_snapshot.duckdb")   # or WarehouseResource
    with wh.connect() as con:                       # migrated on the first write connect of the process
        batch = start_batch(con, "raw/kalshi_markets")
        with transaction(con):                      # optional: make several writes atomic together
            upsert(con, "raw.kalshi_markets", frame, key=["ticker"])
            set_watermark(con, "markets.min_updated_ts", 1773309600)
        finish_batch(con, batch, rows_written=frame.height, complete=True)
    wh.publish_snapshot()                           # notebooks open the snapshot, never the live file

A schema change is a new file ``migrations/NNNN_name.sql``; applied files are never edited.
"""

from kalshi_platform.warehouse.connection import (
    DEFAULT_LOCK_TIMEOUT_S,
    DEFAULT_PATH,
    DEFAULT_SNAPSHOT_PATH,
    Warehouse,
    open_duckdb,
)
from kalshi_platform.warehouse.errors import (
    MigrationChecksumError,
    MigrationError,
    SnapshotError,
    WarehouseConfigConflictError,
    WarehouseError,
    WarehouseLockedError,
    WriteError,
)
from kalshi_platform.warehouse.migrations import Migration, applied_migrations, load_migrations, migrate
from kalshi_platform.warehouse.snapshot import SnapshotInfo, publish_snapshot
from kalshi_platform.warehouse.stats import freshest, table_counts
from kalshi_platform.warehouse.writes import (
    WriteResult,
    append,
    finish_batch,
    get_watermark,
    new_batch_id,
    record_rejects,
    replace_partition,
    set_watermark,
    start_batch,
    transaction,
    upsert,
)


def __getattr__(name: str) -> object:
    # The Dagster resource is imported on first use: dagster takes about a second to import, which
    # the CLI, notebooks and benchmarks need not pay.
    if name == "WarehouseResource":
        from kalshi_platform.warehouse.resource import WarehouseResource

        return WarehouseResource
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "DEFAULT_LOCK_TIMEOUT_S",
    "DEFAULT_PATH",
    "DEFAULT_SNAPSHOT_PATH",
    "Migration",
    "MigrationChecksumError",
    "MigrationError",
    "SnapshotError",
    "SnapshotInfo",
    "Warehouse",
    "WarehouseConfigConflictError",
    "WarehouseError",
    "WarehouseLockedError",
    "WarehouseResource",
    "WriteError",
    "WriteResult",
    "append",
    "applied_migrations",
    "finish_batch",
    "freshest",
    "get_watermark",
    "load_migrations",
    "migrate",
    "new_batch_id",
    "open_duckdb",
    "publish_snapshot",
    "record_rejects",
    "replace_partition",
    "set_watermark",
    "start_batch",
    "table_counts",
    "transaction",
    "upsert",
]
