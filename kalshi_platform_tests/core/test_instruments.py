"""The instrument master: API metadata first, ticker parse for gaps and cross-checks."""

from __future__ import annotations

import csv
import json
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest

from kalshi_platform.core import kalshi_parse as kp
from kalshi_platform.core.instruments import CATEGORIES, INSTRUMENT_SCHEMA, build_instruments

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "kalshi"
NOW = datetime(2026, 3, 16, tzinfo=UTC)


def _parse_rest(name: str):
    payload = json.loads((FIXTURES / "rest" / name).read_text())
    return payload


def _ticker_only(*tickers: str) -> pl.DataFrame:
    return build_instruments(pl.DataFrame({"ticker": list(tickers)}, schema={"ticker": pl.String}))


def test_schema_and_order_follow_the_input():
    out = _ticker_only("KXNBAGAME-25NOV29TORCHA-TOR", "FED-25DEC-T3.75", "garbage")
    assert dict(out.schema) == INSTRUMENT_SCHEMA
    assert out.get_column("ticker").to_list() == ["KXNBAGAME-25NOV29TORCHA-TOR", "FED-25DEC-T3.75", "garbage"]
    assert set(out.get_column("category")) <= set(CATEGORIES)


@pytest.mark.parametrize(
    "ticker, category, display, extra",
    [
        ("KXNBAGAME-25NOV29TORCHA", "Sports", "NBA · Toronto at Charlotte · Nov 29, 2025", {"event_date": date(2025, 11, 29)}),
        ("FED-25DEC-T3.75", "Economics", "above 3.75%", {"floor": Decimal("3.75"), "strike_type": "greater"}),
        ("KX2028DRUN-28-AOC", "Politics", None, {}),
        ("APPLEFOLD-25DEC31", "Companies", "Dec 31, 2025", {}),
        ("KXALEAGUEGAME-25DEC05AUCWPH-AUC", "Sports", "AUC at WPH", {}),
    ],
)
def test_golden_tickers_alone(ticker, category, display, extra):
    row = _ticker_only(ticker).row(0, named=True)
    assert row["category"] == category
    assert row["parsed_from"] == "ticker"
    assert row["display_name"] != ticker
    if display:
        assert display in row["display_name"]
    for key, value in extra.items():
        assert row[key] == value, key


def test_arbitrary_strings_become_other_with_the_raw_ticker_kept():
    out = _ticker_only("", "???", "a" * 500, "KX", "🙂-1-2")
    assert out.get_column("category").to_list() == ["Other"] * 5
    assert out.get_column("parse_status").to_list() == ["unknown_family"] * 5
    assert out.get_column("ticker").to_list()[1] == "???"


def _ncaa() -> tuple[pl.DataFrame, pl.DataFrame]:
    payload = _parse_rest("kalshi_rest_events_and_markets_KXNCAAMBGAME_2026_bracket-kal.json")
    events, _ = kp.parse_events(payload["events"], source="t", fetched_at=NOW, batch_id="b")
    markets = kp.parse_markets(payload["markets"], source="t", fetched_at=NOW, batch_id="b")
    return markets.rows, events.rows


def test_api_metadata_comes_first_on_real_ncaa_payload():
    markets, events = _ncaa()
    out = build_instruments(markets, events)
    row = out.filter(pl.col("ticker") == "KXNCAAMBGAME-26MAR20WRSTUVA-WRST").row(0, named=True)
    assert row["category"] == "Sports"
    assert row["outcome_label"] == "Wright St. wins"
    assert row["display_name"] == "NCAAMB · Wright St. at Virginia · Mar 20, 2026 · Wright St. wins"
    assert row["parsed_from"] == "both"
    assert row["event_title"] == "Wright St. at Virginia"
    assert row["first_seen"] == NOW
    # Every market with a title reads as words, never as its ticker.
    assert out.filter(pl.col("display_name") == pl.col("ticker")).height == 0
    assert out.filter(pl.col("category") == "Other").height == 0


def test_first_seen_survives_rebuilds():
    markets, events = _ncaa()
    earlier = datetime(2026, 1, 1, tzinfo=UTC)
    first = pl.DataFrame({"ticker": [markets["ticker"][0]], "first_seen": [earlier]},
                         schema={"ticker": pl.String, "first_seen": pl.Datetime("us", "UTC")})
    out = build_instruments(markets, events, first_seen=first)
    assert out.get_column("first_seen")[0] == earlier
    assert out.get_column("first_seen")[1] == NOW


def test_disagreement_between_api_and_ticker_is_recorded_and_api_wins():
    markets = pl.DataFrame(
        {
            "ticker": ["FED-25DEC-T3.75", "FED-25DEC-T4.00"],
            "event_ticker": ["FED-25DEC", "FED-25DEC"],
            "title": ["Fed rate above 3.75%?", "Fed rate above 4.00%?"],
            "category": ["Economics", "Sports"],  # the second is wrong on purpose
            "strike_type": ["greater", "greater"],
            "floor_strike": [Decimal("3.75"), Decimal("5.00")],  # so is its floor
        },
        schema_overrides={"floor_strike": pl.Decimal(18, 6)},
    )
    out = build_instruments(markets)
    good, bad = out.row(0, named=True), out.row(1, named=True)
    assert good["disagreements"] is None and good["parsed_from"] == "both"
    assert bad["category"] == "Sports" and bad["floor"] == Decimal("5")
    assert "category: api Sports, ticker Economics" in bad["disagreements"]
    assert "floor: api 5" in bad["disagreements"]


def test_parlays_are_their_own_category():
    payload = _parse_rest("kalshi_rest_markets_list_MVE_KXMVESPORTSMULTIGAMEEXTENDED_calchas.json")
    markets = kp.parse_markets(payload["markets"], source="t", fetched_at=NOW, batch_id="b").rows
    out = build_instruments(markets)
    assert out.get_column("category").to_list() == ["Parlays"] * out.height


def test_public_tickers_with_titles_never_display_as_their_ticker():
    with (FIXTURES / "tickers_public.csv").open() as handle:
        rows = [r for r in csv.DictReader(handle) if r["kind"] == "market"]
    markets = pl.DataFrame(
        {"ticker": [r["ticker"] for r in rows], "title": [r["title"] or None for r in rows],
         "yes_sub_title": [r["subtitle"] or None for r in rows]},
        schema={"ticker": pl.String, "title": pl.String, "yes_sub_title": pl.String},
    )
    out = build_instruments(markets)
    titled = out.filter(pl.col("title").is_not_null())
    assert titled.height > 0
    assert titled.filter(pl.col("display_name") == pl.col("ticker")).height == 0
    everything = out.filter(pl.col("display_name") == pl.col("ticker"))
    assert everything.height == 0, everything.get_column("ticker").head(10).to_list()
