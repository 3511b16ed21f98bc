"""Read queries of the trading domain: signal sources, a cycle's signals with their quotes and fees,
order history for cooldowns, market results for P&L, alert history, calibration inputs and the
trading stats view."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import duckdb
import polars as pl

from kalshi_platform.warehouse._sql import parse_table, scalar

SETTLED_STATUSES = ("determined", "finalized", "amended")


def table_exists(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    name = parse_table(table)
    return bool(
        scalar(
            con,
            "SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database() "
            "AND schema_name = ? AND table_name = ?",
            [name.schema, name.table],
        )
    )


def table_columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    name = parse_table(table)
    rows = con.execute(
        "SELECT column_name FROM duckdb_columns() WHERE database_name = current_database() "
        "AND schema_name = ? AND table_name = ? ORDER BY column_index",
        [name.schema, name.table],
    ).fetchall()
    return [r[0] for r in rows]


def _with_list(con: duckdb.DuckDBPyConnection, name: str, values: Sequence[str]):
    frame = pl.DataFrame({"v": list(values)}, schema={"v": pl.String})
    con.register(name, frame.to_arrow())


# --------------------------------------------------------------------------------------------------
# signals


def source_rows(con: duckdb.DuckDBPyConnection, table: str, since: datetime | None) -> pl.DataFrame:
    """Rows of a signal table with as_of at or after ``since`` (all when None)."""
    sql = f"SELECT * FROM {parse_table(table).sql}"
    if since is None:
        return con.sql(sql).pl()
    return con.sql(sql + " WHERE as_of >= ?", params=[since]).pl()


def newest_signal_as_of(con: duckdb.DuckDBPyConnection, source_table: str) -> datetime | None:
    return scalar(con, "SELECT max(as_of) FROM signals.signals WHERE source_table = ?", [source_table])


def cycle_signals(con: duckdb.DuckDBPyConnection, oldest: datetime) -> pl.DataFrame:
    """The newest run of every signal source (not older than ``oldest``), each signal with the newest
    quote of its market (status, asks, bids) and its series' fee type and multiplier."""
    have_quotes = table_exists(con, "core.quotes_latest")
    have_series = table_exists(con, "raw.kalshi_series")
    quote_cols = (
        "q.status AS market_status, coalesce(q.yes_ask, s.yes_ask) AS yes_ask_now, "
        "coalesce(q.no_ask, s.no_ask) AS no_ask_now, q.yes_bid AS yes_bid_now, q.no_bid AS no_bid_now, "
        "q.series_ticker AS series_ticker"
        if have_quotes else
        "NULL::VARCHAR AS market_status, s.yes_ask AS yes_ask_now, s.no_ask AS no_ask_now, "
        "NULL::DECIMAL(18,6) AS yes_bid_now, NULL::DECIMAL(18,6) AS no_bid_now, NULL::VARCHAR AS series_ticker"
    )
    quote_join = "LEFT JOIN core.quotes_latest q ON q.ticker = s.ticker" if have_quotes else ""
    series_ticker = "coalesce(x.series_ticker, split_part(x.ticker, '-', 1))"
    fee_cols = "ser.fee_type, ser.fee_multiplier" if have_series else "NULL::VARCHAR AS fee_type, NULL::DECIMAL(18,6) AS fee_multiplier"
    fee_join = f"LEFT JOIN raw.kalshi_series ser ON ser.ticker = {series_ticker}" if have_series else ""
    return con.sql(
        f"""
        WITH latest AS (
            SELECT source_table, max(as_of) AS as_of FROM signals.signals GROUP BY source_table
        ), x AS (
            SELECT s.*, {quote_cols}
            FROM signals.signals s JOIN latest USING (source_table, as_of)
            {quote_join}
            WHERE s.as_of >= ?
        )
        SELECT x.*, {fee_cols} FROM x {fee_join}
        ORDER BY x.signal_id
        """,
        params=[oldest],
    ).pl()


def instrument_titles(con: duckdb.DuckDBPyConnection, tickers: Sequence[str]) -> dict[str, str]:
    if not tickers or not table_exists(con, "core.instruments"):
        return {}
    _with_list(con, "_kp_titles", tickers)
    try:
        rows = con.execute(
            "SELECT i.ticker, i.display_name FROM core.instruments i JOIN _kp_titles t ON t.v = i.ticker"
        ).fetchall()
    finally:
        con.unregister("_kp_titles")
    return {t: d for t, d in rows if d}


# --------------------------------------------------------------------------------------------------
# orders


def recent_orders(con: duckdb.DuckDBPyConnection, mode: str, since: datetime, before: datetime) -> pl.DataFrame:
    """Orders of ``mode`` created in [since, before) that reached the market or were recorded (cooldown).

    ``before`` is the cycle's own clock: a re-run of a cycle must not cool down on the orders that
    cycle itself placed, so it plans the same orders again (and finds them already placed)."""
    return con.sql(
        """
        SELECT ticker, direction, created_at FROM trading.paper_orders
        WHERE mode = ? AND created_at >= ? AND created_at < ? AND status NOT IN ('failed', 'blocked')
        """,
        params=[mode, since, before],
    ).pl()


def existing_order_ids(con: duckdb.DuckDBPyConnection, order_ids: Sequence[str]) -> set[str]:
    if not order_ids:
        return set()
    _with_list(con, "_kp_orders", order_ids)
    try:
        rows = con.execute("SELECT o.order_id FROM trading.paper_orders o JOIN _kp_orders w ON w.v = o.order_id").fetchall()
    finally:
        con.unregister("_kp_orders")
    return {r[0] for r in rows}


def open_orders(con: duckdb.DuckDBPyConnection, limit: int = 5000) -> pl.DataFrame:
    """Orders whose outcome is not final yet (no market result), oldest first."""
    return con.sql(
        "SELECT * FROM trading.paper_orders WHERE market_result IS NULL ORDER BY created_at, order_id LIMIT ?",
        params=[limit],
    ).pl()


def market_states(con: duckdb.DuckDBPyConnection, tickers: Sequence[str]) -> pl.DataFrame:
    """Per ticker: the market's status and result (raw.kalshi_markets) and newest bids/asks."""
    empty = pl.DataFrame(schema={"ticker": pl.String, "status": pl.String, "result": pl.String,
                                 "yes_bid": pl.Decimal(18, 6), "yes_ask": pl.Decimal(18, 6),
                                 "no_bid": pl.Decimal(18, 6), "no_ask": pl.Decimal(18, 6)})
    if not tickers or not table_exists(con, "raw.kalshi_markets"):
        return empty
    have_quotes = table_exists(con, "core.quotes_latest")
    _with_list(con, "_kp_markets", tickers)
    try:
        quotes = (
            "coalesce(q.yes_bid, m.yes_bid) AS yes_bid, coalesce(q.yes_ask, m.yes_ask) AS yes_ask, "
            "coalesce(q.no_bid, m.no_bid) AS no_bid, coalesce(q.no_ask, m.no_ask) AS no_ask"
            if have_quotes else "m.yes_bid, m.yes_ask, m.no_bid, m.no_ask"
        )
        join = "LEFT JOIN core.quotes_latest q ON q.ticker = m.ticker" if have_quotes else ""
        return con.sql(
            f"""
            SELECT m.ticker, m.status, nullif(m.result, '') AS result, {quotes}
            FROM raw.kalshi_markets m JOIN _kp_markets w ON w.v = m.ticker {join}
            """
        ).pl()
    finally:
        con.unregister("_kp_markets")


def cycle_orders(con: duckdb.DuckDBPyConnection, cycle_at: datetime) -> pl.DataFrame:
    return con.sql(
        "SELECT * FROM trading.paper_orders WHERE cycle_at = ? ORDER BY mode, order_id", params=[cycle_at],
    ).pl()


# --------------------------------------------------------------------------------------------------
# alerts


def alert_history(con: duckdb.DuckDBPyConnection, since: datetime) -> pl.DataFrame:
    """Alerts created since ``since``, plus every failed one still waiting to be retried."""
    return con.sql(
        "SELECT * FROM trading.alert_events WHERE created_at >= ? OR status = 'failed' ORDER BY created_at",
        params=[since],
    ).pl()


# --------------------------------------------------------------------------------------------------
# calibration


def settled_forecasts(con: duckdb.DuckDBPyConnection, table: str, model: str) -> pl.DataFrame:
    """A signal table's stored forecasts of markets that have settled YES or NO, made before the close.

    market_prob is the mid of the quotes the model saw (YES ask and 1 - NO ask)."""
    if not table_exists(con, table) or not table_exists(con, "raw.kalshi_markets"):
        return pl.DataFrame()
    columns = set(table_columns(con, table))
    needed = {"as_of", "ticker", "model_prob", "expiry"}
    if not needed <= columns:
        return pl.DataFrame()
    yes_ask = "s.yes_ask::DOUBLE" if "yes_ask" in columns else "NULL::DOUBLE"
    no_ask = "s.no_ask::DOUBLE" if "no_ask" in columns else "NULL::DOUBLE"
    statuses = ", ".join(f"'{s}'" for s in SETTLED_STATUSES)
    return con.sql(
        f"""
        SELECT ? AS model, s.ticker, s.as_of,
               date_diff('second', s.as_of, coalesce(m.close_time, s.expiry)) / 3600.0 AS horizon_hours,
               s.model_prob,
               CASE WHEN {yes_ask} IS NOT NULL AND {no_ask} IS NOT NULL THEN ({yes_ask} + 1 - {no_ask}) / 2
                    ELSE coalesce({yes_ask}, 1 - {no_ask}) END AS market_prob,
               CASE m.result WHEN 'yes' THEN 1 WHEN 'no' THEN 0 END::TINYINT AS outcome
        FROM {parse_table(table).sql} s
        JOIN raw.kalshi_markets m ON m.ticker = s.ticker
        WHERE m.status IN ({statuses}) AND m.result IN ('yes', 'no') AND s.model_prob IS NOT NULL
          AND s.as_of < coalesce(m.close_time, s.expiry)
        """,
        params=[model],
    ).pl()


# --------------------------------------------------------------------------------------------------
# stats


def trading_stats(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple]]:
    """The trading view: orders by mode and status, P&L by mode, alerts by type and status, accounts."""
    out: dict[str, list[tuple]] = {}
    if table_exists(con, "trading.paper_orders"):
        out["orders"] = con.sql(
            """
            SELECT mode, status, count(*) AS orders, coalesce(sum(count), 0) AS contracts,
                   coalesce(sum(filled_count), 0) AS filled, coalesce(sum(notional), 0) AS notional
            FROM trading.paper_orders GROUP BY ALL ORDER BY mode, orders DESC
            """
        ).fetchall()
        out["pnl"] = con.execute(
            """
            SELECT mode, count(*) FILTER (WHERE filled_count > 0) AS filled_orders,
                   coalesce(sum(fees_paid), 0) AS fees, coalesce(sum(realized_pnl), 0) AS realized,
                   coalesce(sum(unrealized_pnl), 0) AS unrealized,
                   coalesce(sum(realized_pnl), 0) + coalesce(sum(unrealized_pnl), 0) AS total,
                   count(*) FILTER (WHERE realized_pnl > 0) AS wins,
                   count(*) FILTER (WHERE realized_pnl < 0) AS losses
            FROM trading.paper_orders GROUP BY mode ORDER BY mode
            """
        ).fetchall()
        out["failures"] = con.execute(
            """
            SELECT mode, status, failure_reason, count(*) FROM trading.paper_orders
            WHERE failure_reason IS NOT NULL GROUP BY ALL ORDER BY 4 DESC LIMIT 10
            """
        ).fetchall()
    if table_exists(con, "trading.alert_events"):
        out["alerts"] = con.execute(
            """
            SELECT alert_type, status, count(*) AS alerts, coalesce(sum(attempts), 0) AS attempts,
                   max(coalesce(sent_at, last_attempt_at, created_at)) AS latest
            FROM trading.alert_events GROUP BY ALL ORDER BY alert_type, status
            """
        ).fetchall()
        out["alert_reasons"] = con.execute(
            """
            SELECT status, reason, count(*) FROM trading.alert_events WHERE reason IS NOT NULL
            GROUP BY ALL ORDER BY 3 DESC LIMIT 10
            """
        ).fetchall()
    if table_exists(con, "signals.signals"):
        out["signals"] = con.execute(
            """
            SELECT signal_type, count(*) AS signals, count(*) FILTER (WHERE actionable) AS actionable,
                   max(as_of) AS newest
            FROM signals.signals GROUP BY 1 ORDER BY 1
            """
        ).fetchall()
    if table_exists(con, "meta.kalshi_accounts"):
        out["accounts"] = con.execute(
            """
            SELECT user_name, environment, origin,
                   count(*) FILTER (WHERE revoked_at IS NULL AND encrypted_private_key IS NOT NULL) AS active_keys,
                   count(*) AS keys
            FROM meta.kalshi_accounts GROUP BY ALL ORDER BY 1
            """
        ).fetchall()
    return out


def props_gaps(con: duckdb.DuckDBPyConnection, min_gap: float, oldest: datetime) -> pl.DataFrame:
    """The newest run of signals.nba_prop_lines: players whose Kalshi line (where the ladder crosses 50%)
    and sportsbook consensus line differ by more than ``min_gap`` points, biggest gap first."""
    empty = pl.DataFrame(schema={"identity": pl.String, "subject": pl.String, "ticker": pl.String,
                                 "player": pl.String, "stat": pl.String, "kalshi_line": pl.Float64,
                                 "book_line": pl.Float64, "gap": pl.Float64})
    table = "signals.nba_prop_lines"
    needed = {"as_of", "game_id", "player_lookup", "player_name", "stat", "ticker", "consensus_line",
              "kalshi_implied_line", "kalshi_line", "line_discrepancy"}
    if not table_exists(con, table) or not needed <= set(table_columns(con, table)):
        return empty
    return con.sql(
        f"""
        WITH latest AS (SELECT max(as_of) AS as_of FROM {table}),
        rows AS (
            SELECT t.as_of, t.game_id, t.player_lookup, t.player_name AS player, t.stat, t.ticker,
                   coalesce(t.kalshi_implied_line, t.kalshi_line) AS kalshi_line, t.consensus_line AS book_line,
                   coalesce(t.line_discrepancy, coalesce(t.kalshi_implied_line, t.kalshi_line) - t.consensus_line) AS gap
            FROM {table} t JOIN latest USING (as_of)
            WHERE t.as_of >= ? AND t.consensus_line IS NOT NULL
        )
        SELECT concat_ws('|', game_id, player_lookup, stat, strftime(as_of, '%Y-%m-%dT%H:%M:%S')) AS identity,
               concat_ws('|', game_id, player_lookup, stat) AS subject,
               ticker, player, stat, kalshi_line, book_line, gap
        FROM rows WHERE abs(gap) > ?
        ORDER BY abs(gap) DESC, player, stat
        """,
        params=[oldest, min_gap],
    ).pl()


# --------------------------------------------------------------------------------------------------
# backtest inputs (calibration)

_SETTLED = "m.status IN ('determined', 'finalized', 'amended') AND m.result IN ('yes', 'no')"


def settled_strike_markets(con: duckdb.DuckDBPyConnection, series: Sequence[str], closed_after: datetime,
                           closed_before: datetime) -> pl.DataFrame:
    """Settled markets of ``series`` with their contract (core.contracts), fees and outcome, closed in the window."""
    return con.sql(
        f"""
        SELECT c.ticker, c.event_ticker, c.series_ticker, c.contract_status, c.strike_type, c.floor_strike,
               c.cap_strike, c.expiry, c.horizon_source, c.settlement_window_s, c.open_time,
               s.fee_type, s.fee_multiplier, CASE m.result WHEN 'yes' THEN 1 ELSE 0 END::TINYINT AS outcome
        FROM core.contracts c
        JOIN raw.kalshi_markets m USING (ticker)
        LEFT JOIN raw.kalshi_series s ON s.ticker = c.series_ticker
        WHERE {_SETTLED} AND list_contains(?, c.series_ticker) AND c.expiry > ? AND c.expiry <= ?
        ORDER BY c.ticker
        """,
        params=[list(series), closed_after, closed_before],
    ).pl()


def settled_weather_markets(con: duckdb.DuckDBPyConnection, series: Sequence[str]) -> pl.DataFrame:
    """Every market of the settled high-temperature events of ``series`` (whole ladders), with outcome."""
    return con.sql(
        f"""
        WITH m AS (
            SELECT m.*, coalesce(e.series_ticker, split_part(m.event_ticker, '-', 1)) AS series_ticker
            FROM raw.kalshi_markets m LEFT JOIN raw.kalshi_events e USING (event_ticker)
        ), settled AS (
            SELECT event_ticker FROM m
            WHERE list_contains(?, series_ticker) GROUP BY event_ticker
            HAVING bool_and(status IN ('determined', 'finalized', 'amended') AND result IN ('yes', 'no'))
        )
        SELECT m.ticker, m.event_ticker, m.series_ticker, m.strike_type, m.floor_strike, m.cap_strike,
               m.rules_primary, coalesce(m.close_time, m.expected_expiration_time) AS expiry,
               s.fee_type, s.fee_multiplier, CASE m.result WHEN 'yes' THEN 1 ELSE 0 END::TINYINT AS outcome
        FROM m JOIN settled USING (event_ticker)
        LEFT JOIN raw.kalshi_series s ON s.ticker = m.series_ticker
        ORDER BY m.event_ticker, m.ticker
        """,
        params=[list(series)],
    ).pl()


def settled_prop_markets(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Settled NBA player-prop markets (the six prop series) with title, rules, strike, close and outcome."""
    return con.sql(
        f"""
        SELECT m.ticker, m.event_ticker, m.title, m.rules_primary, m.floor_strike,
               coalesce(m.close_time, m.expected_expiration_time) AS expiry,
               CASE m.result WHEN 'yes' THEN 1 ELSE 0 END::TINYINT AS outcome
        FROM raw.kalshi_markets m
        WHERE {_SETTLED} AND regexp_matches(m.ticker, '^KXNBA(PTS|REB|AST|3PT|BLK|STL)-')
        ORDER BY m.ticker
        """
    ).pl()


def sportsbook_snapshot_before(con: duckdb.DuckDBPyConnection, game_id: str, before: datetime) -> pl.DataFrame:
    """The game's newest stored sportsbook fetch made before ``before`` (raw.sportsbook_props rows)."""
    return con.sql(
        """
        WITH f AS (SELECT max(fetched_at) AS fetched_at FROM raw.sportsbook_props
                   WHERE game_id = ? AND fetched_at < ?)
        SELECT p.* EXCLUDE (raw_json) FROM raw.sportsbook_props p JOIN f USING (fetched_at) WHERE p.game_id = ?
        """,
        params=[game_id, before, game_id],
    ).pl()


def last_trade_prices(con: duckdb.DuckDBPyConnection, points: pl.DataFrame, max_age_hours: float = 2.0) -> pl.DataFrame:
    """Per (ticker, as_of): the YES price of the market's last public trade at or before as_of (within
    ``max_age_hours``), as the market-implied probability; null when none was stored."""
    empty = pl.DataFrame(schema={"ticker": pl.String, "as_of": pl.Datetime("us", "UTC"), "market_prob": pl.Float64})
    if points.is_empty() or not table_exists(con, "raw.kalshi_trades"):
        return empty
    con.register("_kp_points", points.select("ticker", pl.col("as_of").cast(pl.Datetime("us", "UTC"))).unique().to_arrow())
    try:
        return con.sql(
            """
            SELECT p.ticker, p.as_of,
                   CASE WHEN p.as_of - t.created_time <= to_seconds(?) THEN t.yes_price::DOUBLE END AS market_prob
            FROM _kp_points p
            ASOF LEFT JOIN raw.kalshi_trades t ON p.ticker = t.ticker AND p.as_of >= t.created_time
            """,
            params=[max_age_hours * 3600],
        ).pl().with_columns(pl.col("as_of").cast(pl.Datetime("us", "UTC")))
    finally:
        con.unregister("_kp_points")
