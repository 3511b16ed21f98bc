"""The one way the platform writes to DuckDB (DESIGN.md §4).

Every helper takes an open connection and a polars frame, hands the frame to DuckDB as an Arrow table
(zero-copy, and Decimal stays decimal128 -> DECIMAL: no float on the way), inserts ``BY NAME`` and runs
inside a transaction, rolled back on any error. Re-materializing the same data never duplicates rows:
``upsert`` replaces rows by natural key, ``replace_partition`` swaps whole partitions.

Column rules: the frame may carry a subset of the table's columns (the rest are NULL / default); a
frame column the table lacks is an error naming it; a float column aimed at a DECIMAL column and a
naive datetime aimed at a TIMESTAMPTZ column are refused, since either would store a guess.

To make several writes atomic, wrap them: ``with transaction(con): upsert(...); finish_batch(...)``.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import duckdb
import polars as pl
import pyarrow as pa

from kalshi_platform.warehouse._sql import TableName, parse_table, quote_ident, scalar, transaction
from kalshi_platform.warehouse.errors import WarehouseError, WriteError

__all__ = [
    "WriteResult",
    "append",
    "finish_batch",
    "get_watermark",
    "new_batch_id",
    "record_rejects",
    "replace_partition",
    "set_watermark",
    "start_batch",
    "transaction",
    "upsert",
]

REJECTS_TABLE = "raw.rejects"
REJECTS_KEY = ["batch_id", "reject_id"]


@dataclass(frozen=True)
class WriteResult:
    table: str
    inserted: int
    deleted: int
    rows_after: int


def append(con: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame) -> WriteResult:
    """Insert every row of the frame."""
    name = parse_table(table)
    _check_columns(con, name, frame)
    with transaction(con):
        inserted = _insert(con, name, frame)
        return WriteResult(str(name), inserted, 0, _count(con, name))


def upsert(con: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame, key: Sequence[str]) -> WriteResult:
    """Replace the rows whose ``key`` matches a frame row, insert the others.

    Rows of the frame that share a key keep only the LAST occurrence (later rows are taken as the
    newer observation), so an upsert never creates duplicates. Key columns may not be null: a null
    never equals anything, so such a row could not be replaced later.
    """
    name = parse_table(table)
    key = list(key)
    if not key:
        raise WriteError(f"upsert into {name}: key is empty")
    _check_columns(con, name, frame)
    missing = [k for k in key if k not in frame.columns]
    if missing:
        raise WriteError(f"upsert into {name}: key column(s) {missing} not in the frame (columns: {frame.columns})")
    nulls = {k: n for k in key if (n := frame.get_column(k).null_count())}
    if nulls:
        raise WriteError(f"upsert into {name}: key column(s) have nulls {nulls}; a natural key must be complete")
    if frame.height:
        frame = frame.unique(subset=key, keep="last", maintain_order=True)
    with transaction(con):
        with _staged(con, frame) as stage:
            deleted = 0
            if frame.height:
                match = " AND ".join(f"t.{quote_ident(k)} = s.{quote_ident(k)}" for k in key)
                deleted = _rowcount(con.execute(f"DELETE FROM {name.sql} AS t USING {stage} AS s WHERE {match}"))
            inserted = _insert_staged(con, name, stage, frame)
        return WriteResult(str(name), inserted, deleted, _count(con, name))


def replace_partition(
    con: duckdb.DuckDBPyConnection,
    table: str,
    frame: pl.DataFrame,
    partition_column: str,
    partition_values: Iterable[object] | str,
) -> WriteResult:
    """Delete the rows of the given partition(s), then insert the frame, atomically.

    Every frame row must belong to one of ``partition_values``: the delete would not cover a row
    outside them, so running the same replace again would duplicate it.
    """
    name = parse_table(table)
    values = [partition_values] if isinstance(partition_values, str) else list(partition_values)
    if not values:
        raise WriteError(f"replace_partition of {name}: no partition values given")
    if any(v is None for v in values):
        raise WriteError(f"replace_partition of {name}: a partition value is None")
    columns = _check_columns(con, name, frame)
    if partition_column.lower() not in columns:
        raise WriteError(f"replace_partition of {name}: table has no column {partition_column!r}")
    if frame.height:
        if partition_column not in frame.columns:
            raise WriteError(f"replace_partition of {name}: frame lacks the partition column {partition_column!r}")
        allowed = pl.Series("allowed", values).cast(frame.schema[partition_column], strict=False)
        outside = frame.filter(~pl.col(partition_column).is_in(allowed.implode()) | pl.col(partition_column).is_null())
        if outside.height:
            sample = outside.get_column(partition_column).unique().head(5).to_list()
            raise WriteError(
                f"replace_partition of {name}: {outside.height} frame row(s) have {partition_column} outside "
                f"the partitions being replaced {values[:5]}: e.g. {sample}"
            )
    placeholders = ", ".join("?" for _ in values)
    with transaction(con):
        deleted = _rowcount(
            con.execute(f"DELETE FROM {name.sql} WHERE {quote_ident(partition_column)} IN ({placeholders})", values)
        )
        inserted = _insert(con, name, frame)
        return WriteResult(str(name), inserted, deleted, _count(con, name))


def replace_all(con: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame) -> WriteResult:
    """Replace every row of a table with the frame, atomically (for tables rebuilt whole each run,
    where an upsert would leave behind rows that no longer hold)."""
    name = parse_table(table)
    _check_columns(con, name, frame)
    with transaction(con):
        deleted = _rowcount(con.execute(f"DELETE FROM {name.sql}"))
        inserted = _insert(con, name, frame)
        return WriteResult(str(name), inserted, deleted, _count(con, name))


def record_rejects(con: duckdb.DuckDBPyConnection, rejects_frame: pl.DataFrame) -> WriteResult:
    """Store reject rows (``core.rejects`` shape) in raw.rejects; the same reject twice is kept once."""
    return upsert(con, REJECTS_TABLE, rejects_frame, REJECTS_KEY)


# --- watermarks -----------------------------------------------------------------------------------


def get_watermark(con: duckdb.DuckDBPyConnection, name: str) -> str | None:
    return scalar(con, "SELECT value FROM meta.watermarks WHERE name = ?", [name])


def set_watermark(con: duckdb.DuckDBPyConnection, name: str, value: str | int | dt.datetime) -> None:
    """Store a high-water mark as text: ints as decimal digits, datetimes (tz-aware) as ISO 8601."""
    if isinstance(value, bool) or not isinstance(value, (str, int, dt.datetime)):
        raise TypeError(f"watermark {name!r}: expected str, int or datetime, got {type(value).__name__}")
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            raise ValueError(f"watermark {name!r}: datetime must be timezone-aware")
        value = value.isoformat()
    with transaction(con):
        con.execute("DELETE FROM meta.watermarks WHERE name = ?", [name])
        con.execute("INSERT INTO meta.watermarks (name, value, updated_at) VALUES (?, ?, now())", [name, str(value)])


# --- batches --------------------------------------------------------------------------------------


def new_batch_id(now: dt.datetime | None = None) -> str:
    """Time-sortable and unique: UTC time to the microsecond, then 12 random hex digits."""
    now = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    return f"{now:%Y%m%dT%H%M%S%fZ}-{uuid.uuid4().hex[:12]}"


def start_batch(con: duckdb.DuckDBPyConnection, asset_key: str | Sequence[str], note: str | None = None) -> str:
    """Open a batch for an asset (key as 'raw/kalshi_markets' or ['raw', 'kalshi_markets'])."""
    key = asset_key if isinstance(asset_key, str) else "/".join(asset_key)
    batch_id = new_batch_id()
    con.execute(
        "INSERT INTO meta.batches (batch_id, asset_key, started_at, complete, note) VALUES (?, ?, now(), false, ?)",
        [batch_id, key, note],
    )
    return batch_id


def finish_batch(
    con: duckdb.DuckDBPyConnection, batch_id: str, rows_written: int, complete: bool, note: str | None = None
) -> None:
    """Close a batch; ``complete=False`` records a partial fetch. A None note keeps the existing one."""
    updated = _rowcount(
        con.execute(
            "UPDATE meta.batches SET finished_at = now(), rows_written = ?, complete = ?, note = coalesce(?, note) "
            "WHERE batch_id = ?",
            [rows_written, complete, note, batch_id],
        )
    )
    if updated != 1:
        raise WarehouseError(f"finish_batch: batch {batch_id!r} was never started (found {updated} rows)")


# --- internals ------------------------------------------------------------------------------------


def _table_columns(con: duckdb.DuckDBPyConnection, name: TableName) -> dict[str, str]:
    """lower-cased column name -> DuckDB type, in table order."""
    database = "current_database()" if name.database is None else "?"
    params = ([] if name.database is None else [name.database]) + [name.schema, name.table]
    rows = con.execute(
        f"SELECT column_name, data_type FROM duckdb_columns() WHERE database_name = {database} "
        "AND schema_name = ? AND table_name = ? ORDER BY column_index",
        params,
    ).fetchall()
    if not rows:
        raise WriteError(f"table {name} does not exist (is its migration applied?)")
    return {column.lower(): data_type for column, data_type in rows}


def _check_columns(con: duckdb.DuckDBPyConnection, name: TableName, frame: pl.DataFrame) -> dict[str, str]:
    columns = _table_columns(con, name)
    unknown = [c for c in frame.columns if c.lower() not in columns]
    if unknown:
        raise WriteError(f"{name} has no column(s) {unknown}; its columns are {list(columns)}")
    for column, dtype in frame.schema.items():
        target = columns[column.lower()]
        if dtype.is_float() and target.startswith("DECIMAL"):
            raise WriteError(
                f"{name}.{column} is {target} but the frame column is {dtype}: a float has already lost the "
                "exact value; parse it as Decimal (kalshi_platform.core.money)"
            )
        if isinstance(dtype, pl.Datetime) and dtype.time_zone is None and target == "TIMESTAMP WITH TIME ZONE":
            raise WriteError(
                f"{name}.{column} is TIMESTAMPTZ but the frame column is a naive {dtype}; "
                "attach the zone first (.dt.replace_time_zone('UTC'))"
            )
    return columns


def _insert(con: duckdb.DuckDBPyConnection, name: TableName, frame: pl.DataFrame) -> int:
    if frame.height == 0:
        return 0
    with _staged(con, frame) as stage:
        return _insert_staged(con, name, stage, frame)


def _insert_staged(con: duckdb.DuckDBPyConnection, name: TableName, stage: str, frame: pl.DataFrame) -> int:
    if frame.height == 0:
        return 0
    return _rowcount(con.execute(f"INSERT INTO {name.sql} BY NAME SELECT * FROM {stage}"))


class _staged:
    """Register the frame's Arrow table under a unique name for the duration of a block."""

    def __init__(self, con: duckdb.DuckDBPyConnection, frame: pl.DataFrame) -> None:
        self.con = con
        self.arrow: pa.Table = frame.to_arrow()
        self.name = f"__kp_stage_{uuid.uuid4().hex}"

    def __enter__(self) -> str:
        self.con.register(self.name, self.arrow)
        return quote_ident(self.name)

    def __exit__(self, exc_type: type[BaseException] | None, *rest: object) -> None:
        try:
            self.con.unregister(self.name)
        except duckdb.Error:
            # In an aborted transaction DuckDB refuses this, but the rollback drops the registration
            # anyway; the error already in flight is the one worth raising.
            if exc_type is None:
                raise


def _rowcount(result: duckdb.DuckDBPyConnection) -> int:
    # DML returns one row holding the affected count; fetchall so the result is finished.
    found = result.fetchall()
    return int(found[0][0]) if found else 0


def _count(con: duckdb.DuckDBPyConnection, name: TableName) -> int:
    return int(scalar(con, f"SELECT count(*) FROM {name.sql}"))
