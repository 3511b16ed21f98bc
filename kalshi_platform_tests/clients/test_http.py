"""The shared retry / backoff / rate-limit loop (clients/http.py), against respx and a fake clock."""

from __future__ import annotations

import json
import logging
import random
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest
import respx
from hypothesis import given
from hypothesis import strategies as st

from kalshi_platform.clients.http import (
    BAD_SHAPE,
    EMPTY_BODY,
    MALFORMED_JSON,
    RATE_LIMITED,
    SERVER_ERROR,
    TIMEOUT,
    TRANSPORT,
    TRUNCATED_JSON,
    AuthError,
    ClientRequestError,
    HttpClient,
    HttpError,
    NotFoundError,
    RateLimiter,
    RejectLog,
    RetryExhausted,
    RetryPolicy,
    TransientError,
    require_object,
)
from kalshi_platform.core.rejects import REJECT_SCHEMA, rejects_frame
from kalshi_platform.core.token_bucket import DEFAULT_REQUEST_COST, TIERS
from kalshi_platform_tests.clients.support import BASE_URL, FakeClock

OK_BODY = {"markets": [{"ticker": "KXA"}], "cursor": ""}


@pytest.fixture
def router() -> respx.Router:
    return respx.Router(base_url=BASE_URL, assert_all_called=False)


def make_client(router, clock: FakeClock, rng=None, **kwargs) -> HttpClient:
    kwargs.setdefault("reject_log", RejectLog(batch_id="batch-1"))
    return HttpClient(
        "kalshi",
        BASE_URL,
        transport=httpx.MockTransport(router.handler),
        sleep=clock.sleep,
        monotonic=clock.monotonic,
        rng=rng or random.Random(7),
        **kwargs,
    )


# ---------------------------------------------------------------------------------------------- retries


def test_429_then_200_succeeds_after_one_jittered_backoff(router, clock):
    route = router.get("/markets").mock(
        side_effect=[httpx.Response(429, json={"error": "too many requests"}), httpx.Response(200, json=OK_BODY)]
    )
    client = make_client(router, clock)
    assert client.request_json("GET", "/markets") == OK_BODY
    assert route.call_count == 2
    assert client.stats.retries == {RATE_LIMITED: 1}
    assert client.stats.requests == 2 and client.stats.calls == 1
    assert len(clock.sleeps) == 1 and 0 <= clock.sleeps[0] <= RetryPolicy().base_delay_s


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_5xx_several_times_then_200(router, clock, status):
    failures = [httpx.Response(status, text="upstream sad")] * 4
    route = router.get("/markets").mock(side_effect=[*failures, httpx.Response(200, json=OK_BODY)])
    client = make_client(router, clock)
    assert client.request_json("GET", "/markets") == OK_BODY
    assert route.call_count == 5
    assert client.stats.retries == {SERVER_ERROR: 4}
    assert client.stats.statuses == {status: 4, 200: 1}
    # Each sleep is within its own full-jitter cap.
    policy = RetryPolicy()
    for index, slept in enumerate(clock.sleeps):
        assert 0 <= slept <= policy.backoff_cap(index)


@pytest.mark.parametrize(
    ("exc", "reason"),
    [
        (httpx.ReadTimeout("read timed out"), TIMEOUT),
        (httpx.ConnectTimeout("connect timed out"), TIMEOUT),
        (httpx.ConnectError("connection refused"), TRANSPORT),
        (httpx.RemoteProtocolError("peer closed connection without sending complete message body"), TRANSPORT),
    ],
)
def test_timeouts_and_transport_errors_are_retried(router, clock, exc, reason):
    route = router.get("/markets").mock(side_effect=[exc, exc, httpx.Response(200, json=OK_BODY)])
    client = make_client(router, clock)
    assert client.request_json("GET", "/markets") == OK_BODY
    assert route.call_count == 3
    assert client.stats.retries == {reason: 2}


@pytest.mark.parametrize(
    ("body", "reason", "reason_text"),
    [
        (b'{"markets": [{"ticker": "KXA"}], "cursor": "', TRUNCATED_JSON, "truncated JSON"),
        (b'{"markets": [{"ticker": "KXA"},, ], "cursor": ""}', MALFORMED_JSON, "malformed JSON"),
        (b"<html>502 Bad Gateway</html>", MALFORMED_JSON, "malformed JSON"),
        (b"\xff\xfe{}", MALFORMED_JSON, "not UTF-8"),
        (b"", EMPTY_BODY, "empty body"),
        (b'[{"ticker": "KXA"}]', BAD_SHAPE, "expected a JSON object, got array"),
        (b'{"cursor": ""}', BAD_SHAPE, "missing key 'markets'"),
        (b'{"markets": "oops", "cursor": ""}', BAD_SHAPE, "'markets' should be a list"),
    ],
)
def test_unreadable_bodies_are_retried_and_recorded_as_rejects(router, clock, body, reason, reason_text):
    route = router.get("/markets").mock(
        side_effect=[httpx.Response(200, content=body), httpx.Response(200, json=OK_BODY)]
    )
    log = RejectLog(batch_id="batch-42", clock=lambda: datetime(2026, 1, 2, tzinfo=UTC))
    client = make_client(router, clock, reject_log=log)
    result = client.request_json("GET", "/markets", params={"limit": 5}, validate=require_object(lists=("markets",)))
    assert result == OK_BODY
    assert route.call_count == 2
    assert client.stats.retries == {reason: 1}
    assert client.stats.rejects == 1
    # The reject survives although the retry succeeded.
    [reject] = log.drain()
    assert reject["source"] == "kalshi GET /markets"
    assert reject["kind"] == "page"
    assert reject["batch_id"] == "batch-42"
    assert reject["fetched_at"] == datetime(2026, 1, 2, tzinfo=UTC)
    assert reason_text in reject["reason"]
    assert reject["body"] == body.decode("utf-8", errors="replace")
    assert set(reject) == set(REJECT_SCHEMA)
    assert len(log) == 0


def test_reject_kind_is_passed_through(router, clock):
    router.get("/markets/X/orderbook").mock(
        side_effect=[httpx.Response(200, content=b"{"), httpx.Response(200, json={"orderbook_fp": {}})]
    )
    client = make_client(router, clock)
    client.request_json("GET", "/markets/X/orderbook", reject_kind="orderbook")
    assert [r["kind"] for r in client.reject_log] == ["orderbook"]


def test_each_failed_attempt_records_its_own_reject(router, clock):
    router.get("/markets").mock(
        side_effect=[
            httpx.Response(200, content=b'{"a": 1'),
            httpx.Response(200, content=b"not json"),
            httpx.Response(200, json=OK_BODY),
        ]
    )
    client = make_client(router, clock)
    client.request_json("GET", "/markets")
    rejects = client.reject_log.drain()
    assert [r["body"] for r in rejects] == ['{"a": 1', "not json"]
    assert len({r["reject_id"] for r in rejects}) == 2


@pytest.mark.parametrize(
    ("status", "body", "error_cls", "message"),
    [
        (400, {"error": {"code": "invalid_parameters", "message": "limit must be <= 1000"}}, ClientRequestError,
         "invalid_parameters: limit must be <= 1000"),
        (401, {"error": {"code": "authentication_error", "message": "bad signature"}}, AuthError,
         "authentication_error: bad signature"),
        (403, {"code": "forbidden", "message": "key lacks write scope"}, AuthError, "forbidden: key lacks write scope"),
        (404, {"error": {"code": "not_found", "message": "market not found"}}, NotFoundError,
         "not_found: market not found"),
        (409, {"error": "order already exists"}, ClientRequestError, "order already exists"),
    ],
)
def test_other_4xx_are_not_retried_and_raise_clear_typed_errors(router, clock, status, body, error_cls, message):
    route = router.get("/markets/KXNOPE").mock(return_value=httpx.Response(status, json=body))
    client = make_client(router, clock)
    with pytest.raises(error_cls) as info:
        client.request_json("GET", "/markets/KXNOPE")
    exc = info.value
    assert route.call_count == 1
    assert clock.sleeps == []
    assert exc.status == status
    assert str(exc) == f"kalshi GET /markets/KXNOPE -> HTTP {status}: {message}"
    assert exc.method == "GET" and exc.path == "/markets/KXNOPE"
    assert client.stats.failures == {f"http_{status}": 1}


def test_4xx_with_a_non_json_body_quotes_its_start(router, clock):
    router.get("/x").mock(return_value=httpx.Response(400, text="  bad\n  request   " + "y" * 1000))
    client = make_client(router, clock)
    with pytest.raises(ClientRequestError) as info:
        client.request_json("GET", "/x")
    assert "HTTP 400: bad request yyy" in str(info.value)
    assert len(str(info.value)) < 400


def test_post_is_not_retried_unless_declared_idempotent(router, clock):
    route = router.post("/portfolio/orders").mock(return_value=httpx.Response(503, json={"error": "busy"}))
    client = make_client(router, clock)
    with pytest.raises(TransientError) as info:
        client.request_json("POST", "/portfolio/orders", json_body={"ticker": "X"})
    assert not isinstance(info.value, RetryExhausted)
    assert info.value.status == 503 and info.value.reason == SERVER_ERROR
    assert route.call_count == 1 and clock.sleeps == []
    assert client.stats.failures == {SERVER_ERROR: 1}

    route.side_effect = [httpx.Response(503), httpx.Response(201, json={"order": {"order_id": "o1"}})]
    assert client.request_json("POST", "/portfolio/orders", json_body={"ticker": "X"}, idempotent=True) == {
        "order": {"order_id": "o1"}
    }
    assert route.call_count == 3
    assert json.loads(route.calls[-1].request.content) == {"ticker": "X"}


def test_non_idempotent_unreadable_body_is_recorded_and_raised_not_retried(router, clock):
    route = router.post("/portfolio/orders").mock(return_value=httpx.Response(201, content=b'{"order": {'))
    client = make_client(router, clock)
    with pytest.raises(TransientError) as info:
        client.request_json("POST", "/portfolio/orders", json_body={})
    assert info.value.reason == TRUNCATED_JSON
    assert route.call_count == 1
    assert len(client.reject_log) == 1


def test_delete_is_retried(router, clock):
    route = router.delete("/portfolio/orders/o1").mock(
        side_effect=[httpx.ReadTimeout("slow"), httpx.Response(200, json={"order": {}})]
    )
    client = make_client(router, clock)
    assert client.request_json("DELETE", "/portfolio/orders/o1") == {"order": {}}
    assert route.call_count == 2


def test_exhausted_attempt_budget_raises_retry_exhausted(router, clock):
    route = router.get("/markets").mock(return_value=httpx.Response(500, json={"error": {"message": "boom"}}))
    client = make_client(router, clock, retry=RetryPolicy(max_attempts=4, max_total_s=1000))
    with pytest.raises(RetryExhausted) as info:
        client.request_json("GET", "/markets")
    exc = info.value
    assert exc.attempts == 4 and route.call_count == 4
    assert isinstance(exc.last_error, TransientError) and exc.last_error.status == 500
    assert exc.elapsed == pytest.approx(sum(clock.sleeps))
    assert "gave up after 4 attempt(s)" in str(exc) and "attempt budget" in str(exc) and "boom" in str(exc)
    assert client.stats.retries == {SERVER_ERROR: 3}
    assert client.stats.failures == {SERVER_ERROR: 1}
    assert isinstance(exc, HttpError)


def test_total_time_is_bounded_by_the_deadline(router, clock):
    # Big delays, many attempts allowed: the time budget must be what stops the loop.
    policy = RetryPolicy(max_attempts=1000, base_delay_s=1.0, max_delay_s=4.0, max_total_s=10.0)

    def slow_failure(request):
        clock.advance(0.5)  # each attempt itself takes time on the fake clock
        return httpx.Response(503)

    router.get("/markets").mock(side_effect=slow_failure)
    client = make_client(router, clock, retry=policy, rng=random.Random(3))
    start = clock.now
    with pytest.raises(RetryExhausted) as info:
        client.request_json("GET", "/markets")
    assert clock.now - start <= policy.max_total_s
    assert sum(clock.sleeps) < policy.max_total_s
    assert "time budget" in info.value.why
    assert info.value.attempts < 1000


def test_attempt_timeout_never_reaches_past_the_deadline(router, clock):
    timeouts = []

    def record(request):
        timeouts.append(request.extensions["timeout"]["read"])
        clock.advance(4.0)
        return httpx.Response(503)

    router.get("/markets").mock(side_effect=record)
    policy = RetryPolicy(max_attempts=10, base_delay_s=0.0, max_delay_s=0.0, max_total_s=10.0)
    client = make_client(router, clock, retry=policy, timeout_s=15.0)
    with pytest.raises(RetryExhausted):
        client.request_json("GET", "/markets")
    assert timeouts[0] == pytest.approx(10.0)
    assert timeouts[1] == pytest.approx(6.0)
    assert timeouts[2] == pytest.approx(2.0)


def test_retry_after_is_honoured_within_bounds(router, clock):
    router.get("/a").mock(
        side_effect=[httpx.Response(429, headers={"Retry-After": "3"}), httpx.Response(200, json={})]
    )
    router.get("/b").mock(
        side_effect=[httpx.Response(503, headers={"Retry-After": "120"}), httpx.Response(200, json={})]
    )
    client = make_client(router, clock)
    client.request_json("GET", "/a")
    client.request_json("GET", "/b")
    assert clock.sleeps == [3.0, RetryPolicy().max_delay_s]


def test_retry_after_as_http_date(router, clock):
    past = "Wed, 21 Oct 2015 07:28:00 GMT"
    future = format_datetime(datetime.now(UTC) + timedelta(hours=1), usegmt=True)
    for path, hint in (("/past", past), ("/future", future), ("/garbled", "soon")):
        router.get(path).mock(side_effect=[httpx.Response(429, headers={"Retry-After": hint}), httpx.Response(200, json={})])
    client = make_client(router, clock)
    client.request_json("GET", "/past")  # already due: retried without sleeping
    assert clock.sleeps == []
    client.request_json("GET", "/future")  # an hour away: capped at max_delay_s
    assert clock.sleeps == [RetryPolicy().max_delay_s]
    client.request_json("GET", "/garbled")  # unreadable hint: the plain jittered backoff
    assert len(clock.sleeps) == 2 and clock.sleeps[1] <= RetryPolicy().base_delay_s
    assert client.stats.retries == {RATE_LIMITED: 3}


def test_204_returns_none(router, clock):
    router.delete("/thing").mock(return_value=httpx.Response(204))
    assert make_client(router, clock).request_json("DELETE", "/thing") is None


def test_raw_request_returns_the_response_and_retries_status(router, clock):
    router.get("/text").mock(side_effect=[httpx.Response(502), httpx.Response(200, text="plain")])
    client = make_client(router, clock)
    response = client.request("GET", "/text")
    assert response.text == "plain"
    assert client.stats.retries == {SERVER_ERROR: 1}


def test_none_params_are_dropped(router, clock):
    route = router.get("/markets").mock(return_value=httpx.Response(200, json={}))
    make_client(router, clock).request_json("GET", "/markets", params={"a": None, "b": 1, "c": True})
    assert dict(route.calls.last.request.url.params) == {"b": "1", "c": "true"}


def test_auth_headers_are_computed_per_attempt_with_the_path_from_root(router, clock):
    seen_paths = []

    def auth(method, path):
        seen_paths.append((method, path))
        return {"X-Attempt": str(len(seen_paths))}

    route = router.get("/portfolio/fills").mock(side_effect=[httpx.Response(500), httpx.Response(200, json={})])
    make_client(router, clock).request_json("GET", "/portfolio/fills", params={"limit": 5}, auth=auth)
    assert seen_paths == [("GET", "/trade-api/v2/portfolio/fills")] * 2
    assert [c.request.headers["X-Attempt"] for c in route.calls] == ["1", "2"]


# ---------------------------------------------------------------------------------------------- secrets


def test_registered_secrets_never_appear_in_errors_logs_or_rejects(router, clock, caplog):
    token = "123456:SECRET-bot-token"
    path = f"/bot{token}/sendMessage"
    router.post(path).mock(return_value=httpx.Response(400, json={"description": f"bad token {token}"}))
    router.get(path).mock(side_effect=[httpx.Response(200, content=b"{" + token.encode()), httpx.Response(200, json={})])
    client = make_client(router, clock, secrets=[token])
    caplog.set_level(logging.DEBUG)
    with pytest.raises(ClientRequestError) as info:
        client.request_json("POST", path, json_body={"text": "hi"})
    client.request_json("GET", path)
    assert token not in str(info.value)
    assert "/bot***/sendMessage" in str(info.value)
    assert "HTTP Request: GET" in caplog.text  # httpx's own line is kept, only masked
    assert token not in caplog.text
    [reject] = client.reject_log.drain()
    assert token not in json.dumps(reject, default=str)
    assert reject["source"] == "kalshi GET /bot***/sendMessage"


def test_a_secret_in_the_query_string_stays_out_of_errors_and_logs(router, clock, caplog):
    api_key = "odds-api-key-0123456789"
    router.get("/sports/odds").mock(return_value=httpx.Response(401, json={"message": "invalid api key"}))
    client = make_client(router, clock, secrets=[api_key])
    caplog.set_level(logging.DEBUG)
    with pytest.raises(AuthError) as info:
        client.request_json("GET", "/sports/odds", params={"apiKey": api_key})
    assert api_key not in str(info.value) and api_key not in caplog.text
    assert str(info.value) == "kalshi GET /sports/odds -> HTTP 401: invalid api key"


# ---------------------------------------------------------------------------------------------- backoff


@given(
    retry_index=st.integers(min_value=0, max_value=200),
    seed=st.integers(min_value=0, max_value=2**32),
    base=st.floats(min_value=0.0, max_value=5.0),
    cap=st.floats(min_value=0.0, max_value=30.0),
)
def test_full_jitter_stays_within_its_bounds(retry_index, seed, base, cap):
    policy = RetryPolicy(base_delay_s=base, max_delay_s=cap)
    delay = policy.backoff(retry_index, random.Random(seed))
    assert 0.0 <= delay <= min(cap, base * 2 ** min(retry_index, 64)) + 1e-12


def test_full_jitter_spreads_over_the_whole_interval():
    policy = RetryPolicy()
    rng = random.Random(99)
    delays = [policy.backoff(3, rng) for _ in range(2000)]  # cap = 0.25 * 8 = 2.0
    assert max(delays) <= 2.0
    assert min(delays) < 0.1 and max(delays) > 1.9
    assert 0.9 < sum(delays) / len(delays) < 1.1  # uniform mean = cap / 2


def test_backoff_cap_grows_then_saturates():
    policy = RetryPolicy(base_delay_s=0.25, max_delay_s=8.0)
    assert [policy.backoff_cap(i) for i in range(7)] == [0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 8.0]
    assert policy.backoff_cap(10_000) == 8.0


@pytest.mark.parametrize(
    "kwargs", [{"max_attempts": 0}, {"base_delay_s": -1}, {"max_delay_s": -1}, {"max_total_s": 0}]
)
def test_retry_policy_rejects_nonsense(kwargs):
    with pytest.raises(ValueError):
        RetryPolicy(**kwargs)


# ---------------------------------------------------------------------------------------------- limiter


def _assert_conforms(send_times: list[float], per_second: float, burst_requests: float) -> None:
    """Every window [t_i, t_j] holds at most burst + rate * (t_j - t_i) requests (token-bucket law)."""
    for i in range(len(send_times)):
        for j in range(i, len(send_times)):
            allowed = burst_requests + per_second * (send_times[j] - send_times[i]) + 1e-3
            assert j - i + 1 <= allowed, (i, j, send_times[i], send_times[j])


def test_requests_at_tier_basic_never_exceed_the_allowed_rate(router, clock):
    tier = TIERS["basic"]
    send_times: list[float] = []

    def handler(request):
        send_times.append(clock.now)
        return httpx.Response(200, json={})

    router.get("/markets").mock(side_effect=handler)
    client = make_client(router, clock, limiter=RateLimiter.from_tier(tier))
    n = 100
    for _ in range(n):
        client.request_json("GET", "/markets")
    elapsed = send_times[-1] - send_times[0]
    # One second of burst, then the steady rate.
    assert elapsed >= (n - tier.read_per_s) / tier.read_per_s - 1e-9
    assert (n - tier.read_per_s) / elapsed <= tier.read_per_s + 1e-6
    _assert_conforms(send_times, tier.read_per_s, tier.read_per_s)
    assert client.stats.rate_limit_wait_s == pytest.approx(sum(clock.sleeps))
    assert client.stats.backoff_sleep_s == 0


def test_reads_and_writes_use_separate_buckets(router, clock):
    router.get("/r").mock(return_value=httpx.Response(200, json={}))
    router.post("/w").mock(return_value=httpx.Response(200, json={}))
    limiter = RateLimiter.per_second(read_per_s=3, write_per_s=2)
    client = make_client(router, clock, limiter=limiter)
    client.request_json("GET", "/r")  # burst: one request fewer than a second's worth (2 reads)
    client.request_json("GET", "/r")
    client.request_json("POST", "/w")  # the write bucket is untouched by reads: no wait
    assert clock.sleeps == []
    client.request_json("POST", "/w")  # second write in the same instant: wait one write interval
    assert clock.sleeps == [pytest.approx(0.5)]


def test_a_429_pauses_the_bucket_for_everyone(router, clock):
    router.get("/markets").mock(side_effect=[httpx.Response(429), httpx.Response(200, json={})])
    limiter = RateLimiter.from_tier(TIERS["basic"])
    client = make_client(router, clock, limiter=limiter, rng=random.Random(5))
    t0 = clock.now
    client.request_json("GET", "/markets")
    backoff = clock.sleeps[0]
    # Another caller sharing the limiter, at the moment of the 429, would have waited at least
    # one refill interval or the backoff, whichever is longer.
    assert limiter._paused_until["read"] == pytest.approx(t0 + max(backoff, DEFAULT_REQUEST_COST / limiter.read.rate))
    assert limiter.reserve("read", t0) >= max(backoff, 0.05) - 1e-9
    assert limiter.reserve("write", t0) == 0.0


def test_limiter_resize_changes_the_rate():
    limiter = RateLimiter.from_tier(TIERS["basic"])
    assert limiter.read.rate == TIERS["basic"].read_tokens_per_s
    limiter.resize(read_per_s=5, write_per_s=2)
    # The burst keeps one request of headroom below the server's one second of tokens.
    assert (limiter.read.rate, limiter.read.capacity) == (50, 40)
    assert (limiter.write.rate, limiter.write.capacity) == (20, 10)
    limiter.resize(read_per_s=1, write_per_s=1)
    assert limiter.read.capacity == 10  # never below one request


# ---------------------------------------------------------------------------------------------- misc


def test_reject_log_is_list_like_and_drains_once():
    log = RejectLog(batch_id="b")
    row = log.add(source="s", kind="page", reason="r", body=b"\xffx", natural_key="KXA")
    assert row["natural_key"] == "KXA"
    assert log.record(source="s", kind="page", reason="r2", body="") in log
    assert len(log) == 2 and log[0] is row and list(log)[0] == row
    assert row["body"] == "\ufffdx"
    log.extend([row])
    assert len(log.drain()) == 3
    assert log.drain() == [] and len(log) == 0
    frame = rejects_frame([row])
    assert frame.height == 1


def test_reject_log_without_batch_gets_an_adhoc_id():
    assert RejectLog().batch_id.startswith("adhoc-")
    assert RejectLog().batch_id != RejectLog().batch_id


def test_stats_as_dict_is_flat_and_numeric(router, clock):
    router.get("/m").mock(side_effect=[httpx.Response(500), httpx.Response(200, content=b"{"), httpx.Response(200, json={})])
    client = make_client(router, clock)
    client.request_json("GET", "/m")
    stats = client.stats.as_dict()
    assert stats["calls"] == 1 and stats["requests"] == 3 and stats["retries"] == 2 and stats["rejects"] == 1
    assert stats["retries.server_error"] == 1 and stats["retries.truncated_json"] == 1
    assert stats["status.500"] == 1 and stats["status.200"] == 2
    assert stats["total_sleep_s"] == pytest.approx(sum(clock.sleeps), abs=1e-5)
    assert all(isinstance(v, (int, float)) for v in stats.values())
    assert client.stats.total_retries == 2
    assert "HttpStats(" in repr(client.stats)


def test_client_is_a_context_manager(router, clock):
    with make_client(router, clock) as client:
        assert isinstance(client, HttpClient)
    assert client._client.is_closed


def test_redirects_are_not_followed(router, clock):
    route = router.get("/markets").mock(
        return_value=httpx.Response(302, headers={"Location": "http://elsewhere.test/steal"})
    )
    other = router.get("http://elsewhere.test/steal").mock(return_value=httpx.Response(200, json={}))
    with pytest.raises(ClientRequestError, match="HTTP 302: unexpected redirect to http://elsewhere.test/steal"):
        make_client(router, clock).request_json("GET", "/markets")
    assert route.call_count == 1 and other.call_count == 0


def test_waiting_for_the_rate_limiter_does_not_eat_the_retry_budget(router, clock):
    # 0.02 requests/s: the first send waits ~49 s for tokens, far beyond the 10 s retry budget.
    limiter = RateLimiter.per_second(read_per_s=0.02, write_per_s=0.02)
    router.get("/markets").mock(side_effect=[httpx.Response(503), httpx.Response(200, json={})])
    client = make_client(router, clock, limiter=limiter, retry=RetryPolicy(max_total_s=10.0))
    assert client.request_json("GET", "/markets") == {}
    assert client.stats.rate_limit_wait_s > 10.0
    assert client.stats.retries == {SERVER_ERROR: 1}


def test_retry_exhausted_carries_its_cause():
    last = TransientError("timeout", "ReadTimeout: slow", method="GET", path="/x", label="kalshi GET /x")
    exc = RetryExhausted(last, 3, 1.5)
    assert (exc.last_error, exc.attempts, exc.elapsed) == (last, 3, 1.5)
    assert str(exc) == (
        "kalshi GET /x: gave up after 3 attempt(s) in 1.50s (retry budget used); "
        "last error: kalshi GET /x: timeout: ReadTimeout: slow"
    )
