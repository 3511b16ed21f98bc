"""KalshiClient against respx: signing, pagination, limits, endpoint helpers on the real payloads."""

from __future__ import annotations

import base64
import json
import logging
import random

import httpx
import pytest
import respx
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

from kalshi_platform.clients.http import (
    AuthError,
    ClientRequestError,
    NotFoundError,
    RejectLog,
    RetryExhausted,
    RetryPolicy,
    TransientError,
)
from kalshi_platform.clients.kalshi import KALSHI_BASE_URLS, KalshiClient, KalshiSigner, PageResult, verify_signature
from kalshi_platform.clients.kalshi.auth import KEY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER
from kalshi_platform.clients.kalshi.client import requires_signature
from kalshi_platform.core.token_bucket import DEFAULT_REQUEST_COST, TIERS
from kalshi_platform_tests.clients.support import BASE_URL, FakeClock, load_fixture

ROOT_PREFIX = "/trade-api/v2"


@pytest.fixture
def router() -> respx.Router:
    return respx.Router(base_url=BASE_URL, assert_all_called=False)


def make_client(router, clock: FakeClock, **kwargs) -> KalshiClient:
    kwargs.setdefault("reject_log", RejectLog(batch_id="b1"))
    kwargs.setdefault("rng", random.Random(11))
    return KalshiClient(
        BASE_URL,
        transport=httpx.MockTransport(router.handler),
        sleep=clock.sleep,
        monotonic=clock.monotonic,
        **kwargs,
    )


def page(items_key: str, items: list, cursor: str | None) -> httpx.Response:
    body = {items_key: items}
    if cursor is not None:
        body["cursor"] = cursor
    return httpx.Response(200, json=body)


def cursor_of(request: httpx.Request) -> str | None:
    return request.url.params.get("cursor")


# ---------------------------------------------------------------------------------------------- signing


def test_portfolio_requests_are_signed_over_the_full_path_without_query(router, clock, key_pair):
    route = router.get("/portfolio/fills").mock(return_value=page("fills", [], ""))
    signer = KalshiSigner("key-1", key_pair[0], clock=clock.time)
    client = make_client(router, clock, signer=signer, auto_limits=False)
    client.get_fills(ticker="KXA", limit=50)
    request = route.calls.last.request
    assert request.url.query  # the query was sent...
    headers = request.headers
    assert headers[KEY_HEADER] == "key-1"
    assert headers[TIMESTAMP_HEADER] == str(int(clock.now * 1000))
    signed_path = f"{ROOT_PREFIX}/portfolio/fills"
    assert request.url.path == signed_path
    sig, ts = headers[SIGNATURE_HEADER], headers[TIMESTAMP_HEADER]
    assert verify_signature(key_pair[1], sig, ts, "GET", signed_path)  # ...but not signed
    # A server that signed the query too would reject it (checked without our helper, which strips it).
    public_key = serialization.load_pem_public_key(key_pair[1])
    with pytest.raises(InvalidSignature):
        public_key.verify(
            base64.b64decode(sig),
            f"{ts}GET{signed_path}?{request.url.query.decode()}".encode(),
            padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32),
            hashes.SHA256(),
        )
    assert not verify_signature(key_pair[1], sig, ts, "GET", "/portfolio/fills")


def test_a_retried_request_is_re_signed_with_a_fresh_timestamp(router, clock, key_pair):
    route = router.get("/portfolio/balance").mock(
        side_effect=[httpx.Response(503), httpx.Response(429), httpx.Response(200, json={"balance": 1})]
    )
    signer = KalshiSigner("key-1", key_pair[0], clock=clock.time)
    client = make_client(router, clock, signer=signer, auto_limits=False)
    assert client.get_balance() == {"balance": 1}
    timestamps = [c.request.headers[TIMESTAMP_HEADER] for c in route.calls]
    signatures = [c.request.headers[SIGNATURE_HEADER] for c in route.calls]
    assert len(set(timestamps)) == 3  # the fake clock moved by each backoff
    assert timestamps == sorted(timestamps, key=int)
    for ts, sig in zip(timestamps, signatures, strict=True):
        assert verify_signature(key_pair[1], sig, ts, "GET", f"{ROOT_PREFIX}/portfolio/balance")
    assert not verify_signature(key_pair[1], signatures[2], timestamps[0], "GET", f"{ROOT_PREFIX}/portfolio/balance")


def test_public_market_data_is_not_signed_even_with_a_signer(router, clock, key_pair):
    route = router.get("/markets/KXA").mock(return_value=httpx.Response(200, json={"market": {"ticker": "KXA"}}))
    client = make_client(router, clock, signer=KalshiSigner("k", key_pair[0]), auto_limits=False)
    assert client.get_market("KXA") == {"ticker": "KXA"}
    assert KEY_HEADER not in route.calls.last.request.headers


def test_signed_true_signs_any_route_and_needs_a_signer(router, clock, key_pair):
    route = router.get("/markets/KXA/orderbook").mock(return_value=httpx.Response(200, json={"orderbook_fp": {}}))
    client = make_client(router, clock, signer=KalshiSigner("k", key_pair[0]), auto_limits=False)
    client.get_json("/markets/KXA/orderbook", signed=True)
    assert SIGNATURE_HEADER in route.calls.last.request.headers

    unsigned = make_client(router, clock)
    with pytest.raises(ValueError, match="no KalshiSigner"):
        unsigned.get_balance()
    with pytest.raises(ValueError, match="must be signed"):
        unsigned.get_json("/markets", signed=True)
    assert route.call_count == 1


@pytest.mark.parametrize(
    ("path", "signed"),
    [
        ("/portfolio/balance", True),
        ("portfolio/orders/abc", True),
        ("/account/limits", True),
        ("/historical/fills", True),
        ("/historical/orders", True),
        ("/markets", False),
        ("/historical/markets", False),
        ("/portfolioX", False),
        ("/series/KXPORTFOLIO", False),
    ],
)
def test_which_routes_need_a_signature(path, signed):
    assert requires_signature(path) is signed


def test_auth_errors_never_leak_key_material(router, clock, key_pair, caplog):
    caplog.set_level(logging.DEBUG)
    route = router.get("/portfolio/balance").mock(
        return_value=httpx.Response(401, json={"error": {"code": "authentication_error", "message": "bad sig"}})
    )
    client = make_client(router, clock, signer=KalshiSigner("key-1", key_pair[0]), auto_limits=False)
    with pytest.raises(AuthError) as info:
        client.get_balance()
    exc = info.value
    assert exc.status == 401 and route.call_count == 1
    assert str(exc) == "kalshi GET /portfolio/balance -> HTTP 401: authentication_error: bad sig"
    sent = route.calls.last.request.headers
    text = str(exc) + repr(exc) + caplog.text + repr(client)
    for secret in (sent[SIGNATURE_HEADER], *key_pair[0].decode().splitlines()[1:-1]):
        assert secret not in text
    assert "PRIVATE KEY" not in text


def test_not_found_is_typed_and_not_retried(router, clock):
    route = router.get("/markets/NOPE").mock(
        return_value=httpx.Response(404, json={"error": {"code": "not_found", "message": "not found"}})
    )
    with pytest.raises(NotFoundError, match=r"GET /markets/NOPE -> HTTP 404"):
        make_client(router, clock).get_market("NOPE")
    assert route.call_count == 1


# ---------------------------------------------------------------------------------------------- pagination


def test_multi_page_walk_gathers_everything(router, clock):
    pages = {
        None: page("markets", [{"ticker": "A"}, {"ticker": "B"}], "c1"),
        "c1": page("markets", [{"ticker": "C"}], "c2"),
        "c2": page("markets", [{"ticker": "D"}], ""),
    }
    route = router.get("/markets").mock(side_effect=lambda request: pages[cursor_of(request)])
    result = make_client(router, clock).get_markets(status="open", series_ticker="KXBTC", limit=2)
    assert result == PageResult(
        items=[{"ticker": t} for t in "ABCD"], complete=True, pages=3, error=None, last_cursor=None
    )
    params = [dict(c.request.url.params) for c in route.calls]
    assert params[0] == {"status": "open", "series_ticker": "KXBTC", "limit": "2"}
    assert params[1] == {**params[0], "cursor": "c1"}
    assert params[2]["cursor"] == "c2"


def test_absent_or_null_cursor_ends_the_walk(router, clock):
    router.get("/markets/trades").mock(return_value=page("trades", [{"trade_id": "t"}], None))
    router.get("/markets").mock(return_value=httpx.Response(200, json={"markets": [], "cursor": None}))
    client = make_client(router, clock)
    assert client.get_trades().complete
    result = client.get_markets()
    assert result.complete and result.items == [] and result.pages == 1


def test_repeated_cursor_stops_the_walk_incomplete(router, clock):
    pages = {
        None: page("markets", [{"ticker": "A"}], "c1"),
        "c1": page("markets", [{"ticker": "B"}], "c2"),
        "c2": page("markets", [{"ticker": "C"}], "c1"),
    }
    route = router.get("/markets").mock(side_effect=lambda request: pages[cursor_of(request)])
    result = make_client(router, clock).get_markets()
    assert not result.complete
    assert "repeated" in result.error and "'c1'" in result.error
    assert [m["ticker"] for m in result.items] == ["A", "B", "C"]
    assert result.pages == 3 and route.call_count == 3


def test_a_page_failing_after_the_retry_budget_returns_what_was_gathered(router, clock):
    def handler(request):
        if cursor_of(request) is None:
            return page("markets", [{"ticker": "A"}], "c1")
        if cursor_of(request) == "c1":
            return page("markets", [{"ticker": "B"}], "c2")
        return httpx.Response(503, json={"error": "down for maintenance"})

    router.get("/markets").mock(side_effect=handler)
    client = make_client(router, clock, retry=RetryPolicy(max_attempts=3))
    result = client.get_markets()
    assert not result.complete
    assert [m["ticker"] for m in result.items] == ["A", "B"]
    assert result.pages == 2
    assert result.last_cursor == "c2"  # where to resume
    assert "gave up after 3 attempt(s)" in result.error and "down for maintenance" in result.error


def test_first_page_failing_after_the_budget_is_an_empty_incomplete_result(router, clock):
    router.get("/events").mock(side_effect=httpx.ConnectError("refused"))
    result = make_client(router, clock, retry=RetryPolicy(max_attempts=2)).get_events()
    assert (result.items, result.complete, result.pages, result.last_cursor) == ([], False, 0, None)
    assert "ConnectError" in result.error


def test_a_retry_that_succeeds_mid_walk_keeps_the_walk_complete_and_the_reject(router, clock):
    calls = {"c1": 0}

    def handler(request):
        if cursor_of(request) is None:
            return page("markets", [{"ticker": "A"}], "c1")
        calls["c1"] += 1
        if calls["c1"] == 1:
            return httpx.Response(200, content=b'{"markets": [{"ticker": "B"')
        return page("markets", [{"ticker": "B"}], "")

    router.get("/markets").mock(side_effect=handler)
    client = make_client(router, clock)
    result = client.get_markets()
    assert result.complete and [m["ticker"] for m in result.items] == ["A", "B"]
    [reject] = client.reject_log.drain()
    assert reject["source"] == "kalshi GET /markets" and "truncated JSON" in reject["reason"]
    assert reject["batch_id"] == "b1"


def test_client_error_on_the_first_page_raises_but_later_only_stops(router, clock):
    bad = httpx.Response(400, json={"error": {"code": "bad_request", "message": "invalid cursor"}})
    router.get("/events").mock(return_value=bad)
    client = make_client(router, clock)
    with pytest.raises(ClientRequestError, match="invalid cursor"):
        client.get_events()

    router.get("/markets").mock(
        side_effect=lambda request: page("markets", [{"ticker": "A"}], "c1") if cursor_of(request) is None else bad
    )
    result = client.get_markets()
    assert not result.complete and "HTTP 400" in result.error and result.items == [{"ticker": "A"}]


def test_auth_error_mid_walk_raises(router, clock, key_pair):
    denied = httpx.Response(401, json={"error": {"message": "expired"}})
    router.get("/portfolio/orders").mock(
        side_effect=lambda request: page("orders", [{"order_id": "o"}], "c1") if cursor_of(request) is None else denied
    )
    client = make_client(router, clock, signer=KalshiSigner("k", key_pair[0]), auto_limits=False)
    with pytest.raises(AuthError):
        client.get_orders()


def test_max_pages_stops_incomplete_with_a_resumable_cursor(router, clock):
    router.get("/markets/trades").mock(
        side_effect=lambda request: page("trades", [{"trade_id": cursor_of(request) or "0"}], f"n{cursor_of(request)}")
    )
    client = make_client(router, clock)
    result = client.get_trades(max_pages=2)
    assert not result.complete and result.pages == 2 and "max_pages=2" in result.error
    assert result.last_cursor == "nnNone"
    resumed = client.paginate(
        "/markets/trades", {"cursor": result.last_cursor}, "trades", limit=1000, max_pages=1
    )
    assert resumed.items == [{"trade_id": result.last_cursor}]
    with pytest.raises(ValueError, match="max_pages"):
        client.get_trades(max_pages=0)


def test_null_lists_are_empty_and_non_object_items_become_rejects(router, clock):
    router.get("/markets").mock(
        return_value=httpx.Response(200, json={"markets": [{"ticker": "A"}, "junk", 7], "cursor": ""})
    )
    router.get("/series").mock(return_value=httpx.Response(200, json={"series": None}))
    client = make_client(router, clock)
    result = client.get_markets()
    assert result.items == [{"ticker": "A"}] and result.complete
    rejects = client.reject_log.drain()
    assert [(r["kind"], r["body"]) for r in rejects] == [("market", "'junk'"), ("market", "7")]
    assert client.stats.rejects == 2
    assert client.get_series_list() == []


def test_a_wrong_shaped_page_is_retried_then_given_up(router, clock):
    router.get("/markets").mock(return_value=httpx.Response(200, json={"markets": {"not": "a list"}, "cursor": ""}))
    client = make_client(router, clock, retry=RetryPolicy(max_attempts=3))
    result = client.get_markets()
    assert not result.complete and "should be a list" in result.error
    assert len(client.reject_log) == 3


def test_a_non_string_cursor_stops_incomplete(router, clock):
    router.get("/markets").mock(return_value=httpx.Response(200, json={"markets": [{"ticker": "A"}], "cursor": 5}))
    result = make_client(router, clock).get_markets()
    assert not result.complete and "cursor" in result.error and result.items == [{"ticker": "A"}]


# ---------------------------------------------------------------------------------------------- validation


def _calls(client: KalshiClient, name: str, limit: int):
    if name == "paginate_events":
        return client.paginate("/events", {}, "events", limit=limit)
    if name == "paginate_markets":
        return client.paginate("markets", {}, "markets", limit=limit)
    return getattr(client, name)(limit=limit)


@pytest.mark.parametrize(
    ("name", "limit"),
    [
        ("get_events", 201),
        ("get_events", 0),
        ("paginate_events", 1000),
        ("get_markets", 1001),
        ("get_markets", -5),
        ("paginate_markets", 5000),
        ("get_trades", 1001),
        ("get_historical_markets", 1001),
        ("get_historical_trades", 1001),
        ("get_positions", 1001),
        ("get_fills", 1001),
        ("get_settlements", 1001),
        ("get_orders", 1001),
        ("get_markets", True),
        ("get_markets", 10.5),
    ],
)
def test_limit_above_the_endpoint_max_raises_before_sending(router, clock, key_pair, name, limit):
    route = router.route().mock(return_value=httpx.Response(200, json={}))
    client = make_client(router, clock, signer=KalshiSigner("k", key_pair[0]))
    with pytest.raises(ValueError, match="limit"):
        _calls(client, name, limit)
    assert route.call_count == 0


@pytest.mark.parametrize(("name", "limit"), [("get_events", 200), ("get_markets", 1000), ("get_trades", 1)])
def test_limit_at_the_max_is_accepted(router, clock, name, limit):
    key = {"get_events": "events", "get_markets": "markets", "get_trades": "trades"}[name]
    route = router.route().mock(return_value=page(key, [], ""))
    assert getattr(make_client(router, clock), name)(limit=limit).complete
    assert route.calls.last.request.url.params["limit"] == str(limit)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda c: c.get_markets(min_updated_ts=1, status="open"), "min_updated_ts cannot be combined"),
        (lambda c: c.get_markets(min_updated_ts=1, series_ticker="KXBTC"), "min_updated_ts cannot be combined"),
        (lambda c: c.get_markets(min_updated_ts=1, mve_filter="only"), "min_updated_ts cannot be combined"),
        (lambda c: c.get_markets(status="active"), "filter values differ"),
        (lambda c: c.get_events(status="finalized"), "event status filter"),
        (lambda c: c.get_orderbook("KXA", depth=101), "depth"),
        (lambda c: c.get_orderbook("KXA", depth=-1), "depth"),
        (lambda c: c.get_candlesticks("S", "T", start_ts=0, end_ts=10, period_interval=5), "period_interval"),
        (lambda c: c.get_historical_candlesticks("T", start_ts=20, end_ts=10, period_interval=60), "after end_ts"),
        (lambda c: c.get_historical_markets(series_ticker="S", tickers=["A"]), "mutually exclusive"),
        (lambda c: c.get_market(""), "non-empty"),
    ],
)
def test_invalid_arguments_raise_before_sending(router, clock, call, message):
    route = router.route().mock(return_value=httpx.Response(200, json={}))
    with pytest.raises(ValueError, match=message):
        call(make_client(router, clock))
    assert route.call_count == 0


def test_min_updated_ts_alone_or_with_mve_exclude_is_allowed(router, clock):
    route = router.get("/markets").mock(return_value=page("markets", [], ""))
    client = make_client(router, clock)
    client.get_markets(min_updated_ts=1_700_000_000)
    client.get_markets(min_updated_ts=1_700_000_000, mve_filter="exclude")
    assert dict(route.calls[0].request.url.params) == {"min_updated_ts": "1700000000", "limit": "1000"}
    assert route.calls[1].request.url.params["mve_filter"] == "exclude"


def test_query_parameters_are_encoded_as_kalshi_expects(router, clock):
    markets = router.get("/markets").mock(return_value=page("markets", [], ""))
    events = router.get("/events").mock(return_value=page("events", [], ""))
    client = make_client(router, clock)
    client.get_markets(tickers=["KXA-1", "KXB-2"], event_ticker=None)
    client.get_events(with_nested_markets=True, series_ticker="KXHIGHNY")
    assert dict(markets.calls.last.request.url.params) == {"tickers": "KXA-1,KXB-2", "limit": "1000"}
    assert dict(events.calls.last.request.url.params) == {
        "series_ticker": "KXHIGHNY",
        "with_nested_markets": "true",
        "limit": "200",
    }


def test_path_segments_are_quoted(router, clock):
    route = router.get(url__regex=r".*/markets/A%2FB$").mock(
        return_value=httpx.Response(200, json={"market": {"ticker": "A/B"}})
    )
    assert make_client(router, clock).get_market("A/B") == {"ticker": "A/B"}
    assert route.call_count == 1


# ---------------------------------------------------------------------------------------------- limits


def _send_times(router, clock, path: str, body: dict) -> list[float]:
    times: list[float] = []

    def handler(request):
        times.append(clock.now)
        return httpx.Response(200, json=body)

    router.get(path).mock(side_effect=handler)
    return times


def test_tier_basic_paces_reads(router, clock):
    times = _send_times(router, clock, "/markets/KXA", {"market": {}})
    client = make_client(router, clock, tier="basic")
    for _ in range(60):
        client.get_market("KXA")
    per_s = TIERS["basic"].read_per_s
    assert times[-1] - times[0] >= (60 - per_s) / per_s - 1e-6
    # In any one-second window no more than burst + rate requests were sent.
    for start in times:
        assert sum(start <= t < start + 1.0 for t in times) <= 2 * per_s


def test_account_limits_resize_the_buckets(router, clock, key_pair):
    router.get("/account/limits").mock(
        return_value=httpx.Response(200, json={"usage_tier": "premier", "read_limit": 100, "write_limit": 50})
    )
    client = make_client(router, clock, signer=KalshiSigner("k", key_pair[0]))
    limits = client.get_account_limits()
    assert limits["usage_tier"] == "premier" and client.limits == limits
    assert client.limiter.read.rate == 100 * DEFAULT_REQUEST_COST
    assert client.limiter.write.rate == 50 * DEFAULT_REQUEST_COST


def test_a_signer_makes_the_client_read_its_limits_once_and_pace_by_them(router, clock, key_pair):
    limits = router.get("/account/limits").mock(
        return_value=httpx.Response(200, json={"usage_tier": "slow", "read_limit": 5, "write_limit": 1})
    )
    times = _send_times(router, clock, "/markets/KXA", {"market": {}})
    client = make_client(router, clock, signer=KalshiSigner("k", key_pair[0]))
    for _ in range(25):
        client.get_market("KXA")
    assert limits.call_count == 1
    assert SIGNATURE_HEADER in limits.calls.last.request.headers
    # 5 reads/s with one second (5 requests) of burst once resized.
    assert times[-1] - times[0] >= (25 - 5) / 5 - 1e-6
    for start in times:
        assert sum(start <= t < start + 1.0 for t in times) <= 10


def test_unreadable_account_limits_keep_the_tier_buckets(router, clock, key_pair, caplog):
    router.get("/account/limits").mock(return_value=httpx.Response(401, json={"error": {"message": "no"}}))
    router.get("/markets/KXA").mock(return_value=httpx.Response(200, json={"market": {"ticker": "KXA"}}))
    client = make_client(router, clock, signer=KalshiSigner("k", key_pair[0]))
    assert client.get_market("KXA") == {"ticker": "KXA"}
    assert client.limiter.read.rate == TIERS["basic"].read_tokens_per_s
    assert client.limits is None
    assert "could not read /account/limits" in caplog.text


def test_nonsense_account_limits_are_ignored(router, clock, key_pair):
    router.get("/account/limits").mock(
        return_value=httpx.Response(200, json={"usage_tier": "x", "read_limit": 0, "write_limit": "fast"})
    )
    client = make_client(router, clock, signer=KalshiSigner("k", key_pair[0]))
    client.get_account_limits()
    assert client.limiter.read.rate == TIERS["basic"].read_tokens_per_s and client.limits is None


def test_unknown_tier_is_refused():
    with pytest.raises(ValueError, match="unknown Kalshi tier"):
        KalshiClient(BASE_URL, tier="platinum")


# ---------------------------------------------------------------------------------------------- orders


def test_create_order_is_not_retried_without_client_order_id(router, clock, key_pair):
    route = router.post("/portfolio/orders").mock(return_value=httpx.Response(500))
    client = make_client(router, clock, signer=KalshiSigner("k", key_pair[0]), auto_limits=False)
    with pytest.raises(TransientError) as info:
        client.create_order(ticker="KXA", side="yes", action="buy", count=1, yes_price=2)
    assert not isinstance(info.value, RetryExhausted)
    assert route.call_count == 1


def test_create_order_with_client_order_id_is_retried_and_signed(router, clock, key_pair):
    created = load_fixture("kalshi_rest_portfolio_order_create_precog.json")
    route = router.post("/portfolio/orders").mock(
        side_effect=[httpx.ReadTimeout("slow"), httpx.Response(201, json=created)]
    )
    signer = KalshiSigner("k", key_pair[0], clock=clock.time)
    client = make_client(router, clock, signer=signer, auto_limits=False)
    order = {"ticker": "KXNFLGAME-25DEC27BALGB-GB", "side": "yes", "action": "buy", "count": 1,
             "yes_price": 2, "client_order_id": "vcr-test-1766557486"}
    assert client.create_order(**order) == created
    assert route.call_count == 2
    for call in route.calls:
        assert json.loads(call.request.content) == order
        headers = call.request.headers
        assert verify_signature(
            key_pair[1], headers[SIGNATURE_HEADER], headers[TIMESTAMP_HEADER], "POST", f"{ROOT_PREFIX}/portfolio/orders"
        )


def test_orders_use_the_write_bucket(router, clock, key_pair):
    router.post("/portfolio/orders").mock(return_value=httpx.Response(201, json={"order": {}}))
    client = make_client(router, clock, signer=KalshiSigner("k", key_pair[0]), auto_limits=False)
    per_s = TIERS["basic"].write_per_s
    # The burst is one request short of a second's worth; the next one waits one interval.
    for _ in range(per_s):
        client.create_order(ticker="KXA", client_order_id="x")
    assert clock.sleeps == [pytest.approx(1 / per_s)]
    assert client.limiter.read.tokens == client.limiter.read.capacity


def test_cancel_order_is_a_signed_delete(router, clock, key_pair):
    body = load_fixture("kalshi_rest_portfolio_order_cancel_precog.json")
    order_id = body["order"]["order_id"]
    route = router.delete(f"/portfolio/orders/{order_id}").mock(side_effect=[httpx.Response(502), httpx.Response(200, json=body)])
    client = make_client(router, clock, signer=KalshiSigner("k", key_pair[0]), auto_limits=False)
    assert client.cancel_order(order_id) == body
    assert route.call_count == 2
    assert route.calls.last.request.method == "DELETE"
    assert SIGNATURE_HEADER in route.calls.last.request.headers


# ---------------------------------------------------------------------------------------------- helpers on real payloads


def _fixture_route(router, path: str, fixture: str):
    body = load_fixture(fixture)
    return body, router.get(path).mock(return_value=httpx.Response(200, json=body))


@pytest.mark.parametrize(
    ("call", "path", "fixture", "expect"),
    [
        (lambda c: c.get_series("KXHIGHLAX"), "/series/KXHIGHLAX", "kalshi_rest_series_KXHIGHLAX_kalshi_weather.json",
         lambda b: b["series"]),
        (lambda c: c.get_market("KXELONMARS-99"), "/markets/KXELONMARS-99", "kalshi_rest_market_KXELONMARS-99_ccxt.json",
         lambda b: b["market"]),
        (lambda c: c.get_orderbook("KXELONMARS-99", depth=10), "/markets/KXELONMARS-99/orderbook",
         "kalshi_rest_orderbook_fp_KXELONMARS-99_ccxt.json", lambda b: b),
        (lambda c: c.get_candlesticks("KXELONMARS", "KXELONMARS-99", start_ts=1, end_ts=2, period_interval=60),
         "/series/KXELONMARS/markets/KXELONMARS-99/candlesticks", "kalshi_rest_candlesticks_1h_KXELONMARS-99_ccxt.json",
         lambda b: b),
        (lambda c: c.get_historical_candlesticks("KXNYKCOACH-25-MNORI", start_ts=1, end_ts=2, period_interval=1440),
         "/historical/markets/KXNYKCOACH-25-MNORI/candlesticks",
         "kalshi_rest_candlesticks_daily_KXNYKCOACH-25-MNORI_tail-end-analysis.json", lambda b: b),
        (lambda c: c.get_historical_cutoff(), "/historical/cutoff", "kalshi_rest_historical_cutoff_apinotes.json",
         lambda b: b),
        (lambda c: c.get_historical_market("KXELONMARS-99"), "/historical/markets/KXELONMARS-99",
         "kalshi_rest_market_KXELONMARS-99_ccxt.json", lambda b: b["market"]),
        (lambda c: c.get_balance(), "/portfolio/balance", "kalshi_rest_portfolio_balance_demo_precog.json", lambda b: b),
        (lambda c: c.get_order("b9ef0c93-b795-44ff-b0a1-ddc9113a4e01"),
         "/portfolio/orders/b9ef0c93-b795-44ff-b0a1-ddc9113a4e01", "kalshi_rest_portfolio_order_get_precog.json",
         lambda b: b["order"]),
        (lambda c: c.get_json("/markets", expect_key="markets"), "/markets",
         "kalshi_rest_markets_list_KXNFLGAME_prod_precog.json", lambda b: b),
    ],
)
def test_single_object_helpers_return_the_real_payloads(router, clock, key_pair, call, path, fixture, expect):
    body, route = _fixture_route(router, path, fixture)
    client = make_client(router, clock, signer=KalshiSigner("k", key_pair[0]), auto_limits=False)
    assert call(client) == expect(body)
    assert route.call_count == 1
    assert len(client.reject_log) == 0


@pytest.mark.parametrize(
    ("call", "path", "fixture", "items_key"),
    [
        (lambda c: c.get_markets(tickers=["KXELONMARS-99", "KXCOLONIZEMARS-50"]), "/markets",
         "kalshi_rest_markets_list_tickers_KXELONMARS_KXCOLONIZEMARS_ccxt.json", "markets"),
        (lambda c: c.get_trades(ticker="KXCPI-26AUG-T1.0"), "/markets/trades",
         "kalshi_rest_trades_KXCPI-26AUG-T1.0_apinotes.json", "trades"),
        (lambda c: c.get_historical_trades(ticker="KXCPI-26AUG-T1.0"), "/historical/trades",
         "kalshi_rest_trades_KXCPI-26AUG-T1.0_apinotes.json", "trades"),
        (lambda c: c.get_historical_markets(tickers="KXELONMARS-99"), "/historical/markets",
         "kalshi_rest_markets_list_tickers_KXELONMARS_KXCOLONIZEMARS_ccxt.json", "markets"),
        (lambda c: c.get_fills(), "/portfolio/fills", "kalshi_rest_portfolio_fills_demo_precog.json", "fills"),
        (lambda c: c.get_settlements(), "/portfolio/settlements",
         "kalshi_rest_portfolio_settlements_empty_demo_precog.json", "settlements"),
        (lambda c: c.get_positions(), "/portfolio/positions", "kalshi_rest_portfolio_positions_demo_precog.json",
         "market_positions"),
    ],
)
def test_paginated_helpers_on_real_payloads(router, clock, key_pair, call, path, fixture, items_key):
    body, route = _fixture_route(router, path, fixture)
    client = make_client(router, clock, signer=KalshiSigner("k", key_pair[0]), auto_limits=False)
    result = call(client)
    assert result.complete and result.pages == 1 and result.error is None
    assert result.items == body[items_key]
    if items_key == "market_positions":
        assert result.extras == {"event_positions": body["event_positions"]}
    signed = path.startswith("/portfolio")
    assert (SIGNATURE_HEADER in route.calls.last.request.headers) is signed


def test_a_real_page_with_a_cursor_leads_to_the_next(router, clock):
    first = load_fixture("kalshi_rest_markets_list_KXNFLGAME_prod_precog.json")
    route = router.get("/markets").mock(
        side_effect=lambda r: httpx.Response(200, json=first) if cursor_of(r) is None else page("markets", [], "")
    )
    result = make_client(router, clock).get_markets(series_ticker="KXNFLGAME")
    assert result.complete and result.pages == 2 and len(result.items) == len(first["markets"])
    assert route.calls[1].request.url.params["cursor"] == first["cursor"]


def test_series_list_and_events(router, clock):
    series = load_fixture("kalshi_rest_series_KXHIGHLAX_kalshi_weather.json")["series"]
    route = router.get("/series").mock(return_value=httpx.Response(200, json={"series": [series]}))
    events = load_fixture("kalshi_rest_events_and_markets_KXNCAAMBGAME_2026_bracket-kal.json")["events"]
    router.get("/events").mock(return_value=httpx.Response(200, json={"events": events, "cursor": ""}))
    client = make_client(router, clock)
    assert client.get_series_list(category="Climate and Weather") == [series]
    assert route.calls.last.request.url.params["category"] == "Climate and Weather"
    result = client.get_events(status="open")
    assert result.items == events and result.complete


def test_orderbook_shapes(router, clock):
    legacy = {"orderbook": {"yes": [[5, 100]], "no": None}}
    router.get("/markets/OLD/orderbook").mock(return_value=httpx.Response(200, json=legacy))
    router.get("/markets/BAD/orderbook").mock(return_value=httpx.Response(200, json={"book": {}}))
    router.get("/markets/LIST/orderbook").mock(return_value=httpx.Response(200, json=[1]))
    client = make_client(router, clock, retry=RetryPolicy(max_attempts=2))
    assert client.get_orderbook("OLD") == legacy
    with pytest.raises(RetryExhausted, match="orderbook_fp"):
        client.get_orderbook("BAD")
    with pytest.raises(RetryExhausted, match="expected a JSON object"):
        client.get_orderbook("LIST")
    assert {r["kind"] for r in client.reject_log.drain()} == {"orderbook"}


def test_wrapped_object_must_be_an_object(router, clock):
    router.get("/markets/KXA").mock(return_value=httpx.Response(200, json={"market": "KXA"}))
    with pytest.raises(RetryExhausted, match="'market' should be an object"):
        make_client(router, clock, retry=RetryPolicy(max_attempts=1)).get_market("KXA")


# ---------------------------------------------------------------------------------------------- misc


def test_base_urls_and_lifecycle(router, clock):
    assert KALSHI_BASE_URLS == {
        "demo": "https://external-api.demo.kalshi.co/trade-api/v2",
        "prod": "https://external-api.kalshi.com/trade-api/v2",
    }
    with make_client(router, clock) as client:
        assert client.base_url == BASE_URL
        assert "signed=False" in repr(client)
    assert client._http._client.is_closed


def test_reject_log_can_be_swapped_per_batch_and_stats_are_shared(router, clock):
    router.get("/markets/KXA").mock(
        side_effect=[httpx.Response(200, content=b"{"), httpx.Response(200, json={"market": {}})] * 2
    )
    client = make_client(router, clock)
    client.get_market("KXA")
    batch_two = RejectLog(batch_id="b2")
    client.reject_log = batch_two
    client.get_market("KXA")
    assert [r["batch_id"] for r in batch_two.drain()] == ["b2"]
    assert client.stats.rejects == 2 and client.stats.as_dict()["retries.truncated_json"] == 2
