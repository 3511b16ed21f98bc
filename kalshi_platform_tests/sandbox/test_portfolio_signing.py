"""Demo orders: the platform's signed POST /portfolio/orders is accepted; a tampered signature is not."""

from __future__ import annotations

import base64
import time
from decimal import Decimal as D

import httpx
import pytest

from kalshi_platform.clients.http import AuthError, RetryPolicy
from kalshi_platform.clients.kalshi.auth import KalshiSigner, generate_key_pair
from kalshi_platform.clients.kalshi.client import KalshiClient
from kalshi_platform.core.trading.orders import order_id
from kalshi_platform.defs.trading.orders import submit
from kalshi_platform.sandbox import SANDBOX_KALSHI_BASE_URL, ManualClock, SandboxConfig, SandboxExchange, SandboxTransport
from kalshi_platform_tests.sandbox.conftest import START


class Tamper(httpx.BaseTransport):
    """Changes a signed request on its way to the exchange, as a man in the middle would."""

    def __init__(self, inner: httpx.BaseTransport, change) -> None:
        self.inner, self.change = inner, change

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if "kalshi-access-signature" in request.headers:
            self.change(request)
        return self.inner.handle_request(request)


@pytest.fixture(scope="module")
def exchange() -> SandboxExchange:
    # One world for the module; each test signs with its own key ids, so accounts never mix.
    return SandboxExchange(SandboxConfig(now=ManualClock(START), enforce_rate_limit=False))


@pytest.fixture(scope="module")
def keys():
    return generate_key_pair(), generate_key_pair()


def _client(exchange, signer: KalshiSigner, transport: httpx.BaseTransport | None = None) -> KalshiClient:
    return KalshiClient(SANDBOX_KALSHI_BASE_URL, transport=transport or SandboxTransport(exchange), signer=signer,
                        tier="prime", retry=RetryPolicy(max_attempts=1), auto_limits=False)


def _open_market(exchange) -> dict:
    with KalshiClient(SANDBOX_KALSHI_BASE_URL, transport=SandboxTransport(exchange), tier="prime") as public:
        markets = public.get_markets(status="open", series_ticker="KXNBAGAME").items
    return next(m for m in markets if m["yes_ask_dollars"] not in ("0.0000", "1.0000"))


def _row(market: dict, mode: str = "kalshi_demo") -> dict:
    signal_id = f"btc_edge|{market['ticker']}|2026-05-14T15:30:12Z"
    return {"order_id": order_id(signal_id, mode), "ticker": market["ticker"], "side": "yes", "count": D(2),
            "limit_price": D(market["yes_ask_dollars"])}


def test_a_signed_demo_order_is_accepted_and_filled(exchange, keys):
    (private, public), _ = keys
    exchange.register_key("paper-key", public)
    market = _open_market(exchange)
    with _client(exchange, KalshiSigner("paper-key", private)) as client:
        update = submit(client, _row(market))
        assert update["status"] == "executed" and update["failure_reason"] is None
        assert update["filled_count"] == D(2) and update["avg_price"] == D(market["yes_ask_dollars"])
        assert update["fees_paid"] > 0 and update["external_order_id"]
        fills = client.get_fills().items
    assert [f["order_id"] for f in fills] == [update["external_order_id"]]
    account = exchange.portfolio.accounts["paper-key"]
    assert len(account.orders) == 1


def test_sending_the_same_order_twice_finds_the_first_instead_of_ordering_again(exchange, keys):
    (private, public), _ = keys
    exchange.register_key("twice-key", public)
    market = _open_market(exchange)
    row = _row(market)
    with _client(exchange, KalshiSigner("twice-key", private)) as client:
        first = submit(client, row)
        second = submit(client, row)  # Kalshi answers 409 order_already_exists: look it up by client_order_id
    assert second["external_order_id"] == first["external_order_id"] and second["status"] == first["status"]
    assert len(exchange.portfolio.accounts["twice-key"].orders) == 1


def _flip_signature(request: httpx.Request) -> None:
    raw = bytearray(base64.b64decode(request.headers["kalshi-access-signature"]))
    raw[10] ^= 0x01
    request.headers["kalshi-access-signature"] = base64.b64encode(bytes(raw)).decode()


def _shift_timestamp(request: httpx.Request) -> None:
    request.headers["kalshi-access-timestamp"] = str(int(request.headers["kalshi-access-timestamp"]) + 1)


def _stale_timestamp_resigned(signer: KalshiSigner):
    def change(request: httpx.Request) -> None:
        old = int(time.time() * 1000) - 120_000
        request.headers.update(signer.headers(request.method, request.url.path, timestamp_ms=old))

    return change


def _resigned(signer: KalshiSigner, path: str | None = None):
    def change(request: httpx.Request) -> None:
        request.headers.update(signer.headers(request.method, path or request.url.path))

    return change


@pytest.mark.parametrize("how", ["flipped bit", "timestamp changed", "stale timestamp", "signed another path",
                                 "another key's signature"])
def test_a_tampered_signature_is_rejected_and_no_order_is_made(exchange, keys, how):
    (private, public), (other_private, _) = keys
    key_id = f"tamper-{how.replace(' ', '-')}"
    exchange.register_key(key_id, public)
    signer = KalshiSigner(key_id, private)
    change = {
        "flipped bit": _flip_signature,
        "timestamp changed": _shift_timestamp,
        "stale timestamp": _stale_timestamp_resigned(signer),
        "signed another path": _resigned(signer, "/trade-api/v2/portfolio/orders/elsewhere"),
        # The right key id, signed with a private key that is not the registered one.
        "another key's signature": _resigned(KalshiSigner(key_id, other_private)),
    }[how]
    market = _open_market(exchange)
    tampered = Tamper(SandboxTransport(exchange), change)
    with _client(exchange, signer, tampered) as client:
        update = submit(client, _row(market))
        with pytest.raises(AuthError) as info:
            client.get_balance()
    assert update["status"] == "failed" and "the exchange refused the key" in update["failure_reason"]
    assert "HTTP 401" in update["failure_reason"] and info.value.status == 401
    assert key_id not in exchange.portfolio.accounts


def test_an_unregistered_key_is_refused_and_accounts_are_per_key(exchange, keys):
    (private, public), (other_private, other_public) = keys
    market = _open_market(exchange)
    with _client(exchange, KalshiSigner("never-issued", other_private)) as stranger:
        assert submit(stranger, _row(market))["status"] == "failed"
    exchange.register_key("alice", public)
    exchange.register_key("bob", other_public)
    with _client(exchange, KalshiSigner("alice", private)) as alice, \
            _client(exchange, KalshiSigner("bob", other_private)) as bob:
        assert submit(alice, _row(market))["status"] == "executed"
        assert bob.get_positions().items == []
        assert [p["ticker"] for p in alice.get_positions().items] == [market["ticker"]]
