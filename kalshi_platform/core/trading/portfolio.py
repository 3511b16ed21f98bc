"""Kalshi portfolio payloads (balance, positions, fills, settlements) -> typed rows of raw.portfolio_*.

Both wire forms are read, as everywhere (DESIGN.md §3): the 2026 ``*_dollars`` / ``*_fp`` strings
when present, else the legacy integer cents and integer counts (the recorded demo payloads carry only
those). Money is exact Decimal; a record that cannot be read becomes a reject with its reason. Each
row carries the account's ``user_name`` and its record as sent (``raw_json``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import polars as pl

from kalshi_platform.core.kalshi.fields import REASON, Field, apply_fields, json_keys, text_keys, value_column
from kalshi_platform.core.kalshi.records import RAW, ROW, records_frame, safe_dumps
from kalshi_platform.core.money import DECIMAL_DTYPE
from kalshi_platform.core.rejects import REJECT_SCHEMA, make_reject, rejects_frame

TS = pl.Datetime("us", "UTC")
SIDES = frozenset({"yes", "no"})
ACTIONS = frozenset({"buy", "sell"})
RESULTS = frozenset({"yes", "no", "void", "scalar", "all_no", "all_yes", ""})


def _amount(name: str, legacy: bool = True) -> Field:
    return Field(name, "amount", key=f"{name}_dollars", legacy=name if legacy else None)


def _price(name: str) -> Field:
    return Field(name, "price", key=f"{name}_dollars", legacy=name)


def _count(name: str) -> Field:
    return Field(name, "count", key=f"{name}_fp", legacy=name)


BALANCE_FIELDS: tuple[Field, ...] = (
    _amount("balance"),
    _amount("portfolio_value"),
    Field("updated_ts", "ts"),
)
POSITION_FIELDS: tuple[Field, ...] = (
    Field("ticker", "text", required=True),
    # Signed: positive holds YES, negative holds NO. The legacy key is a whole count.
    Field("position", "decimal", key="position_fp", legacy="position", legacy_unit="count"),
    _amount("market_exposure"),
    Field("realized_pnl_dollars", "decimal"),
    Field("realized_pnl_cents", "int", key="realized_pnl"),
    _amount("fees_paid"),
    _amount("total_traded"),
    Field("resting_orders_count", "int"),
    Field("last_updated_ts", "ts"),
)
FILL_FIELDS: tuple[Field, ...] = (
    Field("fill_id", "text", required=True),
    Field("order_id", "text"),
    Field("trade_id", "text"),
    Field("ticker", "text"),
    Field("market_ticker", "text"),
    Field("side", "enum", values=SIDES, required=True),
    Field("action", "enum", values=ACTIONS),
    _count("count"),
    _price("yes_price"),
    _price("no_price"),
    Field("fee_cost", "amount"),
    Field("is_taker", "bool"),
    Field("created_time", "ts", required=True),
)
SETTLEMENT_FIELDS: tuple[Field, ...] = (
    Field("ticker", "text", required=True),
    Field("event_ticker", "text"),
    Field("market_result", "enum", values=RESULTS),
    _count("yes_count"),
    _count("no_count"),
    _amount("yes_total_cost"),
    _amount("no_total_cost"),
    _amount("revenue"),
    Field("fee_cost", "amount"),
    Field("value", "int"),
    Field("settled_time", "ts", required=True),
)

TABLE_SCHEMAS: dict[str, dict[str, pl.DataType]] = {
    "raw.portfolio_balances": {
        "user_name": pl.String(), "balance": DECIMAL_DTYPE, "portfolio_value": DECIMAL_DTYPE,
        "updated_ts": TS, "raw_json": pl.String(), "fetched_at": TS, "batch_id": pl.String(),
    },
    "raw.portfolio_positions": {
        "user_name": pl.String(), "ticker": pl.String(), "position": DECIMAL_DTYPE,
        "market_exposure": DECIMAL_DTYPE, "realized_pnl": DECIMAL_DTYPE, "fees_paid": DECIMAL_DTYPE,
        "total_traded": DECIMAL_DTYPE, "resting_orders_count": pl.Int64(), "last_updated_ts": TS,
        "raw_json": pl.String(), "fetched_at": TS, "batch_id": pl.String(),
    },
    "raw.portfolio_fills": {
        "user_name": pl.String(), "fill_id": pl.String(), "order_id": pl.String(), "trade_id": pl.String(),
        "ticker": pl.String(), "side": pl.String(), "action": pl.String(), "count": DECIMAL_DTYPE,
        "yes_price": DECIMAL_DTYPE, "no_price": DECIMAL_DTYPE, "fee_cost": DECIMAL_DTYPE,
        "is_taker": pl.Boolean(), "created_time": TS, "raw_json": pl.String(), "fetched_at": TS,
        "batch_id": pl.String(),
    },
    "raw.portfolio_settlements": {
        "user_name": pl.String(), "ticker": pl.String(), "event_ticker": pl.String(),
        "market_result": pl.String(), "yes_count": DECIMAL_DTYPE, "no_count": DECIMAL_DTYPE,
        "yes_total_cost": DECIMAL_DTYPE, "no_total_cost": DECIMAL_DTYPE, "revenue": DECIMAL_DTYPE,
        "fee_cost": DECIMAL_DTYPE, "value": pl.Int64(), "settled_time": TS, "raw_json": pl.String(),
        "fetched_at": TS, "batch_id": pl.String(),
    },
}
NATURAL_KEYS: dict[str, list[str]] = {
    # A balance is a time series: one row per read.
    "raw.portfolio_balances": ["user_name", "fetched_at"],
    # Positions are the account's current state, replaced per user on every read.
    "raw.portfolio_positions": ["user_name", "ticker"],
    "raw.portfolio_fills": ["user_name", "fill_id"],
    "raw.portfolio_settlements": ["user_name", "ticker", "settled_time"],
}


@dataclass(frozen=True)
class Parsed:
    rows: pl.DataFrame
    rejects: pl.DataFrame


def _parse(
    items: object,
    fields: Sequence[Field],
    table: str,
    derived: dict[str, pl.Expr],
    *,
    kind: str,
    key_name: str,
    user: str,
    source: str,
    fetched_at: datetime,
    batch_id: str,
) -> Parsed:
    if fetched_at.tzinfo is None:
        raise ValueError("fetched_at must be timezone-aware")
    fetched_at = fetched_at.astimezone(UTC)
    rf = records_frame(items, text_keys(fields), json_keys(fields))
    checked = apply_fields(rf.frame, fields)
    schema = TABLE_SCHEMAS[table]
    exprs = {f.name: value_column(f.name) for f in fields}
    exprs.update(derived)
    exprs.update(
        user_name=pl.lit(user), raw_json=pl.col(RAW), fetched_at=pl.lit(fetched_at), batch_id=pl.lit(batch_id)
    )
    rows = checked.good.select(exprs[name].cast(dtype).alias(name) for name, dtype in schema.items())
    rejects = []
    for position, item, reason in rf.bad:
        rejects.append((position, make_reject(source=source, kind=kind, reason=reason, body=safe_dumps(item),
                                              fetched_at=fetched_at, batch_id=batch_id)))
    bad = checked.bad
    if bad.height:
        keys = bad.get_column(key_name).to_list() if key_name in bad.columns else [None] * bad.height
        for position, raw, reason, key in zip(bad.get_column(ROW).to_list(), bad.get_column(RAW).to_list(),
                                              bad.get_column(REASON).to_list(), keys, strict=True):
            rejects.append((position, make_reject(source=source, kind=kind, reason=f"{user}: {reason}", body=raw,
                                                  fetched_at=fetched_at, batch_id=batch_id, natural_key=key)))
    rejects.sort(key=lambda pair: pair[0])
    frame = rejects_frame([r for _, r in rejects]) if rejects else pl.DataFrame(schema=REJECT_SCHEMA)
    return Parsed(rows, frame)


def parse_balance(body: object, *, user: str, source: str, fetched_at: datetime, batch_id: str) -> Parsed:
    """GET /portfolio/balance (one object) -> one raw.portfolio_balances row."""
    return _parse([body], BALANCE_FIELDS, "raw.portfolio_balances", {}, kind="balance", key_name="",
                  user=user, source=source, fetched_at=fetched_at, batch_id=batch_id)


def parse_positions(items: object, *, user: str, source: str, fetched_at: datetime, batch_id: str) -> Parsed:
    """``market_positions`` of GET /portfolio/positions -> raw.portfolio_positions rows."""
    realized = pl.coalesce(
        value_column("realized_pnl_dollars"),
        (value_column("realized_pnl_cents").cast(pl.Decimal(38, 6)) / 100).cast(DECIMAL_DTYPE),
    )
    return _parse(items, POSITION_FIELDS, "raw.portfolio_positions", {"realized_pnl": realized},
                  kind="position", key_name="ticker", user=user, source=source, fetched_at=fetched_at,
                  batch_id=batch_id)


def parse_fills(items: object, *, user: str, source: str, fetched_at: datetime, batch_id: str) -> Parsed:
    """GET /portfolio/fills items -> raw.portfolio_fills rows (``ticker`` or, older, ``market_ticker``)."""
    ticker = pl.coalesce(value_column("ticker"), value_column("market_ticker"))
    return _parse(items, FILL_FIELDS, "raw.portfolio_fills", {"ticker": ticker}, kind="fill", key_name="fill_id",
                  user=user, source=source, fetched_at=fetched_at, batch_id=batch_id)


def parse_settlements(items: object, *, user: str, source: str, fetched_at: datetime, batch_id: str) -> Parsed:
    """GET /portfolio/settlements items -> raw.portfolio_settlements rows."""
    return _parse(items, SETTLEMENT_FIELDS, "raw.portfolio_settlements", {}, kind="settlement",
                  key_name="ticker", user=user, source=source, fetched_at=fetched_at, batch_id=batch_id)


def empty(table: str) -> pl.DataFrame:
    return pl.DataFrame(schema=TABLE_SCHEMAS[table])
