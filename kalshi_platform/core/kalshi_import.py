"""Recognise a saved Kalshi REST response by its shape, so `kalshi-platform import` can load any of them.

A saved response is the decoded JSON body of one endpoint. Its top-level keys say what it is:
``markets`` (GET /markets), ``market`` (GET /markets/{t}), ``events`` / ``event``, ``series``,
``orderbook_fp`` or the legacy ``orderbook``, ``trades``, ``candlesticks``. Files that hold a dict of
lists keyed by series (as some tools save paginated walks) are read too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from kalshi_platform.core.kalshi_parse import normalize_sdk_dump

KINDS = ("series", "events", "markets", "orderbook", "trades", "candlesticks")

# Market tickers are upper-case words joined by dashes; used to read a ticker out of a file name.
_TICKER_IN_NAME = re.compile(r"(KX[A-Z0-9]+(?:-[A-Z0-9.]+)+|[A-Z][A-Z0-9]{2,}(?:-[A-Z0-9.]+)+)")


@dataclass
class Recognised:
    kind: str  # one of KINDS
    items: list = field(default_factory=list)  # records (or one orderbook payload)
    ticker: str | None = None  # orderbook / candlesticks belong to one market
    period_interval: int | None = None
    tier: str = "live"  # candlesticks: live or historical names


@dataclass
class Unrecognised:
    reason: str


def ticker_from_name(name: str) -> str | None:
    match = _TICKER_IN_NAME.search(name)
    return match.group(1) if match else None


def _period_from_candles(candles: list) -> int | None:
    ends = sorted(c.get("end_period_ts") for c in candles if isinstance(c, dict) and c.get("end_period_ts"))
    try:
        ends = [int(e) for e in ends]
    except (TypeError, ValueError):
        return None
    if len(ends) < 2:
        return None
    minutes = (ends[1] - ends[0]) // 60
    return minutes if minutes in (1, 60, 1440) else None


def _is_historical_candle(candle: object) -> bool:
    """The historical tier names OHLC fields bare with dollar strings (``"open": "0.92"``); the live tier
    uses ``open_dollars`` (and, before 2026-03-12, bare integer cents)."""
    if not isinstance(candle, dict):
        return False
    for block_name in ("yes_bid", "yes_ask", "price"):
        block = candle.get(block_name)
        if isinstance(block, dict):
            if any(k.endswith("_dollars") for k in block):
                return False
            if isinstance(block.get("open"), str):
                return True
    return isinstance(candle.get("volume"), str) and "volume_fp" not in candle


def _recognise_sdk_dump(payload: list) -> list[Recognised] | None:
    """Lists saved from the kalshi_python SDK's objects (``_``-prefixed keys): order books keyed by
    ticker, or events / markets."""
    if not payload or not all(isinstance(x, dict) for x in payload):
        return None
    if all(len(x) == 1 and isinstance(next(iter(x.values())), dict) for x in payload):
        books = []
        for entry in payload:
            ticker, book = next(iter(entry.items()))
            book = normalize_sdk_dump(book)
            if not {"yes", "no"} & set(book):
                return None
            books.append(Recognised("orderbook", [{"orderbook": book}], ticker=ticker))
        return books
    if all("_event_ticker" in x for x in payload):
        kind = "markets" if all("_ticker" in x for x in payload) else "events"
        return [Recognised(kind, normalize_sdk_dump(payload))]
    return None


def recognise(payload: object, name: str = "") -> list[Recognised] | Unrecognised:
    """What a saved response holds; a list because one file can hold several kinds (events + markets)."""
    if isinstance(payload, list):
        found = _recognise_sdk_dump(payload)
        if found:
            return found
        return Unrecognised("a JSON list that is not a saved SDK dump of order books, events or markets")
    if not isinstance(payload, dict):
        return Unrecognised(f"expected a JSON object at the top level, got {type(payload).__name__}")
    found: list[Recognised] = []
    name_ticker = ticker_from_name(name)

    if isinstance(payload.get("series"), list):
        found.append(Recognised("series", payload["series"]))
    elif isinstance(payload.get("series"), dict):
        found.append(Recognised("series", [payload["series"]]))

    if isinstance(payload.get("events"), list):
        found.append(Recognised("events", payload["events"]))
    elif isinstance(payload.get("event"), dict):
        found.append(Recognised("events", [payload["event"]]))

    if isinstance(payload.get("markets"), list):
        found.append(Recognised("markets", payload["markets"]))
    elif isinstance(payload.get("market"), dict):
        found.append(Recognised("markets", [payload["market"]]))

    if "orderbook_fp" in payload or "orderbook" in payload:
        found.append(Recognised("orderbook", [payload], ticker=payload.get("ticker") or name_ticker))

    if isinstance(payload.get("trades"), list):
        found.append(Recognised("trades", payload["trades"]))

    if isinstance(payload.get("candlesticks"), list):
        candles = payload["candlesticks"]
        historical = bool(candles) and _is_historical_candle(candles[0])
        found.append(
            Recognised(
                "candlesticks",
                candles,
                ticker=payload.get("ticker") or name_ticker,
                period_interval=_period_from_candles(candles),
                tier="historical" if historical else "live",
            )
        )
    elif {"end_period_ts", "open_interest"} <= payload.keys() or {"end_period_ts", "volume"} <= payload.keys():
        # A single candle object (e.g. one element saved from /historical/.../candlesticks).
        historical = _is_historical_candle(payload)
        found.append(
            Recognised(
                "candlesticks", [payload], ticker=payload.get("ticker") or name_ticker,
                tier="historical" if historical else "live",
            )
        )

    if found:
        return found

    # A dict of lists of markets keyed by series ticker (a saved paginated walk).
    values = list(payload.values())
    if values and all(isinstance(v, list) for v in values):
        records = [r for v in values for r in v]
        if records and all(isinstance(r, dict) and "ticker" in r and "event_ticker" in r for r in records):
            return [Recognised("markets", records)]

    keys = ", ".join(sorted(map(str, payload.keys()))[:12])
    return Unrecognised(f"not a Kalshi REST response of a known kind (top-level keys: {keys})")
