"""Kalshi WebSocket v2 frames -> typed messages, order-book updates in fixed point, and reject rows.

Every frame is ``{"type": ..., "sid": ..., "seq": ..., "id": ..., "msg": {...}}`` (the envelope keys
present vary by type). Formats read, newest first where both exist:

- order books: ``yes_dollars_fp`` / ``no_dollars_fp`` (``[["0.0800", "300.00"], ...]``), else
  ``yes_dollars`` / ``no_dollars`` (dollar string, integer count), else the legacy integer-cent
  ``yes`` / ``no`` (``[[8, 300], ...]``); a side may be absent (no bids). Deltas: ``price_dollars``
  else ``price`` (cents), ``delta_fp`` else ``delta`` (contracts).
- timestamps: ``ts_ms`` (unix milliseconds), ``ts`` as unix seconds (ticker, trade, fill) or as an
  RFC3339 string (order-book deltas), through ``core.timeutil``.

A frame that cannot be read (not UTF-8, not JSON, not an object, no type, an order-book level that is
not an exact price and count) becomes a reject row with its reason and its text; the frame itself is
still kept by the caller.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import polars as pl

from kalshi_platform.core.orderbook.book import NO, YES, Levels, to_hundredths, to_u4
from kalshi_platform.core.rejects import REJECT_SCHEMA, make_reject
from kalshi_platform.core.timeutil import TimeParseError, parse_ts

# Message type -> the channel it arrives on (the name a subscribe command uses).
CHANNEL_OF_TYPE: dict[str, str] = {
    "orderbook_snapshot": "orderbook_delta",
    "orderbook_delta": "orderbook_delta",
    "ticker": "ticker",
    "ticker_v2": "ticker_v2",
    "trade": "trade",
    "fill": "fill",
    "market_lifecycle_v2": "market_lifecycle_v2",
    "event_lifecycle": "market_lifecycle_v2",
    "market_position": "market_positions",
    "multivariate_lookup": "multivariate",
    "order_group_updates": "order_group_updates",
    "rfq_created": "communications",
    "rfq_deleted": "communications",
    "quote_created": "communications",
    "quote_accepted": "communications",
    "quote_executed": "communications",
}
CONTROL_TYPES = frozenset({"subscribed", "unsubscribed", "ok", "error", "list_subscriptions"})
BOOK_TYPES = frozenset({"orderbook_snapshot", "orderbook_delta"})

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MS_THRESHOLD = 100_000_000_000  # as core.timeutil: unix values above this are milliseconds


class FrameError(ValueError):
    """A frame that cannot be read; the message says why."""


@dataclass
class BookUpdate:
    kind: str  # "snapshot" | "delta"
    yes: Levels = field(default_factory=list)  # snapshot levels (absolute)
    no: Levels = field(default_factory=list)
    side: int = YES  # delta only
    price: int = 0
    delta: int = 0


@dataclass
class WsMessage:
    msg_type: str
    channel: str | None
    sid: int | None
    seq: int | None
    cmd_id: int | None
    market_ticker: str | None
    exchange_us: int | None  # the exchange's time of the message, unix microseconds
    msg: dict
    book: BookUpdate | None = None

    @property
    def exchange_ts(self) -> datetime | None:
        return None if self.exchange_us is None else _EPOCH + timedelta(microseconds=self.exchange_us)


# --------------------------------------------------------------------------------------------------
# one frame


def parse_frame(text: str | bytes) -> WsMessage:
    """Read one frame; FrameError when it is not a readable Kalshi message."""
    if isinstance(text, (bytes, bytearray)):
        try:
            text = bytes(text).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise FrameError(f"frame is not UTF-8 ({exc.reason} at byte {exc.start})") from None
    if not text.strip():
        raise FrameError("empty frame")
    try:
        body = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise FrameError(f"frame is not JSON ({exc})") from None
    if not isinstance(body, dict):
        raise FrameError(f"frame is a JSON {type(body).__name__}, not an object")
    msg_type = body.get("type")
    if not isinstance(msg_type, str) or not msg_type:
        raise FrameError("frame has no message type")
    sid = _int_or_none(body.get("sid"), "sid")
    seq = _int_or_none(body.get("seq"), "seq")
    cmd_id = _int_or_none(body.get("id"), "id")
    msg = body.get("msg")
    if msg is None:
        msg = {}
    if not isinstance(msg, dict):
        if msg_type == "error":
            msg = {"msg": msg}
        else:
            raise FrameError(f"{msg_type}: msg is a JSON {type(msg).__name__}, not an object")
    channel = CHANNEL_OF_TYPE.get(msg_type)
    if msg_type == "subscribed" and isinstance(msg.get("channel"), str):
        channel = msg["channel"]
    ticker = msg.get("market_ticker")
    if ticker is not None and (not isinstance(ticker, str) or not ticker):
        raise FrameError(f"{msg_type}: market_ticker is {ticker!r}")
    exchange_us = message_time_us(msg)
    book = None
    if msg_type in BOOK_TYPES:
        if ticker is None:
            raise FrameError(f"{msg_type}: no market_ticker")
        if sid is None or seq is None:
            raise FrameError(f"{msg_type} for {ticker}: no sid/seq, so gaps could not be seen")
        book = _snapshot(msg) if msg_type == "orderbook_snapshot" else _delta(msg)
    return WsMessage(msg_type, channel, sid, seq, cmd_id, ticker, exchange_us, msg, book)


def message_timestamp(msg: dict) -> datetime | None:
    """The exchange's time of a message: ``ts_ms`` (milliseconds), else ``ts`` (seconds, or RFC3339)."""
    us = message_time_us(msg)
    return None if us is None else _EPOCH + timedelta(microseconds=us)


def message_time_us(msg: dict) -> int | None:
    """:func:`message_timestamp` as unix microseconds (the bulk path keeps integers)."""
    value = msg.get("ts_ms")
    if value is not None and not isinstance(value, bool):
        if isinstance(value, int):
            return value * 1000
        if isinstance(value, str) and value.strip().isdigit():
            return int(value.strip()) * 1000
        raise FrameError(f"ts_ms {value!r} is not unix milliseconds")
    value = msg.get("ts")
    if value is None or value == "":
        return None
    if isinstance(value, bool) or isinstance(value, float):
        raise FrameError(f"ts {value!r} is not integer seconds or RFC3339")
    if isinstance(value, int):
        # core.timeutil's rule: values this large are milliseconds.
        return value * 1000 if abs(value) >= _MS_THRESHOLD else value * 1_000_000
    if not isinstance(value, str):
        raise FrameError(f"ts {value!r} is not integer seconds or RFC3339")
    try:
        return _text_time_us(value)
    except TimeParseError as exc:
        raise FrameError(str(exc)) from None


@functools.lru_cache(maxsize=4096)
def _text_time_us(text: str) -> int:
    # Every delta of one book change carries the same ts: parse each distinct string once.
    return (parse_ts(text, field="ts") - _EPOCH) // timedelta(microseconds=1)


def _int_or_none(value: Any, name: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise FrameError(f"{name} is {value!r}, not an integer")
    return value


def _snapshot(msg: dict) -> BookUpdate:
    update = BookUpdate("snapshot")
    for side, name in ((YES, "yes"), (NO, "no")):
        levels = _levels(msg, name)
        seen: set[int] = set()
        for price, _ in levels:
            if price in seen:
                raise FrameError(f"orderbook_snapshot for {msg.get('market_ticker')}: {name} price {price} twice")
            seen.add(price)
        if side == YES:
            update.yes = sorted(levels)
        else:
            update.no = sorted(levels)
    return update


def _levels(msg: dict, name: str) -> Levels:
    """One side of a snapshot, in the newest format present."""
    ticker = msg.get("market_ticker")
    for key, price_of, size_of in (
        (f"{name}_dollars_fp", _price_text, _count_text),
        (f"{name}_dollars", _price_text, _count_int_or_text),
        (name, _price_cents, _count_int_or_text),
    ):
        raw = msg.get(key)
        if raw is None:
            continue
        if not isinstance(raw, list):
            raise FrameError(f"orderbook_snapshot for {ticker}: {key} is not a list")
        out: Levels = []
        for level in raw:
            if not isinstance(level, list) or len(level) != 2:
                raise FrameError(f"orderbook_snapshot for {ticker}: {key} level {level!r} is not [price, count]")
            try:
                price, size = price_of(level[0]), size_of(level[1])
            except (ValueError, TypeError) as exc:
                raise FrameError(f"orderbook_snapshot for {ticker}: {key} level {level!r}: {exc}") from None
            if not 0 < price < 10_000 or size < 0:
                raise FrameError(f"orderbook_snapshot for {ticker}: {key} level {level!r} out of range")
            out.append((price, size))
        return out
    return []


def _delta(msg: dict) -> BookUpdate:
    ticker = msg.get("market_ticker")
    side_name = msg.get("side")
    if side_name not in ("yes", "no"):
        raise FrameError(f"orderbook_delta for {ticker}: side is {side_name!r}, not yes/no")
    try:
        if msg.get("price_dollars") not in (None, ""):
            price = _price_text(msg["price_dollars"])
        elif msg.get("price") is not None:
            price = _price_cents(msg["price"])
        else:
            raise ValueError("no price_dollars or price")
        if msg.get("delta_fp") not in (None, ""):
            delta = _count_text(msg["delta_fp"])
        elif msg.get("delta") is not None:
            delta = _count_int_or_text(msg["delta"], signed=True)
        else:
            raise ValueError("no delta_fp or delta")
    except (ValueError, TypeError) as exc:
        raise FrameError(f"orderbook_delta for {ticker}: {exc}") from None
    if not 0 < price < 10_000:
        raise FrameError(f"orderbook_delta for {ticker}: price {price} u4 is outside (0, 1)")
    return BookUpdate("delta", side=YES if side_name == "yes" else NO, price=price, delta=delta)


def _price_text(value: Any) -> int:
    if not isinstance(value, str):
        raise ValueError(f"price {value!r} is not a dollar string")
    return to_u4(value)


def _price_cents(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"legacy price {value!r} is not integer cents")
    return value * 100


def _count_text(value: Any) -> int:
    if not isinstance(value, str):
        raise ValueError(f"count {value!r} is not a fixed-point string")
    return to_hundredths(value)


def _count_int_or_text(value: Any, signed: bool = False) -> int:
    if isinstance(value, bool):
        raise ValueError(f"count {value!r} is not a number")
    if isinstance(value, int):
        return value * 100
    return _count_text(value)


# --------------------------------------------------------------------------------------------------
# many frames

FRAME_COLUMNS: dict[str, pl.DataType] = {
    "connection_id": pl.String(),
    "connection_slot": pl.Int32(),
    "connection_attempt": pl.Int32(),
    "frame_no": pl.Int64(),
    "received_at": pl.Datetime("us", "UTC"),
    "frame_text": pl.String(),
}

# raw.kalshi_ws_messages, as parse_frames returns it (the asset adds capture_id and batch_id).
MESSAGE_SCHEMA: dict[str, pl.DataType] = {
    **FRAME_COLUMNS,
    "msg_type": pl.String(),
    "channel": pl.String(),
    "sid": pl.Int64(),
    "seq": pl.Int64(),
    "cmd_id": pl.Int64(),
    "market_ticker": pl.String(),
    "exchange_ts": pl.Datetime("us", "UTC"),
    "readable": pl.Boolean(),
}

# One row per order-book message, in receipt order (``order``).
BOOK_MESSAGE_SCHEMA: dict[str, pl.DataType] = {
    "order": pl.Int64(),
    "received_at": pl.Datetime("us", "UTC"),
    "connection_id": pl.String(),
    "connection_slot": pl.Int32(),
    "connection_attempt": pl.Int32(),
    "sid": pl.Int64(),
    "seq": pl.Int64(),
    "ticker": pl.String(),
    "kind": pl.String(),  # snapshot | delta
    "exchange_ts": pl.Datetime("us", "UTC"),
}

# One row per level of a snapshot (absolute size) or per delta (signed change).
BOOK_LEVEL_SCHEMA: dict[str, pl.DataType] = {
    "order": pl.Int64(),
    "side": pl.Int8(),
    "price": pl.Int64(),  # u4
    "size": pl.Int64(),  # hundredths
}


@dataclass
class ParsedFrames:
    messages: pl.DataFrame  # MESSAGE_SCHEMA, one row per frame (readable or not)
    book_messages: pl.DataFrame  # BOOK_MESSAGE_SCHEMA
    book_levels: pl.DataFrame  # BOOK_LEVEL_SCHEMA
    rejects: pl.DataFrame  # REJECT_SCHEMA
    lifecycle: list[dict]  # market_lifecycle_v2 msgs (market_ticker, event_type, metadata...), in order


def receipt_order(frames: pl.DataFrame) -> pl.DataFrame:
    """Frames sorted the way they were received across connections."""
    return frames.sort(["received_at", "connection_slot", "connection_attempt", "frame_no"])


def parse_frames(frames: pl.DataFrame, *, source: str, batch_id: str, fetched_at: datetime) -> ParsedFrames:
    """FRAME_COLUMNS rows -> messages for the raw table, order-book updates for the rebuild, rejects."""
    frames = receipt_order(frames.select([pl.col(c).cast(t) for c, t in FRAME_COLUMNS.items()]))
    cols: dict[str, list] = {k: [] for k in ("msg_type", "channel", "sid", "seq", "cmd_id", "market_ticker",
                                              "exchange_ts", "readable")}
    bm: dict[str, list] = {k: [] for k in BOOK_MESSAGE_SCHEMA}
    bl: dict[str, list] = {k: [] for k in BOOK_LEVEL_SCHEMA}
    rejects: list[dict] = []
    lifecycle: list[dict] = []
    rows = zip(
        frames.get_column("frame_text").to_list(),
        frames.get_column("received_at").dt.epoch("us").to_list(),
        frames.get_column("connection_id").to_list(),
        frames.get_column("connection_slot").to_list(),
        frames.get_column("connection_attempt").to_list(),
        strict=True,
    )
    for order, (text, received_at, conn, slot, attempt) in enumerate(rows):
        try:
            if text is None:
                raise FrameError("frame has no text")
            m = parse_frame(text)
        except FrameError as exc:
            for key in cols:
                cols[key].append(None)
            cols["readable"][-1] = False
            rejects.append(make_reject(
                source=source, kind="ws_frame", reason=str(exc), body=text or "", fetched_at=fetched_at,
                batch_id=batch_id, natural_key=_ticker_hint(text),
            ))
            continue
        cols["msg_type"].append(m.msg_type)
        cols["channel"].append(m.channel)
        cols["sid"].append(m.sid)
        cols["seq"].append(m.seq)
        cols["cmd_id"].append(m.cmd_id)
        cols["market_ticker"].append(m.market_ticker)
        cols["exchange_ts"].append(m.exchange_us)
        cols["readable"].append(True)
        if m.book is not None:
            for key, value in (("order", order), ("received_at", received_at), ("connection_id", conn),
                               ("connection_slot", slot), ("connection_attempt", attempt), ("sid", m.sid),
                               ("seq", m.seq), ("ticker", m.market_ticker), ("kind", m.book.kind),
                               ("exchange_ts", m.exchange_us)):
                bm[key].append(value)
            if m.book.kind == "snapshot":
                for side, levels in ((YES, m.book.yes), (NO, m.book.no)):
                    for price, size in levels:
                        bl["order"].append(order)
                        bl["side"].append(side)
                        bl["price"].append(price)
                        bl["size"].append(size)
            else:
                bl["order"].append(order)
                bl["side"].append(m.book.side)
                bl["price"].append(m.book.price)
                bl["size"].append(m.book.delta)
        elif m.msg_type == "market_lifecycle_v2" and m.market_ticker:
            lifecycle.append(m.msg)
    as_int = {"exchange_ts", "received_at"}  # unix microseconds until here: cheap to build, exact
    parsed = pl.DataFrame(cols, schema={k: pl.Int64() if k in as_int else MESSAGE_SCHEMA[k] for k in cols})
    parsed = parsed.with_columns(pl.col("exchange_ts").cast(MESSAGE_SCHEMA["exchange_ts"]))
    messages = pl.concat([frames, parsed], how="horizontal").select(list(MESSAGE_SCHEMA))
    book_messages = pl.DataFrame(
        bm, schema={k: pl.Int64() if k in as_int else t for k, t in BOOK_MESSAGE_SCHEMA.items()}
    ).with_columns([pl.col(k).cast(BOOK_MESSAGE_SCHEMA[k]) for k in as_int])
    return ParsedFrames(
        messages=messages,
        book_messages=book_messages,
        book_levels=pl.DataFrame(bl, schema=BOOK_LEVEL_SCHEMA),
        rejects=pl.DataFrame(rejects, schema=REJECT_SCHEMA) if rejects else pl.DataFrame(schema=REJECT_SCHEMA),
        lifecycle=lifecycle,
    )


def _ticker_hint(text: str | None) -> str | None:
    """The market ticker of an unreadable frame when it can still be picked out, for the reject's key."""
    if not text:
        return None
    at = text.find('"market_ticker"')
    if at < 0:
        return None
    rest = text[at + len('"market_ticker"'):].lstrip(" :")
    if not rest.startswith('"'):
        return None
    end = rest.find('"', 1)
    return rest[1:end] if 1 < end <= 200 else None


def lifecycle_markets(lifecycle: list[dict]) -> pl.DataFrame:
    """Markets described by ``market_lifecycle_v2`` messages, as raw.kalshi_markets-like columns
    (ticker, event_ticker, titles, strike fields, close and expected expiration times), one row per
    ticker, the latest description winning. Markets only named (no metadata) get a ticker-only row."""
    rows: dict[str, dict] = {}
    for msg in lifecycle:
        ticker = msg.get("market_ticker")
        if not isinstance(ticker, str) or not ticker:
            continue
        row = rows.setdefault(ticker, {"ticker": ticker})
        meta = msg.get("additional_metadata")
        if isinstance(meta, dict):
            for key in ("event_ticker", "title", "yes_sub_title", "no_sub_title", "strike_type"):
                if isinstance(meta.get(key), str) and meta[key]:
                    row[key] = meta[key]
            for key in ("floor_strike", "cap_strike"):
                value = meta.get(key)
                if isinstance(value, (int, str)) and not isinstance(value, bool):
                    row[key] = str(value)
                elif isinstance(value, float):
                    row[key] = repr(value)
            if meta.get("expected_expiration_ts") is not None:
                row["expected_expiration_time"] = _ts_or_none(meta["expected_expiration_ts"])
        if msg.get("close_ts") is not None:
            row["close_time"] = _ts_or_none(msg["close_ts"])
    schema = {
        "ticker": pl.String(), "event_ticker": pl.String(), "title": pl.String(), "yes_sub_title": pl.String(),
        "no_sub_title": pl.String(), "strike_type": pl.String(), "floor_strike": pl.String(),
        "cap_strike": pl.String(), "close_time": pl.Datetime("us", "UTC"),
        "expected_expiration_time": pl.Datetime("us", "UTC"),
    }
    return pl.DataFrame([{k: r.get(k) for k in schema} for r in rows.values()], schema=schema)


def _ts_or_none(value: Any) -> datetime | None:
    try:
        return parse_ts(value)
    except TimeParseError:
        return None
