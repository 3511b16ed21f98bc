"""The embedded exchange: routing, signing, rate limits and fault injection around the world's APIs.

``handle`` is the whole request path, shared by the in-process transport and the loopback server:
route -> rate limit -> request faults -> signature -> handler -> record faults -> body faults.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import parse_qsl

from kalshi_platform.core.token_bucket import DEFAULT_REQUEST_COST, TIERS, TokenBucket
from kalshi_platform.sandbox.auth import AuthError, KeyRing
from kalshi_platform.sandbox.faults import (
    HTML_502,
    HTML_503,
    MALFORMED_BODIES,
    FaultInjector,
    FaultSpec,
)
from kalshi_platform.sandbox.kalshi_api import KalshiApi
from kalshi_platform.sandbox.portfolio import Portfolio
from kalshi_platform.sandbox.routes import ApiError, Context, Reply, Route, Router
from kalshi_platform.sandbox.wire import TOO_MANY_REQUESTS, dumps, error_body
from kalshi_platform.sandbox.world import KalshiWorld
from kalshi_platform.sandbox.worlds.base import Family

JSON_TYPE = "application/json; charset=utf-8"


@dataclass(frozen=True)
class SandboxConfig:
    seed: int = 7
    tier: str = "basic"  # key of core.token_bucket.TIERS
    faults: FaultSpec = FaultSpec()
    now: Callable[[], datetime] | None = None  # world clock (aware UTC); None = real time
    scale: int = 1  # multiplies the universe size (benchmarks use large scales)
    enforce_rate_limit: bool = True
    timeout_hold_s: float = 3.0  # loopback only: how long an injected timeout holds the response

    def __post_init__(self) -> None:
        if self.tier not in TIERS:
            raise ValueError(f"unknown tier {self.tier!r}; expected one of {', '.join(TIERS)}")
        if self.scale < 1:
            raise ValueError("scale must be >= 1")


@dataclass
class SandboxRequest:
    method: str
    path: str  # from root, without the query string
    query: list[tuple[str, str]]
    headers: dict[str, str]  # lower-case keys
    body: bytes
    host: str = ""


@dataclass
class SandboxResponse:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self):
        return json.loads(self.body)


class SandboxTimeout(Exception):
    """An injected timeout: the transport raises httpx.ReadTimeout, the loopback server holds then hangs up."""


@dataclass
class _Buckets:
    read: TokenBucket
    write: TokenBucket


class ExchangeStats(Counter):
    """(route label, status) -> count; ``total()`` is the number of requests handled."""


@dataclass
class _State:
    seq: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


class SandboxExchange:
    def __init__(self, config: SandboxConfig = SandboxConfig(), *, families: Iterable[Family] | None = None) -> None:
        self.config = config
        self._clock = config.now or (lambda: datetime.now(UTC))
        self.world = KalshiWorld(seed=config.seed, anchor=self._clock(), scale=config.scale,
                                 families=list(families) if families is not None else None)
        self.keys = KeyRing()
        self.router = Router()
        self.kalshi = KalshiApi(self.world, config.tier)
        self.portfolio = Portfolio(self.world)
        self.router.include(self.kalshi.routes())
        self.router.include(self.portfolio.routes())
        self.router.include(self.world.families_routes())
        self.faults = FaultInjector(config.faults, config.seed)
        self.stats = ExchangeStats()
        self._state = _State()
        self._buckets: dict[str, _Buckets] = {}
        self._bucket_lock = threading.Lock()

    # -- public helpers -----------------------------------------------------------------------
    def register_key(self, key_id: str, public_key_pem: bytes) -> None:
        self.keys.register(key_id, public_key_pem)

    def add_routes(self, routes: Iterable[Route]) -> None:
        """Mount another API (Coinbase, Kraken, Open-Meteo, ...) on the same exchange."""
        self.router.include(routes)

    def now(self) -> datetime:
        now = self._clock()
        if now.tzinfo is None:
            raise ValueError("the sandbox clock must return timezone-aware datetimes")
        return now.astimezone(UTC)

    def now_us(self) -> int:
        now = self.now()
        return int(now.timestamp()) * 1_000_000 + now.microsecond

    # -- the request path ---------------------------------------------------------------------
    def handle(self, request: SandboxRequest) -> SandboxResponse:
        with self._state.lock:
            self._state.seq += 1
            seq = self._state.seq
        method = request.method.upper()
        path = request.path.split("?", 1)[0]
        match = self.router.match(method, path)
        if not hasattr(match, "route"):
            if match:
                resp = self._error(405, "method_not_allowed", "method not allowed", f"allowed: {', '.join(match)}")
            else:
                resp = self._error(404, "not_found", "not found", f"no route for {path}")
            self._count("unmatched", resp.status)
            return resp
        route, params = match.route, match.params
        try:
            resp = self._dispatch(route, params, request, method, path, seq)
        except SandboxTimeout:
            self._count(route.label, 0)  # 0 = no response
            raise
        self._count(route.label, resp.status)
        return resp

    def _dispatch(self, route: Route, params: dict[str, str], request: SandboxRequest, method: str, path: str,
                  seq: int) -> SandboxResponse:
        headers = {k.lower(): v for k, v in request.headers.items()}
        key_header = headers.get("kalshi-access-key")
        if route.rate_limited and self.config.enforce_rate_limit:
            if not self._take_token(key_header if key_header in self.keys else "", method):
                return self._too_many()
        spec = self.faults.spec
        if route.faults and spec.any:
            fault = self.faults.request_fault(seq)
            if fault == "429":
                return self._too_many()
            if fault == "timeout":
                raise SandboxTimeout(f"injected timeout on {method} {path} (request {seq})")
            if fault == "5xx":
                return self._server_error(seq)
        key_id = None
        signed = any(h in headers for h in ("kalshi-access-key", "kalshi-access-signature", "kalshi-access-timestamp"))
        if route.auth or signed:
            try:
                key_id = self.keys.verify(headers, method, path)
            except AuthError as exc:
                return self._error(401, "authentication_error", "authentication_error", exc.details, service="api")
        ctx = Context(method=method, path=path, params=params, query=list(request.query), headers=headers,
                      body=request.body, now_us=self.now_us(), key_id=key_id, seq=seq, exchange=self)
        try:
            reply = route.handler(ctx)
        except ApiError as exc:
            if exc.body is not None:
                return SandboxResponse(exc.status, {"content-type": JSON_TYPE}, exc.body)
            return self._error(exc.status, exc.code, exc.message, exc.details)
        return self._render(route, reply, seq)

    def _render(self, route: Route, reply: Reply, seq: int) -> SandboxResponse:
        body = reply.body
        headers = {"content-type": JSON_TYPE, **reply.headers}
        if isinstance(body, (bytes, bytearray)):
            raw = bytes(body)
        else:
            if route.faults and route.records and isinstance(body, dict):
                for n, key in enumerate(route.records):
                    records = body.get(key)
                    if isinstance(records, list):
                        self._record_faults(records, seq, n, route.record_kind)
            raw = dumps(body)
        if route.faults and self.faults.spec.any and 200 <= reply.status < 300:
            fault = self.faults.body_fault(seq)
            if fault == "malformed":
                raw = MALFORMED_BODIES[self.faults.pick(seq, len(MALFORMED_BODIES), 1)]
            elif fault == "truncated" and len(raw) > 2:
                raw = raw[: max(1, len(raw) * (20 + self.faults.pick(seq, 60, 2)) // 100)]
        return SandboxResponse(reply.status, headers, raw)

    def _record_faults(self, records: list, seq: int, list_no: int, kind: str) -> None:
        drift, bad = self.faults.record_faults(seq, len(records), list_no)
        for j in drift:
            rec = records[j]
            if isinstance(rec, dict):
                n = self.faults.pick(seq, 1000, 10, j)
                # Unknown fields of the kinds Kalshi adds over time: a scalar, a nested object, a list.
                rec[f"sandbox_drift_{n:03d}"] = "added"
                rec["x_extension"] = {"source": "sandbox", "version": n}
                rec["experimental_flags"] = [n % 7, n % 11]
        for j in bad:
            rec = records[j]
            if isinstance(rec, dict):
                records[j] = _bad_record(rec, kind, self.faults.pick(seq, 4, 20, j))

    # -- rate limiting ------------------------------------------------------------------------
    def _take_token(self, key: str, method: str) -> bool:
        with self._bucket_lock:
            buckets = self._buckets.get(key)
            if buckets is None:
                tier = TIERS[self.config.tier]
                # Capacity is one second of tokens: bursts above the tier's rate are refused.
                buckets = _Buckets(
                    read=TokenBucket(rate=tier.read_tokens_per_s, capacity=tier.read_tokens_per_s),
                    write=TokenBucket(rate=tier.write_tokens_per_s, capacity=tier.write_tokens_per_s),
                )
                self._buckets[key] = buckets
        bucket = buckets.read if method in ("GET", "HEAD") else buckets.write
        # Real monotonic time, even when the world clock is frozen: rate limits are about wall time.
        return bucket.try_take(DEFAULT_REQUEST_COST, time.monotonic())

    # -- responses ----------------------------------------------------------------------------
    @staticmethod
    def _too_many() -> SandboxResponse:
        # Exactly Kalshi's body, and no Retry-After header (DESIGN.md §6).
        return SandboxResponse(429, {"content-type": JSON_TYPE}, TOO_MANY_REQUESTS)

    def _server_error(self, seq: int) -> SandboxResponse:
        status = (500, 502, 503)[self.faults.pick(seq, 3, 30)]
        if status == 500:
            return self._error(500, "internal_server_error", "internal server error")
        return SandboxResponse(status, {"content-type": "text/html"}, HTML_502 if status == 502 else HTML_503)

    @staticmethod
    def _error(status: int, code: str, message: str, details: str | None = None, service: str = "exchange") -> SandboxResponse:
        return SandboxResponse(status, {"content-type": JSON_TYPE}, dumps(error_body(code, message, details, service)))

    def _count(self, label: str, status: int) -> None:
        with self._state.lock:
            self.stats[(label, status)] += 1


def _bad_record(rec: dict, kind: str, choice: int) -> dict:
    """One invalid value, of a kind a parser must catch: price outside [0, 1], non-numeric price,
    unknown status, or the natural key missing."""
    rec = dict(rec)
    key_field = {"market": "ticker", "trade": "ticker", "event": "event_ticker", "series": "ticker",
                 "candle": "end_period_ts"}.get(kind, "ticker")
    price_fields = [k for k in rec if k.endswith("_dollars") and isinstance(rec[k], str)]
    if kind == "candle":
        price_fields = ["yes_bid"] if "yes_bid" in rec else []
    if choice == 0 and price_fields:
        if kind == "candle":
            rec["yes_bid"] = {**rec["yes_bid"], next(iter(rec["yes_bid"])): "1.2500"}
        else:
            rec[price_fields[0]] = "1.2500"
    elif choice == 1 and price_fields:
        if kind == "candle":
            rec["yes_bid"] = {**rec["yes_bid"], next(iter(rec["yes_bid"])): "abc"}
        else:
            rec[price_fields[-1]] = "abc"
    elif choice == 2 and ("status" in rec or "taker_side" in rec):
        rec["status" if "status" in rec else "taker_side"] = "sideways"
    else:
        rec.pop(key_field, None)
    return rec


def parse_query(raw: str) -> list[tuple[str, str]]:
    return parse_qsl(raw, keep_blank_values=True)
