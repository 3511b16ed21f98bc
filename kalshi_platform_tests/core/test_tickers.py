"""core.tickers: golden tickers of every family, coverage over the real ticker list and over every ticker
the sandbox world emits, learned names, bracket resolution, input shapes."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import polars as pl
import pytest

from kalshi_platform.core.tickers import (
    CATEGORIES,
    FAMILIES,
    OUTPUT_DESCRIPTIONS,
    OUTPUT_SCHEMA,
    classify_series,
    learn_names,
    parse_ticker,
    parse_tickers,
    resolve_brackets,
)

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "kalshi"
TICKERS_CSV = FIXTURES / "tickers_public.csv"
REST = FIXTURES / "rest"


def pick(row: dict, *keys: str) -> dict:
    return {k: row[k] for k in keys}


# ---------------------------------------------------------------------------------------------------
# Golden cases


def test_nba_game_event_splits_away_and_home():
    r = parse_ticker("KXNBAGAME-25NOV29TORCHA")
    assert pick(r, "kind", "series_ticker", "event_ticker", "family", "category", "league", "event_date",
                "away_code", "home_code", "participants", "parse_status") == {
        "kind": "event", "series_ticker": "KXNBAGAME", "event_ticker": "KXNBAGAME-25NOV29TORCHA",
        "family": "sports_game", "category": "Sports", "league": "NBA", "event_date": date(2025, 11, 29),
        "away_code": "TOR", "home_code": "CHA", "participants": ["TOR", "CHA"], "parse_status": "parsed",
    }
    assert (r["away_name"], r["home_name"]) == ("Toronto", "Charlotte")  # built-in NBA table
    assert r["is_legacy_name"] is False and r["event_time"] is None


def test_game_market_splits_by_outcome_without_known_codes():
    r = parse_ticker("KXALEAGUEGAME-25DEC05AUCWPH-AUC")
    assert pick(r, "kind", "event_ticker", "family", "league", "event_date", "away_code", "home_code",
                "outcome_code", "team_code", "parse_status") == {
        "kind": "market", "event_ticker": "KXALEAGUEGAME-25DEC05AUCWPH", "family": "sports_game",
        "league": "ALEAGUE", "event_date": date(2025, 12, 5), "away_code": "AUC", "home_code": "WPH",
        "outcome_code": "AUC", "team_code": "AUC", "parse_status": "parsed",
    }
    # The outcome is the home side, and codes of unequal length (NFL: BAL + GB).
    r = parse_ticker("KXNFLGAME-25DEC27BALGB-GB")
    assert (r["away_code"], r["home_code"], r["outcome_code"]) == ("BAL", "GB", "GB")
    r = parse_ticker("KXWOCURLGAME-26FEB18CHNCZE-CZE")
    assert (r["away_code"], r["home_code"], r["league"]) == ("CHN", "CZE", "WOCURL")


def test_tie_outcome_and_unsplittable_event():
    r = parse_ticker("KXEPLGAME-26JAN03ARSLIV-TIE")
    assert (r["outcome_code"], r["team_code"], r["participants"]) == ("TIE", None, None)
    assert r["parse_status"] == "partial"  # the codes are not known and the outcome names neither side
    r = parse_ticker("KXNCAAMBGAME-26MAR12CLEMUNC")  # 7 letters, no outcome, codes not built in
    assert r["family"] == "sports_game" and r["participants"] is None and r["parse_status"] == "partial"
    r = parse_ticker("KXNCAAMBGAME-26MAR12CLEMUNC", names={("NCAAMB", "CLEM"): "Clemson",
                                                           ("NCAAMB", "UNC"): "North Carolina"})
    assert (r["away_code"], r["home_code"], r["away_name"]) == ("CLEM", "UNC", "Clemson")


def test_spread_total_and_prop_follow_kalshi_half_point_convention():
    # KXNFLSPREAD-..-SEA7 is "Seattle wins by over 6.5 points", KXNFLTOTAL-..-43 "Over 42.5 points".
    r = parse_ticker("KXNFLSPREAD-26SEP09NESEA-SEA7")
    assert pick(r, "family", "team_code", "outcome_code", "strike_kind", "floor", "threshold_text", "unit") == {
        "family": "sports_spread", "team_code": "SEA", "outcome_code": "SEA", "strike_kind": "greater",
        "floor": 6.5, "threshold_text": "7", "unit": "points",
    }
    assert r["participants"] == ["NE", "SEA"]
    r = parse_ticker("KXNFLTOTAL-26SEP09NESEA-43")
    assert pick(r, "family", "strike_kind", "floor", "cap", "threshold_text") == {
        "family": "sports_total", "strike_kind": "greater", "floor": 42.5, "cap": None, "threshold_text": "43"}
    r = parse_ticker("KXMLBTOTAL-26MAY161605PHIPIT-9")  # MLB carries the first pitch time
    assert (r["unit"], r["floor"], r["event_time"]) == ("runs", 8.5, datetime(2026, 5, 16, 20, 5, tzinfo=UTC))
    # "LeBron James: 30+ points" has floor_strike 29.5 on the exchange.
    r = parse_ticker("KXNBAPTS-26MAY09OKCLAL-LALLJAMES23-30")
    assert pick(r, "family", "subcategory", "event_ticker", "team_code", "player_code", "outcome_code",
                "strike_kind", "floor", "unit", "away_code", "home_code") == {
        "family": "player_prop", "subcategory": "points", "event_ticker": "KXNBAPTS-26MAY09OKCLAL",
        "team_code": "LAL", "player_code": "LJAMES23", "outcome_code": "LALLJAMES23", "strike_kind": "greater",
        "floor": 29.5, "unit": "points", "away_code": "OKC", "home_code": "LAL",
    }


@pytest.mark.parametrize(("ticker", "stat"), [
    ("KXNBAPTS-25DEC26DETUTA-DETCCUNNINGHAM2-25", "points"),
    ("KXNBAREB-26MAR28SACATL-ATLJKUMINGA0-4", "rebounds"),
    ("KXNBAAST-25DEC26DETUTA-UTALMARKKANEN23-4", "assists"),
    ("KXNBA3PT-26MAR29NYKOKC-NYKJHART3-1", "threes"),
    ("KXNBABLK-26MAR29NYKOKC-OKCCHOLMGREN7-2", "blocks"),
    ("KXNBASTL-26MAY30SASOKC-OKCJWILLIAMS8-3", "steals"),
])
def test_player_prop_series(ticker, stat):
    r = parse_ticker(ticker)
    assert (r["family"], r["subcategory"], r["league"], r["parse_status"]) == ("player_prop", stat, "NBA", "parsed")
    assert r["team_code"] in r["participants"]
    assert r["floor"] == float(ticker.rsplit("-", 1)[1]) - 0.5


def test_champions_and_elections():
    r = parse_ticker("KXNBA-26-BOS")
    assert pick(r, "family", "league", "event_ticker", "event_period", "outcome_code", "outcome_name") == {
        "family": "sports_champion", "league": "NBA", "event_ticker": "KXNBA-26", "event_period": "2026",
        "outcome_code": "BOS", "outcome_name": "Boston"}
    assert parse_ticker("KXSB-27-KC")["league"] == "NFL"
    assert parse_ticker("KXMARMAD-25R16G2-SDSU")["family"] == "sports_champion"
    r = parse_ticker("KX2028DRUN-28-AOC")
    assert pick(r, "kind", "series_ticker", "event_ticker", "family", "category", "subcategory", "event_period",
                "outcome_code", "parse_status") == {
        "kind": "market", "series_ticker": "KX2028DRUN", "event_ticker": "KX2028DRUN-28", "family": "election",
        "category": "Politics", "subcategory": "President (primary)", "event_period": "2028",
        "outcome_code": "AOC", "parse_status": "parsed"}
    assert pick(parse_ticker("KXHOUSERACE-27CA01-D"), "subcategory", "region", "outcome_code") == {
        "subcategory": "House", "region": "CA-01", "outcome_code": "D"}
    assert pick(parse_ticker("GOVPARTYLA-28-R"), "subcategory", "region", "is_legacy_name") == {
        "subcategory": "Governor", "region": "LA", "is_legacy_name": True}
    assert parse_ticker("SENATEAL-28-D")["subcategory"] == "Senate"
    assert pick(parse_ticker("KXNEXTISRAELPM-45JAN01-YLAP"), "family", "region", "event_date") == {
        "family": "election", "region": "ISRAEL", "event_date": date(2045, 1, 1)}


def test_corporate_one_off():
    r = parse_ticker("APPLEFOLD-25DEC31", kind="market")
    assert pick(r, "kind", "series_ticker", "event_ticker", "family", "category", "subcategory", "event_date",
                "is_legacy_name", "parse_status") == {
        "kind": "market", "series_ticker": "APPLEFOLD", "event_ticker": "APPLEFOLD-25DEC31", "family": "corporate",
        "category": "Companies", "subcategory": "Apple", "event_date": date(2025, 12, 31), "is_legacy_name": True,
        "parse_status": "parsed"}
    assert parse_ticker("APPLEFOLD-25DEC31")["kind"] == "event"  # shape alone says event


def test_economic_thresholds():
    r = parse_ticker("FED-25DEC-T3.75")
    assert pick(r, "series_ticker", "event_ticker", "family", "category", "subcategory", "event_period",
                "event_date", "strike_kind", "strike_value", "floor", "cap", "threshold_text", "unit",
                "is_legacy_name") == {
        "series_ticker": "FED", "event_ticker": "FED-25DEC", "family": "economic_threshold",
        "category": "Economics", "subcategory": "Fed funds rate", "event_period": "2025-12", "event_date": None,
        "strike_kind": "greater", "strike_value": 3.75, "floor": 3.75, "cap": None, "threshold_text": "3.75",
        "unit": "%", "is_legacy_name": True}
    r = parse_ticker("KXCPI-26AUG-T1.0")
    assert pick(r, "family", "subcategory", "event_period", "strike_kind", "floor", "threshold_text", "unit") == {
        "family": "economic_threshold", "subcategory": "CPI", "event_period": "2026-08", "strike_kind": "greater",
        "floor": 1.0, "threshold_text": "1.0", "unit": "%"}
    # Negative strikes: Kalshi's TN0.1 and the T-0.1 some producers write.
    for ticker in ("CPI-22DEC-TN0.1", "KXCPI-26JUL-T-0.1"):
        r = parse_ticker(ticker)
        assert (r["floor"], r["threshold_text"], r["event_ticker"]) == (-0.1, "-0.1", ticker.rsplit("-T", 1)[0])
    assert pick(parse_ticker("KXGDP-26Q3-T2.5"), "event_period", "unit", "floor") == {
        "event_period": "2026Q3", "unit": "%", "floor": 2.5}
    assert parse_ticker("KXPAYROLLS-26JUL-T150")["unit"] == "k"
    r = parse_ticker("KXFEDDECISION-26JUL-C25")  # "cut 25bps" is an outcome, not a C-tail strike
    assert (r["family"], r["outcome_code"], r["strike_kind"]) == ("economic_outcome", "C25", None)
    r = parse_ticker("AAAGASMINTX-24DEC31-2.25")
    assert (r["strike_kind"], r["cap"], r["unit"]) == ("less", 2.25, "USD")


def test_weather_brackets_and_tails():
    r = parse_ticker("KXHIGHNY-25NOV29-B49.5")
    assert pick(r, "event_ticker", "family", "category", "subcategory", "event_date", "strike_kind", "floor",
                "cap", "threshold_text", "unit") == {
        "event_ticker": "KXHIGHNY-25NOV29", "family": "weather_high", "category": "Climate",
        "subcategory": "New York", "event_date": date(2025, 11, 29), "strike_kind": "between", "floor": 49.0,
        "cap": 50.0, "threshold_text": "49.5", "unit": "°F"}
    # A T market alone is a tail of unknown side; next to its B siblings it resolves.
    assert parse_ticker("KXHIGHNY-25NOV29-T57")["strike_kind"] == "tail"
    ladder = parse_tickers(["KXHIGHNY-25NOV29-T50", "KXHIGHNY-25NOV29-B50.5", "KXHIGHNY-25NOV29-B52.5",
                            "KXHIGHNY-25NOV29-T53"])
    assert ladder.select("strike_kind", "floor", "cap").rows() == [
        ("less", None, 50.0), ("between", 50.0, 51.0), ("between", 52.0, 53.0), ("greater", 53.0, None)]
    assert parse_ticker("KXHIGHMIA-25OCT02-B80.5")["subcategory"] == "Miami"
    assert parse_ticker("KXHIGHCHI-25OCT02-B80.5")["subcategory"] == "Chicago"
    # The newer series put a T before the city code.
    assert parse_ticker("KXHIGHTATL-26NOV20-B55.5")["subcategory"] == "Atlanta"
    assert parse_ticker("KXHIGHTSATX-26NOV20-T80")["subcategory"] == "San Antonio"


def test_legacy_names_from_the_csv():
    r = parse_ticker("HIGHNY-24JUL13-B82.5")
    assert pick(r, "family", "is_legacy_name", "event_date", "floor", "cap") == {
        "family": "weather_high", "is_legacy_name": True, "event_date": date(2024, 7, 13), "floor": 82.0, "cap": 83.0}
    r = parse_ticker("BTCD-24JUL15-17-51250")
    assert pick(r, "family", "is_legacy_name", "event_ticker", "event_date", "event_time", "strike_value") == {
        "family": "crypto_threshold", "is_legacy_name": True, "event_ticker": "BTCD-24JUL15-17",
        "event_date": date(2024, 7, 15), "event_time": datetime(2024, 7, 15, 21, 0, tzinfo=UTC),
        "strike_value": 51250.0}
    r = parse_ticker("FED-23FEB-T4.50")
    assert (r["is_legacy_name"], r["threshold_text"], r["floor"]) == (True, "4.50", 4.5)
    r = parse_ticker("TSLA-23DEC-T200")
    assert (r["category"], r["family"], r["subcategory"]) == ("Financials", "financial_threshold", "Tesla")


def test_crypto():
    r = parse_ticker("KXBTCD-25SEP2117-T115749.99")
    assert pick(r, "series_ticker", "event_ticker", "family", "category", "subcategory", "event_date",
                "event_time", "strike_kind", "floor", "threshold_text", "unit") == {
        "series_ticker": "KXBTCD", "event_ticker": "KXBTCD-25SEP2117", "family": "crypto_threshold",
        "category": "Crypto", "subcategory": "Bitcoin", "event_date": date(2025, 9, 21),
        "event_time": datetime(2025, 9, 21, 21, 0, tzinfo=UTC),  # 5pm EDT
        "strike_kind": "greater", "floor": 115749.99, "threshold_text": "115749.99", "unit": "USD"}
    assert parse_ticker("KXBTCD-26JAN0517-T90000")["event_time"] == datetime(2026, 1, 5, 22, 0, tzinfo=UTC)  # EST
    assert parse_ticker("KXETHD-26NOV0517-T3039.99")["subcategory"] == "Ethereum"
    r = parse_ticker("KXBTC-26FEB0620-B79875")
    assert (r["family"], r["strike_kind"], r["strike_value"], r["floor"]) == ("crypto_range", "between", 79875.0, None)
    ladder = parse_tickers(["KXBTC-26FEB0620-T79499.99", "KXBTC-26FEB0620-B79625", "KXBTC-26FEB0620-B79875",
                            "KXBTC-26FEB0620-T79999.99"])
    assert ladder.select("strike_kind", "floor", "cap").rows() == [
        ("less", None, 79499.99), ("between", 79500.0, 79749.99), ("between", 79750.0, 79999.99),
        ("greater", 79999.99, None)]
    r = parse_ticker("KXBTC15M-26FEB081915-15")
    assert pick(r, "family", "event_time", "strike_kind", "outcome_code") == {
        "family": "crypto_updown", "event_time": datetime(2026, 2, 9, 0, 15, tzinfo=UTC), "strike_kind": None,
        "outcome_code": "15"}
    r = parse_ticker("KXBTCMINMON-BTC-26JUN30-5750000")  # "Will BTC dip to $57,500": strike in cents
    assert pick(r, "event_ticker", "event_date", "strike_kind", "cap") == {
        "event_ticker": "KXBTCMINMON-BTC-26JUN30", "event_date": date(2026, 6, 30), "strike_kind": "less",
        "cap": 57500.0}


def test_entertainment_science_world_parlay():
    assert pick(parse_ticker("KXOSCARACTO-25-AB"), "family", "category", "subcategory", "outcome_code") == {
        "family": "entertainment_award", "category": "Entertainment", "subcategory": "Oscars", "outcome_code": "AB"}
    assert parse_ticker("EMMYCACTO-23-BH")["subcategory"] == "Emmys"
    assert parse_ticker("KXGRAMMYAOTY-27-GNX")["subcategory"] == "Grammys"
    assert pick(parse_ticker("RTWITCHERS4-60", kind="market"), "family", "strike_kind", "floor") == {
        "family": "entertainment_score", "strike_kind": "greater", "floor": 60.0}
    assert parse_ticker("KXELONMARS-99", kind="market")["category"] == "Science & Tech"
    assert parse_ticker("KXELONMARS-99", kind="market")["event_period"] == "2099"
    assert parse_ticker("KXABRAHAMS-29-JAN20")["category"] == "World"
    r = parse_ticker("KXMVESPORTSMULTIGAMEEXTENDED-S2025B00AF9F365C-EEB7BCDC05A")
    assert pick(r, "kind", "event_ticker", "family", "category", "subcategory", "event_period", "outcome_code") == {
        "kind": "market", "event_ticker": "KXMVESPORTSMULTIGAMEEXTENDED-S2025B00AF9F365C", "family": "parlay",
        "category": "Parlays", "subcategory": "Multi-game extended", "event_period": "2025", "outcome_code": None}
    assert parse_ticker("KXMVESPORTSMULTIGAMEEXTENDED-R")["family"] == "parlay"  # the collection


def test_series_and_garbage():
    r = parse_ticker("KXHIGHNY")
    assert pick(r, "kind", "series_ticker", "event_ticker", "family", "parse_status") == {
        "kind": "series", "series_ticker": "KXHIGHNY", "event_ticker": None, "family": "weather_high",
        "parse_status": "parsed"}
    for junk in (None, "", "   ", "-", "---", "hello world", "😀-😀", "X" * 10_000, "KX", "T-", "\x00"):
        r = parse_ticker(junk)
        assert r["ticker"] == junk and r["category"] == "Other" and r["parse_status"] == "unknown_family"
    assert parse_ticker("kxnbagame-25nov29torcha")["away_code"] == "TOR"  # URL-style lower case
    r = parse_ticker("KXNBAGAME-25FEB31TORCHA")  # not a date
    assert (r["event_date"], r["event_period"], r["parse_status"]) == (None, None, "partial")


# ---------------------------------------------------------------------------------------------------
# API shape


def test_output_schema_and_input_shapes():
    tickers = ["KXNBAGAME-25NOV29TORCHA-TOR", None, "FED-25DEC-T3.75"]
    from_list = parse_tickers(tickers)
    assert from_list.schema == pl.Schema(OUTPUT_SCHEMA)
    assert from_list.get_column("ticker").to_list() == tickers
    assert from_list.equals(parse_tickers(pl.Series("x", tickers)))
    assert from_list.equals(parse_tickers(pl.DataFrame({"ticker": tickers})))
    assert from_list.equals(parse_tickers(pl.DataFrame({"code": tickers}), column="code"))
    assert parse_tickers([]).schema == pl.Schema(OUTPUT_SCHEMA) and parse_tickers([]).height == 0
    mixed = parse_tickers([1, 2.5, b"x", ("a",)])  # not strings: read as their text, never raised on
    assert mixed.get_column("category").to_list() == ["Other"] * 4
    kinds = parse_tickers(pl.DataFrame({"ticker": ["KXELONMARS-99"] * 2, "kind": ["market", "event"]}))
    assert kinds.get_column("kind").to_list() == ["market", "event"]
    with pytest.raises(ValueError, match="kind has"):
        parse_tickers(["A", "B"], kind=["market"])
    assert set(FAMILIES) >= set(parse_tickers(["FED-25DEC-T3.75", "X"]).get_column("family"))
    assert len(CATEGORIES) == 12
    assert list(OUTPUT_DESCRIPTIONS) == list(OUTPUT_SCHEMA)


def test_classify_series():
    out = classify_series(["KXNBAGAME", "HIGHNY", "KXMVECROSSCATEGORY", "NOPE", None])
    assert out.get_column("family").to_list() == ["sports_game", "weather_high", "parlay", "other", "other"]
    assert out.get_column("category").to_list() == ["Sports", "Climate", "Parlays", "Other", "Other"]


def test_resolve_brackets_leaves_lonely_rows_alone():
    single = parse_tickers(["KXHIGHNY-25NOV29-T57"], resolve=False)
    assert resolve_brackets(single).equals(single)
    assert resolve_brackets(single.clear()).height == 0


# ---------------------------------------------------------------------------------------------------
# Learned names


def _rest(name: str):
    return json.loads((REST / name).read_text())


def test_learn_names_from_real_payloads():
    em = _rest("kalshi_rest_events_and_markets_KXNCAAMBGAME_2026_bracket-kal.json")
    by_series = _rest("kalshi_rest_markets_by_series_ncaab_2026_bracket-kal.json")
    nfl = _rest("kalshi_rest_markets_list_KXNFLGAME_prod_precog.json")["markets"]
    markets = em["markets"] + [m for ms in by_series.values() for m in ms] + nfl
    names = learn_names(pl.DataFrame(markets, infer_schema_length=None), em["events"])
    lookup = {(s, c): n for s, c, n, _ in names.iter_rows()}
    assert lookup[("NCAAMB", "WRST")] == "Wright St."  # event sub_title "WRST at UVA" + title
    assert lookup[("NCAAMB", "UVA")] == "Virginia"
    assert lookup[("NCAAMB", "UGA")] == "Georgia"  # KXMARMAD-26-UGA yes_sub_title
    assert lookup[("NFL", "GB")] == "Green Bay"
    assert names.select(pl.struct("scope", "code").is_unique().all()).item()
    assert learn_names().height == 0 and learn_names([{"ticker": None}, "junk"]).height == 0  # type: ignore[list-item]

    # With the learned names every NCAA event ticker of the real list splits into away and home.
    csv = pl.read_csv(TICKERS_CSV)
    ncaa = csv.filter(pl.col("ticker").str.starts_with("KXNCAAMBGAME-"))
    without = parse_tickers(ncaa, kind=ncaa.get_column("kind"))
    with_names = parse_tickers(ncaa, kind=ncaa.get_column("kind"), names=names)
    assert (without.get_column("parse_status") == "partial").sum() > 50
    assert (with_names.get_column("parse_status") == "parsed").all()
    events = with_names.filter(pl.col("kind") == "event")
    assert events.get_column("away_name").null_count() == 0


# ---------------------------------------------------------------------------------------------------
# Coverage over the real ticker list

# Series of the real list whose family is one the brief names (hand-labelled, independently of the parser).
LISTED = {
    **dict.fromkeys(["KXNCAAMBGAME", "KXNFLGAME", "KXWOCURLGAME", "KXWTAMATCH"], "sports_game"),
    "KXMLBTOTAL": "sports_total",
    "KXMARMAD": "sports_champion",
    **dict.fromkeys(["KXNBAPTS", "KXNBAAST"], "player_prop"),
    **dict.fromkeys(["GOVPARTYLA", "GOVPARTYMS", "SENATEAL", "KXPRESTURKEY", "KXNEXTISRAELPM"], "election"),
    **dict.fromkeys(["FED", "KXFED", "CPI", "KXCPI", "ACPI", "ACPICORE", "KXIRANCPI", "AAAGASMINTX", "CREDEF",
                     "CREDEFMAX", "LAYOFFSYINFO"], "economic_threshold"),
    **dict.fromkeys(["HIGHNY", "HIGHMIA", "KXHIGHNY", "KXHIGHCHI", "KXHIGHLAX"], "weather_high"),
    **dict.fromkeys(["BTCD", "KXBTCD", "KXBTCMINMON"], "crypto_threshold"),
    **dict.fromkeys(["EMMYCACTO", "EMMYCACTR", "EMMYDACTO", "OSCAR", "OSCARPIC", "OSCARNOMACTR", "OSCARCOUNTDUNE2",
                     "KXOSCARACTO"], "entertainment_award"),
    **dict.fromkeys(["APPLEPORT", "AMAZONFTC", "GOOGLEUS", "TESLACEOCHANGE", "TESLAM2", "TESLAOPTIMUS",
                     "TESLAROADSTER", "ROBOTAXIOUT", "KXFREDDIE", "NYTOAI"], "corporate"),
    **dict.fromkeys(["KXMVECROSSCATEGORY", "KXMVESPORTSMULTIGAMEEXTENDED", "KXMVENBASINGLEGAME"], "parlay"),
}


@pytest.fixture(scope="module")
def csv_parsed() -> pl.DataFrame:
    csv = pl.read_csv(TICKERS_CSV)
    assert csv.height == 3147
    parsed = parse_tickers(csv, kind=csv.get_column("kind"))
    return parsed.with_columns(csv.get_column("title"), csv.get_column("subtitle"),
                               pl.col("ticker").str.split("-").list.first().alias("_series"))


def _report(label: str, frame: pl.DataFrame, ok: pl.Expr) -> float:
    share = frame.select(ok.mean()).item()
    misses = frame.filter(~ok)
    print(f"\n{label}: {share:.4%} of {frame.height} ({misses.height} misses)")
    if misses.height:
        print(misses.select("ticker", "family", "category", "parse_status").head(40))
    return share


def test_csv_markets_of_listed_families_are_categorised(csv_parsed):
    markets = csv_parsed.filter(pl.col("kind") == "market")
    listed = markets.filter(pl.col("_series").is_in(list(LISTED)))
    assert listed.height > 2500
    share = _report("listed-family markets with a category", listed, pl.col("category") != "Other")
    assert share >= 0.99
    expected = pl.col("_series").replace_strict(LISTED, default=None)
    share = _report("listed-family markets with the expected family", listed, pl.col("family") == expected)
    assert share >= 0.99
    overall = _report("all markets with a category", markets, pl.col("category") != "Other")
    assert overall >= 0.98
    everything = _report("all tickers with a category", csv_parsed, pl.col("category") != "Other")
    assert everything >= 0.98


def test_csv_parse_status_and_shape(csv_parsed):
    status = dict(csv_parsed.group_by("parse_status").len().iter_rows())
    print("\nparse_status over the real list:", status)
    assert status.get("parsed", 0) / csv_parsed.height >= 0.95
    # Every market of a sports game with an outcome splits its teams, and the outcome is one of them.
    games = csv_parsed.filter((pl.col("family") == "sports_game") & (pl.col("kind") == "market"))
    assert games.height > 150
    assert games.select(pl.col("participants").list.contains(pl.col("outcome_code")).all()).item()
    # Titles "A at B Winner?" agree with the split: the yes side's name is in the title.
    nfl = csv_parsed.filter(pl.col("series_ticker") == "KXNFLGAME", pl.col("kind") == "market")
    assert nfl.select((pl.col("outcome_name") == pl.col("subtitle")).all()).item()


# ---------------------------------------------------------------------------------------------------
# Coverage over the sandbox world


@pytest.fixture(scope="module")
def world():
    from kalshi_platform.sandbox.world import KalshiWorld

    return KalshiWorld(seed=7)


@pytest.fixture(scope="module")
def world_parsed(world) -> pl.DataFrame:
    ms = world.markets
    parsed = parse_tickers([m.ticker for m in ms], kind="market")
    return parsed.with_columns(
        pl.Series("strike_type", [m.strike_type for m in ms], dtype=pl.String),
        pl.Series("floor_strike", [m.floor_strike for m in ms], dtype=pl.Float64),
        pl.Series("cap_strike", [m.cap_strike for m in ms], dtype=pl.Float64),
        pl.Series("yes_sub_title", [m.yes_sub_title for m in ms], dtype=pl.String),
        pl.Series("series_def", [world.events[m.event_index].series_ticker for m in ms], dtype=pl.String),
        pl.Series("event_def", [world.events[m.event_index].event_ticker for m in ms], dtype=pl.String),
    )


def test_every_sandbox_ticker_is_categorised(world_parsed):
    assert world_parsed.height > 5000
    share = _report("sandbox markets with a category", world_parsed, pl.col("category") != "Other")
    assert share == 1.0
    assert _report("sandbox markets with a family", world_parsed, pl.col("family") != "other") == 1.0
    assert _report("sandbox markets parsed", world_parsed, pl.col("parse_status") == "parsed") == 1.0
    # Series and event tickers agree with the world's own.
    assert (world_parsed.get_column("series_ticker") == world_parsed.get_column("series_def")).all()
    assert (world_parsed.get_column("event_ticker") == world_parsed.get_column("event_def")).all()


def test_sandbox_strikes_match_where_the_conventions_agree(world_parsed):
    # Threshold ladders, weather brackets and crypto ranges: the ticker gives the exchange's own bounds.
    # (Not compared: sandbox spreads/totals put YES at N + 0.5 where Kalshi uses N - 0.5; approval
    # brackets close a tenth below the next one, which the ticker cannot show.)
    same = (
        (pl.col("strike_kind") == pl.col("strike_type"))
        & ((pl.col("floor") - pl.col("floor_strike")).abs().fill_null(0) < 1e-9)
        & (pl.col("floor").is_null() == pl.col("floor_strike").is_null())
    )
    families = ["weather_high", "crypto_threshold", "economic_threshold", "entertainment_score", "corporate"]
    checked = world_parsed.filter(pl.col("family").is_in(families), pl.col("strike_type").is_in(["greater", "less",
                                                                                                 "between"]))
    assert checked.height > 2000
    assert _report("sandbox strikes equal to the exchange's", checked, same) == 1.0
    between = world_parsed.filter(pl.col("family") == "crypto_range", pl.col("strike_type") == "between")
    assert ((between["floor"] - between["floor_strike"]).abs() < 1e-6).all()
    assert ((between["cap"] - between["cap_strike"]).abs() < 1e-6).all()


def test_sandbox_names_learned_from_its_own_fields(world, world_parsed):
    markets = pl.DataFrame({"ticker": [m.ticker for m in world.markets],
                            "yes_sub_title": [m.yes_sub_title for m in world.markets],
                            "title": [m.title for m in world.markets]})
    events = pl.DataFrame({"event_ticker": [e.event_ticker for e in world.events],
                           "title": [e.title for e in world.events],
                           "sub_title": [e.sub_title for e in world.events]})
    names = learn_names(markets, events)
    parsed = parse_tickers(markets.get_column("ticker"), kind="market", names=names).with_columns(
        markets.get_column("yes_sub_title"))
    named = parsed.filter(pl.col("family").is_in(["sports_game", "sports_champion", "election",
                                                  "entertainment_award"]))
    assert (named.get_column("outcome_name") == named.get_column("yes_sub_title")).all()
    ev = parse_tickers(events.get_column("event_ticker"), kind="event", names=names).with_columns(
        events.get_column("sub_title"))
    games = ev.filter(pl.col("family").is_in(["sports_game", "sports_spread", "sports_total"]))
    matchup = pl.col("away_code") + " at " + pl.col("home_code")
    assert games.select((matchup == pl.col("sub_title").str.replace(r" \(.*\)$", "")).all()).item()
