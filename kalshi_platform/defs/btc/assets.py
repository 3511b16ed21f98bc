"""BTC edge engine assets: spot ticks -> composite spot -> sigma; markets -> contracts; with the newest
quotes -> edges and 15-minute signals. One poll cycle materializes them all in a few seconds."""

from collections import Counter
from datetime import datetime, timedelta

import dagster as dg
import numpy as np
import polars as pl

from kalshi_platform.clients.spot import collect_ticks, poll_history
from kalshi_platform.clients.spot.base import OK
from kalshi_platform.core.btc.composite import composite_spot
from kalshi_platform.core.btc.contracts import build_contracts
from kalshi_platform.core.btc.edges import SigmaInput, SpotInput, compute_edges
from kalshi_platform.core.btc.fifteen import Momentum, fifteen_minute_signals
from kalshi_platform.core.btc.sigma import UNAVAILABLE, choose_sigma, ewma_sigma, grid_prices, log_returns
from kalshi_platform.core.money import DECIMAL_DTYPE
from kalshi_platform.defs.btc.plots import model_vs_market_png, png_metadata
from kalshi_platform.defs.btc.resources import BtcConfig, SpotApiResource
from kalshi_platform.defs.common import DUCKDB_WRITE_POOL, markdown_preview, open_batch, table_result
from kalshi_platform.warehouse import btc_queries, writes
from kalshi_platform.warehouse.resource import WarehouseResource

GROUP = "btc"
KINDS = {"duckdb", "polars"}

SPOT_TICK_SCHEMA: dict[str, pl.DataType] = {
    "source": pl.String(),
    "channel": pl.String(),
    "symbol": pl.String(),
    "tick_ts": pl.Datetime("us", "UTC"),
    "ts_from": pl.String(),
    "price": DECIMAL_DTYPE,
    "bid": DECIMAL_DTYPE,
    "ask": DECIMAL_DTYPE,
    "fetched_at": pl.Datetime("us", "UTC"),
    "latency_ms": pl.Float64(),
    "status": pl.String(),
    "error": pl.String(),
    "raw_json": pl.String(),
}
SPOT_TICK_KEY = ["source", "channel", "tick_ts"]
SIGMA_SCHEMA: dict[str, pl.DataType] = {
    "as_of": pl.Datetime("us", "UTC"),
    "sigma": pl.Float64(),
    "sigma_source": pl.String(),
    "sigma_reason": pl.String(),
    "ewma_raw": pl.Float64(),
    "n_returns": pl.Int64(),
    "decay": pl.Float64(),
    "interval_s": pl.Int64(),
    "window_start": pl.Datetime("us", "UTC"),
    "window_end": pl.Datetime("us", "UTC"),
}


def _with_batch(frame: pl.DataFrame, batch_id: str) -> pl.DataFrame:
    return frame.with_columns(pl.lit(batch_id).alias("batch_id"))


def _history_window(btc: BtcConfig, now: datetime) -> tuple[datetime, datetime]:
    # A little more than the candles read, so the first minute's return has its predecessor.
    return now - timedelta(minutes=btc.history_minutes + 5), now


@dg.asset(
    key=["raw", "spot_ticks"],
    group_name=GROUP,
    kinds={"duckdb", "polars", "coinbase", "kraken", "bitstamp"},
    pool=DUCKDB_WRITE_POOL,
    description=(
        "BTC/USD spot observations from Coinbase, Kraken and Bitstamp: a short burst of REST tickers, the "
        "last BTC_HISTORY_MINUTES of 1-minute candle closes (Coinbase, Bitstamp) and, when configured, Coinbase "
        "Advanced Trade WebSocket tickers. An exchange that is down or unreadable gets an outage row and the "
        "others carry on. Upserted by (source, channel, tick_ts)."
    ),
)
def spot_ticks(context: dg.AssetExecutionContext, warehouse: WarehouseResource, spot: SpotApiResource,
               btc: BtcConfig) -> dg.MaterializeResult:
    """One poll of the spot exchanges."""
    table = "raw.spot_ticks"
    with open_batch(warehouse, table) as batch:
        clients = spot.clients(batch.reject_log)
        try:
            now = spot.now()
            # A frozen clock answers every poll alike: one round is the whole burst.
            polls = 1 if spot.clock_frozen else btc.tick_polls
            rows = collect_ticks(clients, polls=polls, interval_s=btc.tick_interval_s)
            if btc.history_minutes > 0:
                rows += poll_history(clients, now - timedelta(minutes=btc.history_minutes), now)
            ws = spot.ws_client(batch.reject_log)
            if ws is not None:
                rows += ws.collect(seconds=spot.ws_seconds)
        finally:
            for client in clients.values():
                client.close()
        frame = pl.DataFrame(rows, schema=SPOT_TICK_SCHEMA, orient="row" if rows and not isinstance(rows[0], dict) else None)
        frame = _with_batch(frame, batch.batch_id)
        writes.upsert(batch.con, table, frame, key=SPOT_TICK_KEY)
        batch.rows_written = frame.height
        failures = frame.filter(pl.col("status") != OK)
        for row in failures.iter_rows(named=True):
            batch.notes.append(f"{row['source']} {row['channel']}: {row['status']}: {row['error']}")
        status = Counter(f"{s}.{st}" for s, st in frame.select("source", "status").iter_rows())
        batch.write_rejects()
        return table_result(batch, table, frame, extra={
            "preview": markdown_preview(frame.drop("raw_json")),
            "ticks_by_source_status": dg.MetadataValue.json(dict(sorted(status.items()))),
            "outages": dg.MetadataValue.int(failures.height),
        })


@dg.asset(
    key=["core", "spot_prices"],
    group_name=GROUP,
    kinds=KINDS,
    pool=DUCKDB_WRITE_POOL,
    deps=[spot_ticks],
    description=(
        "Composite BTC/USD per second: the median of the core exchanges (BTC_CORE_SOURCES) whose newest tick is "
        "at most BTC_SOURCE_STALE_S old, priced only with at least BTC_MIN_CORE_SOURCES of them; each row lists "
        "the sources used, their prices and the sources left out with why. Upserted by ts."
    ),
)
def spot_prices(context: dg.AssetExecutionContext, warehouse: WarehouseResource, spot: SpotApiResource,
                btc: BtcConfig) -> dg.MaterializeResult:
    table = "core.spot_prices"
    with open_batch(warehouse, table) as batch:
        start, end = _history_window(btc, spot.now())
        ticks = btc_queries.usable_ticks(batch.con, start - timedelta(seconds=btc.source_stale_s), end,
                                         btc.core_sources)
        composite = composite_spot(ticks, core_sources=btc.core_sources, min_sources=btc.min_core_sources,
                                   stale_s=btc.source_stale_s, start=start, end=end)
        frame = _with_batch(composite.with_columns(pl.lit(batch.started_at).alias("computed_at")), batch.batch_id)
        writes.upsert(batch.con, table, frame, key=["ts"])
        batch.rows_written = frame.height
        with_quorum = composite.filter(pl.col("quorum"))
        latest = with_quorum.tail(1).to_dicts()
        if not latest:
            batch.notes.append("no second reached the quorum of core sources")
        return table_result(batch, table, frame, extra={
            "preview": markdown_preview(composite.sort("ts", descending=True)),
            "seconds_with_quorum": dg.MetadataValue.int(with_quorum.height),
            "seconds_without_quorum": dg.MetadataValue.int(composite.height - with_quorum.height),
            "latest": dg.MetadataValue.json({k: str(v) for k, v in latest[0].items()} if latest else {}),
        })


@dg.asset(
    key=["core", "sigma_history"],
    group_name=GROUP,
    kinds=KINDS,
    pool=DUCKDB_WRITE_POOL,
    deps=[spot_prices],
    description=(
        "The annualized BTC volatility each run uses: EWMA (BTC_EWMA_DECAY) of log returns of the composite on a "
        "BTC_SIGMA_INTERVAL_S grid; rejected when non-finite, <= 0, above BTC_SIGMA_MAX or on fewer than "
        "BTC_SIGMA_MIN_RETURNS returns, then the last good value, then BTC_SIGMA_DEFAULT. sigma_source and "
        "sigma_reason record the choice. Upserted by as_of."
    ),
)
def sigma_history(context: dg.AssetExecutionContext, warehouse: WarehouseResource, spot: SpotApiResource,
                  btc: BtcConfig) -> dg.MaterializeResult:
    table = "core.sigma_history"
    with open_batch(warehouse, table) as batch:
        as_of = spot.now()
        start, end = _history_window(btc, as_of)
        prices = btc_queries.spot_prices(batch.con, start, end).filter(pl.col("quorum"))
        lookback_s = int((end - start).total_seconds())
        grid = grid_prices(prices.get_column("ts"), prices.get_column("price"), interval_s=btc.sigma_interval_s,
                           end=end, lookback_s=lookback_s)
        returns = log_returns(grid)
        raw = ewma_sigma(returns, decay=btc.ewma_decay, interval_s=btc.sigma_interval_s)
        choice = choose_sigma(
            raw, len(returns), min_returns=btc.sigma_min_returns, sigma_max=btc.sigma_max,
            default=btc.sigma_default, last_good=btc_queries.last_good_sigma(batch.con, as_of),
            last_good_max_age_s=btc.sigma_last_good_max_age_s, as_of=as_of,
        )
        frame = pl.DataFrame([{
            "as_of": as_of, "sigma": choice.sigma, "sigma_source": choice.source, "sigma_reason": choice.reason,
            "ewma_raw": choice.raw, "n_returns": choice.n_returns, "decay": btc.ewma_decay,
            "interval_s": btc.sigma_interval_s, "window_start": start, "window_end": end,
        }], schema=SIGMA_SCHEMA)
        frame = _with_batch(frame, batch.batch_id)
        writes.upsert(batch.con, table, frame, key=["as_of"])
        batch.rows_written = 1
        if choice.source != "ewma":
            batch.notes.append(f"sigma from {choice.source}: {choice.reason}")
        return table_result(batch, table, frame, extra={
            "sigma": dg.MetadataValue.float(float(choice.sigma) if choice.sigma is not None else float("nan")),
            "sigma_source": choice.source,
            "n_returns": dg.MetadataValue.int(choice.n_returns),
        })


@dg.asset(
    key=["core", "contracts"],
    group_name=GROUP,
    kinds=KINDS,
    pool=DUCKDB_WRITE_POOL,
    deps=[dg.AssetKey(["raw", "kalshi_markets"]), dg.AssetKey(["raw", "kalshi_events"])],
    description=(
        "Every Kalshi market with strike_type greater, greater_or_equal, less, less_or_equal or between, as an "
        "explicit contract: bounds and inclusiveness from floor_strike / cap_strike (never from the ticker), "
        "horizon from close_time else expected_expiration_time, the settlement averaging window, and "
        "contract_status (ok | missing_contract | missing_close_time). Rebuilt whole each run; key ticker."
    ),
)
def contracts(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    table = "core.contracts"
    with open_batch(warehouse, table) as batch:
        frame = _with_batch(build_contracts(btc_queries.contract_inputs(batch.con)), batch.batch_id)
        writes.replace_all(batch.con, table, frame)
        batch.rows_written = frame.height
        by_status = Counter(frame.get_column("contract_status").to_list())
        return table_result(batch, table, frame, extra={
            "by_contract_status": dg.MetadataValue.json(dict(by_status)),
        })


def _spot_input(con, as_of: datetime, btc: BtcConfig) -> SpotInput:
    row = btc_queries.latest_spot(con, as_of)
    if row is None:
        return SpotInput(None, None, None, 0, len(btc.core_sources))
    return SpotInput(row["price"], row["ts"], row["sources"], int(row["n_sources"]), len(btc.core_sources))


def _sigma_input(con, as_of: datetime) -> SigmaInput:
    row = btc_queries.sigma_at(con, as_of)
    if row is None:
        return SigmaInput(None, UNAVAILABLE, "no core.sigma_history row at or before the run", None)
    return SigmaInput(row["sigma"], row["sigma_source"], row["sigma_reason"], row["as_of"])


def _signal_extra(frame: pl.DataFrame) -> dict:
    skips = Counter(r or "evaluated" for r in frame.get_column("skip_reason").to_list())
    directions = Counter(d or "none" for d in frame.get_column("direction").to_list())
    edges = frame.get_column("edge_bps").drop_nulls()
    return {
        "by_skip_reason": dg.MetadataValue.json(dict(sorted(skips.items()))),
        "by_direction": dg.MetadataValue.json(dict(sorted(directions.items()))),
        "median_edge_bps": dg.MetadataValue.float(float(np.median(edges.to_numpy())) if len(edges) else 0.0),
    }


_SIGNAL_DEPS = [
    dg.AssetKey(["core", "quotes_latest"]),
    dg.AssetKey(["raw", "kalshi_series"]),
    contracts,
    spot_prices,
    sigma_history,
]


@dg.asset(
    key=["signals", "btc_edges"],
    group_name=GROUP,
    kinds=KINDS,
    pool=DUCKDB_WRITE_POOL,
    deps=_SIGNAL_DEPS,
    description=(
        "Per open BTC market (BTC_SERIES) and run: the GBM (zero drift) probability on the 60-second settlement "
        "average from the composite spot and sigma, the exact taker fee at each ask (series fee_type and "
        "fee_multiplier), the EV of buying YES and of buying NO computed independently, a direction when the "
        "better EV clears BTC_EDGE_THRESHOLD_BPS, a confidence, the spot and sigma provenance, and the skip reason "
        "when a market cannot be priced. History kept; key (as_of, ticker)."
    ),
)
def btc_edges(context: dg.AssetExecutionContext, warehouse: WarehouseResource, spot: SpotApiResource,
              btc: BtcConfig) -> dg.MaterializeResult:
    table = "signals.btc_edges"
    with open_batch(warehouse, table) as batch:
        as_of = spot.now()
        markets = btc_queries.open_markets_for_edges(batch.con, btc.series)
        edges = compute_edges(markets, as_of=as_of, spot=_spot_input(batch.con, as_of, btc),
                              sigma=_sigma_input(batch.con, as_of), params=btc.edge_params())
        frame = _with_batch(edges, batch.batch_id)
        writes.upsert(batch.con, table, frame, key=["as_of", "ticker"])
        batch.rows_written = frame.height
        shown = edges.sort("edge_bps", descending=True, nulls_last=True).select(
            "ticker", "model_prob", "yes_ask", "no_ask", "ev_yes", "ev_no", "direction", "edge_bps", "confidence",
            "skip_reason")
        png = model_vs_market_png(edges, f"BTC edges at {as_of:%Y-%m-%d %H:%M} UTC")
        return table_result(batch, table, frame, extra={"preview": markdown_preview(shown), **_signal_extra(edges),
                                                        **png_metadata(png, "model vs market")})


@dg.asset(
    key=["signals", "btc15m_signals"],
    group_name=GROUP,
    kinds=KINDS,
    pool=DUCKDB_WRITE_POOL,
    deps=_SIGNAL_DEPS,
    description=(
        "Per open KXBTC15M window and run: the fair probability that the settlement average ends at or above the "
        "window's opening price (floor_strike), from the composite spot (core-source quorum), sigma and a momentum "
        "term (BTC_15M_MOMENTUM_S, BTC_15M_MOMENTUM_WEIGHT); direction buy_yes / buy_no when the edge after fees "
        "clears BTC_15M_THRESHOLD_BPS (null: none), and a confidence. History kept; key (as_of, ticker)."
    ),
)
def btc15m_signals(context: dg.AssetExecutionContext, warehouse: WarehouseResource, spot: SpotApiResource,
                   btc: BtcConfig) -> dg.MaterializeResult:
    table = "signals.btc15m_signals"
    with open_batch(warehouse, table) as batch:
        as_of = spot.now()
        windows = btc_queries.open_markets_for_edges(batch.con, [btc.series_15m])
        spot_in = _spot_input(batch.con, as_of, btc)
        momentum_return = None
        if spot_in.price is not None and btc.momentum_s > 0:
            then = btc_queries.spot_at_or_before(batch.con, spot_in.ts - timedelta(seconds=btc.momentum_s),
                                                 spot_in.ts - timedelta(seconds=btc.momentum_s + btc.sigma_interval_s))
            if then is not None:
                momentum_return = float(np.log(float(spot_in.price) / float(then["price"])))
        signals = fifteen_minute_signals(
            windows, as_of=as_of, spot=spot_in, sigma=_sigma_input(batch.con, as_of),
            momentum=Momentum(momentum_return, btc.momentum_s, btc.momentum_weight),
            params=btc.edge_params(btc.threshold_15m_bps),
        )
        frame = _with_batch(signals, batch.batch_id)
        writes.upsert(batch.con, table, frame, key=["as_of", "ticker"])
        batch.rows_written = frame.height
        shown = signals.select("ticker", "opening_price", "spot", "momentum_return", "model_prob", "yes_ask", "no_ask",
                               "direction", "edge_bps", "confidence", "skip_reason")
        return table_result(batch, table, frame, extra={"preview": markdown_preview(shown), **_signal_extra(signals)})


ASSETS = [spot_ticks, spot_prices, sigma_history, contracts, btc_edges, btc15m_signals]
