"""The marts on hand-made rows shaped by the signals and trading contracts: every number checked."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from decimal import Decimal

import polars as pl
import pytest

from kalshi_platform.defs.dbt.project import run_dbt, warehouse_tables
from kalshi_platform.warehouse import Warehouse, writes

T0 = datetime(2026, 11, 19, 10, 0, tzinfo=UTC)
T1 = datetime(2026, 11, 19, 19, 0, tzinfo=UTC)
CLOSE = datetime(2026, 11, 19, 20, 0, tzinfo=UTC)
T2 = datetime(2026, 11, 19, 21, 0, tzinfo=UTC)
D = Decimal
TS = pl.Datetime("us", "UTC")
DEC = pl.Decimal(18, 6)

# Issue 6's table, as its rows are shaped (kalshi_platform/core/props/signals.py), for as long as no
# migration creates it.
NBA_PROP_LINES_DDL = """
CREATE TABLE IF NOT EXISTS signals.nba_prop_lines (
    as_of TIMESTAMPTZ, ticker VARCHAR, model_prob DOUBLE, yes_ask DECIMAL(18,6), no_ask DECIMAL(18,6),
    direction VARCHAR, edge_bps DOUBLE, confidence DOUBLE, expiry TIMESTAMPTZ, skip_reason VARCHAR,
    game_id VARCHAR, game_date DATE, player_lookup VARCHAR, player_name VARCHAR, team VARCHAR, stat VARCHAR,
    n_books INTEGER, consensus_line DOUBLE, consensus_over_prob DOUBLE, kalshi_available BOOLEAN,
    kalshi_line DOUBLE, kalshi_implied_line DOUBLE, kalshi_market_ticker VARCHAR,
    kalshi_yes_price DECIMAL(18,6), kalshi_no_price DECIMAL(18,6), kalshi_liquidity DECIMAL(18,6),
    line_discrepancy DOUBLE, fee_adjusted_gap DOUBLE, arbitrage BOOLEAN, arbitrage_reason VARCHAR
)
"""


def _frame(rows: list[dict], schema: dict) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=schema, orient="row") if rows else pl.DataFrame(schema=schema)


SIGNAL_SCHEMA = {
    "as_of": TS, "ticker": pl.String, "model_prob": pl.Float64, "yes_ask": DEC, "no_ask": DEC,
    "direction": pl.String, "edge_bps": pl.Float64, "confidence": pl.Float64, "expiry": TS, "skip_reason": pl.String,
}


def _signal(as_of, ticker, p, yes_ask, no_ask, direction=None, edge=None, conf=0.5, skip=None):
    return {"as_of": as_of, "ticker": ticker, "model_prob": p, "yes_ask": D(yes_ask), "no_ask": D(no_ask),
            "direction": direction, "edge_bps": edge, "confidence": conf, "expiry": CLOSE, "skip_reason": skip}


@pytest.fixture(scope="module")
def marts(tmp_path_factory):
    root = tmp_path_factory.mktemp("marts")
    wh = Warehouse(root / "w.duckdb", root / "s.duckdb")
    wh.migrate()
    with wh.connect() as con:
        con.execute(NBA_PROP_LINES_DDL)
        writes.append(con, "raw.kalshi_markets", _frame([
            ("A", "BTC-E", "finalized", "yes", CLOSE, CLOSE), ("B", "BTC-E", "finalized", "no", CLOSE, CLOSE),
            ("C", "BTC-F", "active", "", datetime(2026, 11, 21, tzinfo=UTC), None),
            ("W1", "HIGH-E", "finalized", "yes", CLOSE, CLOSE),
        ], {"ticker": pl.String, "event_ticker": pl.String, "status": pl.String, "result": pl.String,
            "close_time": TS, "settlement_ts": TS}))
        writes.append(con, "core.instruments", _frame([
            ("A", "BTC above 90k", "Crypto"), ("B", "BTC above 95k", "Crypto"), ("C", "BTC above 99k", "Crypto"),
            ("W1", "NYC high 49-50", "Climate"),
        ], {"ticker": pl.String, "display_name": pl.String, "category": pl.String}))
        writes.append(con, "signals.btc_edges", _frame([
            _signal(T0, "A", 0.6, "0.55", "0.48", "buy_yes", 300.0),
            _signal(T0, "B", 0.4, "0.45", "0.58"),
            _signal(T1, "A", 0.8, "0.70", "0.32", "buy_yes", 800.0, 0.9),
            _signal(T1, "B", 0.3, "0.35", "0.67", "buy_no", 250.0, 0.6),
            _signal(T1, "C", 0.5, "0.50", "0.52", skip="missing_quote"),
            _signal(T2, "A", 0.99, "0.99", "0.02", skip="expired"),  # after A closed: not a forecast
            _signal(T2, "C", 0.7, "0.60", "0.42", "buy_yes", 600.0, 0.7),
        ], SIGNAL_SCHEMA))
        writes.append(con, "signals.weather_signals", _frame([
            _signal(T1, "W1", 0.2, "0.10", "0.92", "buy_yes", 900.0, 0.5),
        ], SIGNAL_SCHEMA))
        writes.append(con, "signals.nba_prop_lines", _frame([
            {"as_of": T0, "game_id": "g1", "player_lookup": "kawhileonard", "player_name": "Kawhi Leonard", "stat": "points",
             "kalshi_available": True, "consensus_line": 24.5, "kalshi_implied_line": 25.5, "line_discrepancy": 1.0,
             "kalshi_yes_price": D("0.51"), "arbitrage": False},
            {"as_of": T1, "game_id": "g1", "player_lookup": "kawhileonard", "player_name": "Kawhi Leonard", "stat": "points",
             "kalshi_available": True, "consensus_line": 24.5, "kalshi_implied_line": 27.5, "line_discrepancy": 3.0,
             "kalshi_yes_price": D("0.58"), "arbitrage": True, "arbitrage_reason": "line"},
            {"as_of": T1, "game_id": "g1", "player_lookup": "someoneelse", "player_name": "Someone Else", "stat": "points",
             "kalshi_available": False, "consensus_line": 10.5, "arbitrage": False},
        ], {"as_of": TS, "game_id": pl.String, "player_lookup": pl.String, "player_name": pl.String, "stat": pl.String,
            "kalshi_available": pl.Boolean, "consensus_line": pl.Float64, "kalshi_implied_line": pl.Float64,
            "line_discrepancy": pl.Float64, "kalshi_yes_price": DEC, "arbitrage": pl.Boolean, "arbitrage_reason": pl.String}))
        writes.append(con, "signals.calibration", _frame([
            ("btc_gbm", "backtest", "all", 28, 0.01, 0.02,
             '[{"bin_low": 0.0, "bin_high": 0.1, "n": 12, "mean_prob": 0.02, "observed_rate": 0.0},'
             ' {"bin_low": 0.9, "bin_high": 1.0, "n": 16, "mean_prob": 0.97, "observed_rate": 1.0}]'),
            ("btc_gbm", "backtest", "<1h", 5, 0.02, 0.03, None),  # per-horizon rows carry no bins
        ], {"model": pl.String, "method": pl.String, "horizon": pl.String, "n": pl.Int64, "brier_model": pl.Float64,
            "brier_market": pl.Float64, "reliability": pl.String}))
        writes.append(con, "trading.paper_orders", _frame([
            ("o1", T1, "simulate", "btc_edge", "A", "executed", D(10), D(10), D("0.70"), D("0.05"), "yes", D("2.95"), None),
            ("o2", T1, "simulate", "btc_edge", "B", "failed", D(5), D(0), None, None, None, None, None),
            ("o3", T1, "kalshi_demo", "weather", "W1", "executed", D(5), D(5), D("0.10"), D("0.02"), None, None, D("0.50")),
        ], {"order_id": pl.String, "cycle_at": TS, "mode": pl.String, "signal_type": pl.String, "ticker": pl.String,
            "status": pl.String, "count": DEC, "filled_count": DEC, "avg_price": DEC, "fees_paid": DEC,
            "market_result": pl.String, "realized_pnl": DEC, "unrealized_pnl": DEC}))
        writes.append(con, "raw.kalshi_market_snapshots", _frame([
            ("p1", "C", "BTC-F", "active", D("0.45"), D("0.55"), T0),
            ("p2", "C", "BTC-F", "active", D("0.55"), D("0.65"), T1),
        ], {"batch_id": pl.String, "ticker": pl.String, "event_ticker": pl.String, "status": pl.String,
            "yes_bid": DEC, "yes_ask": DEC, "fetched_at": TS}))
        writes.append(con, "core.quotes_latest", _frame([
            ("C", "BTC-F", "active", D("0.55"), D("0.65"), D("120"), T1, "p2"),
            ("D", "NEW-E", "active", D("0.20"), D("0.30"), D("5"), T1, "p2"),  # quoted, no instrument yet
        ], {"ticker": pl.String, "event_ticker": pl.String, "status": pl.String, "yes_bid": DEC, "yes_ask": DEC,
            "volume_24h": DEC, "quoted_at": TS, "batch_id": pl.String}))
    tables = tuple(sorted({*warehouse_tables(), "signals.nba_prop_lines"}))
    done = run_dbt(["build"], wh.path, tables=tables, target_path=root / "target")
    assert done.returncode == 0, done.stdout[-5000:]
    return wh


def _rows(wh: Warehouse, sql: str) -> list[dict]:
    with wh.connect(read_only=True) as con:
        return con.sql(sql).pl().to_dicts()


def test_edge_leaderboard_ranks_the_newest_run_of_each_signal_type(marts):
    rows = _rows(marts, "SELECT * FROM marts.edge_leaderboard ORDER BY rank")
    assert [(r["rank"], r["signal_type"], r["ticker"]) for r in rows] == [(1, "weather", "W1"), (2, "btc_edge", "C")]
    assert rows[0]["entry_price"] == D("0.10") and rows[0]["display_name"] == "NYC high 49-50"
    assert rows[1]["entry_price"] == D("0.60") and rows[1]["edge_bps"] == 600.0


def test_calibration_uses_each_markets_last_forecast_before_it_closed(marts):
    rows = _rows(marts, "SELECT * FROM marts.calibration_report WHERE source = 'signal_history' ORDER BY model, prob_bin")
    assert {r["method"] for r in rows} == {"recorded"}
    btc = [r for r in rows if r["model"] == "btc_edge"]
    assert [(r["prob_bin"], r["predictions_in_bin"], r["observed_yes_rate"]) for r in btc] == [(3, 1, 0.0), (8, 1, 1.0)]
    assert btc[0]["predictions"] == 2
    assert btc[0]["brier_model"] == pytest.approx((0.2**2 + 0.3**2) / 2)
    assert btc[0]["brier_market"] == pytest.approx(((1 - 0.69) ** 2 + 0.34**2) / 2)
    assert btc[0]["log_loss_model"] == pytest.approx(-(math.log(0.8) + math.log(0.7)) / 2)
    [weather] = [r for r in rows if r["model"] == "weather"]
    assert weather["brier_model"] == pytest.approx(0.64) and weather["base_rate"] == 1.0


def test_calibration_unpacks_the_models_reliability_bins(marts):
    rows = _rows(marts, "SELECT * FROM marts.calibration_report WHERE source = 'signals.calibration' ORDER BY prob_bin")
    assert [(r["model"], r["method"], r["prob_bin"], r["predictions_in_bin"]) for r in rows] == [
        ("btc_gbm", "backtest", 0, 12), ("btc_gbm", "backtest", 9, 16)
    ]
    assert rows[1]["observed_yes_rate"] == 1.0 and rows[1]["brier_model"] == pytest.approx(0.01)


def test_paper_pnl_sums_exactly(marts):
    rows = {(r["mode"], r["signal_type"]): r for r in _rows(marts, "SELECT * FROM marts.paper_pnl")}
    sim = rows[("simulate", "btc_edge")]
    assert (sim["orders"], sim["filled_orders"], sim["failed_orders"], sim["settled_orders"], sim["winning_orders"]) == (2, 1, 1, 1, 1)
    assert sim["cost"] == D("7.00") and sim["fees_paid"] == D("0.05") and sim["realized_pnl"] == D("2.95")
    demo = rows[("kalshi_demo", "weather")]
    assert demo["unrealized_pnl"] == D("0.50") and demo["total_pnl"] == D("0.50")


def test_props_arbitrage_keeps_the_newest_snapshot_with_a_kalshi_market(marts):
    rows = _rows(marts, "SELECT * FROM marts.props_arbitrage")
    assert len(rows) == 1
    assert rows[0]["line_discrepancy"] == 3.0 and rows[0]["arbitrage"] and rows[0]["kalshi_yes_price"] == D("0.58")


def test_market_overview_and_line_movement(marts):
    c, d = _rows(marts, "SELECT * FROM marts.market_overview ORDER BY ticker")
    assert c["ticker"] == "C" and c["display_name"] == "BTC above 99k"
    assert d["ticker"] == "D" and d["display_name"] == "D" and d["series_ticker"] == "NEW"  # kept, not dropped
    assert c["yes_mid"] == D("0.60") and c["mid_change_24h"] == D("0.10") and c["polls_24h"] == 2
    moves = _rows(marts, "SELECT * FROM marts.line_movement ORDER BY polled_at")
    assert [m["poll_number"] for m in moves] == [1, 2]
    assert moves[0]["mid_change"] is None and moves[1]["mid_change"] == D("0.10")
    assert moves[1]["mid_change_since_first"] == D("0.10")
