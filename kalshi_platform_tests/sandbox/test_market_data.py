from __future__ import annotations

from decimal import Decimal

import numpy as np

from kalshi_platform.sandbox.world import ACTIVE, US


def _open_markets(client, n=200):
    return client.get("/markets", params={"status": "open", "limit": n}).json()["markets"]


def test_orderbook_agrees_with_the_market_quote(client):
    checked = 0
    for m in _open_markets(client, 300):
        book = client.get(f"/markets/{m['ticker']}/orderbook").json()["orderbook_fp"]
        yes, no = book["yes_dollars"], book["no_dollars"]
        for side in (yes, no):
            prices = [Decimal(p) for p, _ in side]
            assert prices == sorted(prices) and len(set(prices)) == len(prices)  # ascending, best bid last
            assert all(Decimal(c) > 0 for _, c in side)
        best_yes = Decimal(yes[-1][0]) if yes else Decimal(0)
        best_no = Decimal(no[-1][0]) if no else Decimal(0)
        assert best_yes == Decimal(m["yes_bid_dollars"])
        assert best_no == 1 - Decimal(m["yes_ask_dollars"])
        assert Decimal(m["no_bid_dollars"]) == best_no and Decimal(m["no_ask_dollars"]) == 1 - best_yes
        if yes:
            assert yes[-1][1] == m["yes_bid_size_fp"]
        if no:
            assert no[-1][1] == m["yes_ask_size_fp"]
        assert best_yes < 1 - best_no  # never crossed
        checked += 1
    assert checked == 300
    deep = _open_markets(client, 1)[0]["ticker"]
    full = client.get(f"/markets/{deep}/orderbook").json()["orderbook_fp"]["yes_dollars"]
    top2 = client.get(f"/markets/{deep}/orderbook", params={"depth": 2}).json()["orderbook_fp"]["yes_dollars"]
    assert top2 == full[-2:]


def test_prices_are_exact_fixed_point_strings(client):
    for m in _open_markets(client, 500):
        for k, v in m.items():
            if k.endswith("_dollars"):
                assert len(v.split(".")[1]) == 4 and 0 <= Decimal(v) <= 1, (k, v)
            if k.endswith("_fp"):
                assert len(v.split(".")[1]) == 2 and Decimal(v) >= 0, (k, v)


def test_trades_newest_first_paginate_and_filter(client, exchange):
    first = client.get("/markets/trades", params={"limit": 1000}).json()
    second = client.get("/markets/trades", params={"limit": 1000, "cursor": first["cursor"]}).json()
    trades = first["trades"] + second["trades"]
    assert len(trades) == 2000
    times = [t["created_time"] for t in trades]
    assert times == sorted(times, reverse=True)
    assert len({t["trade_id"] for t in trades}) == 2000
    assert times[0] <= exchange.now().strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    for t in trades:
        assert Decimal(t["yes_price_dollars"]) + Decimal(t["no_price_dollars"]) == 1
        assert t["taker_side"] in ("yes", "no")
    ticker = trades[0]["ticker"]
    mine = client.get("/markets/trades", params={"ticker": ticker, "limit": 1000}).json()["trades"]
    assert mine and {t["ticker"] for t in mine} == {ticker}
    now = int(exchange.now().timestamp())
    window = client.get("/markets/trades", params={"min_ts": now - 600, "max_ts": now - 300, "limit": 1000}).json()
    stamps = [t["created_time"] for t in window["trades"]]
    assert stamps and all(s[:19] >= _iso(now - 600) and s[:19] <= _iso(now - 300) for s in stamps)
    assert client.get("/markets/trades", params={"limit": 1001}).status_code == 400


def _iso(ts: int) -> str:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%S")


def test_trades_match_market_volume_and_last_price(client, exchange):
    w = exchange.world
    now = exchange.now_us()
    live = np.flatnonzero((w.status_codes(now // US) == ACTIVE) & (w.lam > 1.0) & (w.open_s > w.hist_start_s))
    for i in live[:10].tolist():
        ticker = w.markets[i].ticker
        m = client.get(f"/markets/{ticker}").json()["market"]
        trades, cursor = [], None
        while True:
            params = {"ticker": ticker, "limit": 1000, **({"cursor": cursor} if cursor else {})}
            page = client.get("/markets/trades", params=params).json()
            trades += page["trades"]
            cursor = page["cursor"]
            if not cursor:
                break
        assert sum(Decimal(t["count_fp"]) for t in trades) == Decimal(m["volume_fp"])
        if trades:
            assert trades[0]["yes_price_dollars"] == m["last_price_dollars"]


def test_trades_are_priced_at_the_quote(exchange):
    w = exchange.world
    page, _ = w.trades_page(now_us=exchange.now_us(), limit=500)
    bid, ask, _, _, _ = w.quote_at(page["mi"], page["ts"])
    assert np.all(np.where(page["yes"], page["price"] == ask, page["price"] == bid))


def test_candlesticks_follow_the_quotes(client, exchange):
    w = exchange.world
    now = int(exchange.now().timestamp())
    m = next(x for x in _open_markets(client, 300) if w.lam[w.market_index[x["ticker"]]] > 0)
    i = w.market_index[m["ticker"]]
    series = w.series[int(w.ser_of[i])].ticker
    body = client.get(f"/series/{series}/markets/{m['ticker']}/candlesticks",
                      params={"start_ts": now - 2 * 86400, "end_ts": now, "period_interval": 60}).json()
    assert body["ticker"] == m["ticker"] and body["candlesticks"]
    for c in body["candlesticks"]:
        end = int(c["end_period_ts"])
        bid, ask, _, _, _ = w.book_quote_many(np.array([i]), np.array([end * US]))
        assert c["yes_bid"]["close_dollars"] == f"{bid[0] / 10000:.4f}"
        assert c["yes_ask"]["close_dollars"] == f"{ask[0] / 10000:.4f}"
        lo, hi = Decimal(c["yes_bid"]["low_dollars"]), Decimal(c["yes_bid"]["high_dollars"])
        assert lo <= Decimal(c["yes_bid"]["open_dollars"]) <= hi and lo <= Decimal(c["yes_bid"]["close_dollars"]) <= hi
        if Decimal(c["volume_fp"]) > 0:
            p = c["price"]
            assert Decimal(p["low_dollars"]) <= Decimal(p["mean_dollars"]) <= Decimal(p["high_dollars"])
    daily = client.get(f"/series/{series}/markets/{m['ticker']}/candlesticks",
                       params={"start_ts": now - 10 * 86400, "end_ts": now, "period_interval": 1440}).json()
    assert all(int(c["end_period_ts"]) % 86400 == 0 for c in daily["candlesticks"])
    bad = client.get(f"/series/{series}/markets/{m['ticker']}/candlesticks",
                     params={"start_ts": now - 3600, "end_ts": now, "period_interval": 5})
    assert bad.status_code == 400
    wrong_series = client.get(f"/series/KXFED/markets/{m['ticker']}/candlesticks",
                              params={"start_ts": now - 3600, "end_ts": now, "period_interval": 60})
    assert wrong_series.status_code == 404


def test_historical_split(client, exchange):
    cutoff = client.get("/historical/cutoff").json()["market_settled_ts"]
    hist = client.get("/historical/markets", params={"limit": 1000}).json()["markets"]
    assert hist and all(m["status"] in ("determined", "finalized") and m["settlement_ts"] < cutoff for m in hist)
    live = client.get("/markets", params={"status": "settled", "limit": 1000}).json()["markets"]
    assert live and all(m["settlement_ts"] >= cutoff for m in live)
    assert not {m["ticker"] for m in hist} & {m["ticker"] for m in live}
    t = hist[0]["ticker"]
    assert client.get(f"/markets/{t}").status_code == 404
    assert client.get(f"/historical/markets/{t}").json()["market"]["ticker"] == t
    assert client.get(f"/historical/markets/{live[0]['ticker']}").status_code == 404
    old = client.get("/historical/trades", params={"limit": 200}).json()["trades"]
    assert old and all(tr["created_time"] < cutoff for tr in old)
    new = client.get("/markets/trades", params={"limit": 1000}).json()["trades"]
    assert all(tr["created_time"] >= cutoff for tr in new)
    assert client.get("/historical/markets", params={"mve_filter": "only"}).status_code == 400


def test_pages_are_deterministic_across_exchanges(clock):
    from kalshi_platform.sandbox import SandboxConfig, SandboxExchange, SandboxRequest

    bodies = []
    for _ in range(2):
        ex = SandboxExchange(SandboxConfig(now=clock, enforce_rate_limit=False))
        req = lambda path, q: ex.handle(SandboxRequest("GET", "/trade-api/v2" + path, q, {}, b""))  # noqa: E731
        bodies.append([
            req("/markets", [("limit", "1000")]).body,
            req("/events", [("with_nested_markets", "true")]).body,
            req("/markets/trades", [("limit", "1000")]).body,
            req("/series", []).body,
            req("/markets/KXELONMARS-99/orderbook", []).body,
        ])
    assert bodies[0] == bodies[1]
