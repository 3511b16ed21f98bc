"""The kalshi-platform command line: run, stats, import."""

from __future__ import annotations

import json
import shutil
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from kalshi_platform import cli

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "kalshi" / "rest"


def _rows(db: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_import_loads_every_saved_kalshi_response(tmp_path, capsys):
    db = tmp_path / "imported.duckdb"
    assert cli.main(["import", str(FIXTURES), "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "rows imported" in out
    counts = dict(_rows(db, """
        SELECT 'markets', count(*) FROM raw.kalshi_markets UNION ALL
        SELECT 'events', count(*) FROM raw.kalshi_events UNION ALL
        SELECT 'series', count(*) FROM raw.kalshi_series UNION ALL
        SELECT 'orderbooks', count(*) FROM raw.kalshi_orderbooks UNION ALL
        SELECT 'trades', count(*) FROM raw.kalshi_trades UNION ALL
        SELECT 'candles', count(*) FROM raw.kalshi_candlesticks
    """))
    assert all(n > 0 for n in counts.values()), counts
    # Exact to the source string: the KXELONMARS market's prices and sizes.
    market = json.loads((FIXTURES / "kalshi_rest_market_KXELONMARS-99_ccxt.json").read_text())["market"]
    yes_bid, size, volume = _rows(
        db, "SELECT yes_bid, yes_bid_size, volume FROM raw.kalshi_markets WHERE ticker = 'KXELONMARS-99'"
    )[0]
    assert yes_bid == Decimal(market["yes_bid_dollars"])
    assert size == Decimal(market["yes_bid_size_fp"])
    assert volume == Decimal(market["volume_fp"])
    # Legacy integer-cent order books land as dollars.
    legacy = _rows(db, "SELECT count(*) FROM raw.kalshi_orderbooks WHERE format = 'orderbook_cents'")[0][0]
    assert legacy > 0


def test_import_twice_stores_the_same_rows(tmp_path):
    db = tmp_path / "imported.duckdb"
    cli.main(["import", str(FIXTURES), "--db", str(db)])
    first = _rows(db, "SELECT count(*) FROM raw.kalshi_markets")[0][0]
    cli.main(["import", str(FIXTURES), "--db", str(db)])
    assert _rows(db, "SELECT count(*) FROM raw.kalshi_markets")[0][0] == first


def test_import_records_unreadable_files_as_rejects(tmp_path, capsys):
    bad = tmp_path / "in"
    bad.mkdir()
    (bad / "broken.json").write_text('{"markets": [{"ticker": "X"')
    (bad / "other.json").write_text('{"hello": 1}')
    (bad / "prices.json").write_text(json.dumps({"markets": [
        {"ticker": "KXA-1", "event_ticker": "KXA", "status": "active", "yes_bid_dollars": "1.5000"},
        {"ticker": "KXA-2", "event_ticker": "KXA", "status": "active", "yes_bid_dollars": "0.5000"},
    ]}))
    db = tmp_path / "w.duckdb"
    assert cli.main(["import", str(bad), "--db", str(db)]) == 0
    reasons = [r for (r,) in _rows(db, "SELECT reason FROM raw.rejects ORDER BY reason")]
    assert any("malformed JSON" in r for r in reasons)
    assert any("not a Kalshi REST response" in r for r in reasons)
    assert any("outside [0, 1]" in r for r in reasons)
    assert _rows(db, "SELECT ticker FROM raw.kalshi_markets") == [("KXA-2",)]
    assert "3 rejects" in capsys.readouterr().out


def test_stats_reports_counts_and_rejects(tmp_path, capsys, monkeypatch):
    db = tmp_path / "imported.duckdb"
    cli.main(["import", str(FIXTURES), "--db", str(db)])
    capsys.readouterr()
    assert cli.main(["stats", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "raw.kalshi_markets" in out and "freshest fetched_at" in out


def test_stats_without_a_warehouse_says_so(tmp_path, capsys):
    assert cli.main(["stats", "--db", str(tmp_path / "none.duckdb")]) == 2
    assert "make run" in capsys.readouterr().err


def test_bad_configuration_is_a_clear_error(monkeypatch, capsys):
    monkeypatch.setenv("KALSHI_ENV", "staging")
    assert cli.main(["stats"]) == 2
    assert "KALSHI_ENV" in capsys.readouterr().err


@pytest.mark.e2e
def test_run_materializes_everything_into_the_project_instance(tmp_path, monkeypatch, capsys):
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(ROOT / ".dagster_home" / "dagster.yaml", home / "dagster.yaml")
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    monkeypatch.setenv("KALSHI_DUCKDB_PATH", str(tmp_path / "w.duckdb"))
    monkeypatch.setenv("KALSHI_SNAPSHOT_PATH", str(tmp_path / "snap.duckdb"))
    monkeypatch.setenv("KALSHI_ORDERBOOK_MARKETS", "5")
    monkeypatch.setenv("KALSHI_CANDLE_MARKETS", "3")
    monkeypatch.setenv("KALSHI_RATE_TIER", "prime")
    assert cli.main(["run"]) == 0
    out = capsys.readouterr().out
    assert "succeeded" in out and "make ui" in out
    for table in cli.RAW_TABLES:
        assert table in out
    # The snapshot is a complete read-only copy for notebooks.
    markets = _rows(tmp_path / "snap.duckdb", "SELECT count(*) FROM raw.kalshi_markets")[0][0]
    assert markets > 5000
    # The run is recorded in the project's instance, so `make ui` lists it.
    from dagster import DagsterInstance

    from kalshi_platform.definitions import ALL_ASSETS_JOB

    with DagsterInstance.from_config(str(home)) as instance:
        runs = instance.get_runs()
        whole = [r for r in runs if r.job_name == ALL_ASSETS_JOB]
        assert len(whole) == 1 and whole[0].is_success
        # ...followed by one portfolio run per user (the sandbox demo user), also recorded.
        portfolios = [r for r in runs if r.job_name != ALL_ASSETS_JOB]
        assert portfolios and all(r.is_success for r in portfolios)
