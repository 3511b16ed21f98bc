"""Kalshi WebSocket v2 client: signed connections that capture every frame of a bounded window.

One :class:`KalshiWsConnection` is one socket under one API key: it signs the handshake
(``timestamp + "GET" + "/trade-api/ws/v2"``, the same recipe as REST), subscribes, watches each
order-book subscription's ``seq`` and, on a gap, drops that subscription and subscribes again so a
fresh snapshot replaces the book that can no longer be trusted. When the socket fails it reconnects
after 1, 2, 4, 8 ... 60 s (``clients.http.RetryPolicy.backoff_cap`` with base 1 s, cap 60 s: the
project's one backoff policy) and subscribes to everything again. Kalshi's heartbeat Pings are
answered with Pongs by the websockets library; the client pings too, so a dead socket is noticed.

:class:`KalshiWsCapture` runs several connections at once (one per API key) in a background thread,
shares the market list out between them and records every frame with its receive time and
connection. It knows nothing of books: rebuilding them is ``core.orderbook``'s job.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus

from kalshi_platform.clients.http import RetryPolicy
from kalshi_platform.clients.kalshi.auth import KalshiSigner
from kalshi_platform.core.orderbook.book import SequenceTracker

logger = logging.getLogger(__name__)

KALSHI_WS_URLS = {
    "demo": "wss://demo-api.kalshi.co/trade-api/ws/v2",
    "prod": "wss://external-api-ws.kalshi.com/trade-api/ws/v2",
}
WS_PATH = "/trade-api/ws/v2"
CHANNELS = ("orderbook_delta", "ticker", "trade", "fill", "market_lifecycle_v2")
MARKET_CHANNELS = frozenset({"orderbook_delta", "ticker", "trade"})  # subscribed per market share
GLOBAL_CHANNELS = frozenset({"market_lifecycle_v2"})  # every market: one connection is enough
ACCOUNT_CHANNELS = frozenset({"fill"})  # the key's own account: every signed connection
PRIVATE_CHANNELS = frozenset({"orderbook_delta", "fill"})
BOOK_TYPES = frozenset({"orderbook_snapshot", "orderbook_delta"})
# Kalshi's error codes after which asking again cannot help (auth, unknown channel or market...).
PERMANENT_ERRORS = frozenset({3, 8, 9, 11, 14, 16})

# 1, 2, 4, 8 ... 60 s between attempts; bounded so a window never waits on a dead host for ever.
RECONNECT_POLICY = RetryPolicy(max_attempts=1000, base_delay_s=1.0, max_delay_s=60.0, max_total_s=24 * 3600.0)


def reconnect_delay(policy: RetryPolicy, failures: int) -> float:
    """Seconds before reconnect attempt number ``failures`` (0 = the first after a drop)."""
    return policy.backoff_cap(failures)


@dataclass(frozen=True)
class Frame:
    connection_id: str
    connection_slot: int
    connection_attempt: int
    frame_no: int
    received_at: datetime
    frame_text: str


@dataclass
class Subscription:
    channel: str
    tickers: list[str] | None
    sid: int | None = None  # set by the server's "subscribed"
    retired: bool = False  # replaced after a gap; late frames of it are ignored


@dataclass
class ConnectionStats:
    slot: int
    connects: int = 0
    reconnects: int = 0
    resubscriptions: int = 0  # subscribe commands sent again after a reconnect
    gaps: int = 0  # order-book sequence gaps seen
    resnapshots: int = 0  # subscriptions replaced to get a fresh snapshot
    other_gaps: int = 0  # gaps on trade / lifecycle subscriptions (nothing to repair)
    frames: int = 0
    errors: list[str] = field(default_factory=list)
    delays: list[float] = field(default_factory=list)  # reconnect waits, in order

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k not in ("errors", "delays")} | {
            "errors": len(self.errors)}


class KalshiWsConnection:
    """One socket and its subscriptions; :meth:`run` keeps it alive until ``stop`` is set."""

    def __init__(
        self,
        url: str,
        *,
        slot: int,
        capture_id: str,
        subscriptions: Sequence[tuple[str, list[str] | None]],
        signer: KalshiSigner | None = None,
        sink: Callable[[Frame], None],
        reconnect: RetryPolicy = RECONNECT_POLICY,
        open_timeout_s: float = 10.0,
        ping_interval_s: float | None = 10.0,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.url = url
        self.slot = slot
        self.capture_id = capture_id
        self.signer = signer
        self.wanted = [Subscription(ch, list(t) if t is not None else None) for ch, t in subscriptions]
        self._sink = sink
        self.reconnect = reconnect
        self.open_timeout_s = open_timeout_s
        self.ping_interval_s = ping_interval_s
        self._clock = clock
        self.stats = ConnectionStats(slot=slot)
        self._ws: ClientConnection | None = None
        self._next_id = 0
        self._pending: dict[int, Subscription] = {}
        self._by_sid: dict[int, Subscription] = {}
        self._tracker = SequenceTracker()
        self.connected = asyncio.Event()

    # -- commands (while connected) -----------------------------------------------------------
    async def _send(self, cmd: str, params: dict | None = None) -> int:
        if self._ws is None:
            raise RuntimeError("not connected")
        self._next_id += 1
        body: dict[str, Any] = {"id": self._next_id, "cmd": cmd}
        if params is not None:
            body["params"] = params
        await self._ws.send(orjson.dumps(body).decode())
        return self._next_id

    async def subscribe(self, channels: Sequence[str], tickers: Sequence[str] | None = None) -> int:
        """Ask for ``channels`` (of ``tickers``, or every market when None); returns the command id."""
        params: dict[str, Any] = {"channels": list(channels)}
        if tickers:
            params["market_tickers"] = list(tickers)
        return await self._send("subscribe", params)

    async def unsubscribe(self, sids: Sequence[int]) -> int:
        return await self._send("unsubscribe", {"sids": list(sids)})

    async def update_subscription(self, sid: int, tickers: Sequence[str], action: str) -> int:
        """``action``: ``add_markets`` (snapshots follow for order books) or ``delete_markets``."""
        if action not in ("add_markets", "delete_markets"):
            raise ValueError(f"action must be add_markets or delete_markets, got {action!r}")
        cmd_id = await self._send("update_subscription", {"sids": [sid], "market_tickers": list(tickers),
                                                          "action": action})
        sub = self._by_sid.get(sid)
        if sub is not None and sub.tickers is not None:
            if action == "add_markets":
                sub.tickers.extend(t for t in tickers if t not in sub.tickers)
            else:
                sub.tickers = [t for t in sub.tickers if t not in tickers]
        return cmd_id

    async def _request(self, sub: Subscription) -> None:
        cmd_id = await self.subscribe([sub.channel], sub.tickers)
        self._pending[cmd_id] = sub

    def subscriptions(self) -> dict[int, Subscription]:
        """Live subscriptions by sid."""
        return {sid: s for sid, s in self._by_sid.items() if not s.retired}

    # -- the connection loop ------------------------------------------------------------------
    async def run(self, stop: asyncio.Event) -> None:
        attempt = 0
        failures = 0
        while not stop.is_set():
            healthy = False
            try:
                healthy = await self._session(attempt, stop)
            except InvalidStatus as exc:
                status = exc.response.status_code
                self.stats.errors.append(f"handshake refused: HTTP {status}")
                if status in (401, 403, 404):
                    # Wrong key or URL: retrying cannot fix it.
                    logger.error("kalshi ws slot %d: handshake refused (HTTP %d); giving up", self.slot, status)
                    return
            except (ConnectionClosed, InvalidHandshake, OSError, asyncio.TimeoutError) as exc:
                self.stats.errors.append(f"{type(exc).__name__}: {exc}")
                logger.warning("kalshi ws slot %d: connection lost (%s)", self.slot, exc)
            finally:
                self._ws = None
                self.connected.clear()
            if stop.is_set():
                return
            if healthy:
                failures = 0  # the last connection worked: start the backoff again from 1 s
            if failures + 1 >= self.reconnect.max_attempts:
                self.stats.errors.append(f"gave up after {failures + 1} failed attempts")
                return
            delay = reconnect_delay(self.reconnect, failures)
            failures += 1
            attempt += 1
            self.stats.delays.append(delay)
            try:
                await asyncio.wait_for(stop.wait(), timeout=delay)
                return
            except asyncio.TimeoutError:
                pass

    async def _session(self, attempt: int, stop: asyncio.Event) -> bool:
        """One connection, until it fails or ``stop``; True when it got as far as a subscription."""
        headers = self.signer.headers("GET", WS_PATH) if self.signer is not None else {}
        connection_id = f"{self.capture_id}:{self.slot}:{attempt}"
        async with connect(
            self.url, additional_headers=headers, open_timeout=self.open_timeout_s,
            ping_interval=self.ping_interval_s, ping_timeout=self.ping_interval_s, compression=None,
            max_size=None, max_queue=None, proxy=None,
        ) as ws:
            self._ws = ws
            self.stats.connects += 1
            if attempt:
                self.stats.reconnects += 1
            self._pending.clear()
            self._by_sid.clear()
            self._tracker = SequenceTracker()
            for sub in self.wanted:
                sub.sid, sub.retired = None, False
                await self._request(sub)
                if attempt:
                    self.stats.resubscriptions += 1
            self.connected.set()
            healthy = False
            frame_no = 0
            stopping = asyncio.create_task(stop.wait())
            try:
                while True:
                    receiving = asyncio.create_task(ws.recv())
                    done, _ = await asyncio.wait({receiving, stopping}, return_when=asyncio.FIRST_COMPLETED)
                    if receiving not in done:
                        receiving.cancel()
                        await asyncio.gather(receiving, return_exceptions=True)
                        await ws.close()
                        return True
                    raw = receiving.result()
                    received_at = self._clock()
                    text = raw if isinstance(raw, str) else raw.decode("utf-8", errors="replace")
                    self._sink(Frame(connection_id, self.slot, attempt, frame_no, received_at, text))
                    frame_no += 1
                    self.stats.frames += 1
                    if await self._handle(text):
                        healthy = True
            except ConnectionClosed as exc:
                self.stats.errors.append(f"connection closed by the server or the network ({exc})")
                logger.warning("kalshi ws slot %d: connection closed (%s)", self.slot, exc)
                return healthy
            finally:
                if not stopping.done():
                    stopping.cancel()

    async def _handle(self, text: str) -> bool:
        """React to one frame; True for a subscription confirmed."""
        try:
            body = orjson.loads(text)
        except orjson.JSONDecodeError:
            return False  # kept as a frame; the parser records it as a reject
        if not isinstance(body, dict):
            return False
        kind = body.get("type")
        sid = body.get("sid")
        if kind == "subscribed":
            sub = self._pending.pop(body.get("id"), None)
            msg = body.get("msg") or {}
            if sub is not None and isinstance(msg.get("sid"), int):
                sub.sid = msg["sid"]
                self._by_sid[sub.sid] = sub
            return True
        if kind == "error":
            sub = self._pending.pop(body.get("id"), None)
            msg = body.get("msg") or {}
            self.stats.errors.append(f"server error {msg.get('code')}: {msg.get('msg')}")
            if sub is not None and msg.get("code") in PERMANENT_ERRORS and sub in self.wanted:
                # Asking again after a reconnect would be refused the same way.
                self.wanted.remove(sub)
            return False
        if kind == "unsubscribed":
            if isinstance(sid, int):
                self._by_sid.pop(sid, None)
                self._tracker.forget(sid)
            return False
        seq = body.get("seq")
        if not isinstance(sid, int) or not isinstance(seq, int):
            return False
        sub = self._by_sid.get(sid)
        if sub is None or sub.retired:
            return False
        gap = self._tracker.check(sid, seq)
        if gap is None:
            return False
        if kind in BOOK_TYPES:
            self.stats.gaps += 1
            logger.warning("kalshi ws slot %d: order-book gap on sid %d (expected seq %d, got %d); resnapshotting",
                           self.slot, sid, gap.expected, gap.got)
            await self._resnapshot(sub)
        else:
            self.stats.other_gaps += 1
        return False

    async def _resnapshot(self, sub: Subscription) -> None:
        """Replace a broken order-book subscription: unsubscribe it, subscribe its markets afresh."""
        old_sid = sub.sid
        sub.retired = True
        self.stats.resnapshots += 1
        fresh = Subscription(sub.channel, list(sub.tickers) if sub.tickers is not None else None)
        if sub in self.wanted:
            self.wanted[self.wanted.index(sub)] = fresh
        if old_sid is not None:
            await self.unsubscribe([old_sid])
        await self._request(fresh)


# --------------------------------------------------------------------------------------------------
# several connections


def share_markets(markets: Sequence[str], connections: int) -> list[list[str]]:
    """Round-robin, so the busiest markets (listed first) are spread over every connection."""
    n = max(1, connections)
    return [list(markets[i::n]) for i in range(n)]


def plan_subscriptions(
    markets: Sequence[str], channels: Sequence[str], slot: int, signed: bool
) -> list[tuple[str, list[str] | None]]:
    plan: list[tuple[str, list[str] | None]] = []
    for channel in channels:
        if channel not in CHANNELS:
            raise ValueError(f"unknown Kalshi WebSocket channel {channel!r}; expected one of {', '.join(CHANNELS)}")
        if channel in PRIVATE_CHANNELS and not signed:
            continue  # Kalshi refuses these without a key (error 9); not worth a refused command
        if channel in MARKET_CHANNELS:
            if markets:
                plan.append((channel, list(markets)))
        elif channel in GLOBAL_CHANNELS:
            if slot == 0:
                plan.append((channel, None))
        else:
            plan.append((channel, None))
    return plan


@dataclass
class CaptureResult:
    capture_id: str
    frames: list[Frame]
    stats: list[ConnectionStats]
    started_at: datetime
    ended_at: datetime

    def totals(self) -> dict[str, int]:
        keys = ("connects", "reconnects", "resubscriptions", "gaps", "resnapshots", "other_gaps", "frames")
        return {k: sum(getattr(s, k) for s in self.stats) for k in keys} | {
            "errors": sum(len(s.errors) for s in self.stats)}


class KalshiWsCapture:
    """Several connections (one per signer; ``None`` = unsigned) capturing in a background thread.

    ``with KalshiWsCapture(...) as cap: ...`` runs it for as long as the block; ``run_for(s)`` for a
    fixed window. Frames are collected in receipt order per connection.
    """

    def __init__(
        self,
        url: str,
        *,
        markets: Sequence[str],
        capture_id: str,
        channels: Sequence[str] = CHANNELS,
        signers: Sequence[KalshiSigner | None] = (None,),
        reconnect: RetryPolicy = RECONNECT_POLICY,
        open_timeout_s: float = 10.0,
        ping_interval_s: float | None = 10.0,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        if not signers:
            raise ValueError("at least one connection is needed (signers=[None] for an unsigned one)")
        self.url = url
        self.capture_id = capture_id
        self._clock = clock
        self._frames: list[Frame] = []
        self._lock = threading.Lock()
        shares = share_markets(markets, len(signers))
        self.connections = [
            KalshiWsConnection(
                url, slot=slot, capture_id=capture_id, signer=signer, sink=self._collect,
                subscriptions=plan_subscriptions(shares[slot], channels, slot, signer is not None),
                reconnect=reconnect, open_timeout_s=open_timeout_s, ping_interval_s=ping_interval_s, clock=clock,
            )
            for slot, signer in enumerate(signers)
        ]
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._thread: threading.Thread | None = None
        self._started = threading.Event()
        self._result: CaptureResult | None = None
        self.started_at: datetime | None = None

    def _collect(self, frame: Frame) -> None:
        with self._lock:
            self._frames.append(frame)

    @property
    def frames(self) -> list[Frame]:
        with self._lock:
            return list(self._frames)

    def start(self) -> KalshiWsCapture:
        self.started_at = self._clock()
        self._thread = threading.Thread(target=self._run, name=f"kalshi-ws-{self.capture_id}", daemon=True)
        self._thread.start()
        if not self._started.wait(10):
            raise RuntimeError("the WebSocket capture thread did not start")
        return self

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            loop.run_until_complete(self._main())
        finally:
            loop.close()

    async def _main(self) -> None:
        self._stop = asyncio.Event()
        self._started.set()
        await asyncio.gather(*(c.run(self._stop) for c in self.connections), return_exceptions=False)

    def call(self, fn: Callable[[], Awaitable[Any]], timeout_s: float = 10.0) -> Any:
        """Run a coroutine (e.g. ``lambda: conn.unsubscribe([1])``) on the capture's loop, from any thread."""
        if self._loop is None:
            raise RuntimeError("the capture is not running")
        return asyncio.run_coroutine_threadsafe(fn(), self._loop).result(timeout_s)

    def wait_connected(self, timeout_s: float = 10.0) -> bool:
        """True once every connection is open and subscribing."""
        async def all_connected() -> None:
            await asyncio.gather(*(c.connected.wait() for c in self.connections))
        try:
            self.call(lambda: asyncio.wait_for(all_connected(), timeout_s), timeout_s + 1)
            return True
        except (asyncio.TimeoutError, TimeoutError):
            return False

    def stop(self) -> CaptureResult:
        """End the window (idempotent) and return everything captured."""
        if self._result is not None:
            return self._result
        if self._loop is not None and self._stop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._stop.set)
        if self._thread is not None:
            self._thread.join(timeout=30)
        self._result = CaptureResult(
            capture_id=self.capture_id,
            frames=self.frames,
            stats=[c.stats for c in self.connections],
            started_at=self.started_at or self._clock(),
            ended_at=self._clock(),
        )
        return self._result

    def run_for(self, seconds: float) -> CaptureResult:
        import time

        self.start()
        time.sleep(seconds)
        return self.stop()

    def __enter__(self) -> KalshiWsCapture:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
