"""Small SQL helpers shared by the warehouse modules: identifier quoting and transactions."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import NamedTuple

import duckdb


def quote_ident(name: str) -> str:
    """Quote one identifier so any name (keywords, capitals, spaces) is safe in SQL."""
    return '"' + name.replace('"', '""') + '"'


def quote_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


class TableName(NamedTuple):
    database: str | None
    schema: str
    table: str

    @property
    def sql(self) -> str:
        parts = [self.schema, self.table] if self.database is None else [self.database, self.schema, self.table]
        return ".".join(quote_ident(p) for p in parts)

    def __str__(self) -> str:
        return f"{self.schema}.{self.table}" if self.database is None else f"{self.database}.{self.schema}.{self.table}"


def parse_table(name: str) -> TableName:
    """'table', 'schema.table' or 'database.schema.table' (unquoted names, as the platform uses)."""
    parts = name.split(".")
    if not all(parts) or len(parts) > 3:
        raise ValueError(f"not a table name: {name!r} (expected 'schema.table')")
    if len(parts) == 1:
        return TableName(None, "main", parts[0])
    if len(parts) == 2:
        return TableName(None, parts[0], parts[1])
    return TableName(parts[0], parts[1], parts[2])


def scalar(con: duckdb.DuckDBPyConnection, sql: str, params: list[object] | None = None) -> object:
    """First value of a one-row query. Reads the whole result: duckdb 2.0 refuses other work on a
    connection (register, ...) while a result is only partly fetched."""
    result = con.execute(sql, params).fetchall() if params is not None else con.execute(sql).fetchall()
    return result[0][0] if result else None


def in_transaction(con: duckdb.DuckDBPyConnection) -> bool:
    """True when the connection is inside an explicit transaction.

    DuckDB has no API for this and a second BEGIN aborts the open transaction, so ask instead: in
    autocommit every statement runs in a new transaction, inside BEGIN they share one id.
    """
    return scalar(con, "SELECT txid_current()") == scalar(con, "SELECT txid_current()")


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """BEGIN ... COMMIT, ROLLBACK on any error.

    Nested use joins the caller's transaction (the outermost block commits or rolls back), so
    several helper calls can be grouped atomically with ``with transaction(con): ...``.
    """
    if in_transaction(con):
        yield con
        return
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
    except BaseException:
        _rollback_quietly(con)
        raise
    try:
        con.execute("COMMIT")
    except BaseException:
        # A failed COMMIT (e.g. a write-write conflict) leaves the transaction to be rolled back.
        _rollback_quietly(con)
        raise


def _rollback_quietly(con: duckdb.DuckDBPyConnection) -> None:
    try:
        con.execute("ROLLBACK")
    except duckdb.Error:
        # Nothing to roll back (DuckDB already ended the transaction); the original error matters.
        pass
