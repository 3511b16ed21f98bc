"""Streaming capture: a bounded window of Kalshi WebSocket frames, and order books rebuilt from it."""

import time
from decimal import Decimal
from datetime import UTC, datetime

import dagster as dg
import orjson
import polars as pl

from kalshi_platform.clients.http import HttpError
from kalshi_platform.core.instruments import build_instruments
from kalshi_platform.core.money import MoneyError, parse_fixed
from kalshi_platform.core.kalshi.ws import FRAME_COLUMNS, lifecycle_markets, parse_frames
from kalshi_platform.core.orderbook import (
    TOP_INT_SCHEMA,
    ReferenceBook,
    agreement,
    connections_of,
    rebuild_top,
    to_table,
)
from kalshi_platform.core.orderbook.book import to_hundredths, to_u4
from kalshi_platform.defs.common import DUCKDB_WRITE_POOL, markdown_preview, open_batch, table_result
from kalshi_platform.defs.resources import KalshiApiResource
from kalshi_platform.defs.streaming.resources import KalshiStreamResource
from kalshi_platform.warehouse import queries, streaming, writes
from kalshi_platform.warehouse.resource import WarehouseResource

GROUP = "streaming"
KINDS = {"duckdb", "polars", "kalshi"}
MESSAGES = "raw.kalshi_ws_messages"
REST_BOOKS = "raw.kalshi_ws_rest_books"
TOP = "core.orderbook_top"
SOURCE = "kalshi WS /trade-api/ws/v2"

REST_BOOK_SCHEMA = {
    "capture_id": pl.String(), "ticker": pl.String(), "requested_at": pl.Datetime("us", "UTC"),
    "received_at": pl.Datetime("us", "UTC"), "yes_levels": pl.String(), "no_levels": pl.String(),
    "error": pl.String(), "batch_id": pl.String(),
}


def _now() -> datetime:
    return datetime.now(UTC)


def _pick_markets(con, client, limit: int) -> list[str]:
    """The busiest open markets of the latest quote poll; without one, of the exchange's first page."""
    if limit <= 0:
        return []
    tickers = queries.most_active_open_markets(con, limit)
    if tickers:
        return tickers
    page = client.get_markets(status="open", max_pages=1)

    def volume(m: dict) -> Decimal:
        try:
            return parse_fixed(m.get("volume_24h_fp") or m.get("volume_24h") or 0, field="volume_24h")
        except MoneyError:
            return Decimal(0)  # only orders the markets to subscribe to

    return [m["ticker"] for m in sorted(page.items, key=volume, reverse=True)[:limit] if m.get("ticker")]


def _rest_books(client, capture_id: str, batch_id: str, markets: list[str]) -> pl.DataFrame:
    """Each market's REST book, with the instants around the request (the verification reference)."""
    rows = []
    for ticker in markets:
        requested_at = _now()
        yes = no = error = None
        try:
            book = client.get_orderbook(ticker).get("orderbook_fp") or {}
            yes = orjson.dumps(book.get("yes_dollars") or []).decode()
            no = orjson.dumps(book.get("no_dollars") or []).decode()
        except (HttpError, AttributeError) as exc:
            error = str(exc)
        rows.append({"capture_id": capture_id, "ticker": ticker, "requested_at": requested_at,
                     "received_at": _now(), "yes_levels": yes, "no_levels": no, "error": error,
                     "batch_id": batch_id})
    return pl.DataFrame(rows, schema=REST_BOOK_SCHEMA)


def _fast_path_instruments(con, messages: pl.DataFrame, lifecycle: list[dict]) -> pl.DataFrame:
    """Instruments for markets first seen on the stream, from the ticker (and lifecycle metadata);
    only rows core.instruments does not already hold."""
    seen = messages.get_column("market_ticker").drop_nulls().unique().to_list()
    new = sorted(set(seen) - streaming.known_instruments(con, seen))
    if not new:
        return pl.DataFrame()
    described = lifecycle_markets(lifecycle)
    markets = pl.DataFrame({"ticker": new}).join(described, on="ticker", how="left")
    rows = build_instruments(markets, now=_now())
    writes.upsert(con, "core.instruments", rows, key=["ticker"])
    return rows


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            key=["raw", "kalshi_ws_messages"],
            group_name=GROUP,
            kinds=KINDS,
            deps=[dg.AssetKey(["raw", "kalshi_market_snapshots"])],
            description=(
                "Every frame of a bounded Kalshi WebSocket capture (KALSHI_WS_CAPTURE_SECONDS) of the busiest "
                "open markets: order-book snapshots and deltas, tickers, trades, fills and market lifecycle, "
                "with receive time, connection (one per API key) and the frame text. Unreadable frames also go "
                "to raw.rejects. Markets first seen here get an instrument at once (the fast path)."
            ),
        ),
        dg.AssetSpec(
            key=["raw", "kalshi_ws_rest_books"],
            group_name=GROUP,
            kinds=KINDS,
            description=(
                "The REST order book of every captured market, fetched at the end of the window while the "
                "stream was still open: the reference the rebuilt books are checked against."
            ),
        ),
    ],
    pool=DUCKDB_WRITE_POOL,
)
def kalshi_ws_capture(
    context: dg.AssetExecutionContext,
    warehouse: WarehouseResource,
    kalshi: KalshiApiResource,
    kalshi_stream: KalshiStreamResource,
):
    """Captures one window of the stream, then stores its frames and the REST reference books."""
    with open_batch(warehouse, MESSAGES) as batch, kalshi.client(batch.reject_log) as client:
        con = batch.con
        capture_id = batch.batch_id
        markets = _pick_markets(con, client, kalshi_stream.markets)
        context.log.info(f"capturing {len(markets)} markets for {kalshi_stream.capture_seconds:g} s")
        with kalshi_stream.capture(capture_id, markets) as (cap, info):
            connected = cap.wait_connected(10)
            if not connected:
                batch.incomplete("not every WebSocket connection opened within 10 s")
            time.sleep(kalshi_stream.capture_seconds)
            rest = _rest_books(client, capture_id, batch.batch_id, markets)
            time.sleep(kalshi_stream.verify_grace_s)
            result = cap.stop()
        frames = pl.DataFrame(
            [{k: getattr(f, k) for k in FRAME_COLUMNS} for f in result.frames], schema=FRAME_COLUMNS
        )
        parsed = parse_frames(frames, source=SOURCE, batch_id=batch.batch_id, fetched_at=_now())
        rows = parsed.messages.with_columns(
            pl.lit(capture_id).alias("capture_id"), pl.lit(batch.batch_id).alias("batch_id")
        )
        writes.upsert(con, MESSAGES, rows, key=["connection_id", "frame_no"])
        writes.upsert(con, REST_BOOKS, rest, key=["capture_id", "ticker"])
        batch.rows_written = rows.height + rest.height
        batch.write_rejects([parsed.rejects])
        instruments = _fast_path_instruments(con, rows, parsed.lifecycle)
        totals = result.totals()
        if totals["errors"]:
            batch.notes.append(f"{totals['errors']} connection error(s)")
        by_type = dict(rows.group_by("msg_type").len().sort("len", descending=True).iter_rows())
        extra = {
            "capture_id": capture_id,
            "markets": dg.MetadataValue.int(len(markets)),
            "frames": dg.MetadataValue.int(rows.height),
            "frames_by_type": dg.MetadataValue.json({str(k): v for k, v in by_type.items()}),
            "unreadable_frames": dg.MetadataValue.int(parsed.rejects.height),
            "connections": dg.MetadataValue.json([s.as_dict() for s in result.stats]),
            "connection_errors": dg.MetadataValue.json([e for s in result.stats for e in s.errors][:20]),
            "stream": dg.MetadataValue.json({k: v for k, v in info.items() if k != "server"}),
            "instruments_added": dg.MetadataValue.int(instruments.height),
            **{k: dg.MetadataValue.int(v) for k, v in totals.items()},
        }
        if "server" in info:
            extra["sandbox_server"] = dg.MetadataValue.json(info["server"])
        messages_result = table_result(batch, MESSAGES, rows, extra=extra)
        yield dg.MaterializeResult(asset_key=["raw", "kalshi_ws_messages"], metadata=messages_result.metadata)
        rest_result = table_result(batch, REST_BOOKS, rest, extra={
            "capture_id": capture_id,
            "fetch_errors": dg.MetadataValue.int(rest.filter(pl.col("error").is_not_null()).height),
        })
        yield dg.MaterializeResult(asset_key=["raw", "kalshi_ws_rest_books"], metadata=rest_result.metadata)


def _rebuild(con, capture_id: str):
    frames = streaming.capture_frames(con, capture_id)
    parsed = parse_frames(frames, source=SOURCE, batch_id=capture_id, fetched_at=_now())
    connections = connections_of(frames) if frames.height else None
    return frames, parsed, connections


@dg.asset(
    key=["core", "orderbook_top"],
    group_name=GROUP,
    kinds={"duckdb", "polars"},
    pool=DUCKDB_WRITE_POOL,
    deps=[dg.AssetKey(["raw", "kalshi_ws_messages"])],
    description=(
        "Order books rebuilt from the latest capture's snapshots and deltas (exact fixed point), sampled per "
        "second: best YES and NO bids with sizes, YES ask = 1 - best NO bid, depth and levels per side, the "
        "last seq, and flags: gap (book untrusted after a sequence gap or a dropped connection, until a "
        "fresh snapshot), resnapshot, crossed, negative."
    ),
)
def orderbook_top(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    """Per-second top of book of every market in the latest capture."""
    with open_batch(warehouse, TOP) as batch:
        con = batch.con
        capture_id = streaming.latest_capture_id(con)
        if capture_id is None:
            batch.incomplete("no capture stored yet")
            return table_result(batch, TOP, to_table(pl.DataFrame(schema=TOP_INT_SCHEMA)))
        frames, parsed, connections = _rebuild(con, capture_id)
        end = frames.get_column("received_at").max() if frames.height else None
        top = rebuild_top(parsed.book_messages, parsed.book_levels, connections=connections, end=end)
        rows = to_table(top).with_columns(
            pl.lit(capture_id).alias("capture_id"), pl.lit(batch.batch_id).alias("batch_id")
        )
        writes.upsert(con, TOP, rows, key=["ticker", "ts"])
        batch.rows_written = rows.height
        deltas = parsed.book_messages.filter(pl.col("kind") == "delta").height
        return table_result(batch, TOP, rows, extra={
            "capture_id": capture_id,
            "markets": dg.MetadataValue.int(rows.get_column("ticker").n_unique() if rows.height else 0),
            "deltas": dg.MetadataValue.int(deltas),
            "snapshots": dg.MetadataValue.int(parsed.book_messages.height - deltas),
            "gap_seconds": dg.MetadataValue.int(rows.filter(pl.col("gap")).height),
            "resnapshots": dg.MetadataValue.int(rows.filter(pl.col("resnapshot")).height),
            "crossed_seconds": dg.MetadataValue.int(rows.filter(pl.col("crossed")).height),
            "negative_seconds": dg.MetadataValue.int(rows.filter(pl.col("negative")).height),
        })


def reference_books(rest: pl.DataFrame) -> tuple[list[ReferenceBook], int]:
    """REST rows -> references in fixed point; also how many fetches failed or could not be read."""
    refs, failed = [], 0
    for ticker, requested_at, received_at, yes, no, error in rest.select(
        "ticker", "requested_at", "received_at", "yes_levels", "no_levels", "error"
    ).iter_rows():
        if error is not None or yes is None or no is None:
            failed += 1
            continue
        try:
            levels = [tuple(sorted((to_u4(p), to_hundredths(s)) for p, s in orjson.loads(side))) for side in (yes, no)]
        except (ValueError, TypeError):
            failed += 1
            continue
        refs.append(ReferenceBook(ticker, requested_at, received_at, levels[0], levels[1]))
    return refs, failed


@dg.asset_check(
    asset=["core", "orderbook_top"],
    additional_deps=[dg.AssetKey(["raw", "kalshi_ws_rest_books"])],
    description=(
        "The books rebuilt from the stream agree with REST: for every captured market, the rebuilt book "
        "passed through exactly the levels GET /markets/{ticker}/orderbook returned at the end of the window."
    ),
)
def orderbook_top_agrees_with_rest(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    with warehouse.connect(read_only=True) as con:
        capture_id = streaming.latest_capture_id(con)
        if capture_id is None:
            return dg.AssetCheckResult(passed=False, severity=dg.AssetCheckSeverity.WARN,
                                       metadata={"note": "no capture stored yet"})
        frames, parsed, connections = _rebuild(con, capture_id)
        rest = streaming.capture_rest_books(con, capture_id)
    refs, failed = reference_books(rest)
    result = agreement(parsed.book_messages, parsed.book_levels, refs, connections=connections)
    counts = dict(result.group_by("status").len().iter_rows())
    mismatched = counts.get("mismatch", 0)
    matched = counts.get("match", 0)
    return dg.AssetCheckResult(
        passed=mismatched == 0 and matched > 0,
        severity=dg.AssetCheckSeverity.ERROR if mismatched else dg.AssetCheckSeverity.WARN,
        metadata={
            "capture_id": capture_id,
            "markets_compared": dg.MetadataValue.int(len(refs)),
            "match": dg.MetadataValue.int(matched),
            "mismatch": dg.MetadataValue.int(mismatched),
            "stale": dg.MetadataValue.int(counts.get("stale", 0)),
            "no_stream": dg.MetadataValue.int(counts.get("no_stream", 0)),
            "rest_fetch_failed": dg.MetadataValue.int(failed),
            "not_matching": markdown_preview(result.filter(pl.col("status") != "match"), rows=10),
        },
    )


@dg.asset_check(
    asset=["core", "orderbook_top"],
    description="No rebuilt book is crossed (YES bid at or above the YES ask) or holds a level below zero.",
)
def orderbook_top_consistent(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    with warehouse.connect(read_only=True) as con:
        capture_id = streaming.latest_capture_id(con)
        bad = con.sql(
            "SELECT ticker, ts, yes_bid, yes_ask, crossed, negative FROM core.orderbook_top "
            "WHERE capture_id = ? AND (crossed OR negative) ORDER BY ticker, ts",
            params=[capture_id],
        ).pl()
    return dg.AssetCheckResult(
        passed=bad.is_empty(),
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "crossed_seconds": dg.MetadataValue.int(bad.filter(pl.col("crossed")).height),
            "negative_seconds": dg.MetadataValue.int(bad.filter(pl.col("negative")).height),
            "examples": markdown_preview(bad, rows=10),
        },
    )


ASSETS = [kalshi_ws_capture, orderbook_top]
CHECKS = [orderbook_top_agrees_with_rest, orderbook_top_consistent]
