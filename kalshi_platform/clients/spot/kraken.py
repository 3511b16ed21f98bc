"""Kraken public REST: ``GET /0/public/Ticker?pair=XBTUSD``.

``{"error": [], "result": {"XXBTZUSD": {"a": [ask, whole lot vol, lot vol], "b": [bid, ...],
"c": [last, lot vol], "v"/"p"/"l"/"h": [today, 24h], "t": [today, 24h], "o": open}}}``. Kraken reports
its own errors in ``error`` (often with HTTP 200, e.g. ``EService:Unavailable``), and the ticker has no
timestamp: a tick is stamped with the time it was received.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from kalshi_platform.clients.spot.base import ProviderDown, SpotClient, SpotParseError, price, tick

SOURCE = "kraken"
BASE_URL = "https://api.kraken.com"
PAIR = "XBTUSD"


def parse_ticker(body: Any, *, pair: str, received_at: datetime) -> dict:
    if not isinstance(body, dict):
        raise SpotParseError(f"kraken ticker: expected an object, got {type(body).__name__}")
    errors = body.get("error")
    if errors:
        raise ProviderDown(f"kraken: {', '.join(map(str, errors))}")
    result = body.get("result")
    if not isinstance(result, dict) or len(result) != 1:
        raise SpotParseError("kraken ticker: result should hold exactly one pair")
    (name, t), = result.items()
    if not isinstance(t, dict) or not all(isinstance(t.get(k), list) and t.get(k) for k in ("a", "b", "c")):
        raise SpotParseError(f"kraken ticker: {name} lacks a/b/c arrays")
    return tick(source=SOURCE, channel="ticker", symbol=name, tick_ts=received_at, ts_from="received",
                price_=price(t["c"][0], "c[0]"), bid=price(t["b"][0], "b[0]"), ask=price(t["a"][0], "a[0]"),
                received_at=received_at, raw=body)


class KrakenClient(SpotClient):
    source = SOURCE
    symbol = PAIR
    default_base_url = BASE_URL
    requests_per_s = 1.0  # Kraken's public endpoints: about one call per second

    def ticker(self, pair: str = PAIR) -> dict:
        body = self.http.request_json("GET", "/0/public/Ticker", params={"pair": pair}, reject_kind="spot_ticker")
        try:
            return parse_ticker(body, pair=pair, received_at=self.now())
        except SpotParseError as exc:
            self._reject("GET Ticker", str(exc), body)
            raise
