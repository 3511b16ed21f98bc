"""The Kalshi WebSocket client against the sandbox's loopback server: signing, subscriptions, gap repair,
reconnects, heartbeats, several connections sharing the markets."""

from __future__ import annotations

import socket
import time
from datetime import UTC, datetime

import numpy as np
import polars as pl
import pytest

from kalshi_platform.clients.http import RetryPolicy
from kalshi_platform.clients.kalshi.auth import KalshiSigner, generate_key_pair
from kalshi_platform.clients.kalshi_ws import (
    RECONNECT_POLICY,
    KalshiWsCapture,
    plan_subscriptions,
    reconnect_delay,
    share_markets,
)
from kalshi_platform.core.kalshi.ws import FRAME_COLUMNS, parse_frames
from kalshi_platform.core.orderbook import replay, to_hundredths, to_u4
from kalshi_platform.sandbox import ManualClock, SandboxConfig, SandboxExchange, SandboxTransport
from kalshi_platform.sandbox.kalshi_ws import KalshiWsServer, WsServerConfig
from kalshi_platform.sandbox.world import ACTIVE, US

START = datetime(2026, 5, 14, 15, 30, 12, tzinfo=UTC)
FAST = RetryPolicy(max_attempts=1000, base_delay_s=0.05, max_delay_s=0.2, max_total_s=3600)


@pytest.fixture(scope="module")
def keys():
    return [generate_key_pair() for _ in range(2)]


@pytest.fixture
def clock():
    return ManualClock(START)


@pytest.fixture
def exchange(clock, keys):
    ex = SandboxExchange(SandboxConfig(now=clock, enforce_rate_limit=False))
    for n, (_, public) in enumerate(keys):
        ex.register_key(f"key-{n}", public)
    return ex


@pytest.fixture
def signers(keys):
    return [KalshiSigner(f"key-{n}", private) for n, (private, _) in enumerate(keys)]


@pytest.fixture
def server(exchange):
    with KalshiWsServer(exchange, WsServerConfig(tick_s=0.02, heartbeat_s=0.2)) as srv:
        yield srv


def markets(exchange, n):
    w = exchange.world
    t = exchange.now_us() // US
    idx = np.flatnonzero((w.status_codes(t) == ACTIVE) & (w.period == 1) & (w.close_s > t + 7200))
    return [w.markets[i].ticker for i in idx[:n]]


def wait_for(predicate, timeout_s=10.0):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return False


def books_from(frames) -> dict[str, tuple | None]:
    frame = pl.DataFrame([{k: getattr(f, k) for k in FRAME_COLUMNS} for f in frames], schema=FRAME_COLUMNS)
    parsed = parse_frames(frame, source="test", batch_id="t", fetched_at=START)
    last: dict[str, tuple | None] = {}
    for state in replay(parsed.book_messages, parsed.book_levels):
        last[state.ticker] = state.book
    return last


def rest_book(exchange, ticker) -> tuple:
    import httpx

    with httpx.Client(transport=SandboxTransport(exchange), base_url="http://x/trade-api/v2") as c:
        book = c.get(f"/markets/{ticker}/orderbook").json()["orderbook_fp"]
    return (tuple((to_u4(p), to_hundredths(s)) for p, s in book["yes_dollars"]),
            tuple((to_u4(p), to_hundredths(s)) for p, s in book["no_dollars"]))


def test_reconnect_waits_1_2_4_8_up_to_60_seconds():
    assert [reconnect_delay(RECONNECT_POLICY, i) for i in range(9)] == [1, 2, 4, 8, 16, 32, 60, 60, 60]


def test_markets_are_shared_out_and_global_channels_subscribed_once():
    shares = share_markets(["a", "b", "c", "d", "e"], 2)
    assert shares == [["a", "c", "e"], ["b", "d"]]
    channels = ["orderbook_delta", "ticker", "fill", "market_lifecycle_v2"]
    assert plan_subscriptions(shares[0], channels, 0, signed=True) == [
        ("orderbook_delta", ["a", "c", "e"]), ("ticker", ["a", "c", "e"]), ("fill", None),
        ("market_lifecycle_v2", None)]
    assert plan_subscriptions(shares[1], channels, 1, signed=True) == [
        ("orderbook_delta", ["b", "d"]), ("ticker", ["b", "d"]), ("fill", None)]
    # Without a key the private channels are left out (Kalshi would refuse them with error 9).
    assert plan_subscriptions(shares[1], channels, 1, signed=False) == [("ticker", ["b", "d"])]
    with pytest.raises(ValueError, match="unknown Kalshi WebSocket channel"):
        plan_subscriptions(["a"], ["gossip"], 0, signed=True)


def test_two_signed_connections_share_the_markets_and_rebuild_the_rest_books(server, exchange, clock, signers):
    tickers = markets(exchange, 6)
    cap = KalshiWsCapture(server.url, markets=tickers, capture_id="cap", signers=signers,
                          channels=["orderbook_delta", "ticker"], reconnect=FAST)
    with cap:
        assert cap.wait_connected()
        assert wait_for(lambda: server.stats.snapshots_sent == 6)
        for _ in range(5):
            clock.advance(seconds=61)
            time.sleep(0.15)
        result = cap.stop()
    by_slot = {s: {f.frame_text.split('"market_ticker":"')[1].split('"')[0]
                   for f in result.frames if f.connection_slot == s and "orderbook_snapshot" in f.frame_text}
               for s in (0, 1)}
    assert by_slot == {0: set(tickers[0::2]), 1: set(tickers[1::2])}
    assert {f.connection_id for f in result.frames} == {"cap:0:0", "cap:1:0"}
    assert server.stats.connections == 2 and server.stats.deltas_sent > 0
    books = books_from(result.frames)
    for ticker in tickers:
        assert books[ticker] == rest_book(exchange, ticker), ticker
    assert result.totals()["errors"] == 0


def test_a_gap_makes_the_client_ask_for_a_fresh_snapshot(server, exchange, clock, signers):
    tickers = markets(exchange, 6)
    cap = KalshiWsCapture(server.url, markets=tickers, capture_id="gap", signers=signers[:1],
                          channels=["orderbook_delta"], reconnect=FAST)
    with cap:
        assert cap.wait_connected()
        assert wait_for(lambda: server.stats.snapshots_sent == 6)
        server.drop_next(1)
        for _ in range(20):
            clock.advance(seconds=61)
            if wait_for(lambda: cap.connections[0].stats.resnapshots == 1, 0.3):
                break
        assert wait_for(lambda: server.stats.snapshots_sent == 12)  # every market of the sid again
        time.sleep(0.1)
        result = cap.stop()
    stats = result.stats[0]
    assert (stats.gaps, stats.resnapshots) == (1, 1)
    assert server.stats.unsubscriptions == 1 and server.stats.frames_dropped == 1
    assert any('"type":"unsubscribed"' in f.frame_text for f in result.frames)
    books = books_from(result.frames)
    for ticker in tickers:
        assert books[ticker] == rest_book(exchange, ticker), ticker


def test_a_dropped_connection_reconnects_and_resubscribes(server, exchange, clock, signers):
    tickers = markets(exchange, 4)
    cap = KalshiWsCapture(server.url, markets=tickers, capture_id="cut", signers=signers[:1],
                          channels=["orderbook_delta", "ticker", "market_lifecycle_v2"], reconnect=FAST)
    with cap:
        assert cap.wait_connected()
        assert wait_for(lambda: server.stats.snapshots_sent == 4)
        server.disconnect_all()
        assert wait_for(lambda: cap.connections[0].stats.connects == 2)
        assert wait_for(lambda: server.stats.snapshots_sent == 8)
        clock.advance(seconds=61)
        time.sleep(0.2)
        result = cap.stop()
    stats = result.stats[0]
    assert stats.reconnects == 1 and stats.resubscriptions == 3
    assert stats.delays == [0.05]  # the first wait after a working connection
    second = [f for f in result.frames if f.connection_id == "cut:0:1"]
    assert sum('"type":"subscribed"' in f.frame_text for f in second) == 3
    assert sum('"orderbook_snapshot"' in f.frame_text for f in second) == 4
    books = books_from(result.frames)
    for ticker in tickers:
        assert books[ticker] == rest_book(exchange, ticker)


def test_heartbeats_are_answered(server, exchange, signers):
    cap = KalshiWsCapture(server.url, markets=markets(exchange, 1), capture_id="hb", signers=signers[:1],
                          channels=["ticker"], reconnect=FAST, ping_interval_s=None)
    cap.run_for(0.9)
    assert server.stats.heartbeats_sent >= 3
    assert server.stats.heartbeats_answered == server.stats.heartbeats_sent or \
        server.stats.heartbeats_answered >= server.stats.heartbeats_sent - 1  # the last may be in flight


def test_subscribe_unsubscribe_and_update_subscription(server, exchange, signers, clock):
    first, second = markets(exchange, 2)
    cap = KalshiWsCapture(server.url, markets=[first], capture_id="cmd", signers=signers[:1],
                          channels=["orderbook_delta"], reconnect=FAST)
    with cap:
        assert cap.wait_connected()
        conn = cap.connections[0]
        assert wait_for(lambda: len(conn.subscriptions()) == 1)
        (sid, sub), = conn.subscriptions().items()
        cap.call(lambda: conn.update_subscription(sid, [second], "add_markets"))
        assert wait_for(lambda: server.stats.snapshots_sent == 2)
        assert sub.tickers == [first, second]
        cap.call(lambda: conn.subscribe(["ticker"], [second]))
        assert wait_for(lambda: len(conn.subscriptions()) == 1 and server.stats.subscriptions == 2)
        cap.call(lambda: conn.update_subscription(sid, [first], "delete_markets"))
        cap.call(lambda: conn.unsubscribe([sid]))
        assert wait_for(lambda: server.stats.unsubscriptions == 1)
        with pytest.raises(ValueError):
            cap.call(lambda: conn.update_subscription(sid, [first], "replace"))
        result = cap.stop()
    texts = [f.frame_text for f in result.frames]
    assert any('"type":"ok"' in t and f'"market_tickers":["{first}","{second}"]' in t for t in texts)
    assert any('"type":"ok"' in t and f'"market_tickers":["{second}"]' in t for t in texts)
    assert any('"type":"unsubscribed"' in t for t in texts)


def test_a_refused_handshake_is_not_retried(server, exchange):
    private, _ = generate_key_pair()
    stranger = KalshiSigner("not-registered", private)
    cap = KalshiWsCapture(server.url, markets=markets(exchange, 1), capture_id="no", signers=[stranger],
                          reconnect=FAST)
    result = cap.run_for(0.5)
    assert result.stats[0].connects == 0
    assert result.stats[0].errors == ["handshake refused: HTTP 401"]
    assert server.stats.handshakes_refused == 1


def test_backoff_while_nothing_listens():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again when the block ends: connections are refused
    policy = RetryPolicy(max_attempts=1000, base_delay_s=0.02, max_delay_s=0.08, max_total_s=60)
    cap = KalshiWsCapture(f"ws://127.0.0.1:{port}/trade-api/ws/v2", markets=["A"], capture_id="down",
                          reconnect=policy, channels=["ticker"])
    result = cap.run_for(0.6)
    delays = result.stats[0].delays
    assert delays[:4] == [0.02, 0.04, 0.08, 0.08]
    assert result.stats[0].connects == 0 and len(result.stats[0].errors) == len(delays)


def test_unsigned_connection_captures_public_channels(server, exchange):
    tickers = markets(exchange, 2)
    result = KalshiWsCapture(server.url, markets=tickers, capture_id="pub", reconnect=FAST).run_for(0.5)
    subscribed = [f.frame_text for f in result.frames if '"type":"subscribed"' in f.frame_text]
    assert len(subscribed) == 3  # ticker, trade, market_lifecycle_v2: no orderbook_delta / fill without a key
    assert not any('"type":"error"' in f.frame_text for f in result.frames)
