"""The station table against the real Kalshi payloads (KXHIGHNY, KXHIGHLAX series; tickers seen live)."""

from __future__ import annotations

import csv
import json
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from kalshi_platform.core.kalshi_parse import parse_series
from kalshi_platform.core.weather.rules import ticker_date
from kalshi_platform.core.weather.stations import (
    BY_SERIES,
    STATION_SCHEMA,
    STATIONS,
    UnknownCityError,
    station,
    stations,
    stations_frame,
)

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "kalshi"


def load(name: str):
    return json.loads((FIXTURES / "rest" / name).read_text())


def test_real_kxhighny_series_parses_and_names_the_central_park_climate_report():
    series = load("kalshi_rest_series_KXHIGHNY_trimmed_legendary-kaiju.json")
    parsed = parse_series([series], source="test", fetched_at=datetime.now(UTC), batch_id="b")
    assert parsed.rejects.is_empty() and parsed.rows.height == 1
    ny = BY_SERIES[series["ticker"]]
    assert ny.city == "NY" and ny.rules_name == "Central Park, New York" and ny.icao == "KNYC"
    # The station's climate report is the series' settlement source, exactly.
    assert series["settlement_sources"][0]["url"] == ny.cli_url
    assert series["title"] == f"Highest temperature in {ny.city_name}"


def test_real_kxhighlax_series_parses_and_is_in_the_table():
    series = load("kalshi_rest_series_KXHIGHLAX_kalshi_weather.json")["series"]
    parsed = parse_series([series], source="test", fetched_at=datetime.now(UTC), batch_id="b")
    assert parsed.rejects.is_empty()
    lax = BY_SERIES[series["ticker"]]
    assert series["title"] == f"Highest temperature in {lax.city_name}"
    assert lax.icao == "KLAX" and lax.timezone == "America/Los_Angeles"
    assert series["frequency"] == "daily" and series["fee_type"] == "quadratic"


def test_every_high_temperature_series_seen_live_has_a_station():
    with open(FIXTURES / "tickers_public.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    highs = {r["ticker"].split("-")[0] for r in rows if r["ticker"].startswith("KXHIGH")}
    assert {"KXHIGHNY", "KXHIGHLAX", "KXHIGHCHI"} <= highs
    assert highs <= set(BY_SERIES), highs - set(BY_SERIES)
    # Dated tickers of those series carry the climate date the parser reads.
    dated = {r["ticker"]: ticker_date(r["ticker"]) for r in rows if r["ticker"].startswith("KXHIGH") and "-" in r["ticker"]}
    assert dated["KXHIGHCHI-25OCT02-B80.5"] == date(2025, 10, 2)
    assert dated["KXHIGHNY-26MAY14-B69.5"] == date(2026, 5, 14)


def test_chicago_trade_frame_names_a_series_the_table_knows():
    frames = (FIXTURES / "ws" / "kalshi_ws_lifecycle_trade_ticker_prod_2025-10_rust-test.jsonl").read_text().splitlines()
    tickers = {json.loads(f).get("msg", {}).get("market_ticker") for f in frames if "KXHIGH" in f}
    assert "KXHIGHCHI-25OCT02-B80.5" in tickers
    assert BY_SERIES["KXHIGHCHI"].rules_name == "Chicago Midway, IL"


@pytest.mark.parametrize("st", STATIONS, ids=lambda s: s.city)
def test_each_station_is_one_consistent_line(st):
    assert st.series_ticker == f"KXHIGH{st.city}"
    assert ZoneInfo(st.timezone)  # a real IANA zone
    assert 18 < st.latitude < 50 and -125 < st.longitude < -66  # the contiguous US
    assert st.wording in ("reported", "according", "maximum") and st.rules_preposition in ("in", "at")
    assert st.icao.startswith("K") and len(st.icao) == 4


def test_cities_select_stations_and_unknown_ones_are_refused():
    assert stations() == STATIONS
    assert [s.city for s in stations(("lax", "NY"))] == ["NY", "LAX"]  # table order
    with pytest.raises(UnknownCityError, match="ATLANTIS.*known cities: NY"):
        station("ATLANTIS")


def test_station_frame_is_queryable_with_the_declared_schema():
    frame = stations_frame()
    assert frame.height == len(STATIONS) and dict(frame.schema) == STATION_SCHEMA
    assert frame.filter(frame["city"] == "NY")["cli_url"].item().endswith("issuedby=NYC")
