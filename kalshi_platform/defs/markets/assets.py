"""Raw Kalshi market data: series, events, markets, quote snapshots, order books, trades, candlesticks.

Each asset fetches through the Kalshi client, parses with ``core.kalshi_parse`` and writes with the
warehouse helpers inside one batch; unreadable payloads and records land in ``raw.rejects``.
"""

from datetime import UTC, date, datetime, timedelta

import dagster as dg
import polars as pl

from kalshi_platform.clients.http import HttpError
from kalshi_platform.core import kalshi_parse as kp
from kalshi_platform.core.rejects import REJECT_SCHEMA
from kalshi_platform.core.timeutil import parse_ts
from kalshi_platform.defs.common import (
    DUCKDB_WRITE_POOL,
    Batch,
    column_schema,
    markdown_preview,
    open_batch,
    table_result,
)
from kalshi_platform.defs.resources import KalshiApiResource, UniverseConfig
from kalshi_platform.warehouse import queries, writes
from kalshi_platform.warehouse.resource import WarehouseResource

GROUP = "markets"
KINDS = {"duckdb", "polars", "kalshi"}
CANDLE_PARTITIONS = dg.DailyPartitionsDefinition(start_date="2025-01-01", end_offset=1, timezone="UTC")

# Incremental market fetches re-read this much before the watermark, so a market updated while the
# previous fetch ran is never missed (the upsert makes the overlap harmless).
MARKETS_OVERLAP = timedelta(minutes=5)
TRADES_OVERLAP = timedelta(minutes=5)


def _source(path: str) -> str:
    return f"kalshi GET {path}"


def _now() -> datetime:
    return datetime.now(UTC)


def _series_of(event_ticker: pl.Expr) -> pl.Expr:
    # Every Kalshi event ticker starts with its series ticker.
    return event_ticker.str.split("-").list.first()


def _store(batch: Batch, table: str, rows: pl.DataFrame, rejects: list[pl.DataFrame]) -> None:
    """Upsert the batch's rows on the table's natural key and record its rejects."""
    writes.upsert(batch.con, table, rows, key=kp.NATURAL_KEYS[table])
    batch.rows_written = rows.height
    batch.write_rejects(rejects)


def _concat(frames: list[pl.DataFrame], table: str) -> pl.DataFrame:
    """Per-market frames as one; an empty one with the table's columns when there are none."""
    if not frames:
        return pl.DataFrame(schema=kp.RAW_TABLE_COLUMNS[table])
    return pl.concat(frames, how="vertical_relaxed")


def _record_incomplete(batch: Batch, what: str, result) -> None:
    if not result.complete:
        batch.incomplete(f"{what}: stopped after {result.pages} page(s): {result.error}")


@dg.asset(
    key=["raw", "kalshi_series"],
    group_name=GROUP,
    kinds=KINDS,
    pool=DUCKDB_WRITE_POOL,
    description="Every Kalshi series in the universe: title, category, frequency, fee type and multiplier.",
)
def kalshi_series(
    context: dg.AssetExecutionContext,
    warehouse: WarehouseResource,
    kalshi: KalshiApiResource,
    universe: UniverseConfig,
) -> dg.MaterializeResult:
    """Kalshi series (templates of recurring events), upserted by ticker."""
    table = "raw.kalshi_series"
    with open_batch(warehouse, table) as batch, kalshi.client(batch.reject_log) as client:
        fetched_at = _now()
        items: list[dict] = []
        if universe.series:
            for ticker in universe.series:
                try:
                    items.append(client.get_series(ticker))
                except HttpError as exc:
                    batch.incomplete(f"series {ticker}: {exc}")
        else:
            try:
                items = client.get_series_list()
            except HttpError as exc:
                # Nothing readable came back: store nothing, say so, and let events and markets run.
                batch.incomplete(f"series list: {exc}")
        parsed = kp.parse_series(items, source=_source("/series"), fetched_at=fetched_at, batch_id=batch.batch_id)
        _store(batch, table, parsed.rows, [parsed.rejects])
        context.log.info(f"{parsed.rows.height} series, {parsed.rejects.height} rejected")
        return table_result(batch, table, parsed.rows)


def _walk_universe(fetch, what: str, universe: UniverseConfig, batch: Batch, statuses) -> list[dict]:
    """Every page of ``fetch`` for each status and series of the universe; a partial walk is noted."""
    items: list[dict] = []
    for status in statuses:
        for series_ticker in universe.series or [None]:
            result = fetch(status=status, series_ticker=series_ticker)
            _record_incomplete(batch, f"{what} status={status} series={series_ticker or 'all'}", result)
            items.extend(result.items)
    return items


@dg.asset(
    key=["raw", "kalshi_events"],
    group_name=GROUP,
    kinds=KINDS,
    pool=DUCKDB_WRITE_POOL,
    deps=[kalshi_series],
    description="Events of the universe (one event groups mutually related markets), upserted by event ticker.",
)
def kalshi_events(
    context: dg.AssetExecutionContext,
    warehouse: WarehouseResource,
    kalshi: KalshiApiResource,
    universe: UniverseConfig,
) -> dg.MaterializeResult:
    """Kalshi events for the configured series and statuses."""
    table = "raw.kalshi_events"
    with open_batch(warehouse, table) as batch, kalshi.client(batch.reject_log) as client:
        fetched_at = _now()
        items = _walk_universe(client.get_events, "events", universe, batch, universe.market_statuses)
        events, _nested = kp.parse_events(
            items, source=_source("/events"), fetched_at=fetched_at, batch_id=batch.batch_id
        )
        _store(batch, table, events.rows, [events.rejects])
        return table_result(batch, table, events.rows)


@dg.asset(
    key=["raw", "kalshi_markets"],
    group_name=GROUP,
    kinds=KINDS,
    pool=DUCKDB_WRITE_POOL,
    deps=[kalshi_events],
    description=(
        "The market universe: every market of the configured series and statuses, latest state per ticker. "
        "The first load reads the whole universe; later loads read only markets updated since the last "
        "complete fetch (min_updated_ts)."
    ),
)
def kalshi_markets(
    context: dg.AssetExecutionContext,
    warehouse: WarehouseResource,
    kalshi: KalshiApiResource,
    universe: UniverseConfig,
) -> dg.MaterializeResult:
    """Kalshi markets, upserted by ticker; incremental after the first complete load."""
    table = "raw.kalshi_markets"
    watermark_name = "kalshi_markets.min_updated_ts"
    with open_batch(warehouse, table) as batch, kalshi.client(batch.reject_log) as client:
        fetched_at = _now()
        watermark = writes.get_watermark(batch.con, watermark_name)
        if watermark is None:
            mode = "full"
            items = _walk_universe(client.get_markets, "markets", universe, batch, universe.market_statuses)
        else:
            mode = "incremental"
            since = parse_ts(watermark) - MARKETS_OVERLAP
            # Kalshi refuses min_updated_ts combined with other filters: filter series afterwards.
            result = client.get_markets(min_updated_ts=int(since.timestamp()))
            _record_incomplete(batch, f"markets updated since {since.isoformat()}", result)
            items = result.items
        parsed = kp.parse_markets(items, source=_source("/markets"), fetched_at=fetched_at, batch_id=batch.batch_id)
        rows = parsed.rows
        if universe.series and not rows.is_empty():
            rows = rows.filter(_series_of(pl.col("event_ticker")).is_in(universe.series))
        _store(batch, table, rows, [parsed.rejects])
        # Only a complete fetch may move the watermark: a partial one would skip markets for good.
        if batch.complete and not rows.is_empty():
            newest = rows.select(pl.col("updated_time").max()).item()
            if newest is not None:
                writes.set_watermark(batch.con, watermark_name, newest.isoformat())
        elif batch.complete and watermark is None:
            writes.set_watermark(batch.con, watermark_name, fetched_at.isoformat())
        return table_result(
            batch,
            table,
            rows,
            extra={
                "mode": mode,
                "universe_complete": dg.MetadataValue.bool(batch.complete),
                "markets_by_status": dg.MetadataValue.json(queries.markets_by_status(batch.con)),
            },
        )


@dg.asset(
    key=["raw", "kalshi_market_snapshots"],
    group_name=GROUP,
    kinds=KINDS,
    pool=DUCKDB_WRITE_POOL,
    deps=[kalshi_markets],
    description=(
        "Quote time series: bid, ask, last price, volume and open interest of every open market in the "
        "universe, one row per market per poll (batch). Re-running a batch never duplicates rows."
    ),
)
def kalshi_market_snapshots(
    context: dg.AssetExecutionContext,
    warehouse: WarehouseResource,
    kalshi: KalshiApiResource,
    universe: UniverseConfig,
) -> dg.MaterializeResult:
    """One poll of quotes for the open markets of the universe."""
    table = "raw.kalshi_market_snapshots"
    with open_batch(warehouse, table) as batch, kalshi.client(batch.reject_log) as client:
        fetched_at = _now()
        items = _walk_universe(client.get_markets, "quotes", universe, batch, ["open"])
        parsed = kp.parse_markets(items, source=_source("/markets"), fetched_at=fetched_at, batch_id=batch.batch_id)
        rows = kp.market_snapshot_rows(parsed.rows)
        _store(batch, table, rows, [parsed.rejects])
        polls = queries.snapshot_polls(batch.con)
        return table_result(batch, table, rows, extra={"polls_stored": dg.MetadataValue.int(polls)})


@dg.asset(
    key=["raw", "kalshi_orderbooks"],
    group_name=GROUP,
    kinds=KINDS,
    pool=DUCKDB_WRITE_POOL,
    deps=[kalshi_market_snapshots],
    description=(
        "Order book levels (bids only: YES bids and NO bids, best level rank 1) of the most active open "
        "markets, one set per poll. A YES ask is 1 minus the best NO bid."
    ),
)
def kalshi_orderbooks(
    context: dg.AssetExecutionContext,
    warehouse: WarehouseResource,
    kalshi: KalshiApiResource,
    universe: UniverseConfig,
) -> dg.MaterializeResult:
    """Order books of the KALSHI_ORDERBOOK_MARKETS busiest open markets."""
    table = "raw.kalshi_orderbooks"
    with open_batch(warehouse, table) as batch, kalshi.client(batch.reject_log) as client:
        tickers = queries.most_active_open_markets(batch.con, universe.orderbook_markets)
        frames, rejects, failed = [], [], []
        for ticker in tickers:
            try:
                payload = client.get_orderbook(ticker)
            except HttpError as exc:
                failed.append(ticker)
                batch.reject_log.add(
                    source=_source(f"/markets/{ticker}/orderbook"), kind="orderbook", reason=str(exc),
                    body="", natural_key=ticker,
                )
                continue
            parsed = kp.parse_orderbook(
                payload, ticker, source=_source(f"/markets/{ticker}/orderbook"), fetched_at=_now(),
                batch_id=batch.batch_id,
            )
            frames.append(parsed.rows)
            rejects.append(parsed.rejects)
        if failed:
            batch.incomplete(f"order books failed for {len(failed)} of {len(tickers)} markets")
        rows = _concat(frames, table)
        _store(batch, table, rows, rejects)
        return table_result(
            batch, table, rows, extra={"markets_requested": len(tickers), "markets_failed": len(failed)}
        )


@dg.asset(
    key=["raw", "kalshi_trades"],
    group_name=GROUP,
    kinds=KINDS,
    pool=DUCKDB_WRITE_POOL,
    deps=[kalshi_markets],
    description=(
        "Public trades of the universe's markets, deduplicated on trade id. The first load covers "
        "KALSHI_TRADES_LOOKBACK_HOURS; later loads continue from the newest trade stored."
    ),
)
def kalshi_trades(
    context: dg.AssetExecutionContext,
    warehouse: WarehouseResource,
    kalshi: KalshiApiResource,
    universe: UniverseConfig,
) -> dg.MaterializeResult:
    """Kalshi trades since the last complete fetch."""
    table = "raw.kalshi_trades"
    watermark_name = "kalshi_trades.min_ts"
    with open_batch(warehouse, table) as batch, kalshi.client(batch.reject_log) as client:
        fetched_at = _now()
        watermark = writes.get_watermark(batch.con, watermark_name)
        since = (
            parse_ts(watermark) - TRADES_OVERLAP
            if watermark
            else kalshi.now() - timedelta(hours=universe.trades_lookback_hours)
        )
        result = client.get_trades(min_ts=int(since.timestamp()))
        _record_incomplete(batch, f"trades since {since.isoformat()}", result)
        parsed = kp.parse_trades(
            result.items, source=_source("/markets/trades"), fetched_at=fetched_at, batch_id=batch.batch_id
        )
        rows = parsed.rows
        if universe.series and not rows.is_empty():
            rows = rows.filter(_series_of(pl.col("ticker")).is_in(universe.series))
        _store(batch, table, rows, [parsed.rejects])
        if batch.complete:
            newest = rows.select(pl.col("created_time").max()).item() if not rows.is_empty() else None
            writes.set_watermark(batch.con, watermark_name, (newest or since + TRADES_OVERLAP).isoformat())
        return table_result(batch, table, rows, extra={"since": since.isoformat(), "pages": result.pages})


@dg.asset(
    key=["raw", "kalshi_candlesticks"],
    group_name=GROUP,
    kinds=KINDS,
    pool=DUCKDB_WRITE_POOL,
    deps=[kalshi_markets, kalshi_events],
    partitions_def=CANDLE_PARTITIONS,
    backfill_policy=dg.BackfillPolicy.single_run(),
    description=(
        "Candlesticks (OHLC of bid, ask and trade price, volume, open interest) per market and UTC day, "
        "for the busiest markets live that day. Markets settled before Kalshi's historical cutoff are "
        "read from /historical/*. Each day is replaced whole when re-materialized."
    ),
)
def kalshi_candlesticks(
    context: dg.AssetExecutionContext,
    warehouse: WarehouseResource,
    kalshi: KalshiApiResource,
    universe: UniverseConfig,
) -> dg.MaterializeResult:
    """Daily partitions of candlesticks, for backfills."""
    table = "raw.kalshi_candlesticks"
    days = [date.fromisoformat(k) for k in context.partition_keys]
    with open_batch(warehouse, table) as batch, kalshi.client(batch.reject_log) as client:
        cutoff = kp.parse_historical_cutoff(client.get_historical_cutoff())["market_settled_ts"]
        frames, rejects, failed = [], [], 0
        for day in days:
            start = datetime(day.year, day.month, day.day, tzinfo=UTC)
            end = start + timedelta(days=1)
            for ticker, series_ticker, settled_at in queries.markets_live_on(batch.con, day, universe.candle_markets):
                historical = settled_at is not None and settled_at < cutoff
                path = (
                    f"/historical/markets/{ticker}/candlesticks"
                    if historical
                    else f"/series/{series_ticker}/markets/{ticker}/candlesticks"
                )
                window = dict(
                    start_ts=int(start.timestamp()),
                    end_ts=int(end.timestamp()),
                    period_interval=universe.candle_period,
                )
                try:
                    if historical:
                        payload = client.get_historical_candlesticks(ticker, **window)
                    else:
                        payload = client.get_candlesticks(series_ticker, ticker, **window)
                except HttpError as exc:
                    failed += 1
                    batch.reject_log.add(
                        source=_source(path), kind="candlesticks", reason=str(exc), body="", natural_key=ticker
                    )
                    continue
                parsed = kp.parse_candlesticks(
                    payload.get("candlesticks") or [],
                    ticker,
                    universe.candle_period,
                    "historical" if historical else "live",
                    source=_source(path),
                    fetched_at=_now(),
                    batch_id=batch.batch_id,
                )
                # The API may include a candle ending exactly at midnight of the next day; keep the day's own.
                frames.append(parsed.rows.filter(pl.col("period_date") == day))
                rejects.append(parsed.rejects)
        if failed:
            batch.incomplete(f"candlesticks failed for {failed} market-days")
        rows = _concat(frames, table)
        writes.replace_partition(batch.con, table, rows, "period_date", days)
        batch.rows_written = rows.height
        batch.write_rejects(rejects)
        return table_result(
            batch, table, rows, extra={"days": ", ".join(map(str, days)), "historical_cutoff": cutoff.isoformat()}
        )


@dg.asset(
    key=["raw", "rejects"],
    group_name=GROUP,
    kinds={"duckdb"},
    deps=[
        kalshi_series,
        kalshi_events,
        kalshi_markets,
        kalshi_market_snapshots,
        kalshi_orderbooks,
        kalshi_trades,
        kalshi_candlesticks,
    ],
    description=(
        "Every payload or record that could not be read, with its source, reason and body. Each raw "
        "asset writes its own rejects as it runs; materializing this asset reports them by source and reason."
    ),
)
def rejects(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    """Summary of the reject log."""
    with warehouse.connect(read_only=True) as con:
        total = queries.count_rows(con, "raw.rejects")
        by_reason = queries.reject_summary(con, 50)
        last_day = queries.rejects_since(con, datetime.now(UTC) - timedelta(days=1))
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": dg.MetadataValue.int(int(total)),
            "dagster/column_schema": column_schema(REJECT_SCHEMA),
            "dagster/table_name": "raw.rejects",
            "rejects_last_24h": dg.MetadataValue.int(int(last_day)),
            "by_source_and_reason": markdown_preview(by_reason, rows=20, max_columns=4),
        }
    )


ASSETS = [
    kalshi_series,
    kalshi_events,
    kalshi_markets,
    kalshi_market_snapshots,
    kalshi_orderbooks,
    kalshi_trades,
    kalshi_candlesticks,
    rejects,
]
