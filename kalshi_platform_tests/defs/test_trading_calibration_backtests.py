"""Calibration falls back to a backtest of the model on stored inputs, without look-ahead, and says so."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import dagster as dg
import pytest

from kalshi_platform.defs.nba_props.resources import OddsApiResource
from kalshi_platform.defs.resources import KalshiApiResource
from kalshi_platform.defs.trading.backtests import BacktestUnavailable, btc_gbm, weather_ensemble
from kalshi_platform.defs.trading.calibration import calibration
from kalshi_platform.warehouse import Warehouse
from kalshi_platform.warehouse.resource import WarehouseResource

NOW = datetime(2026, 11, 20, 15, 30, tzinfo=UTC)
EXPIRY = NOW - timedelta(minutes=10)


@pytest.fixture
def warehouse(tmp_path) -> Warehouse:
    wh = Warehouse(str(tmp_path / "w.duckdb"), str(tmp_path / "s.duckdb"))
    with wh.connect() as con:
        # Two hours of a quiet composite spot, about 1% above the strike of a market that settled YES.
        start = NOW - timedelta(minutes=125)
        con.execute(
            """
            INSERT INTO core.spot_prices (ts, price, n_sources, quorum)
            SELECT ? + to_seconds(i), round(100000 * exp(0.0004 * sin(i / 7.0)), 2)::DECIMAL(18,6), 3, true
            FROM range(0, 125 * 60 + 1) t(i)
            """,
            [start],
        )
        con.execute(
            """INSERT INTO core.contracts (ticker, event_ticker, series_ticker, status, strike_type, floor_strike,
                   expiry, horizon_source, settlement_window_s, contract_status)
               VALUES ('KXBTCD-26NOV2015-T99000', 'KXBTCD-26NOV2015', 'KXBTCD', 'finalized', 'greater', 99000,
                       ?, 'close_time', 60, 'ok'),
                      ('KXBTCD-26NOV2015-T101000', 'KXBTCD-26NOV2015', 'KXBTCD', 'finalized', 'greater', 101000,
                       ?, 'close_time', 60, 'ok')""",
            [EXPIRY, EXPIRY],
        )
        con.execute(
            """INSERT INTO raw.kalshi_markets (ticker, event_ticker, status, result, close_time, strike_type, floor_strike)
               VALUES ('KXBTCD-26NOV2015-T99000', 'KXBTCD-26NOV2015', 'finalized', 'yes', ?, 'greater', 99000),
                      ('KXBTCD-26NOV2015-T101000', 'KXBTCD-26NOV2015', 'finalized', 'no', ?, 'greater', 101000)""",
            [EXPIRY, EXPIRY],
        )
        con.execute(
            "INSERT INTO raw.kalshi_trades (trade_id, ticker, yes_price, created_time) VALUES "
            "('t1', 'KXBTCD-26NOV2015-T99000', 0.90, ?)", [EXPIRY - timedelta(minutes=40)],
        )
    return wh


def test_btc_backtest_prices_settled_markets_from_the_stored_spot_before_their_close(warehouse):
    with warehouse.connect(read_only=True) as con:
        rows = btc_gbm(con, NOW)
    # 5, 15, 30 and 60 minutes before the close fall inside the stored spot (90 does not: no sigma history).
    assert sorted(rows.filter(rows["ticker"] == "KXBTCD-26NOV2015-T99000")["horizon_hours"].round(3).to_list()) == [
        round(m / 60, 3) for m in (5, 15, 30, 60)]
    assert all(a < EXPIRY for a in rows["as_of"].to_list())
    yes = rows.filter(rows["ticker"] == "KXBTCD-26NOV2015-T99000")
    no = rows.filter(rows["ticker"] == "KXBTCD-26NOV2015-T101000")
    assert yes["model_prob"].min() > 0.99 and yes["outcome"].to_list() == [1] * 4
    assert no["model_prob"].max() < 0.01 and no["outcome"].to_list() == [0] * 4
    # The market baseline is the last trade before each point: the 0.90 trade, 40 minutes before the close.
    baseline = dict(zip(yes["horizon_hours"].round(3).to_list(), yes["market_prob"].to_list(), strict=True))
    assert baseline[round(30 / 60, 3)] == pytest.approx(0.90) and math.isnan(baseline.get(1.0) or math.nan)


def test_calibration_uses_the_backtest_and_says_why_the_others_have_none(warehouse, tmp_path):
    result = dg.materialize(
        [calibration],
        resources={
            "warehouse": WarehouseResource(path=warehouse.path, snapshot_path=warehouse.snapshot_path),
            "kalshi": KalshiApiResource(sandbox_now=NOW.isoformat()),
            "odds_api": OddsApiResource(sandbox_now=NOW.isoformat()),
        },
    )
    assert result.success
    meta = {k: v.value for k, v in result.asset_materializations_for_node("signals__calibration")[0].metadata.items()}
    used = meta["method_by_model"]
    assert used["btc_gbm"] == "backtest: 6 forecasts of 2 settled markets"
    assert used["btc_15m"].startswith("none:") and "KXBTC15M" in used["btc_15m"]
    assert used["weather_ensemble"] == "none: no settled forecasts recorded, and the backtest found no settled markets"
    assert used["nba_props"].startswith("none:")
    with warehouse.connect(read_only=True) as con:
        rows = con.execute("SELECT method, horizon, n, brier_model FROM signals.calibration ORDER BY horizon_order"
                           ).fetchall()
    assert [r[:3] for r in rows] == [("backtest", "5-15m", 2), ("backtest", "15m-1h", 2), ("backtest", "1-6h", 2),
                                     ("backtest", "all", 6)]
    assert rows[-1][3] < 0.001


def test_weather_backtest_needs_a_forecast_of_a_settled_day(warehouse):
    with warehouse.connect() as con:
        con.execute(
            """INSERT INTO raw.kalshi_markets (ticker, event_ticker, status, result, close_time, strike_type,
                   floor_strike, cap_strike, rules_primary)
               VALUES ('KXHIGHNY-26NOV19-B50.5', 'KXHIGHNY-26NOV19', 'finalized', 'yes', ?, 'between', 50, 51, ''),
                      ('KXHIGHNY-26NOV19-T49', 'KXHIGHNY-26NOV19', 'finalized', 'no', ?, 'less', NULL, 49, '')""",
            [NOW - timedelta(hours=20), NOW - timedelta(hours=20)],
        )
    with warehouse.connect(read_only=True) as con, pytest.raises(BacktestUnavailable,
                                                                  match="no stored ensemble covers a settled day"):
        weather_ensemble(con, NOW)
