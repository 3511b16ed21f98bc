from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import duckdb
import polars as pl
import pytest

from kalshi_platform.warehouse import (
    Warehouse,
    WarehouseConfigConflictError,
    WarehouseLockedError,
    WarehouseResource,
    table_counts,
    upsert,
)
from kalshi_platform.warehouse.connection import is_local_file, normalize_target, open_duckdb
from kalshi_platform_tests.warehouse.conftest import rows

HOLDER = """
import duckdb, sys, time
con = duckdb.connect(sys.argv[1])
print("held", flush=True)
time.sleep(float(sys.argv[2]))
con.close()
print("released", flush=True)
"""


def hold_lock(path: Path, seconds: float) -> subprocess.Popen:
    """Another process holding a read-write connection; returns once the lock is taken."""
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(path), str(seconds)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = proc.stdout.readline().strip()
    assert line == "held", proc.stderr.read()
    return proc


def test_connect_creates_parents_and_migrates(tmp_path):
    wh = Warehouse(tmp_path / "a" / "b" / "w.duckdb", tmp_path / "s.duckdb")
    with wh.connect() as con:
        assert rows(con, "SELECT count(*) FROM meta.schema_version")[0][0] >= 1
        assert rows(con, "SELECT current_setting('TimeZone')") == [("UTC",)]
    assert (tmp_path / "a" / "b" / "w.duckdb").exists()


def test_connection_is_closed_after_the_block_even_on_error(warehouse):
    with pytest.raises(RuntimeError, match="inside"):
        with warehouse.connect() as con:
            raise RuntimeError("inside")
    with pytest.raises(duckdb.ConnectionException, match="closed"):
        con.execute("SELECT 1")
    # Closed for real: this process can now open the file read-only (a different configuration).
    with warehouse.connect(read_only=True) as ro:
        assert ro.execute("SELECT 1").fetchall() == [(1,)]
    with pytest.raises(duckdb.ConnectionException, match="closed"):
        ro.execute("SELECT 1")


def test_read_only_connect_cannot_write(warehouse):
    with warehouse.connect():
        pass
    with warehouse.connect(read_only=True) as con:
        with pytest.raises(duckdb.InvalidInputException, match="read-only"):
            con.execute("CREATE TABLE core.x (a INTEGER)")
        with pytest.raises(duckdb.InvalidInputException, match="read-only"):
            upsert(con, "raw.rejects", pl.DataFrame({"batch_id": ["b"], "reject_id": ["r"]}), ["batch_id", "reject_id"])


def test_read_only_connect_of_a_missing_file_is_clear(warehouse):
    with pytest.raises(FileNotFoundError, match="does not exist yet"):
        with warehouse.connect(read_only=True):
            pass


def test_other_mode_in_the_same_process_is_a_clear_error(warehouse):
    with warehouse.connect():
        with pytest.raises(WarehouseConfigConflictError, match="this process already has it open"):
            with warehouse.connect(read_only=True):
                pass
        with warehouse.connect() as second:  # same mode shares the instance
            assert second.execute("SELECT 1").fetchall() == [(1,)]


def test_write_connect_waits_for_another_process_to_release_the_lock(warehouse):
    with warehouse.connect():
        pass
    holder = hold_lock(Path(warehouse.path), 1.0)
    try:
        started = time.monotonic()
        with Warehouse(warehouse.path, warehouse.snapshot_path, lock_timeout_s=30).connect() as con:
            waited = time.monotonic() - started
            assert rows(con, "SELECT count(*) FROM raw.rejects") == [(0,)]
        assert waited > 0.3  # it really had to wait for the holder's ~1 s
    finally:
        holder.wait(timeout=30)
    assert holder.returncode == 0


def test_lock_wait_budget_exceeded_names_the_file(warehouse):
    with warehouse.connect():
        pass
    holder = hold_lock(Path(warehouse.path), 30.0)
    try:
        impatient = Warehouse(warehouse.path, warehouse.snapshot_path, lock_timeout_s=0.5)
        started = time.monotonic()
        with pytest.raises(WarehouseLockedError) as info:
            with impatient.connect():
                pass
        assert 0.5 <= time.monotonic() - started < 5
        message = str(info.value)
        assert warehouse.path in message and "another process holds its lock" in message
        assert f"PID {holder.pid}" in message  # DuckDB names the holder
        with pytest.raises(WarehouseLockedError):  # readers wait and fail the same way
            with impatient.connect(read_only=True):
                pass
    finally:
        holder.kill()
        holder.wait(timeout=30)


def test_other_io_errors_are_not_retried(tmp_path):
    not_a_db = tmp_path / "junk.duckdb"
    not_a_db.write_bytes(b"this is not a database file" * 200)
    started = time.monotonic()
    with pytest.raises(duckdb.IOException):
        open_duckdb(str(not_a_db), lock_timeout_s=30)
    assert time.monotonic() - started < 5


def test_uri_targets_are_passed_through():
    for uri in ("md:my_db", "ducklake:metadata.ducklake", "md:", ":memory:"):
        assert not is_local_file(uri) and normalize_target(uri) == uri
    assert is_local_file("data/warehouse.duckdb")
    assert normalize_target("data/warehouse.duckdb").endswith("/data/warehouse.duckdb")
    assert normalize_target("data/warehouse.duckdb").startswith("/")


def test_memory_target_is_migrated_on_every_connect():
    wh = Warehouse(":memory:", "unused.duckdb")
    for _ in range(2):
        with wh.connect() as con:
            assert "raw.rejects" in table_counts(con)


# --- Dagster ----------------------------------------------------------------------------------


@dg.asset(key=["core", "things"], kinds={"duckdb", "polars"})
def things(warehouse: WarehouseResource) -> dg.MaterializeResult:
    """Writes two things through the resource."""
    with warehouse.connect() as con:
        con.execute("CREATE TABLE IF NOT EXISTS core.things (id INTEGER, name VARCHAR)")
        result = upsert(con, "core.things", pl.DataFrame({"id": [1, 2], "name": ["a", "b"]}), ["id"])
    return dg.MaterializeResult(metadata={"dagster/row_count": result.rows_after})


def test_resource_in_a_materialization(tmp_path):
    resource = WarehouseResource(path=str(tmp_path / "dagster" / "w.duckdb"),
                                 snapshot_path=str(tmp_path / "dagster" / "snap.duckdb"))
    for _ in range(2):  # re-materializing does not duplicate
        assert dg.materialize([things], resources={"warehouse": resource}).success
    with resource.connect(read_only=True) as con:
        assert rows(con, "SELECT id, name FROM core.things ORDER BY id") == [(1, "a"), (2, "b")]
    with resource.get_connection() as con:
        assert rows(con, "SELECT count(*) FROM core.things") == [(2,)]
    info = resource.publish_snapshot()
    assert info.path == str(tmp_path / "dagster" / "snap.duckdb") and info.tables["core.things"] == 2


def test_resource_config_reaches_the_warehouse(tmp_path):
    resource = WarehouseResource(path=str(tmp_path / "w.duckdb"), snapshot_path=str(tmp_path / "s.duckdb"),
                                 lock_timeout_s=2.5, connection_config={"threads": 1})
    wh = resource.warehouse()
    assert (wh.path, wh.snapshot_path, wh.lock_timeout_s, wh.config) == (
        str(tmp_path / "w.duckdb"), str(tmp_path / "s.duckdb"), 2.5, {"threads": 1})
    with resource.connect() as con:
        assert rows(con, "SELECT current_setting('threads')") == [(1,)]


def test_resource_defaults_are_the_design_paths():
    resource = WarehouseResource()
    assert (resource.path, resource.snapshot_path) == ("data/warehouse.duckdb", "data/warehouse_snapshot.duckdb")
