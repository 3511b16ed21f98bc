"""The BTC edge engine's assets on the sandbox: every open BTC market gets an edge row with spot and sigma
provenance, the 15-minute windows get signals, and re-running never duplicates rows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import dagster as dg
import pytest

from kalshi_platform.defs.btc.assets import ASSETS as BTC_ASSETS
from kalshi_platform.defs.btc.assets import btc15m_signals, btc_edges, sigma_history, spot_prices, spot_ticks
from kalshi_platform.defs.btc.checks import CHECKS
from kalshi_platform.defs.btc.resources import BtcConfig, SpotApiResource
from kalshi_platform.defs.markets.assets import kalshi_events, kalshi_market_snapshots, kalshi_markets, kalshi_series
from kalshi_platform.defs.markets.quotes import quotes_latest
from kalshi_platform.sandbox.worlds.btc import VENUES, BtcPath, SpotFeed
from kalshi_platform_tests.defs.conftest import FROZEN_NOW, query, resources

UPSTREAM = [kalshi_series, kalshi_events, kalshi_markets, kalshi_market_snapshots, quotes_latest]
NOW = datetime.fromisoformat(FROZEN_NOW).astimezone(UTC)


def btc_resources(db_dir, **btc) -> dict:
    return {
        **resources(db_dir, market_statuses=["open"]),
        "spot": SpotApiResource(sandbox_faults="none", sandbox_now=FROZEN_NOW, rate_tier="prime"),
        "btc": BtcConfig(**btc),
    }


def run(db_dir, assets, **btc) -> dg.ExecuteInProcessResult:
    return dg.materialize([*assets, *CHECKS] if set(assets) >= set(BTC_ASSETS) else assets,
                          resources=btc_resources(db_dir, **btc), raise_on_error=False)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    db_dir = tmp_path_factory.mktemp("btc")
    result = run(db_dir, [*UPSTREAM, *BTC_ASSETS])
    assert result.success, [e.message for e in result.all_events if e.is_failure]
    return db_dir, result


def test_every_open_btc_market_gets_an_edge_row_with_provenance(built):
    db_dir, _ = built
    open_btc = {t for (t,) in query(db_dir, """
        SELECT ticker FROM raw.kalshi_markets
        WHERE status = 'active' AND split_part(event_ticker, '-', 1) IN ('KXBTC', 'KXBTCD', 'KXBTC15M')""")}
    assert len(open_btc) > 30
    rows = query(db_dir, "SELECT ticker, as_of, spot, spot_sources, spot_n_sources, sigma, sigma_source, "
                         "model_prob, skip_reason FROM signals.btc_edges")
    assert {r[0] for r in rows} == open_btc
    assert len(rows) == len(open_btc)
    assert {r[1] for r in rows} == {NOW}
    for ticker, _, spot, sources, n, sigma, sigma_source, prob, skip in rows:
        assert spot is not None and sources and n >= 2, ticker
        assert sigma is not None and 0.05 < sigma < 3 and sigma_source == "ewma", ticker
        assert skip in (None, "missing_yes_ask", "missing_no_ask", "missing_quote"), (ticker, skip)
        assert prob is not None and 0 <= prob <= 1
    # The spot is the composite of the sandbox exchanges at the clock (within their small basis).
    path_price = float(BtcPath(7).price(int(NOW.timestamp())))
    assert abs(float(rows[0][2]) / path_price - 1) < 5e-4


def test_composite_lists_its_sources_and_the_sandbox_outages(built):
    db_dir, _ = built
    feed = SpotFeed(BtcPath(7))
    t = int(NOW.timestamp())
    up = {v for v in VENUES if not feed.is_down(v, t)}
    ticker_sources = {s for (s,) in query(db_dir, "SELECT source FROM raw.spot_ticks WHERE channel = 'ticker' AND status = 'ok'")}
    assert ticker_sources == up
    latest = query(db_dir, "SELECT sources, n_sources, quorum, source_prices FROM core.spot_prices "
                           "WHERE quorum ORDER BY ts DESC LIMIT 1")[0]
    assert set(latest[0].split(",")) <= set(VENUES) and latest[1] == len(latest[0].split(",")) >= 2 and latest[2]
    assert latest[3].count("=") == latest[1]
    assert query(db_dir, "SELECT count(*) FROM core.spot_prices WHERE quorum AND (price IS NULL OR n_sources < 2)") == [(0,)]


def test_sigma_comes_from_the_ewma_near_the_paths_volatility(built):
    db_dir, _ = built
    sigma, source, reason, n = query(db_dir, "SELECT sigma, sigma_source, sigma_reason, n_returns FROM core.sigma_history")[0]
    true_sigma = float(BtcPath(7).sigma_at(int(NOW.timestamp()))[0])
    assert source == "ewma" and reason is None and n >= 100
    assert 0.5 * true_sigma < sigma < 1.6 * true_sigma


def test_fifteen_minute_window_gets_a_signal_against_its_opening_price(built):
    db_dir, _ = built
    rows = query(db_dir, "SELECT s.ticker, s.opening_price, m.floor_strike, s.model_prob, s.spot_sources, "
                         "s.confidence, s.skip_reason, s.direction FROM signals.btc15m_signals s "
                         "JOIN raw.kalshi_markets m USING (ticker)")
    open_windows = query(db_dir, "SELECT count(*) FROM raw.kalshi_markets WHERE status = 'active' "
                                 "AND event_ticker LIKE 'KXBTC15M-%'")[0][0]
    assert len(rows) == open_windows >= 1
    for ticker, opening, floor, prob, sources, confidence, skip, direction in rows:
        assert opening == floor and 0 <= prob <= 1 and sources and 0 <= confidence <= 1
        assert direction in (None, "buy_yes", "buy_no")
        assert skip in (None, "missing_yes_ask", "missing_no_ask")


def test_contracts_cover_every_strike_market(built):
    db_dir, _ = built
    strike_markets = query(db_dir, "SELECT count(*) FROM raw.kalshi_markets WHERE strike_type IN "
                                   "('greater','greater_or_equal','less','less_or_equal','between')")[0][0]
    assert query(db_dir, "SELECT count(*) FROM core.contracts")[0][0] == strike_markets
    series = {s for (s,) in query(db_dir, "SELECT DISTINCT series_ticker FROM core.contracts")}
    assert {"KXBTC", "KXBTCD", "KXBTC15M", "KXHIGHNY"} <= series  # not only BTC


def test_checks_pass_and_rerun_adds_no_duplicates(built):
    db_dir, result = built
    meta = {e.asset_key.path[-1]: e.materialization.metadata for e in result.get_asset_materialization_events()}
    edges_meta = meta["btc_edges"]
    assert edges_meta["model_vs_market"].value.startswith("![model vs market](data:image/png;base64,")
    assert sum(edges_meta["by_skip_reason"].value.values()) == edges_meta["rows_this_batch"].value
    assert meta["sigma_history"]["sigma_source"].value == "ewma"
    checks = {e.asset_check_key.name: e.passed for e in result.get_asset_check_evaluations()}
    assert checks == {"btc_edges_cover_open_markets": True, "btc15m_signals_cover_open_windows": True,
                      "spot_prices_quorum": True}
    before = {t: query(db_dir, f"SELECT count(*) FROM {t}")[0][0] for t in
              ("raw.spot_ticks", "core.spot_prices", "core.sigma_history", "signals.btc_edges", "signals.btc15m_signals")}
    again = run(db_dir, [spot_ticks, spot_prices, sigma_history, btc_edges, btc15m_signals])
    assert again.success
    after = {t: query(db_dir, f"SELECT count(*) FROM {t}")[0][0] for t in before}
    assert after == before


def test_without_sigma_default_and_too_few_returns_edges_say_sigma_unavailable(tmp_path):
    # No candles read: too few returns for the EWMA, no earlier good sigma, no default.
    result = run(tmp_path, [*UPSTREAM, *BTC_ASSETS], history_minutes=0, sigma_default=None)
    assert result.success
    assert query(tmp_path, "SELECT sigma, sigma_source FROM core.sigma_history") == [(None, "unavailable")]
    skips = query(tmp_path, "SELECT DISTINCT skip_reason FROM signals.btc_edges")
    assert skips == [("sigma_unavailable",)]


def test_an_exchange_down_is_an_outage_row_and_the_run_prices_with_the_other_two(tmp_path):
    from kalshi_platform.defs.resources import KalshiApiResource
    from kalshi_platform_tests.clients.spot.test_clients import find_block

    when = find_block({"kraken"}, NOW).isoformat()
    res = btc_resources(tmp_path)
    res["kalshi"] = KalshiApiResource(sandbox_faults="none", sandbox_now=when, rate_tier="prime")
    res["spot"] = SpotApiResource(sandbox_faults="none", sandbox_now=when, rate_tier="prime")
    result = dg.materialize([*UPSTREAM, *BTC_ASSETS], resources=res, raise_on_error=False)
    assert result.success
    assert query(tmp_path, "SELECT source, status FROM raw.spot_ticks WHERE channel = 'ticker' ORDER BY 1") == [
        ("bitstamp", "ok"), ("coinbase", "ok"), ("kraken", "outage")]
    assert query(tmp_path, "SELECT error LIKE '%EService:Unavailable%' FROM raw.spot_ticks WHERE status = 'outage'") == [(True,)]
    rows = query(tmp_path, "SELECT DISTINCT spot_sources, spot_n_sources, skip_reason = 'stale_spot' FROM signals.btc_edges")
    assert {(r[0], r[1]) for r in rows} == {("bitstamp,coinbase", 2)} and not any(r[2] for r in rows)
    notes = [e.materialization.metadata.get("outages") for e in result.get_asset_materialization_events()
             if e.asset_key.path == ["raw", "spot_ticks"]]
    assert notes[0].value == 1


def test_a_spot_older_than_the_limit_makes_every_edge_stale(built, tmp_path):
    import shutil

    from kalshi_platform.defs.resources import KalshiApiResource

    db_dir, _ = built
    shutil.copy(db_dir / "warehouse.duckdb", tmp_path / "warehouse.duckdb")
    # Ten minutes later, without a new spot poll: the newest composite is 600 s old (limit 120 s).
    later = (NOW + timedelta(minutes=10)).isoformat()
    res = btc_resources(tmp_path)
    res["kalshi"] = KalshiApiResource(sandbox_faults="none", sandbox_now=later, rate_tier="prime")
    res["spot"] = SpotApiResource(sandbox_faults="none", sandbox_now=later, rate_tier="prime")
    assert dg.materialize([btc_edges], resources=res, raise_on_error=False).success
    skips = dict(query(tmp_path, f"SELECT skip_reason, count(*) FROM signals.btc_edges WHERE as_of = '{later}' GROUP BY 1"))
    assert set(skips) <= {"stale_spot", "expired"} and skips["stale_spot"] > 30
    assert query(tmp_path, f"SELECT count(*) FROM signals.btc_edges WHERE as_of = '{later}' AND model_prob IS NOT NULL") == [(0,)]
