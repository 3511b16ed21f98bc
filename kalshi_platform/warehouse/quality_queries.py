"""Read queries of the data-quality checks and the automation sensors (next to ``queries.py``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import duckdb
import polars as pl

from kalshi_platform.warehouse._sql import parse_table, quote_ident, scalar

# Markets in these statuses have a result (DESIGN.md §6: determined, then finalized; disputed and
# amended are settled states too).
SETTLED_STATUSES = ("determined", "disputed", "amended", "finalized")


def table_columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    """Columns of ``schema.table`` in order; empty when the table does not exist."""
    name = parse_table(table)
    rows = con.execute(
        "SELECT column_name FROM duckdb_columns() WHERE database_name = current_database() "
        "AND schema_name = ? AND table_name = ? ORDER BY column_index",
        [name.schema, name.table],
    ).fetchall()
    return [r[0] for r in rows]


def check_frame(
    con: duckdb.DuckDBPyConnection,
    table: str,
    columns: Sequence[str],
    *,
    latest_by: str | None = None,
) -> pl.DataFrame:
    """The columns a check needs (those the table has), of the whole table or of its newest
    ``latest_by`` value (a time series' newest batch). Columns the table lacks are left out, so the
    check can report them missing."""
    present = set(table_columns(con, table))
    wanted = [c for c in dict.fromkeys(columns) if c in present]
    if not wanted:
        return pl.DataFrame()
    name = parse_table(table).sql
    selected = ", ".join(quote_ident(c) for c in wanted)
    if latest_by and latest_by in present:
        column = quote_ident(latest_by)
        return con.sql(
            f"SELECT {selected} FROM {name} WHERE {column} = (SELECT max({column}) FROM {name})"
        ).pl()
    return con.sql(f"SELECT {selected} FROM {name}").pl()


def raw_json_for_drift(
    con: duckdb.DuckDBPyConnection,
    table: str,
    json_column: str = "raw_json",
    batch_column: str = "batch_id",
    limit: int = 20_000,
) -> tuple[list[str | None], list[str | None]]:
    """(``json_column`` of the newest batch, of the older batches), each at most ``limit`` rows.

    Both samples are bounded so the drift check costs the same on a million markets as on a thousand.
    """
    name = parse_table(table).sql
    text, batch = quote_ident(json_column), quote_ident(batch_column)
    newest = scalar(con, f"SELECT max({batch}) FROM {name}")
    if newest is None:
        return [], []
    latest = con.execute(f"SELECT {text} FROM {name} WHERE {batch} = ? LIMIT ?", [newest, limit]).fetchall()
    older = con.execute(
        f"SELECT {text} FROM {name} WHERE {batch} <> ? ORDER BY {batch} DESC LIMIT ?", [newest, limit]
    ).fetchall()
    return [r[0] for r in latest], [r[0] for r in older]


def newest_batches(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Each asset's newest finished batch: asset_key, batch_id, rows_written, finished_at."""
    return con.sql(
        """
        SELECT asset_key, batch_id, coalesce(rows_written, 0) AS rows_written, finished_at
        FROM meta.batches
        WHERE finished_at IS NOT NULL
        QUALIFY row_number() OVER (PARTITION BY asset_key ORDER BY finished_at DESC, batch_id DESC) = 1
        ORDER BY asset_key
        """
    ).pl()


def reject_counts(con: duckdb.DuckDBPyConnection, batch_ids: Sequence[str]) -> pl.DataFrame:
    """batch_id, rejects: how many rejects each of these batches recorded."""
    return con.sql(
        "SELECT batch_id, count(*) AS rejects FROM raw.rejects WHERE list_contains(?, batch_id) GROUP BY 1",
        params=[list(batch_ids)],
    ).pl()


def markets_missing_instruments(con: duckdb.DuckDBPyConnection) -> tuple[int, str | None]:
    """(markets in raw.kalshi_markets without a core.instruments row, the newest such ticker)."""
    row = con.execute(
        """
        SELECT count(*), max(m.ticker)
        FROM raw.kalshi_markets m ANTI JOIN core.instruments i USING (ticker)
        """
    ).fetchone()
    return int(row[0]), row[1]


def settled_since(con: duckdb.DuckDBPyConnection, since: datetime | None) -> tuple[int, datetime | None]:
    """(markets settled after ``since``, the newest settlement time): settled status with a result."""
    row = con.execute(
        f"""
        SELECT count(*), max(coalesce(settlement_ts, updated_time))
        FROM raw.kalshi_markets
        WHERE status IN ({", ".join("'" + s + "'" for s in SETTLED_STATUSES)})
          AND coalesce(result, '') <> ''
          AND (?::TIMESTAMPTZ IS NULL OR coalesce(settlement_ts, updated_time) > ?::TIMESTAMPTZ)
        """,
        [since, since],
    ).fetchone()
    return int(row[0]), row[1]
