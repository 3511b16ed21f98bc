"""Exact money and contract-count handling (DESIGN.md §3).

Kalshi sends prices as dollar strings with up to 6 decimals ("0.5600") and counts as fixed-point
strings ("444.32"); before 2026-03-12 it also sent integer cents (``yes_bid: 56``). Everything that is
stored goes through ``Decimal`` here or through the polars expressions below, never through float.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

import polars as pl

# One scale for every stored price, count, fee and balance: Kalshi's finest tick is $0.0001 and its
# counts carry 2 decimals, so 6 decimals hold both exactly. Precision 18 keeps DuckDB on int64.
SCALE = 6
PRECISION = 18
DECIMAL_DTYPE = pl.Decimal(PRECISION, SCALE)
DUCKDB_DECIMAL = f"DECIMAL({PRECISION},{SCALE})"
MAX_ABS = Decimal(10) ** (PRECISION - SCALE)

# A fixed-point string Kalshi could send: optional sign, digits, at most SCALE decimals.
FIXED_POINT_PATTERN = rf"^-?[0-9]+(\.[0-9]{{1,{SCALE}}})?$"
_FIXED_POINT = re.compile(FIXED_POINT_PATTERN)

ZERO = Decimal(0)
ONE = Decimal(1)
CENT = Decimal("0.01")


class MoneyError(ValueError):
    """A value that cannot be read as an exact price or count."""


def parse_fixed(value: object, *, field: str = "value") -> Decimal:
    """Read a dollar string, fixed-point count string or int as an exact Decimal.

    Floats are refused: a float has already lost the exact value Kalshi sent.
    """
    if isinstance(value, bool) or value is None:
        raise MoneyError(f"{field}: expected a fixed-point string, got {value!r}")
    if isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, str):
        text = value.strip()
        if not _FIXED_POINT.match(text):
            raise MoneyError(f"{field}: {value!r} is not a fixed-point number with at most {SCALE} decimals")
        try:
            result = Decimal(text)
        except InvalidOperation as exc:  # pragma: no cover - the regex already guards this
            raise MoneyError(f"{field}: {value!r} is not a number") from exc
    else:
        raise MoneyError(f"{field}: expected a fixed-point string, got {type(value).__name__} {value!r}")
    if abs(result) >= MAX_ABS:
        raise MoneyError(f"{field}: {value!r} is out of range")
    return result


def cents_to_dollars(cents: object, *, field: str = "value") -> Decimal:
    """Legacy integer cents (``yes_bid: 56``) -> Decimal dollars (0.56)."""
    if isinstance(cents, bool) or not isinstance(cents, int):
        raise MoneyError(f"{field}: legacy cents must be an integer, got {cents!r}")
    return Decimal(cents) / 100


def parse_price(value: object, *, field: str = "price") -> Decimal:
    """A price in dollars, which for a binary contract lies in [0, 1]."""
    price = parse_fixed(value, field=field)
    if not ZERO <= price <= ONE:
        raise MoneyError(f"{field}: price {price} is outside [0, 1]")
    return price


def fixed_expr(column: str | pl.Expr) -> pl.Expr:
    """Vectorised fixed-point string -> exact Decimal; null where the text is not exact fixed point.

    The regex runs first because polars' cast would silently round extra decimals.
    """
    col = pl.col(column) if isinstance(column, str) else column
    text = col.cast(pl.String).str.strip_chars()
    return (
        pl.when(text.str.contains(FIXED_POINT_PATTERN))
        .then(text.cast(DECIMAL_DTYPE, strict=False))
        .otherwise(None)
    )


def cents_expr(column: str | pl.Expr) -> pl.Expr:
    """Vectorised legacy integer cents -> exact Decimal dollars."""
    col = pl.col(column) if isinstance(column, str) else column
    # Divide at a wide precision with the final scale (the quotient keeps the dividend's scale), then
    # narrow: cents too large for DECIMAL(18,6) become null, which the caller turns into a reject.
    wide = col.cast(pl.Int64, strict=False).cast(pl.Decimal(38, SCALE)) / 100
    return wide.cast(DECIMAL_DTYPE, strict=False)
