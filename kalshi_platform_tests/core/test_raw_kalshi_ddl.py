"""warehouse/migrations/0002_raw_kalshi.sql and core.kalshi_parse.RAW_TABLE_COLUMNS cannot drift apart.

The migration is executed in an in-memory DuckDB; each table's columns and types must equal the
parser's frame schema, parsed real payloads must insert BY NAME and read back identical (exact
decimals, UTC times), and the natural key named in the comment above each table must equal
NATURAL_KEYS.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import polars as pl
import pytest

from kalshi_platform.core import kalshi_parse as kp

ROOT = Path(__file__).resolve().parents[2]
MIGRATION = ROOT / "kalshi_platform" / "warehouse" / "migrations" / "0002_raw_kalshi.sql"
FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "kalshi" / "rest"
CTX = dict(source="ddl test", fetched_at=datetime(2026, 11, 1, 12, 0, tzinfo=UTC), batch_id="ddl")

DUCKDB_TYPES = {
    pl.String(): "VARCHAR",
    pl.Decimal(18, 6): "DECIMAL(18,6)",
    pl.Datetime("us", "UTC"): "TIMESTAMP WITH TIME ZONE",
    pl.Boolean(): "BOOLEAN",
    pl.Int64(): "BIGINT",
    pl.Int32(): "INTEGER",
    pl.Date(): "DATE",
}


@pytest.fixture(scope="module")
def con():
    connection = duckdb.connect()
    connection.execute("SET TimeZone = 'UTC'")
    for schema in ("raw", "core", "signals", "trading", "meta"):
        connection.execute(f"CREATE SCHEMA {schema}")
    connection.execute(MIGRATION.read_text(encoding="utf-8"))
    yield connection
    connection.close()


def _load(name: str):
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def test_migration_creates_exactly_the_parser_tables(con):
    tables = {
        f"raw.{name}"
        for (name,) in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'raw'"
        ).fetchall()
    }
    assert tables == set(kp.RAW_TABLE_COLUMNS)
    assert set(kp.NATURAL_KEYS) == set(kp.RAW_TABLE_COLUMNS)


@pytest.mark.parametrize("table", sorted(kp.RAW_TABLE_COLUMNS))
def test_columns_and_types_equal_the_frame_schema(con, table):
    name = table.split(".", 1)[1]
    got = con.execute(
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_schema = 'raw' AND table_name = ? ORDER BY ordinal_position",
        [name],
    ).fetchall()
    expected = [(column, DUCKDB_TYPES[dtype]) for column, dtype in kp.RAW_TABLE_COLUMNS[table].items()]
    assert got == expected


def test_natural_key_comments_match(con):
    sql = MIGRATION.read_text(encoding="utf-8")
    found = {
        table: [k.strip() for k in keys.split(",")]
        for keys, table in re.findall(r"-- Natural key: \(([^)]*)\)\.\s*\nCREATE TABLE IF NOT EXISTS (raw\.\w+)", sql)
    }
    assert found == kp.NATURAL_KEYS
    for table, keys in kp.NATURAL_KEYS.items():
        assert set(keys) <= set(kp.RAW_TABLE_COLUMNS[table]), table
    statements = "\n".join(line for line in sql.splitlines() if not line.lstrip().startswith("--"))
    assert "PRIMARY KEY" not in statements.upper()


def _parsed_frames() -> dict[str, pl.DataFrame]:
    markets_page = _load("kalshi_rest_markets_list_KXNFLGAME_demo_precog.json")["markets"]
    bracket = _load("kalshi_rest_events_and_markets_KXNCAAMBGAME_2026_bracket-kal.json")
    markets = kp.parse_markets(markets_page + bracket["markets"], **CTX).rows
    events, _ = kp.parse_events(bracket["events"], **CTX)
    candles = _load("kalshi_rest_candlesticks_daily_KXNYKCOACH-25-MNORI_tail-end-analysis.json")["candlesticks"]
    return {
        "raw.kalshi_series": kp.parse_series([_load("kalshi_rest_series_KXHIGHLAX_kalshi_weather.json")["series"]], **CTX).rows,
        "raw.kalshi_events": events.rows,
        "raw.kalshi_markets": markets,
        "raw.kalshi_market_snapshots": kp.market_snapshot_rows(markets),
        "raw.kalshi_orderbooks": kp.parse_orderbook(
            _load("kalshi_rest_orderbook_fp_KXELONMARS-99_ccxt.json"), "KXELONMARS-99", **CTX
        ).rows,
        "raw.kalshi_trades": kp.parse_trades(_load("kalshi_rest_trades_KXELONMARS-99_ccxt.json")["trades"], **CTX).rows,
        "raw.kalshi_candlesticks": kp.parse_candlesticks(candles, "KXNYKCOACH-25-MNORI", 1440, "live", **CTX).rows,
    }


def test_parsed_frames_insert_by_name_and_read_back_identical(con):
    for table, frame in _parsed_frames().items():
        assert frame.height > 0, table
        assert dict(frame.schema) == kp.RAW_TABLE_COLUMNS[table]
        assert frame.select(kp.NATURAL_KEYS[table]).is_duplicated().sum() == 0, table
        assert frame.select(kp.NATURAL_KEYS[table]).null_count().sum_horizontal().item() == 0, table
        con.register("incoming", frame.to_arrow())
        try:
            con.execute(f"DELETE FROM {table}")
            con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM incoming")
        finally:
            con.unregister("incoming")
        back = con.sql(f"SELECT * FROM {table}").pl()
        assert dict(back.schema) == kp.RAW_TABLE_COLUMNS[table], table
        assert back.equals(frame), table


def test_empty_frames_have_the_table_schema(con):
    empty_events, empty_nested = kp.parse_events([], **CTX)
    frames = {
        "raw.kalshi_markets": kp.parse_markets([], **CTX).rows,
        "raw.kalshi_events": empty_events.rows,
        "raw.kalshi_series": kp.parse_series(None, **CTX).rows,
        "raw.kalshi_trades": kp.parse_trades([], **CTX).rows,
        "raw.kalshi_orderbooks": kp.parse_orderbook({"orderbook_fp": {"yes_dollars": [], "no_dollars": []}}, "T", **CTX).rows,
        "raw.kalshi_candlesticks": kp.parse_candlesticks([], "T", 60, "live", **CTX).rows,
        "raw.kalshi_market_snapshots": kp.market_snapshot_rows(empty_nested.rows),
    }
    for table, frame in frames.items():
        assert frame.is_empty()
        assert dict(frame.schema) == kp.RAW_TABLE_COLUMNS[table], table
