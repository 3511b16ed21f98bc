"""core.timeutil: RFC3339, unix seconds and unix milliseconds, all to aware UTC."""

from datetime import UTC, datetime, timedelta, timezone

import polars as pl
import pytest

from kalshi_platform.core.timeutil import TimeParseError, parse_ts, to_unix, ts_expr

T = datetime(2026, 6, 11, 2, 0, tzinfo=UTC)  # 1781143200


@pytest.mark.parametrize(
    "value",
    [
        "2026-06-11T02:00:00Z",
        "2026-06-11T02:00:00.000000Z",
        "2026-06-11T04:00:00+02:00",
        "2026-06-10T22:00:00-04:00",
        1781143200,
        "1781143200",  # ccxt stores ints as strings
        1781143200000,  # ts_ms
        "1781143200000",
    ],
)
def test_parse_ts_reads_every_form(value):
    got = parse_ts(value)
    assert got == T
    assert got.utcoffset() == timedelta(0)


def test_seconds_and_milliseconds_are_told_apart():
    assert parse_ts(1_700_000_000) == datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)
    assert parse_ts(1_700_000_000_123) == datetime(2023, 11, 14, 22, 13, 20, 123000, tzinfo=UTC)


def test_fractional_seconds_are_kept():
    assert parse_ts("2026-03-16T13:56:41.593437Z").microsecond == 593437


@pytest.mark.parametrize("value", ["2026-06-11T02:00:00", "yesterday", "", None, True, [1]])
def test_parse_ts_refuses_what_is_not_a_utc_time(value):
    with pytest.raises(TimeParseError):
        parse_ts(value)


def test_to_unix_round_trips():
    assert to_unix(parse_ts(1781143200)) == 1781143200
    assert to_unix(datetime(2026, 6, 11, 4, 0, tzinfo=timezone(timedelta(hours=2)))) == 1781143200


def test_ts_expr_matches_parse_ts():
    texts = [
        "2026-06-11T02:00:00Z",
        "2026-03-16T13:56:41.593437Z",
        "2026-06-11T04:00:00+02:00",
        "1781143200",
        "1781143200000",
        "not a time",
        None,
    ]
    out = pl.DataFrame({"t": texts}).select(ts_expr("t")).to_series()
    assert out.dtype == pl.Datetime("us", "UTC")
    expected = [parse_ts(t) if t not in ("not a time", None) else None for t in texts]
    assert out.to_list() == expected


def test_ts_expr_reads_integer_columns():
    out = pl.DataFrame({"t": [1781143200, 1781143200000]}).select(ts_expr("t")).to_series().to_list()
    assert out == [T, T]
