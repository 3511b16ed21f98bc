"""The Odds API client: requests, quota headers, the key kept secret, retries, against the sandbox and respx."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import respx

from kalshi_platform.clients.http import AuthError, NotFoundError, RejectLog, RetryPolicy
from kalshi_platform.clients.odds_api import (
    ODDS_API_BASE_URL,
    PLAYER_PROP_MARKETS,
    HistoricalSnapshot,
    OddsApiClient,
)
from kalshi_platform.sandbox import SandboxConfig, SandboxExchange, SandboxTransport
from kalshi_platform_tests.clients.support import FakeClock

NOW = datetime(2026, 11, 20, 15, 30, tzinfo=UTC)
KEY = "0123456789abcdef0123456789abcdef"
FAST = RetryPolicy(max_attempts=3, base_delay_s=0.0, max_delay_s=0.0)


@pytest.fixture(scope="module")
def exchange() -> SandboxExchange:
    return SandboxExchange(SandboxConfig(now=lambda: NOW, enforce_rate_limit=False))


def sandbox_client(exchange, key: str = KEY, reject_log: RejectLog | None = None) -> OddsApiClient:
    clock = FakeClock()
    return OddsApiClient(key, "http://odds.test", transport=SandboxTransport(exchange), retry=FAST,
                         reject_log=reject_log, sleep=clock.sleep, monotonic=clock.monotonic, clock=lambda: NOW)


def test_events_then_player_props_with_quota_recorded(exchange):
    with sandbox_client(exchange, key="quota-test-key") as client:
        events = client.get_events(commence_from=NOW, commence_to=NOW + timedelta(hours=24))
        assert len(events) == 5  # tonight's slate
        assert all(set(e) == {"id", "sport_key", "sport_title", "commence_time", "home_team", "away_team"}
                   for e in events)
        odds = client.get_event_odds(events[0]["id"])
        assert odds["id"] == events[0]["id"] and len(odds["bookmakers"]) >= 5
        markets = {m["key"] for b in odds["bookmakers"] for m in b["markets"]}
        assert markets <= set(PLAYER_PROP_MARKETS) and "player_points" in markets
        prices = [o["price"] for b in odds["bookmakers"] for m in b["markets"] for o in m["outcomes"]]
        assert all(isinstance(p, int) and (p <= -100 or p >= 100) for p in prices)
        records = client.requests
    assert [r.status for r in records] == [200, 200]
    assert records[0].requests_last == 0  # listing events is free
    assert records[1].requests_last == len(markets)  # markets returned x 1 region
    assert records[1].requests_used == len(markets) and records[1].requests_remaining == 20_000 - len(markets)
    assert client.quota == {"remaining": 20_000 - len(markets), "used": len(markets), "last": len(markets)}
    assert all(KEY not in r.params and "apiKey" not in r.params for r in records)
    assert "regions=us" in records[1].params and "oddsFormat=american" in records[1].params


def test_bookmakers_replace_regions(exchange):
    with sandbox_client(exchange) as client:
        event = client.get_events()[0]
        odds = client.get_event_odds(event["id"], bookmakers=["draftkings", "fanduel"])
    assert {b["key"] for b in odds["bookmakers"]} == {"draftkings", "fanduel"}
    assert "bookmakers=draftkings%2Cfanduel" in client.requests[-1].params or \
        "bookmakers=draftkings,fanduel" in client.requests[-1].params


def test_invalid_key_is_an_auth_error_that_never_shows_the_key(exchange, caplog):
    bad = "not a valid key!"
    caplog.set_level(logging.INFO)
    with sandbox_client(exchange, key=bad) as client, pytest.raises(AuthError) as info:
        client.get_events()
    assert info.value.status == 401
    assert "API key is not valid" in str(info.value)
    assert bad not in str(info.value) and bad not in caplog.text
    assert client.requests[-1].status == 401 and client.requests[-1].requests_remaining is None


def test_a_finished_or_unknown_event_is_not_found(exchange):
    with sandbox_client(exchange) as client, pytest.raises(NotFoundError):
        client.get_event_odds("0" * 32)


def test_missing_key_is_refused_before_sending():
    with pytest.raises(ValueError, match="ODDS_API_KEY"):
        OddsApiClient("  ")


@respx.mock
def test_real_host_query_retries_and_key_scrubbed_from_logs(caplog):
    caplog.set_level(logging.INFO)
    route = respx.get(f"{ODDS_API_BASE_URL}/v4/sports/basketball_nba/events").mock(side_effect=[
        httpx.Response(500, text="upstream exploded"),
        httpx.Response(200, text='[{"id": "e1"'),  # truncated: recorded, retried
        httpx.Response(200, json=[{"id": "e1", "sport_key": "basketball_nba"}],
                       headers={"x-requests-remaining": "499", "x-requests-used": "1", "x-requests-last": "0"}),
    ])
    log = RejectLog("b1")
    clock = FakeClock()
    with OddsApiClient(KEY, retry=FAST, reject_log=log, sleep=clock.sleep, monotonic=clock.monotonic) as client:
        events = client.get_events(commence_from=NOW)
    assert events == [{"id": "e1", "sport_key": "basketball_nba"}]
    sent = route.calls.last.request.url
    assert sent.params["apiKey"] == KEY and sent.params["commenceTimeFrom"] == "2026-11-20T15:30:00Z"
    assert [r.status for r in client.requests] == [500, 200, 200]
    assert client.quota == {"remaining": 499, "used": 1, "last": 0}
    assert len(log) == 1 and "truncated" in log[0]["reason"] and KEY not in log[0]["body"]
    assert KEY not in caplog.text and "***" in caplog.text  # httpx's own request log line is scrubbed


@respx.mock
def test_an_event_odds_body_of_the_wrong_shape_is_a_reject():
    respx.get(f"{ODDS_API_BASE_URL}/v4/sports/basketball_nba/events/e1/odds").mock(
        return_value=httpx.Response(200, json={"message": "no id here"}))
    log = RejectLog("b1")
    clock = FakeClock()
    with OddsApiClient(KEY, retry=RetryPolicy(max_attempts=2, base_delay_s=0, max_delay_s=0), reject_log=log,
                       sleep=clock.sleep, monotonic=clock.monotonic) as client, pytest.raises(Exception) as info:
        client.get_event_odds("e1")
    assert "gave up" in str(info.value)
    assert len(log) == 2 and all("missing key 'id'" in r["reason"] for r in log)


def test_historical_events_then_event_odds_are_parsed_with_their_snapshot_times(exchange, caplog):
    caplog.set_level(logging.DEBUG)
    date = datetime(2026, 11, 19, 22, 0, tzinfo=UTC)
    with sandbox_client(exchange, key="historical-key") as client:
        listed = client.get_historical_events(date, commence_from=date, commence_to=date + timedelta(hours=6))
        assert isinstance(listed, HistoricalSnapshot)
        assert listed.timestamp <= date < listed.next_timestamp
        assert listed.previous_timestamp == listed.timestamp - timedelta(minutes=5)
        assert len(listed.data) == 5 and all(date <= datetime.fromisoformat(e["commence_time"]) for e in listed.data)
        snap = client.get_historical_event_odds(listed.data[0]["id"], date, markets=["player_points"])
        assert snap.timestamp.tzinfo is not None and snap.timestamp <= date
        assert snap.data["id"] == listed.data[0]["id"] and snap.data["bookmakers"]
        assert {m["key"] for b in snap.data["bookmakers"] for m in b["markets"]} == {"player_points"}
        records = client.requests
    assert [r.requests_last for r in records] == [1, 10]  # a historical prop market costs 10
    assert records[1].path.startswith("/v4/historical/sports/basketball_nba/events/")
    assert "date=2026-11-19T22:00:00Z" in records[1].params and "historical-key" not in records[1].params
    assert "historical-key" not in caplog.text


def test_historical_odds_need_an_aware_date(exchange):
    with sandbox_client(exchange) as client, pytest.raises(ValueError, match="timezone-aware"):
        client.get_historical_event_odds("e1", datetime(2026, 11, 19, 22, 0))


@respx.mock
def test_a_historical_body_without_its_wrapper_or_with_a_bad_timestamp_is_a_reject():
    url = f"{ODDS_API_BASE_URL}/v4/historical/sports/basketball_nba/events/e1/odds"
    event = {"id": "e1", "bookmakers": []}
    respx.get(url).mock(side_effect=[
        httpx.Response(200, json=event),  # the live shape, unwrapped
        httpx.Response(200, json={"timestamp": "not a time", "data": event}),
        httpx.Response(200, json={"timestamp": "2026-11-19T21:55:26Z", "previous_timestamp": "2026-11-19T21:50:26Z",
                                  "next_timestamp": None, "data": event}),
    ])
    log = RejectLog("b1")
    clock = FakeClock()
    with OddsApiClient(KEY, retry=FAST, reject_log=log, sleep=clock.sleep, monotonic=clock.monotonic) as client:
        snap = client.get_historical_event_odds("e1", NOW)
    assert snap == HistoricalSnapshot(datetime(2026, 11, 19, 21, 55, 26, tzinfo=UTC),
                                      datetime(2026, 11, 19, 21, 50, 26, tzinfo=UTC), None, event)
    assert [r["reason"] for r in log][0].endswith("missing key 'timestamp'")
    assert "timestamp" in log[1]["reason"] and len(log) == 2
