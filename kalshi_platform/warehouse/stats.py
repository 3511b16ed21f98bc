"""Small read helpers for the CLI's ``stats`` and for checks: row counts and freshness."""

from __future__ import annotations

from collections.abc import Sequence

import duckdb

from kalshi_platform.warehouse._sql import parse_table, quote_ident, scalar
from kalshi_platform.warehouse.errors import WarehouseError

DATA_SCHEMAS = ("raw", "core", "signals", "trading")


def table_counts(con: duckdb.DuckDBPyConnection, schemas: Sequence[str] = DATA_SCHEMAS) -> dict[str, int]:
    """Exact row count of every base table in the given schemas, keyed 'schema.table', sorted."""
    names = con.execute(
        "SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = current_database() "
        "AND list_contains(?, schema_name) ORDER BY schema_name, table_name",
        [list(schemas)],
    ).fetchall()
    if not names:
        return {}
    # One query for all tables: a scan per table would be a round trip each.
    union = " UNION ALL ".join(
        f"SELECT {i} AS i, count(*) AS n FROM {quote_ident(s)}.{quote_ident(t)}" for i, (s, t) in enumerate(names)
    )
    counts = dict(con.execute(union).fetchall())
    return {f"{s}.{t}": int(counts[i]) for i, (s, t) in enumerate(names)}


def freshest(con: duckdb.DuckDBPyConnection, table: str, column: str) -> object | None:
    """Largest value of ``column`` (typically a fetched_at / ts), or None for an empty table."""
    name = parse_table(table)
    database = "current_database()" if name.database is None else "?"
    params = ([] if name.database is None else [name.database]) + [name.schema, name.table, column]
    found = scalar(
        con,
        f"SELECT count(*) FROM duckdb_columns() WHERE database_name = {database} AND schema_name = ? "
        "AND table_name = ? AND lower(column_name) = lower(?)",
        params,
    )
    if not found:
        raise WarehouseError(f"freshest: {name} has no column {column!r} (or the table does not exist)")
    return scalar(con, f"SELECT max({quote_ident(column)}) FROM {name.sql}")
