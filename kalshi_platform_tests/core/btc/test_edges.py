"""Edges: exact fees (a hand-computed table), EV signs and magnitudes on hand-checked cases, every skip
reason reachable, guardrails (NaN / zero sigma, stale spot, exchanges down), and the vectorised engine
agreeing with the per-market reference."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from decimal import Decimal as D

import numpy as np
import polars as pl
import pytest
from scipy.special import ndtr

from kalshi_platform.core.btc.edges import (
    INPUT_SCHEMA,
    OUTPUT_SCHEMA,
    SKIP_REASONS,
    EdgeParams,
    SigmaInput,
    SpotInput,
    compute_edges,
    edge_one,
)
from kalshi_platform.core.btc.pricing import SECONDS_PER_YEAR
from kalshi_platform.core.fees import order_fee

NOW = datetime(2026, 11, 20, 15, 30, tzinfo=UTC)
SPOT = SpotInput(D("75000"), NOW - timedelta(seconds=2), "bitstamp,coinbase,kraken", 3, 3)
SIGMA = SigmaInput(0.5, "ewma", None, NOW)


def row(ticker="M", **kw) -> dict:
    base = {
        "ticker": ticker, "event_ticker": "KXBTCD-26NOV2017", "series_ticker": "KXBTCD", "contract_status": "ok",
        "strike_type": "greater", "floor_strike": D("74999.99"), "cap_strike": None,
        "expiry": NOW + timedelta(hours=1), "horizon_source": "close_time", "settlement_window_s": 60,
        "has_quote": True, "yes_ask": D("0.50"), "no_ask": D("0.52"), "quoted_at": NOW, "fee_type": "quadratic",
        "fee_multiplier": D("1"),
    }
    base.update(kw)
    return base


def edges(rows, spot=SPOT, sigma=SIGMA, params=EdgeParams()) -> dict[str, dict]:
    frame = pl.DataFrame(rows, schema=INPUT_SCHEMA)
    out = compute_edges(frame, as_of=NOW, spot=spot, sigma=sigma, params=params)
    assert dict(out.schema) == OUTPUT_SCHEMA
    return {r["ticker"]: r for r in out.iter_rows(named=True)}


# --- fees: a hand-computed table --------------------------------------------------------------------
# fee = ceil_to_step(rate x multiplier x C x P x (1 - P)); taker rate 0.07 (quadratic), 0.035 (flat).
FEE_TABLE = [
    # contracts, price, fee_type, multiplier, fee            hand computation
    (1, "0.50", "quadratic", "1", "0.02"),                   # 0.07*.25 = 0.0175 -> 0.02
    (1, "0.01", "quadratic", "1", "0.01"),                   # 0.07*.0099 = 0.000693 -> 0.01
    (100, "0.50", "quadratic", "1", "1.75"),                 # 1.75 exactly: no rounding
    (100, "0.20", "quadratic", "1", "1.12"),                 # 0.07*100*.16 = 1.12 exactly
    (10, "0.35", "quadratic", "1", "0.16"),                  # 0.07*10*.2275 = 0.15925 -> 0.16
    (3, "0.555", "quadratic", "1", "0.06"),                  # 0.07*3*.246975 = 0.05186475 -> 0.06 (deci-cent price)
    (100, "0.50", "quadratic", "0.5", "0.88"),               # 0.875 -> 0.88
    (1, "0.20", "quadratic", "2", "0.03"),                   # 0.07*2*.16 = 0.0224 -> 0.03
    (100, "0.50", "quadratic_with_maker_fees", "1", "1.75"),  # taker side: same as quadratic
    (100, "0.50", "flat", "1", "0.88"),                      # 0.035*100*.25 = 0.875 -> 0.88
    (7, "0.93", "quadratic", "1", "0.04"),                   # 0.07*7*.0651 = 0.031899 -> 0.04
    (1, "0.99", "quadratic", "1", "0.01"),                   # 0.000693 -> 0.01
]


@pytest.mark.parametrize(("contracts", "price", "fee_type", "multiplier", "fee"), FEE_TABLE)
def test_fee_table_exact_through_the_engine(contracts, price, fee_type, multiplier, fee):
    assert order_fee(D(contracts), D(price), fee_type=fee_type, multiplier=D(multiplier)) == D(fee)
    out = edges([row(yes_ask=D(price), no_ask=D(price), fee_type=fee_type, fee_multiplier=D(multiplier))],
                params=EdgeParams(order_contracts=D(contracts)))["M"]
    assert out["yes_fee"] == D(fee) and out["no_fee"] == D(fee) and out["fee_contracts"] == D(contracts)


def test_fees_default_to_quadratic_one_when_the_series_is_unknown():
    out = edges([row(fee_type=None, fee_multiplier=None)])["M"]
    assert (out["fee_type"], out["fee_multiplier"], out["yes_fee"]) == ("quadratic", D(1), D("0.02"))


# --- EV: hand-checked cases -------------------------------------------------------------------------
def test_deep_in_the_money_yes_is_worth_one_minus_ask_minus_fee():
    # Spot 75,000 vs strike 50,000 an hour out: P(YES) is 1 to machine precision.
    out = edges([row(floor_strike=D("49999.99"), yes_ask=D("0.90"), no_ask=D("0.12"))])["M"]
    assert out["model_prob"] == pytest.approx(1.0, abs=1e-12)
    # YES: 1 - 0.90 - fee(0.90) = 1 - 0.90 - 0.01 (0.07*.09 = 0.0063 -> 0.01) = 0.09
    assert out["ev_yes"] == pytest.approx(0.09, abs=1e-9)
    # NO: 0 - 0.12 - fee(0.12) = -0.12 - 0.01 (0.07*.1056 = 0.007392 -> 0.01) = -0.13
    assert out["ev_no"] == pytest.approx(-0.13, abs=1e-9)
    assert (out["direction"], out["edge_bps"]) == ("buy_yes", pytest.approx(900.0))
    assert out["confidence"] == pytest.approx(1.0)  # a +-25% sigma error changes nothing here


def test_at_the_money_ev_matches_the_closed_form():
    # greater_or_equal K = 75,000 with spot 75,000, 15 minutes: P = N(-sqrt(v)/2) with the half-cent shift.
    expiry = NOW + timedelta(minutes=15)
    out = edges([row(strike_type="greater_or_equal", floor_strike=D("75000"), expiry=expiry, yes_ask=D("0.45"),
                     no_ask=D("0.58"))])["M"]
    v = 0.5**2 * (900 - 40) / SECONDS_PER_YEAR
    p = float(ndtr((math.log(75_000 / 74_999.995) - v / 2) / math.sqrt(v)))
    assert out["model_prob"] == pytest.approx(p, abs=1e-12)
    assert out["tau_s"] == 900 and out["tau_eff_s"] == pytest.approx(860.0)
    assert out["ev_yes"] == pytest.approx(p - 0.45 - 0.02, abs=1e-12)  # fee(0.45) = 0.017325 -> 0.02
    assert out["ev_no"] == pytest.approx((1 - p) - 0.58 - 0.02, abs=1e-12)  # fee(0.58) = 0.017052 -> 0.02
    assert out["direction"] == "buy_yes" and out["edge_bps"] == pytest.approx((p - 0.47) * 10_000)


def test_fees_can_turn_a_raw_edge_into_no_trade():
    # p ~ 0.5: buying YES at 0.49 is +1c before fees, -1c after (fee 0.02): no direction.
    out = edges([row(strike_type="greater_or_equal", floor_strike=D("75000"), yes_ask=D("0.49"), no_ask=D("0.53"))])["M"]
    assert 0.49 < out["model_prob"] < 0.5 + 1e-6
    assert out["ev_yes"] < 0 and out["ev_no"] < 0 and out["direction"] is None and out["edge_bps"] is None


def test_threshold_and_sides_are_independent():
    # Both sides cheap (a crossed book): each EV is computed on its own; the better one wins.
    out = edges([row(strike_type="greater_or_equal", floor_strike=D("75000"), yes_ask=D("0.30"), no_ask=D("0.40"))],
                params=EdgeParams(threshold_bps=100))["M"]
    p = out["model_prob"]
    assert out["ev_yes"] == pytest.approx(p - 0.30 - 0.02) and out["ev_no"] == pytest.approx(1 - p - 0.40 - 0.02)
    assert out["direction"] == "buy_yes"
    high = edges([row(strike_type="greater_or_equal", floor_strike=D("75000"), yes_ask=D("0.30"), no_ask=D("0.40"))],
                 params=EdgeParams(threshold_bps=2000))["M"]
    assert high["direction"] is None and high["ev_yes"] == out["ev_yes"]


# --- skip reasons -----------------------------------------------------------------------------------
def test_every_skip_reason_is_reachable_and_named():
    rows = [
        row("missing_contract", contract_status=None, strike_type=None, floor_strike=None),
        row("missing_contract_bounds", contract_status="missing_contract", floor_strike=None),
        row("missing_close_time", contract_status="missing_close_time", expiry=None, horizon_source=None),
        row("expired", expiry=NOW - timedelta(seconds=1)),
        row("expired_now", expiry=NOW),
        row("missing_quote", has_quote=False, yes_ask=None, no_ask=None),
        row("missing_quote_both_sides", yes_ask=None, no_ask=D("1.0")),
        row("missing_yes_ask", yes_ask=None),
        row("missing_yes_ask_at_one", yes_ask=D("1.0000")),
        row("missing_no_ask", no_ask=None),
        row("missing_no_ask_zero", no_ask=D("0")),
        row("evaluated"),
    ]
    out = edges(rows)
    assert {t: r["skip_reason"] for t, r in out.items()} == {
        "missing_contract": "missing_contract", "missing_contract_bounds": "missing_contract",
        "missing_close_time": "missing_close_time", "expired": "expired", "expired_now": "expired",
        "missing_quote": "missing_quote", "missing_quote_both_sides": "missing_quote",
        "missing_yes_ask": "missing_yes_ask", "missing_yes_ask_at_one": "missing_yes_ask",
        "missing_no_ask": "missing_no_ask", "missing_no_ask_zero": "missing_no_ask", "evaluated": None,
    }
    stale = edges([row()], spot=SpotInput(D("75000"), NOW - timedelta(minutes=10), "coinbase,kraken", 2, 3))["M"]
    assert stale["skip_reason"] == "stale_spot" and stale["model_prob"] is None
    no_sigma = edges([row()], sigma=SigmaInput(None, "unavailable", "too_few_returns (3 < 20); no usable default"))["M"]
    assert no_sigma["skip_reason"] == "sigma_unavailable" and no_sigma["sigma_reason"].startswith("too_few")
    reached = set(out_r["skip_reason"] for out_r in out.values()) | {"stale_spot", "sigma_unavailable"}
    assert reached - {None} == set(SKIP_REASONS)


def test_skip_reasons_come_in_a_fixed_order():
    # A market that is expired, has no quote and faces a stale spot is "expired": the first that applies.
    out = edges([row(expiry=NOW - timedelta(hours=1), has_quote=False, yes_ask=None, no_ask=None)],
                spot=SpotInput(None, None))["M"]
    assert out["skip_reason"] == "expired"
    out = edges([row(has_quote=False, yes_ask=None, no_ask=None)], spot=SpotInput(None, None),
                sigma=SigmaInput(None, "unavailable"))["M"]
    assert out["skip_reason"] == "stale_spot"


def test_one_side_missing_still_prices_the_other():
    out = edges([row(floor_strike=D("80000"), yes_ask=None, no_ask=D("0.70"))])
    r = out["M"]
    assert r["skip_reason"] == "missing_yes_ask" and r["ev_yes"] is None and r["yes_fee"] is None
    assert r["model_prob"] < 0.05
    assert r["ev_no"] == pytest.approx((1 - r["model_prob"]) - 0.70 - 0.02)  # fee(0.70) = 0.07*.21 = 0.0147 -> 0.02
    assert r["direction"] == "buy_no"


# --- guardrails -------------------------------------------------------------------------------------
@pytest.mark.parametrize("bad", [float("nan"), 0.0, -0.3, None])
def test_nan_zero_or_missing_sigma_is_sigma_unavailable(bad):
    out = edges([row()], sigma=SigmaInput(bad, "ewma"))["M"]
    assert out["skip_reason"] == "sigma_unavailable" and out["model_prob"] is None and out["sigma"] is None


def test_huge_sigma_flattens_probabilities_but_stays_in_range():
    out = edges([row(floor_strike=D("60000"))], sigma=SigmaInput(50.0, "ewma"))["M"]
    assert 0 <= out["model_prob"] <= 1


def test_fewer_exchanges_lower_the_confidence_not_the_price():
    three = edges([row(floor_strike=D("74000"), yes_ask=D("0.60"))])["M"]
    two = edges([row(floor_strike=D("74000"), yes_ask=D("0.60"))],
                spot=SpotInput(D("75000"), NOW, "bitstamp,coinbase", 2, 3))["M"]
    fallback = edges([row(floor_strike=D("74000"), yes_ask=D("0.60"))], sigma=SigmaInput(0.5, "default", "non_finite"))["M"]
    assert three["model_prob"] == two["model_prob"] == fallback["model_prob"]
    assert three["confidence"] > two["confidence"] > 0 and three["confidence"] > fallback["confidence"] > 0
    assert two["spot_sources"] == "bitstamp,coinbase" and two["spot_n_sources"] == 2
    assert fallback["sigma_source"] == "default" and fallback["sigma_reason"] == "non_finite"


# --- the vectorised engine against the reference ----------------------------------------------------
def test_vectorised_engine_matches_the_per_market_reference():
    rng = np.random.default_rng(11)
    rows = []
    kinds = ["greater", "greater_or_equal", "less", "less_or_equal", "between", "custom"]
    for k in range(800):
        kind = kinds[rng.integers(len(kinds))]
        lo = D(f"{float(rng.uniform(60_000, 90_000)):.2f}")
        ask = lambda: None if rng.random() < 0.07 else D(f"{rng.integers(0, 1001) / 1000:.3f}")  # noqa: E731
        rows.append(row(
            f"M{k}", strike_type=kind, floor_strike=lo if kind in ("greater", "greater_or_equal", "between", "custom") else None,
            cap_strike=lo + 500 if kind in ("less", "less_or_equal", "between") else None,
            contract_status=None if kind == "custom" else str(rng.choice(["ok"] * 8 + ["missing_close_time"])),
            expiry=NOW + timedelta(seconds=float(rng.uniform(-600, 7 * 86_400))),
            settlement_window_s=int(rng.choice([60, 0])), has_quote=bool(rng.random() > 0.03), yes_ask=ask(),
            no_ask=ask(), fee_type=str(rng.choice(["quadratic", "flat", "quadratic_with_maker_fees"])),
            fee_multiplier=D(str(rng.choice(["1", "0.5", "2"]))),
        ))
    params = EdgeParams(threshold_bps=150, order_contracts=D(5))
    vec = edges(rows, params=params)
    for r in rows:
        ref = edge_one(r, as_of=NOW, spot=SPOT, sigma=SIGMA, params=params)
        got = vec[r["ticker"]]
        assert got["skip_reason"] == ref["skip_reason"], r["ticker"]
        assert got["yes_fee"] == ref["yes_fee"] and got["no_fee"] == ref["no_fee"], r["ticker"]
        for key in ("model_prob", "ev_yes", "ev_no", "edge_bps", "confidence"):
            assert (got[key] is None) == (ref[key] is None), (r["ticker"], key)
            if got[key] is not None:
                assert got[key] == pytest.approx(ref[key], abs=1e-9), (r["ticker"], key)
        assert got["direction"] == ref["direction"], r["ticker"]


def test_empty_input_gives_an_empty_frame_with_the_schema():
    out = compute_edges(pl.DataFrame(schema=INPUT_SCHEMA), as_of=NOW, spot=SPOT, sigma=SIGMA)
    assert out.is_empty() and dict(out.schema) == OUTPUT_SCHEMA
