"""The embedded Odds API v4: the real wire format, the key and quota rules, and the same games as Kalshi."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from kalshi_platform.core.props.names import player_lookup
from kalshi_platform.core.props.teams import game_id, team_code
from kalshi_platform.sandbox import (
    SANDBOX_KALSHI_BASE_URL,
    ManualClock,
    SandboxConfig,
    SandboxExchange,
    SandboxTransport,
)
from kalshi_platform.sandbox import odds_api
from kalshi_platform.sandbox.worlds.nba_league import game_players, nba_schedule
from kalshi_platform_tests.sandbox.test_contract import compare

NOW = datetime(2026, 11, 20, 15, 30, tzinfo=UTC)
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "sportsbook"
PROPS = "player_points,player_rebounds,player_assists,player_threes,player_blocks,player_steals"


def real(name: str):
    return json.loads((FIXTURES / name).read_text())


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(NOW)


@pytest.fixture
def exchange(clock) -> SandboxExchange:
    return SandboxExchange(SandboxConfig(now=clock, enforce_rate_limit=False))


@pytest.fixture
def odds(exchange):
    with httpx.Client(transport=SandboxTransport(exchange), base_url="http://odds.sandbox") as c:
        yield c


def get_events(odds, **params):
    r = odds.get("/v4/sports/basketball_nba/events", params={"apiKey": "k", **params})
    assert r.status_code == 200, r.text
    return r.json()


def get_odds(odds, event_id, **params):
    query = {"apiKey": "k", "regions": "us", "markets": PROPS, "oddsFormat": "american", **params}
    return odds.get(f"/v4/sports/basketball_nba/events/{event_id}/odds", params=query)


def tonight(odds):
    return get_events(odds, commenceTimeFrom="2026-11-20T15:30:00Z", commenceTimeTo="2026-11-21T15:30:00Z")


def test_event_odds_have_the_keys_and_types_of_the_real_bkn_tor_payload(odds):
    recorded = real("theoddsapi_event_odds_player_points_nba_BKN-TOR_bet-helper.json")
    events = tonight(odds)
    assert len(events) == 5
    for event in events:
        body = get_odds(odds, event["id"]).json()
        assert compare(recorded, body) == []
        assert 5 <= len(body["bookmakers"]) <= 10
        for book in body["bookmakers"]:
            for market in book["markets"]:
                for o in market["outcomes"]:
                    assert type(o["price"]) is int and (o["price"] <= -100 or o["price"] >= 100)
                    assert type(o["point"]) is float and o["point"] % 1 == 0.5
                    assert o["name"] in ("Over", "Under")


def test_books_carry_vig_and_list_the_players_of_the_game(odds, exchange):
    world = exchange.world
    schedule = {g.event_id: g for g in nba_schedule(world.seed, world.anchor_ts, world.scale).games}
    event = tonight(odds)[0]
    body = get_odds(odds, event["id"]).json()
    game = schedule[event["id"]]
    roster = {player_lookup(pg.player.name) for pg in game_players(world.seed, game)}
    margins = []
    for book in body["bookmakers"]:
        for market in book["markets"]:
            pairs = {}
            for o in market["outcomes"]:
                assert player_lookup(o["description"]) in roster, o["description"]
                pairs.setdefault((o["description"], o["point"]), []).append(o["price"])
            for prices in pairs.values():
                over, under = prices[:2]
                p = [(-x / (-x + 100)) if x < 0 else 100 / (x + 100) for x in (over, under)]
                margins.append(sum(p) - 1)
    assert min(margins) > 0  # every two-way line carries vig
    assert 0.03 < sum(margins) / len(margins) < 0.12


def test_events_are_the_kxnbagame_games(odds, exchange):
    with httpx.Client(transport=SandboxTransport(exchange), base_url=SANDBOX_KALSHI_BASE_URL) as kalshi:
        games = {m["event_ticker"].split("-")[1] for m in kalshi.get(
            "/markets", params={"series_ticker": "KXNBAGAME", "limit": 1000}).json()["markets"]}
    events = get_events(odds)
    assert len(events) > 5
    for e in events:
        commence = datetime.fromisoformat(e["commence_time"].replace("Z", "+00:00"))
        code = game_id(commence, team_code(e["away_team"]), team_code(e["home_team"]))
        assert code in games


def test_scores_match_the_real_scores_payload_and_kalshis_settlement(odds, exchange):
    recorded = real("theoddsapi_scores_nba_bet-helper.json")
    body = odds.get("/v4/sports/basketball_nba/scores", params={"apiKey": "k", "daysFrom": 3}).json()
    assert compare(recorded[0], body[0]) == []
    completed = [g for g in body if g["completed"]]
    assert completed and all(len(g["scores"]) == 2 for g in completed)
    with httpx.Client(transport=SandboxTransport(exchange), base_url=SANDBOX_KALSHI_BASE_URL) as kalshi:
        for g in completed[:5]:
            commence = datetime.fromisoformat(g["commence_time"].replace("Z", "+00:00"))
            home, away = team_code(g["home_team"]), team_code(g["away_team"])
            ticker = f"KXNBAGAME-{game_id(commence, away, home)}-{home}"
            market = kalshi.get(f"/markets/{ticker}").json()["market"]
            scores = {s["name"]: int(s["score"]) for s in g["scores"]}
            home_won = scores[g["home_team"]] > scores[g["away_team"]]
            assert market["result"] == ("yes" if home_won else "no")


def test_key_rules_like_the_real_api(odds):
    missing = odds.get("/v4/sports/basketball_nba/events")
    assert missing.status_code == 401 and missing.json()["error_code"] == "MISSING_KEY"
    invalid = odds.get("/v4/sports/basketball_nba/events", params={"apiKey": "bad key!"})
    assert invalid.status_code == 401
    assert set(invalid.json()) == {"message", "error_code", "details_url"}
    assert invalid.json()["error_code"] == "INVALID_KEY"
    assert "x-requests-remaining" not in invalid.headers
    assert odds.get("/v4/sports/icehockey_nhl/events", params={"apiKey": "k"}).status_code == 404


def test_quota_headers_and_cost_per_market_and_region(odds):
    event = tonight(odds)[0]
    first = get_odds(odds, event["id"], markets="player_points,player_rebounds")
    assert first.headers["x-requests-last"] == "2" and first.headers["x-requests-used"] == "2"
    assert first.headers["x-requests-remaining"] == str(odds_api.STARTING_QUOTA - 2)
    both = get_odds(odds, event["id"], markets="player_points", regions="us,us2")
    assert both.headers["x-requests-last"] == "2" and both.headers["x-requests-used"] == "4"
    assert {b["key"] for b in both.json()["bookmakers"]} >= {"espnbet", "draftkings"}
    listing = odds.get("/v4/sports/basketball_nba/events", params={"apiKey": "k"})
    assert listing.headers["x-requests-last"] == "0"
    other_key = get_odds(odds, event["id"], apiKey="someone-else", markets="player_points")
    assert other_key.headers["x-requests-used"] == "1"  # quota is per key


def test_quota_used_up_is_refused(odds, monkeypatch):
    monkeypatch.setattr(odds_api, "STARTING_QUOTA", 3)
    event = tonight(odds)[0]
    assert get_odds(odds, event["id"], markets="player_points,player_rebounds").status_code == 200
    refused = get_odds(odds, event["id"], markets="player_points,player_rebounds")
    assert refused.status_code == 401 and refused.json()["error_code"] == "OUT_OF_USAGE_CREDITS"


def test_bad_parameters_are_422(odds):
    event = tonight(odds)[0]
    assert get_odds(odds, event["id"], markets="player_dunks").status_code == 422
    assert get_odds(odds, event["id"], regions="mars").status_code == 422
    assert odds.get(f"/v4/sports/basketball_nba/events/{event['id']}/odds",
                    params={"apiKey": "k", "markets": "player_points"}).status_code == 422  # no region


def test_props_posted_a_day_ahead_pulled_at_tip_off_gone_after_the_game(odds, clock):
    event = tonight(odds)[0]
    tip = datetime.fromisoformat(event["commence_time"].replace("Z", "+00:00"))
    clock.set(tip - timedelta(hours=25))
    assert get_odds(odds, event["id"]).json()["bookmakers"] == []
    clock.set(tip - timedelta(minutes=5))
    assert get_odds(odds, event["id"]).json()["bookmakers"]
    clock.set(tip + timedelta(minutes=1))
    assert get_odds(odds, event["id"]).json()["bookmakers"] == []
    clock.set(tip + timedelta(hours=4))
    gone = get_odds(odds, event["id"])
    assert gone.status_code == 404 and gone.json()["error_code"] == "EVENT_NOT_FOUND"


def test_lines_move_during_the_day_and_are_stable_within_ten_minutes(odds, clock):
    event = tonight(odds)[0]

    def snapshot():
        body = get_odds(odds, event["id"], bookmakers="draftkings").json()
        return [(o["description"], o["point"], o["price"]) for m in body["bookmakers"][0]["markets"]
                for o in m["outcomes"]]

    clock.set(NOW + timedelta(minutes=1))
    a = snapshot()
    clock.set(NOW + timedelta(minutes=8))
    assert snapshot() == a
    clock.set(NOW + timedelta(hours=6))
    assert snapshot() != a


def test_decimal_odds_when_asked(odds):
    event = tonight(odds)[0]
    body = get_odds(odds, event["id"], oddsFormat="decimal", markets="player_points").json()
    prices = [o["price"] for b in body["bookmakers"] for m in b["markets"] for o in m["outcomes"]]
    assert all(isinstance(p, float) and p > 1 for p in prices)


# -- historical snapshots -------------------------------------------------------------------------

def real_historical() -> dict:
    """The docs' historical event-odds example, cut where the docs cut it ('...') and closed, without
    the h2h_q1 market (not a prop: the sandbox answers it with no data)."""
    text = (FIXTURES / "theoddsapi_historical_event_odds_player_points_docs_truncated.txt").read_text()
    body = json.loads(text[:text.index("...")].rstrip().rstrip(",") + "]}]}]}}")
    for book in body["data"]["bookmakers"]:
        book["markets"] = [m for m in book["markets"] if m["key"] == "player_points"]
    return body


def get_historical_odds(odds, event_id, date: datetime, **params):
    query = {"apiKey": "k", "regions": "us", "markets": PROPS, "oddsFormat": "american",
             "date": date.strftime("%Y-%m-%dT%H:%M:%SZ"), **params}
    return odds.get(f"/v4/historical/sports/basketball_nba/events/{event_id}/odds", params=query)


def last_night(exchange):
    """Last night's games (settled on Kalshi), from the world's schedule."""
    world = exchange.world
    return [g for g in nba_schedule(world.seed, world.anchor_ts, world.scale).games
            if g.end_ts < NOW.timestamp() and g.start_ts > NOW.timestamp() - 86400]


def ts(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_historical_event_odds_have_the_keys_and_types_of_the_documented_example(odds, exchange):
    recorded = real_historical()
    game = last_night(exchange)[0]
    tip = datetime.fromtimestamp(game.start_ts, tz=UTC)
    r = get_historical_odds(odds, game.event_id, tip - timedelta(hours=2), markets="player_points",
                            oddsFormat="decimal")
    assert r.status_code == 200, r.text
    body = r.json()
    assert compare(recorded, body) == []
    assert body["data"]["id"] == game.event_id and len(body["data"]["bookmakers"]) >= 5
    american = get_historical_odds(odds, game.event_id, tip - timedelta(hours=2)).json()["data"]
    for book in american["bookmakers"]:
        assert ts(book["last_update"]) == max(ts(m["last_update"]) for m in book["markets"])
        for market in book["markets"]:
            assert ts(market["last_update"]) <= ts(body["timestamp"])
            for o in market["outcomes"]:
                assert type(o["price"]) is int and (o["price"] <= -100 or o["price"] >= 100)
                assert type(o["point"]) is float and o["point"] % 1 == 0.5


def test_a_snapshot_is_the_live_answer_at_the_five_minute_mark_at_or_before_the_date(odds, exchange, clock):
    game = last_night(exchange)[0]
    date = datetime.fromtimestamp(game.start_ts, tz=UTC) - timedelta(hours=2, minutes=1, seconds=7)
    body = get_historical_odds(odds, game.event_id, date).json()
    snapshot = ts(body["timestamp"])
    assert date - timedelta(minutes=5) < snapshot <= date
    assert ts(body["previous_timestamp"]) == snapshot - timedelta(minutes=5)
    assert ts(body["next_timestamp"]) == snapshot + timedelta(minutes=5)
    # Deterministic, and the same lines the live route showed at that moment.
    assert get_historical_odds(odds, game.event_id, date).json() == body
    clock.set(snapshot)
    live = get_odds(odds, game.event_id).json()
    assert [(b["key"], b["markets"]) for b in live["bookmakers"]] == \
        [(b["key"], b["markets"]) for b in body["data"]["bookmakers"]]
    # The newest snapshot has no next one; none is taken after the clock.
    latest = get_historical_odds(odds, game.event_id, snapshot + timedelta(days=3)).json()
    assert ts(latest["timestamp"]) == snapshot and latest["next_timestamp"] is None


def test_historical_odds_of_a_settled_game_before_during_and_after(odds, exchange):
    game = last_night(exchange)[0]
    tip = datetime.fromtimestamp(game.start_ts, tz=UTC)
    assert get_historical_odds(odds, game.event_id, tip - timedelta(hours=25)).json()["data"]["bookmakers"] == []
    assert get_historical_odds(odds, game.event_id, tip - timedelta(minutes=10)).json()["data"]["bookmakers"]
    assert get_historical_odds(odds, game.event_id, tip + timedelta(minutes=10)).json()["data"]["bookmakers"] == []
    gone = get_historical_odds(odds, game.event_id, tip + timedelta(hours=4))
    assert gone.status_code == 404 and gone.json()["error_code"] == "EVENT_NOT_FOUND"
    early = get_historical_odds(odds, game.event_id, tip - timedelta(days=8))
    assert early.status_code == 404  # not listed yet a week before


def test_historical_requests_cost_ten_times_and_events_one(odds, exchange):
    game = last_night(exchange)[0]
    at = datetime.fromtimestamp(game.start_ts, tz=UTC) - timedelta(hours=2)
    first = get_historical_odds(odds, game.event_id, at, markets="player_points,player_rebounds")
    assert first.headers["x-requests-last"] == "20" and first.headers["x-requests-used"] == "20"
    both = get_historical_odds(odds, game.event_id, at, markets="player_points", regions="us,us2")
    assert both.headers["x-requests-last"] == "20" and both.headers["x-requests-remaining"] == str(
        odds_api.STARTING_QUOTA - 40)
    empty = get_historical_odds(odds, game.event_id, at - timedelta(days=2), markets="player_points")
    assert empty.headers["x-requests-last"] == "0"  # no market returned, nothing charged
    listed = odds.get("/v4/historical/sports/basketball_nba/events",
                      params={"apiKey": "k", "date": at.strftime("%Y-%m-%dT%H:%M:%SZ")})
    assert listed.status_code == 200 and listed.headers["x-requests-last"] == "1"
    events = listed.json()
    assert set(events) == {"timestamp", "previous_timestamp", "next_timestamp", "data"}
    assert game.event_id in {e["id"] for e in events["data"]}
    assert compare(real("theoddsapi_event_odds_player_points_nba_BKN-TOR_bet-helper.json"),
                   events["data"][0], ignore={"bookmakers"}) == []


def test_historical_bad_dates_are_422(odds, exchange):
    game = last_night(exchange)[0]
    url = f"/v4/historical/sports/basketball_nba/events/{game.event_id}/odds"
    missing = odds.get(url, params={"apiKey": "k", "regions": "us", "markets": "player_points"})
    assert missing.status_code == 422 and missing.json()["error_code"] == "MISSING_HISTORICAL_TIMESTAMP"
    bad = odds.get(url, params={"apiKey": "k", "regions": "us", "markets": "player_points", "date": "yesterday"})
    assert bad.status_code == 422 and bad.json()["error_code"] == "INVALID_HISTORICAL_TIMESTAMP"
    assert odds.get(url, params={"date": "2026-11-19T12:00:00Z"}).json()["error_code"] == "MISSING_KEY"
