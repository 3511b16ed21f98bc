"""Checks of the BTC edge engine's outputs: what a user relies on before acting on a signal."""

import dagster as dg

from kalshi_platform.core.btc.edges import SKIP_REASONS
from kalshi_platform.defs.btc.assets import btc15m_signals, btc_edges, spot_prices
from kalshi_platform.defs.btc.resources import BtcConfig
from kalshi_platform.warehouse.resource import WarehouseResource

_KNOWN_SKIPS = "(" + ", ".join(f"'{r}'" for r in (*SKIP_REASONS, "not_open")) + ")"


def _latest_run_problems(con, table: str, series: list[str]) -> tuple[int, int, int]:
    """(open markets without a row in the latest run, rows with a bad probability or confidence, unknown skips)."""
    missing = con.execute(
        f"""
        WITH latest AS (SELECT max(as_of) AS as_of FROM {table}),
        open AS (
            SELECT m.ticker FROM raw.kalshi_markets m LEFT JOIN raw.kalshi_events e USING (event_ticker)
            WHERE m.status = 'active'
              AND list_contains(?, coalesce(e.series_ticker, split_part(m.event_ticker, '-', 1)))
        )
        SELECT count(*) FROM open
        WHERE ticker NOT IN (SELECT ticker FROM {table} WHERE as_of = (SELECT as_of FROM latest))
        """,
        [series],
    ).fetchone()[0]
    bad, unknown = con.execute(
        f"""
        SELECT count(*) FILTER (WHERE NOT (model_prob IS NULL OR model_prob BETWEEN 0 AND 1)
                                   OR NOT (confidence BETWEEN 0 AND 1)
                                   OR (direction IS NOT NULL AND edge_bps IS NULL)),
               count(*) FILTER (WHERE skip_reason IS NOT NULL AND skip_reason NOT IN {_KNOWN_SKIPS})
        FROM {table} WHERE as_of = (SELECT max(as_of) FROM {table})
        """
    ).fetchone()
    return int(missing), int(bad), int(unknown)


@dg.asset_check(asset=btc_edges, description="Every open BTC market has a row in the latest run; probabilities "
                "and confidences lie in [0, 1]; every skip reason is a known one.")
def btc_edges_cover_open_markets(warehouse: WarehouseResource, btc: BtcConfig) -> dg.AssetCheckResult:
    with warehouse.connect(read_only=True) as con:
        missing, bad, unknown = _latest_run_problems(con, "signals.btc_edges", btc.series)
    return dg.AssetCheckResult(passed=missing == 0 and bad == 0 and unknown == 0, metadata={
        "open_markets_without_row": missing, "rows_out_of_range": bad, "unknown_skip_reasons": unknown})


@dg.asset_check(asset=btc15m_signals, description="Every open KXBTC15M window has a row in the latest run, with "
                "values in range.")
def btc15m_signals_cover_open_windows(warehouse: WarehouseResource, btc: BtcConfig) -> dg.AssetCheckResult:
    with warehouse.connect(read_only=True) as con:
        missing, bad, unknown = _latest_run_problems(con, "signals.btc15m_signals", [btc.series_15m])
    return dg.AssetCheckResult(passed=missing == 0 and bad == 0 and unknown == 0, metadata={
        "open_markets_without_row": missing, "rows_out_of_range": bad, "unknown_skip_reasons": unknown})


@dg.asset_check(asset=spot_prices, description="Each composite price with quorum uses at least BTC_MIN_CORE_SOURCES "
                "sources and names them; the newest one is fresh enough to price with.")
def spot_prices_quorum(warehouse: WarehouseResource, btc: BtcConfig) -> dg.AssetCheckResult:
    with warehouse.connect(read_only=True) as con:
        bad, newest = con.execute(
            """
            SELECT count(*) FILTER (WHERE quorum AND (price IS NULL OR n_sources < ? OR sources IS NULL)),
                   max(ts) FILTER (WHERE quorum)
            FROM core.spot_prices
            """,
            [btc.min_core_sources],
        ).fetchone()
        newest_tick = con.execute("SELECT max(tick_ts) FROM raw.spot_ticks WHERE status = 'ok'").fetchone()[0]
    lag_s = (newest_tick - newest).total_seconds() if newest is not None and newest_tick is not None else None
    fresh = lag_s is not None and lag_s <= btc.spot_max_age_s
    return dg.AssetCheckResult(
        passed=bad == 0 and fresh,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={"rows_breaking_quorum": int(bad), "newest_quorum_ts": str(newest),
                  "lag_behind_newest_tick_s": lag_s if lag_s is not None else -1.0},
    )


CHECKS = [btc_edges_cover_open_markets, btc15m_signals_cover_open_windows, spot_prices_quorum]
