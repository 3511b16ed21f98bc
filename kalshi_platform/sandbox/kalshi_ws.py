"""Kalshi WebSocket v2 on loopback, driven by the same world as the REST routes.

One endpoint, ``GET /trade-api/ws/v2``. A signed handshake (KALSHI-ACCESS-* headers signing
``timestamp + "GET" + "/trade-api/ws/v2"``) is verified with the exchange's key ring and refused with
401 when wrong; an unsigned one is admitted for the public channels only, as on Kalshi. Commands:
``subscribe``, ``unsubscribe``, ``update_subscription`` (add_markets / delete_markets) and
``list_subscriptions``, answered and refused (numbered error codes) in Kalshi's shapes. Channels:

- ``orderbook_delta`` (signed): an ``orderbook_snapshot`` per market, then ``orderbook_delta``s derived
  from consecutive states of the world's book, so snapshot + deltas equals the REST order book at the
  delta's ``ts``;
- ``ticker``: best bid/ask, last price, volume and open interest when they change;
- ``trade``: the world's trades as they happen;
- ``fill`` (signed): the connection's own account's fills (orders placed over REST with the same key);
- ``market_lifecycle_v2``: created, activated, deactivated, determined and settled, for every market.

Heartbeats: a Ping with body ``heartbeat`` every ``heartbeat_s``; answered Pongs are counted.

Stream clock: the world time the stream shows is the exchange's clock minus a lead that shrinks at
``speed`` world seconds per wall second (``lead_s`` 0: the exchange's clock itself). A capture of
``w`` seconds with ``lead_s = w * speed`` replays the ``w * speed`` world seconds leading up to the
exchange's clock, so a short window shows many book changes and ends at the instant REST serves.

Faults, on request: dropped order-book deltas (the seq number is used up, so the client sees a
gap), at a rate or ``drop_next(n)``; disconnects (the socket is cut without a close frame), at a
rate per data frame or ``disconnect_all()``; frames cut in half (unreadable JSON), at a rate. Draws
are deterministic in the seed.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus

import numpy as np
from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

from kalshi_platform.sandbox import rng
from kalshi_platform.sandbox.auth import AuthError
from kalshi_platform.sandbox.wire import PRICE_ONE, fmt_count, fmt_u4, rfc3339_us
from kalshi_platform.sandbox.world import ACTIVE, DAY, US

logger = logging.getLogger(__name__)

WS_PATH = "/trade-api/ws/v2"
PUBLIC_CHANNELS = frozenset({"ticker", "trade", "market_lifecycle_v2"})
PRIVATE_CHANNELS = frozenset({"orderbook_delta", "fill"})
CHANNELS = PUBLIC_CHANNELS | PRIVATE_CHANNELS
NEEDS_MARKET = frozenset({"orderbook_delta"})
ERRORS = {
    1: "Unable to process message", 2: "Params required", 3: "Channels required", 4: "Subscription IDs required",
    5: "Unknown command", 6: "Already subscribed", 7: "Unknown subscription ID", 8: "Unknown channel name",
    9: "Authentication required", 10: "Channel error", 11: "Invalid parameter",
    12: "Exactly one subscription ID required", 13: "Unsupported action", 14: "Market ticker required",
    15: "Action required", 16: "Market not found", 17: "Internal error",
}
_T_GAP = rng.tag("ws_gap")
_T_CUT = rng.tag("ws_disconnect")
_T_BAD = rng.tag("ws_malformed")


@dataclass(frozen=True)
class WsFaultSpec:
    """Per order-book delta: probability it is dropped (``gap``); per data frame: probability the
    connection is cut right after it (``disconnect``) and that it goes out cut in half (``malformed``)."""

    gap: float = 0.0
    disconnect: float = 0.0
    malformed: float = 0.0

    def __post_init__(self) -> None:
        for name in ("gap", "disconnect", "malformed"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.0 <= value <= 1.0:
                raise ValueError(f"WebSocket fault rate {name}={value!r} must be a number in [0, 1]")


def parse_ws_faults(text: str | None) -> WsFaultSpec:
    """``none`` (or empty) | ``gap=R,disconnect=R,malformed=R`` with rates in [0, 1]."""
    text = (text or "").strip().lower()
    if text in ("", "none"):
        return WsFaultSpec()
    values: dict[str, float] = {}
    for item in text.split(","):
        name, sep, raw = item.strip().partition("=")
        if not sep or name not in ("gap", "disconnect", "malformed"):
            raise ValueError(f"{item.strip()!r}: expected gap=RATE, disconnect=RATE or malformed=RATE (or none)")
        try:
            values[name] = float(raw)
        except ValueError:
            raise ValueError(f"{item.strip()!r}: {raw!r} is not a number") from None
    return WsFaultSpec(**values)


@dataclass(frozen=True)
class WsServerConfig:
    speed: float = 60.0  # world seconds per wall second while the stream catches up with the exchange
    lead_s: float = 0.0  # world seconds the stream starts behind the exchange's clock
    tick_s: float = 0.05  # how often the stream looks at the world
    heartbeat_s: float = 10.0  # Kalshi pings every 10 s
    faults: WsFaultSpec = WsFaultSpec()

    def __post_init__(self) -> None:
        if self.speed <= 0 or self.lead_s < 0 or self.tick_s <= 0 or self.heartbeat_s <= 0:
            raise ValueError("speed, tick_s and heartbeat_s must be positive and lead_s non-negative")


@dataclass
class WsServerStats:
    connections: int = 0
    handshakes_refused: int = 0
    commands: int = 0
    subscriptions: int = 0
    unsubscriptions: int = 0
    updates: int = 0
    errors_sent: int = 0
    frames_sent: int = 0
    frames_dropped: int = 0
    disconnects: int = 0
    heartbeats_sent: int = 0
    heartbeats_answered: int = 0
    snapshots_sent: int = 0
    deltas_sent: int = 0

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


class StreamClock:
    """World time of the stream: the exchange's clock less a lead that shrinks at ``speed``."""

    def __init__(self, exchange_now_us: Callable[[], int], speed: float, lead_s: float,
                 wall: Callable[[], float] = time.monotonic) -> None:
        self._now = exchange_now_us
        self._speed = speed
        self._lead_us = int(lead_s * US)
        self._wall = wall
        self._start = wall()

    def restart(self) -> None:
        self._start = self._wall()

    def now_us(self) -> int:
        caught_up = int((self._wall() - self._start) * self._speed * US)
        return self._now() - max(0, self._lead_us - caught_up)


def market_id(ticker: str) -> str:
    return rng.uuid_from(rng.str_hash("market_id:" + ticker), rng.str_hash(ticker + ":market_id"))


@dataclass
class _Sub:
    sid: int
    channel: str
    tickers: list[str] | None  # None: every market
    last_us: int
    seq: int = 0
    books: dict[int, tuple[tuple, dict[int, int], dict[int, int]]] = field(default_factory=dict)
    quotes: dict[int, tuple] = field(default_factory=dict)
    fills_seen: int = 0


@dataclass
class _Conn:
    ws: ServerConnection
    number: int
    key_id: str | None
    subs: dict[int, _Sub] = field(default_factory=dict)
    next_sid: int = 1
    frames: int = 0
    closed: bool = False
    send_lock: asyncio.Lock = field(default_factory=asyncio.Lock)


class KalshiWsServer:
    """Context manager: the WebSocket API on 127.0.0.1 (port 0 = any free port) in a daemon thread."""

    def __init__(self, exchange, config: WsServerConfig = WsServerConfig(), host: str = "127.0.0.1",
                 port: int = 0) -> None:
        self.exchange = exchange
        self.world = exchange.world
        self.config = config
        self.host = host
        self._port = port
        self.clock = StreamClock(exchange.now_us, config.speed, config.lead_s)
        self.stats = WsServerStats()
        self._conns: dict[int, _Conn] = {}
        self._conn_counter = 0
        self._drop_next = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._start_error: BaseException | None = None
        self._seed = int(getattr(exchange.config, "seed", 7))

    # -- lifecycle ----------------------------------------------------------------------------
    @property
    def port(self) -> int:
        return self._port

    @property
    def url(self) -> str:
        return f"ws://{self.host}:{self._port}{WS_PATH}"

    def start(self) -> KalshiWsServer:
        self._thread = threading.Thread(target=self._run, name="sandbox-kalshi-ws", daemon=True)
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("the sandbox WebSocket server did not start within 10 s")
        if self._start_error is not None:
            raise RuntimeError(f"the sandbox WebSocket server failed to start: {self._start_error}") from self._start_error
        self.clock.restart()
        return self

    def stop(self) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        if self._thread is not None:
            self._thread.join(timeout=10)

    def __enter__(self) -> KalshiWsServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            loop.run_until_complete(self._main())
        except BaseException as exc:  # surfaced by start() if it happens before ready
            self._start_error = exc
            self._ready.set()
        finally:
            loop.close()

    async def _main(self) -> None:
        self._stop = asyncio.Event()
        async with serve(
            self._handle, self.host, self._port, process_request=self._process_request,
            ping_interval=None, compression=None, max_queue=None,
        ) as server:
            self._port = server.sockets[0].getsockname()[1]
            self._ready.set()
            await self._stop.wait()
            for conn in list(self._conns.values()):
                conn.closed = True
            server.close()

    # -- knobs (any thread) -------------------------------------------------------------------
    def drop_next(self, n: int = 1) -> None:
        """Drop the next ``n`` order-book deltas sent on any connection (each leaves a seq gap)."""
        self._call(lambda: setattr(self, "_drop_next", self._drop_next + n))

    def disconnect_all(self) -> None:
        """Cut every open connection now, without a close frame (as a network failure would)."""
        def cut() -> None:
            for conn in list(self._conns.values()):
                self._cut(conn)
        self._call(cut)

    def connection_count(self) -> int:
        return len(self._conns)

    def _call(self, fn: Callable[[], None]) -> None:
        if self._loop is None:
            raise RuntimeError("the server is not running")
        done = threading.Event()

        def run() -> None:
            try:
                fn()
            finally:
                done.set()
        self._loop.call_soon_threadsafe(run)
        done.wait(5)

    # -- handshake ----------------------------------------------------------------------------
    def _process_request(self, connection: ServerConnection, request: Request) -> Response | None:
        path = request.path.split("?", 1)[0]
        if path != WS_PATH:
            self.stats.handshakes_refused += 1
            return connection.respond(HTTPStatus.NOT_FOUND, f"no WebSocket endpoint at {path}\n")
        headers = {k.lower(): v for k, v in request.headers.raw_items()}
        connection.kalshi_key_id = None  # type: ignore[attr-defined]
        if any(h in headers for h in ("kalshi-access-key", "kalshi-access-signature", "kalshi-access-timestamp")):
            try:
                connection.kalshi_key_id = self.exchange.keys.verify(headers, "GET", path)  # type: ignore[attr-defined]
            except AuthError as exc:
                self.stats.handshakes_refused += 1
                return connection.respond(HTTPStatus.UNAUTHORIZED, f"authentication_error: {exc.details}\n")
        return None

    # -- one connection -----------------------------------------------------------------------
    async def _handle(self, ws: ServerConnection) -> None:
        self._conn_counter += 1
        conn = _Conn(ws=ws, number=self._conn_counter, key_id=getattr(ws, "kalshi_key_id", None))
        self._conns[conn.number] = conn
        self.stats.connections += 1
        tasks = [asyncio.create_task(self._stream(conn)), asyncio.create_task(self._heartbeat(conn))]
        try:
            async for raw in ws:
                await self._command(conn, raw)
        except ConnectionClosed:
            pass
        finally:
            conn.closed = True
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            self._conns.pop(conn.number, None)

    async def _heartbeat(self, conn: _Conn) -> None:
        while not conn.closed:
            await asyncio.sleep(self.config.heartbeat_s)
            try:
                waiter = await conn.ws.ping(b"heartbeat")
                self.stats.heartbeats_sent += 1
                await asyncio.wait_for(waiter, timeout=max(self.config.heartbeat_s, 1.0))
                self.stats.heartbeats_answered += 1
            except (ConnectionClosed, asyncio.TimeoutError):
                return

    async def _send(self, conn: _Conn, payload: dict, *, data: bool = False) -> None:
        if conn.closed:
            return
        text = json.dumps(payload, separators=(",", ":"))
        if data and self.config.faults.malformed:
            if float(rng.uniform(self._seed, _T_BAD, conn.number, conn.frames + 1)[0]) < self.config.faults.malformed:
                text = text[: len(text) // 2]  # a frame cut short, as a broken proxy might deliver it
        try:
            await conn.ws.send(text)
        except ConnectionClosed:
            conn.closed = True
            return
        self.stats.frames_sent += 1
        if data:
            conn.frames += 1
            rate = self.config.faults.disconnect
            if rate and float(rng.uniform(self._seed, _T_CUT, conn.number, conn.frames)[0]) < rate:
                self._cut(conn)

    def _cut(self, conn: _Conn) -> None:
        if conn.closed:
            return
        conn.closed = True
        self.stats.disconnects += 1
        transport = conn.ws.transport
        if transport is not None:
            transport.abort()

    async def _error(self, conn: _Conn, cmd_id, code: int, **extra) -> None:
        self.stats.errors_sent += 1
        await self._send(conn, {"id": cmd_id, "type": "error", "msg": {"code": code, "msg": ERRORS[code], **extra}})

    # -- commands -----------------------------------------------------------------------------
    async def _command(self, conn: _Conn, raw: str | bytes) -> None:
        self.stats.commands += 1
        try:
            body = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            await self._error(conn, None, 1)
            return
        if not isinstance(body, dict):
            await self._error(conn, None, 1)
            return
        cmd_id, cmd = body.get("id"), body.get("cmd")
        params = body.get("params")
        if cmd == "list_subscriptions":
            subs = [{"channel": s.channel, "sid": s.sid} for s in conn.subs.values()]
            await self._send(conn, {"id": cmd_id, "type": "ok", "subscriptions": subs})
            return
        if cmd not in ("subscribe", "unsubscribe", "update_subscription"):
            await self._error(conn, cmd_id, 5)
            return
        if not isinstance(params, dict):
            await self._error(conn, cmd_id, 2)
            return
        if cmd == "subscribe":
            await self._subscribe(conn, cmd_id, params)
        elif cmd == "unsubscribe":
            await self._unsubscribe(conn, cmd_id, params)
        else:
            await self._update(conn, cmd_id, params)

    def _tickers(self, params: dict) -> list[str] | None | int:
        """The markets a command names: a list, None (none named) or an error code."""
        tickers = params.get("market_tickers")
        single = params.get("market_ticker")
        if tickers is None and single is None:
            return None
        names = list(tickers or []) + ([single] if single else [])
        if not all(isinstance(t, str) and t for t in names):
            return 11
        return list(dict.fromkeys(names))

    def _unknown_market(self, tickers: list[str]) -> str | None:
        now_us = self.exchange.now_us()
        for t in tickers:
            i = self.world.market_index.get(t)
            if i is None or self.world.created_us[i] > now_us:
                return t
        return None

    async def _subscribe(self, conn: _Conn, cmd_id, params: dict) -> None:
        channels = params.get("channels")
        if not isinstance(channels, list) or not channels:
            await self._error(conn, cmd_id, 3)
            return
        tickers = self._tickers(params)
        if isinstance(tickers, int):
            await self._error(conn, cmd_id, tickers)
            return
        for channel in channels:
            if channel not in CHANNELS:
                await self._error(conn, cmd_id, 8)
                return
        for channel in channels:
            if channel in PRIVATE_CHANNELS and conn.key_id is None:
                await self._error(conn, cmd_id, 9)
                continue
            if channel in NEEDS_MARKET and not tickers:
                await self._error(conn, cmd_id, 14)
                continue
            if tickers and channel not in ("fill", "market_lifecycle_v2"):
                missing = self._unknown_market(tickers)
                if missing is not None:
                    await self._error(conn, cmd_id, 16, market_ticker=missing)
                    continue
            if any(s.channel == channel and (s.tickers is None or tickers is None or set(s.tickers) & set(tickers))
                   for s in conn.subs.values()):
                await self._error(conn, cmd_id, 6)
                continue
            scope = None if channel in ("fill", "market_lifecycle_v2") else tickers
            sub = _Sub(sid=conn.next_sid, channel=channel, tickers=scope, last_us=self.clock.now_us())
            conn.next_sid += 1
            conn.subs[sub.sid] = sub
            self.stats.subscriptions += 1
            if channel == "fill":
                acct = self.exchange.portfolio.accounts.get(conn.key_id)
                sub.fills_seen = len(acct.fills) if acct is not None else 0
            await self._send(conn, {"id": cmd_id, "type": "subscribed", "msg": {"channel": channel, "sid": sub.sid}})
            if channel == "orderbook_delta":
                for ticker in sub.tickers or []:
                    await self._snapshot(conn, sub, ticker, sub.last_us)

    async def _unsubscribe(self, conn: _Conn, cmd_id, params: dict) -> None:
        sids = params.get("sids")
        if not isinstance(sids, list) or not sids:
            await self._error(conn, cmd_id, 4)
            return
        for sid in sids:
            if conn.subs.pop(sid, None) is None:
                await self._error(conn, cmd_id, 7)
                continue
            self.stats.unsubscriptions += 1
            await self._send(conn, {"id": cmd_id, "sid": sid, "type": "unsubscribed"})

    async def _update(self, conn: _Conn, cmd_id, params: dict) -> None:
        sids = params.get("sids")
        if "sid" in params:
            sids = [params["sid"]] if sids is None else sids
        if not isinstance(sids, list) or len(sids) != 1:
            await self._error(conn, cmd_id, 12)
            return
        sub = conn.subs.get(sids[0])
        if sub is None:
            await self._error(conn, cmd_id, 7)
            return
        action = params.get("action")
        if action is None:
            await self._error(conn, cmd_id, 15)
            return
        if action not in ("add_markets", "delete_markets") or sub.tickers is None:
            await self._error(conn, cmd_id, 13)
            return
        tickers = self._tickers(params)
        if isinstance(tickers, int) or not tickers:
            await self._error(conn, cmd_id, 14 if not tickers else tickers)
            return
        if action == "add_markets":
            missing = self._unknown_market(tickers)
            if missing is not None:
                await self._error(conn, cmd_id, 16, market_ticker=missing)
                return
            added = [t for t in tickers if t not in sub.tickers]
            sub.tickers.extend(added)
        else:
            added = []
            sub.tickers = [t for t in sub.tickers if t not in tickers]
            for t in tickers:
                i = self.world.market_index.get(t)
                sub.books.pop(i, None)
                sub.quotes.pop(i, None)
        self.stats.updates += 1
        sub.seq += 1
        await self._send(conn, {"id": cmd_id, "sid": sub.sid, "seq": sub.seq, "type": "ok",
                                "market_tickers": list(sub.tickers)})
        if sub.channel == "orderbook_delta":
            for ticker in added:
                await self._snapshot(conn, sub, ticker, sub.last_us)

    # -- the stream ---------------------------------------------------------------------------
    async def _stream(self, conn: _Conn) -> None:
        try:
            while not conn.closed:
                await asyncio.sleep(self.config.tick_s)
                hi = self.clock.now_us()
                for sub in list(conn.subs.values()):
                    if conn.closed:
                        return
                    # Fills follow the account (orders placed over REST), not the world clock.
                    if sub.sid not in conn.subs or (hi <= sub.last_us and sub.channel != "fill"):
                        continue
                    lo, sub.last_us = sub.last_us, max(hi, sub.last_us)
                    await getattr(self, f"_advance_{sub.channel}")(conn, sub, lo, hi)
        except asyncio.CancelledError:
            raise
        except Exception:  # a bug here must not pass for a quiet market
            logger.exception("sandbox WebSocket stream failed; closing the connection")
            self._cut(conn)

    def _book_key(self, idx: np.ndarray, t_us: int) -> list[tuple]:
        _, _, _, _, m = self.world.quote_at(idx, t_us)
        live = self.world.status_codes(t_us // US, idx) == ACTIVE
        return list(zip(m.tolist(), live.tolist(), strict=True))

    async def _snapshot(self, conn: _Conn, sub: _Sub, ticker: str, t_us: int) -> None:
        i = self.world.market_index[ticker]
        yes, no = self.world.orderbook(i, t_us, 0)
        key = self._book_key(np.array([i]), t_us)[0]
        sub.books[i] = (key, dict(yes), dict(no))
        sub.seq += 1
        msg: dict = {"market_ticker": ticker, "market_id": market_id(ticker)}
        if yes:
            msg["yes_dollars_fp"] = [[fmt_u4(p), fmt_count(s)] for p, s in yes]
        if no:
            msg["no_dollars_fp"] = [[fmt_u4(p), fmt_count(s)] for p, s in no]
        self.stats.snapshots_sent += 1
        await self._send(conn, {"type": "orderbook_snapshot", "sid": sub.sid, "seq": sub.seq, "msg": msg}, data=True)

    async def _advance_orderbook_delta(self, conn: _Conn, sub: _Sub, lo: int, hi: int) -> None:
        tickers = [t for t in sub.tickers or [] if self.world.market_index.get(t) in sub.books]
        if not tickers:
            return
        idx = np.array([self.world.market_index[t] for t in tickers], dtype=np.int64)
        keys = self._book_key(idx, hi)
        stamp = rfc3339_us(hi)
        for ticker, i, key in zip(tickers, idx.tolist(), keys, strict=True):
            old_key, old_yes, old_no = sub.books[i]
            if key == old_key:
                continue
            yes, no = self.world.orderbook(i, hi, 0)
            new_yes, new_no = dict(yes), dict(no)
            sub.books[i] = (key, new_yes, new_no)
            changes = []
            for side, old, new in (("yes", old_yes, new_yes), ("no", old_no, new_no)):
                for price in old.keys() | new.keys():
                    delta = new.get(price, 0) - old.get(price, 0)
                    if delta:
                        changes.append((delta > 0, side, price, delta))
            # Levels shrink before new ones appear, so the book is never crossed between two deltas.
            for _, side, price, delta in sorted(changes):
                sub.seq += 1
                if self._drop(conn, sub):
                    continue
                self.stats.deltas_sent += 1
                await self._send(conn, {"type": "orderbook_delta", "sid": sub.sid, "seq": sub.seq, "msg": {
                    "market_ticker": ticker, "market_id": market_id(ticker), "price_dollars": fmt_u4(price),
                    "delta_fp": fmt_count(delta), "side": side, "ts": stamp}}, data=True)
                if conn.closed:
                    return

    def _drop(self, conn: _Conn, sub: _Sub) -> bool:
        if self._drop_next > 0:
            self._drop_next -= 1
        else:
            rate = self.config.faults.gap
            if not rate or float(rng.uniform(self._seed, _T_GAP, conn.number, sub.sid, sub.seq)[0]) >= rate:
                return False
        self.stats.frames_dropped += 1
        return True

    def _scope(self, sub: _Sub, t_us: int) -> np.ndarray:
        if sub.tickers is not None:
            return np.array([self.world.market_index[t] for t in sub.tickers], dtype=np.int64)
        # Every market: those trading now (a firehose of the whole universe's quotes otherwise).
        return np.flatnonzero(self.world.status_codes(t_us // US) == ACTIVE)

    async def _advance_ticker(self, conn: _Conn, sub: _Sub, lo: int, hi: int) -> None:
        w = self.world
        idx = self._scope(sub, hi)
        if not len(idx):
            return
        bid, ask, _, _, _ = w.book_quote(idx, hi)
        traded = set(w.trades_between(lo, hi, idx)["mi"].tolist())
        changed = [j for j, i in enumerate(idx.tolist())
                   if sub.quotes.get(i) != (int(bid[j]), int(ask[j])) or i in traded]
        if not changed:
            return
        ci = idx[changed]
        last = w.last_trade_price(ci, hi)
        vol = w.volume_at(ci, hi)
        oi = w.open_interest(ci, vol)
        for k, j in enumerate(changed):
            i = int(idx[j])
            b, a = int(bid[j]), int(ask[j])
            sub.quotes[i] = (b, a)
            ticker = w.markets[i].ticker
            lp = int(last[k])
            await self._send(conn, {"type": "ticker", "sid": sub.sid, "msg": {
                "market_ticker": ticker, "market_id": market_id(ticker),
                "price_dollars": fmt_u4(lp) if lp > 0 else "",
                "yes_bid_dollars": fmt_u4(b), "yes_ask_dollars": fmt_u4(a),
                "no_bid_dollars": fmt_u4(PRICE_ONE - a), "no_ask_dollars": fmt_u4(PRICE_ONE - b),
                "volume_fp": fmt_count(int(vol[k])), "open_interest_fp": fmt_count(int(oi[k])),
                "dollar_volume": int(vol[k]) * lp // (100 * PRICE_ONE),
                "dollar_open_interest": int(oi[k]) * lp // (100 * PRICE_ONE),
                "ts": hi // US}}, data=True)

    async def _advance_trade(self, conn: _Conn, sub: _Sub, lo: int, hi: int) -> None:
        w = self.world
        tr = w.trades_between(lo, hi, None if sub.tickers is None else self._scope(sub, hi))
        for dct, ts in zip(w.trade_dicts(tr), tr["ts"].tolist(), strict=True):
            sub.seq += 1
            await self._send(conn, {"type": "trade", "sid": sub.sid, "seq": sub.seq, "msg": {
                "trade_id": dct["trade_id"], "market_ticker": dct["ticker"],
                "yes_price_dollars": dct["yes_price_dollars"], "no_price_dollars": dct["no_price_dollars"],
                "count_fp": dct["count_fp"], "taker_side": dct["taker_side"], "ts": ts // US}}, data=True)

    async def _advance_fill(self, conn: _Conn, sub: _Sub, lo: int, hi: int) -> None:
        acct = self.exchange.portfolio.accounts.get(conn.key_id)
        if acct is None or len(acct.fills) <= sub.fills_seen:
            return
        new, sub.fills_seen = acct.fills[sub.fills_seen:], len(acct.fills)
        for f in new:
            position = acct.positions.get(f["ticker"])
            await self._send(conn, {"type": "fill", "sid": sub.sid, "msg": {
                "trade_id": f["trade_id"], "order_id": f["order_id"], "market_ticker": f["ticker"],
                "is_taker": f["is_taker"], "side": f["side"], "yes_price": f["yes_price"],
                "yes_price_dollars": f["yes_price_dollars"], "count": f["count"], "count_fp": f["count_fp"],
                "action": f["action"], "ts": f["ts"],
                "post_position": (position.position // 100) if position else 0,
                "post_position_fp": fmt_count(position.position) if position else "0.00"}}, data=True)

    async def _advance_market_lifecycle_v2(self, conn: _Conn, sub: _Sub, lo: int, hi: int) -> None:
        w = self.world
        events: list[tuple[int, int, str]] = []  # (time us, market, event_type)

        def crossing(times_us: np.ndarray, kind: str) -> None:
            for i in np.flatnonzero((times_us > lo) & (times_us <= hi)).tolist():
                events.append((int(times_us[i]), i, kind))

        crossing(w.created_us, "created")
        crossing(w.open_s * US, "activated")
        paused = w.pause_day >= 0
        crossing(np.where(paused, w.pause_day * DAY * US, -1), "deactivated")
        crossing(np.where(paused, (w.pause_day * DAY + DAY) * US, -1), "reactivated")
        crossing(w.det_s * US, "determined")
        crossing(w.fin_s * US, "settled")
        for t_us, i, kind in sorted(events):
            m = w.markets[i]
            msg: dict = {"market_ticker": m.ticker}
            if kind == "created":
                meta = {"name": m.yes_sub_title, "title": m.title, "yes_sub_title": m.yes_sub_title,
                        "no_sub_title": m.no_sub_title, "rules_primary": m.rules_primary,
                        "rules_secondary": m.rules_secondary, "can_close_early": m.can_close_early,
                        "event_ticker": w.events[m.event_index].event_ticker,
                        "expected_expiration_ts": m.expected_expiration_ts or m.close_ts}
                if m.strike_type:
                    meta["strike_type"] = m.strike_type
                if m.floor_strike is not None:
                    meta["floor_strike"] = m.floor_strike
                if m.cap_strike is not None:
                    meta["cap_strike"] = m.cap_strike
                if m.custom_strike is not None:
                    meta["custom_strike"] = dict(m.custom_strike)
                msg.update(open_ts=m.open_ts, close_ts=m.close_ts, additional_metadata=meta)
            elif kind == "activated":
                msg.update(open_ts=m.open_ts, close_ts=m.close_ts)
            elif kind in ("deactivated", "reactivated"):
                msg["is_deactivated"] = kind == "deactivated"
                kind = "deactivated"
            elif kind == "determined":
                msg.update(result="yes" if m.outcome else "no", determination_ts=t_us // US)
            else:
                msg["settled_ts"] = t_us // US
            msg["event_type"] = kind
            sub.seq += 1
            await self._send(conn, {"type": "market_lifecycle_v2", "sid": sub.sid, "seq": sub.seq, "msg": msg},
                             data=True)
