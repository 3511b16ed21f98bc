"""Kalshi trading fees, exact (DESIGN.md §6).

fee = ceil(rate x fee_multiplier x C x P x (1 - P)), C contracts at price P dollars, where the rate comes
from the series' ``fee_type`` and the side of the trade:

| fee_type                   | taker  | maker  |
|----------------------------|--------|--------|
| quadratic                  | 0.07   | 0      |
| quadratic_with_maker_fees  | 0.07   | 0.0175 |
| flat (Specific Trading Fees table: index markets) | 0.035 | 0 |

Rounding: ``cent`` rounds the fill's fee up to the next $0.01 (what a non-direct member pays on a
whole-cent fill); ``centicent`` rounds up to $0.0001 (the trade-fee precision since sub-penny pricing,
what a direct member's balance carries). Everything is integer arithmetic on scaled values, so a fee is
never off by float error: ``int(0.07 * 0.5 * 0.5 * 100)`` style mistakes cannot happen here.
"""

from __future__ import annotations

from decimal import ROUND_CEILING, Decimal

import polars as pl

from kalshi_platform.core.money import DECIMAL_DTYPE

FEE_TYPES = ("quadratic", "quadratic_with_maker_fees", "flat")
ROLES = ("taker", "maker")
ROUNDINGS = {"cent": Decimal("0.01"), "centicent": Decimal("0.0001")}

# Rates in units of 1e-4 (0.07 -> 700) so the vectorized path stays in integers.
_RATE_E4: dict[tuple[str, str], int] = {
    ("quadratic", "taker"): 700,
    ("quadratic", "maker"): 0,
    ("quadratic_with_maker_fees", "taker"): 700,
    ("quadratic_with_maker_fees", "maker"): 175,
    ("flat", "taker"): 350,
    ("flat", "maker"): 0,
}
DEFAULT_FEE_TYPE = "quadratic"
DEFAULT_MULTIPLIER = Decimal(1)


class FeeError(ValueError):
    """A fee asked for with an unknown fee type, role or rounding, or a price outside [0, 1]."""


def fee_rate(fee_type: str | None, role: str = "taker") -> Decimal:
    """The per-unit rate (0.07, 0.0175, ...) of ``fee_type`` for ``role``; None means quadratic."""
    return Decimal(_rate_e4(fee_type, role)) / Decimal(10_000)


def order_fee(
    contracts: Decimal | int | str,
    price: Decimal | str,
    *,
    fee_type: str | None = DEFAULT_FEE_TYPE,
    multiplier: Decimal | int | str | None = DEFAULT_MULTIPLIER,
    role: str = "taker",
    rounding: str = "cent",
) -> Decimal:
    """The fee of one fill of ``contracts`` at ``price`` dollars, rounded up, exact."""
    step = _step(rounding)
    c = _decimal(contracts, "contracts")
    p = _decimal(price, "price")
    m = DEFAULT_MULTIPLIER if multiplier is None else _decimal(multiplier, "multiplier")
    if not Decimal(0) <= p <= Decimal(1):
        raise FeeError(f"price {p} is outside [0, 1] dollars")
    if c < 0 or m < 0:
        raise FeeError(f"contracts ({c}) and multiplier ({m}) must be >= 0")
    raw = fee_rate(fee_type, role) * m * c * p * (1 - p)
    return (raw / step).to_integral_value(rounding=ROUND_CEILING) * step


def fee_per_contract(
    price: Decimal | str,
    *,
    fee_type: str | None = DEFAULT_FEE_TYPE,
    multiplier: Decimal | int | str | None = DEFAULT_MULTIPLIER,
    role: str = "taker",
    rounding: str = "cent",
    contracts: Decimal | int | str = 1,
) -> Decimal:
    """The fee of a ``contracts``-lot fill divided by its size (what one contract costs in fees)."""
    c = _decimal(contracts, "contracts")
    if c <= 0:
        raise FeeError("contracts must be > 0 for a per-contract fee")
    total = order_fee(c, price, fee_type=fee_type, multiplier=multiplier, role=role, rounding=rounding)
    return total / c


def fee_expr(
    price: pl.Expr,
    *,
    contracts: pl.Expr | Decimal | int = 1,
    fee_type: pl.Expr | str | None = DEFAULT_FEE_TYPE,
    multiplier: pl.Expr | Decimal | int | None = DEFAULT_MULTIPLIER,
    role: str = "taker",
    rounding: str = "cent",
) -> pl.Expr:
    """``order_fee`` over columns: Decimal(18,6); null where price is null or the fee type unknown.

    Scaled integers in Int128: price and multiplier x 1e6, contracts x 1e2, rate x 1e4, so the product
    before rounding is exact (it stays below 1e38 for up to ~1e12 contracts).
    """
    step = _step(rounding)
    if role not in ROLES:
        raise FeeError(f"role {role!r} is not one of {', '.join(ROLES)}")
    i128 = pl.Int128
    p6 = (price.cast(DECIMAL_DTYPE) * 1_000_000).cast(i128)
    c2 = (_as_expr(contracts).cast(DECIMAL_DTYPE) * 100).cast(i128)
    mult = DEFAULT_MULTIPLIER if multiplier is None else multiplier
    m6 = (_as_expr(mult).cast(DECIMAL_DTYPE).fill_null(DEFAULT_MULTIPLIER) * 1_000_000).cast(i128)
    if isinstance(fee_type, pl.Expr):
        mapping = {ft: _RATE_E4[(ft, role)] for ft in FEE_TYPES}
        rate = (
            fee_type.fill_null(DEFAULT_FEE_TYPE)
            .replace_strict(mapping, default=None, return_dtype=pl.Int64)
            .cast(i128)
        )
    else:
        rate = pl.lit(_rate_e4(fee_type, role), dtype=i128)
    numerator = rate * m6 * c2 * p6 * (pl.lit(1_000_000, dtype=i128) - p6)
    # numerator is in units of 1e-24 dollars; divide by the rounding step, rounding up.
    units_per_step = 10**24 // int(1 / step)
    divisor = pl.lit(units_per_step, dtype=i128)
    steps = (numerator + divisor - pl.lit(1, dtype=i128)) // divisor
    valid = p6.is_between(0, 1_000_000)
    fee = (steps.cast(DECIMAL_DTYPE) * pl.lit(step, dtype=pl.Decimal(18, 6))).cast(DECIMAL_DTYPE)
    return pl.when(valid).then(fee).otherwise(None)


def _rate_e4(fee_type: str | None, role: str) -> int:
    key = (fee_type or DEFAULT_FEE_TYPE, role)
    if key not in _RATE_E4:
        if role not in ROLES:
            raise FeeError(f"role {role!r} is not one of {', '.join(ROLES)}")
        raise FeeError(f"fee_type {fee_type!r} is not one of {', '.join(FEE_TYPES)}")
    return _RATE_E4[key]


def _step(rounding: str) -> Decimal:
    if rounding not in ROUNDINGS:
        raise FeeError(f"rounding {rounding!r} is not one of {', '.join(ROUNDINGS)}")
    return ROUNDINGS[rounding]


def _decimal(value, name: str) -> Decimal:
    if isinstance(value, float):
        raise FeeError(f"{name} must be exact (Decimal, int or str), not float {value!r}")
    try:
        return Decimal(str(value)) if not isinstance(value, Decimal) else value
    except ArithmeticError:
        raise FeeError(f"{name} {value!r} is not a number") from None


def _as_expr(value) -> pl.Expr:
    if isinstance(value, pl.Expr):
        return value
    return pl.lit(Decimal(str(value)), dtype=DECIMAL_DTYPE)
