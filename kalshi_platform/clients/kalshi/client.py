"""Kalshi Trade API v2 REST client: decoded JSON items in, every rule of DESIGN.md §6 honoured.

Retries, backoff, rate limiting and reject recording live in :mod:`kalshi_platform.clients.http`;
this module knows Kalshi's routes, limits, pagination and which routes are signed. Typed parsing
into frames is the parsers' job (``core.kalshi_parse``): here items stay dicts, exactly as sent.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import httpx

from kalshi_platform.clients.http import (
    HttpApiClient,
    AuthError,
    ClientRequestError,
    HttpClient,
    HttpError,
    RateLimiter,
    RejectLog,
    RetryPolicy,
    Validator,
    require_object,
)
from kalshi_platform.clients.kalshi.auth import KalshiSigner
from kalshi_platform.core.token_bucket import TIERS

logger = logging.getLogger(__name__)

KALSHI_BASE_URLS = {
    "demo": "https://external-api.demo.kalshi.co/trade-api/v2",
    "prod": "https://external-api.kalshi.com/trade-api/v2",
}

CLIENT_NAME = "kalshi"

# Largest page size each paginated route accepts (openapi v3.13.0); any other route: 1000.
PAGE_LIMITS: dict[str, int] = {
    "/events": 200,
    "/markets": 1000,
    "/markets/trades": 1000,
    "/historical/markets": 1000,
    "/historical/trades": 1000,
    "/portfolio/positions": 1000,
    "/portfolio/fills": 1000,
    "/portfolio/settlements": 1000,
    "/portfolio/orders": 1000,
}
DEFAULT_PAGE_LIMIT = 1000

# Routes that need an API key. Public market data does not (DESIGN.md §5).
SIGNED_PREFIXES = ("/portfolio", "/account", "/historical/fills", "/historical/orders", "/api_keys")

# Filter values differ from market status values (DESIGN.md §6): refuse "active" before sending.
MARKET_STATUS_FILTERS = frozenset({"unopened", "open", "paused", "closed", "settled"})
EVENT_STATUS_FILTERS = frozenset({"unopened", "open", "closed", "settled"})
CANDLE_PERIODS = frozenset({1, 60, 1440})
MAX_ORDERBOOK_DEPTH = 100


@dataclass
class PageResult:
    """Items of a cursor walk. ``complete`` is True only when the server said there is no more."""

    items: list[dict]
    complete: bool
    pages: int
    error: str | None
    last_cursor: str | None  # cursor to resume from when incomplete; None when complete
    extras: dict[str, list[dict]] = field(default_factory=dict)  # other lists per page (event_positions)


def requires_signature(path: str) -> bool:
    path = "/" + path.lstrip("/")
    return any(path == p or path.startswith(p + "/") or path.startswith(p + "?") for p in SIGNED_PREFIXES)


def _check_limit(path: str, limit: int) -> None:
    maximum = PAGE_LIMITS.get(path, DEFAULT_PAGE_LIMIT)
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= maximum:
        raise ValueError(f"limit for {path} must be an integer in [1, {maximum}], got {limit!r}")


def _csv(value: str | Iterable[str] | None) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return ",".join(value)


def _seg(value: str) -> str:
    # A path segment from a caller's value: quoted so "/" or "?" in it cannot change the route.
    if not isinstance(value, str) or not value:
        raise ValueError(f"expected a non-empty identifier, got {value!r}")
    return quote(value, safe="")


def _singular(key: str) -> str:
    return key[:-1] if key.endswith("s") and not key.endswith("series") else key


class KalshiClient(HttpApiClient):
    def __init__(
        self,
        base_url: str,
        *,
        transport: httpx.BaseTransport | None = None,
        signer: KalshiSigner | None = None,
        tier: str = "basic",
        retry: RetryPolicy = RetryPolicy(),
        timeout_s: float = 15.0,
        reject_log: RejectLog | None = None,
        sleep: Callable[[float], None] = time.sleep,
        monotonic: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
        auto_limits: bool = True,
    ) -> None:
        """``auto_limits``: with a signer, read GET /account/limits once before the first request
        and size the buckets from it (the tier is only the starting guess)."""
        if tier not in TIERS:
            raise ValueError(f"unknown Kalshi tier {tier!r}; expected one of {sorted(TIERS)}")
        self.signer = signer
        self.tier = tier
        self.limiter = RateLimiter.from_tier(TIERS[tier])
        self.limits: dict | None = None  # the last /account/limits answer
        self._http = HttpClient(
            CLIENT_NAME,
            base_url,
            transport=transport,
            retry=retry,
            timeout_s=timeout_s,
            limiter=self.limiter,
            reject_log=reject_log,
            headers={"Accept": "application/json"},
            sleep=sleep,
            monotonic=monotonic,
            rng=rng,
        )
        self._limits_pending = signer is not None and auto_limits
        self._limits_lock = threading.Lock()

    # -- lifecycle and shared state
    def __repr__(self) -> str:
        return f"KalshiClient(base_url={self.base_url!r}, tier={self.tier!r}, signed={self.signer is not None})"


    # -- core request
    def _request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json_body: Any = None,
        signed: bool = False,
        idempotent: bool | None = None,
        validate: Validator | None = None,
        reject_kind: str = "page",
    ) -> Any:
        path = "/" + path.lstrip("/")
        needs_key = signed or (self.signer is not None and requires_signature(path))
        if needs_key and self.signer is None:
            raise ValueError(f"{method} {path} must be signed, but this KalshiClient has no KalshiSigner")
        if self._limits_pending:
            self._apply_account_limits_once()
        auth = self.signer.headers if needs_key else None
        return self._http.request_json(
            method,
            path,
            params=params,
            json_body=json_body,
            auth=auth,
            idempotent=idempotent,
            validate=validate,
            reject_kind=reject_kind,
        )

    def _apply_account_limits_once(self) -> None:
        with self._limits_lock:
            if not self._limits_pending:
                return
            self._limits_pending = False  # before the call, which itself goes through _request
        try:
            self.get_account_limits()
        except HttpError as exc:
            # Not fatal: the tier's buckets stay, and a real auth problem surfaces on the next call.
            logger.warning("kalshi: could not read /account/limits, keeping tier %r buckets: %s", self.tier, exc)

    def get_json(
        self,
        path: str,
        params: dict | None = None,
        *,
        signed: bool = False,
        expect_key: str | None = None,
    ) -> dict:
        """GET a JSON object. ``expect_key``: the body must hold it, else it is unreadable (retried)."""
        keys = (expect_key,) if expect_key else ()
        return self._request("GET", path, params=params, signed=signed, validate=require_object(*keys))

    def paginate(
        self,
        path: str,
        params: dict,
        items_key: str,
        *,
        limit: int,
        max_pages: int | None = None,
        signed: bool = False,
        extra_keys: tuple[str, ...] = (),
    ) -> PageResult:
        """Walk a cursor-paginated GET route and gather ``items_key`` from every page.

        Ends when the cursor comes back empty. Stops with ``complete=False`` (never raising) when a
        page still fails after the retry budget, a cursor repeats, ``max_pages`` is reached, or a
        later page is refused with a 4xx. Raises when the first page is refused with a 4xx (the
        request itself is wrong) and on any auth error.
        """
        path = "/" + path.lstrip("/")
        _check_limit(path, limit)
        if max_pages is not None and max_pages < 1:
            raise ValueError(f"max_pages must be at least 1, got {max_pages}")
        base = {k: v for k, v in (params or {}).items() if v is not None}
        cursor = base.pop("cursor", None) or None  # a caller may resume from a saved cursor
        seen: set[str] = {cursor} if cursor else set()
        items: list[dict] = []
        extras: dict[str, list[dict]] = {k: [] for k in extra_keys}
        pages = 0
        validate = require_object(items_key, lists=(items_key, *extra_keys))
        kind = _singular(items_key)

        def stop(error: str) -> PageResult:
            return PageResult(items, False, pages, error, cursor, extras)

        while True:
            if max_pages is not None and pages >= max_pages:
                return stop(f"stopped after max_pages={max_pages}; more pages remain")
            query = {**base, "limit": limit}
            if cursor:
                query["cursor"] = cursor
            try:
                body = self._request("GET", path, params=query, signed=signed, validate=validate)
            except AuthError:
                raise
            except ClientRequestError as exc:
                if pages == 0:
                    raise
                return stop(str(exc))
            except HttpError as exc:
                return stop(str(exc))
            pages += 1
            items.extend(self._keep_objects(body.get(items_key), kind, path))
            for key in extra_keys:
                extras[key].extend(self._keep_objects(body.get(key), _singular(key), path))
            next_cursor = body.get("cursor")
            if next_cursor is not None and not isinstance(next_cursor, str):
                return stop(f"cursor is a {type(next_cursor).__name__}, not a string")
            if not next_cursor:
                return PageResult(items, True, pages, None, None, extras)
            if next_cursor in seen:
                cursor = next_cursor
                return stop(f"cursor {next_cursor!r} repeated after {pages} page(s); the walk would loop")
            seen.add(next_cursor)
            cursor = next_cursor

    def _keep_objects(self, values: list | None, kind: str, path: str) -> list[dict]:
        """Items that are JSON objects; anything else becomes a reject instead of vanishing."""
        kept = []
        for value in values or ():
            if isinstance(value, dict):
                kept.append(value)
            else:
                self.reject_log.add(
                    source=f"{CLIENT_NAME} GET {path}",
                    kind=kind,
                    reason=f"{kind} item is not a JSON object",
                    body=repr(value),
                )
                self.stats.add("rejects", 1)
        return kept

    # -- market data (public)
    def get_series_list(self, **filters: Any) -> list[dict]:
        """GET /series (category, tags, include_product_metadata, include_volume, min_updated_ts)."""
        body = self._request("GET", "/series", params=filters, validate=require_object(lists=("series",)))
        return self._keep_objects(body["series"], "series", "/series")

    def get_series(self, series_ticker: str) -> dict:
        """The series object (unwrapped from ``{"series": {...}}``)."""
        path = f"/series/{_seg(series_ticker)}"
        return self._one(path, "series")

    def get_events(
        self,
        *,
        status: str | None = None,
        series_ticker: str | None = None,
        with_nested_markets: bool = False,
        limit: int = 200,
        max_pages: int | None = None,
        **filters: Any,
    ) -> PageResult:
        if status is not None and status not in EVENT_STATUS_FILTERS:
            raise ValueError(f"event status filter must be one of {sorted(EVENT_STATUS_FILTERS)}, got {status!r}")
        params = {"status": status, "series_ticker": series_ticker, **filters}
        if with_nested_markets:
            params["with_nested_markets"] = True
        return self.paginate("/events", params, "events", limit=limit, max_pages=max_pages)

    def get_markets(
        self,
        *,
        status: str | None = None,
        series_ticker: str | None = None,
        event_ticker: str | None = None,
        tickers: str | Iterable[str] | None = None,
        min_updated_ts: int | None = None,
        limit: int = 1000,
        max_pages: int | None = None,
        **filters: Any,
    ) -> PageResult:
        if status is not None and status not in MARKET_STATUS_FILTERS:
            raise ValueError(
                f"market status filter must be one of {sorted(MARKET_STATUS_FILTERS)}, got {status!r} "
                "(filter values differ from a market's status field)"
            )
        params = {
            "status": status,
            "series_ticker": series_ticker,
            "event_ticker": event_ticker,
            "tickers": _csv(tickers),
            **filters,
        }
        if min_updated_ts is not None:
            others = sorted(
                k for k, v in params.items() if v is not None and not (k == "mve_filter" and v == "exclude")
            )
            if others:
                raise ValueError(f"min_updated_ts cannot be combined with other filters (got {others})")
            params["min_updated_ts"] = min_updated_ts
        return self.paginate("/markets", params, "markets", limit=limit, max_pages=max_pages)

    def get_market(self, ticker: str) -> dict:
        """The market object (unwrapped from ``{"market": {...}}``)."""
        return self._one(f"/markets/{_seg(ticker)}", "market")

    def get_orderbook(self, ticker: str, depth: int | None = None) -> dict:
        """The whole body: ``{"orderbook_fp": {...}}`` (older payloads: ``{"orderbook": {...}}``)."""
        bad_type = isinstance(depth, bool) or not isinstance(depth, int)
        if depth is not None and (bad_type or not 0 <= depth <= MAX_ORDERBOOK_DEPTH):
            raise ValueError(f"depth must be an integer in [0, {MAX_ORDERBOOK_DEPTH}], got {depth!r}")
        return self._request(
            "GET",
            f"/markets/{_seg(ticker)}/orderbook",
            params={"depth": depth},
            validate=_orderbook_shape,
            reject_kind="orderbook",
        )

    def get_trades(
        self,
        *,
        ticker: str | None = None,
        min_ts: int | None = None,
        max_ts: int | None = None,
        limit: int = 1000,
        max_pages: int | None = None,
    ) -> PageResult:
        params = {"ticker": ticker, "min_ts": min_ts, "max_ts": max_ts}
        return self.paginate("/markets/trades", params, "trades", limit=limit, max_pages=max_pages)

    def get_candlesticks(
        self, series_ticker: str, ticker: str, *, start_ts: int, end_ts: int, period_interval: int
    ) -> dict:
        """The whole body: ``{"ticker": ..., "candlesticks": [...]}``."""
        _check_candles(start_ts, end_ts, period_interval)
        return self._request(
            "GET",
            f"/series/{_seg(series_ticker)}/markets/{_seg(ticker)}/candlesticks",
            params={"start_ts": start_ts, "end_ts": end_ts, "period_interval": period_interval},
            validate=require_object(lists=("candlesticks",)),
        )

    # -- historical data (older than GET /historical/cutoff, DESIGN.md §6)
    def get_historical_cutoff(self) -> dict:
        return self.get_json("/historical/cutoff", expect_key="market_settled_ts")

    def get_historical_candlesticks(self, ticker: str, *, start_ts: int, end_ts: int, period_interval: int) -> dict:
        _check_candles(start_ts, end_ts, period_interval)
        return self._request(
            "GET",
            f"/historical/markets/{_seg(ticker)}/candlesticks",
            params={"start_ts": start_ts, "end_ts": end_ts, "period_interval": period_interval},
            validate=require_object(lists=("candlesticks",)),
        )

    def get_historical_markets(
        self,
        *,
        series_ticker: str | None = None,
        event_ticker: str | None = None,
        tickers: str | Iterable[str] | None = None,
        limit: int = 1000,
        max_pages: int | None = None,
        **filters: Any,
    ) -> PageResult:
        """GET /historical/markets; the API treats its filters as mutually exclusive."""
        params = {"series_ticker": series_ticker, "event_ticker": event_ticker, "tickers": _csv(tickers), **filters}
        given = sorted(k for k in ("series_ticker", "event_ticker", "tickers") if params[k] is not None)
        if len(given) > 1:
            raise ValueError(f"historical market filters are mutually exclusive, got {given}")
        return self.paginate("/historical/markets", params, "markets", limit=limit, max_pages=max_pages)

    def get_historical_market(self, ticker: str) -> dict:
        return self._one(f"/historical/markets/{_seg(ticker)}", "market")

    def get_historical_trades(
        self,
        *,
        ticker: str | None = None,
        min_ts: int | None = None,
        max_ts: int | None = None,
        limit: int = 1000,
        max_pages: int | None = None,
    ) -> PageResult:
        params = {"ticker": ticker, "min_ts": min_ts, "max_ts": max_ts}
        return self.paginate("/historical/trades", params, "trades", limit=limit, max_pages=max_pages)

    # -- account and portfolio (signed)
    def get_account_limits(self) -> dict:
        """GET /account/limits and resize the read/write buckets to the live per-second limits."""
        self._limits_pending = False  # asked explicitly: no need for the automatic read as well
        body = self._request(
            "GET",
            "/account/limits",
            signed=True,
            validate=require_object("read_limit", "write_limit"),
        )
        read, write = body.get("read_limit"), body.get("write_limit")
        if _positive_number(read) and _positive_number(write):
            self.limiter.resize(read, write)
            self.limits = body
        else:
            logger.warning("kalshi: /account/limits gave unusable limits (read=%r, write=%r)", read, write)
        return body

    def get_balance(self, **params: Any) -> dict:
        """The whole body: ``{"balance", "portfolio_value", "updated_ts"}`` (cents)."""
        return self._request(
            "GET", "/portfolio/balance", params=params, signed=True, validate=require_object("balance")
        )

    def get_positions(
        self,
        *,
        ticker: str | None = None,
        event_ticker: str | None = None,
        count_filter: str | None = None,
        limit: int = 1000,
        max_pages: int | None = None,
        **filters: Any,
    ) -> PageResult:
        """Items are market positions; ``extras["event_positions"]`` holds the event positions."""
        params = {"ticker": ticker, "event_ticker": event_ticker, "count_filter": count_filter, **filters}
        return self.paginate(
            "/portfolio/positions",
            params,
            "market_positions",
            limit=limit,
            max_pages=max_pages,
            signed=True,
            extra_keys=("event_positions",),
        )

    def get_fills(
        self,
        *,
        ticker: str | None = None,
        order_id: str | None = None,
        min_ts: int | None = None,
        max_ts: int | None = None,
        limit: int = 1000,
        max_pages: int | None = None,
        **filters: Any,
    ) -> PageResult:
        params = {"ticker": ticker, "order_id": order_id, "min_ts": min_ts, "max_ts": max_ts, **filters}
        return self.paginate("/portfolio/fills", params, "fills", limit=limit, max_pages=max_pages, signed=True)

    def get_settlements(
        self,
        *,
        ticker: str | None = None,
        event_ticker: str | None = None,
        min_ts: int | None = None,
        max_ts: int | None = None,
        limit: int = 1000,
        max_pages: int | None = None,
        **filters: Any,
    ) -> PageResult:
        params = {"ticker": ticker, "event_ticker": event_ticker, "min_ts": min_ts, "max_ts": max_ts, **filters}
        return self.paginate(
            "/portfolio/settlements", params, "settlements", limit=limit, max_pages=max_pages, signed=True
        )

    def get_orders(
        self,
        *,
        ticker: str | None = None,
        event_ticker: str | Iterable[str] | None = None,
        status: str | None = None,
        min_ts: int | None = None,
        max_ts: int | None = None,
        limit: int = 1000,
        max_pages: int | None = None,
        **filters: Any,
    ) -> PageResult:
        params = {
            "ticker": ticker,
            "event_ticker": _csv(event_ticker),
            "status": status,
            "min_ts": min_ts,
            "max_ts": max_ts,
            **filters,
        }
        return self.paginate("/portfolio/orders", params, "orders", limit=limit, max_pages=max_pages, signed=True)

    def get_order(self, order_id: str) -> dict:
        """The order object (unwrapped from ``{"order": {...}}``)."""
        return self._one(f"/portfolio/orders/{_seg(order_id)}", "order", signed=True)

    def create_order(self, **order: Any) -> dict:
        """POST /portfolio/orders; returns the whole body (``{"order": {...}}``).

        Retried only when ``client_order_id`` is given: Kalshi de-duplicates on it, so a retry
        cannot place a second order. Without it a failed attempt raises ``TransientError``, and the
        caller must look the order up before sending it again.
        """
        return self._request(
            "POST",
            "/portfolio/orders",
            json_body=order,
            signed=True,
            idempotent=bool(order.get("client_order_id")),
            validate=require_object("order"),
            reject_kind="order",
        )

    def cancel_order(self, order_id: str, **params: Any) -> dict:
        """DELETE /portfolio/orders/{id}; returns the whole body (the zeroed order, reduced_by)."""
        return self._request(
            "DELETE",
            f"/portfolio/orders/{_seg(order_id)}",
            params=params,
            signed=True,
            validate=require_object("order"),
            reject_kind="order",
        )

    # -- helpers
    def _one(self, path: str, key: str, *, signed: bool = False) -> dict:
        body = self._request("GET", path, signed=signed, validate=_wrapped_object(key), reject_kind=key)
        return body[key]


def _check_candles(start_ts: int, end_ts: int, period_interval: int) -> None:
    if period_interval not in CANDLE_PERIODS:
        raise ValueError(f"period_interval must be one of {sorted(CANDLE_PERIODS)} minutes, got {period_interval!r}")
    if start_ts > end_ts:
        raise ValueError(f"start_ts {start_ts} is after end_ts {end_ts}")


def _positive_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0


def _wrapped_object(key: str) -> Validator:
    outer = require_object(key)

    def check(body: Any) -> str | None:
        problem = outer(body)
        if problem is None and not isinstance(body[key], dict):
            return f"{key!r} should be an object"
        return problem

    return check


def _orderbook_shape(body: Any) -> str | None:
    if not isinstance(body, dict):
        return require_object()(body)
    for key in ("orderbook_fp", "orderbook"):
        if isinstance(body.get(key), dict):
            return None
    return "missing object 'orderbook_fp' (or legacy 'orderbook')"
