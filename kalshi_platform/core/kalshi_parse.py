"""Pure, vectorised parsers of Kalshi REST payloads into the rows of the raw tables (DESIGN.md §2, §3, §6).

Each parser takes already-decoded JSON (what the HTTP client returns) plus ``source`` (e.g. ``"kalshi GET
/markets"``), ``fetched_at`` (aware UTC) and ``batch_id``, and returns :class:`Parsed`: ``rows`` typed
exactly as the raw table (:data:`RAW_TABLE_COLUMNS`, created by ``warehouse/migrations/0002_raw_kalshi.sql``)
and ``rejects`` in the ``raw.rejects`` shape, one per record that could not be read, with a specific
reason. Parsers never raise on content: bad records become rejects and the good ones still come through.

Rules:

- Prices, counts and dollar amounts are ``Decimal(18,6)``, never float. ``*_dollars`` / ``*_fp`` win; the
  legacy integer fields (cents for prices and amounts, whole contracts for counts; removed by Kalshi on
  2026-03-12) are read only when the new one is absent or ``""``. A price outside [0, 1], a negative
  count or amount, text that is not fixed point, or more than 6 decimals rejects the record: nothing is
  rounded. A JSON number in a money field is read through its decimal text (``1`` -> 1, ``0.5`` -> 0.5).
  Exceptions, from real payloads: the top-of-book sizes (``yes_bid_size_fp`` / ``yes_ask_size_fp``) may
  be negative (finalized markets carry e.g. ``"-1048538.00"``); strikes (``floor_strike`` /
  ``cap_strike``) and ``fee_multiplier``, JSON numbers in the spec, are exact decimals too.
- Every row keeps ``raw_json`` (the record re-encoded as compact JSON: fields this module does not know
  survive), ``fetched_at`` and ``batch_id``. Nested structures (price_ranges, custom_strike, tags, ...)
  are JSON text columns. ``KNOWN_*_KEYS`` list the keys each parser reads, for schema-drift checks
  (:func:`unknown_keys`).
- Market ``status`` must be a lifecycle value (initialized, inactive, active, closed, determined,
  disputed, amended, finalized). Older payloads used the filter vocabulary; those are mapped:
  ``open`` -> ``active``, ``unopened`` -> ``initialized``, ``settled`` -> ``finalized`` (the value as
  sent stays in ``raw_json``). Anything else is a reject.
- Timestamps (RFC3339, unix seconds or milliseconds, as numbers or ccxt-style strings) become
  ``TIMESTAMPTZ`` in UTC; ``""`` means "not set" and becomes null.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

import polars as pl

from kalshi_platform.core.kalshi.fields import (
    REASON,
    TS_DTYPE,
    Check,
    Field,
    apply_fields,
    json_keys,
    text_keys,
    value_column,
)
from kalshi_platform.core.kalshi.records import RAW, ROW, as_text, dumps, records_frame, safe_dumps
from kalshi_platform.core.money import DECIMAL_DTYPE
from kalshi_platform.core.rejects import REJECT_SCHEMA, make_reject, rejects_frame
from kalshi_platform.core.timeutil import TimeParseError, parse_ts

__all__ = [
    "CANDLE_TIERS",
    "EVENT_FIELDS",
    "MARKET_FIELDS",
    "SERIES_FIELDS",
    "SNAPSHOT_COLUMNS",
    "TRADE_FIELDS",
    "candle_fields",
    "KNOWN_CANDLE_BLOCK_KEYS",
    "KNOWN_CANDLE_KEYS",
    "KNOWN_EVENT_KEYS",
    "KNOWN_MARKET_KEYS",
    "KNOWN_ORDERBOOK_KEYS",
    "KNOWN_SERIES_KEYS",
    "KNOWN_TRADE_KEYS",
    "LEGACY_MARKET_STATUSES",
    "MARKET_STATUSES",
    "NATURAL_KEYS",
    "RAW_TABLE_COLUMNS",
    "KalshiPayloadError",
    "Parsed",
    "market_snapshot_rows",
    "normalize_sdk_dump",
    "parse_account_limits",
    "parse_candlesticks",
    "parse_events",
    "parse_historical_cutoff",
    "parse_markets",
    "parse_orderbook",
    "parse_series",
    "parse_trades",
    "unknown_keys",
]


class KalshiPayloadError(ValueError):
    """A single-object payload (historical cutoff, account limits) that cannot be read."""


@dataclass(frozen=True)
class Parsed:
    rows: pl.DataFrame  # typed, one row per good record, columns exactly as the raw table
    rejects: pl.DataFrame  # core.rejects.REJECT_SCHEMA, one row per record that could not be read


# --------------------------------------------------------------------------------------------------
# Field specs
# --------------------------------------------------------------------------------------------------

MARKET_STATUSES = frozenset(
    {"initialized", "inactive", "active", "closed", "determined", "disputed", "amended", "finalized"}
)
# The filter vocabulary older payloads used as a status, mapped onto the lifecycle values.
LEGACY_MARKET_STATUSES: Mapping[str, str] = {"open": "active", "unopened": "initialized", "settled": "finalized"}


def _text(name: str, **kw) -> Field:
    return Field(name, "text", **kw)


def _ts(name: str, **kw) -> Field:
    return Field(name, "ts", **kw)


def _price(name: str, legacy: bool = True) -> Field:
    return Field(name, "price", key=f"{name}_dollars", legacy=name if legacy else None)


def _count(name: str, legacy: bool = True) -> Field:
    return Field(name, "count", key=f"{name}_fp", legacy=name if legacy else None)


MARKET_FIELDS: tuple[Field, ...] = (
    _text("ticker", required=True),
    _text("event_ticker", required=True),
    _text("market_type"),
    Field("status", "enum", values=MARKET_STATUSES, aliases=LEGACY_MARKET_STATUSES),
    _text("title"),
    _text("subtitle"),
    _text("yes_sub_title"),
    _text("no_sub_title"),
    _text("category"),
    _ts("created_time"),
    _ts("updated_time"),
    _ts("open_time"),
    _ts("close_time"),
    _ts("expected_expiration_time"),
    _ts("expiration_time"),
    _ts("latest_expiration_time"),
    _ts("settlement_ts"),
    _ts("occurrence_datetime"),
    _ts("fee_waiver_expiration_time"),
    Field("settlement_timer_seconds", "int"),
    _price("yes_bid"),
    _price("yes_ask"),
    _price("no_bid"),
    _price("no_ask"),
    _price("last_price"),
    _price("previous_yes_bid"),
    _price("previous_yes_ask"),
    _price("previous_price"),
    _price("settlement_value"),
    # Top-of-book sizes are signed: real finalized markets carry e.g. yes_ask_size_fp "-1048538.00"
    # (kalshi_rest_events_and_markets_KXNCAAMBGAME_2026_bracket-kal.json, 104 of 954 markets), so a
    # negative size is stored as sent rather than rejecting the market.
    Field("yes_bid_size", "decimal", key="yes_bid_size_fp"),
    Field("yes_ask_size", "decimal", key="yes_ask_size_fp"),
    _count("volume"),
    _count("volume_24h"),
    _count("open_interest"),
    Field("liquidity", "amount", key="liquidity_dollars", legacy="liquidity"),
    Field("notional_value", "amount", key="notional_value_dollars", legacy="notional_value"),
    Field("risk_limit", "amount", key="risk_limit_dollars", legacy="risk_limit_cents"),
    _text("result"),
    _text("expiration_value"),
    Field("can_close_early", "bool"),
    Field("fractional_trading_enabled", "bool"),
    Field("is_provisional", "bool"),
    _text("strike_type"),
    Field("floor_strike", "decimal"),
    Field("cap_strike", "decimal"),
    _text("functional_strike"),
    Field("custom_strike", "json"),
    _text("rules_primary"),
    _text("rules_secondary"),
    _text("early_close_condition"),
    _text("response_price_units"),
    Field("tick_size", "int"),
    _text("price_level_structure"),
    Field("price_ranges", "json"),
    _text("mve_collection_ticker"),
    Field("mve_selected_legs", "json"),
    _text("primary_participant_key"),
)

EVENT_FIELDS: tuple[Field, ...] = (
    _text("event_ticker", required=True),
    _text("series_ticker"),
    _text("title"),
    _text("sub_title"),
    _text("category"),
    _text("collateral_return_type"),
    Field("mutually_exclusive", "bool"),
    Field("available_on_brokers", "bool"),
    _ts("strike_date"),
    _text("strike_period"),
    _ts("last_updated_ts"),
    Field("product_metadata", "json"),
)

SERIES_FIELDS: tuple[Field, ...] = (
    _text("ticker", required=True),
    _text("title"),
    _text("category"),
    _text("frequency"),
    _text("fee_type"),
    Field("fee_multiplier", "decimal", minimum=Decimal(0)),
    _text("contract_url"),
    _text("contract_terms_url"),
    _count("volume"),
    _ts("last_updated_ts"),
    Field("exchange_index", "int"),
    Field("tags", "json"),
    Field("categories", "json"),
    Field("settlement_sources", "json"),
    Field("additional_prohibitions", "json"),
    Field("product_metadata", "json"),
)

TRADE_FIELDS: tuple[Field, ...] = (
    _text("trade_id", required=True),
    _text("ticker", required=True),
    Field("count", "count", key="count_fp", legacy="count"),
    Field("yes_price", "price", key="yes_price_dollars", legacy="yes_price"),
    Field("no_price", "price", key="no_price_dollars", legacy="no_price"),
    Field("taker_side", "enum", values=frozenset({"yes", "no"})),
    Field("taker_outcome_side", "enum", values=frozenset({"yes", "no"})),
    Field("taker_book_side", "enum", values=frozenset({"bid", "ask"})),
    Field("is_block_trade", "bool"),
    _ts("created_time"),
)

_CANDLE_BLOCKS: dict[str, tuple[str, ...]] = {
    "yes_bid": ("open", "high", "low", "close"),
    "yes_ask": ("open", "high", "low", "close"),
    "price": ("open", "high", "low", "close", "mean", "previous", "min", "max"),
}
CANDLE_TIERS = ("live", "historical")


def candle_fields(tier: str) -> tuple[Field, ...]:
    """The typed fields of a candle of ``tier``; keys are ``block.name`` paths (``yes_bid.open_dollars``)."""
    # Live tier: ``open_dollars`` strings, legacy bare ``open`` integer cents. Historical tier: bare
    # ``open`` dollar strings (``_dollars`` names are read too, should it adopt them).
    unit = "cents" if tier == "live" else "dollars"
    prices = tuple(
        Field(f"{block}_{stat}", "price", key=f"{block}.{stat}_dollars", legacy=f"{block}.{stat}", legacy_unit=unit)
        for block, stats in _CANDLE_BLOCKS.items()
        for stat in stats
    )
    return (
        _ts("end_period_ts", required=True),
        *prices,
        _count("volume"),
        _count("open_interest"),
    )


_ORDERBOOK_FIELDS: tuple[Field, ...] = (
    Field("price", "price", key="price", legacy="price_cents"),
    Field("count", "count", key="count"),
)


def _known(fields: Iterable[Field], *extra: str) -> frozenset[str]:
    return frozenset(k for f in fields for k in f.keys()) | frozenset(extra)


KNOWN_MARKET_KEYS = _known(MARKET_FIELDS)
KNOWN_EVENT_KEYS = _known(EVENT_FIELDS, "markets")
KNOWN_SERIES_KEYS = _known(SERIES_FIELDS)
KNOWN_TRADE_KEYS = _known(TRADE_FIELDS)
_CANDLE_SCALARS = ("end_period_ts", "volume_fp", "volume", "open_interest_fp", "open_interest")
KNOWN_CANDLE_KEYS = frozenset({*_CANDLE_SCALARS, "yes_bid", "yes_ask", "price"})
KNOWN_CANDLE_BLOCK_KEYS = frozenset(k for stats in _CANDLE_BLOCKS.values() for s in stats for k in (s, f"{s}_dollars"))
KNOWN_ORDERBOOK_KEYS = frozenset({"orderbook_fp", "orderbook", "ticker", "yes_dollars", "no_dollars", "yes", "no"})

# --------------------------------------------------------------------------------------------------
# Raw tables
# --------------------------------------------------------------------------------------------------

_TAIL: dict[str, pl.DataType] = {"raw_json": pl.String(), "fetched_at": TS_DTYPE, "batch_id": pl.String()}


def _columns(fields: Iterable[Field]) -> dict[str, pl.DataType]:
    return {f.name: f.dtype for f in fields} | _TAIL


_MARKET_COLUMNS = _columns(MARKET_FIELDS)

SNAPSHOT_COLUMNS: dict[str, pl.DataType] = {
    "batch_id": pl.String(),
    "ticker": pl.String(),
    "event_ticker": pl.String(),
    "status": pl.String(),
    **{
        name: DECIMAL_DTYPE
        for name in (
            "yes_bid", "yes_ask", "no_bid", "no_ask", "yes_bid_size", "yes_ask_size", "last_price",
            "previous_price", "volume", "volume_24h", "open_interest", "liquidity",
        )
    },
    "updated_time": TS_DTYPE,
    "fetched_at": TS_DTYPE,
}

_CANDLE_COLUMNS: dict[str, pl.DataType] = {
    "ticker": pl.String(),
    "period_interval": pl.Int32(),
    "end_period_ts": TS_DTYPE,
    "period_date": pl.Date(),
    "source_tier": pl.String(),
    **{f.name: f.dtype for f in candle_fields("live") if f.name != "end_period_ts"},
    **_TAIL,
}

_ORDERBOOK_COLUMNS: dict[str, pl.DataType] = {
    "ticker": pl.String(),
    "side": pl.String(),
    "level_rank": pl.Int32(),
    "price": DECIMAL_DTYPE,
    "count": DECIMAL_DTYPE,
    "format": pl.String(),
    **_TAIL,
}

RAW_TABLE_COLUMNS: dict[str, dict[str, pl.DataType]] = {
    "raw.kalshi_series": _columns(SERIES_FIELDS),
    "raw.kalshi_events": _columns(EVENT_FIELDS),
    "raw.kalshi_markets": _MARKET_COLUMNS,
    "raw.kalshi_market_snapshots": SNAPSHOT_COLUMNS,
    "raw.kalshi_orderbooks": _ORDERBOOK_COLUMNS,
    "raw.kalshi_trades": _columns(TRADE_FIELDS),
    "raw.kalshi_candlesticks": _CANDLE_COLUMNS,
}

NATURAL_KEYS: dict[str, list[str]] = {
    "raw.kalshi_series": ["ticker"],
    "raw.kalshi_events": ["event_ticker"],
    "raw.kalshi_markets": ["ticker"],
    "raw.kalshi_market_snapshots": ["batch_id", "ticker"],
    "raw.kalshi_orderbooks": ["batch_id", "ticker", "side", "price"],
    "raw.kalshi_trades": ["trade_id"],
    "raw.kalshi_candlesticks": ["ticker", "period_interval", "end_period_ts"],
}

# --------------------------------------------------------------------------------------------------
# Shared machinery
# --------------------------------------------------------------------------------------------------


def _check_context(fetched_at: datetime, batch_id: str) -> datetime:
    if not isinstance(fetched_at, datetime) or fetched_at.tzinfo is None:
        raise ValueError(f"fetched_at must be a timezone-aware datetime, got {fetched_at!r}")
    if not isinstance(batch_id, str) or not batch_id:
        raise ValueError(f"batch_id must be a non-empty string, got {batch_id!r}")
    return fetched_at.astimezone(UTC)


def _empty(table: str) -> pl.DataFrame:
    return pl.DataFrame(schema=RAW_TABLE_COLUMNS[table])


def _finish(
    good: pl.DataFrame,
    fields: Sequence[Field],
    table: str,
    constants: Mapping[str, object],
    derived: Mapping[str, pl.Expr] | None = None,
) -> pl.DataFrame:
    """Good rows in the table's column order and types."""
    exprs: dict[str, pl.Expr] = {f.name: value_column(f.name) for f in fields}
    exprs[RAW] = pl.col(RAW)
    for name, value in constants.items():
        exprs[name] = pl.lit(value)
    for name, expr in (derived or {}).items():
        exprs[name] = expr
    schema = RAW_TABLE_COLUMNS[table]
    return good.select(exprs[name].cast(dtype).alias(name) for name, dtype in schema.items())


def _reject_rows(
    bad: pl.DataFrame | None,
    key_column: str | None,
    bad_items: Sequence[tuple[int, object, str]],
    *,
    source: str,
    kind: str,
    fetched_at: datetime,
    batch_id: str,
    key_of_item=None,
) -> list[dict]:
    """Reject dicts for unreadable items and for checked rows with a reason, in input order."""
    out: list[tuple[int, dict]] = []
    for position, item, reason in bad_items:
        key = key_of_item(item) if key_of_item else None
        out.append(
            (
                position,
                make_reject(
                    source=source, kind=kind, reason=reason, body=safe_dumps(item), fetched_at=fetched_at,
                    batch_id=batch_id, natural_key=key,
                ),
            )
        )
    if bad is not None and bad.height:
        keys = bad.get_column(key_column).to_list() if key_column else [None] * bad.height
        columns = (bad.get_column(ROW).to_list(), bad.get_column(RAW).to_list(), bad.get_column(REASON).to_list(), keys)
        for position, raw, reason, key in zip(*columns, strict=True):
            out.append(
                (
                    position,
                    make_reject(
                        source=source, kind=kind, reason=reason, body=raw, fetched_at=fetched_at,
                        batch_id=batch_id, natural_key=key or None,
                    ),
                )
            )
    out.sort(key=lambda pair: pair[0])
    return [reject for _, reject in out]


def _rejects(rows: list[dict]) -> pl.DataFrame:
    return rejects_frame(rows) if rows else pl.DataFrame(schema=REJECT_SCHEMA)


def _key_of(name: str):
    def key(item: object) -> str | None:
        value = item.get(name) if isinstance(item, dict) else None
        return value if isinstance(value, str) and value else None

    return key


# Large batches are parsed in chunks on two threads: the Python half of one chunk (JSON encoding)
# overlaps the polars half of another (which releases the GIL). Output is identical to one pass.
# Chunks of at most CHUNK_RECORDS (10k markets, ~17 MB of JSON: smaller buffers are cheaper to
# allocate and stay in cache better than 25k ones, measured ~5% faster at 100k), and a batch of more
# than _MIN_SPLIT records is split in at least _WORKERS chunks so that both threads work.
CHUNK_RECORDS = 10_000
_MIN_SPLIT = 5_000
_WORKERS = max(1, min(2, os.cpu_count() or 1))


def _parse_records(
    items: object,
    fields: Sequence[Field],
    table: str,
    *,
    kind: str,
    key_name: str,
    source: str,
    fetched_at: datetime,
    batch_id: str,
    defaults: Mapping[str, Sequence[object]] | None = None,
) -> Parsed:
    fetched_at = _check_context(fetched_at, batch_id)
    common = dict(kind=kind, key_name=key_name, source=source, fetched_at=fetched_at, batch_id=batch_id)
    if not isinstance(items, (list, tuple)) or len(items) <= min(CHUNK_RECORDS, _MIN_SPLIT) or _WORKERS < 2:
        return _parse_chunk(items, fields, table, defaults=defaults, **common)
    size = min(CHUNK_RECORDS, -(-len(items) // _WORKERS))
    starts = range(0, len(items), size)

    def chunk(start: int) -> Parsed:
        part = {k: v[start : start + size] for k, v in (defaults or {}).items()}
        return _parse_chunk(items[start : start + size], fields, table, defaults=part, **common)

    with ThreadPoolExecutor(max_workers=_WORKERS, thread_name_prefix="kalshi-parse") as pool:
        parts = list(pool.map(chunk, starts))
    return Parsed(pl.concat([p.rows for p in parts]), pl.concat([p.rejects for p in parts]))


def _parse_chunk(
    items: object,
    fields: Sequence[Field],
    table: str,
    *,
    kind: str,
    key_name: str,
    source: str,
    fetched_at: datetime,
    batch_id: str,
    defaults: Mapping[str, Sequence[object]] | None = None,
) -> Parsed:
    rf = records_frame(items, text_keys(fields), json_keys(fields))
    frame = rf.frame
    for key, values in (defaults or {}).items():
        # A value inherited from the parent record (e.g. a nested market's event_ticker) fills a gap
        # only; raw_json stays the record as sent.
        if frame.height:
            parent = pl.Series([as_text(v) for v in values], dtype=pl.String).gather(frame.get_column(ROW))
            own = pl.col(key)
            has_own = own.is_not_null() & (own.str.strip_chars() != "")
            frame = frame.with_columns(pl.when(has_own).then(own).otherwise(parent).alias(key))
    checked = apply_fields(frame, fields)
    rows = _finish(checked.good, fields, table, {"fetched_at": fetched_at, "batch_id": batch_id})
    rejects = _reject_rows(
        checked.bad, key_name, rf.bad, source=source, kind=kind, fetched_at=fetched_at, batch_id=batch_id,
        key_of_item=_key_of(key_name),
    )
    return Parsed(rows, _rejects(rejects))


# --------------------------------------------------------------------------------------------------
# Public parsers
# --------------------------------------------------------------------------------------------------


def parse_markets(items: object, *, source: str, fetched_at: datetime, batch_id: str) -> Parsed:
    """Market objects (GET /markets, /markets/{ticker}, /historical/markets) -> raw.kalshi_markets rows."""
    return _parse_records(
        items, MARKET_FIELDS, "raw.kalshi_markets", kind="market", key_name="ticker",
        source=source, fetched_at=fetched_at, batch_id=batch_id,
    )


def parse_series(items: object, *, source: str, fetched_at: datetime, batch_id: str) -> Parsed:
    """Series objects (GET /series, /series/{ticker}) -> raw.kalshi_series rows."""
    return _parse_records(
        items, SERIES_FIELDS, "raw.kalshi_series", kind="series", key_name="ticker",
        source=source, fetched_at=fetched_at, batch_id=batch_id,
    )


def parse_trades(items: object, *, source: str, fetched_at: datetime, batch_id: str) -> Parsed:
    """Trade objects (GET /markets/trades, /historical/trades) -> raw.kalshi_trades rows."""
    return _parse_records(
        items, TRADE_FIELDS, "raw.kalshi_trades", kind="trade", key_name="trade_id",
        source=source, fetched_at=fetched_at, batch_id=batch_id,
    )


def parse_events(items: object, *, source: str, fetched_at: datetime, batch_id: str) -> tuple[Parsed, Parsed]:
    """Event objects (GET /events, /events/{ticker}) -> (raw.kalshi_events rows, nested market rows).

    With ``with_nested_markets=true`` an event carries its ``markets``; they are parsed as markets (a
    nested market without ``event_ticker`` takes its event's) and left out of the event's ``raw_json``,
    which would otherwise hold every market twice.
    """
    fetched_at = _check_context(fetched_at, batch_id)
    events: object = items
    markets: list[object] = []
    parents: list[object] = []
    market_bad: list[dict] = []
    if isinstance(items, (list, tuple)):
        events = []
        for item in items:
            if isinstance(item, dict) and "markets" in item:
                nested = item["markets"]
                event_ticker = item.get("event_ticker")
                item = {k: v for k, v in item.items() if k != "markets"}
                if isinstance(nested, list):
                    markets.extend(nested)
                    parents.extend([event_ticker] * len(nested))
                elif nested is not None:
                    market_bad.append(
                        make_reject(
                            source=source, kind="market", reason=f"event {event_ticker!r}: markets is not a list",
                            body=safe_dumps(nested), fetched_at=fetched_at, batch_id=batch_id,
                        )
                    )
            events.append(item)
    parsed_events = _parse_records(
        events, EVENT_FIELDS, "raw.kalshi_events", kind="event", key_name="event_ticker",
        source=source, fetched_at=fetched_at, batch_id=batch_id,
    )
    parsed_markets = _parse_records(
        markets, MARKET_FIELDS, "raw.kalshi_markets", kind="market", key_name="ticker",
        source=source, fetched_at=fetched_at, batch_id=batch_id, defaults={"event_ticker": parents},
    )
    if market_bad:
        parsed_markets = Parsed(parsed_markets.rows, pl.concat([parsed_markets.rejects, _rejects(market_bad)]))
    return parsed_events, parsed_markets


def market_snapshot_rows(markets: pl.DataFrame) -> pl.DataFrame:
    """The quote time-series columns of parsed markets (raw.kalshi_market_snapshots), one row per market."""
    return markets.select(pl.col(name).cast(dtype) for name, dtype in SNAPSHOT_COLUMNS.items())


# --- order books ----------------------------------------------------------------------------------

_BOOK_SIDES = ("yes", "no")


def parse_orderbook(payload: object, ticker: str, *, source: str, fetched_at: datetime, batch_id: str) -> Parsed:
    """GET /markets/{ticker}/orderbook -> raw.kalshi_orderbooks rows, one per price level.

    Kalshi sends bids only: ``orderbook_fp.yes_dollars`` / ``no_dollars`` as ``[[price, count], ...]``
    ascending, best bid LAST (format ``orderbook_fp``). Older payloads: ``orderbook.yes`` / ``no`` as
    ``[[cents, quantity], ...]`` (format ``orderbook_cents``) or ``orderbook.yes_dollars`` (format
    ``orderbook_dollars``); a side may be null (no bids). ``level_rank`` 1 is the best (highest) bid of a
    side, whatever order the levels came in. A level that cannot be read, or repeats a price already
    seen on its side, is a reject; an empty book gives no rows.
    """
    fetched_at = _check_context(fetched_at, batch_id)
    table = "raw.kalshi_orderbooks"

    def whole_payload_reject(reason: str) -> Parsed:
        reject = make_reject(
            source=source, kind="orderbook", reason=reason, body=safe_dumps(payload), fetched_at=fetched_at,
            batch_id=batch_id, natural_key=ticker if isinstance(ticker, str) and ticker else None,
        )
        return Parsed(_empty(table), _rejects([reject]))

    if not isinstance(ticker, str) or not ticker:
        return whole_payload_reject(f"no market ticker for the order book (got {ticker!r})")
    if not isinstance(payload, dict):
        return whole_payload_reject(f"order book payload is not a JSON object but {type(payload).__name__}")
    if payload.get("orderbook_fp") is not None:
        book, fmt, container = payload["orderbook_fp"], "orderbook_fp", "orderbook_fp"
    elif payload.get("orderbook") is not None:
        book, container = payload["orderbook"], "orderbook"
        fmt = None
    elif "orderbook_fp" in payload or "orderbook" in payload:
        return Parsed(_empty(table), _rejects([]))  # an explicitly null book: nothing to store
    else:
        keys = ", ".join(sorted(map(str, payload))[:10])
        return whole_payload_reject(f"no orderbook_fp or orderbook in payload (keys: {keys})")
    if not isinstance(book, dict):
        return whole_payload_reject(f"{container} is not a JSON object but {type(book).__name__}")

    side_col: list[str] = []
    label_col: list[str] = []
    price_col: list[str | None] = []
    cents_col: list[str | None] = []
    count_col: list[str | None] = []
    raw_col: list[str] = []
    fmt_col: list[str] = []
    pre_col: list[str | None] = []
    side_problems: list[str] = []
    for side in _BOOK_SIDES:
        if fmt == "orderbook_fp":
            key, side_fmt, dollars = f"{side}_dollars", "orderbook_fp", True
        elif book.get(f"{side}_dollars") is not None:
            key, side_fmt, dollars = f"{side}_dollars", "orderbook_dollars", True
        else:
            key, side_fmt, dollars = side, "orderbook_cents", False
        levels = book.get(key)
        if levels is None:
            continue
        if not isinstance(levels, list):
            side_problems.append(f"{container}.{key} is not a list but {type(levels).__name__}")
            continue
        for i, level in enumerate(levels):
            label = f"{container}.{key}[{i}]"
            side_col.append(side)
            label_col.append(label)
            fmt_col.append(side_fmt)
            raw_col.append(safe_dumps(level))
            if isinstance(level, (list, tuple)) and len(level) == 2:
                price, count = as_text(level[0]), as_text(level[1])
                price_col.append(price if dollars else None)
                cents_col.append(None if dollars else price)
                count_col.append(count)
                pre_col.append(None if price is not None and count is not None else "level has a null price or count")
            else:
                price_col.append(None)
                cents_col.append(None)
                count_col.append(None)
                pre_col.append("level is not a [price, count] pair")
    rejects = [
        make_reject(
            source=source, kind="orderbook", reason=problem, body=safe_dumps(payload), fetched_at=fetched_at,
            batch_id=batch_id, natural_key=ticker,
        )
        for problem in side_problems
    ]
    if not side_col:
        return Parsed(_empty(table), _rejects(rejects))
    frame = pl.DataFrame(
        {
            ROW: pl.Series(range(len(side_col)), dtype=pl.Int64),
            RAW: pl.Series(raw_col, dtype=pl.String),
            "side": pl.Series(side_col, dtype=pl.String),
            "__label": pl.Series(label_col, dtype=pl.String),
            "format": pl.Series(fmt_col, dtype=pl.String),
            "price": pl.Series(price_col, dtype=pl.String),
            "price_cents": pl.Series(cents_col, dtype=pl.String),
            "count": pl.Series(count_col, dtype=pl.String),
            "__pre": pl.Series(pre_col, dtype=pl.String),
        }
    )
    pre = pl.col("__pre")
    checked = apply_fields(frame, _ORDERBOOK_FIELDS, extra_checks=[Check(pre.is_not_null(), pre)])
    label = pl.col("__label")
    bad = checked.bad.with_columns(pl.format("{}: {}", label, pl.col(REASON)).alias(REASON))
    # A price seen twice on one side: the first level stands, the repeat is a reject.
    good = checked.good.sort(ROW)
    repeat = ~pl.struct("side", value_column("price")).is_first_distinct()
    repeats = good.filter(repeat).with_columns(
        pl.format("{}: price {} repeats a level already on the {} side", label, value_column("price"), pl.col("side"))
        .alias(REASON)
    )
    good = good.filter(~repeat)
    rows = _finish(
        good,
        _ORDERBOOK_FIELDS,
        table,
        {"ticker": ticker, "fetched_at": fetched_at, "batch_id": batch_id},
        derived={
            "side": pl.col("side"),
            "format": pl.col("format"),
            "level_rank": value_column("price").rank("ordinal", descending=True).over("side"),
        },
    )
    bad = pl.concat([bad, repeats.select(bad.columns)]).with_columns(pl.lit(ticker).alias("__ticker"))
    rejects += _reject_rows(
        bad, "__ticker", (), source=source, kind="orderbook", fetched_at=fetched_at, batch_id=batch_id
    )
    return Parsed(rows.sort("side", "level_rank", descending=[True, False]), _rejects(rejects))


# --- candlesticks ---------------------------------------------------------------------------------


def parse_candlesticks(
    items: object,
    ticker: str,
    period_interval: int,
    source_tier: str = "live",
    *,
    source: str,
    fetched_at: datetime,
    batch_id: str,
) -> Parsed:
    """Candles of one market -> raw.kalshi_candlesticks rows.

    ``source_tier="live"`` (GET /series/{s}/markets/{t}/candlesticks): ``yes_bid.open_dollars`` ... strings,
    ``volume_fp`` / ``open_interest_fp``; before 2026-03-12 also (or only) bare integer cents
    (``yes_bid.open: 56``) and integer ``volume``. ``source_tier="historical"`` (GET /historical/markets/
    {t}/candlesticks): bare names holding dollar strings (``price.open: "0.9200"``) and fp strings in
    ``volume`` / ``open_interest``. A ``price`` block (or field) is null when nothing traded: null columns.
    ``period_date`` is the UTC date of ``end_period_ts`` (the daily partition).
    """
    fetched_at = _check_context(fetched_at, batch_id)
    if source_tier not in CANDLE_TIERS:
        raise ValueError(f"source_tier must be one of {CANDLE_TIERS}, got {source_tier!r}")
    if isinstance(period_interval, bool) or not isinstance(period_interval, int) or period_interval < 0:
        raise ValueError(f"period_interval must be a non-negative int (minutes), got {period_interval!r}")
    table = "raw.kalshi_candlesticks"
    fields = candle_fields(source_tier)
    unreadable: list[tuple[int, object, str]] = []
    if items is None:
        items = []
    if not isinstance(items, (list, tuple)):
        unreadable.append((0, items, f"expected a list of candles, got {type(items).__name__}"))
        items = []
    if not isinstance(ticker, str) or not ticker:
        unreadable.extend((i, c, f"no market ticker for the candles (got {ticker!r})") for i, c in enumerate(items))
        items = []
    keys = text_keys(fields)
    columns: dict[str, list[str | None]] = {k: [] for k in keys}
    rows_at: list[int] = []
    raws: list[str] = []
    pre: list[str | None] = []
    for i, candle in enumerate(items):
        if not isinstance(candle, dict):
            unreadable.append((i, candle, f"candle is not a JSON object but {type(candle).__name__}"))
            continue
        try:
            raw = dumps(candle)
            raw.encode("utf-8")
        except (TypeError, ValueError, UnicodeError, RecursionError) as exc:
            unreadable.append((i, candle, f"candle cannot be encoded as JSON: {exc}"))
            continue
        problems: list[str] = []
        flat: dict[str, object] = {k: candle.get(k) for k in _CANDLE_SCALARS}
        for block, stats in _CANDLE_BLOCKS.items():
            values = candle.get(block)
            if values is None:
                continue
            if not isinstance(values, dict):
                problems.append(f"{block} is not a JSON object but {type(values).__name__}")
                continue
            for stat in stats:
                flat[f"{block}.{stat}_dollars"] = values.get(f"{stat}_dollars")
                flat[f"{block}.{stat}"] = values.get(stat)
        for k in keys:
            columns[k].append(as_text(flat.get(k)))
        rows_at.append(i)
        raws.append(raw)
        pre.append("; ".join(problems) or None)
    frame = pl.DataFrame(
        {
            ROW: pl.Series(rows_at, dtype=pl.Int64),
            RAW: pl.Series(raws, dtype=pl.String),
            "__pre": pl.Series(pre, dtype=pl.String),
            **{k: pl.Series(v, dtype=pl.String) for k, v in columns.items()},
        }
    )
    pre = pl.col("__pre")
    checked = apply_fields(frame, fields, extra_checks=[Check(pre.is_not_null(), pre)])
    end = value_column("end_period_ts")
    rows = _finish(
        checked.good,
        fields,
        table,
        {
            "ticker": ticker or None,
            "period_interval": period_interval,
            "source_tier": source_tier,
            "fetched_at": fetched_at,
            "batch_id": batch_id,
        },
        derived={"period_date": end.dt.convert_time_zone("UTC").dt.date()},
    )
    bad = checked.bad.with_columns(pl.lit(ticker if isinstance(ticker, str) else None, pl.String).alias("__ticker"))
    rejects = _reject_rows(
        bad, "__ticker", unreadable, source=source, kind="candlestick", fetched_at=fetched_at, batch_id=batch_id,
        key_of_item=lambda _item: ticker if isinstance(ticker, str) and ticker else None,
    )
    return Parsed(rows, _rejects(rejects))


# --- single-object payloads -----------------------------------------------------------------------

_CUTOFF_REQUIRED = ("market_settled_ts", "trades_created_ts", "orders_updated_ts")


def parse_historical_cutoff(payload: object) -> dict[str, datetime]:
    """GET /historical/cutoff -> {name: aware UTC datetime} for every ``*_ts`` field.

    Data older than ``market_settled_ts`` (markets, candles), ``trades_created_ts`` (fills) and
    ``orders_updated_ts`` (orders) is only on ``/historical/*``. Raises :class:`KalshiPayloadError` when
    a required cutoff is missing or unreadable: without it no request can be routed correctly.
    """
    if not isinstance(payload, dict):
        raise KalshiPayloadError(f"historical cutoff: expected a JSON object, got {type(payload).__name__}")
    missing = [k for k in _CUTOFF_REQUIRED if payload.get(k) in (None, "")]
    if missing:
        raise KalshiPayloadError(f"historical cutoff: missing {', '.join(missing)}")
    out: dict[str, datetime] = {}
    for key, value in payload.items():
        if not (isinstance(key, str) and key.endswith("_ts")) or value in (None, ""):
            continue
        try:
            out[key] = parse_ts(value, field=key)
        except TimeParseError as exc:
            raise KalshiPayloadError(f"historical cutoff: {exc}") from exc
    return out


def parse_account_limits(payload: object) -> dict[str, object]:
    """GET /account/limits -> ``{"usage_tier": str, "read_limit": int, "write_limit": int}``.

    The limits are requests per second (``core.token_bucket`` turns them into tokens). Raises
    :class:`KalshiPayloadError` when a field is missing or not a positive integer.
    """
    if not isinstance(payload, dict):
        raise KalshiPayloadError(f"account limits: expected a JSON object, got {type(payload).__name__}")
    tier = payload.get("usage_tier")
    if not isinstance(tier, str) or not tier:
        raise KalshiPayloadError(f"account limits: usage_tier {tier!r} is not a name")
    out: dict[str, object] = {"usage_tier": tier}
    for key in ("read_limit", "write_limit"):
        value = payload.get(key)
        if isinstance(value, str) and value.strip().isdigit():
            value = int(value.strip())
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise KalshiPayloadError(f"account limits: {key} {value!r} is not a positive integer")
        out[key] = value
    return out


# --- helpers --------------------------------------------------------------------------------------


def unknown_keys(items: object, known: frozenset[str]) -> dict[str, int]:
    """Top-level keys the parser does not know, with how many records carried each (schema drift)."""
    counts: Counter[str] = Counter()
    if isinstance(items, (list, tuple)):
        for item in items:
            if isinstance(item, dict):
                counts.update(k for k in item.keys() - known)
    return dict(counts)


def normalize_sdk_dump(value: object) -> object:
    """Undo the kalshi_python SDK's ``__dict__`` dumps: ``_``-prefixed keys lose the ``_``, and the
    SDK's own ``discriminator`` key goes. Only for such saved dumps; Kalshi's wire never needs it."""
    if isinstance(value, dict):
        return {
            (k[1:] if isinstance(k, str) and k.startswith("_") else k): normalize_sdk_dump(v)
            for k, v in value.items()
            if k != "discriminator"
        }
    if isinstance(value, list):
        return [normalize_sdk_dump(v) for v in value]
    return value

