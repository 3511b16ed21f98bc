"""The sandbox's payloads have the keys and JSON types of the real recorded payloads of the same kind.

Deliberate exceptions (documented here, checked below):
- ccxt's recordings store some integer leaves as strings (settlement_timer_seconds, end_period_ts); the
  raw API sends integers (see ../shared/data/real/SOURCES.md), and so does the sandbox.
- Market payloads recorded before 2026-03-12 also carry legacy integer-cent fields (yes_bid, volume, ...)
  and "category"/"risk_limit_cents"; the 2026 schema the sandbox speaks dropped them.
- Extra keys the sandbox sends beyond a fixture are optional fields of the OpenAPI spec (strike fields,
  settlement fields once settled, price OHLC keys of a candle with trades, the 2026 *_dollars/*_fp
  companions of legacy portfolio fields).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "kalshi" / "rest"

STRINGIFIED_BY_CCXT = {"settlement_timer_seconds", "end_period_ts"}
LEGACY_MARKET_KEYS = {
    "last_price", "liquidity", "no_ask", "no_bid", "notional_value", "open_interest", "previous_price",
    "previous_yes_ask", "previous_yes_bid", "volume", "volume_24h", "yes_ask", "yes_bid", "category",
    "risk_limit_cents",
}
MARKET_OPTIONAL = {"strike_type", "floor_strike", "cap_strike", "custom_strike", "settlement_ts",
                   "settlement_value_dollars", "mve_collection_ticker", "mve_selected_legs", "subtitle", "tick_size"}


def load(name: str):
    return json.loads((FIXTURES / name).read_text())


def jtype(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def compare(real, ours, path="$", *, ignore=frozenset(), allowed_extra=frozenset(), nullable_ok=True) -> list[str]:
    """Differences in keys/types of ``ours`` against ``real``, recursively."""
    problems = []
    rt, ot = jtype(real), jtype(ours)
    if rt != ot:
        if nullable_ok and "null" in (rt, ot):
            return problems
        return [f"{path}: type {ot}, real payload has {rt}"]
    if rt == "object":
        for k, v in real.items():
            if k in ignore:
                continue
            if k not in ours:
                problems.append(f"{path}.{k}: missing")
                continue
            if k in STRINGIFIED_BY_CCXT and isinstance(v, str) and isinstance(ours[k], int):
                continue
            problems += compare(v, ours[k], f"{path}.{k}", ignore=ignore, allowed_extra=allowed_extra)
        for k in ours:
            if k not in real and k not in allowed_extra:
                problems.append(f"{path}.{k}: extra key not in the real payload")
    elif rt == "array" and real and ours:
        for item in ours[:50]:
            problems += compare(real[0], item, f"{path}[]", ignore=ignore, allowed_extra=allowed_extra)
    return problems


def test_single_market_matches_ccxt_2026_schema(client):
    real = load("kalshi_rest_market_KXELONMARS-99_ccxt.json")
    ours = client.get("/markets/KXELONMARS-99").json()
    assert compare(real, ours, allowed_extra=MARKET_OPTIONAL) == []


@pytest.mark.parametrize("series", ["KXNCAAMBGAME", "KXNBAGAME", "KXFED", "KXHIGHNY", "KXBTCD", "KX2028DRUN"])
def test_market_lists_match_the_ncaa_2026_payloads(client, series):
    real = load("kalshi_rest_events_and_markets_KXNCAAMBGAME_2026_bracket-kal.json")["markets"]
    settled_real = [m for m in real if m["status"] == "finalized"][0]
    active_real = [m for m in real if m["status"] == "active"][0]
    ours = client.get("/markets", params={"series_ticker": series, "limit": 1000}).json()["markets"]
    assert ours
    strike_extra = MARKET_OPTIONAL
    for m in ours:
        ref = settled_real if m["status"] in ("determined", "finalized") else active_real
        assert compare(ref, m, allowed_extra=strike_extra, ignore={"custom_strike"}) == [], m["ticker"]
        assert set(load("kalshi_rest_market_KXELONMARS-99_ccxt.json")["market"]) <= set(m)


def test_strike_fields_match_real_strike_markets(client):
    by_series = load("kalshi_rest_markets_by_series_ncaab_2026_bracket-kal.json")
    between = by_series["KXMARMADSEED"][0]
    greater = by_series["KXMARMADSEEDWIN"][0]
    ours = client.get("/markets", params={"series_ticker": "KXHIGHNY", "status": "open"}).json()["markets"]
    b = next(m for m in ours if m["strike_type"] == "between")
    assert compare(between, b, allowed_extra=MARKET_OPTIONAL) == []
    g = client.get("/markets", params={"series_ticker": "KXFED", "status": "open"}).json()["markets"][0]
    assert compare(greater, g, allowed_extra=MARKET_OPTIONAL) == []
    fed_real = load("kalshi_rest_market_KXFED-27APR-T4.25_trimmed_apinotes.json")
    assert compare(fed_real, g, allowed_extra=set(g)) == []


def test_mve_market_matches_calchas(client):
    real = load("kalshi_rest_markets_list_MVE_KXMVESPORTSMULTIGAMEEXTENDED_calchas.json")
    ours = client.get("/markets", params={"mve_filter": "only", "limit": 5}).json()
    companions_2026 = {"fractional_trading_enabled", "updated_time", "open_interest_fp", "volume_fp", "volume_24h_fp",
                       "yes_ask_size_fp", "yes_bid_size_fp"}
    assert compare(real, ours, ignore=LEGACY_MARKET_KEYS, allowed_extra=MARKET_OPTIONAL | companions_2026) == []
    leg = ours["markets"][0]["mve_selected_legs"][0]
    assert set(leg) == set(real["markets"][0]["mve_selected_legs"][0])


def test_nfl_list_matches_modulo_legacy_fields(client):
    real = load("kalshi_rest_markets_list_KXNFLGAME_prod_precog.json")
    ours = client.get("/markets", params={"series_ticker": "KXNFLGAME", "status": "open", "limit": 3}).json()
    assert compare(real, ours, ignore=LEGACY_MARKET_KEYS | {"updated_time"},
                   allowed_extra=MARKET_OPTIONAL | {"updated_time", "fractional_trading_enabled", "yes_ask_size_fp",
                                                    "yes_bid_size_fp", "volume_fp", "volume_24h_fp",
                                                    "open_interest_fp"}) == []


def test_events_match(client):
    real = load("kalshi_rest_events_and_markets_KXNCAAMBGAME_2026_bracket-kal.json")["events"]
    ours = client.get("/events", params={"series_ticker": "KXNCAAMBGAME"}).json()
    assert ours["events"]
    assert compare({"events": real, "cursor": "", "milestones": []}, ours) == []
    weather = client.get("/events", params={"series_ticker": "KXHIGHNY"}).json()["events"]
    # product_metadata is free-form per series (competition for sports, nothing for weather).
    assert compare(real[0], weather[0], ignore={"product_metadata"}) == []
    assert isinstance(weather[0]["product_metadata"], dict)


def test_series_matches(client):
    real = load("kalshi_rest_series_KXHIGHLAX_kalshi_weather.json")
    assert compare(real, client.get("/series/KXHIGHLAX").json()) == []
    trimmed = load("kalshi_rest_series_KXHIGHNY_trimmed_legendary-kaiju.json")
    ours = client.get("/series/KXHIGHNY").json()["series"]
    assert compare(trimmed, ours, allowed_extra=set(ours)) == []
    assert ours["settlement_sources"][0]["url"] == trimmed["settlement_sources"][0]["url"]
    fees = load("kalshi_rest_series_fee_changes_KXHIGHLAX_empty_kalshi_weather.json")
    assert client.get("/series/fee_changes", params={"series_ticker": "KXHIGHLAX"}).json() == fees


@pytest.mark.parametrize("name", ["kalshi_rest_orderbook_fp_KXELONMARS-99_ccxt.json",
                                  "kalshi_rest_orderbook_fp_KXBTCMINMON-BTC-26JUN30-5750000_btc_pm_arb.json",
                                  "kalshi_rest_orderbook_fp_small_apinotes.json"])
def test_orderbooks_match(client, name):
    assert compare(load(name), client.get("/markets/KXELONMARS-99/orderbook").json()) == []


@pytest.mark.parametrize("name", ["kalshi_rest_trades_KXELONMARS-99_ccxt.json", "kalshi_rest_trades_KXCPI-26AUG-T1.0_apinotes.json"])
def test_trades_match(client, name):
    ours = client.get("/markets/trades", params={"limit": 50}).json()
    assert len(ours["trades"]) == 50
    assert compare(load(name), ours) == []


def test_candlesticks_match(client, exchange):
    real = load("kalshi_rest_candlesticks_1h_KXELONMARS-99_ccxt.json")
    now = int(exchange.now().timestamp())
    w = exchange.world
    active = client.get("/markets", params={"series_ticker": "KXNBAGAME", "status": "open", "limit": 200}).json()["markets"]
    ticker = next(m["ticker"] for m in active if w.lam[w.market_index[m["ticker"]]] > 0)
    ours = client.get(f"/series/KXNBAGAME/markets/{ticker}/candlesticks",
                      params={"start_ts": now - 5 * 86400, "end_ts": now, "period_interval": 60}).json()
    assert ours["candlesticks"]
    price_keys = {"open_dollars", "high_dollars", "low_dollars", "close_dollars", "mean_dollars"}
    assert compare(real, ours, allowed_extra=price_keys) == []
    assert any(set(c["price"]) == price_keys | {"previous_dollars"} for c in ours["candlesticks"])


def test_historical_payloads_match(client, exchange):
    cutoff = load("kalshi_rest_historical_cutoff_apinotes.json")
    ours = client.get("/historical/cutoff").json()
    assert compare(cutoff, ours) == []
    assert ours["market_settled_ts"] < exchange.now().strftime("%Y-%m-%dT%H:%M:%SZ")
    hist = client.get("/historical/markets", params={"limit": 1000}).json()["markets"]
    assert hist
    w = exchange.world
    m = next(m for m in hist if w.lam[w.market_index[m["ticker"]]] > 0)
    i = w.market_index[m["ticker"]]
    real_candle = load("kalshi_rest_historical_candlestick_FED-23FEB-T4.50_apinotes.json")
    candles = client.get(f"/historical/markets/{m['ticker']}/candlesticks",
                         params={"start_ts": int(w.open_s[i]), "end_ts": int(w.close_s[i]) + 3600,
                                 "period_interval": 60}).json()["candlesticks"]
    assert candles
    assert compare(real_candle, candles[0]) == []


def test_portfolio_payloads_match(signed, exchange):
    w = exchange.world
    open_markets = signed.client.get("/markets", params={"series_ticker": "KXNFLGAME", "status": "open"}).json()["markets"]
    m = next(x for x in open_markets if x["yes_bid_dollars"] != "0.0000" and x["yes_ask_dollars"] != "1.0000")
    assert w.market_index[m["ticker"]] >= 0
    create = signed.request("POST", "/portfolio/orders", json={
        "ticker": m["ticker"], "side": "yes", "action": "buy", "count": 1, "yes_price": 2,
        "client_order_id": "contract-1"})
    assert create.status_code == 201
    order_extra = {"fill_count_fp", "initial_count_fp", "remaining_count_fp", "maker_fees_dollars",
                   "taker_fees_dollars", "self_trade_prevention_type"}
    assert compare(load("kalshi_rest_portfolio_order_create_precog.json"), create.json(), allowed_extra=order_extra) == []
    oid = create.json()["order"]["order_id"]
    got = signed.get(f"/portfolio/orders/{oid}").json()
    assert compare(load("kalshi_rest_portfolio_order_get_precog.json"), got, allowed_extra=order_extra) == []
    cancel = signed.request("DELETE", f"/portfolio/orders/{oid}").json()
    assert compare(load("kalshi_rest_portfolio_order_cancel_precog.json"), cancel,
                   allowed_extra=order_extra | {"reduced_by_fp"}) == []
    signed.request("POST", "/portfolio/orders", json={"ticker": m["ticker"], "side": "no", "action": "buy",
                                                      "count": 3, "no_price_dollars": "0.9900"})
    fills = signed.get("/portfolio/fills").json()
    assert compare(load("kalshi_rest_portfolio_fills_demo_precog.json"), fills,
                   allowed_extra={"count_fp", "yes_price_dollars", "no_price_dollars", "fee_cost"}) == []
    positions = signed.get("/portfolio/positions").json()
    assert compare(load("kalshi_rest_portfolio_positions_demo_precog.json"), positions,
                   allowed_extra={"position_fp", "total_cost_shares_fp"}) == []
    assert compare(load("kalshi_rest_portfolio_balance_demo_precog.json"), signed.get("/portfolio/balance").json()) == []
    assert compare(load("kalshi_rest_portfolio_settlements_empty_demo_precog.json"),
                   signed.get("/portfolio/settlements").json()) == []
