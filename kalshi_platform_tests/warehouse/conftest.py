from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from kalshi_platform.warehouse import Warehouse


@pytest.fixture
def warehouse(tmp_path: Path) -> Warehouse:
    # Nested directories prove the parents are created.
    return Warehouse(tmp_path / "data" / "warehouse.duckdb", tmp_path / "data" / "warehouse_snapshot.duckdb")


@pytest.fixture
def con(warehouse: Warehouse):
    with warehouse.connect() as connection:
        yield connection


def rows(connection: duckdb.DuckDBPyConnection, sql: str) -> list[tuple]:
    return connection.execute(sql).fetchall()
