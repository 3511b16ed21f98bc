"""Coinbase Exchange public REST: ``GET /products/{product}/ticker`` and ``/products/{product}/candles``.

Ticker (all strings): ``{"ask","bid","volume","trade_id","price","size","time","rfq_volume"}``, ``time``
the last trade's ISO-8601 instant. Candles: ``[[time, low, high, open, close, volume], ...]`` plain JSON
numbers, newest first, at most 300 per request.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from kalshi_platform.clients.spot.base import SpotClient, SpotParseError, price, tick
from kalshi_platform.core.timeutil import TimeParseError, parse_ts

SOURCE = "coinbase"
BASE_URL = "https://api.exchange.coinbase.com"
PRODUCT = "BTC-USD"
MAX_CANDLES = 300
TICKER_KEYS = ("ask", "bid", "price", "time")


def parse_ticker(body: Any, *, product: str, received_at: datetime) -> dict:
    if not isinstance(body, dict):
        raise SpotParseError(f"coinbase ticker: expected an object, got {type(body).__name__}")
    missing = [k for k in TICKER_KEYS if k not in body]
    if missing:
        raise SpotParseError(f"coinbase ticker: missing {missing}")
    try:
        when = parse_ts(body["time"], field="time")
    except TimeParseError as exc:
        raise SpotParseError(f"coinbase ticker: {exc}") from None
    return tick(source=SOURCE, channel="ticker", symbol=product, tick_ts=when, ts_from="exchange",
                price_=price(body["price"], "price"), bid=price(body["bid"], "bid"), ask=price(body["ask"], "ask"),
                received_at=received_at, raw=body)


def parse_candles(body: Any, *, product: str, granularity: int, received_at: datetime) -> list[dict]:
    """One tick per complete candle: its close, at the candle's end (the candle still in progress is
    left out: its close is not a settled price yet, and the live ticker covers now)."""
    if not isinstance(body, list):
        raise SpotParseError(f"coinbase candles: expected an array, got {type(body).__name__}")
    rows = []
    for j, candle in enumerate(body):
        if not isinstance(candle, list) or len(candle) < 6 or isinstance(candle[0], bool) or not isinstance(candle[0], int):
            raise SpotParseError(f"coinbase candles: element {j} is not [time, low, high, open, close, volume]")
        end = parse_ts(candle[0], field=f"candles[{j}].time") + timedelta(seconds=granularity)
        if end > received_at:
            continue
        rows.append(tick(source=SOURCE, channel=f"candles_{granularity}s", symbol=product, tick_ts=end, ts_from="exchange",
                         price_=price(candle[4], f"candles[{j}].close"), bid=None, ask=None, received_at=received_at,
                         raw=candle))
    return rows


class CoinbaseExchangeClient(SpotClient):
    source = SOURCE
    symbol = PRODUCT
    default_base_url = BASE_URL
    requests_per_s = 10.0  # Coinbase Exchange public endpoints: 10 requests/s per IP

    def ticker(self, product: str = PRODUCT) -> dict:
        body = self.http.request_json("GET", f"/products/{product}/ticker", reject_kind="spot_ticker")
        try:
            return parse_ticker(body, product=product, received_at=self.now())
        except SpotParseError as exc:
            self._reject("GET ticker", str(exc), body)
            raise

    def candles(self, start: datetime, end: datetime, *, product: str = PRODUCT, granularity: int = 60) -> list[dict]:
        """Closes of the candles in [start, end], oldest first, in pages of at most 300."""
        out: list[dict] = []
        page_end = end
        step = timedelta(seconds=granularity * MAX_CANDLES)
        while page_end > start:
            page_start = max(start, page_end - step)
            body = self.http.request_json(
                "GET", f"/products/{product}/candles", reject_kind="spot_candles",
                params={"granularity": granularity, "start": page_start.isoformat().replace("+00:00", "Z"),
                        "end": page_end.isoformat().replace("+00:00", "Z")},
            )
            try:
                out.extend(parse_candles(body, product=product, granularity=granularity, received_at=self.now()))
            except SpotParseError as exc:
                self._reject("GET candles", str(exc), body)
                raise
            page_end = page_start
        # Pages share their boundary candle: keep one row per instant, oldest first.
        return sorted({r["tick_ts"]: r for r in out}.values(), key=lambda r: r["tick_ts"])
