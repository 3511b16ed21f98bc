from __future__ import annotations

import time
from datetime import UTC, datetime

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from kalshi_platform.sandbox import (
    SANDBOX_KALSHI_BASE_URL,
    ManualClock,
    SandboxConfig,
    SandboxExchange,
    SandboxTransport,
)
from kalshi_platform.sandbox.auth import sign

START = datetime(2026, 5, 14, 15, 30, 12, tzinfo=UTC)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def exchange(clock) -> SandboxExchange:
    return SandboxExchange(SandboxConfig(now=clock, enforce_rate_limit=False))


@pytest.fixture
def client(exchange) -> httpx.Client:
    with httpx.Client(transport=SandboxTransport(exchange), base_url=SANDBOX_KALSHI_BASE_URL) as c:
        yield c


@pytest.fixture(scope="session")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def public_pem(key: rsa.RSAPrivateKey) -> bytes:
    return key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def signed_headers(key: rsa.RSAPrivateKey, key_id: str, method: str, path: str, ts_ms: int | None = None) -> dict:
    ts_ms = int(time.time() * 1000) if ts_ms is None else ts_ms
    return {
        "KALSHI-ACCESS-KEY": key_id,
        "KALSHI-ACCESS-TIMESTAMP": str(ts_ms),
        "KALSHI-ACCESS-SIGNATURE": sign(key, ts_ms, method, path),
    }


class SignedClient:
    """Signs every request the Kalshi way (path from root, no query)."""

    def __init__(self, client: httpx.Client, key: rsa.RSAPrivateKey, key_id: str) -> None:
        self.client, self.key, self.key_id = client, key, key_id

    def request(self, method: str, path: str, **kwargs) -> httpx.Response:
        full = "/trade-api/v2" + path.split("?")[0]
        return self.client.request(method, path, headers=signed_headers(self.key, self.key_id, method, full), **kwargs)

    def get(self, path: str, **kwargs) -> httpx.Response:
        return self.request("GET", path, **kwargs)


@pytest.fixture
def signed(exchange, client, rsa_key) -> SignedClient:
    exchange.register_key("key-1", public_pem(rsa_key))
    return SignedClient(client, rsa_key, "key-1")
