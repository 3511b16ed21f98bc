"""Order ids, request bodies, fill state from Kalshi's order object, and P&L, all exact."""

from __future__ import annotations

import json
from decimal import Decimal as D
from pathlib import Path

import polars as pl
import pytest

from kalshi_platform.core.money import MoneyError
from kalshi_platform.core.trading.orders import order_body, order_id, order_state
from kalshi_platform.core.trading.pnl import order_pnl, simulated_fill

REAL = Path(__file__).resolve().parents[2] / "fixtures" / "kalshi" / "rest"


def test_order_ids_are_stable_per_signal_and_mode():
    a = order_id("btc_edge|T|2026-11-20T15:30:00Z", "kalshi_demo")
    assert a == order_id("btc_edge|T|2026-11-20T15:30:00Z", "kalshi_demo")
    assert a != order_id("btc_edge|T|2026-11-20T15:30:00Z", "simulate")
    assert len(a) == 36 and a.count("-") == 4


def test_order_body_is_a_whole_contract_limit_buy_on_the_price_grid():
    body = order_body(ticker="T", side="no", count=D("7"), limit_price=D("0.305"), client_order_id="c")
    assert body == {"ticker": "T", "client_order_id": "c", "side": "no", "action": "buy", "type": "limit", "count": 7,
                    "no_price_dollars": "0.3050", "time_in_force": "good_till_canceled"}
    for bad in ({"count": D("1.5")}, {"count": D("0")}, {"limit_price": D("0.30005")}, {"limit_price": D("1")},
                {"side": "maybe"}):
        kwargs = {"ticker": "T", "side": "yes", "count": D("1"), "limit_price": D("0.5"), "client_order_id": "c"}
        kwargs.update(bad)
        with pytest.raises(ValueError):
            order_body(**kwargs)


def test_order_state_reads_the_recorded_kalshi_order_and_the_2026_fields():
    recorded = json.loads((REAL / "kalshi_rest_portfolio_order_create_precog.json").read_text())["order"]
    state = order_state(recorded)
    assert (state.status, state.filled_count, state.avg_price, state.fees_paid) == ("resting", 0, None, 0)
    assert state.external_order_id == "b9ef0c93-b795-44ff-b0a1-ddc9113a4e01"
    executed = {"status": "executed", "order_id": "x", "fill_count_fp": "3.00", "taker_fill_cost_dollars": "1.2300",
                "maker_fill_cost_dollars": "0.4100", "taker_fees_dollars": "0.0600", "maker_fees_dollars": ""}
    state = order_state(executed)
    assert state.filled_count == D("3") and state.fees_paid == D("0.06")
    assert state.avg_price == D("0.546667")  # (1.23 + 0.41) / 3, to the micro-dollar
    legacy = {"status": "executed", "order_id": "y", "fill_count": 2, "taker_fill_cost": 90, "taker_fees": 4}
    assert order_state(legacy).avg_price == D("0.45") and order_state(legacy).fees_paid == D("0.04")
    with pytest.raises(MoneyError):
        order_state({"status": "sideways"})
    # An unreadable fill count or cost is an error, never a silent zero.
    with pytest.raises(MoneyError, match="fill_count"):
        order_state({"status": "executed", "order_id": "z", "fill_count": 2.5})
    with pytest.raises(MoneyError, match="taker_fees"):
        order_state({"status": "executed", "order_id": "z", "fill_count": 1, "taker_fees": "4"})


def _pnl(rows: list[dict]) -> list[tuple]:
    frame = pl.DataFrame(rows, schema={"side": pl.String, "filled_count": pl.Decimal(18, 6),
                                       "avg_price": pl.Decimal(18, 6), "fees_paid": pl.Decimal(18, 6),
                                       "market_result": pl.String, "yes_bid": pl.Decimal(18, 6),
                                       "no_bid": pl.Decimal(18, 6)})
    return order_pnl(frame).select("realized_pnl", "unrealized_pnl").rows()


def test_pnl_hand_checked():
    rows = [
        # 10 YES at 0.40, fees 0.17, YES wins: 10 x 0.60 - 0.17 = 5.83
        {"side": "yes", "filled_count": D(10), "avg_price": D("0.40"), "fees_paid": D("0.17"), "market_result": "yes"},
        # the same when NO wins: -4.00 - 0.17
        {"side": "yes", "filled_count": D(10), "avg_price": D("0.40"), "fees_paid": D("0.17"), "market_result": "no"},
        # 5 NO at 0.30 still open, NO bid 0.35: 5 x 0.05 - 0.09 = 0.16
        {"side": "no", "filled_count": D(5), "avg_price": D("0.30"), "fees_paid": D("0.09"), "no_bid": D("0.35"),
         "yes_bid": D("0.60")},
        # unfilled and settled: nothing won or lost
        {"side": "no", "filled_count": D(0), "market_result": "yes"},
        # void: the cost comes back, the fee does not
        {"side": "yes", "filled_count": D(2), "avg_price": D("0.5"), "fees_paid": D("0.02"), "market_result": "void"},
    ]
    assert _pnl(rows) == [
        (D("5.83"), None), (D("-4.17"), None), (None, D("0.16")), (D("0"), None), (D("-0.02"), None),
    ]


def test_simulated_fill_takes_the_ask_or_rests_at_a_clamped_limit():
    frame = pl.DataFrame(
        {"limit": [D("0.50"), D("0.90"), D("0.90")], "planned": [D("0.50"), D("0.97"), D("0.97")],
         "now": [D("0.60"), D("0.95"), D("0.88")], "count": [D(4), D(4), D(4)], "open": [True, True, True]},
        schema_overrides={c: pl.Decimal(18, 6) for c in ("limit", "planned", "now", "count")},
    )
    filled, avg = simulated_fill(pl.col("limit"), pl.col("planned"), pl.col("now"), pl.col("count"), pl.col("open"))
    out = frame.select(filled.alias("f"), avg.alias("a")).rows()
    assert out == [(D(4), D("0.50")), (D(0), None), (D(4), D("0.90"))]
