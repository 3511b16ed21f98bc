from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import numpy as np


def _tradeable(signed, exchange, series="KXNFLGAME"):
    w = exchange.world
    markets = signed.client.get("/markets", params={"series_ticker": series, "status": "open", "limit": 1000}).json()["markets"]
    for m in markets:
        i = w.market_index[m["ticker"]]
        if m["yes_bid_dollars"] != "0.0000" and m["yes_ask_dollars"] != "1.0000" and w.close_s[i] < w.close_s.max():
            return m
    raise AssertionError("no tradeable market")


def test_marketable_buy_fills_at_the_ask_and_moves_balance(signed, exchange):
    m = _tradeable(signed, exchange)
    ask = Decimal(m["yes_ask_dollars"])
    bal0 = signed.get("/portfolio/balance").json()["balance"]
    r = signed.request("POST", "/portfolio/orders", json={
        "ticker": m["ticker"], "side": "yes", "action": "buy", "count": 2, "yes_price_dollars": m["yes_ask_dollars"]})
    assert r.status_code == 201
    order = r.json()["order"]
    assert order["status"] == "executed" and order["fill_count_fp"] == "2.00" and order["remaining_count"] == 0
    fills = signed.get("/portfolio/fills").json()["fills"]
    assert len(fills) == 1 and fills[0]["yes_price_dollars"] == m["yes_ask_dollars"] and fills[0]["is_taker"]
    assert fills[0]["count_fp"] == "2.00" and fills[0]["order_id"] == order["order_id"]
    fee = Decimal(fills[0]["fee_cost"])
    expected_fee = (Decimal("0.07") * 2 * ask * (1 - ask) * 100).to_integral_value(rounding="ROUND_CEILING") / 100
    assert fee == expected_fee
    bal1 = signed.get("/portfolio/balance").json()["balance"]
    assert bal0 - bal1 == int((2 * ask + fee) * 100)
    pos = signed.get("/portfolio/positions").json()
    mp = pos["market_positions"][0]
    assert mp["ticker"] == m["ticker"] and mp["position"] == 2 and mp["position_fp"] == "2.00"
    assert Decimal(mp["market_exposure_dollars"]) == 2 * ask
    assert pos["event_positions"][0]["event_ticker"] == m["event_ticker"]


def test_resting_order_rests_cancels_and_rejects_duplicates(signed, exchange):
    m = _tradeable(signed, exchange)
    body = {"ticker": m["ticker"], "side": "yes", "action": "buy", "count": 5, "yes_price": 1, "client_order_id": "c1"}
    r = signed.request("POST", "/portfolio/orders", json=body)
    order = r.json()["order"]
    assert r.status_code == 201 and order["status"] == "resting" and order["remaining_count_fp"] == "5.00"
    assert signed.request("POST", "/portfolio/orders", json=body).status_code == 409
    listed = signed.get("/portfolio/orders", params={"status": "resting"}).json()["orders"]
    assert [o["order_id"] for o in listed] == [order["order_id"]]
    bal = signed.get("/portfolio/balance").json()["balance"]
    assert bal == 1_000_000 - 5  # $0.05 held for the resting order
    cancel = signed.request("DELETE", f"/portfolio/orders/{order['order_id']}").json()
    assert cancel["order"]["status"] == "canceled" and cancel["reduced_by"] == 5 and cancel["reduced_by_fp"] == "5.00"
    assert signed.get("/portfolio/balance").json()["balance"] == 1_000_000
    assert signed.request("DELETE", f"/portfolio/orders/{order['order_id']}").status_code == 404
    assert signed.get("/portfolio/orders/nope").status_code == 404


def test_order_validation(signed, exchange):
    m = _tradeable(signed, exchange)
    post = lambda b: signed.request("POST", "/portfolio/orders", json=b)  # noqa: E731
    assert post({"ticker": m["ticker"], "side": "maybe", "action": "buy", "count": 1, "yes_price": 5}).status_code == 400
    assert post({"ticker": m["ticker"], "side": "yes", "action": "buy", "count": 1}).status_code == 400
    assert post({"ticker": m["ticker"], "side": "yes", "action": "buy", "count_fp": "1.50", "yes_price": 5}).status_code == 400
    assert post({"ticker": m["ticker"], "side": "yes", "action": "buy", "count": 1, "yes_price_dollars": "0.055"}).status_code == 400
    assert post({"ticker": "NOPE", "side": "yes", "action": "buy", "count": 1, "yes_price": 5}).status_code == 404
    assert post({"ticker": m["ticker"], "side": "yes", "action": "buy", "count": 10**7, "yes_price": 50}).json()["error"]["code"] == "insufficient_balance"
    book = signed.client.get(f"/markets/{m['ticker']}/orderbook").json()["orderbook_fp"]["no_dollars"]
    available = int(sum(Decimal(c) for _, c in book))
    fok = post({"ticker": m["ticker"], "side": "yes", "action": "buy", "count": available + 1, "yes_price": 99,
                "time_in_force": "fill_or_kill"}).json()["order"]
    assert fok["status"] == "canceled" and fok["fill_count"] == 0


def test_resting_order_fills_when_the_world_crosses_it(signed, exchange, clock):
    m = _tradeable(signed, exchange, "KXNBAGAME")
    w = exchange.world
    i = w.market_index[m["ticker"]]
    order = signed.request("POST", "/portfolio/orders", json={
        "ticker": m["ticker"], "side": "no", "action": "buy", "count": 1, "no_price_dollars": m["no_bid_dollars"]}).json()["order"]
    assert order["status"] in ("resting", "executed")
    limit_yes = 10_000 - int(Decimal(m["no_bid_dollars"]) * 10_000)
    for _ in range(400):
        if order["status"] != "resting":
            break
        clock.advance(minutes=15)
        order = signed.get(f"/portfolio/orders/{order['order_id']}").json()["order"]
        if clock().timestamp() >= w.close_s[i]:
            break
    bid = w.book_quote(np.array([i]), exchange.now_us())[0][0]
    assert order["status"] == "executed" or (order["status"] == "canceled" and clock().timestamp() >= w.close_s[i]) \
        or bid < limit_yes
    if order["status"] == "executed":
        fill = signed.get("/portfolio/fills").json()["fills"][0]
        assert not fill["is_taker"] and fill["no_price_dollars"] == m["no_bid_dollars"]


def test_positions_settle_from_the_truth(signed, exchange, clock):
    m = _tradeable(signed, exchange)
    w = exchange.world
    i = w.market_index[m["ticker"]]
    signed.request("POST", "/portfolio/orders", json={
        "ticker": m["ticker"], "side": "yes", "action": "buy", "count": 10, "yes_price_dollars": m["yes_ask_dollars"]})
    cash_before = signed.get("/portfolio/balance").json()["balance"]
    clock.set(datetime.fromtimestamp(int(w.det_s[i]) + 1, UTC))
    settlements = signed.get("/portfolio/settlements").json()["settlements"]
    assert len(settlements) == 1
    s = settlements[0]
    won = bool(w.outcome[i])
    assert s["ticker"] == m["ticker"] and s["market_result"] == ("yes" if won else "no")
    assert s["yes_count_fp"] == "10.00" and s["revenue"] == (1000 if won else 0)
    assert signed.get("/portfolio/balance").json()["balance"] - cash_before == (1000 if won else 0)
    mp = signed.get("/portfolio/positions").json()["market_positions"][0]
    assert mp["position"] == 0
    ask = Decimal(m["yes_ask_dollars"])
    fee = Decimal(signed.get("/portfolio/fills").json()["fills"][0]["fee_cost"])
    assert Decimal(mp["realized_pnl_dollars"]) == (10 if won else 0) - 10 * ask
    assert Decimal(mp["fees_paid_dollars"]) == fee
    clock.advance(timedelta(days=1))
    assert len(signed.get("/portfolio/settlements").json()["settlements"]) == 1


def test_accounts_are_per_key(signed, exchange, rsa_key):
    from kalshi_platform_tests.sandbox.conftest import SignedClient, public_pem

    exchange.register_key("key-2", public_pem(rsa_key))
    other = SignedClient(signed.client, rsa_key, "key-2")
    m = _tradeable(signed, exchange)
    signed.request("POST", "/portfolio/orders", json={"ticker": m["ticker"], "side": "yes", "action": "buy",
                                                      "count": 1, "yes_price": 1})
    assert len(signed.get("/portfolio/orders").json()["orders"]) == 1
    assert other.get("/portfolio/orders").json()["orders"] == []
