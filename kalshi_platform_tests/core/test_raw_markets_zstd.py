"""0003_raw_markets_json_zstd.sql: raw.kalshi_markets keeps exactly its columns and its rows; only
raw_json's on-disk encoding changes (ZSTD), and raw_json stays text that JSON functions read."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from kalshi_platform.core import kalshi_parse as kp
from kalshi_platform_tests.core.test_raw_kalshi_ddl import DUCKDB_TYPES, FIXTURES

ROOT = Path(__file__).resolve().parents[2]
MIGRATIONS = ROOT / "kalshi_platform" / "warehouse" / "migrations"
CTX = dict(source="zstd test", fetched_at=datetime(2026, 11, 1, 12, 0, tzinfo=UTC), batch_id="zstd")


def _markets():
    page = json.loads((FIXTURES / "kalshi_rest_markets_list_KXNFLGAME_demo_precog.json").read_text(encoding="utf-8"))
    return kp.parse_markets(page["markets"], **CTX).rows


@pytest.fixture
def con(tmp_path):
    connection = duckdb.connect(str(tmp_path / "w.duckdb"))
    connection.execute("SET TimeZone = 'UTC'")
    for schema in ("raw", "core", "signals", "trading", "meta"):
        connection.execute(f"CREATE SCHEMA {schema}")
    connection.execute((MIGRATIONS / "0002_raw_kalshi.sql").read_text(encoding="utf-8"))
    yield connection
    connection.close()


def _apply_0003(connection):
    connection.execute("BEGIN")
    connection.execute((MIGRATIONS / "0003_raw_markets_json_zstd.sql").read_text(encoding="utf-8"))
    connection.execute("COMMIT")


def test_columns_types_and_rows_survive(con):
    frame = _markets()
    con.register("incoming", frame.to_arrow())
    con.execute("INSERT INTO raw.kalshi_markets BY NAME SELECT * FROM incoming")
    con.unregister("incoming")
    con.execute("CREATE VIEW core.v_markets AS SELECT ticker FROM raw.kalshi_markets")
    _apply_0003(con)
    got = con.execute(
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_schema = 'raw' AND table_name = 'kalshi_markets' ORDER BY ordinal_position"
    ).fetchall()
    assert got == [(c, DUCKDB_TYPES[t]) for c, t in kp.RAW_TABLE_COLUMNS["raw.kalshi_markets"].items()]
    assert con.sql("SELECT * FROM raw.kalshi_markets ORDER BY ticker").pl().equals(frame.sort("ticker"))
    assert con.execute("SELECT count(*) FROM core.v_markets").fetchone()[0] == frame.height
    tables = {t for (t,) in con.execute("SELECT table_name FROM duckdb_tables() WHERE schema_name = 'raw'").fetchall()}
    assert tables == {name.split(".", 1)[1] for name in kp.RAW_TABLE_COLUMNS}


def test_raw_json_is_zstd_on_disk_and_still_json_text(con):
    _apply_0003(con)
    frame = _markets()
    con.register("incoming", frame.to_arrow())
    con.execute("INSERT INTO raw.kalshi_markets BY NAME SELECT * FROM incoming")
    con.unregister("incoming")
    con.execute("CHECKPOINT")
    encodings = dict(
        con.execute(
            "SELECT column_name, any_value(compression) FROM pragma_storage_info('raw.kalshi_markets') "
            "WHERE segment_type = 'VARCHAR' GROUP BY ALL"
        ).fetchall()
    )
    assert encodings["raw_json"] == "ZSTD"
    first = frame.row(0, named=True)
    assert con.execute(
        "SELECT raw_json ->> 'ticker', raw_json FROM raw.kalshi_markets WHERE ticker = ?", [first["ticker"]]
    ).fetchone() == (first["ticker"], first["raw_json"])
