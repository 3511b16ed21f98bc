"""Read queries of the NBA props domain (sportsbook lines, Kalshi prop ladders with their quotes)."""

from __future__ import annotations

from datetime import datetime

import polars as pl

PROP_SERIES = ("KXNBAPTS", "KXNBAREB", "KXNBAAST", "KXNBA3PT", "KXNBABLK", "KXNBASTL")


def _has_table(con, schema: str, table: str) -> bool:
    return bool(con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database() "
        "AND schema_name = ? AND table_name = ?", [schema, table]
    ).fetchall()[0][0])


def upcoming_sportsbook_rows(con, as_of: datetime) -> pl.DataFrame:
    """The stored lines of games that have not tipped off at ``as_of`` (raw_json left out)."""
    return con.sql("SELECT * EXCLUDE (raw_json) FROM raw.sportsbook_props WHERE commence_time > ?",
                   params=[as_of]).pl()


def started_games(con, as_of: datetime) -> list[str]:
    """Games the sportsbooks say have tipped off by ``as_of``: their props are no longer compared."""
    rows = con.execute(
        """
        SELECT game_id FROM raw.sportsbook_events WHERE commence_time <= $as_of AND game_id IS NOT NULL
        UNION
        SELECT game_id FROM raw.sportsbook_props WHERE commence_time <= $as_of AND game_id IS NOT NULL
        """,
        {"as_of": as_of},
    ).fetchall()
    return sorted(r[0] for r in rows)


def known_games(con) -> pl.DataFrame:
    """Every game The Odds API has listed: game_id, its event id, tip-off and date (latest listing)."""
    return con.sql(
        """
        SELECT game_id, event_id AS odds_event_id, commence_time, game_date FROM raw.sportsbook_events
        WHERE game_id IS NOT NULL
        QUALIFY row_number() OVER (PARTITION BY game_id ORDER BY fetched_at DESC, event_id) = 1
        """
    ).pl()


def open_prop_markets(con, as_of: datetime) -> pl.DataFrame:
    """Open Kalshi prop markets (the six NBA series) with the newest quote (``core.quotes_latest``,
    else the market row's own prices), their series' fee terms, and nothing that closed by ``as_of``."""
    quotes = _has_table(con, "core", "quotes_latest")
    join = "LEFT JOIN core.quotes_latest q USING (ticker)" if quotes else ""
    coalesce = (lambda c: f"coalesce(q.{c}, m.{c})") if quotes else (lambda c: f"m.{c}")
    series = ", ".join(f"'{s}'" for s in PROP_SERIES)
    sql = f"""
        SELECT m.ticker, m.event_ticker, split_part(m.ticker, '-', 1) AS series_ticker, m.title, m.rules_primary,
               m.floor_strike, {coalesce('status')} AS status,
               {coalesce('yes_bid')} AS yes_bid, {coalesce('yes_ask')} AS yes_ask,
               {coalesce('no_bid')} AS no_bid, {coalesce('no_ask')} AS no_ask,
               {coalesce('yes_bid_size')} AS yes_bid_size, {coalesce('yes_ask_size')} AS yes_ask_size,
               {coalesce('liquidity')} AS liquidity,
               m.close_time, m.expected_expiration_time, m.occurrence_datetime,
               s.fee_type, s.fee_multiplier,
               {"coalesce(q.quoted_at, m.fetched_at)" if quotes else "m.fetched_at"} AS quoted_at
        FROM raw.kalshi_markets m
        {join}
        LEFT JOIN raw.kalshi_series s ON s.ticker = split_part(m.ticker, '-', 1)
        WHERE split_part(m.ticker, '-', 1) IN ({series})
          AND {coalesce('status')} = 'active'
          AND (m.close_time IS NULL OR m.close_time > $as_of)
          AND (m.occurrence_datetime IS NULL OR m.occurrence_datetime > $as_of)
        ORDER BY m.ticker
    """
    return con.sql(sql, params={"as_of": as_of}).pl()


def latest_prop_lines(con, *, columns: str = "*") -> pl.DataFrame:
    """The newest snapshot of signals.nba_prop_lines."""
    return con.sql(
        f"SELECT {columns} FROM signals.nba_prop_lines "
        "WHERE as_of = (SELECT max(as_of) FROM signals.nba_prop_lines) ORDER BY game_id, player_lookup, stat"
    ).pl()


def prop_line_coverage(con) -> pl.DataFrame:
    """Per game of the newest snapshot: rows, rows with both sources, arbitrage flags; plus the games the
    sportsbooks listed for that snapshot that have no row at all, and whether its props are open on Kalshi."""
    return con.sql(
        """
        WITH latest AS (SELECT max(as_of) AS as_of FROM signals.nba_prop_lines),
        games AS (
            SELECT DISTINCT game_id FROM raw.sportsbook_props, latest
            WHERE commence_time > latest.as_of AND game_id IS NOT NULL
        ),
        lines AS (
            SELECT game_id, count(*) AS props, count(*) FILTER (WHERE match_status = 'matched') AS matched,
                   count(*) FILTER (WHERE arbitrage) AS arbitrage
            FROM signals.nba_prop_lines, latest WHERE nba_prop_lines.as_of = latest.as_of GROUP BY game_id
        ),
        kalshi AS (  -- games whose player props are open on Kalshi (they open some hours before tip-off)
            SELECT DISTINCT split_part(event_ticker, '-', 2) AS game_id FROM raw.kalshi_markets
            WHERE split_part(event_ticker, '-', 1) IN ('KXNBAPTS', 'KXNBAREB', 'KXNBAAST', 'KXNBA3PT', 'KXNBABLK', 'KXNBASTL')
              AND status = 'active'
        )
        SELECT coalesce(l.game_id, g.game_id) AS game_id, coalesce(l.props, 0) AS props,
               coalesce(l.matched, 0) AS matched, coalesce(l.arbitrage, 0) AS arbitrage,
               g.game_id IS NOT NULL AS listed_by_sportsbooks,
               k.game_id IS NOT NULL AS listed_by_kalshi
        FROM lines l FULL JOIN games g USING (game_id)
        LEFT JOIN kalshi k ON k.game_id = coalesce(l.game_id, g.game_id)
        ORDER BY game_id
        """
    ).pl()
