"""What every spot client shares: the tick row, the HTTP client set-up, and turning a provider's
failure into a recorded outage row instead of an exception.

A tick row is one price observation in the shape of ``raw.spot_ticks``: the exchange's own time when
it sends one (``ts_from = exchange``), else the time we received it (Kraken's ticker has no time);
prices exact (Decimal from the wire text); the raw payload kept.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any

import httpx

from kalshi_platform.clients.http import HttpClient, HttpError, RateLimiter, RejectLog, RetryPolicy
from kalshi_platform.core.money import MoneyError, parse_fixed
from kalshi_platform.core.timeutil import TimeParseError

OK = "ok"
OUTAGE = "outage"
UNREADABLE = "unreadable"

TICK_KEYS = ("source", "channel", "symbol", "tick_ts", "ts_from", "price", "bid", "ask", "fetched_at", "latency_ms",
             "status", "error", "raw_json")


class SpotParseError(ValueError):
    """A spot payload that does not have the shape its exchange documents."""


class ProviderDown(Exception):
    """The exchange answered, but with an error of its own (Kraken's ``EService:Unavailable``)."""


def price(value: Any, field: str) -> Decimal:
    """A price from the wire, exactly: strings as sent; JSON numbers (Coinbase candles) via their
    shortest repr, which is the text the exchange wrote for any price with a few decimals."""
    if isinstance(value, bool) or value is None:
        raise SpotParseError(f"{field}: expected a price, got {value!r}")
    text = repr(value) if isinstance(value, float) else value if isinstance(value, str) else str(value)
    if isinstance(value, float) and "e" in text.lower():
        raise SpotParseError(f"{field}: {value!r} is not a plain decimal price")
    try:
        result = parse_fixed(text if not isinstance(value, int) else value, field=field)
    except MoneyError as exc:
        raise SpotParseError(str(exc)) from None
    if result <= 0:
        raise SpotParseError(f"{field}: price {result} is not positive")
    return result


def tick(*, source: str, channel: str, symbol: str, tick_ts: datetime, ts_from: str, price_: Decimal,
         bid: Decimal | None, ask: Decimal | None, received_at: datetime, raw: Any) -> dict:
    latency = (received_at - tick_ts).total_seconds() * 1000.0 if ts_from == "exchange" else None
    return {
        "source": source, "channel": channel, "symbol": symbol, "tick_ts": tick_ts, "ts_from": ts_from,
        "price": price_, "bid": bid, "ask": ask, "fetched_at": received_at, "latency_ms": latency,
        "status": OK, "error": None, "raw_json": raw if isinstance(raw, str) else json.dumps(raw, separators=(",", ":")),
    }


def failure_row(*, source: str, channel: str, symbol: str, received_at: datetime, status: str, error: str,
                raw: str | None = None) -> dict:
    """A recorded outage (or unreadable answer): the run goes on with the other providers."""
    return {
        "source": source, "channel": channel, "symbol": symbol, "tick_ts": received_at, "ts_from": "received",
        "price": None, "bid": None, "ask": None, "fetched_at": received_at, "latency_ms": None,
        "status": status, "error": error[:2000], "raw_json": raw,
    }


class SpotClient:
    """Base of the REST clients: one HttpClient (the platform's retry loop) per exchange."""

    source = "spot"
    symbol = ""
    default_base_url = ""
    requests_per_s = 5.0

    def __init__(
        self,
        base_url: str | None = None,
        *,
        transport: httpx.BaseTransport | None = None,
        retry: RetryPolicy | None = None,
        timeout_s: float = 10.0,
        reject_log: RejectLog | None = None,
        clock: Callable[[], datetime] | None = None,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        from datetime import UTC

        self.base_url = base_url or self.default_base_url
        self.reject_log = reject_log if reject_log is not None else RejectLog()
        self._clock = clock or (lambda: datetime.now(UTC))
        extra = {"sleep": sleep} if sleep is not None else {}
        self.http = HttpClient(
            self.source, self.base_url, transport=transport, retry=retry or RetryPolicy(max_attempts=3, max_total_s=10.0),
            timeout_s=timeout_s, limiter=RateLimiter.per_second(self.requests_per_s, self.requests_per_s),
            reject_log=self.reject_log, headers={"accept": "application/json", "user-agent": "kalshi-platform"}, **extra,
        )

    def now(self) -> datetime:
        return self._clock()

    def close(self) -> None:
        self.http.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _reject(self, what: str, reason: str, body: Any) -> None:
        text = body if isinstance(body, str) else json.dumps(body, separators=(",", ":"), default=str)
        self.reject_log.add(source=f"{self.source} {what}", kind="spot_tick", reason=reason, body=text)

    def guarded(self, channel: str, symbol: str, fetch: Callable[[], list[dict]]) -> list[dict]:
        """``fetch()``'s tick rows; a provider failure becomes one outage / unreadable row instead."""
        try:
            return fetch()
        except SpotParseError as exc:
            return [failure_row(source=self.source, channel=channel, symbol=symbol, received_at=self.now(),
                                status=UNREADABLE, error=str(exc))]
        except (HttpError, ProviderDown) as exc:
            return [failure_row(source=self.source, channel=channel, symbol=symbol, received_at=self.now(),
                                status=OUTAGE, error=f"{type(exc).__name__}: {exc}")]
        except (TimeParseError, KeyError, TypeError, ValueError, IndexError) as exc:
            return [failure_row(source=self.source, channel=channel, symbol=symbol, received_at=self.now(),
                                status=UNREADABLE, error=f"{type(exc).__name__}: {exc}")]
