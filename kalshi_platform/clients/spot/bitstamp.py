"""Bitstamp public REST: ``GET /api/v2/ticker/{pair}/`` and ``/api/v2/ohlc/{pair}/``.

Ticker: every value a string, ``timestamp`` unix seconds. OHLC: ``{"data": {"pair": "BTC/USD",
"ohlc": [{"timestamp", "open", "high", "low", "close", "volume"}]}}``, oldest first, at most 1000.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from kalshi_platform.clients.spot.base import SpotClient, SpotParseError, price, tick
from kalshi_platform.core.timeutil import parse_ts

SOURCE = "bitstamp"
BASE_URL = "https://www.bitstamp.net"
PAIR = "btcusd"
MAX_OHLC = 1000
TICKER_KEYS = ("timestamp", "last", "bid", "ask")


def _unix(value: Any, field: str) -> datetime:
    if isinstance(value, bool) or not isinstance(value, (str, int)) or not str(value).strip().isdigit():
        raise SpotParseError(f"bitstamp: {field} {value!r} is not unix seconds")
    return parse_ts(int(value), field=field)


def parse_ticker(body: Any, *, pair: str, received_at: datetime) -> dict:
    if not isinstance(body, dict):
        raise SpotParseError(f"bitstamp ticker: expected an object, got {type(body).__name__}")
    missing = [k for k in TICKER_KEYS if k not in body]
    if missing:
        raise SpotParseError(f"bitstamp ticker: missing {missing}")
    return tick(source=SOURCE, channel="ticker", symbol=pair, tick_ts=_unix(body["timestamp"], "timestamp"),
                ts_from="exchange", price_=price(body["last"], "last"), bid=price(body["bid"], "bid"),
                ask=price(body["ask"], "ask"), received_at=received_at, raw=body)


def parse_ohlc(body: Any, *, pair: str, step: int, received_at: datetime) -> list[dict]:
    """One tick per complete candle: its close, at the candle's end."""
    data = body.get("data") if isinstance(body, dict) else None
    candles = data.get("ohlc") if isinstance(data, dict) else None
    if not isinstance(candles, list):
        raise SpotParseError("bitstamp ohlc: expected {data: {ohlc: [...]}}")
    rows = []
    for j, c in enumerate(candles):
        if not isinstance(c, dict) or "timestamp" not in c or "close" not in c:
            raise SpotParseError(f"bitstamp ohlc: element {j} lacks timestamp/close")
        end = _unix(c["timestamp"], "timestamp") + timedelta(seconds=step)
        if end > received_at:  # the candle in progress: not a settled close yet
            continue
        rows.append(tick(source=SOURCE, channel=f"candles_{step}s", symbol=pair, tick_ts=end, ts_from="exchange",
                         price_=price(c["close"], f"ohlc[{j}].close"), bid=None, ask=None, received_at=received_at,
                         raw=c))
    return rows


class BitstampClient(SpotClient):
    source = SOURCE
    symbol = PAIR
    default_base_url = BASE_URL
    requests_per_s = 8.0  # Bitstamp allows 400/s; stay polite

    def ticker(self, pair: str = PAIR) -> dict:
        body = self.http.request_json("GET", f"/api/v2/ticker/{pair}/", reject_kind="spot_ticker")
        try:
            return parse_ticker(body, pair=pair, received_at=self.now())
        except SpotParseError as exc:
            self._reject("GET ticker", str(exc), body)
            raise

    def ohlc(self, start: datetime, end: datetime, *, pair: str = PAIR, step: int = 60) -> list[dict]:
        """Closes of the candles in [start, end], oldest first."""
        limit = min(MAX_OHLC, max(1, int((end - start).total_seconds() // step) + 1))
        body = self.http.request_json("GET", f"/api/v2/ohlc/{pair}/", reject_kind="spot_candles",
                                      params={"step": step, "limit": limit, "end": int(end.timestamp())})
        try:
            rows = parse_ohlc(body, pair=pair, step=step, received_at=self.now())
        except SpotParseError as exc:
            self._reject("GET ohlc", str(exc), body)
            raise
        return [r for r in rows if r["tick_ts"] >= start]
