from __future__ import annotations

import time

import httpx
import pytest

from kalshi_platform.sandbox import (
    SANDBOX_KALSHI_BASE_URL,
    FaultSpec,
    LoopbackServer,
    SandboxConfig,
    SandboxExchange,
    SandboxTransport,
)


def test_loopback_serves_the_same_bytes_as_the_transport(clock):
    paths = ["/markets?limit=50&status=open", "/events?limit=5&with_nested_markets=true", "/series/KXHIGHNY",
             "/markets/trades?limit=100", "/markets/KXELONMARS-99/orderbook", "/historical/cutoff", "/markets/NOPE"]
    ex_a = SandboxExchange(SandboxConfig(now=clock, enforce_rate_limit=False))
    ex_b = SandboxExchange(SandboxConfig(now=clock, enforce_rate_limit=False))
    inproc = httpx.Client(transport=SandboxTransport(ex_a), base_url=SANDBOX_KALSHI_BASE_URL)
    with LoopbackServer(ex_b) as server:
        assert server.base_url.startswith("http://127.0.0.1:") and server.base_url.endswith("/trade-api/v2")
        with httpx.Client(base_url=server.base_url) as remote:
            for path in paths:
                a, b = inproc.get(path), remote.get(path)
                assert (a.status_code, a.content) == (b.status_code, b.content), path
            signed_post = remote.post("/portfolio/orders", json={})
            assert signed_post.status_code == 401


def test_transport_timeout_is_immediate(clock):
    ex = SandboxExchange(SandboxConfig(now=clock, faults=FaultSpec(timeout=1.0), timeout_hold_s=30))
    c = httpx.Client(transport=SandboxTransport(ex), base_url=SANDBOX_KALSHI_BASE_URL)
    start = time.monotonic()
    with pytest.raises(httpx.ReadTimeout):
        c.get("/markets")
    assert time.monotonic() - start < 1.0


def test_loopback_timeout_holds_then_hangs_up(clock):
    ex = SandboxExchange(SandboxConfig(now=clock, faults=FaultSpec(timeout=1.0), timeout_hold_s=0.6))
    with LoopbackServer(ex) as server:
        with httpx.Client(base_url=server.base_url, timeout=0.2) as c, pytest.raises(httpx.ReadTimeout):
            c.get("/markets")
        start = time.monotonic()
        with httpx.Client(base_url=server.base_url, timeout=5) as c, pytest.raises(httpx.TransportError):
            c.get("/markets")
        assert time.monotonic() - start >= 0.5


def test_unknown_routes_and_methods(client):
    r = client.get("/nothing/here")
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    assert client.put("/markets").status_code == 405


def test_stats_count_routes_and_statuses(exchange, client):
    client.get("/markets?limit=1")
    client.get("/markets/NOPE")
    assert exchange.stats[("markets_list", 200)] == 1
    assert exchange.stats[("market", 404)] == 1
    assert exchange.stats.total() == 2
