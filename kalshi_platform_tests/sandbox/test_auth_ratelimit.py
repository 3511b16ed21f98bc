from __future__ import annotations

import time

import httpx
import pytest

from kalshi_platform.sandbox import SANDBOX_KALSHI_BASE_URL, SandboxConfig, SandboxExchange, SandboxTransport
from kalshi_platform_tests.sandbox.conftest import public_pem, signed_headers

PATH = "/trade-api/v2/portfolio/balance"


@pytest.fixture
def keyed(exchange, rsa_key):
    exchange.register_key("key-1", public_pem(rsa_key))
    return exchange


def test_good_signature_is_accepted(keyed, client, rsa_key):
    r = client.get("/portfolio/balance", headers=signed_headers(rsa_key, "key-1", "GET", PATH))
    assert r.status_code == 200
    assert r.json()["balance"] == 1_000_000
    # The query string is not part of what is signed.
    r = client.get("/portfolio/fills?limit=5", headers=signed_headers(rsa_key, "key-1", "GET", "/trade-api/v2/portfolio/fills"))
    assert r.status_code == 200


@pytest.mark.parametrize("tamper", ["wrong_key", "unknown_key", "path", "method", "timestamp", "stale", "missing"])
def test_bad_signatures_get_401(keyed, client, rsa_key, tamper):
    from cryptography.hazmat.primitives.asymmetric import rsa

    now_ms = int(time.time() * 1000)
    if tamper == "wrong_key":
        other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        headers = signed_headers(other, "key-1", "GET", PATH)
    elif tamper == "unknown_key":
        headers = signed_headers(rsa_key, "key-404", "GET", PATH)
    elif tamper == "path":
        headers = signed_headers(rsa_key, "key-1", "GET", "/trade-api/v2/portfolio/positions")
    elif tamper == "method":
        headers = signed_headers(rsa_key, "key-1", "POST", PATH)
    elif tamper == "timestamp":
        headers = signed_headers(rsa_key, "key-1", "GET", PATH, ts_ms=now_ms)
        headers["KALSHI-ACCESS-TIMESTAMP"] = str(now_ms + 1)
    elif tamper == "stale":
        headers = signed_headers(rsa_key, "key-1", "GET", PATH, ts_ms=now_ms - 61_000)
    else:
        headers = {}
    r = client.get("/portfolio/balance", headers=headers)
    assert r.status_code == 401
    err = r.json()["error"]
    assert err["code"] == "authentication_error" and err["details"]


def test_public_routes_need_no_auth_but_accept_signed_requests(keyed, client, rsa_key):
    assert client.get("/markets?limit=1").status_code == 200
    path = "/trade-api/v2/markets"
    assert client.get("/markets?limit=1", headers=signed_headers(rsa_key, "key-1", "GET", path)).status_code == 200
    assert client.get("/markets?limit=1", headers=signed_headers(rsa_key, "key-1", "GET", "/x")).status_code == 401


def test_account_limits_reports_the_tier(keyed, client, rsa_key):
    r = client.get("/account/limits", headers=signed_headers(rsa_key, "key-1", "GET", "/trade-api/v2/account/limits"))
    assert r.json() == {"read_limit": 20, "usage_tier": "basic", "write_limit": 10}
    assert client.get("/account/limits").status_code == 401


def _limited(clock, tier="basic"):
    ex = SandboxExchange(SandboxConfig(now=clock, tier=tier))
    return ex, httpx.Client(transport=SandboxTransport(ex), base_url=SANDBOX_KALSHI_BASE_URL)


def test_hammering_gets_kalshis_exact_429(clock):
    ex, c = _limited(clock)
    statuses = [c.get("/exchange/status") for _ in range(60)]
    limited = [r for r in statuses if r.status_code == 429]
    assert limited and sum(r.status_code == 200 for r in statuses) <= 21
    for r in limited:
        assert r.content == b'{"error":"too many requests"}'
        assert "retry-after" not in {k.lower() for k in r.headers}
    assert ex.stats[("exchange_status", 429)] == len(limited)


def test_requests_at_the_tier_rate_pass(clock):
    ex, c = _limited(clock)
    start = time.monotonic()
    for k in range(30):
        # Basic tier: 20 reads/s; pace at ~16/s.
        time.sleep(max(0.0, start + k / 16 - time.monotonic()))
        assert c.get("/exchange/status").status_code == 200
    # Anonymous callers share one bucket, while a signed key has its own.
    assert ex.stats.total() == 30


def test_writes_use_their_own_bucket(clock, rsa_key):
    ex, c = _limited(clock)
    ex.register_key("k", public_pem(rsa_key))
    for _ in range(25):
        c.get("/exchange/status")
    path = "/trade-api/v2/portfolio/orders"
    r = c.post("/portfolio/orders", json={}, headers=signed_headers(rsa_key, "k", "POST", path))
    assert r.status_code == 400  # reached the handler: the write bucket is untouched by the reads


def test_rate_limit_can_be_disabled(clock):
    ex = SandboxExchange(SandboxConfig(now=clock, enforce_rate_limit=False))
    c = httpx.Client(transport=SandboxTransport(ex), base_url=SANDBOX_KALSHI_BASE_URL)
    assert all(c.get("/exchange/status").status_code == 200 for _ in range(100))
