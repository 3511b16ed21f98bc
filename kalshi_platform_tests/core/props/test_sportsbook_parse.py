"""The Odds API v4 event odds -> raw.sportsbook_props rows, on the recorded BKN-TOR payload."""

import copy
import json
from collections import Counter
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest

from kalshi_platform.core.props.sportsbook import NATURAL_KEY, SPORTSBOOK_PROPS_SCHEMA, parse_event_odds

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "sportsbook"
BKN_TOR = FIXTURES / "theoddsapi_event_odds_player_points_nba_BKN-TOR_bet-helper.json"
NOW = datetime(2024, 2, 23, 0, 8, tzinfo=UTC)


@pytest.fixture(scope="module")
def payload() -> dict:
    return json.loads(BKN_TOR.read_text())


def parse(*payloads):
    return parse_event_odds(list(payloads), fetched_at=NOW, batch_id="b1")


def test_real_payload_parses_to_one_row_per_book_player_side_and_line(payload):
    out = parse(payload)
    outcomes = [(b["key"], m["key"], o["description"], o["name"], o["point"])
                for b in payload["bookmakers"] for m in b["markets"] for o in m["outcomes"]]
    distinct = set(outcomes)
    assert out.outcomes_seen == len(outcomes) == 572
    assert out.rows.height == len(distinct) == 544
    assert out.rows.select(list(NATURAL_KEY)).is_duplicated().sum() == 0
    assert set(out.rows["bookmaker"]) == {b["key"] for b in payload["bookmakers"]}
    assert out.rows.schema == pl.Schema(SPORTSBOOK_PROPS_SCHEMA)
    # Every other outcome is kept in raw.rejects: the repeats Caesars lists (first one kept).
    repeats = Counter(outcomes)
    extra = sum(n - 1 for n in repeats.values())
    assert out.rejects.height == extra == 28
    assert set(out.rejects["kind"]) == {"outcome"}
    assert all("williamhill_us" in k for k in out.rejects["natural_key"])
    assert all("duplicate" in r for r in out.rejects["reason"])


def test_real_payload_values_are_exact(payload):
    rows = parse(payload).rows
    simmons = rows.filter((pl.col("bookmaker") == "draftkings") & (pl.col("player_name") == "Ben Simmons"))
    assert simmons.sort("side").select("side", "price_american", "point").rows() == [
        ("Over", 110, Decimal("7.5")), ("Under", -140, Decimal("7.5"))]
    one = rows.row(0, named=True)
    assert one["event_id"] == "f9f3f99b5124a4ecf984003f0af23d2e"
    assert one["home_team"] == "Toronto Raptors" and one["home_code"] == "TOR" and one["away_code"] == "BKN"
    # 00:10 UTC on Feb 23 is 7:10 PM ET on Feb 22: Kalshi's code for the game carries Feb 22.
    assert one["game_date"] == date(2024, 2, 22) and one["game_id"] == "24FEB22BKNTOR"
    assert set(rows["market"]) == {"player_points"} and set(rows["stat"]) == {"points"}
    assert rows.filter(pl.col("price_american") == -110)["implied_prob"].to_list()[0] == pytest.approx(11 / 21)
    assert rows.filter(pl.col("player_name") == "Bruce Brown Jr")["player_lookup"].unique().to_list() == ["brucebrown"]
    assert json.loads(one["raw_json"])["outcome"].keys() == {"name", "description", "price", "point"}
    # Alternate lines: BetRivers lists several lines for some players, each its own row.
    assert rows.filter(pl.col("bookmaker") == "betrivers").group_by("player_name").agg(
        pl.col("point").n_unique()).get_column("point").max() > 1


def test_spellings_across_books_meet_on_one_key(payload):
    rows = parse(payload).rows
    names = rows.group_by("player_lookup").agg(pl.col("player_name").unique()).rows()
    spelled = {key: set(n) for key, n in names}
    assert spelled["cameronthomas"] == {"Cam Thomas", "Cameron Thomas"}
    assert spelled["nicolasclaxton"] == {"Nic Claxton", "Nicolas Claxton"}
    assert spelled["lonniewalker"] == {"Lonnie Walker", "Lonnie Walker IV"}
    assert spelled["dorianfinneysmith"] == {"Dorian Finney-Smith", "Dorian Finney Smith"}


def test_unreadable_records_become_rejects_and_the_rest_is_kept(payload):
    bad = copy.deepcopy(payload)
    outs = bad["bookmakers"][0]["markets"][0]["outcomes"]
    outs[0]["price"] = 1.91  # decimal odds where American were asked for
    outs[1]["price"] = 50  # not American odds
    outs[2]["name"] = "Yes"
    outs[3].pop("description")
    outs[4]["point"] = "abc"
    bad["bookmakers"][1]["markets"] = "nope"
    bad["bookmakers"][2]["markets"][0]["key"] = "player_dunks"
    out = parse(bad)
    reasons = out.rejects["reason"].to_list()
    assert any("not whole American odds" in r for r in reasons)
    assert any("price 50 is not American odds" in r for r in reasons)
    assert any("not Over or Under" in r for r in reasons)
    assert any("no player" in r for r in reasons)
    assert any("point" in r for r in reasons)
    assert any("markets is not a list" in r for r in reasons)
    assert any("player_dunks" in r for r in reasons)
    good = parse(payload)
    lost_books = {payload["bookmakers"][1]["key"], payload["bookmakers"][2]["key"]}
    assert out.rows.height == good.rows.filter(~pl.col("bookmaker").is_in(lost_books)).height - 5


def test_events_without_id_or_with_unknown_teams(payload):
    no_id = {k: v for k, v in payload.items() if k != "id"}
    unknown = {**payload, "id": "x1", "home_team": "Seattle SuperSonics"}
    out = parse(no_id, unknown, "not an event")
    kinds = Counter(out.rejects["kind"])
    assert kinds["event_odds"] == 2  # no id; not an object
    assert kinds["event"] == 1  # unknown team: rows kept, without a game id
    assert out.rows.height > 0 and out.rows["game_id"].null_count() == out.rows.height
    assert set(out.rows["event_id"]) == {"x1"}


def test_bookmaker_level_last_update_and_unknown_fields_are_kept(payload):
    drifted = copy.deepcopy(payload)
    drifted["new_field"] = 1
    drifted["bookmakers"][0]["last_update"] = "2024-02-23T00:06:00Z"
    drifted["bookmakers"][0]["markets"][0]["outcomes"][0]["link"] = "https://example"
    rows = parse(drifted).rows.filter(pl.col("bookmaker") == drifted["bookmakers"][0]["key"])
    assert rows["bookmaker_last_update"].unique().to_list() == [datetime(2024, 2, 23, 0, 6, tzinfo=UTC)]
    first = json.loads(rows.filter((pl.col("player_name") == "Ben Simmons") & (pl.col("side") == "Over"))
                       .item(0, "raw_json"))
    assert first["outcome"]["link"] == "https://example" and first["event_extra"] == {"new_field": 1}


def test_no_payloads_give_an_empty_frame_with_the_table_schema():
    out = parse()
    assert out.rows.height == 0 and out.rows.schema == pl.Schema(SPORTSBOOK_PROPS_SCHEMA)
