"""The Dagster face of the warehouse: configuration in, ``Warehouse`` does the work.

It keeps ``dagster_duckdb.DuckDBResource``'s ``get_connection()`` so code written for that resource
works unchanged, and adds what the platform needs on top: read-only connects, closing on error,
a bounded wait on the file lock with a clear error, migrations on first write, and the snapshot.
The path comes only from configuration (KALSHI_DUCKDB_PATH); a ``md:``/``ducklake:`` URI is handed to
DuckDB as is, so another backend is a configuration change, not a code change.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import dagster as dg
import duckdb
from pydantic import Field

from kalshi_platform.warehouse.connection import (
    DEFAULT_LOCK_TIMEOUT_S,
    DEFAULT_PATH,
    DEFAULT_SNAPSHOT_PATH,
    Warehouse,
)
from kalshi_platform.warehouse.snapshot import SnapshotInfo

# Warehouse is re-exported for callers that want the plain class next to the resource.
__all__ = ["Warehouse", "WarehouseResource"]


class WarehouseResource(dg.ConfigurableResource):
    """DuckDB warehouse of the platform: connections, migrations and the notebook snapshot."""

    path: str = Field(
        default=DEFAULT_PATH,
        description="DuckDB database: a file path (parent directories are created) or a URI duckdb.connect accepts.",
    )
    snapshot_path: str = Field(
        default=DEFAULT_SNAPSHOT_PATH,
        description="Where the read-only snapshot for notebooks is published (a local file).",
    )
    lock_timeout_s: float = Field(
        default=DEFAULT_LOCK_TIMEOUT_S,
        description="How long a connect waits for another process to release the file lock.",
    )
    connection_config: dict[str, Any] = Field(
        default={},
        description="DuckDB settings for every connection (https://duckdb.org/docs/configuration/overview).",
    )

    def warehouse(self) -> Warehouse:
        return Warehouse(
            self.path, self.snapshot_path, lock_timeout_s=self.lock_timeout_s, config=self.connection_config
        )

    @contextmanager
    def connect(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        with self.warehouse().connect(read_only=read_only) as con:
            yield con

    @contextmanager
    def get_connection(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """Read-write connection, named as in ``DuckDBResource``."""
        with self.connect() as con:
            yield con

    def publish_snapshot(self) -> SnapshotInfo:
        return self.warehouse().publish_snapshot()
