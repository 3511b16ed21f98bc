"""core.quotes_latest: one row per market, the newest quote, priced against the market's current status."""

from __future__ import annotations

from kalshi_platform.defs.markets.assets import kalshi_events, kalshi_market_snapshots, kalshi_markets, kalshi_series
from kalshi_platform.defs.markets.quotes import quotes_latest
from kalshi_platform.warehouse import Warehouse
from kalshi_platform_tests.defs.conftest import materialize, query

ASSETS = [kalshi_series, kalshi_events, kalshi_markets, kalshi_market_snapshots, quotes_latest]


def test_newest_quote_per_market_with_current_status(tmp_path):
    assert materialize(tmp_path, assets=ASSETS).success
    # A second poll: quotes_latest must hold one row per market, from the newest poll.
    assert materialize(tmp_path, assets=[kalshi_market_snapshots, quotes_latest]).success
    (markets, rows, distinct), = query(
        tmp_path,
        "SELECT (SELECT count(DISTINCT ticker) FROM raw.kalshi_market_snapshots), count(*), count(DISTINCT ticker) "
        "FROM core.quotes_latest",
    )
    assert rows == distinct == markets > 100
    stale = query(
        tmp_path,
        """
        SELECT count(*) FROM core.quotes_latest q
        JOIN (SELECT ticker, max(fetched_at) AS newest FROM raw.kalshi_market_snapshots GROUP BY 1) s USING (ticker)
        WHERE q.quoted_at <> s.newest
        """,
    )[0][0]
    assert stale == 0
    assert query(tmp_path, "SELECT count(*) FROM core.quotes_latest WHERE yes_bid > yes_ask")[0][0] == 0

    # A market that closed after its last quote must not be shown as live.
    ticker = query(tmp_path, "SELECT ticker FROM core.quotes_latest WHERE status = 'active' LIMIT 1")[0][0]
    warehouse = Warehouse(str(tmp_path / "warehouse.duckdb"), str(tmp_path / "snapshot.duckdb"))
    with warehouse.connect() as con:
        con.execute("UPDATE raw.kalshi_markets SET status = 'closed' WHERE ticker = ?", [ticker])
    assert materialize(tmp_path, assets=[quotes_latest]).success
    assert query(tmp_path, f"SELECT status FROM core.quotes_latest WHERE ticker = '{ticker}'") == [("closed",)]
