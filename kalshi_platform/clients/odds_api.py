"""The Odds API v4 client (https://the-odds-api.com/liveapi/guides/v4/): NBA events and player props.

Requests go through :class:`clients.http.HttpClient` (the one retry / backoff / rate-limit loop); the
API key travels in the ``apiKey`` query parameter as the service requires, and is registered as a
secret so no error, log line or reject row ever shows it. Every response's quota headers
(``x-requests-remaining``, ``x-requests-used``, ``x-requests-last``) are recorded per attempt in
``requests`` (and the latest in ``quota``), read by a thin transport wrapper around the real one.

Cost (the service's rule): listing events is free; an event-odds call costs (markets returned) x
(regions); so the platform asks one event at a time, only for games about to start. The historical
snapshots (``/v4/historical/...``, paid plans) cost ten times that for event odds and 1 for an events
list; they answer ``{timestamp, previous_timestamp, next_timestamp, data}``, read into
:class:`HistoricalSnapshot`.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import quote

import httpx

from kalshi_platform.clients.http import (
    HttpApiClient,
    HttpClient,
    RateLimiter,
    RejectLog,
    RetryPolicy,
    require_object,
)
from kalshi_platform.core.timeutil import TimeParseError, parse_ts

ODDS_API_BASE_URL = "https://api.the-odds-api.com"
CLIENT_NAME = "odds_api"
NBA = "basketball_nba"
PLAYER_PROP_MARKETS = (
    "player_points",
    "player_rebounds",
    "player_assists",
    "player_threes",
    "player_blocks",
    "player_steals",
)
# The service answers bursts with 429 EXCEEDED_FREQ_LIMIT; a few requests a second is plenty here.
REQUESTS_PER_SECOND = 5.0
QUOTA_HEADERS = ("x-requests-remaining", "x-requests-used", "x-requests-last")


@dataclass(frozen=True)
class RequestRecord:
    """One HTTP attempt (retries included) and the quota the service reported after it."""

    requested_at: datetime
    method: str
    path: str  # no query string: the key never lands here
    params: str  # the query without apiKey
    status: int
    requests_remaining: int | None
    requests_used: int | None
    requests_last: int | None


def _int_header(headers: httpx.Headers, name: str) -> int | None:
    value = headers.get(name)
    if value is None:
        return None
    try:  # counts of requests, sometimes sent as "19970.0"
        return int(Decimal(value.strip()))
    except (InvalidOperation, ValueError):
        return None


class _QuotaRecorder(httpx.BaseTransport):
    """Wraps the real transport and notes each response's status and quota headers."""

    def __init__(self, inner: httpx.BaseTransport, clock: Callable[[], datetime]) -> None:
        self.inner = inner
        self.clock = clock
        self.records: list[RequestRecord] = []
        self._lock = threading.Lock()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        params = "&".join(
            f"{k}={v}" for k, v in request.url.params.multi_items() if k.lower() != "apikey"
        )
        record = RequestRecord(
            requested_at=self.clock(),
            method=request.method,
            path=request.url.path,
            params=params,
            status=response.status_code,
            requests_remaining=_int_header(response.headers, "x-requests-remaining"),
            requests_used=_int_header(response.headers, "x-requests-used"),
            requests_last=_int_header(response.headers, "x-requests-last"),
        )
        with self._lock:
            self.records.append(record)
        return response

    def close(self) -> None:
        self.inner.close()


def _events_list(body: Any) -> str | None:
    if not isinstance(body, list):
        return f"expected a JSON array of events, got {type(body).__name__}"
    return None


@dataclass(frozen=True)
class HistoricalSnapshot:
    """A historical answer: the snapshot's time (at or before the date asked), its neighbours (None at
    the ends) and the body the live route gave then."""

    timestamp: datetime
    previous_timestamp: datetime | None
    next_timestamp: datetime | None
    data: Any


def _historical(data_check: Callable[[Any], str | None]) -> Callable[[Any], str | None]:
    """Validator of a historical wrapper whose ``data`` passes ``data_check``."""

    def check(body: Any) -> str | None:
        problem = require_object("timestamp", "data")(body)
        if problem:
            return problem
        for key in ("timestamp", "previous_timestamp", "next_timestamp"):
            value = body.get(key)
            if value is None and key != "timestamp":
                continue
            try:
                parse_ts(value, field=key)
            except TimeParseError as exc:
                return str(exc)
        problem = data_check(body["data"])
        return f"data: {problem}" if problem else None

    return check


def _snapshot(body: dict) -> HistoricalSnapshot:
    def ts(key: str) -> datetime | None:
        return None if body.get(key) is None else parse_ts(body[key], field=key)

    return HistoricalSnapshot(ts("timestamp"), ts("previous_timestamp"), ts("next_timestamp"), body["data"])


class OddsApiClient(HttpApiClient):
    def __init__(
        self,
        api_key: str,
        base_url: str = ODDS_API_BASE_URL,
        *,
        transport: httpx.BaseTransport | None = None,
        retry: RetryPolicy = RetryPolicy(),
        timeout_s: float = 15.0,
        reject_log: RejectLog | None = None,
        requests_per_s: float = REQUESTS_PER_SECOND,
        sleep: Callable[[float], None] = time.sleep,
        monotonic: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        if not api_key or not api_key.strip():
            raise ValueError("The Odds API needs a key: set ODDS_API_KEY")
        self._key = api_key.strip()
        self._recorder = _QuotaRecorder(transport or httpx.HTTPTransport(), clock)
        self._http = HttpClient(
            CLIENT_NAME,
            base_url.rstrip("/"),
            transport=self._recorder,
            retry=retry,
            timeout_s=timeout_s,
            limiter=RateLimiter.per_second(requests_per_s, 1.0),
            reject_log=reject_log,
            headers={"Accept": "application/json"},
            secrets=[self._key],
            sleep=sleep,
            monotonic=monotonic,
            rng=rng,
        )

    # -- lifecycle
    def __repr__(self) -> str:
        return f"OddsApiClient(base_url={self.base_url!r}, key=***)"


    @property
    def requests(self) -> list[RequestRecord]:
        """Every attempt so far, oldest first."""
        return list(self._recorder.records)

    @property
    def quota(self) -> dict[str, int | None]:
        """The quota the service reported last (None before any answer carried it)."""
        for record in reversed(self._recorder.records):
            if record.requests_remaining is not None:
                return {"remaining": record.requests_remaining, "used": record.requests_used,
                        "last": record.requests_last}
        return {"remaining": None, "used": None, "last": None}

    # -- endpoints
    def _get(self, path: str, params: dict, validate) -> Any:
        query = {k: v for k, v in params.items() if v is not None}
        query["apiKey"] = self._key
        return self._http.request_json("GET", path, params=query, validate=validate, reject_kind="odds_api")

    def get_events(
        self,
        sport: str = NBA,
        *,
        commence_from: datetime | None = None,
        commence_to: datetime | None = None,
        event_ids: Sequence[str] = (),
    ) -> list[dict]:
        """GET /v4/sports/{sport}/events (free): upcoming and live events, no odds."""
        body = self._get(
            f"/v4/sports/{quote(sport, safe='')}/events",
            {
                "commenceTimeFrom": _iso(commence_from),
                "commenceTimeTo": _iso(commence_to),
                "eventIds": ",".join(event_ids) or None,
                "dateFormat": "iso",
            },
            _events_list,
        )
        return [e for e in body if isinstance(e, dict)]

    def get_event_odds(
        self,
        event_id: str,
        sport: str = NBA,
        *,
        markets: Iterable[str] = PLAYER_PROP_MARKETS,
        regions: Iterable[str] = ("us",),
        bookmakers: Iterable[str] = (),
        odds_format: str = "american",
    ) -> dict:
        """GET /v4/sports/{sport}/events/{id}/odds: the event with every book's markets.

        ``bookmakers`` (when given) replaces ``regions``, as the service does.
        """
        if not isinstance(event_id, str) or not event_id:
            raise ValueError(f"expected an event id, got {event_id!r}")
        books = ",".join(bookmakers)
        return self._get(
            f"/v4/sports/{quote(sport, safe='')}/events/{quote(event_id, safe='')}/odds",
            {
                "markets": ",".join(markets),
                "regions": None if books else ",".join(regions),
                "bookmakers": books or None,
                "oddsFormat": odds_format,
                "dateFormat": "iso",
            },
            require_object("id", lists=("bookmakers",)),
        )

    def get_historical_events(
        self,
        date: datetime,
        sport: str = NBA,
        *,
        commence_from: datetime | None = None,
        commence_to: datetime | None = None,
        event_ids: Sequence[str] = (),
    ) -> HistoricalSnapshot:
        """GET /v4/historical/sports/{sport}/events (cost 1, 0 when empty): the events listed at the
        snapshot at or before ``date``; ``data`` is the list of events."""
        body = self._get(
            f"/v4/historical/sports/{quote(sport, safe='')}/events",
            {
                "date": _iso(date),
                "commenceTimeFrom": _iso(commence_from),
                "commenceTimeTo": _iso(commence_to),
                "eventIds": ",".join(event_ids) or None,
                "dateFormat": "iso",
            },
            _historical(_events_list),
        )
        snapshot = _snapshot(body)
        return HistoricalSnapshot(snapshot.timestamp, snapshot.previous_timestamp, snapshot.next_timestamp,
                                  [e for e in snapshot.data if isinstance(e, dict)])

    def get_historical_event_odds(
        self,
        event_id: str,
        date: datetime,
        sport: str = NBA,
        *,
        markets: Iterable[str] = PLAYER_PROP_MARKETS,
        regions: Iterable[str] = ("us",),
        bookmakers: Iterable[str] = (),
        odds_format: str = "american",
    ) -> HistoricalSnapshot:
        """GET /v4/historical/sports/{sport}/events/{id}/odds: the event's odds as the books showed them
        at the snapshot at or before ``date`` (``data`` has the shape of :meth:`get_event_odds`). Costs
        10 x (markets returned) x (regions)."""
        if not isinstance(event_id, str) or not event_id:
            raise ValueError(f"expected an event id, got {event_id!r}")
        books = ",".join(bookmakers)
        body = self._get(
            f"/v4/historical/sports/{quote(sport, safe='')}/events/{quote(event_id, safe='')}/odds",
            {
                "date": _iso(date),
                "markets": ",".join(markets),
                "regions": None if books else ",".join(regions),
                "bookmakers": books or None,
                "oddsFormat": odds_format,
                "dateFormat": "iso",
            },
            _historical(require_object("id", lists=("bookmakers",))),
        )
        return _snapshot(body)

    def get_scores(self, sport: str = NBA, *, days_from: int | None = None) -> list[dict]:
        """GET /v4/sports/{sport}/scores: live and upcoming games, plus completed ones of the last
        ``days_from`` (1-3) days with their final scores."""
        return self._get(f"/v4/sports/{quote(sport, safe='')}/scores",
                         {"daysFrom": days_from, "dateFormat": "iso"}, _events_list)


def _iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError("timestamps sent to The Odds API must be timezone-aware")
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
