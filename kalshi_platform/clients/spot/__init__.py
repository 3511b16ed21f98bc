"""Spot BTC/USD from Coinbase, Kraken and Bitstamp (REST) and Coinbase Advanced Trade (WebSocket).

``collect_ticks`` polls every configured exchange; one exchange down never stops the others (its
failure is a recorded outage row, see ``base.guarded``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from datetime import datetime

from kalshi_platform.clients.spot.base import OK, OUTAGE, UNREADABLE, SpotClient, SpotParseError
from kalshi_platform.clients.spot.bitstamp import BitstampClient
from kalshi_platform.clients.spot.coinbase import CoinbaseExchangeClient
from kalshi_platform.clients.spot.coinbase_ws import CoinbaseAdvancedWsClient
from kalshi_platform.clients.spot.kraken import KrakenClient

CLIENTS: dict[str, type[SpotClient]] = {
    "coinbase": CoinbaseExchangeClient,
    "kraken": KrakenClient,
    "bitstamp": BitstampClient,
}
BASE_URLS = {name: cls.default_base_url for name, cls in CLIENTS.items()}


def poll_tickers(clients: Mapping[str, SpotClient]) -> list[dict]:
    """One ticker from each exchange (an outage row for any that fails)."""
    rows: list[dict] = []
    for name, client in clients.items():
        rows.extend(client.guarded("ticker", client.symbol, lambda c=client: [c.ticker()]))
    return rows


def poll_history(clients: Mapping[str, SpotClient], start: datetime, end: datetime, *, step_s: int = 60) -> list[dict]:
    """Candle closes over [start, end] from the exchanges that serve candles (Coinbase, Bitstamp)."""
    rows: list[dict] = []
    for client in clients.values():
        channel = f"candles_{step_s}s"
        if isinstance(client, CoinbaseExchangeClient):
            rows.extend(client.guarded(channel, client.symbol, lambda c=client: c.candles(start, end, granularity=step_s)))
        elif isinstance(client, BitstampClient):
            rows.extend(client.guarded(channel, client.symbol, lambda c=client: c.ohlc(start, end, step=step_s)))
    return rows


def collect_ticks(
    clients: Mapping[str, SpotClient],
    *,
    polls: int = 1,
    interval_s: float = 1.0,
    sleep: Callable[[float], None] = time.sleep,
) -> list[dict]:
    """``polls`` rounds of tickers, ``interval_s`` apart: a short burst of live ticks."""
    rows: list[dict] = []
    for k in range(max(1, polls)):
        if k:
            sleep(interval_s)
        rows.extend(poll_tickers(clients))
    return rows


__all__ = ["BASE_URLS", "CLIENTS", "OK", "OUTAGE", "UNREADABLE", "BitstampClient", "CoinbaseAdvancedWsClient",
           "CoinbaseExchangeClient", "KrakenClient", "SpotClient", "SpotParseError", "collect_ticks", "poll_history",
           "poll_tickers"]
