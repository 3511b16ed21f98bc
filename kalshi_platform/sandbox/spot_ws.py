"""Coinbase Advanced Trade WebSocket ``ticker`` channel on loopback, from the sandbox's BTC path.

Speaks the frames of ../shared/data/real/spot/coinbase_advanced_ws_*.json: after a subscribe message
(``{"type": "subscribe", "product_ids": ["BTC-USD"], "channel": "ticker"}``) a ``snapshot`` ticker frame,
the ``subscriptions`` confirmation, then ``update`` frames every ``interval_s`` of wall time, stamped
with the exchange's clock (frozen or not). While Coinbase is in an outage block the server sends an
error frame and closes, as a dropped feed would.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from datetime import UTC, datetime

from websockets.exceptions import ConnectionClosed
from websockets.sync.server import Server, ServerConnection, serve

from kalshi_platform.sandbox.spot_api import fixed, trimmed
from kalshi_platform.sandbox.worlds.btc import SpotFeed

PRODUCTS = {"BTC-USD"}


def spot_feed_of(exchange) -> SpotFeed:
    """The spot feed of an exchange's world (the BTC family's path)."""
    for family in exchange.world.families:
        path_for = getattr(family, "_path_for", None)
        if path_for is not None:
            return SpotFeed(path_for(exchange.world.seed))
    raise LookupError("this sandbox world has no BTC family")


def _ns_timestamp(now: datetime, seq: int) -> str:
    # Coinbase stamps frames with nanoseconds; the extra digits vary per frame like the real feed's.
    return now.strftime("%Y-%m-%dT%H:%M:%S") + f".{now.microsecond:06d}{(seq * 37) % 1000:03d}Z"


def ticker_frame(feed: SpotFeed, now: datetime, seq: int, kind: str, product: str = "BTC-USD") -> dict:
    q = feed.quote("coinbase", int(now.timestamp()))
    change = (q.last / q.open_24h - 1) * 100 if q.open_24h else 0.0
    return {
        "channel": "ticker",
        "timestamp": _ns_timestamp(now, seq),
        "sequence_num": seq,
        "events": [{"type": kind, "tickers": [{
            "type": "ticker",
            "product_id": product,
            "price": trimmed(q.last, 2),
            "volume_24_h": fixed(q.volume_24h, 8),
            "low_24_h": trimmed(q.low_24h, 2),
            "high_24_h": trimmed(q.high_24h, 2),
            "low_52_w": trimmed(q.low_52w, 2),
            "high_52_w": trimmed(q.high_52w, 2),
            "price_percent_chg_24_h": repr(round(change, 14)),
            "best_bid": trimmed(q.bid, 2),
            "best_ask": trimmed(q.ask, 2),
            "best_bid_quantity": fixed(q.bid_size, 8),
            "best_ask_quantity": fixed(q.ask_size, 8),
        }]}],
    }


class CoinbaseWsServer:
    """``with CoinbaseWsServer(feed, clock) as server: server.url`` -> ws://127.0.0.1:<port>."""

    def __init__(self, feed: SpotFeed, clock: Callable[[], datetime] | None = None, *, host: str = "127.0.0.1",
                 port: int = 0, interval_s: float = 0.05) -> None:
        self.feed = feed
        self.clock = clock or (lambda: datetime.now(UTC))
        self.interval_s = interval_s
        self._server: Server = serve(self._handle, host, port)
        self._thread = threading.Thread(target=self._server.serve_forever, name="coinbase-ws-sandbox", daemon=True)
        self.connections = 0

    @property
    def url(self) -> str:
        host, port = self._server.socket.getsockname()[:2]
        return f"ws://{host}:{port}"

    def start(self) -> CoinbaseWsServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join(timeout=5)

    def __enter__(self) -> CoinbaseWsServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _handle(self, ws: ServerConnection) -> None:
        self.connections += 1
        try:
            request = json.loads(ws.recv(timeout=10))
        except (TimeoutError, ValueError, ConnectionClosed):
            return
        products = request.get("product_ids") if isinstance(request, dict) else None
        if (not isinstance(request, dict) or request.get("type") != "subscribe" or request.get("channel") != "ticker"
                or not isinstance(products, list) or not products or not set(products) <= PRODUCTS):
            ws.send(json.dumps({"type": "error", "message": "Failed to subscribe",
                                "reason": "expected type=subscribe, channel=ticker, product_ids=[BTC-USD]"}))
            ws.close()
            return
        seq = 0
        try:
            kind = "snapshot"
            while True:
                now = self.clock().astimezone(UTC)
                if self.feed.is_down("coinbase", int(now.timestamp())):
                    ws.send(json.dumps({"type": "error", "message": "service unavailable"}))
                    ws.close(1011, "service unavailable")
                    return
                for product in products:
                    ws.send(json.dumps(ticker_frame(self.feed, now, seq, kind, product), separators=(",", ":")))
                    seq += 1
                if kind == "snapshot":
                    ws.send(json.dumps({"channel": "subscriptions", "timestamp": _ns_timestamp(now, seq),
                                        "sequence_num": seq, "events": [{"subscriptions": {"ticker": products}}]},
                                       separators=(",", ":")))
                    seq += 1
                    kind = "update"
                try:
                    ws.recv(timeout=self.interval_s)  # anything the client sends (e.g. unsubscribe) is ignored
                except TimeoutError:
                    pass
        except ConnectionClosed:
            return
