"""The paper engine on hand-made signals: every gate, the cooldown, the cap, the clamp and the sizing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal as D

import polars as pl
import pytest

from kalshi_platform.core.trading.config import PROFILES, EngineConfig
from kalshi_platform.core.trading.engine import plan_orders

NOW = datetime(2026, 11, 20, 15, 30, tzinfo=UTC)


def signal(signal_id: str, **overrides) -> dict:
    row = {
        "signal_id": signal_id,
        "signal_type": "btc_edge",
        "ticker": f"KXBTCD-{signal_id}",
        "direction": "buy_yes",
        "model_prob": 0.70,
        "edge_bps": 800.0,
        "confidence": 0.9,
        "as_of": NOW,
        "expiry": NOW + timedelta(hours=4),
        "skip_reason": None,
        "yes_ask": D("0.55"),
        "no_ask": D("0.47"),
        "market_status": "active",
        "fee_type": "quadratic",
        "fee_multiplier": D("1"),
    }
    row.update(overrides)
    return row


def plan(rows: list[dict], recent: list[dict] | None = None, **config) -> pl.DataFrame:
    frame = pl.DataFrame(rows, schema_overrides={"yes_ask": pl.Decimal(18, 6), "no_ask": pl.Decimal(18, 6),
                                                  "fee_multiplier": pl.Decimal(18, 6)})
    recent_frame = pl.DataFrame(recent or [], schema={"ticker": pl.String, "direction": pl.String,
                                                      "created_at": pl.Datetime("us", "UTC")})
    return plan_orders(frame, recent_frame, EngineConfig(**config), NOW)


def by_id(frame: pl.DataFrame) -> dict[str, dict]:
    return {r["signal_id"]: r for r in frame.iter_rows(named=True)}


@pytest.mark.parametrize(
    "overrides, code, words",
    [
        ({"ticker": None}, "no_market", "no Kalshi market"),
        ({"skip_reason": "stale spot"}, "signal_skipped", "signal skipped: stale spot"),
        ({"direction": None}, "no_direction", "no trade suggested"),
        ({"signal_type": "weather"}, "type_not_allowed", "weather not in TRADING_SIGNAL_TYPES"),
        ({"as_of": NOW - timedelta(hours=2)}, "stale", "older than 30 min"),
        ({"expiry": NOW - timedelta(seconds=1)}, "expired", "expired"),
        ({"market_status": "closed"}, "market_not_open", "market not open (closed)"),
        ({"yes_ask": D("1")}, "no_ask", "no ask"),
        ({"yes_ask": None}, "no_ask", "no ask"),
        ({"model_prob": None}, "no_model_prob", "no model probability"),
        ({"edge_bps": 299.9}, "edge_below_min", "edge 299.9 bps below minimum 300"),
        ({"edge_bps": None}, "edge_below_min", "edge none bps below minimum 300"),
        ({"confidence": 0.49}, "confidence_below_min", "confidence 0.49 below minimum 0.5"),
        ({"confidence": None}, "confidence_below_min", "confidence none below minimum 0.5"),
    ],
)
def test_each_gate_skips_with_its_reason(overrides, code, words):
    out = by_id(plan([signal("a", **overrides)], signal_types=("btc_edge",)))["a"]
    assert out["decision"] == "skip"
    assert out["skip_code"] == code
    assert words in out["reason"]
    assert out["count"] is None and out["limit_price"] is None


def test_a_signal_passing_every_gate_becomes_an_order_with_kelly_size():
    out = by_id(plan([signal("a", model_prob=0.60, yes_ask=D("0.50"))], profile=PROFILES["balanced"],
                     bankroll=D("1000")))["a"]
    assert out["decision"] == "order" and out["reason"] is None and out["rank"] == 1
    # Cost per contract: 0.50 + 0.07 x 0.5 x 0.5 = 0.5175; full Kelly (0.60 - 0.5175) / (1 - 0.5175) = 0.17098...
    assert out["kelly_full"] == pytest.approx((0.60 - 0.5175) / (1 - 0.5175))
    # Balanced: 0.25 Kelly = 0.04275, capped at 2.5% of the bankroll -> $25 / 0.5175 = 48.3 -> 48 contracts.
    assert out["stake_fraction"] == pytest.approx(0.025)
    assert out["count"] == D("48")
    assert out["limit_price"] == D("0.50") and out["clamped"] is False
    assert out["notional"] == D("24.00")
    # Exact fee: ceil(0.07 x 48 x 0.5 x 0.5 x 100) / 100 = ceil(84.0) / 100 = 0.84.
    assert out["fee_estimate"] == D("0.84")


def test_size_is_capped_by_the_profiles_contract_limit_and_below_one_contract_is_skipped():
    big = by_id(plan([signal("a", model_prob=0.95)], profile=PROFILES["conservative"], bankroll=D("100000")))["a"]
    assert big["count"] == D(PROFILES["conservative"].max_contracts)
    tiny = by_id(plan([signal("b", model_prob=0.60, yes_ask=D("0.55"))], bankroll=D("10")))["b"]
    assert tiny["decision"] == "skip" and tiny["skip_code"] == "size_below_one"
    # A model probability under the cost gives no Kelly stake at all.
    none = by_id(plan([signal("c", model_prob=0.50, yes_ask=D("0.55"))]))["c"]
    assert none["skip_code"] == "size_below_one" and "0.0% of bankroll" in none["reason"]


def test_buy_no_prices_the_no_side_and_uses_one_minus_the_probability():
    out = by_id(plan([signal("a", direction="buy_no", model_prob=0.20, yes_ask=D("0.75"), no_ask=D("0.30"))]))["a"]
    assert out["side"] == "no" and out["ask"] == D("0.30") and out["limit_price"] == D("0.30")
    assert out["win_prob"] == pytest.approx(0.80)


def test_limit_price_is_clamped_to_the_configured_cents():
    rows = [
        signal("high", yes_ask=D("0.97"), model_prob=0.999, edge_bps=250.0),
        signal("low", yes_ask=D("0.02"), model_prob=0.30),
    ]
    out = by_id(plan(rows, min_edge_bps=100.0, min_price=D("0.05"), max_price=D("0.90")))
    assert out["high"]["limit_price"] == D("0.90") and out["high"]["clamped"] is True
    assert out["high"]["ask"] == D("0.97")
    assert out["low"]["limit_price"] == D("0.05") and out["low"]["clamped"] is True


def test_cooldown_per_ticker_and_direction():
    rows = [signal("a"), signal("b", direction="buy_no", model_prob=0.2, ticker="KXBTCD-a"), signal("c")]
    recent = [
        {"ticker": "KXBTCD-a", "direction": "buy_yes", "created_at": NOW - timedelta(minutes=59)},
        {"ticker": "KXBTCD-c", "direction": "buy_yes", "created_at": NOW - timedelta(minutes=61)},
    ]
    out = by_id(plan(rows, recent, cooldown=timedelta(minutes=60)))
    assert out["a"]["skip_code"] == "cooldown" and "60 min" in out["a"]["reason"]
    assert out["b"]["decision"] == "order"  # same ticker, other direction: not cooling down
    assert out["c"]["decision"] == "order"  # ordered 61 minutes ago: the cooldown is over


def test_cap_per_cycle_keeps_the_strongest_edges_and_ties_break_the_same_way():
    rows = [signal(f"s{i}", edge_bps=1000.0 - 100 * (i // 2), confidence=0.9) for i in range(6)]
    out = plan(rows, max_orders_per_cycle=3)
    orders = out.filter(pl.col("decision") == "order")
    assert orders.get_column("signal_id").to_list() == ["s0", "s1", "s2"]
    assert orders.get_column("rank").to_list() == [1, 2, 3]
    capped = out.filter(pl.col("skip_code") == "cap_reached").get_column("signal_id").to_list()
    assert sorted(capped) == ["s3", "s4", "s5"]
    assert "cap of 3 orders per cycle reached" in by_id(out)["s5"]["reason"]
    assert plan(list(reversed(rows)), max_orders_per_cycle=3).equals(out)


def test_one_order_per_market_per_cycle():
    rows = [signal("weak", edge_bps=400.0, ticker="T"), signal("strong", edge_bps=900.0, ticker="T",
                                                                 signal_type="weather")]
    out = by_id(plan(rows, signal_types=("btc_edge", "weather")))
    assert out["strong"]["decision"] == "order"
    assert out["weak"]["skip_code"] == "weaker_same_market"


def test_zero_cap_orders_nothing_and_empty_input_is_fine():
    assert plan([signal("a")], max_orders_per_cycle=0).get_column("decision").to_list() == ["skip"]
    assert plan([]).is_empty()


def test_fee_multiplier_and_fee_type_enter_the_cost():
    base = by_id(plan([signal("a", model_prob=0.60, yes_ask=D("0.50"))], profile=PROFILES["aggressive"]))["a"]
    doubled = by_id(plan([signal("a", model_prob=0.60, yes_ask=D("0.50"), fee_multiplier=D("2"))],
                         profile=PROFILES["aggressive"]))["a"]
    # Aggressive caps the stake at 5% of $1000. Cost 0.5175 -> 96 contracts, fee ceil(0.07 x 96 x 0.25) = 1.68;
    # multiplier 2: cost 0.535 -> 93 contracts, fee ceil(0.14 x 93 x 0.25 x 100) / 100 = 3.26.
    assert (base["count"], base["fee_estimate"]) == (D("96"), D("1.68"))
    assert (doubled["count"], doubled["fee_estimate"]) == (D("93"), D("3.26"))
    assert doubled["kelly_full"] == pytest.approx((0.60 - 0.535) / (1 - 0.535))
