"""The raw market assets end to end on the embedded exchange, against a temporary DuckDB file."""

from __future__ import annotations

from decimal import Decimal

import pytest

from kalshi_platform.core import kalshi_parse as kp
from kalshi_platform.defs.markets.assets import ASSETS, kalshi_events, kalshi_markets, kalshi_series
from kalshi_platform_tests.defs.conftest import materialize, query

RAW_TABLES = [
    "raw.kalshi_series",
    "raw.kalshi_events",
    "raw.kalshi_markets",
    "raw.kalshi_market_snapshots",
    "raw.kalshi_orderbooks",
    "raw.kalshi_trades",
    "raw.kalshi_candlesticks",
]

# Columns that legitimately differ between two materializations of the same world.
VOLATILE = {"fetched_at", "batch_id"}


def _table_contents(db_dir, table: str) -> list[tuple]:
    columns = [c for c in kp.RAW_TABLE_COLUMNS[table] if c not in VOLATILE]
    key = ", ".join(kp.NATURAL_KEYS[table])
    return query(db_dir, f"SELECT {', '.join(columns)} FROM {table} ORDER BY {key}")


@pytest.fixture(scope="module")
def first_run(tmp_path_factory):
    db_dir = tmp_path_factory.mktemp("graph")
    # A few bad records so the reject path runs in the same graph.
    result = materialize(db_dir, faults="bad_record=0.01")
    return db_dir, result


def test_whole_graph_materializes(first_run):
    db_dir, result = first_run
    assert result.success
    materialized = {tuple(e.asset_key.path) for e in result.get_asset_materialization_events()}
    assert materialized == {tuple(a.key.path) for a in ASSETS}
    for table in RAW_TABLES + ["raw.rejects"]:
        assert query(db_dir, f"SELECT count(*) FROM {table}")[0][0] > 0, table


def test_every_materialization_reports_rows_and_schema(first_run):
    _, result = first_run
    for event in result.get_asset_materialization_events():
        metadata = event.materialization.metadata
        assert metadata["dagster/row_count"].value > 0, event.asset_key
        assert "dagster/column_schema" in metadata or event.asset_key.path == ["raw", "rejects"]


def test_no_natural_key_is_stored_twice(first_run):
    db_dir, _ = first_run
    for table in RAW_TABLES:
        key = ", ".join(kp.NATURAL_KEYS[table])
        dupes = query(db_dir, f"SELECT {key}, count(*) FROM {table} GROUP BY ALL HAVING count(*) > 1 LIMIT 3")
        assert dupes == [], (table, dupes)


def test_universe_is_the_exchanges_less_what_was_rejected(first_run, universe_tickers):
    db_dir, _ = first_run
    stored = {t for (t,) in query(db_dir, "SELECT ticker FROM raw.kalshi_markets")}
    rejected = query(db_dir, "SELECT count(*) FROM raw.rejects WHERE kind = 'market'")[0][0]
    assert stored <= universe_tickers
    assert 0 < len(universe_tickers - stored) <= rejected
    assert len(universe_tickers) >= 5000


def test_prices_are_exact_and_in_range(first_run):
    db_dir, _ = first_run
    types = dict(query(db_dir, "SELECT column_name, data_type FROM information_schema.columns "
                               "WHERE table_schema = 'raw' AND table_name = 'kalshi_markets'"))
    assert types["yes_bid"] == "DECIMAL(18,6)" and types["volume"] == "DECIMAL(18,6)"
    low, high = query(db_dir, "SELECT min(yes_bid), max(yes_ask) FROM raw.kalshi_markets")[0]
    assert isinstance(low, Decimal) and Decimal(0) <= low and high <= Decimal(1)
    # An order book's best YES bid is the market's YES bid in the same poll.
    crossed = query(
        db_dir,
        """
        SELECT count(*) FROM raw.kalshi_orderbooks yes JOIN raw.kalshi_orderbooks no
          ON yes.batch_id = no.batch_id AND yes.ticker = no.ticker
        WHERE yes.side = 'yes' AND no.side = 'no' AND yes.level_rank = 1 AND no.level_rank = 1
          AND yes.price + no.price > 1
        """,
    )[0][0]
    assert crossed == 0


def test_rejects_carry_source_reason_and_body(first_run):
    db_dir, _ = first_run
    rows = query(db_dir, "SELECT source, kind, reason, body FROM raw.rejects")
    assert rows
    for source, kind, reason, body in rows:
        assert source.startswith("kalshi GET ") and kind and reason and body


def test_rematerializing_the_same_world_leaves_the_same_rows(tmp_path):
    first = materialize(tmp_path)
    assert first.success
    before = {t: _table_contents(tmp_path, t) for t in RAW_TABLES if t != "raw.kalshi_market_snapshots"}
    snapshot_rows = query(tmp_path, "SELECT count(*) FROM raw.kalshi_market_snapshots")[0][0]
    second = materialize(tmp_path)
    assert second.success
    for table, rows in before.items():
        if table == "raw.kalshi_orderbooks":
            # A poll per run: same levels, a new batch.
            continue
        assert _table_contents(tmp_path, table) == rows, table
    # Snapshots and order books are polls: each run adds exactly one batch, never duplicates.
    polls = query(tmp_path, "SELECT batch_id, count(*) FROM raw.kalshi_market_snapshots GROUP BY 1")
    assert [n for _, n in polls] == [snapshot_rows, snapshot_rows]
    books = query(tmp_path, "SELECT count(DISTINCT batch_id) FROM raw.kalshi_orderbooks")[0][0]
    assert books == 2
    # The second markets load was incremental.
    modes = [
        e.materialization.metadata["mode"].value
        for e in second.get_asset_materialization_events()
        if e.asset_key.path == ["raw", "kalshi_markets"]
    ]
    assert modes == ["incremental"]


def test_heavy_faults_still_give_the_full_universe(tmp_path, universe_tickers):
    result = materialize(tmp_path, faults="heavy")
    assert result.success
    stored = {t for (t,) in query(tmp_path, "SELECT ticker FROM raw.kalshi_markets")}
    market_rejects = query(tmp_path, "SELECT count(*) FROM raw.rejects WHERE kind = 'market'")[0][0]
    assert stored <= universe_tickers
    assert len(universe_tickers - stored) <= market_rejects
    # Unreadable pages were retried and kept as rejects.
    page_rejects = query(tmp_path, "SELECT count(*) FROM raw.rejects WHERE reason LIKE '%JSON%'")[0][0]
    assert page_rejects > 0
    assert query(tmp_path, "SELECT count(*) FROM meta.batches WHERE NOT complete AND asset_key = "
                           "'raw.kalshi_markets'")[0][0] == 0


def test_a_page_that_keeps_failing_leaves_the_universe_marked_incomplete(tmp_path):
    result = materialize(
        tmp_path, assets=[kalshi_series, kalshi_events, kalshi_markets], faults="5xx=0.6", attempts=2
    )
    # The run itself does not crash; what it stored is real, and it says it is partial.
    assert result.success
    complete = query(tmp_path, "SELECT complete, note FROM meta.batches WHERE asset_key = 'raw.kalshi_markets'")
    assert complete[0][0] is False and "stopped after" in complete[0][1]
    # ... and the incremental watermark did not move, so the next run reads everything again.
    assert query(tmp_path, "SELECT count(*) FROM meta.watermarks WHERE name = 'kalshi_markets.min_updated_ts'") == [
        (0,)
    ]
    events = [
        e for e in result.get_asset_materialization_events() if e.asset_key.path == ["raw", "kalshi_markets"]
    ]
    assert events[0].materialization.metadata["universe_complete"].value is False
