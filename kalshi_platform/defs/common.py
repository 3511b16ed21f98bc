"""Wiring shared by every domain: the batch around an asset's writes and the metadata it reports."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime

import dagster as dg
import polars as pl

from kalshi_platform.clients.http import RejectLog
from kalshi_platform.core.rejects import rejects_frame
from kalshi_platform.warehouse import queries, writes

# Every asset that writes DuckDB claims this pool (limit 1 in the instance config, DESIGN.md §4).
DUCKDB_WRITE_POOL = "duckdb_write"

_POLARS_TO_TABLE_TYPE = {
    pl.String: "VARCHAR",
    pl.Boolean: "BOOLEAN",
    pl.Int64: "BIGINT",
    pl.Int32: "INTEGER",
    pl.Float64: "DOUBLE",
    pl.Date: "DATE",
}


def column_schema(schema: dict[str, pl.DataType] | pl.Schema) -> dg.TableSchema:
    columns = []
    for name, dtype in dict(schema).items():
        if isinstance(dtype, pl.Decimal):
            type_name = f"DECIMAL({dtype.precision},{dtype.scale})"
        elif isinstance(dtype, pl.Datetime):
            type_name = "TIMESTAMPTZ" if dtype.time_zone else "TIMESTAMP"
        else:
            type_name = _POLARS_TO_TABLE_TYPE.get(dtype.base_type(), str(dtype))
        columns.append(dg.TableColumn(name=name, type=type_name))
    return dg.TableSchema(columns=columns)


def markdown_preview(frame: pl.DataFrame, rows: int = 5, max_columns: int = 10) -> dg.MarkdownMetadataValue:
    if frame.is_empty():
        return dg.MetadataValue.md("_no rows_")
    shown = frame.head(rows).select(frame.columns[:max_columns])
    shown = shown.with_columns(
        [pl.col(c).cast(pl.String).str.slice(0, 40) for c in shown.columns]
    )
    header = "| " + " | ".join(shown.columns) + " |"
    rule = "| " + " | ".join("---" for _ in shown.columns) + " |"
    body = [
        "| " + " | ".join("" if v is None else str(v).replace("|", "\\|") for v in row) + " |"
        for row in shown.iter_rows()
    ]
    return dg.MetadataValue.md("\n".join([header, rule, *body]))


@dataclass
class Batch:
    """One asset's write batch: its id, connection, reject log and running totals."""

    batch_id: str
    asset_key: str
    con: object
    reject_log: RejectLog
    started_at: datetime
    rows_written: int = 0
    rejects_written: int = 0
    complete: bool = True
    notes: list[str] = field(default_factory=list)

    def write_rejects(self, frames: list[pl.DataFrame] | None = None) -> int:
        """Write parser rejects plus whatever the client logged (unreadable pages)."""
        pending = [f for f in (frames or []) if not f.is_empty()]
        logged = self.reject_log.drain()
        if logged:
            pending.append(rejects_frame(logged))
        if not pending:
            return 0
        combined = pl.concat(pending, how="vertical_relaxed").unique(["batch_id", "reject_id"], keep="last")
        writes.record_rejects(self.con, combined)
        self.rejects_written += combined.height
        return combined.height

    def incomplete(self, note: str) -> None:
        self.complete = False
        self.notes.append(note)


@contextmanager
def open_batch(warehouse, asset_key: str) -> Iterator[Batch]:
    """Open a write connection and a batch; the batch is closed (complete or not) on the way out."""
    with warehouse.connect() as con:
        batch_id = writes.start_batch(con, asset_key)
        batch = Batch(
            batch_id=batch_id,
            asset_key=asset_key,
            con=con,
            reject_log=RejectLog(batch_id=batch_id),
            started_at=datetime.now(UTC),
        )
        try:
            yield batch
        except BaseException:
            batch.write_rejects()
            writes.finish_batch(con, batch_id, batch.rows_written, False, "; ".join(batch.notes + ["failed"]))
            raise
        batch.write_rejects()
        writes.finish_batch(con, batch_id, batch.rows_written, batch.complete, "; ".join(batch.notes) or None)


def table_result(
    batch: Batch,
    table: str,
    written: pl.DataFrame,
    *,
    extra: dict | None = None,
) -> dg.MaterializeResult:
    """The metadata every table asset reports (DESIGN.md §7)."""
    total = queries.count_rows(batch.con, table)
    metadata = {
        "dagster/row_count": dg.MetadataValue.int(int(total)),
        "dagster/column_schema": column_schema(written.schema),
        "dagster/table_name": table,
        "rows_this_batch": dg.MetadataValue.int(written.height),
        "rejects_this_batch": dg.MetadataValue.int(batch.rejects_written),
        "batch_id": batch.batch_id,
        "complete": dg.MetadataValue.bool(batch.complete),
        "preview": markdown_preview(written),
    }
    if batch.notes:
        metadata["notes"] = dg.MetadataValue.text("; ".join(batch.notes))
    metadata.update(extra or {})
    return dg.MaterializeResult(metadata=metadata)
