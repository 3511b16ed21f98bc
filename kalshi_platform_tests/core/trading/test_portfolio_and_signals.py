"""Portfolio payloads (recorded demo ones and the 2026 form) -> exact rows; the signals contract union."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal as D
from pathlib import Path

import polars as pl
import pytest

from kalshi_platform.core.trading import portfolio as pf
from kalshi_platform.core.trading.signals import SOURCES, ContractError, SignalSource, to_signals

REAL = Path(__file__).resolve().parents[2] / "fixtures" / "kalshi" / "rest"
NOW = datetime(2026, 11, 20, 15, 30, tzinfo=UTC)
COMMON = dict(user="alice", source="test", fetched_at=NOW, batch_id="b1")


def _load(name: str) -> dict:
    return json.loads((REAL / name).read_text())


def test_recorded_demo_payloads_parse_losslessly():
    balance = pf.parse_balance(_load("kalshi_rest_portfolio_balance_demo_precog.json"), **COMMON)
    assert balance.rows.select("balance", "portfolio_value").row(0) == (D("2350.84"), D("101.97"))
    positions = pf.parse_positions(_load("kalshi_rest_portfolio_positions_demo_precog.json")["market_positions"],
                                   **COMMON)
    row = positions.rows.row(0, named=True)
    assert row["position"] == D(-103) and row["market_exposure"] == D("98.88") and row["fees_paid"] == D("0.28")
    assert row["realized_pnl"] == D(0) and row["user_name"] == "alice"
    fills = pf.parse_fills(_load("kalshi_rest_portfolio_fills_demo_precog.json")["fills"], **COMMON)
    fill = fills.rows.row(0, named=True)
    assert (fill["count"], fill["yes_price"], fill["no_price"], fill["side"]) == (D(103), D("0.04"), D("0.96"), "no")
    assert fill["ticker"] == "KXALIENS-26" and fill["is_taker"] is True
    empty = pf.parse_settlements(_load("kalshi_rest_portfolio_settlements_empty_demo_precog.json")["settlements"],
                                 **COMMON)
    assert empty.rows.is_empty() and empty.rejects.is_empty()
    assert list(fills.rows.schema) == list(pf.TABLE_SCHEMAS["raw.portfolio_fills"])


def test_2026_fields_win_and_negative_pnl_reads_from_cents_too():
    positions = pf.parse_positions(
        [{"ticker": "A", "position_fp": "-2.50", "position": -2, "realized_pnl": -1234, "market_exposure_dollars": "1.0000"},
         {"ticker": "B", "position": 4, "realized_pnl_dollars": "-0.123400"}],
        **COMMON,
    )
    rows = {r["ticker"]: r for r in positions.rows.iter_rows(named=True)}
    assert rows["A"]["position"] == D("-2.5") and rows["A"]["realized_pnl"] == D("-12.34")
    assert rows["B"]["position"] == D(4) and rows["B"]["realized_pnl"] == D("-0.1234")
    settlement = pf.parse_settlements(
        [{"ticker": "T", "market_result": "yes", "yes_count_fp": "3.00", "yes_total_cost_dollars": "1.2000",
          "revenue": 300, "fee_cost": "0.0700", "value": 100, "settled_time": "2026-11-19T21:05:00Z"}], **COMMON)
    s = settlement.rows.row(0, named=True)
    assert (s["yes_count"], s["yes_total_cost"], s["revenue"], s["fee_cost"]) == (D(3), D("1.2"), D(3), D("0.07"))


def test_unreadable_records_become_rejects_with_the_user():
    fills = pf.parse_fills([{"fill_id": "f1", "side": "yes", "count_fp": "1.5.0", "created_time": "2026-11-20T00:00:00Z"},
                            {"side": "no", "created_time": "2026-11-20T00:00:00Z"}, "not an object"], **COMMON)
    assert fills.rows.is_empty()
    reasons = fills.rejects.get_column("reason").to_list()
    assert len(reasons) == 3
    assert any("alice" in r and "count_fp" in r for r in reasons)
    assert any("missing fill_id" in r for r in reasons)


SOURCE = SignalSource("signals.test_edges", "btc_edge", "btc_gbm", ("as_of", "ticker", "variant"), "test")


def _source_frame(**overrides) -> pl.DataFrame:
    row = {"as_of": NOW, "ticker": "T1", "variant": 2, "model_prob": 0.62, "yes_ask": D("0.55"), "no_ask": D("0.47"),
           "direction": "buy_yes", "edge_bps": 500.0, "confidence": 0.8, "expiry": NOW + timedelta(hours=3),
           "skip_reason": None, "own_column": "kept in the source"}
    row.update(overrides)
    return pl.DataFrame([row], schema_overrides={"yes_ask": pl.Decimal(18, 6), "no_ask": pl.Decimal(18, 6)})


def test_signals_get_readable_stable_ids_prices_and_horizons():
    out = to_signals(_source_frame(), SOURCE).row(0, named=True)
    assert out["signal_id"] == "btc_edge|2026-11-20T15:30:00Z|T1|2"
    assert out["source_key"] == "2026-11-20T15:30:00Z|T1|2" and out["source_table"] == "signals.test_edges"
    assert out["market_price"] == D("0.55")
    assert out["market_prob"] == pytest.approx((0.55 + 0.53) / 2)
    assert out["horizon_hours"] == pytest.approx(3.0)
    assert out["actionable"] is True
    no = to_signals(_source_frame(direction="buy_no", yes_ask=None), SOURCE).row(0, named=True)
    assert no["market_price"] == D("0.47") and no["market_prob"] == pytest.approx(0.53)
    skipped = to_signals(_source_frame(direction=None, skip_reason="no quote"), SOURCE).row(0, named=True)
    assert skipped["actionable"] is False and skipped["market_price"] is None


def test_a_table_off_contract_is_refused_by_name():
    with pytest.raises(ContractError, match="edge_bps"):
        to_signals(_source_frame().drop("edge_bps"), SOURCE)


def test_every_platform_source_has_a_distinct_type_and_model():
    assert len({s.signal_type for s in SOURCES}) == len({s.model for s in SOURCES}) == len(SOURCES) == 4
    assert all("as_of" in s.key_columns for s in SOURCES)
