"""The one retry / backoff / rate-limit loop every HTTP client of the platform goes through.

Kalshi, the spot exchanges, Open-Meteo, The Odds API and Telegram all reach the wire through
:class:`HttpClient`, so they share one set of rules (DESIGN.md §6):

- a token bucket is paid before every send (separate read and write buckets);
- only idempotent requests are retried, on 429, 5xx, timeouts / transport errors and unreadable JSON;
- backoff is exponential with full jitter, bounded in attempts and in total time;
- other 4xx are never retried and raise a typed error naming status, method, path and the server's
  message -- never a header, key or any registered secret;
- every unreadable payload becomes a reject row (``core.rejects``), even when a retry then succeeds.

Sleep, clock and randomness are injected so tests run instantly and deterministically.
"""

from __future__ import annotations

import email.utils
import json
import logging
import random
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx

from kalshi_platform.core.rejects import make_reject
from kalshi_platform.core.token_bucket import DEFAULT_REQUEST_COST, Tier, TokenBucket

logger = logging.getLogger(__name__)

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "DELETE"})
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

# Why an attempt failed in a way worth retrying; also the keys of HttpStats.retries / failures.
RATE_LIMITED = "rate_limited"
SERVER_ERROR = "server_error"
TIMEOUT = "timeout"
TRANSPORT = "transport"
MALFORMED_JSON = "malformed_json"
TRUNCATED_JSON = "truncated_json"
EMPTY_BODY = "empty_body"
BAD_SHAPE = "bad_shape"

# A body quoted in an error message is cut to this many characters.
_ERROR_SNIPPET = 300

Validator = Callable[[Any], "str | None"]
AuthHeaders = Callable[[str, str], Mapping[str, str]]


# --------------------------------------------------------------------------------------------------
# Errors


class HttpError(Exception):
    """Base of every error this layer raises. ``label`` is "<client> <METHOD> <path>", secret-free."""

    def __init__(self, message: str, *, method: str = "", path: str = "", label: str = "") -> None:
        super().__init__(message)
        self.method = method
        self.path = path
        self.label = label


class ClientRequestError(HttpError):
    """A 4xx other than 429 (or an unexpected 3xx): the request itself is wrong, so it is never retried."""

    def __init__(
        self,
        *,
        status: int,
        method: str,
        path: str,
        label: str,
        server_message: str,
        code: str | None = None,
    ) -> None:
        detail = f"{code}: {server_message}" if code and server_message else (server_message or code or "")
        super().__init__(f"{label} -> HTTP {status}: {detail}".rstrip(": "), method=method, path=path, label=label)
        self.status = status
        self.server_message = server_message
        self.code = code


class AuthError(ClientRequestError):
    """401 / 403: missing, wrong or insufficient credentials."""


class NotFoundError(ClientRequestError):
    """404: the resource (ticker, order id, ...) does not exist."""


class TransientError(HttpError):
    """One attempt failed for a reason that a retry may cure (429, 5xx, timeout, unreadable body).

    Raised as is when the request may not be retried (a non-idempotent POST): the caller must then
    find out whether the server acted on it before trying again.
    """

    def __init__(
        self,
        reason: str,
        detail: str,
        *,
        method: str,
        path: str,
        label: str,
        status: int | None = None,
        retry_after_s: float | None = None,
    ) -> None:
        status_text = f"HTTP {status} " if status is not None else ""
        super().__init__(f"{label}: {status_text}{reason}: {detail}", method=method, path=path, label=label)
        self.reason = reason
        self.detail = detail
        self.status = status
        self.retry_after_s = retry_after_s


class RetryExhausted(HttpError):
    """The retry budget (attempts or total time) ran out; ``last_error`` says what kept failing."""

    def __init__(
        self, last_error: TransientError, attempts: int, elapsed: float, why: str = "retry budget used"
    ) -> None:
        super().__init__(
            f"{last_error.label}: gave up after {attempts} attempt(s) in {elapsed:.2f}s ({why}); "
            f"last error: {last_error}",
            method=last_error.method,
            path=last_error.path,
            label=last_error.label,
        )
        self.last_error = last_error
        self.attempts = attempts
        self.elapsed = elapsed
        self.why = why


# --------------------------------------------------------------------------------------------------
# Policy, stats, rejects, rate limiter


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 8
    base_delay_s: float = 0.25
    max_delay_s: float = 8.0
    max_total_s: float = 60.0

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if self.base_delay_s < 0 or self.max_delay_s < 0 or self.max_total_s <= 0:
            raise ValueError("delays must be non-negative and max_total_s positive")

    def backoff_cap(self, retry_index: int) -> float:
        """Upper bound of the sleep before retry number ``retry_index`` (0 for the first retry)."""
        # min() before the power would overflow floats for absurd indexes; cap the exponent instead.
        return min(self.max_delay_s, self.base_delay_s * 2 ** min(retry_index, 64))

    def backoff(self, retry_index: int, rng: random.Random) -> float:
        # Full jitter: uniform over [0, cap] spreads concurrent retriers apart (AWS architecture blog).
        return rng.uniform(0.0, self.backoff_cap(retry_index))


class HttpStats:
    """Counters a benchmark or an asset's metadata can read; safe to share between threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.calls = 0  # logical requests (one per request() call)
        self.requests = 0  # attempts actually sent
        self.statuses: dict[int, int] = {}
        self.retries: dict[str, int] = {}
        self.failures: dict[str, int] = {}  # calls that ended in an error, by why
        self.rejects = 0
        self.backoff_sleep_s = 0.0
        self.rate_limit_wait_s = 0.0

    @property
    def total_sleep_s(self) -> float:
        return self.backoff_sleep_s + self.rate_limit_wait_s

    @property
    def total_retries(self) -> int:
        return sum(self.retries.values())

    def bump(self, counter: dict, key: Any) -> None:
        with self._lock:
            counter[key] = counter.get(key, 0) + 1

    def add(self, name: str, amount: float) -> None:
        with self._lock:
            setattr(self, name, getattr(self, name) + amount)

    def as_dict(self) -> dict[str, int | float]:
        """Flat name -> number, ready for Dagster metadata or a benchmark row."""
        with self._lock:
            out: dict[str, int | float] = {
                "calls": self.calls,
                "requests": self.requests,
                "retries": sum(self.retries.values()),
                "rejects": self.rejects,
                "backoff_sleep_s": round(self.backoff_sleep_s, 6),
                "rate_limit_wait_s": round(self.rate_limit_wait_s, 6),
                "total_sleep_s": round(self.backoff_sleep_s + self.rate_limit_wait_s, 6),
            }
            out.update({f"retries.{k}": v for k, v in sorted(self.retries.items())})
            out.update({f"failures.{k}": v for k, v in sorted(self.failures.items())})
            out.update({f"status.{k}": v for k, v in sorted(self.statuses.items())})
        return out

    def __repr__(self) -> str:
        return f"HttpStats({self.as_dict()})"


class RejectLog:
    """Reject rows gathered during one batch; the batch drains them into ``raw.rejects``."""

    def __init__(self, batch_id: str | None = None, *, clock: Callable[[], datetime] | None = None) -> None:
        # Ad-hoc use (a notebook, the CLI) still gets a batch id so the rows are well formed.
        self.batch_id = batch_id or f"adhoc-{uuid.uuid4().hex[:12]}"
        self._clock = clock or (lambda: datetime.now(UTC))
        self._rows: list[dict] = []
        self._lock = threading.Lock()

    def add(
        self,
        *,
        source: str,
        kind: str,
        reason: str,
        body: str | bytes,
        natural_key: str | None = None,
    ) -> dict:
        row = make_reject(
            source=source,
            kind=kind,
            reason=reason,
            body=body,
            fetched_at=self._clock(),
            batch_id=self.batch_id,
            natural_key=natural_key,
        )
        self.append(row)
        return row

    record = add

    def append(self, row: dict) -> None:
        with self._lock:
            self._rows.append(row)

    def extend(self, rows: Iterable[dict]) -> None:
        with self._lock:
            self._rows.extend(rows)

    def drain(self) -> list[dict]:
        """Everything recorded so far, and empty the log (so a row is written once)."""
        with self._lock:
            rows, self._rows = self._rows, []
        return rows

    def __len__(self) -> int:
        return len(self._rows)

    def __iter__(self) -> Iterator[dict]:
        with self._lock:
            return iter(list(self._rows))

    def __getitem__(self, index: int) -> dict:
        return self._rows[index]

    def __repr__(self) -> str:
        return f"RejectLog(batch_id={self.batch_id!r}, rows={len(self._rows)})"


def _burst(per_s: float, cost: float) -> float:
    return max(per_s - 1, 1) * cost


class RateLimiter:
    """A read and a write :class:`TokenBucket`, plus a short pause after the server said 429."""

    def __init__(self, read: TokenBucket, write: TokenBucket, *, cost: float = DEFAULT_REQUEST_COST) -> None:
        self.read = read
        self.write = write
        self.cost = cost
        self._paused_until = {"read": 0.0, "write": 0.0}
        self._lock = threading.Lock()

    @classmethod
    def per_second(cls, read_per_s: float, write_per_s: float, *, cost: float = DEFAULT_REQUEST_COST) -> RateLimiter:
        """Requests per second (as Kalshi's /account/limits reports them) -> buckets of tokens.

        The server counts a request when it arrives, the client when it sends; if the first request
        arrived late (connection set-up, TLS) a later, faster one would find the server a few tokens
        short. So the client's burst is one request smaller than the server's: one request's worth of
        headroom (50 ms at Basic) for arrival jitter, at a cost of one request per run.
        """
        return cls(
            TokenBucket(rate=read_per_s * cost, capacity=_burst(read_per_s, cost)),
            TokenBucket(rate=write_per_s * cost, capacity=_burst(write_per_s, cost)),
            cost=cost,
        )

    @classmethod
    def from_tier(cls, tier: Tier) -> RateLimiter:
        return cls.per_second(tier.read_per_s, tier.write_per_s)

    def resize(self, read_per_s: float, write_per_s: float) -> None:
        self.read.set_rate(read_per_s * self.cost, _burst(read_per_s, self.cost))
        self.write.set_rate(write_per_s * self.cost, _burst(write_per_s, self.cost))

    def bucket(self, kind: str) -> TokenBucket:
        return self.read if kind == "read" else self.write

    def reserve(self, kind: str, now: float, cost: float | None = None) -> float:
        """Pay for one request now; returns how long to wait before sending it."""
        wait = self.bucket(kind).reserve(self.cost if cost is None else cost, now)
        with self._lock:
            paused = self._paused_until[kind] - now
        return max(wait, paused, 0.0)

    def pause(self, kind: str, seconds: float, now: float) -> None:
        # Other threads sharing this limiter hold off too, instead of hammering a server that said 429.
        with self._lock:
            self._paused_until[kind] = max(self._paused_until[kind], now + seconds)


# --------------------------------------------------------------------------------------------------
# Payload checks


def require_object(*keys: str, lists: Iterable[str] = ()) -> Validator:
    """Validator: the body is a JSON object holding ``keys``; each of ``lists`` is a list or null.

    Null is accepted for lists because Kalshi's Go backend serialises an empty slice as ``null``.
    """
    list_keys = tuple(lists)

    def check(body: Any) -> str | None:
        if not isinstance(body, dict):
            return f"expected a JSON object, got {_json_type(body)}"
        for key in (*keys, *list_keys):
            if key not in body:
                return f"missing key {key!r}"
        for key in list_keys:
            if body[key] is not None and not isinstance(body[key], list):
                return f"{key!r} should be a list, got {_json_type(body[key])}"
        return None

    return check


def _json_type(value: Any) -> str:
    return {dict: "object", list: "array", str: "string", bool: "boolean", type(None): "null"}.get(
        type(value), "number" if isinstance(value, (int, float)) else type(value).__name__
    )


def _decode_json(content: bytes) -> tuple[Any, str | None, str]:
    """-> (value, failure reason or None, human detail)."""
    if not content.strip():
        return None, EMPTY_BODY, "empty body"
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError as exc:
        return None, MALFORMED_JSON, f"body is not UTF-8 ({exc.reason} at byte {exc.start})"
    try:
        return json.loads(text), None, ""
    except json.JSONDecodeError as exc:
        # An error at the very end of the text, or a string still open at the end, means the
        # document stopped early: a cut connection rather than a server writing bad JSON.
        if exc.pos >= len(text.rstrip()) or exc.msg.startswith("Unterminated string"):
            return None, TRUNCATED_JSON, f"truncated JSON ({exc.msg} at char {exc.pos} of {len(text)})"
        return None, MALFORMED_JSON, f"malformed JSON ({exc.msg} at char {exc.pos} of {len(text)})"


def _server_message(response: httpx.Response) -> tuple[str, str | None]:
    """Kalshi's error text from any of its shapes: {"error": {"code","message"}}, {"code","message"}
    or {"error": "..."}; else the start of the body."""
    text = response.text
    try:
        body = json.loads(text)
    except ValueError:
        body = None
    if isinstance(body, dict):
        err = body.get("error", body)
        if isinstance(err, str):
            return err, None
        if isinstance(err, dict):
            message = err.get("message") or err.get("details") or err.get("description")
            code = err.get("code")
            if message or code:
                return str(message or ""), (str(code) if code is not None else None)
    snippet = " ".join(text.split())[:_ERROR_SNIPPET]
    return snippet or response.reason_phrase, None


def _retry_after_s(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


# --------------------------------------------------------------------------------------------------
# The client


class _SecretScrubber(logging.Filter):
    """Masks registered secrets in httpx's own log lines ("HTTP Request: GET <full url> ...").

    httpx logs the whole URL at INFO, which would carry a token kept in a path (Telegram) or in a
    query string (The Odds API); this filter is the only place those lines can be cleaned.
    """

    def __init__(self) -> None:
        super().__init__()
        self.secrets: set[str] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        if self.secrets:
            message = record.getMessage()
            if any(secret in message for secret in self.secrets):
                for secret in self.secrets:
                    message = message.replace(secret, "***")
                record.msg, record.args = message, None
        return True


_HTTPX_LOG_SCRUBBER = _SecretScrubber()
logging.getLogger("httpx").addFilter(_HTTPX_LOG_SCRUBBER)


class HttpClient:
    """httpx client + the shared retry loop. One instance per upstream (name + base URL).

    ``secrets`` are strings (API keys, bot tokens) that must never appear in an error, a log line or
    a reject row; they are replaced by ``***`` wherever this layer writes text.
    """

    def __init__(
        self,
        name: str,
        base_url: str,
        *,
        transport: httpx.BaseTransport | None = None,
        retry: RetryPolicy | None = None,
        timeout_s: float = 15.0,
        limiter: RateLimiter | None = None,
        reject_log: RejectLog | None = None,
        headers: Mapping[str, str] | None = None,
        secrets: Iterable[str] = (),
        sleep: Callable[[float], None] = time.sleep,
        monotonic: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
    ) -> None:
        self.name = name
        self.base_url = base_url
        self.retry = retry or RetryPolicy()
        self.timeout_s = timeout_s
        self.limiter = limiter
        self.reject_log = reject_log if reject_log is not None else RejectLog()
        self.stats = HttpStats()
        self._secrets: list[str] = []
        for secret in secrets:
            self.add_secret(secret)
        self._sleep = sleep
        self._monotonic = monotonic
        self._rng = rng or random.Random()
        self._client = httpx.Client(
            base_url=base_url,
            transport=transport,
            timeout=timeout_s,
            headers=dict(headers or {}),
            follow_redirects=False,
        )

    # -- lifecycle
    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def add_secret(self, secret: str) -> None:
        if secret:
            self._secrets.append(secret)
            _HTTPX_LOG_SCRUBBER.secrets.add(secret)

    def scrub(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text

    # -- public entry points
    def request_json(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json_body: Any = None,
        auth: AuthHeaders | None = None,
        idempotent: bool | None = None,
        validate: Validator | None = None,
        reject_kind: str = "page",
        cost: float | None = None,
    ) -> Any:
        """Send with retries and return the decoded JSON body (None for 204).

        ``validate(body)`` returns why the body has the wrong shape (or None); such a body counts as
        unreadable: it is recorded as a reject and, for idempotent requests, retried.
        """

        def decode(response: httpx.Response) -> tuple[Any, str | None, str]:
            if response.status_code == 204:
                return None, None, ""
            value, reason, detail = _decode_json(response.content)
            if reason is None and validate is not None:
                problem = validate(value)
                if problem:
                    return None, BAD_SHAPE, f"wrong shape: {problem}"
            return value, reason, detail

        return self._run(method, path, params, json_body, auth, idempotent, decode, reject_kind, cost)

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json_body: Any = None,
        auth: AuthHeaders | None = None,
        idempotent: bool | None = None,
        cost: float | None = None,
    ) -> httpx.Response:
        """Send with retries and return the 2xx response as is (for non-JSON endpoints)."""
        return self._run(method, path, params, json_body, auth, idempotent, None, "page", cost)

    # -- the loop
    def _run(
        self,
        method: str,
        path: str,
        params: Mapping[str, Any] | None,
        json_body: Any,
        auth: AuthHeaders | None,
        idempotent: bool | None,
        decode: Callable[[httpx.Response], tuple[Any, str | None, str]] | None,
        reject_kind: str,
        cost: float | None,
    ) -> Any:
        method = method.upper()
        retryable = (method in IDEMPOTENT_METHODS) if idempotent is None else idempotent
        kind = "read" if method in READ_METHODS else "write"
        shown_path = self.scrub(path)
        label = f"{self.name} {method} {shown_path}"
        policy = self.retry
        clean_params = {k: v for k, v in (params or {}).items() if v is not None}
        self.stats.add("calls", 1)

        attempt = 0
        while True:
            attempt += 1
            self._pay_limiter(kind, cost)
            if attempt == 1:
                # The budget starts at the first send: queueing behind the rate limiter is not failing.
                start = self._monotonic()
                deadline = start + policy.max_total_s
            remaining = deadline - self._monotonic()
            # The attempt's timeout never reaches past the deadline, so the budget bounds wall time.
            timeout = min(self.timeout_s, max(remaining, 0.001))
            request = self._client.build_request(
                method, path, params=clean_params or None, json=json_body, timeout=timeout
            )
            if auth is not None:
                # Signed per attempt: a retry carries a fresh timestamp and signature.
                signed_path = request.url.raw_path.split(b"?", 1)[0].decode("ascii")
                request.headers.update(auth(method, signed_path))
            self.stats.add("requests", 1)
            failure = self._attempt(request, method, path, shown_path, label, kind, decode, reject_kind)
            if not isinstance(failure, TransientError):
                return failure.value

            elapsed = self._monotonic() - start
            if not retryable:
                self.stats.bump(self.stats.failures, failure.reason)
                logger.warning("%s; not retried (not idempotent)", self.scrub(str(failure)))
                raise failure
            if attempt >= policy.max_attempts:
                self._give_up(failure, attempt, elapsed, f"attempt budget of {policy.max_attempts} used")
            delay = policy.backoff(attempt - 1, self._rng)
            if failure.retry_after_s is not None:
                # Honour the server's hint, but within our own bounds.
                delay = min(failure.retry_after_s, policy.max_delay_s)
            remaining = deadline - self._monotonic()
            if delay >= remaining:
                self._give_up(failure, attempt, elapsed, f"time budget of {policy.max_total_s:g}s used")
            if failure.reason == RATE_LIMITED and self.limiter is not None:
                bucket = self.limiter.bucket(kind)
                self.limiter.pause(kind, max(delay, self.limiter.cost / bucket.rate), self._monotonic())
            self.stats.bump(self.stats.retries, failure.reason)
            logger.warning(
                "%s; retry %d/%d in %.2fs",
                self.scrub(str(failure)),
                attempt,
                policy.max_attempts - 1,
                delay,
            )
            if delay > 0:
                self._sleep(delay)
                self.stats.add("backoff_sleep_s", delay)

    def _give_up(self, failure: TransientError, attempts: int, elapsed: float, why: str) -> None:
        self.stats.bump(self.stats.failures, failure.reason)
        exc = RetryExhausted(failure, attempts, elapsed, why)
        logger.error("%s", self.scrub(str(exc)))
        raise exc from failure

    def _pay_limiter(self, kind: str, cost: float | None) -> None:
        if self.limiter is None:
            return
        wait = self.limiter.reserve(kind, self._monotonic(), cost)
        if wait > 0:
            self._sleep(wait)
            self.stats.add("rate_limit_wait_s", wait)

    def _attempt(
        self,
        request: httpx.Request,
        method: str,
        path: str,
        shown_path: str,
        label: str,
        kind: str,
        decode: Callable[[httpx.Response], tuple[Any, str | None, str]] | None,
        reject_kind: str,
    ) -> _Ok | TransientError:
        def transient(reason: str, detail: str, status: int | None = None, retry_after: float | None = None):
            return TransientError(
                reason,
                self.scrub(detail),
                method=method,
                path=shown_path,
                label=label,
                status=status,
                retry_after_s=retry_after,
            )

        try:
            response = self._client.send(request)
        except httpx.TimeoutException as exc:
            return transient(TIMEOUT, f"{type(exc).__name__}: {exc}")
        except httpx.TransportError as exc:
            # Includes a body cut mid-stream (RemoteProtocolError) and refused connections.
            return transient(TRANSPORT, f"{type(exc).__name__}: {exc}")

        status = response.status_code
        self.stats.bump(self.stats.statuses, status)
        if status == 429 or status >= 500:
            message, code = _server_message(response)
            reason = RATE_LIMITED if status == 429 else SERVER_ERROR
            detail = f"{code}: {message}" if code else message
            return transient(reason, detail, status, _retry_after_s(response))
        if status >= 300:
            if status < 400:
                # Never followed: a redirect would carry the signed headers to wherever it points.
                code = None
                message = f"unexpected redirect to {response.headers.get('location', '?')}"
            else:
                message, code = _server_message(response)
            error_cls = AuthError if status in (401, 403) else NotFoundError if status == 404 else ClientRequestError
            self.stats.bump(self.stats.failures, f"http_{status}")
            exc = error_cls(
                status=status,
                method=method,
                path=shown_path,
                label=label,
                server_message=self.scrub(message),
                code=self.scrub(code) if code else None,
            )
            logger.warning("%s", exc)
            raise exc
        if decode is None:
            return _Ok(response)
        value, reason, detail = decode(response)
        if reason is None:
            return _Ok(value)
        # Recorded now, before any retry: an unreadable page is evidence even if the next one is fine.
        self.reject_log.add(
            source=label,
            kind=reject_kind,
            reason=self.scrub(detail),
            body=self.scrub(response.content.decode("utf-8", errors="replace")),
        )
        self.stats.add("rejects", 1)
        logger.warning("%s: unreadable payload recorded as a reject: %s", label, self.scrub(detail))
        return transient(reason, detail, status)


@dataclass
class _Ok:
    value: Any = field(default=None)


class HttpApiClient:
    """What every single-upstream API client shares over its ``HttpClient`` (``self._http``): closing,
    the context manager, its base URL, request stats and the reject log it writes to."""

    _http: HttpClient

    def close(self) -> None:
        self._http.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def base_url(self) -> str:
        return self._http.base_url

    @property
    def stats(self) -> HttpStats:
        return self._http.stats

    @property
    def reject_log(self) -> RejectLog:
        return self._http.reject_log

    @reject_log.setter
    def reject_log(self, log: RejectLog) -> None:
        # A long-lived client (a Dagster resource) is pointed at each batch's log in turn.
        self._http.reject_log = log

