"""The sandbox's Kalshi WebSocket v2 server: handshake, commands, channels, faults, heartbeats."""

from __future__ import annotations

import json
import time
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect

from kalshi_platform.core.kalshi.ws import parse_frame
from kalshi_platform.core.orderbook import OrderBook, to_hundredths, to_u4
from kalshi_platform.sandbox.kalshi_ws import (
    WS_PATH,
    KalshiWsServer,
    WsFaultSpec,
    WsServerConfig,
    parse_ws_faults,
)
from kalshi_platform.sandbox.wire import rfc3339_us
from kalshi_platform.sandbox.world import ACTIVE, US
from kalshi_platform_tests.sandbox.conftest import public_pem, signed_headers

# Copies of ../shared/data/real/kalshi/ws (real frames and Kalshi's documented examples).
REAL_WS = Path(__file__).resolve().parent.parent / "fixtures" / "kalshi" / "ws"


@pytest.fixture
def server(exchange, rsa_key):
    exchange.register_key("key-1", public_pem(rsa_key))
    with KalshiWsServer(exchange, WsServerConfig(tick_s=0.02, heartbeat_s=0.2)) as srv:
        yield srv


def open_ws(server, rsa_key=None, key_id="key-1", path=WS_PATH):
    headers = signed_headers(rsa_key, key_id, "GET", path) if rsa_key is not None else {}
    return connect(f"ws://127.0.0.1:{server.port}{path}", additional_headers=headers, open_timeout=5)


def send(ws, cmd_id, cmd, params=None):
    body = {"id": cmd_id, "cmd": cmd}
    if params is not None:
        body["params"] = params
    ws.send(json.dumps(body))


def drain(ws, wait_s=0.25) -> list[dict]:
    """Every frame that arrives within ``wait_s`` of the last one."""
    out = []
    while True:
        try:
            out.append(json.loads(ws.recv(timeout=wait_s)))
        except TimeoutError:
            return out


def active_markets(exchange, n, *, period=None) -> list[str]:
    w = exchange.world
    t = exchange.now_us()
    live = w.status_codes(t // US) == ACTIVE
    live &= w.close_s > t // US + 2 * 3600
    if period is not None:
        live &= w.period == period
    idx = np.flatnonzero(live)
    return [w.markets[i].ticker for i in idx[:n]]


def rest_book(client, ticker) -> tuple:
    book = client.get(f"/markets/{ticker}/orderbook").json()["orderbook_fp"]
    return (
        tuple((to_u4(p), to_hundredths(s)) for p, s in book["yes_dollars"]),
        tuple((to_u4(p), to_hundredths(s)) for p, s in book["no_dollars"]),
    )


def apply(books: dict[str, OrderBook], frames: list[dict]) -> int:
    deltas = 0
    for frame in frames:
        m = parse_frame(json.dumps(frame))
        if m.book is None:
            continue
        if m.book.kind == "snapshot":
            books.setdefault(m.market_ticker, OrderBook(m.market_ticker)).apply_snapshot(m.book.yes, m.book.no)
        else:
            books[m.market_ticker].apply_delta(m.book.side, m.book.price, m.book.delta)
            deltas += 1
    return deltas


def test_snapshot_plus_deltas_equals_the_rest_book_at_the_same_instant(server, exchange, client, clock, rsa_key):
    tickers = active_markets(exchange, 8, period=1)
    assert len(tickers) == 8
    books: dict[str, OrderBook] = {}
    total = 0
    with open_ws(server, rsa_key) as ws:
        send(ws, 1, "subscribe", {"channels": ["orderbook_delta"], "market_tickers": tickers})
        frames = drain(ws)
        assert frames[0] == {"id": 1, "type": "subscribed", "msg": {"channel": "orderbook_delta", "sid": 1}}
        assert [f["seq"] for f in frames[1:]] == list(range(1, 9))
        apply(books, frames)
        for ticker in tickers:
            assert books[ticker].state() == rest_book(client, ticker)
        for _ in range(10):
            now = clock.advance(seconds=61)
            frames = drain(ws)
            assert all(f["msg"]["ts"] == rfc3339_us(int(now.timestamp()) * US) for f in frames)
            total += apply(books, frames)
            for ticker in tickers:
                assert books[ticker].state() == rest_book(client, ticker), ticker
    assert total >= 20  # the books really moved
    assert server.stats.deltas_sent == total


def test_deltas_never_cross_the_book_between_two_messages(server, exchange, clock, rsa_key):
    tickers = active_markets(exchange, 6, period=1)
    books: dict[str, OrderBook] = {}
    with open_ws(server, rsa_key) as ws:
        send(ws, 1, "subscribe", {"channels": ["orderbook_delta"], "market_tickers": tickers})
        apply(books, drain(ws))
        for _ in range(6):
            clock.advance(seconds=61)
            for frame in drain(ws):
                apply(books, [frame])
                top = books[frame["msg"]["market_ticker"]].top()
                assert not top.crossed and not books[frame["msg"]["market_ticker"]].negative


def test_signed_handshake_is_verified(server, rsa_key):
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    with pytest.raises(InvalidStatus) as bad_sig:
        open_ws(server, other)  # registered key id, wrong private key
    assert bad_sig.value.response.status_code == 401
    with pytest.raises(InvalidStatus) as unknown:
        open_ws(server, rsa_key, key_id="nobody")
    assert unknown.value.response.status_code == 401
    with pytest.raises(InvalidStatus) as wrong_path:
        connect(f"ws://127.0.0.1:{server.port}/trade-api/ws/v3", open_timeout=5)
    assert wrong_path.value.response.status_code == 404
    assert server.stats.handshakes_refused == 3


def test_unsigned_connections_get_public_channels_only(server, exchange):
    tickers = active_markets(exchange, 2)
    with open_ws(server) as ws:
        send(ws, 1, "subscribe", {"channels": ["orderbook_delta"], "market_tickers": tickers})
        send(ws, 2, "subscribe", {"channels": ["ticker"], "market_tickers": tickers})
        frames = drain(ws)
    assert frames[0] == {"id": 1, "type": "error", "msg": {"code": 9, "msg": "Authentication required"}}
    assert frames[1] == {"id": 2, "type": "subscribed", "msg": {"channel": "ticker", "sid": 1}}


def test_commands_are_refused_with_kalshis_error_codes(server, exchange, rsa_key):
    tickers = active_markets(exchange, 2)
    with open_ws(server, rsa_key) as ws:
        ws.send("not json")
        send(ws, 2, "dance", {})
        send(ws, 3, "subscribe")
        send(ws, 4, "subscribe", {"market_tickers": tickers})
        send(ws, 5, "subscribe", {"channels": ["gossip"]})
        send(ws, 6, "subscribe", {"channels": ["orderbook_delta"]})
        send(ws, 7, "subscribe", {"channels": ["ticker"], "market_tickers": ["NOPE-1"]})
        send(ws, 8, "subscribe", {"channels": ["trade"], "market_tickers": tickers})
        send(ws, 9, "subscribe", {"channels": ["trade"], "market_tickers": tickers})
        send(ws, 10, "unsubscribe", {"sids": [99]})
        send(ws, 11, "update_subscription", {"sids": [1, 2], "market_tickers": tickers, "action": "add_markets"})
        send(ws, 12, "update_subscription", {"sid": 1, "market_tickers": tickers})
        send(ws, 13, "update_subscription", {"sid": 1, "market_tickers": tickers, "action": "replace"})
        send(ws, 14, "unsubscribe", {})
        frames = [f for f in drain(ws) if f["type"] in ("error", "subscribed")]
    codes = {f.get("id"): f["msg"]["code"] for f in frames if f["type"] == "error"}
    assert codes == {None: 1, 2: 5, 3: 2, 4: 3, 5: 8, 6: 14, 7: 16, 9: 6, 10: 7, 11: 12, 12: 15, 13: 13, 14: 4}
    missing = next(f for f in frames if f.get("id") == 7)
    assert missing["msg"]["market_ticker"] == "NOPE-1"


def test_update_subscription_adds_and_deletes_markets(server, exchange, client, rsa_key):
    first, second = active_markets(exchange, 2)
    with open_ws(server, rsa_key) as ws:
        send(ws, 1, "subscribe", {"channels": ["orderbook_delta"], "market_ticker": first})
        assert [f["type"] for f in drain(ws)] == ["subscribed", "orderbook_snapshot"]
        send(ws, 2, "update_subscription", {"sids": [1], "market_tickers": [second], "action": "add_markets"})
        frames = drain(ws)
        assert frames[0] == {"id": 2, "sid": 1, "seq": 2, "type": "ok", "market_tickers": [first, second]}
        assert frames[1]["type"] == "orderbook_snapshot" and frames[1]["msg"]["market_ticker"] == second
        assert frames[1]["seq"] == 3
        books: dict[str, OrderBook] = {}
        apply(books, frames)
        assert books[second].state() == rest_book(client, second)
        send(ws, 3, "update_subscription", {"sid": 1, "market_tickers": [first], "action": "delete_markets"})
        assert drain(ws)[0]["market_tickers"] == [second]
        send(ws, 4, "list_subscriptions")
        assert drain(ws) == [{"id": 4, "type": "ok", "subscriptions": [{"channel": "orderbook_delta", "sid": 1}]}]
        send(ws, 5, "unsubscribe", {"sids": [1]})
        assert drain(ws) == [{"id": 5, "sid": 1, "type": "unsubscribed"}]


def test_dropped_deltas_leave_a_sequence_gap(server, exchange, clock, rsa_key):
    tickers = active_markets(exchange, 8, period=1)
    with open_ws(server, rsa_key) as ws:
        send(ws, 1, "subscribe", {"channels": ["orderbook_delta"], "market_tickers": tickers})
        drain(ws)
        server.drop_next(2)
        seqs = []
        for _ in range(5):
            clock.advance(seconds=61)
            seqs += [f["seq"] for f in drain(ws)]
    assert server.stats.frames_dropped == 2
    assert seqs[0] >= 10  # the snapshots used 1..8; at least the first dropped delta is missing
    assert len(seqs) == seqs[-1] - 8 - 2  # exactly two numbers never arrived
    assert seqs == sorted(seqs)


def test_gap_rate_is_deterministic_and_parsed():
    assert parse_ws_faults("gap=0.05,disconnect=0.001") == WsFaultSpec(gap=0.05, disconnect=0.001)
    assert parse_ws_faults("none") == WsFaultSpec()
    for bad in ("gap=2", "gaps=0.1", "gap=x"):
        with pytest.raises(ValueError):
            parse_ws_faults(bad)


def test_disconnects_on_request(server, exchange, rsa_key):
    with open_ws(server, rsa_key) as ws:
        send(ws, 1, "subscribe", {"channels": ["ticker"], "market_tickers": active_markets(exchange, 1)})
        drain(ws)
        server.disconnect_all()
        with pytest.raises(ConnectionClosed):
            for _ in range(50):
                ws.recv(timeout=0.2)
    assert server.stats.disconnects == 1


def test_heartbeat_pings_are_sent_and_answered(server, rsa_key):
    with open_ws(server, rsa_key) as ws:
        time.sleep(0.7)
        drain(ws, 0.1)
    assert server.stats.heartbeats_sent >= 2
    assert server.stats.heartbeats_answered >= 2


def _real_keys(name: str) -> set[str]:
    payload = json.loads((REAL_WS / name).read_text())
    payloads = payload if isinstance(payload, list) else [payload]
    return {k for p in payloads for k in p["msg"]}


def test_ticker_trade_and_lifecycle_frames_use_real_field_names(exchange, clock, rsa_key):
    exchange.register_key("key-1", public_pem(rsa_key))
    w = exchange.world
    busy = np.argsort(-w.lam * (w.status_codes(exchange.now_us() // US) == ACTIVE))[:10]
    tickers = [w.markets[i].ticker for i in busy]
    # Move the clock to half an hour before the next settlement, to see lifecycle events in the window.
    t0 = exchange.now_us() // US
    upcoming = w.det_s[w.det_s > t0]
    assert len(upcoming)
    lead = int(upcoming.min()) - t0 - 1800
    if lead > 0:
        clock.advance(seconds=lead)
    t0 = exchange.now_us() // US
    settling = np.flatnonzero((w.det_s > t0) & (w.det_s <= t0 + 3600))
    assert len(settling)
    with KalshiWsServer(exchange, WsServerConfig(tick_s=0.02)) as server, open_ws(server, rsa_key) as ws:
        send(ws, 1, "subscribe", {"channels": ["ticker", "trade"], "market_tickers": tickers})
        send(ws, 2, "subscribe", {"channels": ["market_lifecycle_v2"]})
        frames = drain(ws)
        for _ in range(12):
            clock.advance(minutes=5)
            frames += drain(ws, 0.2)
    by_type: dict[str, list[dict]] = {}
    for f in frames:
        by_type.setdefault(f["type"], []).append(f)
    assert {"ticker", "trade", "market_lifecycle_v2"} <= set(by_type)
    real_ticker = _real_keys("kalshi_ws_ticker_docs.json") | {"market_id", "yes_ask_dollars", "no_ask_dollars"}
    real_trade = _real_keys("kalshi_ws_trade_docs.json") | {"trade_id"}
    for f in by_type["ticker"]:
        assert set(f["msg"]) <= real_ticker
        assert parse_frame(json.dumps(f)).exchange_ts is not None
    for f in by_type["trade"]:
        assert set(f["msg"]) <= real_trade and f["seq"] >= 1
    kinds = {f["msg"]["event_type"] for f in by_type["market_lifecycle_v2"]}
    assert "determined" in kinds
    determined = next(f for f in by_type["market_lifecycle_v2"] if f["msg"]["event_type"] == "determined")
    i = w.market_index[determined["msg"]["market_ticker"]]
    assert determined["msg"]["result"] == ("yes" if w.outcome[i] else "no")
    assert determined["msg"]["determination_ts"] == int(w.det_s[i])


def test_fill_channel_sends_the_accounts_own_fills(server, exchange, signed, rsa_key):
    w = exchange.world
    ticker = active_markets(exchange, 1)[0]
    with open_ws(server, rsa_key) as ws:
        send(ws, 1, "subscribe", {"channels": ["fill"]})
        assert drain(ws)[0]["msg"]["channel"] == "fill"
        book = signed.client.get(f"/markets/{ticker}/orderbook").json()["orderbook_fp"]["no_dollars"]
        ask = 10_000 - to_u4(book[-1][0])
        r = signed.request("POST", "/portfolio/orders", json={
            "ticker": ticker, "side": "yes", "action": "buy", "count": 1, "yes_price": ask // 100 + 1})
        assert r.status_code == 201
        fills = [f for f in drain(ws) if f["type"] == "fill"]
    assert len(fills) == 1
    msg = fills[0]["msg"]
    real = _real_keys("kalshi_ws_fill_docs.json")
    assert set(msg) <= real and msg["market_ticker"] == ticker and msg["is_taker"] is True
    assert msg["count_fp"] == "1.00" and msg["post_position_fp"] == "1.00"
    assert w.market_index[ticker] >= 0


def test_stream_clock_replays_the_lead_up_to_the_exchange_clock(exchange):
    from kalshi_platform.sandbox.kalshi_ws import StreamClock

    wall = [100.0]
    now = exchange.now_us()
    sc = StreamClock(lambda: now, speed=60, lead_s=300, wall=lambda: wall[0])
    assert sc.now_us() == now - 300 * US
    wall[0] += 2.5
    assert sc.now_us() == now - 150 * US
    wall[0] += 10
    assert sc.now_us() == now  # caught up: the exchange's own clock from here on
    assert timedelta(microseconds=now - sc.now_us()) == timedelta(0)
