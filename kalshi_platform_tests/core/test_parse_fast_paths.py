"""The ingest fast paths give exactly what the general paths give.

- ``timeutil.ts_fast_expr`` (RFC3339 ending in ``Z``) equals ``ts_expr`` wherever it reads a value;
  apply_fields falls back to ``ts_expr`` for a column holding any other form.
- ``fields._fixed`` (regex-guarded decimal cast of already-stripped text) equals ``money.fixed_expr``.
- records_frame's one-shot path equals its careful per-record path (text of every key, raw_json,
  nested JSON columns), and keys that no record carries come back as null columns.
"""

from __future__ import annotations

from datetime import UTC, datetime

import polars as pl
import pytest

from kalshi_platform.core import kalshi_parse as kp
from kalshi_platform.core.kalshi import fields as F
from kalshi_platform.core.kalshi import records as R
from kalshi_platform.core.money import fixed_expr
from kalshi_platform.core.timeutil import ts_expr, ts_fast_expr

TIMES = [
    "2026-11-05T02:30:00Z", "2026-11-05T02:30:00.1Z", "2026-11-05T02:30:00.123456Z",
    "2026-11-05T02:30:00.123456789Z", "2026-11-05T02:30:00.Z", "2026-11-05T02:30Z", "2026-11-05 02:30:00Z",
    "2026-11-05T02:30:00z", "2026-11-05t02:30:00Z",
    "2026-11-05T24:00:00Z", "2026-02-30T00:00:00Z", "2016-12-31T23:59:60Z", "+2026-11-05T02:30:00Z", "20261105T023000Z",
    "2026-1-5T2:3:4Z", "2026-11-05T02:30:00ZZ", "2026-11-05T02:30:00+00:00", "2026-11-05T04:30:00+02:00",
    "0001-01-01T00:00:00Z", "9999-12-31T23:59:59.999999Z", "10000-01-01T00:00:00Z", "2026-11-05T02:30:00,5Z",
    "1781143200", "1781143200000", "-5", "1969-12-31T23:59:59.999999Z", "2026-13-05T02:30:00Z", "not a time", "", None,
]


def test_ts_fast_expr_agrees_with_ts_expr_wherever_it_reads():
    frame = pl.DataFrame({"t": pl.Series(TIMES * 200, dtype=pl.String)})
    out = frame.select(ts_fast_expr("t").alias("fast"), ts_expr("t").alias("full"))
    assert out.filter(pl.col("fast").is_not_null() & (pl.col("fast") != pl.col("full"))).height == 0
    assert out.get_column("fast").is_not_null().sum() > 0
    # Every form it does not read is left to ts_expr (unix values, offsets, ...).
    assert out.row(TIMES.index("1781143200"))[0] is None
    assert out.row(TIMES.index("2026-11-05T04:30:00+02:00"))[0] is None


@pytest.mark.parametrize(
    "mixed",
    [
        ["2026-11-05T02:30:00Z", "1781143200"],
        ["2026-11-05T04:30:00+02:00", "2026-11-05T02:30:00.5Z"],
        ["x", "2026-11-05T02:30:00Z"],
    ],
)
def test_markets_with_other_time_forms_parse_as_before(mixed):
    ctx = dict(source="t", fetched_at=datetime(2026, 11, 1, tzinfo=UTC), batch_id="b")
    items = [{"ticker": f"T{i}", "event_ticker": "E", "close_time": v} for i, v in enumerate(mixed)]
    parsed = kp.parse_markets(items, **ctx)
    expected = pl.DataFrame({"t": mixed}).select(ts_expr("t")).to_series().to_list()
    got = dict(zip(parsed.rows.get_column("ticker"), parsed.rows.get_column("close_time"), strict=True))
    for i, value in enumerate(expected):
        if value is None:
            assert f"T{i}" not in got
            assert parsed.rejects.filter(pl.col("natural_key") == f"T{i}").get_column("reason").item() == (
                f"close_time '{mixed[i]}' is not a timestamp"
            )
        else:
            assert got[f"T{i}"] == value


def test_fixed_on_stripped_text_equals_money_fixed_expr():
    texts = ["0.56", "0.5600", "-1.25", "1", "0.1234567", "1e-5", ".5", "5.", "+1", "12345678901234.5", "",
             "0.000001", "99999999999.999999", "1,5", "nan", None]
    frame = pl.DataFrame({"t": pl.Series(texts, dtype=pl.String)})
    out = frame.select(F._fixed(pl.col("t")).alias("a"), fixed_expr("t").alias("b"))
    assert out.get_column("a").to_list() == out.get_column("b").to_list()


def test_one_shot_records_frame_equals_the_careful_path():
    records = [
        {"ticker": "A", "yes_bid_dollars": "0.56", "volume_fp": 12, "floor_strike": 0.5, "can_close_early": True,
         "price_ranges": [{"start": "0.0000", "end": "1.0000"}], "custom_strike": {"team": "Ü\n"},
         "extra": [1, {"b": None}]},
        {"ticker": "B", "event_ticker": "E", "floor_strike": 1e-05, "tick_size": 1, "mve_selected_legs": None},
        {"ticker": "C", "rules_primary": "quote \" and \\ and \u2028", "price_ranges": []},
    ]
    text_keys = F.text_keys(kp.MARKET_FIELDS)
    json_keys = F.json_keys(kp.MARKET_FIELDS)
    fast = R.records_frame(records, text_keys, json_keys).frame
    raw, text, keep, bad = R._careful(records, text_keys)
    assert keep == [0, 1, 2] and bad == []
    assert fast.get_column(R.RAW).to_list() == raw.to_list()
    for key in text_keys:
        assert fast.get_column(key).to_list() == text.get_column(key).to_list(), key
    for key in json_keys:
        assert fast.get_column(key).to_list() == [R.json_text(r.get(key)) for r in records], key
    # risk_limit_cents is carried by no record: still a (null) column.
    assert fast.get_column("risk_limit_cents").null_count() == len(records)
