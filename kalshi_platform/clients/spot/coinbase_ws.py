"""Coinbase Advanced Trade WebSocket, ``ticker`` channel (``wss://advanced-trade-ws.coinbase.com``).

Subscribe with ``{"type": "subscribe", "product_ids": ["BTC-USD"], "channel": "ticker"}``; the server
answers with ticker frames (``{"channel": "ticker", "timestamp", "sequence_num", "events": [{"type":
"snapshot"|"update", "tickers": [{"product_id", "price", "best_bid", "best_ask", ...}]}]}``) and a
``subscriptions`` confirmation. ``collect`` reads for a bounded time or number of ticks and returns tick
rows; an unreadable frame becomes a reject, a failed connection one outage row.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from websockets.exceptions import WebSocketException
from websockets.sync.client import connect

from kalshi_platform.clients.http import RejectLog
from kalshi_platform.clients.spot.base import OUTAGE, SpotParseError, failure_row, price, tick
from kalshi_platform.core.timeutil import TimeParseError, parse_ts

SOURCE = "coinbase"
URL = "wss://advanced-trade-ws.coinbase.com"
PRODUCT = "BTC-USD"
CHANNEL = "ws_ticker"


def subscribe_message(products: list[str]) -> dict:
    return {"type": "subscribe", "product_ids": list(products), "channel": "ticker"}


def parse_frame(frame: Any, *, received_at: datetime) -> list[dict]:
    """Tick rows of one decoded frame ([] for frames that carry no prices, e.g. subscriptions)."""
    if not isinstance(frame, dict):
        raise SpotParseError(f"coinbase ws: expected an object, got {type(frame).__name__}")
    if frame.get("type") == "error":
        raise SpotParseError(f"coinbase ws error: {frame.get('message')}")
    if frame.get("channel") != "ticker":
        return []
    try:
        when = parse_ts(frame["timestamp"], field="timestamp")
    except (KeyError, TimeParseError) as exc:
        raise SpotParseError(f"coinbase ws: bad timestamp ({exc})") from None
    events = frame.get("events")
    if not isinstance(events, list):
        raise SpotParseError("coinbase ws: events should be a list")
    rows = []
    for event in events:
        tickers = event.get("tickers") if isinstance(event, dict) else None
        if not isinstance(tickers, list):
            raise SpotParseError("coinbase ws: an event lacks its tickers list")
        for t in tickers:
            if not isinstance(t, dict) or "price" not in t or "product_id" not in t:
                raise SpotParseError("coinbase ws: a ticker lacks product_id/price")
            rows.append(tick(
                source=SOURCE, channel=CHANNEL, symbol=t["product_id"], tick_ts=when, ts_from="exchange",
                price_=price(t["price"], "price"),
                bid=price(t["best_bid"], "best_bid") if t.get("best_bid") else None,
                ask=price(t["best_ask"], "best_ask") if t.get("best_ask") else None,
                received_at=received_at, raw=frame))
    return rows


class CoinbaseAdvancedWsClient:
    def __init__(self, url: str = URL, *, reject_log: RejectLog | None = None,
                 clock: Callable[[], datetime] | None = None, open_timeout_s: float = 10.0) -> None:
        self.url = url
        self.reject_log = reject_log if reject_log is not None else RejectLog()
        self._clock = clock or (lambda: datetime.now(UTC))
        self.open_timeout_s = open_timeout_s
        self.frames = 0

    def collect(self, *, seconds: float, max_ticks: int = 1000, products: list[str] | None = None) -> list[dict]:
        """Ticker rows received within ``seconds`` (wall time) or until ``max_ticks``."""
        products = products or [PRODUCT]
        rows: list[dict] = []
        deadline = time.monotonic() + seconds
        try:
            with connect(self.url, open_timeout=self.open_timeout_s, close_timeout=2) as ws:
                ws.send(json.dumps(subscribe_message(products)))
                while len(rows) < max_ticks:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        break
                    try:
                        text = ws.recv(timeout=remaining)
                    except TimeoutError:
                        break
                    self.frames += 1
                    rows.extend(self._read(text))
        except (OSError, WebSocketException, TimeoutError) as exc:
            rows.append(failure_row(source=SOURCE, channel=CHANNEL, symbol=",".join(products), received_at=self._clock(),
                                    status=OUTAGE, error=f"{type(exc).__name__}: {exc}"))
        return rows

    def _read(self, text: str | bytes) -> list[dict]:
        body = text.decode("utf-8", errors="replace") if isinstance(text, bytes) else text
        try:
            frame = json.loads(body)
            return parse_frame(frame, received_at=self._clock())
        except (ValueError, SpotParseError) as exc:
            self.reject_log.add(source=f"{SOURCE} ws ticker", kind="spot_tick", reason=str(exc), body=body)
            return []
