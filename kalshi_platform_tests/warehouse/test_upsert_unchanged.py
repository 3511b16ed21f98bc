"""upsert leaves rows that would be rewritten identically in place, and nothing else changes.

The logical result (the table's rows, ``inserted`` / ``deleted`` / ``rows_after``) is exactly that of
"delete every row with a matching key, insert the frame"; ``unchanged`` says how many frame rows
were equal to their stored row and so were not rewritten.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import polars as pl
import pytest

from kalshi_platform.core.money import DECIMAL_DTYPE
from kalshi_platform.warehouse import WriteResult, transaction, upsert
from kalshi_platform_tests.warehouse.conftest import rows

T0 = dt.datetime(2026, 3, 12, 10, 0, tzinfo=dt.UTC)
LONG = "x" * 200  # a "wide" text column (raw_json-like): compared only after the narrow columns match


@pytest.fixture
def book(con):
    con.execute(
        "CREATE TABLE core.book (ticker VARCHAR, ts TIMESTAMPTZ, price DECIMAL(18,6), size BIGINT, "
        "raw VARCHAR, batch_id VARCHAR)"
    )
    return "core.book"


def book_frame(tickers, prices, *, raw=LONG, batch="b1", ts=T0) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "ticker": tickers,
            "ts": [ts] * len(tickers),
            "price": [Decimal(p) for p in prices],
            "size": list(range(len(tickers))),
            "raw": [f"{raw}-{t}" for t in tickers],
            "batch_id": [batch] * len(tickers),
        },
        schema={"ticker": pl.String, "ts": pl.Datetime("us", "UTC"), "price": DECIMAL_DTYPE, "size": pl.Int64,
                "raw": pl.String, "batch_id": pl.String},
    )


def content(con, table="core.book"):
    return rows(con, f"SELECT * FROM {table} ORDER BY ALL")


def test_identical_reupsert_writes_nothing_and_reports_the_same(con, book):
    frame = book_frame(["A", "B", "C"], ["0.1", "0.2", "0.3"])
    first = upsert(con, book, frame, ["ticker"])
    before = content(con)
    second = upsert(con, book, frame, ["ticker"])
    assert first == WriteResult("core.book", inserted=3, deleted=0, rows_after=3)
    assert second == WriteResult("core.book", inserted=3, deleted=3, rows_after=3)
    assert (first.unchanged, second.unchanged) == (0, 3)
    assert content(con) == before


def test_only_changed_rows_are_rewritten(con, book):
    upsert(con, book, book_frame(["A", "B", "C"], ["0.1", "0.2", "0.3"]), ["ticker"])
    frame = book_frame(["A", "B", "C", "D"], ["0.1", "0.25", "0.3", "0.4"])
    result = upsert(con, book, frame, ["ticker"])
    assert result == WriteResult("core.book", inserted=4, deleted=3, rows_after=4)
    assert result.unchanged == 2  # A and C
    assert content(con) == sorted(frame.rows())


def test_a_difference_in_a_wide_column_alone_is_a_change(con, book):
    upsert(con, book, book_frame(["A", "B"], ["0.1", "0.2"]), ["ticker"])
    changed = book_frame(["A", "B"], ["0.1", "0.2"], raw=LONG + "!")  # narrow columns all equal
    result = upsert(con, book, changed, ["ticker"])
    assert result.unchanged == 0
    assert content(con) == sorted(changed.rows())


def test_a_new_batch_rewrites_every_row(con, book):
    upsert(con, book, book_frame(["A", "B"], ["0.1", "0.2"]), ["ticker"])
    again = book_frame(["A", "B"], ["0.1", "0.2"], batch="b2")
    result = upsert(con, book, again, ["ticker"])
    assert (result.inserted, result.deleted, result.rows_after, result.unchanged) == (2, 2, 2, 0)
    assert rows(con, "SELECT DISTINCT batch_id FROM core.book") == [("b2",)]


def test_duplicate_stored_rows_of_a_key_are_still_collapsed(con, book):
    frame = book_frame(["A"], ["0.1"])
    con.register("dup", pl.concat([frame, frame]).to_arrow())
    con.execute("INSERT INTO core.book SELECT * FROM dup")
    con.unregister("dup")
    result = upsert(con, book, frame, ["ticker"])
    assert (result.deleted, result.rows_after, result.unchanged) == (2, 1, 0)
    assert content(con) == frame.rows()


def test_frame_without_every_column_is_never_taken_as_unchanged(con, book):
    frame = book_frame(["A"], ["0.1"])
    upsert(con, book, frame, ["ticker"])
    result = upsert(con, book, frame.drop("batch_id"), ["ticker"])
    assert (result.deleted, result.unchanged) == (1, 0)
    assert rows(con, "SELECT batch_id FROM core.book") == [(None,)]  # the row was replaced as a whole


def test_frame_values_are_compared_as_they_would_be_stored(con, book):
    frame = book_frame(["A"], ["0.1"])
    upsert(con, book, frame, ["ticker"])
    # Another zone, the same instant: stored identically, so nothing to rewrite.
    other_zone = frame.with_columns(pl.col("ts").dt.convert_time_zone("America/New_York"))
    assert upsert(con, book, other_zone, ["ticker"]).unchanged == 1
    assert content(con) == frame.rows()


def test_float_columns_are_always_rewritten(con):
    con.execute("CREATE TABLE core.model (k VARCHAR, p DOUBLE)")
    upsert(con, "core.model", pl.DataFrame({"k": ["a"], "p": [0.0]}), ["k"])
    result = upsert(con, "core.model", pl.DataFrame({"k": ["a"], "p": [-0.0]}), ["k"])
    assert (result.deleted, result.unchanged) == (1, 0)
    assert str(rows(con, "SELECT p FROM core.model")[0][0]) == "-0.0"  # 0.0 = -0.0, yet it was replaced


def test_collated_columns_are_always_rewritten(con):
    con.execute("CREATE TABLE core.names (k VARCHAR, name VARCHAR COLLATE NOCASE)")
    upsert(con, "core.names", pl.DataFrame({"k": ["a"], "name": ["Paris"]}), ["k"])
    result = upsert(con, "core.names", pl.DataFrame({"k": ["a"], "name": ["PARIS"]}), ["k"])
    assert result.unchanged == 0
    assert rows(con, "SELECT name FROM core.names") == [("PARIS",)]


def test_unchanged_rows_inside_a_rolled_back_transaction(con, book):
    frame = book_frame(["A", "B"], ["0.1", "0.2"])
    upsert(con, book, frame, ["ticker"])
    before = content(con)
    with pytest.raises(RuntimeError), transaction(con):
        assert upsert(con, book, book_frame(["A", "B"], ["0.1", "0.9"]), ["ticker"]).unchanged == 1
        raise RuntimeError("abort")
    assert content(con) == before
