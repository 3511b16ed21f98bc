"""Read queries of the BTC edge engine (raw.spot_ticks ... signals.btc15m_signals)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import polars as pl


def usable_ticks(con, start: datetime, end: datetime, sources: Sequence[str]) -> pl.DataFrame:
    """Readable ticks of the given sources with start <= tick_ts <= end."""
    return con.sql(
        """
        SELECT source, channel, tick_ts, price
        FROM raw.spot_ticks
        WHERE status = 'ok' AND price IS NOT NULL AND tick_ts BETWEEN ? AND ? AND list_contains(?, source)
        ORDER BY tick_ts
        """,
        params=[start, end, list(sources)],
    ).pl()


def spot_prices(con, start: datetime, end: datetime) -> pl.DataFrame:
    return con.sql(
        "SELECT * EXCLUDE (batch_id, computed_at) FROM core.spot_prices WHERE ts BETWEEN ? AND ? ORDER BY ts",
        params=[start, end],
    ).pl()


def latest_spot(con, as_of: datetime) -> dict | None:
    """The newest composite with quorum at or before ``as_of``."""
    frame = con.sql(
        """
        SELECT ts, price, n_sources, sources FROM core.spot_prices
        WHERE quorum AND price IS NOT NULL AND ts <= ?
        ORDER BY ts DESC LIMIT 1
        """,
        params=[as_of],
    ).pl()
    return frame.row(0, named=True) if frame.height else None


def spot_at_or_before(con, when: datetime, not_before: datetime) -> dict | None:
    frame = con.sql(
        """
        SELECT ts, price FROM core.spot_prices
        WHERE quorum AND price IS NOT NULL AND ts <= ? AND ts >= ?
        ORDER BY ts DESC LIMIT 1
        """,
        params=[when, not_before],
    ).pl()
    return frame.row(0, named=True) if frame.height else None


def last_good_sigma(con, before: datetime) -> tuple[float, datetime] | None:
    """The newest EWMA sigma that passed its guardrails, strictly before ``before``."""
    row = con.execute(
        """
        SELECT sigma, as_of FROM core.sigma_history
        WHERE sigma_source = 'ewma' AND sigma IS NOT NULL AND as_of < ?
        ORDER BY as_of DESC LIMIT 1
        """,
        [before],
    ).fetchone()
    return (float(row[0]), row[1]) if row else None


def sigma_at(con, as_of: datetime) -> dict | None:
    """The sigma row in force at ``as_of``: the newest at or before it."""
    frame = con.sql(
        "SELECT as_of, sigma, sigma_source, sigma_reason FROM core.sigma_history WHERE as_of <= ? "
        "ORDER BY as_of DESC LIMIT 1",
        params=[as_of],
    ).pl()
    return frame.row(0, named=True) if frame.height else None


def contract_inputs(con) -> pl.DataFrame:
    """Markets with a strike_type, with their series (from the event; else the event ticker's prefix)."""
    return con.sql(
        """
        SELECT m.ticker, m.event_ticker,
               coalesce(e.series_ticker, split_part(m.event_ticker, '-', 1)) AS series_ticker,
               m.status, m.strike_type, m.floor_strike, m.cap_strike, m.open_time, m.close_time,
               m.expected_expiration_time, m.rules_primary
        FROM raw.kalshi_markets m
        LEFT JOIN raw.kalshi_events e USING (event_ticker)
        WHERE m.strike_type IS NOT NULL
        """
    ).pl()


def open_markets_for_edges(con, series: Sequence[str]) -> pl.DataFrame:
    """Every open market of ``series`` with its contract, newest quote and its series' fees."""
    return con.sql(
        """
        WITH m AS (
            SELECT m.ticker, m.event_ticker,
                   coalesce(e.series_ticker, split_part(m.event_ticker, '-', 1)) AS series_ticker,
                   m.open_time
            FROM raw.kalshi_markets m
            LEFT JOIN raw.kalshi_events e USING (event_ticker)
            WHERE m.status = 'active'
        )
        SELECT m.ticker, m.event_ticker, m.series_ticker,
               c.contract_status, c.strike_type, c.floor_strike, c.cap_strike, c.expiry, c.horizon_source,
               c.settlement_window_s, coalesce(c.open_time, m.open_time) AS open_time,
               q.ticker IS NOT NULL AS has_quote, q.yes_ask, q.no_ask, q.quoted_at,
               s.fee_type, s.fee_multiplier
        FROM m
        LEFT JOIN core.contracts c USING (ticker)
        LEFT JOIN core.quotes_latest q USING (ticker)
        LEFT JOIN raw.kalshi_series s ON s.ticker = m.series_ticker
        WHERE list_contains(?, m.series_ticker)
        ORDER BY m.ticker
        """,
        params=[list(series)],
    ).pl()
