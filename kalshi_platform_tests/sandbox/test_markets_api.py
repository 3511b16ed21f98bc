from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np

from kalshi_platform.sandbox.world import STATUS_FILTER, STATUS_NAMES, US


def _walk(client, path, params, key):
    seen, cursor, pages = [], None, 0
    while True:
        q = dict(params)
        if cursor:
            q["cursor"] = cursor
        r = client.get(path, params=q)
        assert r.status_code == 200, r.text
        body = r.json()
        seen.extend(body[key])
        pages += 1
        cursor = body["cursor"]
        if not cursor:
            return seen, pages


def test_pagination_walks_the_whole_live_universe_once(client, exchange):
    markets, pages = _walk(client, "/markets", {"limit": 1000}, "markets")
    tickers = [m["ticker"] for m in markets]
    assert len(tickers) == len(set(tickers))
    w = exchange.world
    live = int((~w.historical_mask(exchange.now_us() // US) & w.created_mask(exchange.now_us())).sum())
    assert len(tickers) == live and pages == -(-live // 1000)


def test_status_filters_map_to_market_statuses(client, exchange):
    w = exchange.world
    t_s = exchange.now_us() // US
    live = ~w.historical_mask(t_s) & w.created_mask(exchange.now_us())
    codes = w.status_codes(t_s)
    total = 0
    for value, allowed in STATUS_FILTER.items():
        markets, _ = _walk(client, "/markets", {"limit": 1000, "status": value}, "markets")
        assert {m["status"] for m in markets} <= {STATUS_NAMES[c] for c in allowed}
        assert len(markets) == int((live & np.isin(codes, allowed)).sum())
        total += len(markets)
    assert total == int(live.sum())
    opened = client.get("/markets", params={"status": "open", "limit": 5}).json()["markets"]
    assert opened and all(m["status"] == "active" for m in opened)
    assert client.get("/markets", params={"status": "active"}).status_code == 400


def test_limits_and_bad_params(client):
    assert client.get("/markets", params={"limit": 1001}).status_code == 400
    assert len(client.get("/markets").json()["markets"]) == 100
    assert client.get("/events", params={"limit": 201}).status_code == 400
    assert client.get("/markets", params={"cursor": "garbage"}).status_code == 400
    r = client.get("/markets", params={"min_updated_ts": 1, "series_ticker": "KXFED"})
    assert r.status_code == 400 and "min_updated_ts" in r.json()["error"]["message"]
    assert client.get("/markets", params={"min_updated_ts": 1, "mve_filter": "exclude", "limit": 1}).status_code == 200
    err = client.get("/markets/NOT-A-MARKET").json()
    assert err == {"error": {"code": "not_found", "message": "market not found", "service": "exchange"}}


def test_min_updated_ts_returns_exactly_the_markets_that_changed(client, exchange, clock):
    t0 = int(clock().timestamp())
    before = {m["ticker"]: m for m in _walk(client, "/markets", {"limit": 1000}, "markets")[0]}
    clock.advance(minutes=7)
    changed, _ = _walk(client, "/markets", {"limit": 1000, "min_updated_ts": t0}, "markets")
    changed_tickers = {m["ticker"] for m in changed}
    assert 0 < len(changed_tickers) < len(before)
    after = {m["ticker"]: m for m in _walk(client, "/markets", {"limit": 1000}, "markets")[0]}
    quote_keys = ("status", "yes_bid_dollars", "yes_ask_dollars", "yes_bid_size_fp", "yes_ask_size_fp", "result")
    for ticker, m in after.items():
        if ticker not in changed_tickers and ticker in before:
            assert all(m[k] == before[ticker][k] for k in quote_keys), ticker
        if ticker in changed_tickers:
            assert m["updated_time"] > before.get(ticker, m)["updated_time"] or ticker not in before


def test_filters_by_series_event_tickers_close_and_mve(client, exchange):
    fed = client.get("/markets", params={"series_ticker": "KXFED", "limit": 1000}).json()["markets"]
    assert fed and all(m["ticker"].startswith("KXFED-") for m in fed)
    ev = fed[0]["event_ticker"]
    by_event = client.get("/markets", params={"event_ticker": ev}).json()["markets"]
    assert {m["event_ticker"] for m in by_event} == {ev} and len(by_event) == 10
    pick = [fed[0]["ticker"], fed[3]["ticker"], "NOPE"]
    got = client.get("/markets", params={"tickers": ",".join(pick)}).json()["markets"]
    assert sorted(m["ticker"] for m in got) == sorted(pick[:2])
    lo = int(exchange.now().timestamp())
    hi = lo + 86400
    soon = client.get("/markets", params={"min_close_ts": lo, "max_close_ts": hi, "limit": 1000}).json()["markets"]
    assert soon and all(lo < exchange.world.market(m["ticker"]).close_ts < hi for m in soon)
    mve = client.get("/markets", params={"mve_filter": "only", "limit": 1000}).json()["markets"]
    assert mve and all(m["ticker"].startswith("KXMVE") and m["mve_selected_legs"] for m in mve)
    no_mve = client.get("/markets", params={"mve_filter": "exclude", "limit": 1000}).json()["markets"]
    assert not any(m["ticker"].startswith("KXMVE") for m in no_mve)


def test_events_series_and_nested_markets(client, exchange):
    events, _ = _walk(client, "/events", {"limit": 200}, "events")
    tickers = [e["event_ticker"] for e in events]
    assert len(tickers) == len(set(tickers))
    assert not any(t.startswith("KXMVE") for t in tickers)  # /events excludes multivariate events
    w = exchange.world
    assert len(tickers) == int((~w.is_mve_event & w.event_created_mask(exchange.now_us())).sum())
    mve = client.get("/events/multivariate", params={"limit": 200}).json()["events"]
    assert mve and all(e["event_ticker"].startswith("KXMVE") for e in mve)
    open_events = client.get("/events", params={"status": "open", "series_ticker": "KXHIGHNY",
                                                "with_nested_markets": "true"}).json()["events"]
    assert open_events and all(any(m["status"] == "active" for m in e["markets"]) for e in open_events)
    one = client.get(f"/events/{open_events[0]['event_ticker']}").json()
    assert one["event"]["event_ticker"] == open_events[0]["event_ticker"] and one["markets"]
    series = client.get("/series", params={"category": "Climate and Weather"}).json()["series"]
    assert series and all(s["category"] == "Climate and Weather" for s in series)
    tagged = client.get("/series", params={"tags": "Fed"}).json()["series"]
    assert {s["ticker"] for s in tagged} == {"KXFED", "KXFEDDECISION"}
    s = client.get("/series/KXHIGHNY", params={"include_volume": "true"}).json()["series"]
    assert s["ticker"] == "KXHIGHNY" and "volume_fp" in s
    assert client.get("/series/NOPE").status_code == 404
    settled = client.get("/events", params={"status": "settled", "limit": 200}).json()["events"]
    assert settled


def test_time_moves_markets_through_their_lifecycle(client, exchange, clock):
    w = exchange.world
    t_s = int(clock().timestamp())
    i = int(np.flatnonzero((w.status_codes(t_s) == 2) & (w.close_s < t_s + 86400) & ~w.is_mve)[0])
    ticker = w.markets[i].ticker
    assert client.get(f"/markets/{ticker}").json()["market"]["result"] == ""
    clock.set(datetime.fromtimestamp(int(w.close_s[i]), UTC))
    m = client.get(f"/markets/{ticker}").json()["market"]
    assert m["status"] == "closed" and m["result"] == ""
    assert m["yes_bid_dollars"] == "0.0000" and m["yes_ask_dollars"] == "1.0000"
    clock.advance(seconds=int(w.det_s[i] - w.close_s[i]))
    m = client.get(f"/markets/{ticker}").json()["market"]
    assert m["status"] == "determined" and m["result"] == ("yes" if w.outcome[i] else "no")
    assert m["settlement_value_dollars"] == ("1.0000" if w.outcome[i] else "0.0000")
    clock.advance(seconds=int(w.fin_s[i] - w.det_s[i]))
    assert client.get(f"/markets/{ticker}").json()["market"]["status"] == "finalized"
    # Two weeks later the market has moved to the historical routes.
    clock.advance(timedelta(days=16))
    assert client.get(f"/markets/{ticker}").status_code == 404
    hist = client.get(f"/historical/markets/{ticker}").json()["market"]
    assert hist["result"] == ("yes" if w.outcome[i] else "no")
