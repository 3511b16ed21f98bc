"""core.contracts: bounds and strike semantics from floor_strike / cap_strike, horizon from close_time then
expected_expiration_time, and a named reason when a market cannot be a contract."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal as D

import polars as pl

from kalshi_platform.core.btc.contracts import build_contracts

CLOSE = datetime(2026, 11, 20, 22, tzinfo=UTC)
EXP = datetime(2026, 11, 20, 22, 5, tzinfo=UTC)
BRTI = "If the simple average of the sixty seconds of CF Benchmarks' Real-Time Index (BRTI) before 5pm EST ..."


def market(ticker, strike_type, floor=None, cap=None, close=CLOSE, expected=EXP, rules=BRTI, series="KXBTCD"):
    return {"ticker": ticker, "event_ticker": f"{series}-EV", "series_ticker": series, "status": "active",
            "strike_type": strike_type, "floor_strike": floor, "cap_strike": cap, "open_time": None, "close_time": close,
            "expected_expiration_time": expected, "rules_primary": rules}


def build(rows):
    frame = pl.DataFrame(rows, schema_overrides={"floor_strike": pl.Decimal(18, 6), "cap_strike": pl.Decimal(18, 6),
                                                 "open_time": pl.Datetime("us", "UTC"),
                                                 "close_time": pl.Datetime("us", "UTC"),
                                                 "expected_expiration_time": pl.Datetime("us", "UTC")})
    return {r["ticker"]: r for r in build_contracts(frame).iter_rows(named=True)}


def test_bounds_and_inclusiveness_for_each_strike_type():
    out = build([
        market("G", "greater", floor=D("91499.99")),
        market("GE", "greater_or_equal", floor=D("75683.36"), series="KXBTC15M"),
        market("L", "less", cap=D("88000")),
        market("LE", "less_or_equal", cap=D("88000")),
        market("B", "between", floor=D("88000"), cap=D("88249.99")),
    ])
    assert (out["G"]["lower_bound"], out["G"]["lower_inclusive"], out["G"]["upper_bound"]) == (D("91499.99"), False, None)
    assert (out["GE"]["lower_bound"], out["GE"]["lower_inclusive"]) == (D("75683.36"), True)
    assert (out["L"]["lower_bound"], out["L"]["upper_bound"], out["L"]["upper_inclusive"]) == (None, D("88000"), False)
    assert (out["LE"]["upper_bound"], out["LE"]["upper_inclusive"]) == (D("88000"), True)
    b = out["B"]
    assert (b["lower_bound"], b["lower_inclusive"], b["upper_bound"], b["upper_inclusive"]) == (D("88000"), True, D("88249.99"), True)
    assert all(r["contract_status"] == "ok" and r["problem"] is None for r in out.values())
    assert all(r["expiry"] == CLOSE and r["horizon_source"] == "close_time" for r in out.values())
    assert all(r["settlement_window_s"] == 60 for r in out.values())


def test_only_the_five_strike_types_become_contracts_whatever_the_ticker_says():
    out = build([
        market("KXBTCD-26NOV2017-T91499.99", "structured", floor=D("91499.99")),
        market("X-custom", "custom"), market("X-func", "functional"), market("X-none", None),
        market("KXHIGHNY-26NOV20-B55.5", "between", floor=D("55"), cap=D("56"), rules="NWS daily climate report",
               series="KXHIGHNY"),
    ])
    assert list(out) == ["KXHIGHNY-26NOV20-B55.5"]
    assert out["KXHIGHNY-26NOV20-B55.5"]["settlement_window_s"] == 0  # one reading, not an average


def test_missing_or_inverted_bounds_are_missing_contract_with_the_problem():
    out = build([
        market("G", "greater"), market("L", "less_or_equal", floor=D("5")), market("B1", "between", floor=D("1")),
        market("B2", "between", floor=D("2"), cap=D("1")),
    ])
    assert {t: r["contract_status"] for t, r in out.items()} == dict.fromkeys(["B1", "B2", "G", "L"], "missing_contract")
    assert out["G"]["problem"] == "floor_strike missing for greater"
    assert out["L"]["problem"] == "cap_strike missing for less_or_equal"
    assert out["B2"]["problem"] == "floor_strike above cap_strike"


def test_horizon_falls_back_to_expected_expiration_then_is_missing():
    out = build([market("A", "greater", floor=D("1"), close=None), market("B", "greater", floor=D("1"), close=None,
                                                                          expected=None)])
    assert (out["A"]["expiry"], out["A"]["horizon_source"], out["A"]["contract_status"]) == (EXP, "expected_expiration_time", "ok")
    assert (out["B"]["expiry"], out["B"]["horizon_source"], out["B"]["contract_status"]) == (None, None, "missing_close_time")
