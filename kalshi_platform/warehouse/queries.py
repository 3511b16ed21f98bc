"""The platform's read queries over the warehouse, in one place (assets and the CLI call these)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

import polars as pl

# Kalshi's status filter words -> the market statuses they cover (DESIGN.md §6).
STATUS_FILTERS: dict[str, tuple[str, ...]] = {
    "unopened": ("initialized",),
    "open": ("active",),
    "paused": ("inactive",),
    "closed": ("closed",),
    "settled": ("determined", "disputed", "amended", "finalized"),
}
MARKET_STATUSES = ("initialized", "inactive", "active", "closed", "determined", "disputed", "amended", "finalized")

# Quoted text in reject reasons differs per record; grouping by reason masks it.
_MASK_QUOTED = r"regexp_replace(reason, '''[^'']*''', '''…''', 'g')"


def read_table(con, table: str, *, exclude: Sequence[str] = (), columns: Sequence[str] = ()) -> pl.DataFrame:
    if columns:
        selected = ", ".join(columns)
    else:
        selected = f"* EXCLUDE ({', '.join(exclude)})" if exclude else "*"
    return con.sql(f"SELECT {selected} FROM {table}").pl()


def scalar(con, sql: str, params: Sequence | None = None):
    rows = con.execute(sql, list(params or [])).fetchall()
    return rows[0][0] if rows else None


def count_rows(con, table: str) -> int:
    return int(scalar(con, f"SELECT count(*) FROM {table}"))


def most_active_open_markets(con, limit: int) -> list[str]:
    """Open markets of the latest quote poll, busiest first."""
    if limit <= 0:
        return []
    rows = con.execute(
        """
        WITH latest AS (
            SELECT batch_id FROM raw.kalshi_market_snapshots ORDER BY fetched_at DESC LIMIT 1
        )
        SELECT ticker FROM raw.kalshi_market_snapshots
        WHERE batch_id = (SELECT batch_id FROM latest)
        ORDER BY volume_24h DESC NULLS LAST, open_interest DESC NULLS LAST, ticker
        LIMIT ?
        """,
        [limit],
    ).fetchall()
    return [r[0] for r in rows]


def markets_live_on(con, day: date, limit: int) -> list[tuple[str, str, datetime | None]]:
    """(ticker, series_ticker, settled_at) of markets open at some point of ``day``, busiest first."""
    if limit <= 0:
        return []
    start = datetime(day.year, day.month, day.day, tzinfo=UTC)
    end = start + timedelta(days=1)
    return con.execute(
        """
        SELECT m.ticker, coalesce(e.series_ticker, split_part(m.event_ticker, '-', 1)) AS series_ticker,
               coalesce(m.settlement_ts, m.close_time) AS settled_at
        FROM raw.kalshi_markets m
        LEFT JOIN raw.kalshi_events e USING (event_ticker)
        WHERE (m.open_time IS NULL OR m.open_time < ?) AND (m.close_time IS NULL OR m.close_time >= ?)
        ORDER BY m.volume_24h DESC NULLS LAST, m.volume DESC NULLS LAST, m.ticker
        LIMIT ?
        """,
        [end, start, limit],
    ).fetchall()


def latest_quotes(con) -> pl.DataFrame:
    """(ticker, status, yes_bid, yes_ask) of each market's newest quote snapshot."""
    return con.sql(
        """
        SELECT ticker, status, yes_bid, yes_ask FROM raw.kalshi_market_snapshots
        QUALIFY row_number() OVER (PARTITION BY ticker ORDER BY fetched_at DESC) = 1
        """
    ).pl()


def newest_quote_per_market(con) -> pl.DataFrame:
    """core.quotes_latest rows: each market's newest snapshot, with the market's current status."""
    return con.sql(
        """
        SELECT s.ticker, s.event_ticker, split_part(s.event_ticker, '-', 1) AS series_ticker,
               coalesce(m.status, s.status) AS status,
               s.yes_bid, s.yes_ask, s.no_bid, s.no_ask, s.yes_bid_size, s.yes_ask_size, s.last_price,
               s.volume_24h, s.open_interest, s.liquidity, s.updated_time, s.fetched_at AS quoted_at, s.batch_id
        FROM raw.kalshi_market_snapshots s
        LEFT JOIN raw.kalshi_markets m USING (ticker)
        QUALIFY row_number() OVER (PARTITION BY s.ticker ORDER BY s.fetched_at DESC, s.batch_id DESC) = 1
        ORDER BY s.ticker
        """
    ).pl()


def markets_by_status(con) -> dict[str, int]:
    return dict(con.execute("SELECT status, count(*) FROM raw.kalshi_markets GROUP BY 1 ORDER BY 2 DESC").fetchall())


def snapshot_polls(con) -> int:
    return int(scalar(con, "SELECT count(DISTINCT batch_id) FROM raw.kalshi_market_snapshots"))


def reject_summary(con, limit: int = 50, *, by_source: bool = True) -> pl.DataFrame:
    source = "source, " if by_source else ""
    return con.sql(
        f"""
        SELECT {source}kind, {_MASK_QUOTED} AS reason, count(*) AS n
        FROM raw.rejects GROUP BY ALL ORDER BY n DESC, reason LIMIT {int(limit)}
        """
    ).pl()


def rejects_since(con, since: datetime) -> int:
    return int(scalar(con, "SELECT count(*) FROM raw.rejects WHERE fetched_at > ?", [since]))


def batch_summary(con) -> list[tuple]:
    return con.execute(
        """
        SELECT asset_key, count(*) AS batches, count(*) FILTER (WHERE NOT complete) AS incomplete,
               max(finished_at) AS last_finished
        FROM meta.batches GROUP BY 1 ORDER BY 1
        """
    ).fetchall()


def instruments_for(con, tickers: Sequence[str]) -> pl.DataFrame:
    """Stored instruments of these tickers (any case), in no particular order."""
    wanted = pl.DataFrame({"ticker": [t.strip().upper() for t in tickers]})
    con.register("_wanted_tickers", wanted.to_arrow())
    try:
        return con.sql(
            "SELECT i.* FROM core.instruments i JOIN _wanted_tickers w ON upper(i.ticker) = w.ticker"
        ).pl()
    finally:
        con.unregister("_wanted_tickers")


def search_instruments(
    con,
    text: str,
    *,
    category: str | None = None,
    status: str | None = None,
    limit: int = 20,
    offset: int = 0,
) -> tuple[int, pl.DataFrame]:
    """(total matches, one page) of instruments whose ticker, display name or titles hold every word.

    ``status`` takes a market status (active, finalized, ...) or a filter word (open, settled, ...).
    Exact ticker matches come first, then ticker prefixes, then by display name.
    """
    conditions, params = [], []
    for word in text.split():
        conditions.append(
            "(ticker ILIKE ? OR display_name ILIKE ? OR coalesce(title, '') ILIKE ? "
            "OR coalesce(event_title, '') ILIKE ? OR coalesce(series_title, '') ILIKE ?)"
        )
        params.extend([f"%{word}%"] * 5)
    if category:
        conditions.append("lower(category) = lower(?)")
        params.append(category)
    if status:
        statuses = STATUS_FILTERS.get(status.lower(), (status.lower(),))
        conditions.append(f"status IN ({', '.join('?' for _ in statuses)})")
        params.extend(statuses)
    where = " AND ".join(conditions) or "TRUE"
    total = int(scalar(con, f"SELECT count(*) FROM core.instruments WHERE {where}", params))
    page = con.sql(
        f"""
        SELECT * FROM core.instruments WHERE {where}
        ORDER BY (upper(ticker) = upper(?)) DESC, starts_with(upper(ticker), upper(?)) DESC, display_name, ticker
        LIMIT ? OFFSET ?
        """,
        params=[*params, text.strip(), text.strip(), int(limit), int(offset)],
    ).pl()
    return total, page
