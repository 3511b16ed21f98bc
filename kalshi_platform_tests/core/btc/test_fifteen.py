"""15-minute signals: fair probability against the window's opening price, the momentum term, direction
past the threshold, confidence."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from decimal import Decimal as D

import numpy as np
import polars as pl
import pytest

from kalshi_platform.core.btc.edges import EdgeParams, SigmaInput, SpotInput, compute_edges
from kalshi_platform.core.btc.fifteen import OUTPUT_SCHEMA, WINDOW_INPUT_SCHEMA, Momentum, fifteen_minute_signals, momentum_shift
from kalshi_platform.core.btc.pricing import gbm_probability

NOW = datetime(2026, 11, 20, 15, 37, tzinfo=UTC)
OPEN = datetime(2026, 11, 20, 15, 30, tzinfo=UTC)
SIGMA = SigmaInput(0.5, "ewma", None, NOW)


def window(ticker="KXBTC15M-26NOV201045-45", opening="75683.36", yes="0.50", no="0.52", **kw) -> dict:
    base = {"ticker": ticker, "event_ticker": ticker.rsplit("-", 1)[0], "series_ticker": "KXBTC15M",
            "contract_status": "ok", "strike_type": "greater_or_equal", "floor_strike": D(opening), "cap_strike": None,
            "expiry": OPEN + timedelta(minutes=15), "horizon_source": "close_time", "settlement_window_s": 60,
            "has_quote": True, "yes_ask": D(yes) if yes else None, "no_ask": D(no) if no else None, "quoted_at": NOW,
            "fee_type": "quadratic", "fee_multiplier": D(1), "open_time": OPEN}
    base.update(kw)
    return base


def signals(rows, spot="75750", momentum=Momentum(None, 300, 0.25), threshold=300.0, n_sources=3):
    frame = pl.DataFrame(rows, schema=WINDOW_INPUT_SCHEMA)
    spot_in = SpotInput(D(spot), NOW - timedelta(seconds=1), "bitstamp,coinbase,kraken", n_sources, 3)
    out = fifteen_minute_signals(frame, as_of=NOW, spot=spot_in, sigma=SIGMA, momentum=momentum,
                                 params=EdgeParams(threshold_bps=threshold))
    assert dict(out.schema) == OUTPUT_SCHEMA
    return {r["ticker"]: r for r in out.iter_rows(named=True)}


def test_without_momentum_it_is_the_gbm_probability_against_the_opening_price():
    r = signals([window()])["KXBTC15M-26NOV201045-45"]
    tau = (OPEN + timedelta(minutes=15) - NOW).total_seconds()
    expected = gbm_probability(75_750.0, 0.5, [tau], ["greater_or_equal"], [75_683.36], [np.nan])[0]
    assert r["model_prob"] == pytest.approx(expected, abs=1e-12)
    assert r["opening_price"] == D("75683.36") and r["spot"] == D("75750")
    assert r["spot_vs_open_bps"] == pytest.approx((75_750 / 75_683.36 - 1) * 1e4)
    assert r["momentum_shift"] == 0.0 and r["momentum_return"] is None
    assert r["spot_sources"] == "bitstamp,coinbase,kraken" and r["sigma_source"] == "ewma"
    # Spot above the opening price with 8 minutes left: YES is likely; at 0.50 it is a buy.
    assert expected > 0.6 and r["direction"] == "buy_yes" and r["edge_bps"] >= 300


def test_momentum_moves_the_probability_its_way_and_is_capped_at_one_window():
    up = signals([window()], momentum=Momentum(0.002, 300, 0.5))["KXBTC15M-26NOV201045-45"]
    down = signals([window()], momentum=Momentum(-0.002, 300, 0.5))["KXBTC15M-26NOV201045-45"]
    flat = signals([window()])["KXBTC15M-26NOV201045-45"]
    assert down["model_prob"] < flat["model_prob"] < up["model_prob"]
    assert up["momentum_shift"] == pytest.approx(0.5 * 0.002)  # tau_eff (~440 s) > 300 s: capped at one window
    assert momentum_shift(Momentum(0.002, 300, 0.5), np.array([150.0]))[0] == pytest.approx(0.0005)
    assert momentum_shift(Momentum(float("nan"), 300, 0.5), np.array([150.0]))[0] == 0.0


def test_direction_none_below_threshold_and_buy_no_when_no_is_cheap():
    # Spot at the opening price: p ~ 0.5; asks of 0.50/0.52 give no edge after fees.
    at = signals([window(opening="75750")])["KXBTC15M-26NOV201045-45"]
    assert at["direction"] is None and at["edge_bps"] is None
    cheap_no = signals([window(opening="75750", yes="0.70", no="0.32")])["KXBTC15M-26NOV201045-45"]
    assert cheap_no["direction"] == "buy_no"
    assert cheap_no["ev_no"] == pytest.approx(1 - cheap_no["model_prob"] - 0.32 - 0.02)


def test_confidence_drops_when_the_edge_rests_on_momentum_or_thin_spot():
    rows = [window(opening="75750", yes="0.47", no="0.60")]
    with_momentum = signals(rows, momentum=Momentum(0.003, 300, 1.0), threshold=100)["KXBTC15M-26NOV201045-45"]
    assert with_momentum["direction"] == "buy_yes"
    # Without momentum the YES edge disappears: the confidence says so.
    assert with_momentum["confidence"] < 0.1
    solid = signals([window()], threshold=100)["KXBTC15M-26NOV201045-45"]
    thin = signals([window()], threshold=100, n_sources=2)["KXBTC15M-26NOV201045-45"]
    assert 0 < thin["confidence"] < solid["confidence"] <= 1


def test_skips_and_windows_not_yet_open():
    rows = [window("A-1", floor_strike=None, contract_status="missing_contract"),
            window("B-1", yes=None), window("C-1", open_time=NOW + timedelta(minutes=8),
                                               expiry=NOW + timedelta(minutes=23)),
            window("D-1", expiry=NOW - timedelta(seconds=5))]
    out = signals(rows)
    assert {t: r["skip_reason"] for t, r in out.items()} == {"A-1": "missing_contract", "B-1": "missing_yes_ask",
                                                             "C-1": "not_open", "D-1": "expired"}
    assert out["C-1"]["direction"] is None and out["C-1"]["confidence"] == 0.0


def test_weight_zero_agrees_with_the_edge_engine():
    rows = [window()]
    fifteen = signals(rows, momentum=Momentum(0.01, 300, 0.0), threshold=200)["KXBTC15M-26NOV201045-45"]
    frame = pl.DataFrame(rows, schema=WINDOW_INPUT_SCHEMA).drop("open_time")
    edge = compute_edges(frame, as_of=NOW, spot=SpotInput(D("75750"), NOW - timedelta(seconds=1), "x", 3, 3),
                         sigma=SIGMA).row(0, named=True)
    for key in ("model_prob", "ev_yes", "ev_no", "direction", "yes_fee"):
        assert fifteen[key] == edge[key] or math.isclose(fifteen[key], edge[key])
