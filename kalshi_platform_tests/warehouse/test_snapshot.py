"""Snapshot publishing.

DuckDB single-process caveats, as tested here: a process may hold the warehouse open read-write
while publishing (the copy then goes through that same DuckDB instance and is one MVCC snapshot, so
an uncommitted transaction is not copied). Readers of an old snapshot are exercised in a separate
process, because DuckDB caches one instance per path per process, so a same-process reader would
keep seeing the instance it already has. Publishing while another *process* writes is not possible
by design: the publish waits for the lock like any reader (see test_resource's lock tests).
"""

from __future__ import annotations

import os
import subprocess
import sys
from decimal import Decimal

import duckdb
import polars as pl
import pytest

from kalshi_platform.core.money import DECIMAL_DTYPE
from kalshi_platform.warehouse import SnapshotError, Warehouse, append, publish_snapshot, table_counts
from kalshi_platform.warehouse import snapshot as snapshot_module
from kalshi_platform_tests.warehouse.conftest import rows

ALL_SCHEMAS = ("raw", "core", "signals", "trading", "meta")


def fill(warehouse: Warehouse, n: int, ticker_prefix: str = "T") -> None:
    with warehouse.connect() as con:
        con.execute("CREATE TABLE IF NOT EXISTS core.prices (ticker VARCHAR, price DECIMAL(18,6))")
        frame = pl.DataFrame({"ticker": [f"{ticker_prefix}{i}" for i in range(n)],
                              "price": [Decimal("0.1630")] * n}, schema={"ticker": pl.String, "price": DECIMAL_DTYPE})
        append(con, "core.prices", frame)


def snapshot_counts(path) -> dict[str, int]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return table_counts(con, ALL_SCHEMAS)
    finally:
        con.close()


def leftovers(directory) -> list[str]:
    return sorted(name for name in os.listdir(directory) if name.endswith((".tmp", ".tmp.wal")))


def test_published_snapshot_opens_read_only_with_the_same_counts(warehouse):
    fill(warehouse, 1000)
    info = warehouse.publish_snapshot()
    with warehouse.connect(read_only=True) as con:
        live = table_counts(con, ALL_SCHEMAS)
    assert snapshot_counts(warehouse.snapshot_path) == live == info.tables
    assert info.tables["core.prices"] == 1000 and info.row_count == sum(live.values())
    assert info.table_count == len(live) and info.bytes == os.path.getsize(warehouse.snapshot_path)
    assert info.path == warehouse.snapshot_path and info.seconds > 0
    assert info.method == "file_copy"  # nobody else had the file open: its bytes are copied
    con = duckdb.connect(warehouse.snapshot_path, read_only=True)
    try:
        assert rows(con, "SELECT DISTINCT price FROM core.prices") == [(Decimal("0.1630"),)]
        with pytest.raises(duckdb.Error, match="read-only"):
            con.execute("INSERT INTO core.prices VALUES ('x', 1)")
    finally:
        con.close()
    assert leftovers(os.path.dirname(warehouse.snapshot_path)) == []
    assert not os.path.exists(warehouse.snapshot_path + ".wal")


def test_publish_while_this_process_writes_copies_only_committed_data(warehouse):
    fill(warehouse, 10)
    with warehouse.connect() as con:
        con.execute("BEGIN")
        con.execute("INSERT INTO core.prices VALUES ('uncommitted', 0.5)")
        info = publish_snapshot(warehouse.path, warehouse.snapshot_path)
        con.execute("COMMIT")
        assert rows(con, "SELECT count(*) FROM core.prices") == [(11,)]
    assert info.tables["core.prices"] == 10 and info.method == "copy_database"
    assert snapshot_counts(warehouse.snapshot_path)["core.prices"] == 10


def test_reader_of_the_old_snapshot_keeps_working_after_a_publish(warehouse):
    fill(warehouse, 5)
    warehouse.publish_snapshot()
    reader = subprocess.Popen(
        [sys.executable, "-c",
         "import duckdb, sys\n"
         f"con = duckdb.connect({warehouse.snapshot_path!r}, read_only=True)\n"
         "q = 'SELECT count(*) FROM core.prices'\n"
         "print(con.execute(q).fetchall()[0][0], flush=True)\n"
         "sys.stdin.readline()\n"
         "print(con.execute(q).fetchall()[0][0], flush=True)\n"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        assert reader.stdout.readline().strip() == "5"
        fill(warehouse, 7, ticker_prefix="U")
        assert warehouse.publish_snapshot().tables["core.prices"] == 12
        out, err = reader.communicate("go\n", timeout=60)
    finally:
        if reader.poll() is None:
            reader.kill()
    assert reader.returncode == 0, err
    assert out.strip() == "5"  # the old inode, untouched
    assert snapshot_counts(warehouse.snapshot_path)["core.prices"] == 12


def test_failed_publish_leaves_no_temp_file_and_the_old_snapshot(warehouse, monkeypatch):
    fill(warehouse, 3)
    warehouse.publish_snapshot()
    fill(warehouse, 3, ticker_prefix="U")
    directory = os.path.dirname(warehouse.snapshot_path)

    def failing_replace(src, dst):
        assert os.path.getsize(src) > 0  # the copy was written; only the swap fails
        raise OSError("disk full")

    monkeypatch.setattr(snapshot_module.os, "replace", failing_replace)
    with pytest.raises(OSError, match="disk full"):
        warehouse.publish_snapshot()
    monkeypatch.undo()
    assert leftovers(directory) == []
    assert snapshot_counts(warehouse.snapshot_path)["core.prices"] == 3


@pytest.mark.parametrize("hold_open", [False, True], ids=["file_copy", "copy_database"])
def test_failure_after_the_copy_leaves_no_temp_file(warehouse, monkeypatch, hold_open):
    fill(warehouse, 3)
    real_count = snapshot_module._count_tables

    def count_then_fail(con, temp):
        real_count(con, temp)
        assert os.path.getsize(temp) > 0
        raise RuntimeError("copy interrupted")

    monkeypatch.setattr(snapshot_module, "_count_tables", count_then_fail)
    with pytest.raises(RuntimeError, match="copy interrupted"):
        if hold_open:
            with warehouse.connect():
                warehouse.publish_snapshot()
        else:
            warehouse.publish_snapshot()
    assert leftovers(os.path.dirname(warehouse.snapshot_path)) == []
    assert not os.path.exists(warehouse.snapshot_path)


def test_failure_inside_copy_from_database_leaves_no_temp_file(warehouse, monkeypatch):
    fill(warehouse, 3)
    # Name a source database that does not exist: ATTACH has created the temp file, COPY then fails.
    monkeypatch.setattr(snapshot_module, "scalar", lambda con, sql, params=None: "no_such_db")
    removed = []
    real_remove = snapshot_module._remove
    monkeypatch.setattr(snapshot_module, "_remove",
                        lambda path: (removed.append((path, os.path.exists(path))), real_remove(path)))
    with warehouse.connect():  # held read-write, so the COPY path is taken
        with pytest.raises(duckdb.Error, match="no_such_db"):
            warehouse.publish_snapshot()
    assert any(path.endswith(".tmp") and existed for path, existed in removed)
    assert leftovers(os.path.dirname(warehouse.snapshot_path)) == []


def test_a_warehouse_with_a_pending_wal_is_copied_with_its_wal_data(tmp_path):
    path = tmp_path / "w.duckdb"
    wh = Warehouse(path, tmp_path / "s.duckdb")
    fill(wh, 2)
    # A writer that dies without closing leaves committed rows only in the WAL.
    code = (
        "import duckdb, os\n"
        f"con = duckdb.connect({str(path)!r})\n"
        "con.execute(\"SET checkpoint_threshold = '1GB'\")\n"
        "con.execute(\"INSERT INTO core.prices VALUES ('from_wal', 0.5)\")\n"
        "os._exit(0)\n"
    )
    assert subprocess.run([sys.executable, "-c", code], timeout=60).returncode == 0
    assert os.path.exists(str(path) + ".wal")
    info = wh.publish_snapshot()
    assert info.method == "copy_database" and info.tables["core.prices"] == 3
    assert snapshot_counts(wh.snapshot_path)["core.prices"] == 3


def test_snapshot_target_checks(warehouse, tmp_path):
    fill(warehouse, 1)
    with pytest.raises(SnapshotError, match="must be a local file"):
        publish_snapshot(warehouse.path, "md:my_db")
    with pytest.raises(SnapshotError, match="is the warehouse itself"):
        publish_snapshot(warehouse.path, warehouse.path)
    with pytest.raises(FileNotFoundError, match="does not exist yet"):
        publish_snapshot(tmp_path / "missing.duckdb", tmp_path / "snap.duckdb")
    info = publish_snapshot(warehouse.path, tmp_path / "new" / "dir" / "snap.duckdb")
    assert os.path.exists(info.path)


def test_publish_with_custom_settings_while_held_open(tmp_path):
    wh = Warehouse(tmp_path / "w.duckdb", tmp_path / "s.duckdb", config={"threads": 1})
    fill(wh, 4)
    with wh.connect() as con:  # held open with its settings: the publish must reuse them
        info = wh.publish_snapshot()
        assert rows(con, "SELECT count(*) FROM core.prices") == [(4,)]
    assert info.tables["core.prices"] == 4
