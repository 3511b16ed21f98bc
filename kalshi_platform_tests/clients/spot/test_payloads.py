"""Contract: the real spot payloads parse exactly, and the sandbox's spot routes emit the same keys and
value types as the real ones."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal as D
from pathlib import Path

import httpx
import pytest

from kalshi_platform.clients.spot import bitstamp, coinbase, coinbase_ws, kraken
from kalshi_platform.clients.spot.base import ProviderDown, SpotParseError
from kalshi_platform.sandbox import SandboxConfig, SandboxExchange, SandboxTransport
from kalshi_platform.sandbox.spot_ws import spot_feed_of, ticker_frame

FIXTURES = Path(__file__).parent / "fixtures"
RECEIVED = datetime(2026, 11, 20, 15, 30, tzinfo=UTC)


def load(name: str):
    return json.loads((FIXTURES / name).read_text())


def test_coinbase_exchange_ticker():
    row = coinbase.parse_ticker(load("coinbase_exchange_ticker_BTC-USDT_ccxt.json"), product="BTC-USDT",
                                received_at=RECEIVED)
    assert (row["price"], row["bid"], row["ask"]) == (D("73367.8"), D("73360.34"), D("73369.19"))
    assert row["tick_ts"] == datetime(2024, 3, 13, 11, 10, 41, 270099, tzinfo=UTC) and row["ts_from"] == "exchange"
    assert row["status"] == "ok" and json.loads(row["raw_json"])["rfq_volume"] == "7.669923"


def test_coinbase_exchange_candles_numbers_read_exactly():
    rows = coinbase.parse_candles(load("coinbase_exchange_candles_BTC-USDT_1h_ccxt.json"), product="BTC-USDT",
                                  granularity=3600, received_at=RECEIVED)
    assert len(rows) == 1
    assert rows[0]["price"] == D("73370.65")  # the close, from a JSON number, with no float error
    assert rows[0]["tick_ts"] == datetime(2024, 3, 13, 12, tzinfo=UTC)  # the candle's end
    # The candle still in progress is not history yet.
    assert coinbase.parse_candles([[int(RECEIVED.timestamp()) - 30, 1.0, 2.0, 1.5, 1.7, 3.0]], product="BTC-USD",
                                  granularity=60, received_at=RECEIVED) == []


@pytest.mark.parametrize(("name", "last", "bid", "ask"), [
    ("kraken_ticker_XBTUSD_2023-12_rustcomment.json", "44099.90000", "44099.90000", "44100.00000"),
    ("kraken_ticker_XBTUSD_2026_replayfixture.json", "84036.00000", "84036.00000", "84036.10000"),
])
def test_kraken_tickers(name, last, bid, ask):
    row = kraken.parse_ticker(load(name), pair="XBTUSD", received_at=RECEIVED)
    assert (row["price"], row["bid"], row["ask"]) == (D(last), D(bid), D(ask))
    assert row["symbol"] == "XXBTZUSD" and row["tick_ts"] == RECEIVED and row["ts_from"] == "received"
    assert row["latency_ms"] is None


def test_kraken_errors_are_a_provider_outage_not_a_parse_problem():
    with pytest.raises(ProviderDown, match="EService:Unavailable"):
        kraken.parse_ticker({"error": ["EService:Unavailable"]}, pair="XBTUSD", received_at=RECEIVED)
    with pytest.raises(SpotParseError):
        kraken.parse_ticker({"error": [], "result": {}}, pair="XBTUSD", received_at=RECEIVED)


def test_bitstamp_ticker_and_ohlc():
    row = bitstamp.parse_ticker(load("bitstamp_ticker_btcusdt_ccxt.json"), pair="btcusdt", received_at=RECEIVED)
    assert (row["price"], row["bid"], row["ask"]) == (D("73285"), D("73353"), D("73367"))
    assert row["tick_ts"] == datetime.fromtimestamp(1710328241, tz=UTC)
    rows = bitstamp.parse_ohlc(load("bitstamp_ohlc_btcusdt_1h_ccxt.json"), pair="btcusdt", step=3600,
                               received_at=RECEIVED)
    assert [(r["tick_ts"], r["price"]) for r in rows] == [(datetime.fromtimestamp(1710327600 + 3600, tz=UTC), D("73285"))]


def test_coinbase_advanced_ws_frames():
    rows = coinbase_ws.parse_frame(load("coinbase_advanced_ws_ticker_BTC-USD_btcstreamref.json"), received_at=RECEIVED)
    assert len(rows) == 1
    r = rows[0]
    assert (r["price"], r["bid"], r["ask"], r["symbol"]) == (D("64281.7"), D("64281.7"), D("64281.71"), "BTC-USD")
    assert r["tick_ts"] == datetime(2026, 6, 14, 5, 35, 45, 435813, tzinfo=UTC) and r["channel"] == "ws_ticker"
    # Frames without prices carry no ticks.
    assert coinbase_ws.parse_frame(load("coinbase_advanced_ws_subscriptions_btcstreamref.json"), received_at=RECEIVED) == []
    assert coinbase_ws.parse_frame(load("coinbase_advanced_ws_market_trades_BTC-USD_btcstreamref.json"),
                                   received_at=RECEIVED) == []
    with pytest.raises(SpotParseError):
        coinbase_ws.parse_frame({"channel": "ticker", "timestamp": "x", "events": []}, received_at=RECEIVED)


@pytest.mark.parametrize("bad", [None, True, "abc", "1e5", 1.5e20, "-5", "0", "1.1234567"])
def test_prices_that_are_not_exact_positive_decimals_are_refused(bad):
    body = {"ask": "1", "bid": "1", "price": bad, "time": "2024-03-13T11:10:41Z"}
    with pytest.raises(SpotParseError):
        coinbase.parse_ticker(body, product="BTC-USD", received_at=RECEIVED)


# --- the sandbox speaks the same format ---------------------------------------------------------------
def shape(value):
    """JSON type tree: keys and value types, list elements by their first item."""
    if isinstance(value, dict):
        return {k: shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [shape(value[0])] if value else []
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    return type(value).__name__


@pytest.fixture(scope="module")
def sandbox():
    now = datetime(2026, 11, 20, 15, 30, tzinfo=UTC)
    exchange = SandboxExchange(SandboxConfig(now=lambda: now, enforce_rate_limit=False))
    with httpx.Client(transport=SandboxTransport(exchange), base_url="https://spot.example") as client:
        yield exchange, client


def test_sandbox_rest_payloads_match_the_real_keys_and_types(sandbox):
    exchange, client = sandbox
    later = datetime(2026, 11, 20, 16, tzinfo=UTC)
    pairs = [
        ("/products/BTC-USD/ticker", "coinbase_exchange_ticker_BTC-USDT_ccxt.json",
         lambda b: [coinbase.parse_ticker(b, product="BTC-USD", received_at=RECEIVED)]),
        ("/products/BTC-USD/candles?granularity=3600", "coinbase_exchange_candles_BTC-USDT_1h_ccxt.json",
         lambda b: coinbase.parse_candles(b, product="BTC-USD", granularity=3600, received_at=later)),
        ("/0/public/Ticker?pair=XBTUSD", "kraken_ticker_XBTUSD_2026_replayfixture.json",
         lambda b: [kraken.parse_ticker(b, pair="XBTUSD", received_at=RECEIVED)]),
        ("/api/v2/ticker/btcusd/", "bitstamp_ticker_btcusdt_ccxt.json",
         lambda b: [bitstamp.parse_ticker(b, pair="btcusd", received_at=RECEIVED)]),
        ("/api/v2/ohlc/btcusd/?step=3600&limit=2", "bitstamp_ohlc_btcusdt_1h_ccxt.json",
         lambda b: bitstamp.parse_ohlc(b, pair="btcusd", step=3600, received_at=later)),
    ]
    for path, real, parse in pairs:
        response = client.get(path)
        assert response.status_code == 200, path
        ours, theirs = response.json(), load(real)
        if path.startswith("/api/v2/ohlc"):
            assert ours["data"]["pair"] == "BTC/USD"
            ours["data"]["pair"] = theirs["data"]["pair"]
        assert shape(ours) == shape(theirs), path
        # And our own clients read it: a positive exact price near the path's level.
        rows = parse(response.json())
        assert rows and all(60_000 < r["price"] < 100_000 and r["status"] == "ok" for r in rows), path
    feed = spot_feed_of(exchange)
    frame = ticker_frame(feed, datetime(2026, 11, 20, 15, 30, tzinfo=UTC), 16, "update")
    assert shape(frame) == shape(load("coinbase_advanced_ws_ticker_BTC-USD_btcstreamref.json"))


def test_sandbox_errors_look_like_each_exchange(sandbox):
    _, client = sandbox
    assert client.get("/products/ETH-EUR/ticker").json() == {"message": "NotFound"}
    assert client.get("/0/public/Ticker?pair=DOGEUSD").json() == {"error": ["EQuery:Unknown asset pair"]}
    assert client.get("/api/v2/ticker/xyzusd/").status_code == 404
    r = client.get("/products/BTC-USD/candles?granularity=61")
    assert r.status_code == 400 and r.json()["message"] == "Unsupported granularity"
    r = client.get("/products/BTC-USD/candles?granularity=60&start=2026-11-19T00:00:00Z&end=2026-11-20T00:00:00Z")
    assert r.status_code == 400 and "exceeds 300" in r.json()["message"]
