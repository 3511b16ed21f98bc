"""core.money: exact prices and counts, never through float."""

from decimal import Decimal

import polars as pl
import pytest

from kalshi_platform.core.money import (
    DECIMAL_DTYPE,
    MoneyError,
    cents_expr,
    cents_to_dollars,
    fixed_expr,
    parse_fixed,
    parse_price,
)


def test_the_float_pitfall_does_not_happen():
    assert int(float("0.29") * 100) == 28  # why floats are banned
    assert parse_price("0.29") * 100 == 29
    assert cents_to_dollars(29) == Decimal("0.29")
    frame = pl.DataFrame({"p": ["0.29"], "c": [29]})
    out = frame.select(fixed_expr("p").alias("p"), cents_expr("c").alias("c"))
    assert out.item(0, "p") == Decimal("0.29")
    assert out.item(0, "c") == Decimal("0.29")


@pytest.mark.parametrize("text", ["0.1630", "0.5600", "444.32", "1", "0", "0.000001", "999999999999.999999", "-0.01"])
def test_parse_fixed_is_exact(text):
    assert parse_fixed(text) == Decimal(text)


@pytest.mark.parametrize("value", ["0.1234567", "abc", "", "1e5", "0x10", "1,5", ".5", "5.", 0.5, True, None, [1], "1000000000000"])
def test_parse_fixed_refuses_what_it_cannot_store_exactly(value):
    with pytest.raises(MoneyError):
        parse_fixed(value)


def test_parse_fixed_reads_ints_and_strips_blanks():
    assert parse_fixed(56) == Decimal(56)
    assert parse_fixed(" 0.25 ") == Decimal("0.25")


@pytest.mark.parametrize("text", ["-0.0001", "1.0001", "2"])
def test_parse_price_is_bounded(text):
    with pytest.raises(MoneyError):
        parse_price(text)
    assert parse_price("1.0000") == 1 and parse_price("0") == 0


@pytest.mark.parametrize("value", [56.0, "56", True, None])
def test_cents_must_be_an_int(value):
    with pytest.raises(MoneyError):
        cents_to_dollars(value)


def test_fixed_expr_never_rounds_and_keeps_six_decimals():
    texts = ["0.1630", "0.8370", "0.1234567", "abc", None, " 0.5 ", "1e5", "12345678901234", "-0.000001"]
    out = pl.DataFrame({"t": texts}).select(fixed_expr("t").alias("v")).get_column("v")
    assert out.dtype == DECIMAL_DTYPE
    assert out.to_list() == [
        Decimal("0.163"), Decimal("0.837"), None, None, None, Decimal("0.5"), None, None, Decimal("-0.000001")
    ]


def test_fixed_expr_reads_integer_columns():
    out = pl.DataFrame({"n": [0, 7, 1500]}).select(fixed_expr("n")).to_series().to_list()
    assert out == [Decimal(0), Decimal(7), Decimal(1500)]


def test_cents_expr_divides_exactly():
    out = pl.DataFrame({"c": [0, 1, 29, 56, 99, 100, 409848786, None]}).select(cents_expr("c")).to_series()
    assert out.dtype == DECIMAL_DTYPE
    assert out.to_list() == [
        Decimal("0"), Decimal("0.01"), Decimal("0.29"), Decimal("0.56"), Decimal("0.99"), Decimal("1"),
        Decimal("4098487.86"), None,
    ]


def test_legacy_cents_too_large_to_store_become_null_not_an_error():
    import polars as pl

    from kalshi_platform.core.money import cents_expr

    frame = pl.DataFrame({"c": [56, 1, -5, 1_000_000_000_000, 10**17, None]})
    out = frame.select(cents_expr("c")).to_series().to_list()
    assert out[:3] == [Decimal("0.56"), Decimal("0.01"), Decimal("-0.05")]
    assert out[3] == Decimal("10000000000")
    assert out[4] is None and out[5] is None
