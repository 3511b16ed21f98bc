"""The Kalshi client talking to the embedded exchange: the whole wire path, no network."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from kalshi_platform.clients.http import AuthError, RejectLog
from kalshi_platform.clients.kalshi.auth import KalshiSigner, generate_key_pair
from kalshi_platform.clients.kalshi.client import KalshiClient
from kalshi_platform.sandbox.exchange import SandboxConfig, SandboxExchange
from kalshi_platform.sandbox.faults import parse_fault_spec
from kalshi_platform.sandbox.server import LoopbackServer
from kalshi_platform.sandbox.transport import SANDBOX_KALSHI_BASE_URL, SandboxTransport

NOW = datetime(2026, 11, 20, 15, 30, tzinfo=UTC)


def _exchange(**kwargs) -> SandboxExchange:
    return SandboxExchange(SandboxConfig(now=lambda: NOW, **kwargs))


def _client(exchange, **kwargs) -> KalshiClient:
    return KalshiClient(SANDBOX_KALSHI_BASE_URL, transport=SandboxTransport(exchange), **kwargs)


def _open_universe(client) -> list[str]:
    result = client.get_markets(status="open")
    assert result.complete, result.error
    return [m["ticker"] for m in result.items if isinstance(m.get("ticker"), str)]


def test_pagination_walks_the_whole_open_universe_once():
    exchange = _exchange(enforce_rate_limit=False)
    with _client(exchange, tier="prime") as client:
        tickers = _open_universe(client)
    assert len(tickers) == len(set(tickers)) > 1000


def test_heavy_faults_give_the_same_universe_and_record_unreadable_pages():
    with _client(_exchange(enforce_rate_limit=False), tier="prime") as client:
        clean = set(_open_universe(client))
    log = RejectLog(batch_id="t")
    faulty = _exchange(enforce_rate_limit=False, faults=parse_fault_spec("5xx=0.2,429=0.1,timeout=0.05,"
                                                                         "malformed=0.1,truncated=0.1"))
    with _client(faulty, tier="prime", reject_log=log, sleep=lambda s: None) as client:
        # Small pages: many requests, so every kind of fault shows up.
        result = client.get_markets(status="open", limit=100)
        assert result.complete
        tickers = [m["ticker"] for m in result.items]
        assert client.stats.total_retries > 0
    assert len(tickers) == len(set(tickers))
    assert set(tickers) == clean
    reasons = {r["reason"].split(" (")[0] for r in log.drain()}
    assert {"malformed JSON", "truncated JSON"} <= reasons


def test_signed_request_is_accepted_and_a_wrong_key_gets_401():
    exchange = _exchange()
    private_pem, public_pem = generate_key_pair()
    exchange.register_key("user-1", public_pem)
    with _client(exchange, signer=KalshiSigner("user-1", private_pem)) as client:
        balance = client.get_balance()
        assert "balance" in balance
        limits = client.get_account_limits()
        assert limits["usage_tier"] == "basic"
    other_private, _ = generate_key_pair()
    with _client(exchange, signer=KalshiSigner("user-1", other_private)) as client:
        with pytest.raises(AuthError) as info:
            client.get_balance()
    assert info.value.status == 401
    assert "PRIVATE KEY" not in str(info.value)


def test_basic_tier_is_respected_without_a_single_429():
    exchange = _exchange(tier="basic")
    with _client(exchange, tier="basic") as client:
        tickers = _open_universe(client)[:45]
        for ticker in tickers:
            client.get_market(ticker)
    statuses = {status for (_, status), n in exchange.stats.items() if n}
    assert 429 not in statuses


def test_loopback_server_serves_the_same_universe():
    exchange = _exchange(enforce_rate_limit=False)
    with _client(exchange, tier="prime") as client:
        in_process = _open_universe(client)
    with LoopbackServer(_exchange(enforce_rate_limit=False)) as server:
        with KalshiClient(server.base_url, tier="prime") as client:
            over_http = _open_universe(client)
    assert over_http == in_process
