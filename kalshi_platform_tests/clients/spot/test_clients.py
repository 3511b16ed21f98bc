"""Spot clients against the embedded exchange (and a few doctored answers): one provider down never stops the
others; failures become outage / unreadable rows, unreadable payloads become rejects."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from kalshi_platform.clients.http import RejectLog
from kalshi_platform.clients.spot import CLIENTS, CoinbaseAdvancedWsClient, collect_ticks, poll_history, poll_tickers
from kalshi_platform.clients.spot.base import OK, OUTAGE, UNREADABLE
from kalshi_platform.sandbox import ManualClock, SandboxConfig, SandboxExchange, SandboxTransport
from kalshi_platform.sandbox.spot_ws import CoinbaseWsServer, spot_feed_of
from kalshi_platform.sandbox.worlds.btc import VENUES, BtcPath, SpotFeed

START = datetime(2026, 11, 20, 15, 30, tzinfo=UTC)
FEED = SpotFeed(BtcPath(7))


def find_block(down: set[str], start: datetime = START) -> datetime:
    """The first instant (a minute into a 10-minute block) when exactly ``down`` is down."""
    t = int(start.timestamp()) // 600 * 600 + 60
    for k in range(20_000):
        when = t + 600 * k
        if {v for v in VENUES if FEED.is_down(v, when)} == down and all(FEED.frozen_at(v, when) is None for v in VENUES):
            return datetime.fromtimestamp(when, tz=UTC)
    raise AssertionError(f"no block with exactly {down} down")


@pytest.fixture(scope="module")
def exchange():
    clock = ManualClock(START)
    ex = SandboxExchange(SandboxConfig(now=clock, enforce_rate_limit=False))
    ex.test_clock = clock
    return ex


def clients(transport, clock, reject_log=None):
    return {name: cls(transport=transport, clock=clock, reject_log=reject_log, sleep=lambda s: None)
            for name, cls in CLIENTS.items()}


def by_source(rows):
    return {r["source"]: r for r in rows}


def test_all_up_three_exact_ticks(exchange):
    when = find_block(set())
    exchange.test_clock.set(when)
    rows = by_source(poll_tickers(clients(SandboxTransport(exchange), exchange.now)))
    assert {s: r["status"] for s, r in rows.items()} == {"coinbase": OK, "kraken": OK, "bitstamp": OK}
    truth = float(BtcPath(7).price(int(when.timestamp())))
    for r in rows.values():
        assert abs(float(r["price"]) / truth - 1) < 5e-4 and r["bid"] <= r["ask"]
    assert rows["coinbase"]["ts_from"] == "exchange" and 0 <= rows["coinbase"]["latency_ms"] < 3000
    assert rows["kraken"]["ts_from"] == "received" and rows["kraken"]["tick_ts"] == when


@pytest.mark.parametrize("venue", ["coinbase", "kraken", "bitstamp"])
def test_one_exchange_down_in_the_sandbox_is_an_outage_row_and_the_others_carry_on(exchange, venue):
    when = find_block({venue})
    exchange.test_clock.set(when)
    log = RejectLog()
    rows = by_source(poll_tickers(clients(SandboxTransport(exchange), exchange.now, log)))
    assert rows[venue]["status"] == OUTAGE and rows[venue]["price"] is None
    assert ("EService:Unavailable" if venue == "kraken" else "503") in rows[venue]["error"]
    assert all(r["status"] == OK for s, r in rows.items() if s != venue)
    assert len(log) == 0  # an outage is not an unreadable payload


def _failing(exchange, fail: dict[str, httpx.Response]):
    inner = SandboxTransport(exchange)

    def handler(request: httpx.Request) -> httpx.Response:
        for prefix, response in fail.items():
            if request.url.path.startswith(prefix):
                return response
        return inner.handle_request(request)

    return httpx.MockTransport(handler)


def test_two_exchanges_down_leave_one_tick_and_two_outages(exchange):
    exchange.test_clock.set(find_block(set()))
    transport = _failing(exchange, {
        "/products/": httpx.Response(502, text="<html>bad gateway</html>"),
        "/api/v2/": httpx.Response(503, text="<html>503</html>"),
    })
    rows = by_source(collect_ticks(clients(transport, exchange.now), polls=2, interval_s=0, sleep=lambda s: None))
    assert rows["kraken"]["status"] == OK
    assert rows["coinbase"]["status"] == OUTAGE and rows["bitstamp"]["status"] == OUTAGE
    assert "gave up after 3 attempt" in rows["coinbase"]["error"]


def test_unreadable_answers_are_rejects_and_unreadable_rows(exchange):
    exchange.test_clock.set(find_block(set()))
    log = RejectLog()
    transport = _failing(exchange, {
        "/products/": httpx.Response(200, text='{"price": "75000.1", "bid": '),  # cut mid-body
        "/api/v2/": httpx.Response(200, json={"last": "75000", "bid": "1"}),  # valid JSON, keys missing
    })
    rows = by_source(poll_tickers(clients(transport, exchange.now, log)))
    assert rows["coinbase"]["status"] == OUTAGE and "truncated_json" in rows["coinbase"]["error"]
    assert rows["bitstamp"]["status"] == UNREADABLE and "missing" in rows["bitstamp"]["error"]
    assert rows["kraken"]["status"] == OK
    reasons = [r["reason"] for r in log]
    assert sum("truncated JSON" in r for r in reasons) == 3  # every attempt's body is kept
    assert any("bitstamp ticker: missing ['timestamp', 'ask']" in r for r in reasons)


def test_a_5xx_then_success_is_retried_not_an_outage(exchange):
    exchange.test_clock.set(find_block(set()))
    inner = SandboxTransport(exchange)
    calls = {"n": 0}

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.startswith("/0/public") and calls["n"] == 0:
            calls["n"] += 1
            return httpx.Response(500, json={"error": ["EGeneral:Internal error"]})
        return inner.handle_request(request)

    rows = by_source(poll_tickers(clients(httpx.MockTransport(handler), exchange.now)))
    assert rows["kraken"]["status"] == OK and calls["n"] == 1


def test_history_reads_complete_minute_candles_from_coinbase_and_bitstamp(exchange):
    when = find_block(set())
    exchange.test_clock.set(when)
    rows = poll_history(clients(SandboxTransport(exchange), exchange.now), when - timedelta(minutes=600), when)
    counts = {s: sum(1 for r in rows if r["source"] == s) for s in VENUES}
    # 600 minutes: Coinbase pages of 300 (deduplicated at the seam), Bitstamp one page; Kraken serves none.
    assert counts["kraken"] == 0 and 580 <= counts["coinbase"] <= 600 and 580 <= counts["bitstamp"] <= 600
    assert all(r["channel"] == "candles_60s" and r["tick_ts"] <= when and r["status"] == OK for r in rows)
    ts = [r["tick_ts"] for r in rows if r["source"] == "coinbase"]
    assert ts == sorted(set(ts))
    # Candles of a minute inside an outage are absent, not invented.
    missing = {int(t.timestamp()) for t in ts}
    gaps = [m for m in range(int(when.timestamp()) - 36_000 + 60, int(when.timestamp()) + 1, 60) if m not in missing]
    assert all(FEED.is_down("coinbase", m - 60) for m in gaps)


def test_sandbox_coinbase_reads_a_time_without_offset_as_utc(exchange, monkeypatch):
    when = find_block(set())
    exchange.test_clock.set(when)
    start, end = when - timedelta(minutes=30), when

    def candles(fmt: str) -> list:
        with httpx.Client(transport=SandboxTransport(exchange), base_url="https://api.exchange.coinbase.com") as http:
            params = {"granularity": 60, "start": start.strftime(fmt), "end": end.strftime(fmt)}
            reply = http.get("/products/BTC-USD/candles", params=params)
        assert reply.status_code == 200, reply.text
        return reply.json()

    with_z = candles("%Y-%m-%dT%H:%M:%SZ")
    # A host zone other than UTC, so reading the naive time in the host's zone would show.
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    try:
        naive = candles("%Y-%m-%dT%H:%M:%S")
    finally:
        monkeypatch.undo()
        time.tzset()
    assert with_z and naive == with_z


def test_websocket_ticker_from_the_sandbox(exchange):
    when = find_block(set())
    exchange.test_clock.set(when)
    log = RejectLog()
    with CoinbaseWsServer(spot_feed_of(exchange), exchange.now, interval_s=0.01) as server:
        ws = CoinbaseAdvancedWsClient(server.url, reject_log=log, clock=exchange.now)
        rows = ws.collect(seconds=5, max_ticks=4)
    assert len(rows) == 4 and all(r["status"] == OK and r["channel"] == "ws_ticker" for r in rows)
    assert rows[0]["tick_ts"] == when and abs(float(rows[0]["price"]) / float(BtcPath(7).price(int(when.timestamp()))) - 1) < 5e-4
    assert ws.frames >= 5 and len(log) == 0  # the subscriptions frame was read and carried no tick


def test_websocket_outage_and_bad_frames(exchange):
    exchange.test_clock.set(find_block({"coinbase"}))
    log = RejectLog()
    with CoinbaseWsServer(spot_feed_of(exchange), exchange.now) as server:
        rows = CoinbaseAdvancedWsClient(server.url, reject_log=log, clock=exchange.now).collect(seconds=3)
    assert [r["status"] for r in rows] == [OUTAGE]
    assert [r["reason"] for r in log] == ["coinbase ws error: service unavailable"]
    # Nobody listening: one outage row, no exception.
    assert CoinbaseAdvancedWsClient("ws://127.0.0.1:9", clock=exchange.now).collect(seconds=1)[0]["status"] == OUTAGE

    client = CoinbaseAdvancedWsClient("ws://unused", reject_log=log, clock=exchange.now)
    assert client._read("{not json") == [] and client._read(json.dumps({"channel": "ticker", "events": []})) == []
    assert len(log) == 3
