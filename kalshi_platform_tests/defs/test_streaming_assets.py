"""Streaming assets on the embedded exchange: a capture window, books rebuilt from it agreeing with REST,
the fast path for instruments, unreadable frames kept as rejects, settings checked at start."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import dagster as dg
import pytest

from kalshi_platform.defs.markets.assets import (
    kalshi_events,
    kalshi_market_snapshots,
    kalshi_markets,
    kalshi_series,
)
from kalshi_platform.defs.streaming import build_defs
from kalshi_platform.defs.streaming.assets import ASSETS, CHECKS, orderbook_top
from kalshi_platform.defs.streaming.resources import KalshiStreamResource
from kalshi_platform.settings import SettingsError, load_settings
from kalshi_platform.warehouse import Warehouse
from kalshi_platform_tests.defs.conftest import FROZEN_NOW, query, resources

UPSTREAM = [kalshi_series, kalshi_events, kalshi_markets, kalshi_market_snapshots]


def stream_resources(db_dir: Path, **stream) -> dict:
    res = resources(db_dir, faults="none")
    res["kalshi_stream"] = KalshiStreamResource(
        sandbox_now=FROZEN_NOW, rate_tier="prime", sandbox_faults="none",
        capture_seconds=stream.pop("capture_seconds", 2.0), markets=stream.pop("markets", 8),
        sandbox_ws_faults=stream.pop("sandbox_ws_faults", "gap=0.05"), **stream,
    )
    return res


def run(db_dir: Path, selection, **stream) -> dg.ExecuteInProcessResult:
    return dg.materialize(selection, resources=stream_resources(db_dir, **stream), raise_on_error=False)


def checks(result) -> dict[str, dg.AssetCheckEvaluation]:
    return {e.check_name: e for e in result.get_asset_check_evaluations()}


@pytest.fixture(scope="module")
def captured(tmp_path_factory):
    db_dir = tmp_path_factory.mktemp("stream")
    result = run(db_dir, [*UPSTREAM, *ASSETS, *CHECKS])
    return db_dir, result


def test_the_capture_yields_books_that_agree_with_rest(captured):
    db_dir, result = captured
    assert result.success
    evaluation = checks(result)["orderbook_top_agrees_with_rest"]
    meta = {k: v.value for k, v in evaluation.metadata.items()}
    assert evaluation.passed, meta
    assert meta["match"] == 8 and meta["mismatch"] == 0 and meta["markets_compared"] == 8
    assert checks(result)["orderbook_top_consistent"].passed


def test_the_last_second_of_every_book_is_the_rest_book(captured):
    db_dir, _ = captured
    rest = {t: (json.loads(y), json.loads(n)) for t, y, n in
            query(db_dir, "SELECT ticker, yes_levels, no_levels FROM raw.kalshi_ws_rest_books WHERE error IS NULL")}
    last = query(db_dir, """
        SELECT ticker, yes_bid, yes_bid_size, no_bid, yes_ask, yes_depth, yes_levels, no_levels, gap
        FROM core.orderbook_top QUALIFY ts = max(ts) OVER (PARTITION BY ticker)""")
    assert len(rest) == 8 and {r[0] for r in last} == set(rest)
    for ticker, yes_bid, yes_size, no_bid, yes_ask, yes_depth, yes_levels, no_levels, gap in last:
        yes, no = rest[ticker]
        assert not gap
        assert yes_bid == (Decimal(yes[-1][0]) if yes else None)
        assert yes_size == (Decimal(yes[-1][1]) if yes else None)
        assert no_bid == (Decimal(no[-1][0]) if no else None)
        assert yes_ask == (1 - Decimal(no[-1][0]) if no else None)
        assert yes_depth == sum(Decimal(s) for _, s in yes)
        assert (yes_levels, no_levels) == (len(yes), len(no))


def test_every_frame_is_kept_with_its_connection_and_receive_time(captured):
    db_dir, result = captured
    meta = {m.asset_key.to_user_string(): m.materialization.metadata for m in result.get_asset_materialization_events()}
    frames = meta["raw/kalshi_ws_messages"]["frames"].value
    assert frames > 50
    (stored, connections, readable, types), = query(db_dir, """
        SELECT count(*), count(DISTINCT connection_slot), bool_and(readable), count(DISTINCT msg_type)
        FROM raw.kalshi_ws_messages""")
    assert stored == frames and connections == 2 and readable and types >= 4
    assert query(db_dir, "SELECT count(*) FROM raw.kalshi_ws_messages WHERE received_at IS NULL OR frame_text IS NULL") == [(0,)]
    deltas = query(db_dir, "SELECT count(*) FROM raw.kalshi_ws_messages WHERE msg_type = 'orderbook_delta' "
                           "AND exchange_ts IS NOT NULL AND seq IS NOT NULL")[0][0]
    assert deltas > 0


def test_gaps_in_the_stream_were_repaired_by_fresh_snapshots(captured):
    db_dir, result = captured
    meta = {m.asset_key.to_user_string(): m.materialization.metadata for m in result.get_asset_materialization_events()}
    capture = meta["raw/kalshi_ws_messages"]
    assert capture["gaps"].value >= 1 and capture["resnapshots"].value == capture["gaps"].value
    assert query(db_dir, "SELECT count(*) FROM core.orderbook_top WHERE resnapshot")[0][0] >= 1


def test_markets_first_seen_on_the_stream_get_instruments_at_once(captured):
    db_dir, result = captured
    meta = {m.asset_key.to_user_string(): m.materialization.metadata for m in result.get_asset_materialization_events()}
    added = meta["raw/kalshi_ws_messages"]["instruments_added"].value
    streamed = query(db_dir, "SELECT count(DISTINCT market_ticker) FROM raw.kalshi_ws_messages")[0][0]
    assert added == streamed >= 8  # the instruments asset was not run: every streamed market is new
    rows = query(db_dir, """
        SELECT count(*), count(display_name), count(category) FROM core.instruments
        WHERE ticker IN (SELECT market_ticker FROM raw.kalshi_ws_messages)""")
    assert rows == [(streamed, streamed, streamed)]


def test_rematerializing_the_books_adds_no_rows(captured):
    db_dir, _ = captured
    before = query(db_dir, "SELECT count(*), count(DISTINCT (ticker, ts)) FROM core.orderbook_top")[0]
    assert before[0] == before[1] > 0
    again = dg.materialize([orderbook_top], resources=stream_resources(db_dir), raise_on_error=False)
    assert again.success
    assert query(db_dir, "SELECT count(*) FROM core.orderbook_top")[0][0] == before[0]


def test_unreadable_frames_go_to_rejects_and_existing_instruments_stay(tmp_path):
    first = run(tmp_path, [*UPSTREAM, *ASSETS, *CHECKS], markets=4, capture_seconds=1.5,
                sandbox_ws_faults="malformed=0.05")
    assert first.success
    (bad,), = query(tmp_path, "SELECT count(*) FROM raw.kalshi_ws_messages WHERE NOT readable")
    (rejects,), = query(tmp_path, "SELECT count(*) FROM raw.rejects WHERE kind = 'ws_frame'")
    assert bad >= 1 and rejects == bad
    assert checks(first)["orderbook_top_agrees_with_rest"].passed  # cut frames are gaps, repaired like any
    # A second capture never overwrites an instrument that already exists.
    with Warehouse(str(tmp_path / "warehouse.duckdb"), str(tmp_path / "snapshot.duckdb")).connect() as con:
        con.execute("UPDATE core.instruments SET display_name = 'kept by the instruments asset'")
    second = run(tmp_path, ASSETS, markets=4, capture_seconds=1.0, sandbox_ws_faults="none")
    assert second.success
    names = {r[0] for r in query(tmp_path, "SELECT DISTINCT display_name FROM core.instruments")}
    assert names == {"kept by the instruments asset"}


@pytest.mark.parametrize("variable,value,message", [
    ("KALSHI_WS_CHANNELS", "orderbook_delta,gossip", "KALSHI_WS_CHANNELS"),
    ("KALSHI_WS_URL", "https://example.invalid/ws", "ws:// or wss://"),
    ("SANDBOX_WS_FAULTS", "gap=7", "SANDBOX_WS_FAULTS"),
    ("KALSHI_WS_API_KEYS", "k1=/no/such/key.pem", "does not exist"),
    ("KALSHI_WS_API_KEYS", "just-a-key", "key_id=/path"),
])
def test_bad_streaming_settings_stop_the_start_naming_the_variable(variable, value, message):
    settings = load_settings({variable: value})
    with pytest.raises(SettingsError, match=message):
        build_defs(settings)


def test_numeric_streaming_settings_are_range_checked():
    with pytest.raises(SettingsError, match="KALSHI_WS_CAPTURE_SECONDS"):
        load_settings({"KALSHI_WS_CAPTURE_SECONDS": "0"})
    with pytest.raises(SettingsError, match="KALSHI_WS_CONNECTIONS"):
        load_settings({"KALSHI_WS_CONNECTIONS": "0"})
    settings = load_settings({"KALSHI_WS_CAPTURE_SECONDS": "3", "KALSHI_WS_MARKETS": "7"})
    resource = build_defs(settings).resources["kalshi_stream"]
    assert (resource.capture_seconds, resource.markets, resource.connections) == (3.0, 7, 2)
