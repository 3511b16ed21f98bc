"""Read queries of the weather domain (stations, ensembles, high-temperature markets and outcomes)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

import polars as pl

SETTLED_STATUSES = ("determined", "amended", "finalized")


def _in_list(values: Sequence) -> tuple[str, list]:
    return ", ".join("?" for _ in values), list(values)


def high_temperature_event_markets(con, series: Sequence[str]) -> pl.DataFrame:
    """Every market of each event of ``series`` that has an open (active) market, with its strikes,
    rules, newest quote and fee terms; ``is_open`` marks the active ones (the others complete the
    event's ladder)."""
    if not series:
        series = ["-"]
    marks, params = _in_list(series)
    return con.sql(
        f"""
        WITH m AS (
            SELECT m.*, coalesce(e.series_ticker, split_part(m.event_ticker, '-', 1)) AS series_ticker,
                   coalesce(q.status, m.status) AS current_status,
                   q.yes_bid AS q_yes_bid, q.yes_ask AS q_yes_ask, q.no_ask AS q_no_ask, q.quoted_at
            FROM raw.kalshi_markets m
            LEFT JOIN raw.kalshi_events e USING (event_ticker)
            LEFT JOIN core.quotes_latest q USING (ticker)
        ),
        open_events AS (
            SELECT DISTINCT event_ticker FROM m WHERE series_ticker IN ({marks}) AND current_status = 'active'
        )
        SELECT m.ticker, m.event_ticker, m.series_ticker, m.current_status AS status,
               m.current_status = 'active' AS is_open,
               m.strike_type, m.floor_strike, m.cap_strike, m.rules_primary, m.yes_sub_title,
               coalesce(m.close_time, m.expected_expiration_time) AS expiry,
               m.q_yes_bid AS yes_bid, m.q_yes_ask AS yes_ask, m.q_no_ask AS no_ask, m.quoted_at,
               s.fee_type, s.fee_multiplier
        FROM m
        JOIN open_events USING (event_ticker)
        LEFT JOIN raw.kalshi_series s ON s.ticker = m.series_ticker
        ORDER BY m.event_ticker, m.ticker
        """,
        params=params,
    ).pl()


def latest_members(con, cities: Sequence[str], target_dates: Sequence[date], as_of: datetime) -> pl.DataFrame:
    """Members of the newest run at or before ``as_of`` for each (city, target_date), in °F."""
    if not cities or not target_dates:
        cities, target_dates = ["-"], [date(1970, 1, 1)]
    c_marks, c_params = _in_list(cities)
    d_marks, d_params = _in_list(target_dates)
    return con.sql(
        f"""
        WITH candidates AS (
            SELECT * FROM raw.weather_ensembles
            WHERE city IN ({c_marks}) AND target_date IN ({d_marks}) AND as_of <= ?
        ),
        newest AS (
            SELECT city, target_date, max(as_of) AS as_of FROM candidates GROUP BY city, target_date
        )
        SELECT c.city, c.target_date, c.model, c.requested_model, c.source, c.member,
               CASE WHEN c.unit = '°C' THEN c.temperature_2m_max * 9 / 5 + 32 ELSE c.temperature_2m_max END AS value_f,
               c.as_of AS forecast_as_of, c.batch_id AS forecast_batch_id
        FROM candidates c JOIN newest n USING (city, target_date, as_of)
        ORDER BY c.city, c.target_date, c.requested_model, c.member
        """,
        params=[*c_params, *d_params, as_of],
    ).pl()


def settled_high_markets(con, series: Sequence[str]) -> pl.DataFrame:
    """One settled market per event of ``series``: its rules, ticker and reported value."""
    if not series:
        series = ["-"]
    marks, params = _in_list(series)
    return con.sql(
        f"""
        WITH m AS (
            SELECT m.*, coalesce(e.series_ticker, split_part(m.event_ticker, '-', 1)) AS series_ticker
            FROM raw.kalshi_markets m LEFT JOIN raw.kalshi_events e USING (event_ticker)
        )
        SELECT event_ticker, any_value(series_ticker) AS series_ticker, min(ticker) AS ticker,
               any_value(rules_primary) AS rules_primary, any_value(expiration_value) AS expiration_value
        FROM m
        WHERE series_ticker IN ({marks}) AND status IN {SETTLED_STATUSES}
              AND expiration_value IS NOT NULL AND expiration_value <> ''
        GROUP BY event_ticker
        ORDER BY event_ticker
        """,
        params=params,
    ).pl()


def ensemble_means(con, cities: Sequence[str], since: date) -> pl.DataFrame:
    """Mean of each ensemble run per (city, requested model, target date) from ``since`` on."""
    if not cities:
        cities = ["-"]
    marks, params = _in_list(cities)
    return con.sql(
        f"""
        SELECT city, requested_model AS model, target_date, as_of,
               avg(CASE WHEN unit = '°C' THEN temperature_2m_max * 9 / 5 + 32 ELSE temperature_2m_max END)
                   AS forecast_mean_f
        FROM raw.weather_ensembles
        WHERE source = 'ensemble' AND city IN ({marks}) AND target_date >= ?
        GROUP BY city, requested_model, target_date, as_of
        """,
        params=[*params, since],
    ).pl()
