from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from kalshi_platform.warehouse import WarehouseError, append, freshest, load_migrations, table_counts

T0 = dt.datetime(2026, 3, 12, 10, 0, tzinfo=dt.UTC)


def test_table_counts(con):
    con.execute("CREATE TABLE core.a (x INTEGER); CREATE TABLE signals.b (x INTEGER); CREATE VIEW core.v AS SELECT 1")
    append(con, "core.a", pl.DataFrame({"x": [1, 2, 3]}))
    counts = table_counts(con)
    assert counts["core.a"] == 3 and counts["signals.b"] == 0 and counts["raw.rejects"] == 0
    assert "core.v" not in counts  # views are not tables
    assert all(name.split(".")[0] in ("raw", "core", "signals", "trading") for name in counts)
    meta = table_counts(con, ("meta",))
    assert meta["meta.schema_version"] == len(load_migrations())
    assert meta["meta.batches"] == meta["meta.watermarks"] == 0
    assert all(name.startswith("meta.") for name in meta)
    assert table_counts(con, ("nope",)) == {}


def test_freshest(con):
    con.execute("CREATE TABLE raw.ticks (ts TIMESTAMPTZ)")
    assert freshest(con, "raw.ticks", "ts") is None
    append(con, "raw.ticks", pl.DataFrame({"ts": [T0, T0 + dt.timedelta(seconds=5), T0]}))
    assert freshest(con, "raw.ticks", "ts") == T0 + dt.timedelta(seconds=5)
    with pytest.raises(WarehouseError, match="raw.ticks has no column 'nope'"):
        freshest(con, "raw.ticks", "nope")
    with pytest.raises(WarehouseError, match="raw.missing has no column 'ts'"):
        freshest(con, "raw.missing", "ts")
