"""The read-only copy of the warehouse that notebooks open instead of the live file (DESIGN.md §4).

A reader of the live file would block the platform's writer (one writer per file, and a writer locks
out every other process), so after each run the platform publishes a snapshot:

1. open the warehouse read-only, waiting for the lock like any connect. That shared lock keeps every
   other process from writing, and this process cannot hold it read-write at the same time, so if
   there is no WAL the file's bytes are the whole, stable database: copy them (``file_copy``, ~40x
   faster than re-encoding).
2. Otherwise — a WAL left by an unclean exit, or this process already holds the warehouse read-write
   (then the copy goes through that same DuckDB instance) — ATTACH a temp file and
   ``COPY FROM DATABASE`` into it inside one transaction: one consistent MVCC snapshot even if this
   process writes meanwhile (``copy_database``). DETACH checkpoints it, leaving no WAL.
3. Count the temp file's rows (which also proves it opens), fsync, ``os.replace`` it over the target.

A reader never sees a half-written file, and one holding the old snapshot open keeps reading the old
inode undisturbed (POSIX rename semantics). Caveat: DuckDB caches one instance per path and process,
so a process that still holds the old snapshot open gets that old instance when it connects again;
close every connection to see the new copy. The temp file is removed on failure.
"""

from __future__ import annotations

import os
import shutil
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import duckdb

from kalshi_platform.warehouse._sql import quote_ident, quote_literal, scalar, transaction
from kalshi_platform.warehouse.connection import (
    DEFAULT_LOCK_TIMEOUT_S,
    is_local_file,
    normalize_target,
    open_duckdb,
)
from kalshi_platform.warehouse.errors import SnapshotError, WarehouseConfigConflictError

_SNAPSHOT_ALIAS = "__kp_snapshot"

Method = Literal["file_copy", "copy_database"]


@dataclass(frozen=True)
class SnapshotInfo:
    path: str
    tables: dict[str, int] = field(default_factory=dict)  # "schema.table" -> rows in the snapshot
    bytes: int = 0
    seconds: float = 0.0
    method: Method = "file_copy"

    @property
    def table_count(self) -> int:
        return len(self.tables)

    @property
    def row_count(self) -> int:
        return sum(self.tables.values())


def publish_snapshot(
    warehouse_path: str | os.PathLike[str],
    snapshot_path: str | os.PathLike[str],
    *,
    lock_timeout_s: float = DEFAULT_LOCK_TIMEOUT_S,
    config: dict[str, Any] | None = None,
) -> SnapshotInfo:
    """Copy the warehouse consistently to ``snapshot_path`` and swap it in atomically.

    ``config`` must match the DuckDB settings of any connection this process holds on the warehouse.
    """
    started = time.monotonic()
    source = normalize_target(warehouse_path)
    target = normalize_target(snapshot_path)
    if not is_local_file(target):
        raise SnapshotError(f"snapshot target must be a local file, got {target!r}")
    if source == target:
        raise SnapshotError(f"snapshot path is the warehouse itself: {target}")
    Path(target).parent.mkdir(parents=True, exist_ok=True)
    temp = os.path.join(os.path.dirname(target), f".{os.path.basename(target)}.{uuid.uuid4().hex}.tmp")
    try:
        with _Source(source, lock_timeout_s, dict(config or {})) as src:
            method: Method = "file_copy" if src.quiescent() else "copy_database"
            if method == "file_copy":
                shutil.copyfile(source, temp)
            else:
                _copy_database(src.con, temp)
            if os.path.exists(temp + ".wal"):  # data still in a WAL would be lost by the rename
                raise SnapshotError(f"snapshot {temp} kept a WAL after DETACH; not publishing it")
            tables = _count_tables(src.con, temp)
        _fsync(temp)
        # A WAL left by the old file would be replayed onto the new one: drop it first.
        _remove(target + ".wal")
        os.replace(temp, target)
        _fsync_dir(os.path.dirname(target))
    except BaseException:
        _remove(temp)
        _remove(temp + ".wal")
        raise
    return SnapshotInfo(target, tables, os.path.getsize(target), time.monotonic() - started, method)


class _Source:
    """Read-only connection to the warehouse; if this process already holds it read-write, a new
    connection to that same instance (DuckDB refuses a second, read-only instance of one file)."""

    def __init__(self, source: str, lock_timeout_s: float, config: dict[str, Any]) -> None:
        self.source = source
        self.lock_timeout_s = lock_timeout_s
        self.config = config
        self.read_only = True

    def __enter__(self) -> _Source:
        try:
            self.con = open_duckdb(self.source, read_only=True, lock_timeout_s=self.lock_timeout_s, config=self.config)
        except WarehouseConfigConflictError:
            self.con = duckdb.connect(self.source, config=self.config)
            self.read_only = False
        return self

    def __exit__(self, *exc: object) -> None:
        self.con.close()

    def quiescent(self) -> bool:
        """True when the file's bytes are the whole database and nobody can change them now."""
        return self.read_only and is_local_file(self.source) and not os.path.exists(self.source + ".wal")


def _copy_database(con: duckdb.DuckDBPyConnection, temp: str) -> None:
    source_db = scalar(con, "SELECT current_database()")
    # READ_WRITE explicitly: on a read-only instance ATTACH would otherwise default to read-only.
    con.execute(f"ATTACH {quote_literal(temp)} AS {_SNAPSHOT_ALIAS} (READ_WRITE)")
    try:
        with transaction(con):
            con.execute(f"COPY FROM DATABASE {quote_ident(source_db)} TO {_SNAPSHOT_ALIAS}")
    except BaseException:
        try:
            con.execute(f"DETACH {_SNAPSHOT_ALIAS}")
        except duckdb.Error:
            pass  # the copy's own error is the one to report; the caller deletes the temp file
        raise
    con.execute(f"DETACH {_SNAPSHOT_ALIAS}")  # checkpoints the copy into its file


def _count_tables(con: duckdb.DuckDBPyConnection, temp: str) -> dict[str, int]:
    con.execute(f"ATTACH {quote_literal(temp)} AS {_SNAPSHOT_ALIAS} (READ_ONLY)")
    try:
        names = con.execute(
            "SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = ? "
            "ORDER BY schema_name, table_name",
            [_SNAPSHOT_ALIAS],
        ).fetchall()
        tables = {}
        for schema, table in names:
            qualified = f"{_SNAPSHOT_ALIAS}.{quote_ident(schema)}.{quote_ident(table)}"
            tables[f"{schema}.{table}"] = int(scalar(con, f"SELECT count(*) FROM {qualified}"))
        return tables
    finally:
        con.execute(f"DETACH {_SNAPSHOT_ALIAS}")


def _fsync(path: str) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(path: str) -> None:
    # Makes the rename itself durable; not every platform can open a directory.
    try:
        _fsync(path)
    except OSError:
        pass


def _remove(path: str) -> None:
    try:
        os.remove(path)
    except FileNotFoundError:
        pass
