"""core.instruments on the whole sandbox universe, and the describe/search commands over it."""

from __future__ import annotations

import json

import pytest

from kalshi_platform import cli
from kalshi_platform.defs.instruments.assets import ASSETS as INSTRUMENT_ASSETS
from kalshi_platform.defs.markets.assets import kalshi_events, kalshi_markets, kalshi_series
from kalshi_platform_tests.defs.conftest import materialize, query

ASSETS = [kalshi_series, kalshi_events, kalshi_markets, *INSTRUMENT_ASSETS]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    db_dir = tmp_path_factory.mktemp("instruments")
    result = materialize(db_dir, assets=ASSETS)
    assert result.success
    return db_dir, result


def test_every_market_gets_a_readable_instrument(built):
    db_dir, result = built
    markets = query(db_dir, "SELECT count(*) FROM raw.kalshi_markets")[0][0]
    assert query(db_dir, "SELECT count(*), count(DISTINCT ticker) FROM core.instruments")[0] == (markets, markets)
    assert query(db_dir, "SELECT count(*) FROM core.instruments WHERE display_name = ticker") == [(0,)]
    assert query(db_dir, "SELECT count(*) FROM core.instruments WHERE category = 'Other'") == [(0,)]
    categories = {c for (c,) in query(db_dir, "SELECT DISTINCT category FROM core.instruments")}
    assert {"Sports", "Politics", "Economics", "Climate", "Crypto", "Parlays"} <= categories
    metadata = [
        e.materialization.metadata for e in result.get_asset_materialization_events()
        if e.asset_key.path == ["core", "instruments"]
    ][0]
    assert metadata["unknown_ticker_family"].value == 0
    assert metadata["display_name_is_ticker"].value == 0


def test_first_seen_is_kept_when_rebuilt(built, tmp_path):
    db_dir, _ = built
    before = dict(query(db_dir, "SELECT ticker, first_seen FROM core.instruments"))
    again = materialize(db_dir, assets=INSTRUMENT_ASSETS)
    assert again.success
    after = dict(query(db_dir, "SELECT ticker, first_seen FROM core.instruments"))
    assert after == before


def test_search_pages_through_the_warehouse(built, capsys):
    db_dir, _ = built
    db = str(db_dir / "warehouse.duckdb")
    assert cli.main(["search", "temperature", "--category", "Climate", "--limit", "5", "--db", db]) == 0
    out = capsys.readouterr().out
    assert "1-5 of" in out and "next page: --offset 5" in out
    assert cli.main(["search", "temperature", "--category", "Climate", "--limit", "5", "--offset", "5",
                     "--format", "json", "--db", db]) == 0
    page = json.loads(capsys.readouterr().out)
    assert len(page) == 5 and all(r["category"] == "Climate" for r in page)
    assert cli.main(["search", "temperature", "--status", "settled", "--format", "json", "--db", db]) == 0
    settled = json.loads(capsys.readouterr().out)
    assert settled and all(r["status"] in ("determined", "finalized") for r in settled)


def test_describe_reads_the_warehouse_and_parses_unknown_tickers(built, capsys):
    db_dir, _ = built
    db = str(db_dir / "warehouse.duckdb")
    known = query(db_dir, "SELECT ticker, display_name FROM core.instruments WHERE category = 'Sports' LIMIT 1")[0]
    assert cli.main(["describe", known[0], "KXNBAGAME-25NOV29TORCHA", "--format", "json", "--db", db]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows[0]["display_name"] == known[1] and rows[0]["source"] == "warehouse"
    assert rows[1]["source"].startswith("ticker parse only")
    assert rows[1]["display_name"] == "NBA · Toronto at Charlotte · Nov 29, 2025"


def test_describe_reads_tickers_from_a_file_as_csv(tmp_path, capsys):
    tickers = tmp_path / "t.txt"
    tickers.write_text("FED-25DEC-T3.75\nKX2028DRUN-28-AOC\n\n")
    assert cli.main(["describe", "--file", str(tickers), "--format", "csv", "--db", str(tmp_path / "none")]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0].startswith("ticker,display_name") and len(lines) == 3
    assert "above 3.75%" in lines[1]
