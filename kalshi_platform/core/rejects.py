"""Reject rows: a payload or record that could not be read is kept with its reason, never dropped.

The shape matches the table ``raw.rejects`` (one row per batch and reject; ``reject_id`` is a content
hash, so recording the same reject twice in one batch stores it once).
"""

from __future__ import annotations

import hashlib
from datetime import datetime

import polars as pl

# Bodies are kept whole up to this size; a larger one keeps its head and says it was cut.
MAX_BODY_CHARS = 200_000

REJECT_SCHEMA: dict[str, pl.DataType] = {
    "batch_id": pl.String(),
    "reject_id": pl.String(),
    "source": pl.String(),  # where it came from, e.g. "kalshi GET /markets"
    "kind": pl.String(),  # what it should have been: page, market, event, orderbook, trade, ...
    "natural_key": pl.String(),  # ticker / trade id when one could be read, else null
    "reason": pl.String(),
    "body": pl.String(),
    "fetched_at": pl.Datetime("us", "UTC"),
}


def _clip(body: str) -> str:
    if len(body) <= MAX_BODY_CHARS:
        return body
    return body[:MAX_BODY_CHARS] + f"... [cut, {len(body)} chars in all]"


def reject_id(source: str, kind: str, reason: str, body: str) -> str:
    digest = hashlib.sha256()
    for part in (source, kind, reason, body):
        digest.update(part.encode("utf-8", "surrogatepass"))
        digest.update(b"\x00")
    return digest.hexdigest()[:32]


def make_reject(
    *,
    source: str,
    kind: str,
    reason: str,
    body: str | bytes,
    fetched_at: datetime,
    batch_id: str,
    natural_key: str | None = None,
) -> dict:
    if isinstance(body, bytes):
        body = body.decode("utf-8", errors="replace")
    return {
        "batch_id": batch_id,
        "reject_id": reject_id(source, kind, reason, body),
        "source": source,
        "kind": kind,
        "natural_key": natural_key,
        "reason": reason,
        "body": _clip(body),
        "fetched_at": fetched_at,
    }


def rejects_frame(rows: list[dict]) -> pl.DataFrame:
    """Reject dicts (from ``make_reject``) -> a frame with the ``raw.rejects`` schema."""
    return pl.DataFrame(rows, schema=REJECT_SCHEMA, orient="row" if rows and not isinstance(rows[0], dict) else None)


def empty_rejects() -> pl.DataFrame:
    return pl.DataFrame(schema=REJECT_SCHEMA)
