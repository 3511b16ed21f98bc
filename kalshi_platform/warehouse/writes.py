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
import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import duckdb
import numpy as np
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
    # upsert: frame rows equal to the stored row of their key, left in place instead of rewritten
    # (still counted in ``inserted`` and ``deleted``, whose logical meaning does not change).
    unchanged: int = field(default=0, compare=False)


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

    ``inserted`` / ``deleted`` count the rows logically written / replaced. Physically less may be
    done, with the same resulting table: nothing is deleted from an empty table or for keys the table
    does not hold, and a frame row equal in every column to the one stored row of its key is left in
    place rather than deleted and written again (``unchanged`` counts those), so re-materializing the
    same data writes nothing.
    """
    name = parse_table(table)
    key = list(key)
    if not key:
        raise WriteError(f"upsert into {name}: key is empty")
    columns = _check_columns(con, name, frame)
    missing = [k for k in key if k not in frame.columns]
    if missing:
        raise WriteError(f"upsert into {name}: key column(s) {missing} not in the frame (columns: {frame.columns})")
    nulls = {k: n for k in key if (n := frame.get_column(k).null_count())}
    if nulls:
        raise WriteError(f"upsert into {name}: key column(s) have nulls {nulls}; a natural key must be complete")
    if frame.height and _has_duplicate_keys(frame, key):
        frame = frame.unique(subset=key, keep="last", maintain_order=True)
    with transaction(con):
        if frame.height == 0:
            return WriteResult(str(name), 0, 0, _count(con, name))
        match = " AND ".join(f"t.{quote_ident(k)} = s.{quote_ident(k)}" for k in key)
        deleted = 0
        same = np.empty(0, dtype=np.int64)
        with _staged(con, frame, position=True) as stage:
            if _count(con, name):  # an empty table (the first load) has nothing to replace
                # The rows the delete would remove (the logical ``deleted``); 0 means pure inserts.
                deleted = int(scalar(con, f"SELECT count(*) FROM {name.sql} AS t SEMI JOIN {stage} AS s ON {match}"))
                if deleted:
                    same = _unchanged_positions(con, name, stage, frame, match, columns)
            if not len(same):
                if deleted:
                    con.execute(f"DELETE FROM {name.sql} AS t USING {stage} AS s WHERE {match}").fetchall()
                _insert_staged(con, name, f"(SELECT * EXCLUDE ({quote_ident(_POSITION)}) FROM {stage})", frame)
        if len(same) and len(same) < frame.height:
            keep = np.ones(frame.height, dtype=bool)
            keep[same] = False
            changed = frame.filter(pl.Series(keep))
            with _staged(con, changed) as stage:
                con.execute(f"DELETE FROM {name.sql} AS t USING {stage} AS s WHERE {match}").fetchall()
                _insert_staged(con, name, stage, changed)
        return WriteResult(str(name), frame.height, deleted, _count(con, name), len(same))


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
    """Register the frame's Arrow table under a unique name for the duration of a block.

    Strings go over as Arrow string views (polars' own layout, so no copy of the text; DuckDB reads
    them natively). With ``position=True`` the stage also has a ``__kp_pos`` column (row number in
    the frame), which the caller must exclude from what it inserts.
    """

    def __init__(self, con: duckdb.DuckDBPyConnection, frame: pl.DataFrame, *, position: bool = False) -> None:
        self.con = con
        if position:
            frame = frame.with_row_index(_POSITION)
        self.arrow: pa.Table = frame.to_arrow(compat_level=pl.CompatLevel.newest())
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


_POSITION = "__kp_pos"

# Column types whose equality (IS NOT DISTINCT FROM) means "the same stored value": an unchanged
# row may then be left in place. Not floats (0.0 = -0.0), intervals ('1 month' = '30 days'), nested
# or other types, whose equal values may differ; a table with any such column is always rewritten.
_EXACT_TYPE = re.compile(
    r"(VARCHAR|JSON|BLOB|UUID|BOOLEAN|U?(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT)|DATE|TIME|"
    r"TIMESTAMP(_S|_MS|_NS)?|TIMESTAMP WITH TIME ZONE|DECIMAL\(\d+,\s*\d+\))"
)


def _has_duplicate_keys(frame: pl.DataFrame, key: list[str]) -> bool:
    if len(key) == 1:
        return frame.get_column(key[0]).n_unique() < frame.height
    return bool(frame.select(key).is_duplicated().any())


def _unchanged_positions(
    con: duckdb.DuckDBPyConnection, name: TableName, stage: str, frame: pl.DataFrame, match: str,
    columns: dict[str, str],
) -> np.ndarray:
    """Frame rows (by position) whose key has exactly one stored row, equal in every column to what
    inserting the frame row would store (the frame value cast to the column type, as INSERT does).

    Only when the frame carries every column of the table and each column type compares exactly
    (no collation either); otherwise nothing is taken as unchanged.
    """
    empty = np.empty(0, dtype=np.int64)
    by_lower = {c.lower(): c for c in frame.columns}
    if set(by_lower) != set(columns) or len(by_lower) != frame.width:
        return empty
    if not all(_EXACT_TYPE.fullmatch(t) for t in columns.values()):
        return empty
    if scalar(con, "SELECT current_setting('default_collation')") or _has_collation(con, name):
        return empty

    def equal(names: Iterable[str]) -> str:
        return " AND ".join(
            f"t.{quote_ident(c)} IS NOT DISTINCT FROM CAST(s.{quote_ident(by_lower[c])} AS {columns[c]})" for c in names
        )

    # A re-materialization usually differs in a narrow column (batch_id, fetched_at): one pass over the
    # narrow columns, stopping at the first candidate, spares reading long text (raw_json) back.
    wide = {
        c for c in columns
        if frame.schema[by_lower[c]] == pl.String and (frame.get_column(by_lower[c]).str.len_bytes().mean() or 0) > 64
    }
    if wide and len(wide) < len(columns):
        narrow = [c for c in columns if c not in wide]
        probe = f"SELECT 1 FROM {name.sql} AS t JOIN {stage} AS s ON {match} WHERE {equal(narrow)} LIMIT 1"
        if not con.execute(probe).fetchall():
            return empty
    pos = quote_ident(_POSITION)
    found = con.execute(
        f"SELECT s.{pos} FROM {name.sql} AS t JOIN {stage} AS s ON {match} "
        f"GROUP BY s.{pos} HAVING count(*) = 1 AND bool_and({equal(columns)})"
    ).fetchnumpy()[_POSITION]
    return np.asarray(found, dtype=np.int64)


def _has_collation(con: duckdb.DuckDBPyConnection, name: TableName) -> bool:
    database = "current_database()" if name.database is None else "?"
    params = ([] if name.database is None else [name.database]) + [name.schema, name.table]
    sql = scalar(
        con,
        f"SELECT sql FROM duckdb_tables() WHERE database_name = {database} AND schema_name = ? AND table_name = ?",
        params,
    )
    return sql is None or "COLLATE" in str(sql).upper()


def _rowcount(result: duckdb.DuckDBPyConnection) -> int:
    # DML returns one row holding the affected count; fetchall so the result is finished.
    found = result.fetchall()
    return int(found[0][0]) if found else 0


def _count(con: duckdb.DuckDBPyConnection, name: TableName) -> int:
    return int(scalar(con, f"SELECT count(*) FROM {name.sql}"))
