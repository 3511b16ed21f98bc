"""Frames shaped like the warehouse tables, for the quality rules: one good frame per rule, and the
bad variant of it for each check."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import duckdb
import polars as pl
import pytest

from kalshi_platform.core.money import DECIMAL_DTYPE
from kalshi_platform.core.quality import BID_ASK, KEYS, LATEST_BATCH, STATUSES, TIMESTAMPS, VALUES, TableRule
from kalshi_platform.warehouse import migrations

NOW = datetime(2026, 11, 20, 15, 30, tzinfo=UTC)
TS = pl.Datetime("us", "UTC")


def _dtype(sql_type: str) -> pl.DataType:
    sql_type = sql_type.upper()
    if sql_type.startswith("DECIMAL"):
        return DECIMAL_DTYPE
    if sql_type.startswith("TIMESTAMP"):
        return TS
    if sql_type in ("INTEGER", "BIGINT", "UINTEGER", "UBIGINT", "SMALLINT"):
        return pl.Int64()
    if sql_type == "DOUBLE":
        return pl.Float64()
    if sql_type == "DATE":
        return pl.Date()
    if sql_type == "BOOLEAN":
        return pl.Boolean()
    if sql_type.endswith("[]"):
        return pl.List(pl.String())
    return pl.String()


@pytest.fixture(scope="session")
def table_types() -> dict[str, dict[str, str]]:
    """schema.table -> column -> SQL type, as the migrations create them."""
    con = duckdb.connect(":memory:")
    migrations.migrate(con)
    rows = con.execute(
        "SELECT schema_name || '.' || table_name, column_name, data_type FROM duckdb_columns() "
        "WHERE schema_name NOT IN ('main', 'information_schema', 'pg_catalog') ORDER BY column_index"
    ).fetchall()
    con.close()
    out: dict[str, dict[str, str]] = {}
    for table, column, data_type in rows:
        out.setdefault(table, {})[column] = data_type
    return out


def _value(dtype: pl.DataType, i: int):
    if dtype == TS:
        return NOW - timedelta(hours=1, minutes=i)
    if isinstance(dtype, pl.Decimal):
        return Decimal("0.5")
    if dtype == pl.Int64():
        return i
    if dtype == pl.Float64():
        return 0.5
    if dtype == pl.Date():
        return (NOW - timedelta(days=i)).date()
    if dtype == pl.Boolean():
        return True
    return f"v{i}"


def good_frame(rule: TableRule, types: dict[str, str], rows: int = 3) -> pl.DataFrame:
    """Rows every expectation of ``rule`` accepts: distinct keys, prices inside [0, 1], bids below
    asks, known enumeration values, timestamps an hour before NOW."""
    columns = {c: _dtype(types[c]) for c in rule.columns()}
    data: dict[str, list] = {c: [None] * rows for c in columns}
    for c in rule.keys:
        data[c] = [_value(columns[c], i) for i in range(rows)]
    if rule.scope == LATEST_BATCH and rule.batch_column in columns:
        # One batch (the newest), which the checks read; the other key columns keep keys distinct.
        data[rule.batch_column] = [_value(columns[rule.batch_column], 0)] * rows
    for c in rule.prices:
        data[c] = [Decimal("0.5") if isinstance(columns[c], pl.Decimal) else 0.5] * rows
    for c in rule.non_negative:
        data[c] = [_value(columns[c], 10)] * rows if columns[c] == pl.Int64() else [Decimal("10")] * rows
    for c, (low, high) in rule.ranges.items():
        if c in columns:
            inside = high if low is None else low if high is None else (low + high) / 2
            data[c] = [Decimal(str(inside)) if isinstance(columns[c], pl.Decimal) else inside] * rows
    for bid, ask in rule.bid_ask:
        if bid in columns and ask in columns:
            data[bid] = [Decimal("0.4")] * rows
            data[ask] = [Decimal("0.6")] * rows
    for c, values in rule.enums.items():
        if c not in rule.keys:
            data[c] = [sorted(values)[0]] * rows
        else:  # the other key columns keep the keys distinct
            data[c] = [sorted(values)[i % len(values)] for i in range(rows)]
    for bound in rule.timestamps:
        if bound.column not in rule.keys and bound.column != rule.batch_column:
            data[bound.column] = [NOW - timedelta(hours=1)] * rows
    return pl.DataFrame(data, schema=columns)


def bad_frame(rule: TableRule, check: str, good: pl.DataFrame) -> pl.DataFrame:
    """``good`` with one value that ``check`` (and only it) must reject."""
    rows = good.to_dicts()
    if check == KEYS:
        for c in rule.keys:
            rows[1][c] = rows[0][c]
    elif check == VALUES:
        bids = {bid for bid, _ in rule.bid_ask}
        prices = [c for c in rule.prices if c not in bids]  # a bid above 1 would cross its ask too
        if prices:
            rows[2][prices[0]] = Decimal("1.5") if isinstance(good.schema[prices[0]], pl.Decimal) else 1.5
        elif rule.non_negative:
            column = rule.non_negative[0]
            rows[2][column] = -1 if good.schema[column] == pl.Int64() else Decimal("-1")
        else:
            column, (low, high) = next(iter(rule.ranges.items()))
            outside = high + 1 if high is not None else low - 1
            rows[2][column] = Decimal(str(outside)) if isinstance(good.schema[column], pl.Decimal) else outside
    elif check == BID_ASK:
        bid, ask = rule.bid_ask[0]
        rows[2][bid], rows[2][ask] = Decimal("0.7"), Decimal("0.3")
    elif check == STATUSES:
        column = next(iter(rule.enums))
        rows[2][column] = "no_such_value"
    elif check == TIMESTAMPS:
        column = next(t.column for t in rule.timestamps if t.column != rule.batch_column)
        rows[2][column] = datetime(1990, 1, 1, tzinfo=UTC)
    return pl.DataFrame(rows, schema=good.schema)
