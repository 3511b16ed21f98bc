"""Kalshi fees: a hand-computed table, the rounding cases, and the vectorized path agreeing exactly."""

from __future__ import annotations

from decimal import Decimal as D

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kalshi_platform.core.fees import FeeError, fee_expr, fee_per_contract, fee_rate, order_fee
from kalshi_platform.core.money import DECIMAL_DTYPE

# (contracts, price, fee_type, multiplier, role, rounding) -> fee, each worked by hand:
# 0.07 x C x P x (1-P), rounded up.
HAND_TABLE = [
    (1, "0.50", "quadratic", 1, "taker", "cent", "0.02"),  # 0.0175 -> 0.02
    (100, "0.50", "quadratic", 1, "taker", "cent", "1.75"),  # exact, no rounding
    (10, "0.50", "quadratic", 1, "taker", "cent", "0.18"),  # 0.175 -> 0.18
    (100, "0.05", "quadratic", 1, "taker", "cent", "0.34"),  # 0.3325 -> 0.34
    (100, "0.10", "quadratic", 1, "taker", "cent", "0.63"),  # 0.63 exact
    (100, "0.25", "quadratic", 1, "taker", "cent", "1.32"),  # 1.3125 -> 1.32
    (100, "0.75", "quadratic", 1, "taker", "cent", "1.32"),  # symmetric in P
    (1, "0.01", "quadratic", 1, "taker", "cent", "0.01"),  # 0.000693 -> 0.01
    (1, "0.00", "quadratic", 1, "taker", "cent", "0.00"),  # no fee at the bounds
    (1, "1", "quadratic", 1, "taker", "cent", "0.00"),
    (10, "0.50", "quadratic", 1, "maker", "cent", "0.00"),  # plain quadratic: makers pay nothing
    (10, "0.50", "quadratic_with_maker_fees", 1, "maker", "cent", "0.05"),  # 0.04375 -> 0.05
    (100, "0.25", "quadratic_with_maker_fees", 1, "maker", "cent", "0.33"),  # 0.328125 -> 0.33
    (100, "0.50", "quadratic", 2, "taker", "cent", "3.50"),  # the series' multiplier scales the rate
    (100, "0.50", "quadratic", "0.5", "taker", "cent", "0.88"),  # 0.875 -> 0.88
    (100, "0.50", "flat", 1, "taker", "cent", "0.88"),  # 0.035 x 25 = 0.875 -> 0.88
    (1, "0.50", "quadratic", 1, "taker", "centicent", "0.0175"),
    (1, "0.1234", "quadratic", 1, "taker", "centicent", "0.0076"),  # 0.00757207... -> 0.0076
    ("444.32", "0.5600", "quadratic", 1, "taker", "cent", "7.67"),  # fractional count: 7.66363136 -> 7.67
]


@pytest.mark.parametrize("contracts,price,fee_type,mult,role,rounding,expected", HAND_TABLE)
def test_hand_computed_fees_are_exact(contracts, price, fee_type, mult, role, rounding, expected):
    fee = order_fee(D(str(contracts)), D(price), fee_type=fee_type, multiplier=D(str(mult)), role=role,
                    rounding=rounding)
    assert fee == D(expected)
    assert isinstance(fee, D)


def test_vectorized_fees_match_the_table():
    frame = pl.DataFrame(
        {
            "contracts": [D(str(r[0])) for r in HAND_TABLE],
            "price": [D(r[1]) for r in HAND_TABLE],
            "fee_type": [r[2] for r in HAND_TABLE],
            "mult": [D(str(r[3])) for r in HAND_TABLE],
        },
        schema={"contracts": DECIMAL_DTYPE, "price": DECIMAL_DTYPE, "fee_type": pl.String, "mult": DECIMAL_DTYPE},
    )
    for role in ("taker", "maker"):
        for rounding in ("cent", "centicent"):
            got = frame.select(
                fee_expr(pl.col("price"), contracts=pl.col("contracts"), fee_type=pl.col("fee_type"),
                         multiplier=pl.col("mult"), role=role, rounding=rounding).alias("fee")
            )["fee"].to_list()
            want = [order_fee(D(str(r[0])), D(r[1]), fee_type=r[2], multiplier=D(str(r[3])), role=role,
                              rounding=rounding) for r in HAND_TABLE]
            assert got == want, (role, rounding)


def test_fee_per_contract_of_a_lot():
    assert fee_per_contract(D("0.50")) == D("0.02")
    assert fee_per_contract(D("0.50"), contracts=100) == D("0.0175")


def test_rates():
    assert fee_rate("quadratic") == D("0.07")
    assert fee_rate("quadratic_with_maker_fees", "maker") == D("0.0175")
    assert fee_rate(None) == D("0.07")


def test_bad_inputs_give_clear_errors():
    with pytest.raises(FeeError, match="fee_type"):
        order_fee(1, D("0.5"), fee_type="progressive")
    with pytest.raises(FeeError, match="float"):
        order_fee(1, 0.29)  # type: ignore[arg-type]
    with pytest.raises(FeeError, match="outside"):
        order_fee(1, D("1.2"))
    with pytest.raises(FeeError, match="rounding"):
        order_fee(1, D("0.5"), rounding="dollar")


def test_vectorized_unknown_fee_type_and_missing_price_are_null():
    frame = pl.DataFrame({"price": [D("0.5"), None], "fee_type": ["mystery", "quadratic"]},
                         schema={"price": DECIMAL_DTYPE, "fee_type": pl.String})
    out = frame.select(fee_expr(pl.col("price"), fee_type=pl.col("fee_type")).alias("f"))["f"].to_list()
    assert out == [None, None]


@settings(max_examples=300)
@given(
    contracts=st.decimals(min_value=0, max_value=1_000_000, places=2),
    price=st.decimals(min_value=0, max_value=1, places=4),
    mult=st.decimals(min_value=0, max_value=5, places=3),
    fee_type=st.sampled_from(["quadratic", "quadratic_with_maker_fees", "flat"]),
    role=st.sampled_from(["taker", "maker"]),
    rounding=st.sampled_from(["cent", "centicent"]),
)
def test_vectorized_equals_scalar(contracts, price, mult, fee_type, role, rounding):
    frame = pl.DataFrame({"c": [contracts], "p": [price], "m": [mult]},
                         schema={"c": DECIMAL_DTYPE, "p": DECIMAL_DTYPE, "m": DECIMAL_DTYPE})
    got = frame.select(fee_expr(pl.col("p"), contracts=pl.col("c"), fee_type=fee_type, multiplier=pl.col("m"),
                                role=role, rounding=rounding).alias("f"))["f"][0]
    assert got == order_fee(contracts, price, fee_type=fee_type, multiplier=mult, role=role, rounding=rounding)
