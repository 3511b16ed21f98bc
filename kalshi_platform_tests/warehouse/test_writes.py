from __future__ import annotations

import datetime as dt
from decimal import Decimal

import duckdb
import polars as pl
import pytest

from kalshi_platform.core.money import DECIMAL_DTYPE
from kalshi_platform.core.rejects import make_reject, rejects_frame
from kalshi_platform.warehouse import (
    WarehouseError,
    WriteError,
    WriteResult,
    append,
    finish_batch,
    get_watermark,
    new_batch_id,
    record_rejects,
    replace_partition,
    set_watermark,
    start_batch,
    transaction,
    upsert,
)
from kalshi_platform_tests.warehouse.conftest import rows

UTC = dt.UTC
T0 = dt.datetime(2026, 3, 12, 10, 0, tzinfo=UTC)


@pytest.fixture
def quotes(con):
    con.execute(
        "CREATE TABLE core.quotes (ticker VARCHAR, ts TIMESTAMPTZ, yes_bid DECIMAL(18,6), volume BIGINT, "
        "note VARCHAR, day DATE)"
    )
    return "core.quotes"


def quote_frame(tickers, bids, *, ts=T0, volume=None, day=dt.date(2026, 3, 12)) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "ticker": tickers,
            "ts": [ts] * len(tickers),
            "yes_bid": [Decimal(b) for b in bids],
            "volume": volume if volume is not None else list(range(len(tickers))),
            "day": [day] * len(tickers),
        },
        schema={"ticker": pl.String, "ts": pl.Datetime("us", "UTC"), "yes_bid": DECIMAL_DTYPE,
                "volume": pl.Int64, "day": pl.Date},
    )


def table(con, name="core.quotes", order="ticker"):
    return rows(con, f"SELECT ticker, yes_bid, volume, note FROM {name} ORDER BY {order}")


# --- append ---------------------------------------------------------------------------------------


def test_append_inserts_rows_and_reports(con, quotes):
    result = append(con, quotes, quote_frame(["A", "B"], ["0.56", "0.1630"]))
    assert result == WriteResult("core.quotes", inserted=2, deleted=0, rows_after=2)
    result = append(con, quotes, quote_frame(["C"], ["0.01"]))
    assert result == WriteResult("core.quotes", inserted=1, deleted=0, rows_after=3)


def test_subset_of_columns_leaves_the_rest_null(con, quotes):
    append(con, quotes, pl.DataFrame({"ticker": ["A"]}))
    assert rows(con, "SELECT ticker, ts, yes_bid, volume, note, day FROM core.quotes") == [
        ("A", None, None, None, None, None)
    ]


def test_frame_columns_are_matched_by_name_not_position(con, quotes):
    append(con, quotes, pl.DataFrame({"note": ["n"], "volume": [7], "ticker": ["A"]}))
    assert table(con) == [("A", None, 7, "n")]


def test_empty_frame_is_a_no_op(con, quotes):
    assert append(con, quotes, quote_frame([], [])).inserted == 0
    assert upsert(con, quotes, quote_frame([], []), ["ticker"]) == WriteResult("core.quotes", 0, 0, 0)


def test_unknown_column_is_named(con, quotes):
    frame = quote_frame(["A"], ["0.5"]).with_columns(pl.lit("x").alias("yes_bid_typo"))
    with pytest.raises(WriteError, match=r"core\.quotes has no column\(s\) \['yes_bid_typo'\]"):
        append(con, quotes, frame)
    assert rows(con, "SELECT count(*) FROM core.quotes") == [(0,)]


def test_missing_table_is_named(con):
    with pytest.raises(WriteError, match=r"table raw\.nope does not exist"):
        append(con, "raw.nope", pl.DataFrame({"a": [1]}))


# --- exact money and time -------------------------------------------------------------------------


def test_decimal_round_trips_exactly(con, quotes):
    # 123456789012.123457 has 18 significant digits: a float64 cannot hold it, so an exact round trip
    # proves the value never went through float.
    values = ["0.1630", "0.0001", "123456789012.123457", "-0.000001"]
    append(con, quotes, quote_frame(["A", "B", "C", "D"], values))
    stored = [r[0] for r in rows(con, "SELECT yes_bid FROM core.quotes ORDER BY ticker")]
    assert stored == [Decimal(v) for v in values]
    assert stored[0] == Decimal("0.1630") and str(stored[0]) == "0.163000"
    assert float(Decimal("123456789012.123457")) != Decimal("123456789012.123457")
    assert rows(con, "SELECT DISTINCT typeof(yes_bid) FROM core.quotes") == [("DECIMAL(18,6)",)]
    back = con.sql("SELECT yes_bid FROM core.quotes ORDER BY ticker").pl()
    assert back.schema["yes_bid"] == DECIMAL_DTYPE
    assert back["yes_bid"].to_list() == [Decimal(v) for v in values]


def test_float_into_decimal_is_refused(con, quotes):
    frame = pl.DataFrame({"ticker": ["A"], "yes_bid": [0.29]})
    with pytest.raises(WriteError, match=r"core\.quotes\.yes_bid is DECIMAL\(18,6\) but the frame column is Float64"):
        append(con, quotes, frame)


def test_decimal_overflow_fails_instead_of_rounding(con, quotes):
    frame = pl.DataFrame({"ticker": ["A"], "yes_bid": [Decimal("1234567890123.5")]},
                         schema={"ticker": pl.String, "yes_bid": pl.Decimal(38, 6)})
    with pytest.raises(duckdb.Error):
        append(con, quotes, frame)
    assert rows(con, "SELECT count(*) FROM core.quotes") == [(0,)]


def test_utc_datetime_lands_as_timestamptz(con, quotes):
    append(con, quotes, quote_frame(["A"], ["0.5"], ts=dt.datetime(2026, 3, 12, 10, 0, 0, 123456, tzinfo=UTC)))
    assert rows(con, "SELECT typeof(ts), epoch_us(ts) FROM core.quotes") == [
        ("TIMESTAMP WITH TIME ZONE", int(dt.datetime(2026, 3, 12, 10, 0, 0, 123456, tzinfo=UTC).timestamp() * 1e6))
    ]
    back = con.sql("SELECT ts FROM core.quotes").pl()["ts"]
    assert back.to_list() == [dt.datetime(2026, 3, 12, 10, 0, 0, 123456, tzinfo=UTC)]


def test_other_time_zone_keeps_the_instant(con, quotes):
    frame = quote_frame(["A"], ["0.5"]).with_columns(pl.col("ts").dt.convert_time_zone("America/New_York"))
    append(con, quotes, frame)
    assert con.execute("SELECT ts FROM core.quotes").fetchone()[0] == T0


def test_naive_datetime_into_timestamptz_is_refused(con, quotes):
    frame = pl.DataFrame({"ticker": ["A"], "ts": [dt.datetime(2026, 3, 12)]})
    with pytest.raises(WriteError, match=r"core\.quotes\.ts is TIMESTAMPTZ but the frame column is a naive"):
        append(con, quotes, frame)


# --- upsert ---------------------------------------------------------------------------------------


def test_upsert_twice_is_idempotent(con, quotes):
    frame = quote_frame(["A", "B", "C"], ["0.1", "0.2", "0.3"])
    first = upsert(con, quotes, frame, ["ticker"])
    before = table(con)
    second = upsert(con, quotes, frame, ["ticker"])
    assert first == WriteResult("core.quotes", inserted=3, deleted=0, rows_after=3)
    assert second == WriteResult("core.quotes", inserted=3, deleted=3, rows_after=3)
    assert table(con) == before


def test_upsert_replaces_matches_and_inserts_new(con, quotes):
    append(con, quotes, quote_frame(["A", "B"], ["0.1", "0.2"]).with_columns(pl.lit("old").alias("note")))
    result = upsert(con, quotes, quote_frame(["B", "C"], ["0.25", "0.3"], volume=[20, 30]), ["ticker"])
    assert result == WriteResult("core.quotes", inserted=2, deleted=1, rows_after=3)
    # B is replaced as a whole row: its note (absent from the frame) is null now.
    assert table(con) == [("A", Decimal("0.1"), 0, "old"), ("B", Decimal("0.25"), 20, None),
                          ("C", Decimal("0.3"), 30, None)]


def test_upsert_with_duplicate_keys_in_frame_keeps_last(con, quotes):
    frame = quote_frame(["A", "B", "A", "A"], ["0.1", "0.2", "0.3", "0.4"], volume=[1, 2, 3, 4])
    result = upsert(con, quotes, frame, ["ticker"])
    assert result.inserted == 2 and result.rows_after == 2
    assert table(con) == [("A", Decimal("0.4"), 4, None), ("B", Decimal("0.2"), 2, None)]


def test_upsert_composite_key(con, quotes):
    t1 = T0 + dt.timedelta(minutes=1)
    upsert(con, quotes, pl.concat([quote_frame(["A"], ["0.1"]), quote_frame(["A"], ["0.2"], ts=t1)]), ["ticker", "ts"])
    upsert(con, quotes, quote_frame(["A"], ["0.15"]), ["ticker", "ts"])
    assert rows(con, "SELECT ts, yes_bid FROM core.quotes ORDER BY ts") == [(T0, Decimal("0.15")), (t1, Decimal("0.2"))]


def test_upsert_key_must_be_in_frame_and_complete(con, quotes):
    with pytest.raises(WriteError, match=r"key column\(s\) \['ts'\] not in the frame"):
        upsert(con, quotes, pl.DataFrame({"ticker": ["A"]}), ["ticker", "ts"])
    with pytest.raises(WriteError, match=r"key column\(s\) have nulls \{'ticker': 1\}"):
        upsert(con, quotes, pl.DataFrame({"ticker": ["A", None]}), ["ticker"])
    with pytest.raises(WriteError, match="key is empty"):
        upsert(con, quotes, pl.DataFrame({"ticker": ["A"]}), [])


def test_failing_upsert_rolls_back_the_delete_too(con, quotes):
    append(con, quotes, quote_frame(["A", "B"], ["0.1", "0.2"]))
    before = table(con)
    # The key matches (so the delete runs), then the insert fails converting 'many' to BIGINT.
    bad = pl.DataFrame({"ticker": ["A", "B"], "volume": ["1", "many"]})
    with pytest.raises(duckdb.ConversionException):
        upsert(con, quotes, bad, ["ticker"])
    assert table(con) == before
    # The connection is usable again afterwards (no transaction left open or aborted).
    assert upsert(con, quotes, quote_frame(["A"], ["0.9"]), ["ticker"]).rows_after == 2


# --- replace_partition ----------------------------------------------------------------------------


def test_replace_partition_replaces_only_its_partition(con, quotes):
    d1, d2, d3 = dt.date(2026, 3, 11), dt.date(2026, 3, 12), dt.date(2026, 3, 13)
    for day, tickers in ((d1, ["A", "B"]), (d2, ["A", "B", "C"]), (d3, ["A"])):
        append(con, quotes, quote_frame(tickers, ["0.5"] * len(tickers), day=day))
    result = replace_partition(con, quotes, quote_frame(["Z"], ["0.9"], day=d2), "day", [d2])
    assert result == WriteResult("core.quotes", inserted=1, deleted=3, rows_after=4)
    assert rows(con, "SELECT day, ticker FROM core.quotes ORDER BY day, ticker") == [
        (d1, "A"), (d1, "B"), (d2, "Z"), (d3, "A")
    ]
    # Same call again: same table (idempotent).
    replace_partition(con, quotes, quote_frame(["Z"], ["0.9"], day=d2), "day", [d2])
    assert rows(con, "SELECT count(*) FROM core.quotes") == [(4,)]


def test_replace_several_partitions_and_empty_frame(con, quotes):
    append(con, quotes, quote_frame(["A", "B"], ["0.1", "0.2"]).with_columns(pl.Series("note", ["x", "y"])))
    append(con, quotes, quote_frame(["C"], ["0.3"]).with_columns(pl.lit("z").alias("note")))
    # A string partition value and an empty frame: the partitions are just cleared.
    assert replace_partition(con, quotes, quote_frame([], []).with_columns(pl.lit("s").alias("note")), "note",
                             ["x", "z"]).deleted == 2
    assert replace_partition(con, quotes, pl.DataFrame({"note": ["y"], "ticker": ["Q"]}), "note", "y").deleted == 1
    assert table(con) == [("Q", None, None, "y")]


def test_replace_partition_refuses_rows_outside_the_partition(con, quotes):
    frame = quote_frame(["A"], ["0.1"], day=dt.date(2026, 3, 12))
    with pytest.raises(WriteError, match=r"1 frame row\(s\) have day outside the partitions"):
        replace_partition(con, quotes, frame, "day", [dt.date(2026, 3, 11)])
    with pytest.raises(WriteError, match="no partition values"):
        replace_partition(con, quotes, frame, "day", [])
    with pytest.raises(WriteError, match="a partition value is None"):
        replace_partition(con, quotes, frame, "day", [None])
    with pytest.raises(WriteError, match="table has no column 'dayz'"):
        replace_partition(con, quotes, frame, "dayz", ["x"])
    with pytest.raises(WriteError, match="frame lacks the partition column 'note'"):
        replace_partition(con, quotes, frame, "note", ["x"])


def test_failing_replace_partition_keeps_the_old_partition(con, quotes):
    append(con, quotes, quote_frame(["A", "B"], ["0.1", "0.2"]))
    before = table(con)
    bad = pl.DataFrame({"ticker": ["A"], "day": [dt.date(2026, 3, 12)], "volume": ["lots"]})
    with pytest.raises(duckdb.ConversionException):
        replace_partition(con, quotes, bad, "day", [dt.date(2026, 3, 12)])
    assert table(con) == before


# --- transactions ---------------------------------------------------------------------------------


def test_helpers_join_an_outer_transaction(con, quotes):
    with pytest.raises(RuntimeError, match="boom"):
        with transaction(con):
            append(con, quotes, quote_frame(["A"], ["0.1"]))
            set_watermark(con, "quotes", "1")
            raise RuntimeError("boom")
    assert rows(con, "SELECT count(*) FROM core.quotes") == [(0,)]
    assert get_watermark(con, "quotes") is None
    with transaction(con):
        append(con, quotes, quote_frame(["A"], ["0.1"]))
        upsert(con, quotes, quote_frame(["A"], ["0.2"]), ["ticker"])
        set_watermark(con, "quotes", "2")
    assert table(con) == [("A", Decimal("0.2"), 0, None)]
    assert get_watermark(con, "quotes") == "2"


def test_transaction_seen_by_other_connection_only_after_commit(warehouse, con, quotes):
    with warehouse.connect() as other:
        with transaction(con):
            append(con, quotes, quote_frame(["A"], ["0.1"]))
            assert rows(other, "SELECT count(*) FROM core.quotes") == [(0,)]
        assert rows(other, "SELECT count(*) FROM core.quotes") == [(1,)]


# --- rejects, watermarks, batches -----------------------------------------------------------------


def test_record_rejects_stores_each_reject_once(con):
    rejects = rejects_frame([
        make_reject(source="kalshi GET /markets", kind="market", reason="bad price", body='{"yes_bid": "x"}',
                    fetched_at=T0, batch_id="b1", natural_key="KXA"),
        make_reject(source="kalshi GET /markets", kind="page", reason="truncated", body=b'{"mark',
                    fetched_at=T0, batch_id="b1"),
    ])
    assert record_rejects(con, rejects).rows_after == 2
    assert record_rejects(con, rejects) == WriteResult("raw.rejects", inserted=2, deleted=2, rows_after=2)
    assert rows(con, "SELECT kind, natural_key, reason, fetched_at FROM raw.rejects ORDER BY kind") == [
        ("market", "KXA", "bad price", T0), ("page", None, "truncated", T0)
    ]
    # The same reject in another batch is another row.
    assert record_rejects(con, rejects.with_columns(pl.lit("b2").alias("batch_id"))).rows_after == 4


def test_watermarks(con):
    assert get_watermark(con, "markets.min_updated_ts") is None
    set_watermark(con, "markets.min_updated_ts", 1773309600)
    assert get_watermark(con, "markets.min_updated_ts") == "1773309600"
    set_watermark(con, "markets.min_updated_ts", "1773309700")
    set_watermark(con, "trades.last_ts", T0)
    assert get_watermark(con, "markets.min_updated_ts") == "1773309700"
    assert get_watermark(con, "trades.last_ts") == "2026-03-12T10:00:00+00:00"
    assert rows(con, "SELECT count(*) FROM meta.watermarks") == [(2,)]
    with pytest.raises(ValueError, match="timezone-aware"):
        set_watermark(con, "x", dt.datetime(2026, 1, 1))
    with pytest.raises(TypeError, match="expected str, int or datetime"):
        set_watermark(con, "x", 1.5)


def test_batches(con):
    batch = start_batch(con, ["raw", "kalshi_markets"], note="sandbox")
    assert rows(con, "SELECT asset_key, finished_at, complete, note FROM meta.batches") == [
        ("raw/kalshi_markets", None, False, "sandbox")
    ]
    finish_batch(con, batch, rows_written=120, complete=True)
    (started, finished, written, complete, note), = rows(
        con, "SELECT started_at, finished_at, rows_written, complete, note FROM meta.batches")
    assert finished >= started and (written, complete, note) == (120, True, "sandbox")
    finish_batch(con, batch, rows_written=7, complete=False, note="cursor loop cut at page 3")
    assert rows(con, "SELECT rows_written, complete, note FROM meta.batches") == [
        (7, False, "cursor loop cut at page 3")
    ]
    with pytest.raises(WarehouseError, match="batch 'nope' was never started"):
        finish_batch(con, "nope", 0, False)


def test_batch_ids_are_unique_and_time_sortable():
    early = new_batch_id(dt.datetime(2026, 3, 12, 10, 0, tzinfo=UTC))
    late = new_batch_id(dt.datetime(2026, 3, 12, 10, 0, 0, 1, tzinfo=UTC))
    assert early < late and early.startswith("20260312T100000000000Z-")
    assert len({new_batch_id() for _ in range(1000)}) == 1000


def test_helpers_join_a_transaction_begun_in_plain_sql(con, quotes):
    con.execute("BEGIN TRANSACTION")
    append(con, quotes, quote_frame(["A"], ["0.1"]))
    upsert(con, quotes, quote_frame(["B"], ["0.2"]), ["ticker"])
    con.execute("ROLLBACK")
    assert rows(con, "SELECT count(*) FROM core.quotes") == [(0,)]


def test_a_partly_read_result_of_the_caller_does_not_get_in_the_way(con, quotes):
    # duckdb 2.0 refuses some work while a result is half-fetched; the helpers must not trip on it.
    con.execute("SELECT * FROM range(10)").fetchone()
    assert append(con, quotes, quote_frame(["A"], ["0.1"])).inserted == 1
    con.execute("SELECT * FROM range(10)").fetchone()
    with transaction(con):
        con.execute("SELECT * FROM range(10)").fetchone()
        assert upsert(con, quotes, quote_frame(["A"], ["0.2"]), ["ticker"]).deleted == 1


def test_replace_all_swaps_the_whole_table_atomically(con):
    from kalshi_platform.warehouse.writes import replace_all

    con.execute("CREATE TABLE core.rebuilt (k VARCHAR, v INTEGER)")
    first = replace_all(con, "core.rebuilt", pl.DataFrame({"k": ["a", "b", "c"], "v": [1, 2, 3]}))
    assert (first.inserted, first.deleted, first.rows_after) == (3, 0, 3)
    second = replace_all(con, "core.rebuilt", pl.DataFrame({"k": ["b"], "v": [20]}))
    assert (second.inserted, second.deleted, second.rows_after) == (1, 3, 1)
    assert con.execute("SELECT k, v FROM core.rebuilt").fetchall() == [("b", 20)]
    with pytest.raises(Exception):
        replace_all(con, "core.rebuilt", pl.DataFrame({"k": ["x"], "v": ["not a number"]}))
    assert con.execute("SELECT k, v FROM core.rebuilt").fetchall() == [("b", 20)]
