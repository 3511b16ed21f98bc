"""Read queries of the streaming capture (issue 9): captures, their frames and their REST references."""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

FRAME_SELECT = "connection_id, connection_slot, connection_attempt, frame_no, received_at, frame_text"


def latest_capture_id(con) -> str | None:
    """The newest finished capture (the batch id of raw.kalshi_ws_messages' last batch)."""
    rows = con.execute(
        """
        SELECT batch_id FROM meta.batches
        WHERE asset_key = 'raw.kalshi_ws_messages' AND finished_at IS NOT NULL
        ORDER BY started_at DESC LIMIT 1
        """
    ).fetchall()
    return rows[0][0] if rows else None


def capture_frames(con, capture_id: str) -> pl.DataFrame:
    """Every frame of one capture, in receipt order."""
    return con.sql(
        f"SELECT {FRAME_SELECT} FROM raw.kalshi_ws_messages WHERE capture_id = ? "
        "ORDER BY received_at, connection_slot, connection_attempt, frame_no",
        params=[capture_id],
    ).pl()


def capture_rest_books(con, capture_id: str) -> pl.DataFrame:
    return con.sql(
        "SELECT ticker, requested_at, received_at, yes_levels, no_levels, error "
        "FROM raw.kalshi_ws_rest_books WHERE capture_id = ? ORDER BY ticker",
        params=[capture_id],
    ).pl()


def known_instruments(con, tickers: Sequence[str]) -> set[str]:
    """Which of ``tickers`` already have a row in core.instruments."""
    if not tickers:
        return set()
    frame = pl.DataFrame({"ticker": list(tickers)})
    con.register("__kp_stream_tickers", frame.to_arrow())
    try:
        rows = con.execute(
            "SELECT DISTINCT i.ticker FROM core.instruments i JOIN __kp_stream_tickers t USING (ticker)"
        ).fetchall()
    finally:
        con.unregister("__kp_stream_tickers")
    return {r[0] for r in rows}


def capture_summary(con, capture_id: str) -> pl.DataFrame:
    """Frames per message type of one capture."""
    return con.sql(
        "SELECT coalesce(msg_type, '(unreadable)') AS msg_type, count(*) AS frames "
        "FROM raw.kalshi_ws_messages WHERE capture_id = ? GROUP BY 1 ORDER BY 2 DESC",
        params=[capture_id],
    ).pl()
