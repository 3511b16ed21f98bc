import json
from pathlib import Path

import pytest

from kalshi_platform.core.kalshi_import import Recognised, Unrecognised, recognise, ticker_from_name

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "kalshi" / "rest"


def _kinds(name: str) -> list[str]:
    payload = json.loads((FIXTURES / name).read_text())
    found = recognise(payload, name)
    assert not isinstance(found, Unrecognised), found
    return [r.kind for r in found]


@pytest.mark.parametrize(
    "name, kinds",
    [
        ("kalshi_rest_market_KXELONMARS-99_ccxt.json", ["markets"]),
        ("kalshi_rest_markets_list_KXNFLGAME_demo_precog.json", ["markets"]),
        ("kalshi_rest_events_and_markets_KXNCAAMBGAME_2026_bracket-kal.json", ["events", "markets"]),
        ("kalshi_rest_markets_by_series_ncaab_2026_bracket-kal.json", ["markets"]),
        ("kalshi_rest_series_KXHIGHLAX_kalshi_weather.json", ["series"]),
        ("kalshi_rest_orderbook_fp_KXELONMARS-99_ccxt.json", ["orderbook"]),
        ("kalshi_rest_trades_KXELONMARS-99_ccxt.json", ["trades"]),
        ("kalshi_rest_candlesticks_1h_KXELONMARS-99_ccxt.json", ["candlesticks"]),
        ("kalshi_rest_candlesticks_daily_KXNYKCOACH-25-MNORI_tail-end-analysis.json", ["candlesticks"]),
        ("kalshi_rest_historical_candlestick_FED-23FEB-T4.50_apinotes.json", ["candlesticks"]),
    ],
)
def test_real_responses_are_recognised(name, kinds):
    assert _kinds(name) == kinds


def test_ticker_and_period_are_read_where_the_payload_lacks_them():
    name = "kalshi_rest_candlesticks_daily_KXNYKCOACH-25-MNORI_tail-end-analysis.json"
    found = recognise(json.loads((FIXTURES / name).read_text()), name)
    assert isinstance(found, list) and isinstance(found[0], Recognised)
    assert found[0].ticker == "KXNYKCOACH-25-MNORI"
    assert found[0].period_interval == 1440
    hist = "kalshi_rest_historical_candlestick_FED-23FEB-T4.50_apinotes.json"
    found = recognise(json.loads((FIXTURES / hist).read_text()), hist)
    assert found[0].tier == "historical"
    assert found[0].ticker == "FED-23FEB-T4.50"


def test_sdk_dumps_are_recognised():
    books = recognise(json.loads((FIXTURES / "kalshi_rest_orderbook_demo_2024_sdkdump_lognorman20-kalshi-data.json")
                                 .read_text()))
    assert isinstance(books, list) and books[0].kind == "orderbook"
    assert books[0].ticker == "APRPOTUS-24JUL19-T40.8"
    assert set(books[0].items[0]["orderbook"]) == {"yes", "no"}
    events = recognise(json.loads((FIXTURES / "kalshi_rest_events_demo_2024_sdkdump_lognorman20-kalshi-data.json")
                                  .read_text()))
    assert [r.kind for r in events] == ["events"]
    assert events[0].items[0]["event_ticker"] == "EUCLIMATE"


@pytest.mark.parametrize("payload", [[], [1, 2], "text", 3, None, {"foo": 1}, {"a": [1, 2]}])
def test_anything_else_is_unrecognised_with_a_reason(payload):
    found = recognise(payload, "x.json")
    assert isinstance(found, Unrecognised)
    assert found.reason


def test_ticker_from_name():
    assert ticker_from_name("kalshi_rest_orderbook_fp_KXBTCMINMON-BTC-26JUN30-5750000_btc.json") == (
        "KXBTCMINMON-BTC-26JUN30-5750000"
    )
    assert ticker_from_name("orderbook.json") is None
