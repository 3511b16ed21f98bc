"""Bracket mapping on Kalshi's real bracket formats, rules text included, never a guess."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from kalshi_platform.core.weather.brackets import (
    Bracket,
    BracketError,
    bracket_from_strikes,
    ladder_problem,
    market_brackets,
    read_market,
)
from kalshi_platform.core.weather.rules import RulesError, parse_rules, rules_date_text, ticker_date

# Verbatim rules_primary of live markets (as quoted from the API in public repositories).
NY_BETWEEN = ("If the highest temperature recorded in Central Park, New York for May 16, 2026 as reported by the "
              "National Weather Service's Climatological Report (Daily), is between 78-79°, then the market "
              "resolves to Yes.")
NY_GREATER = ("If the highest temperature recorded in Central Park, New York for July 16, 2026 as reported by the "
              "National Weather Service's Climatological Report (Daily), is greater than 96°, then the market "
              "resolves to Yes.")
NY_LESS = ("If the highest temperature recorded in Central Park, New York for July 21, 2026 as reported by the "
           "National Weather Service's Climatological Report (Daily), is less than 79°, then the market resolves "
           "to Yes.")
CHI_GREATER = ("If the highest temperature recorded at Chicago Midway, IL for July 09, 2026, is greater than 91° "
               "according to the National Weather Service's Climatological Report (Daily), then the market resolves "
               "to Yes.")
LAX_BETWEEN = ("If the highest temperature recorded in Los Angeles Airport, CA for May 09, 2026 as reported by the "
               "National Weather Service's Climatological Report (Daily), is between 69-70°, then the market "
               "resolves to Yes.")
ATL_LESS = ("If the maximum temperature recorded at Atlanta for May 22, 2026, is less than 81° fahrenheit according "
            "to the National Weather Service's Climatological Report (Daily), then the market resolves to Yes.")


@pytest.mark.parametrize(
    "ticker, strike_type, floor, cap, rules, station, lo, hi, day",
    [
        # "78° to 79°": both ends inclusive.
        ("KXHIGHNY-26MAY16-B78.5", "between", 78, 79, NY_BETWEEN, "Central Park, New York", 78, 79, date(2026, 5, 16)),
        # Top bracket "97° or above": greater than the floor, open above.
        ("KXHIGHNY-26JUL16-T96", "greater", 96, None, NY_GREATER, "Central Park, New York", 97, None, date(2026, 7, 16)),
        # Bottom bracket "78° or below": less than the cap, open below.
        ("KXHIGHNY-26JUL21-T79", "less", None, 79, NY_LESS, "Central Park, New York", None, 78, date(2026, 7, 21)),
        ("KXHIGHCHI-26JUL09-T91", "greater", 91, None, CHI_GREATER, "Chicago Midway, IL", 92, None, date(2026, 7, 9)),
        ("KXHIGHLAX-26MAY09-B69.5", "between", 69, 70, LAX_BETWEEN, "Los Angeles Airport, CA", 69, 70, date(2026, 5, 9)),
        ("KXHIGHTATL-26MAY22-T81", "less", None, 81, ATL_LESS, "Atlanta", None, 80, date(2026, 5, 22)),
    ],
)
def test_real_bracket_formats(ticker, strike_type, floor, cap, rules, station, lo, hi, day):
    read = read_market(ticker=ticker, strike_type=strike_type, floor_strike=floor, cap_strike=cap,
                       rules_primary=rules, event_ticker=ticker.rsplit("-", 1)[0], station_rules_name=station)
    assert read.problem is None
    assert (read.bracket.lo, read.bracket.hi) == (lo, hi)
    assert read.target_date == day and read.rules_check == "agrees" and read.rules_station == station


def test_inclusivity_follows_kalshis_strike_definitions():
    assert bracket_from_strikes("greater", 96) == Bracket(97, None, 96.0, None, False, None)
    assert bracket_from_strikes("greater_or_equal", 96).lo == 96
    assert bracket_from_strikes("less", None, 79) == Bracket(None, 78, None, 79.0, None, False)
    assert bracket_from_strikes("less_or_equal", None, 79).hi == 79
    b = bracket_from_strikes("between", 78, 79)
    assert (b.lo, b.hi, b.lower_inclusive, b.upper_inclusive) == (78, 79, True, True)
    assert [d for d in range(75, 83) if b.contains(d)] == [78, 79]
    # Strikes as Kalshi sends them for decimal tickers (KXHIGHCHI-25OCT02-B80.5: floor 80, cap 81).
    assert (bracket_from_strikes("between", "80", "81").lo, bracket_from_strikes("between", "80", "81").hi) == (80, 81)
    assert bracket_from_strikes("greater", 80.5).lo == 81


@pytest.mark.parametrize("strike_type, floor, cap, message", [
    ("custom", None, None, "not a temperature bracket"),
    ("greater", None, None, "needs floor_strike"),
    ("less", 5, None, "needs cap_strike"),
    ("between", 80.2, 80.8, "holds no whole degree"),
    ("between", "x", 2, "not a number"),
])
def test_unreadable_strikes_raise(strike_type, floor, cap, message):
    with pytest.raises(BracketError, match=message):
        bracket_from_strikes(strike_type, floor, cap)


def test_rules_that_disagree_with_strikes_are_not_priced():
    read = read_market(ticker="KXHIGHNY-26MAY16-B78.5", strike_type="between", floor_strike=76, cap_strike=77,
                       rules_primary=NY_BETWEEN, event_ticker="KXHIGHNY-26MAY16")
    assert read.problem and "disagrees with the strike fields" in read.problem


def test_rules_naming_another_station_are_not_priced():
    read = read_market(ticker="KXHIGHNY-26MAY16-B78.5", strike_type="between", floor_strike=78, cap_strike=79,
                       rules_primary=NY_BETWEEN.replace("Central Park, New York", "JFK Airport"),
                       event_ticker="KXHIGHNY-26MAY16", station_rules_name="Central Park, New York")
    assert "JFK Airport" in read.problem


def test_rules_date_must_match_the_ticker():
    read = read_market(ticker="KXHIGHNY-26JUL21-T79", strike_type="less", cap_strike=79,
                       rules_primary=NY_LESS.replace("July 21", "July 22"), event_ticker="KXHIGHNY-26JUL21")
    assert "2026-07-22" in read.problem and "2026-07-21" in read.problem


def test_unreadable_rules_fall_back_to_the_strikes_and_say_so():
    read = read_market(ticker="KXHIGHNY-26JUL21-T79", strike_type="less", cap_strike=79,
                       rules_primary="Resolves per the NWS.", event_ticker="KXHIGHNY-26JUL21")
    assert read.problem is None and read.rules_check == "rules_unreadable"
    assert read.bracket.hi == 78 and read.target_date == date(2026, 7, 21)
    only_rules = read_market(ticker="KXHIGHNY-26JUL21-T79", strike_type=None, rules_primary=NY_LESS)
    assert only_rules.rules_check == "rules_only" and only_rules.bracket.hi == 78
    nothing = read_market(ticker="X", strike_type=None, rules_primary="")
    assert nothing.problem.startswith("bracket bounds unknown")


@pytest.mark.parametrize("text, kind, low, high", [
    (NY_BETWEEN.replace("78-79°", "78-79 deg"), "between", 78, 79),
    (NY_BETWEEN.replace("78-79°", "88-89° fahrenheit"), "between", 88, 89),
    (NY_BETWEEN.replace("between 78-79°", "80° or above"), "greater_or_equal", 80, None),
    (NY_BETWEEN.replace("between 78-79°", "-5° or below"), "less_or_equal", None, -5),
])
def test_rules_condition_variants(text, kind, low, high):
    terms = parse_rules(text)
    assert (terms.kind, terms.low, terms.high) == (kind, low, high)


def test_non_temperature_rules_are_refused():
    with pytest.raises(RulesError):
        parse_rules("If the minimum temperature recorded at Houston for May 22, 2026, is between 72-73° fahrenheit "
                    "according to the National Weather Service's Climatological Report (Daily), then the market "
                    "resolves to Yes.")
    with pytest.raises(RulesError, match="not a temperature bracket"):
        parse_rules(NY_BETWEEN.replace("between 78-79°", "warm"))


def test_dates_as_the_rules_and_tickers_print_them():
    assert rules_date_text(date(2026, 7, 9)) == "July 09, 2026"
    assert ticker_date("KXHIGHNY-26MAY14") == date(2026, 5, 14) and ticker_date("KXHIGHNY") is None
    assert ticker_date("KXHIGHNY-26FEB30-T5") is None


def _ladder(*pairs):
    return [Bracket(lo, hi, None, None, None, None) for lo, hi in pairs]


def test_a_real_six_bracket_day_is_a_complete_ladder():
    # KXHIGHNY-25NOV29: 48° or below, 49-50, 51-52, 53-54, 55-56, 57° or above.
    assert ladder_problem(_ladder((None, 48), (49, 50), (51, 52), (53, 54), (55, 56), (57, None))) is None
    assert ladder_problem(_ladder((None, 48), (49, 50), (53, 54), (57, None))) == "no bracket holds 51° to 52°"
    assert "overlap" in ladder_problem(_ladder((None, 49), (49, 50), (51, None)))
    assert ladder_problem(_ladder((49, 50), (51, None))) == "no bracket below 49°"
    assert ladder_problem(_ladder((None, 48), (49, 50))) == "no bracket above 50°"


def test_market_brackets_frame_reads_every_market_and_each_ladder():
    markets = pl.DataFrame({
        "ticker": ["KXHIGHNY-26JUL21-T79", "KXHIGHNY-26JUL21-B79.5", "KXHIGHNY-26JUL21-T80"],
        "event_ticker": ["KXHIGHNY-26JUL21"] * 3,
        "series_ticker": ["KXHIGHNY"] * 3,
        "strike_type": ["less", "between", "greater"],
        "floor_strike": [None, 79.0, 80.0],
        "cap_strike": [79.0, 80.0, None],
        "rules_primary": [NY_LESS, NY_LESS.replace("less than 79°", "between 79-80°"),
                          NY_LESS.replace("less than 79°", "greater than 80°")],
    })
    out = market_brackets(markets, {"KXHIGHNY": "Central Park, New York"})
    assert out["lo"].to_list() == [None, 79, 81] and out["hi"].to_list() == [78, 80, None]
    assert out["bracket_label"].to_list() == ["78° or below", "79° to 80°", "81° or above"]
    assert out["bracket_problem"].null_count() == 3 and out["ladder_problem"].null_count() == 3
    partial = market_brackets(markets.head(2), {})
    assert partial["ladder_problem"].to_list() == ["no bracket above 80°"] * 2
