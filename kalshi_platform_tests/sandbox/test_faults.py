from __future__ import annotations

import json

import httpx
import pytest

from kalshi_platform.sandbox import (
    PRESETS,
    SANDBOX_KALSHI_BASE_URL,
    FaultSpec,
    SandboxConfig,
    SandboxExchange,
    SandboxTransport,
    parse_fault_spec,
)


def test_parse_presets_and_items():
    assert parse_fault_spec(None) == FaultSpec()
    assert parse_fault_spec("") == FaultSpec()
    assert parse_fault_spec("none") == FaultSpec()
    assert parse_fault_spec("light") == PRESETS["light"]
    assert parse_fault_spec("HEAVY") == PRESETS["heavy"]
    spec = parse_fault_spec("5xx=0.1,429=0.05,timeout=0.02,malformed=0.02,truncated=0.02,drift=0.1,bad_record=0.001")
    assert spec == FaultSpec(0.1, 0.05, 0.02, 0.02, 0.02, 0.1, 0.001)
    over = parse_fault_spec("light,5xx=0.3")
    assert over.error_5xx == 0.3 and over.drift == PRESETS["light"].drift
    assert parse_fault_spec("light+timeout=0.5").timeout == 0.5


@pytest.mark.parametrize(
    ("text", "needle"),
    [("medium", "unknown preset 'medium'"), ("5xx=2", "outside [0, 1]"), ("oops=0.1", "unknown fault kind 'oops'"),
     ("5xx=abc", "not a number"), ("5xx=0.1,light", "must come first")],
)
def test_parse_errors_name_the_problem_and_the_choices(text, needle):
    with pytest.raises(ValueError) as err:
        parse_fault_spec(text)
    message = str(err.value)
    assert needle in message
    assert "light" in message and "heavy" in message and "bad_record" in message and "5xx" in message


def _client(spec: FaultSpec, clock) -> tuple[SandboxExchange, httpx.Client]:
    ex = SandboxExchange(SandboxConfig(now=clock, faults=spec, enforce_rate_limit=False))
    return ex, httpx.Client(transport=SandboxTransport(ex), base_url=SANDBOX_KALSHI_BASE_URL)


def _outcome(client: httpx.Client, path: str) -> tuple:
    try:
        r = client.get(path)
    except httpx.ReadTimeout:
        return ("timeout",)
    return (r.status_code, r.content)


def test_each_request_fault_is_reachable(clock):
    for spec, check in [
        (FaultSpec(error_5xx=1.0), lambda r: r.status_code in (500, 502, 503)),
        (FaultSpec(rate_429=1.0), lambda r: r.status_code == 429 and r.content == b'{"error":"too many requests"}'
                                            and "retry-after" not in r.headers),
        (FaultSpec(malformed=1.0), lambda r: r.status_code == 200 and _not_json(r.content)),
        (FaultSpec(truncated=1.0), lambda r: r.status_code == 200 and _not_json(r.content)
                                             and r.content.startswith(b'{"cursor"')),
    ]:
        _, c = _client(spec, clock)
        assert check(c.get("/markets?limit=5")), spec
    _, c = _client(FaultSpec(timeout=1.0), clock)
    with pytest.raises(httpx.ReadTimeout):
        c.get("/markets?limit=5")


def test_all_5xx_flavours_appear(clock):
    _, c = _client(FaultSpec(error_5xx=1.0), clock)
    seen = {c.get("/exchange/status").status_code for _ in range(40)}
    assert seen == {500, 502, 503}
    r = c.get("/exchange/status")
    while r.status_code != 500:
        r = c.get("/exchange/status")
    assert r.json()["error"]["code"] == "internal_server_error"


def _not_json(body: bytes) -> bool:
    try:
        json.loads(body)
    except ValueError:
        return True
    return False


def test_record_faults_drift_and_bad_values(clock):
    _, c = _client(FaultSpec(drift=1.0), clock)
    markets = c.get("/markets?limit=20").json()["markets"]
    assert all(any(k.startswith("sandbox_drift_") for k in m) and "x_extension" in m for m in markets)
    _, c = _client(FaultSpec(bad_record=1.0), clock)
    seen = set()
    for _ in range(5):
        for m in c.get("/markets?limit=50").json()["markets"]:
            if "ticker" not in m:
                seen.add("missing ticker")
            elif m.get("status") == "sideways":
                seen.add("unknown status")
            elif "1.2500" in m.values():
                seen.add("price above 1")
            elif "abc" in m.values():
                seen.add("non-numeric price")
    assert seen == {"missing ticker", "unknown status", "price above 1", "non-numeric price"}
    trades = c.get("/markets/trades?limit=50").json()["trades"]
    assert all("ticker" not in t or t.get("taker_side") == "sideways" or "1.2500" in t.values() or "abc" in t.values()
               for t in trades)


def test_faults_are_deterministic(clock):
    spec = PRESETS["heavy"]
    runs = []
    for _ in range(2):
        _, c = _client(spec, clock)
        runs.append([_outcome(c, f"/markets?limit=3&series_ticker=KXHIGHNY&n={k}") for k in range(200)])
    assert runs[0] == runs[1]
    kinds = {o[0] for o in runs[0]}
    assert {"timeout", 200, 429} <= kinds


def test_light_preset_mostly_succeeds(clock):
    _, c = _client(PRESETS["light"], clock)
    ok = sum(1 for k in range(200) if _outcome(c, f"/exchange/status?k={k}")[0] == 200)
    assert 160 <= ok < 200


def test_account_limits_is_never_faulted(clock, rsa_key):
    from kalshi_platform_tests.sandbox.conftest import public_pem, signed_headers

    ex, c = _client(FaultSpec(error_5xx=1.0, timeout=1.0, malformed=1.0), clock)
    ex.register_key("k", public_pem(rsa_key))
    r = c.get("/account/limits", headers=signed_headers(rsa_key, "k", "GET", "/trade-api/v2/account/limits"))
    assert r.status_code == 200 and r.json() == {"read_limit": 20, "usage_tier": "basic", "write_limit": 10}
