"""NBA props on the embedded exchange: sportsbook lines and Kalshi ladders of every game tonight, joined."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import pytest

from kalshi_platform.defs.markets.assets import kalshi_events, kalshi_market_snapshots, kalshi_markets, kalshi_series
from kalshi_platform.defs.markets.quotes import quotes_latest
from kalshi_platform.defs.nba_props.assets import ASSETS, CHECKS
from kalshi_platform.defs.nba_props.resources import NbaPropsConfig, OddsApiResource
from kalshi_platform.defs.resources import KalshiApiResource
from kalshi_platform_tests.defs.conftest import FROZEN_NOW, query, resources

UPSTREAM = [kalshi_series, kalshi_events, kalshi_markets, kalshi_market_snapshots, quotes_latest]
TONIGHT = "26NOV20"  # FROZEN_NOW is 10:30 AM ET on Nov 20
CONTRACT = ["as_of", "ticker", "model_prob", "yes_ask", "no_ask", "direction", "edge_bps", "confidence", "expiry",
            "skip_reason"]
SEED_FIELDS = ["kalshi_available", "kalshi_line", "kalshi_yes_price", "kalshi_no_price", "kalshi_liquidity",
               "kalshi_market_ticker", "line_discrepancy"]


def run(db: Path, *, faults: str = "none", odds: dict | None = None) -> dg.ExecuteInProcessResult:
    res = resources(db, faults=faults)
    res["odds_api"] = OddsApiResource(sandbox_now=FROZEN_NOW, sandbox_faults=faults, rate_tier="prime",
                                      **(odds or {}))
    res["nba_props"] = NbaPropsConfig()
    return dg.materialize([*UPSTREAM, *ASSETS, *CHECKS], resources=res, raise_on_error=False)


def metadata(result: dg.ExecuteInProcessResult, key: list[str]) -> dict:
    mats = [e.event_specific_data.materialization for e in result.all_events
            if e.event_type_value == "ASSET_MATERIALIZATION"
            and e.event_specific_data.materialization.asset_key == dg.AssetKey(key)]
    return {k: v.value for k, v in mats[-1].metadata.items()}


@pytest.fixture(scope="module")
def first_run(tmp_path_factory):
    db = tmp_path_factory.mktemp("nba_props")
    return db, run(db)


def test_every_game_tonight_has_both_sources_joined(first_run):
    db, result = first_run
    assert result.success
    kalshi_games = {r[0] for r in query(db, f"SELECT DISTINCT split_part(event_ticker, '-', 2) FROM raw.kalshi_markets "
                                          f"WHERE event_ticker LIKE 'KXNBAGAME-{TONIGHT}%'")}
    assert len(kalshi_games) == 5
    as_of = query(db, "SELECT DISTINCT as_of FROM signals.nba_prop_lines")
    assert as_of == [(datetime.fromisoformat(FROZEN_NOW).astimezone(UTC),)]
    per_game = dict(query(db, "SELECT game_id, count(*) FILTER (WHERE match_status = 'matched') "
                              "FROM signals.nba_prop_lines GROUP BY 1"))
    assert set(per_game) == kalshi_games  # every game tonight, nothing else
    assert all(n >= 10 for n in per_game.values())
    # Joined rows carry both sides and the comparison.
    rows = query(db, """
        SELECT count(*), count(consensus_line), count(consensus_over_prob), count(kalshi_implied_line),
               count(line_discrepancy), count(fee_adjusted_gap), count(arbitrage), count(ticker), count(expiry),
               min(len(books)), min(len(ladder)), max(len(ladder))
        FROM signals.nba_prop_lines WHERE match_status = 'matched'""")[0]
    total = rows[0]
    assert rows[1:9] == (total,) * 8
    assert rows[9] >= 1 and rows[10] >= 3 and rows[11] <= 5  # books listed; 3 to 5 Kalshi thresholds
    flags = query(db, "SELECT count(*) FILTER (WHERE arbitrage), count(*) FILTER (WHERE direction IS NOT NULL) "
                      "FROM signals.nba_prop_lines")[0]
    assert flags[0] > 0 and flags[1] > 0


def test_signal_contract_and_seed_fields_are_columns(first_run):
    db, _ = first_run
    columns = {r[0] for r in query(db, "SELECT column_name FROM duckdb_columns() "
                                       "WHERE schema_name = 'signals' AND table_name = 'nba_prop_lines'")}
    assert set(CONTRACT + SEED_FIELDS + ["player_lookup", "game_id"]) <= columns
    bad = query(db, """
        SELECT count(*) FROM signals.nba_prop_lines
        WHERE confidence < 0 OR confidence > 1
           OR (direction IS NOT NULL AND direction NOT IN ('buy_yes', 'buy_no'))
           OR (direction IS NOT NULL AND (edge_bps IS NULL OR edge_bps <= 0 OR skip_reason IS NOT NULL))
           OR (skip_reason IS NULL AND (model_prob IS NULL OR ticker IS NULL))
           OR (kalshi_available AND ticker IS NULL) OR (NOT kalshi_available AND ticker IS NOT NULL)
           OR (ticker IS NOT NULL AND ticker NOT LIKE series_ticker || '-' || game_id || '-%')""")
    assert bad == [(0,)]
    # The seed's join: a prediction table keyed by player and game finds Kalshi's fields here.
    joined = query(db, """
        SELECT p.player_lookup, k.kalshi_line, k.kalshi_yes_price, k.line_discrepancy
        FROM (SELECT DISTINCT game_id, player_lookup FROM raw.sportsbook_props) p
        JOIN signals.nba_prop_lines k USING (game_id, player_lookup)
        WHERE k.stat = 'points' AND k.kalshi_available""")
    assert len(joined) >= 20


def test_a_player_on_one_side_only_is_in_the_metadata_and_queryable(first_run):
    db, result = first_run
    meta = metadata(result, ["signals", "nba_prop_lines"])
    listed = meta["unmatched_players"]
    assert meta["unmatched_players_count"] == len(listed) > 0
    sides = {p["side"] for p in listed}
    assert sides == {"kalshi_only", "sportsbook_only"}
    kalshi_only = next(p for p in listed if p["side"] == "kalshi_only")
    rows = query(db, f"SELECT stat, skip_reason, player_matched FROM signals.nba_prop_lines "
                     f"WHERE game_id = '{kalshi_only['game_id']}' AND player_lookup = '{kalshi_only['player_lookup']}'")
    assert rows and all(r[1] == "no sportsbook line for this player and stat" and r[2] is False for r in rows)
    assert meta["rows_by_match_status"].keys() == {"matched", "kalshi_only", "sportsbook_only"}


def test_sportsbook_rows_and_quota_are_stored(first_run):
    db, result = first_run
    assert result.get_asset_check_evaluations() and all(e.passed for e in result.get_asset_check_evaluations())
    books, games, lines = query(db, "SELECT count(DISTINCT bookmaker), count(DISTINCT game_id), count(*) "
                                    "FROM raw.sportsbook_props")[0]
    assert 5 <= books <= 10 and games == 5 and lines > 1000
    dupes = query(db, "SELECT count(*) FROM (SELECT event_id, bookmaker, market, player_name, side, point "
                      "FROM raw.sportsbook_props GROUP BY ALL HAVING count(*) > 1)")
    assert dupes == [(0,)]
    requests = query(db, "SELECT path, status, requests_remaining, requests_used, requests_last, params "
                         "FROM raw.sportsbook_requests ORDER BY seq")
    assert requests[0][0] == "/v4/sports/basketball_nba/events" and len(requests) == 6
    assert all(r[1] == 200 for r in requests)
    assert requests[-1][2] + requests[-1][3] == 20_000 and requests[-1][3] == sum(r[4] for r in requests)
    assert not any("apiKey" in r[5] or "sandbox-odds-api-key" in r[5] for r in requests)
    meta = metadata(result, ["raw", "sportsbook_props"])
    assert meta["quota_remaining"] == requests[-1][2] and meta["events_read"] == 5


def test_rematerializing_keeps_one_row_per_key(first_run):
    db, _ = first_run
    before = query(db, "SELECT count(*) FROM signals.nba_prop_lines")[0][0]
    props_before = query(db, "SELECT count(*) FROM raw.sportsbook_props")[0][0]
    again = run(db)
    assert again.success
    assert query(db, "SELECT count(*) FROM signals.nba_prop_lines")[0][0] == before  # same clock, same snapshot
    assert query(db, "SELECT count(*) FROM raw.sportsbook_props")[0][0] == props_before
    assert query(db, "SELECT count(DISTINCT batch_id) FROM raw.sportsbook_requests")[0][0] == 2


def test_a_later_snapshot_adds_rows_and_keeps_history(tmp_path):
    db = tmp_path / "later"
    assert run(db).success
    res = resources(db, faults="none")
    later = "2026-11-20T20:30:00+00:00"
    res["kalshi"] = KalshiApiResource(sandbox_faults="none", sandbox_now=later, rate_tier="prime")
    res["odds_api"] = OddsApiResource(sandbox_now=later, sandbox_faults="none", rate_tier="prime")
    res["nba_props"] = NbaPropsConfig()
    assert dg.materialize([*UPSTREAM, *ASSETS], resources=res, raise_on_error=False).success
    snapshots = query(db, "SELECT as_of, count(*) FROM signals.nba_prop_lines GROUP BY 1 ORDER BY 1")
    assert len(snapshots) == 2
    moved = query(db, """
        SELECT count(*) FROM signals.nba_prop_lines a JOIN signals.nba_prop_lines b USING (game_id, player_lookup, stat)
        WHERE a.as_of < b.as_of AND a.consensus_line IS DISTINCT FROM b.consensus_line""")
    assert moved[0][0] > 0  # line movement over the day can be queried


def test_faults_are_survived(tmp_path):
    db = tmp_path / "faults"
    result = run(db, faults="light,5xx=0.2,malformed=0.1")
    assert result.success
    assert query(db, "SELECT count(DISTINCT game_id) FROM signals.nba_prop_lines WHERE match_status = 'matched'") \
        == [(5,)]
    statuses = {r[0] for r in query(db, "SELECT DISTINCT status FROM raw.sportsbook_requests")}
    assert 200 in statuses and statuses - {200}  # some requests failed and were retried


def test_a_refused_key_fails_the_step_clearly(tmp_path):
    result = run(tmp_path / "badkey", odds={"api_key": "not a key!"})
    assert not result.success
    failure = next(e for e in result.all_events if e.is_step_failure)
    text = failure.event_specific_data.error.to_string()
    assert "refused the key (ODDS_API_KEY)" in text and "not a key!" not in text


def test_no_key_outside_the_sandbox_skips_with_a_note(tmp_path):
    db = tmp_path / "nokey"
    res = resources(db)
    res["odds_api"] = OddsApiResource(env="prod")
    res["nba_props"] = NbaPropsConfig()
    result = dg.materialize(ASSETS, resources=res, raise_on_error=False)
    assert result.success
    assert query(db, "SELECT count(*) FROM raw.sportsbook_props") == [(0,)]
    note = query(db, "SELECT complete, note FROM meta.batches WHERE asset_key = 'raw.sportsbook_props'")
    assert note[0][0] is False and "ODDS_API_KEY" in note[0][1]


def test_an_evening_run_compares_the_games_not_yet_started(tmp_path):
    # 8:45 PM ET on Nov 20 (01:45 UTC Nov 21): some of tonight's games are under way, the rest are not.
    db = tmp_path / "evening"
    evening = "2026-11-21T01:45:00+00:00"
    res = resources(db, faults="none")
    res["kalshi"] = KalshiApiResource(sandbox_faults="none", sandbox_now=evening, rate_tier="prime")
    res["odds_api"] = OddsApiResource(sandbox_now=evening, sandbox_faults="none", rate_tier="prime")
    res["nba_props"] = NbaPropsConfig()
    result = dg.materialize([*UPSTREAM, *ASSETS, *CHECKS], resources=res, raise_on_error=False)
    assert result.success
    as_of = datetime.fromisoformat(evening)
    tonight = dict(query(db, "SELECT game_id, commence_time FROM raw.sportsbook_events WHERE game_id LIKE '26NOV20%'"))
    started = {g for g, t in tonight.items() if t <= as_of}
    upcoming = {g for g, t in tonight.items() if t > as_of}
    assert started and upcoming
    compared = dict(query(db, "SELECT game_id, count(*) FILTER (WHERE match_status = 'matched') "
                              "FROM signals.nba_prop_lines GROUP BY 1"))
    tonight_rows = {g: n for g, n in compared.items() if g.startswith("26NOV20")}
    assert set(tonight_rows) == upcoming  # games under way are left out, whichever side lists them
    assert all(n >= 10 for n in tonight_rows.values())
    # Tomorrow night's early games are already priced by the books; Kalshi opens them at 9 PM ET.
    assert all(n == 0 for g, n in compared.items() if g not in tonight_rows)
    # ...and the coverage check reports them as not open on Kalshi yet instead of failing.
    coverage = next(e for e in result.get_asset_check_evaluations()
                    if e.check_name == "nba_prop_lines_cover_games")
    assert coverage.passed
    not_listed = set(coverage.metadata["games_not_open_on_kalshi_yet"].value)
    assert not_listed and not_listed.isdisjoint(tonight_rows)
    stats = {r[0] for r in query(db, "SELECT DISTINCT stat FROM signals.nba_prop_lines WHERE match_status = 'matched'")}
    assert stats >= {"points", "rebounds", "assists", "threes"}
