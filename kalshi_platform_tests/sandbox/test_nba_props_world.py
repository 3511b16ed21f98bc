"""The sandbox NBA: prop ladders in Kalshi's real format, on the same games as KXNBAGAME, settled on one truth."""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import httpx
import pytest

from kalshi_platform.sandbox import SANDBOX_KALSHI_BASE_URL, SandboxConfig, SandboxExchange, SandboxTransport
from kalshi_platform.sandbox.worlds.nba_league import game_players, nba_schedule
from kalshi_platform_tests.sandbox.test_contract import MARKET_OPTIONAL, compare, load

NOW = datetime(2026, 11, 20, 15, 30, tzinfo=UTC)  # 10:30 AM ET: tonight is Nov 20
SERIES = ("KXNBAPTS", "KXNBAREB", "KXNBAAST", "KXNBA3PT", "KXNBABLK", "KXNBASTL")
# A real prop market (2026, GET /markets): the format every sandbox ladder follows.
REAL = {
    "ticker": "KXNBAPTS-26APR26CLETOR-TORSBARNES4-10",
    "event_ticker": "KXNBAPTS-26APR26CLETOR",
    "title": "Scottie Barnes: 10+ points",
    "yes_sub_title": "Scottie Barnes: 10+",
    "no_sub_title": "Scottie Barnes: 10+",
    "strike_type": "structured",
    "floor_strike": 9.5,
    "custom_strike": {"basketball_player": "fb9a7f9e-8a0c-4e90-94e8-051dea709bef",
                      "basketball_team": "96c447dd-2cdd-4c58-a151-ef0df87de981"},
    "rules_primary": "If Scottie Barnes records 10+ Points in the Cleveland vs Toronto professional basketball game "
                     "originally scheduled for Apr 26, 2026, then the market resolves to Yes.",
}
REAL_EVENT = {"title": "Cleveland at Toronto: Points", "sub_title": "CLE vs TOR (Apr 26)"}
TICKER = re.compile(r"^(KXNBA(?:PTS|REB|AST|3PT|BLK|STL))-(\d{2}[A-Z]{3}\d{2})([A-Z]{3})([A-Z]{3})-"
                    r"([A-Z]{3})([A-Z]+\d+)-(\d+)$")
RULES = re.compile(r"^If (.+) records (\d+)\+ (Points|Rebounds|Assists|3-pointers made|Blocks|Steals) in the "
                   r"(.+) vs (.+) professional basketball game originally scheduled for ([A-Z][a-z]{2} \d{1,2}, "
                   r"\d{4}), then the market resolves to Yes\.$")


@pytest.fixture(scope="module")
def exchange() -> SandboxExchange:
    return SandboxExchange(SandboxConfig(now=lambda: NOW, enforce_rate_limit=False))


@pytest.fixture(scope="module")
def client(exchange):
    with httpx.Client(transport=SandboxTransport(exchange), base_url=SANDBOX_KALSHI_BASE_URL) as c:
        yield c


def markets(client, series: str, status: str | None = None) -> list[dict]:
    params = {"series_ticker": series, "limit": 1000, **({"status": status} if status else {})}
    return client.get("/markets", params=params).json()["markets"]


def test_prop_markets_have_the_real_format(client):
    active_real = [m for m in load("kalshi_rest_events_and_markets_KXNCAAMBGAME_2026_bracket-kal.json")["markets"]
                   if m["status"] == "active"][0]
    seen = 0
    for series in SERIES:
        for m in markets(client, series, "open"):
            seen += 1
            match = TICKER.match(m["ticker"])
            assert match, m["ticker"]
            assert match.group(1) == series and m["event_ticker"] == m["ticker"].rsplit("-", 2)[0]
            assert match.group(5) in (match.group(3), match.group(4))  # the player's team plays in the game
            threshold = int(match.group(7))
            name = m["title"].split(":")[0]
            word = {"KXNBAPTS": "points", "KXNBAREB": "rebounds", "KXNBAAST": "assists", "KXNBA3PT": "threes",
                    "KXNBABLK": "blocks", "KXNBASTL": "steals"}[series]
            assert m["title"] == f"{name}: {threshold}+ {word}"
            assert m["yes_sub_title"] == m["no_sub_title"] == f"{name}: {threshold}+"
            assert m["strike_type"] == REAL["strike_type"] and m["floor_strike"] == threshold - 0.5
            assert set(m["custom_strike"]) == set(REAL["custom_strike"])
            rules = RULES.match(m["rules_primary"])
            assert rules and rules.group(1) == name and int(rules.group(2)) == threshold
            assert set(REAL) <= set(m)
            assert compare(active_real, m, allowed_extra=MARKET_OPTIONAL, ignore={"custom_strike"}) == []
    assert seen > 200
    assert RULES.match(REAL["rules_primary"])  # the pattern is the real one
    assert TICKER.match(REAL["ticker"])


def test_prop_events_are_titled_like_kalshis(client):
    params = {"series_ticker": "KXNBAPTS", "status": "open", "limit": 200}
    events = client.get("/events", params=params).json()["events"]
    assert events
    for e in events:
        away, home = e["sub_title"].split(" (")[0].split(" vs ")
        assert re.match(r"^.+ at .+: Points$", e["title"])
        assert e["event_ticker"].endswith(f"{away}{home}")
    assert re.match(r"^.+ at .+: Points$", REAL_EVENT["title"])


def test_tonight_every_game_has_ladders_of_three_to_five_thresholds(client):
    ladders = defaultdict(list)
    for series in SERIES:
        for m in markets(client, series, "open"):
            ladders[m["ticker"].rsplit("-", 1)[0]].append(m)
    assert ladders
    for key, rungs in ladders.items():
        assert 3 <= len(rungs) <= 5, key
        lines = sorted(r["floor_strike"] for r in rungs)
        assert len(set(lines)) == len(lines)
    stats_per_game = defaultdict(set)
    for key in ladders:
        series, game = key.split("-")[:2]
        stats_per_game[game].add(series)
    assert all(len(s) >= 5 for s in stats_per_game.values())


def test_props_are_the_same_games_as_kxnbagame_dated_by_the_us_night(client):
    prop_games = {m["event_ticker"].split("-")[1] for m in markets(client, "KXNBAPTS", "open")}
    game_markets = markets(client, "KXNBAGAME")
    by_game = {m["event_ticker"].split("-")[1]: m for m in game_markets}
    assert len(prop_games) == 5 and prop_games <= set(by_game)
    tonight = {g for g in by_game if g.startswith("26NOV20")}
    assert tonight == prop_games  # every game tonight has prop ladders
    eastern = ZoneInfo("America/New_York")
    schedule = {g.code: g for g in nba_schedule(7, int(datetime(2026, 11, 20, tzinfo=UTC).timestamp())).games}
    for code in prop_games:
        tip = datetime.fromtimestamp(schedule[code].start_ts, tz=UTC)
        assert tip.date().isoformat() == "2026-11-21"  # evening tip-offs are past midnight UTC...
        assert tip.astimezone(eastern).date().isoformat() == "2026-11-20"  # ... and the ticker keeps the US date


def test_recent_games_settle_on_the_box_score(client, exchange):
    settled = markets(client, "KXNBAPTS", "settled")
    assert len(settled) > 100
    by_ladder = defaultdict(list)
    for m in settled:
        assert m["status"] in ("determined", "finalized")
        value = int(m["expiration_value"])  # the player's points in the game
        threshold = int(m["ticker"].rsplit("-", 1)[1])
        assert m["result"] == ("yes" if value >= threshold else "no")
        by_ladder[m["ticker"].rsplit("-", 1)[0]].append(value)
    assert all(len(set(v)) == 1 for v in by_ladder.values())  # one box score per player and game
    # ... and it is the same box score the schedule keeps for the game.
    world = exchange.world
    schedule = nba_schedule(world.seed, world.anchor_ts, world.scale)
    game = next(g for g in schedule.games if g.night == -1)
    lines = {(pg.player.code, pg.stat): pg for pg in game_players(world.seed, game)}
    for key, values in by_ladder.items():
        _series, code, player = key.split("-")
        if code == game.code:
            assert lines[(player, "points")].value == values[0]


def test_truth_falls_along_each_ladder(exchange):
    world = exchange.world
    rungs = defaultdict(list)
    for m in world.markets:
        if m.ticker.startswith(SERIES):
            rungs[m.ticker.rsplit("-", 1)[0]].append((m.floor_strike, m.p))
    for ladder in rungs.values():
        probs = [p for _, p in sorted(ladder)]
        assert probs == sorted(probs, reverse=True)
