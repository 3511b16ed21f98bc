"""core.kalshi_parse on bad and odd input: rejects with specific reasons, never an exception, and the
good records of the same batch still come through."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kalshi_platform.core import kalshi_parse as kp
from kalshi_platform.core.rejects import REJECT_SCHEMA

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "kalshi" / "rest"
CTX = dict(source="kalshi GET /markets", fetched_at=datetime(2026, 11, 1, 12, 0, tzinfo=UTC), batch_id="batch-1")
BASE_MARKET = json.loads((FIXTURES / "kalshi_rest_market_KXELONMARS-99_ccxt.json").read_text())["market"]
BASE_TRADE = json.loads((FIXTURES / "kalshi_rest_trades_KXELONMARS-99_ccxt.json").read_text())["trades"][0]


def market(i: int = 0, **changes) -> dict:
    record = dict(BASE_MARKET, ticker=f"KXTEST-{i}", event_ticker="KXTEST")
    for key, value in changes.items():
        if value is _DROP:
            record.pop(key, None)
        else:
            record[key] = value
    return record


_DROP = object()


def reasons(parsed: kp.Parsed) -> list[str]:
    return parsed.rejects.get_column("reason").to_list()


def check_shapes(parsed: kp.Parsed, table: str) -> None:
    assert dict(parsed.rows.schema) == kp.RAW_TABLE_COLUMNS[table]
    assert dict(parsed.rejects.schema) == REJECT_SCHEMA


# --------------------------------------------------------------------------------------------------
# Markets
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "changes, reason",
    [
        ({"yes_bid_dollars": "1.2500"}, "yes_bid_dollars '1.2500' outside [0, 1]"),
        ({"no_ask_dollars": "-0.0100"}, "no_ask_dollars '-0.0100' outside [0, 1]"),
        ({"last_price_dollars": "0.1234567"}, "last_price_dollars '0.1234567' is not fixed point with at most 6 decimals"),
        ({"volume_fp": "abc"}, "volume_fp 'abc' is not fixed point with at most 6 decimals"),
        ({"volume_fp": "-5.00"}, "volume_fp '-5.00' is negative"),
        ({"open_interest_fp": "1e5"}, "open_interest_fp '1e5' is not fixed point with at most 6 decimals"),
        ({"volume_fp": "12345678901234.00"}, "volume_fp '12345678901234.00' is not fixed point with at most 6 decimals"),
        ({"liquidity_dollars": "-1.0000"}, "liquidity_dollars '-1.0000' is negative"),
        ({"status": "weird"}, "unknown status 'weird'"),
        ({"ticker": _DROP}, "missing ticker"),
        ({"ticker": ""}, "missing ticker"),
        ({"event_ticker": None}, "missing event_ticker"),
        ({"close_time": "next tuesday"}, "close_time 'next tuesday' is not a timestamp"),
        ({"can_close_early": "maybe"}, "can_close_early 'maybe' is not a boolean"),
        ({"settlement_timer_seconds": "30 minutes"}, "settlement_timer_seconds '30 minutes' is not an integer"),
        ({"yes_bid_dollars": True}, "yes_bid_dollars 'true' is not fixed point with at most 6 decimals"),
        ({"yes_bid_dollars": {"x": 1}}, "yes_bid_dollars '{\"x\": 1}' is not fixed point with at most 6 decimals"),
        ({"floor_strike": 0.12345678}, "floor_strike '0.12345678' is not fixed point with at most 6 decimals"),
        ({"yes_bid_dollars": _DROP, "yes_bid": 101}, "yes_bid '101' outside [0, 100] cents"),
        ({"yes_bid_dollars": _DROP, "yes_bid": "0.56"}, "yes_bid '0.56' is not integer cents"),
        ({"volume_fp": _DROP, "volume": -3}, "volume '-3' is negative"),
    ],
)
def test_bad_market_values_are_rejected_with_a_reason(changes, reason):
    parsed = kp.parse_markets([market(0), market(1, **changes), market(2)], **CTX)
    check_shapes(parsed, "raw.kalshi_markets")
    assert parsed.rows.get_column("ticker").to_list() == ["KXTEST-0", "KXTEST-2"]
    assert reasons(parsed) == [reason]
    reject = parsed.rejects.row(0, named=True)
    assert reject["source"] == CTX["source"] and reject["batch_id"] == CTX["batch_id"]
    assert reject["kind"] == "market" and reject["fetched_at"] == CTX["fetched_at"]
    assert reject["natural_key"] == (None if "ticker" in changes else "KXTEST-1")
    assert json.loads(reject["body"]) == market(1, **changes)


def test_every_problem_of_a_record_is_named():
    parsed = kp.parse_markets([market(0, yes_bid_dollars="2", status="weird", volume_fp="x")], **CTX)
    assert reasons(parsed) == [
        "unknown status 'weird'; yes_bid_dollars '2' outside [0, 1]; volume_fp 'x' is not fixed point with at most 6 decimals"
    ]


def test_exact_decimals_no_float():
    parsed = kp.parse_markets([market(0, yes_bid_dollars="0.1630", yes_ask_dollars="0.29", volume_fp="0.01")], **CTX)
    row = parsed.rows.row(0, named=True)
    assert row["yes_bid"] == Decimal("0.1630") and row["yes_ask"] == Decimal("0.29")
    assert row["volume"] == Decimal("0.01")
    assert parsed.rows.schema["yes_bid"] == pl.Decimal(18, 6)


def test_mixed_int_and_string_types_in_one_batch():
    records = [
        market(0, yes_bid_dollars=_DROP, yes_bid=56),  # legacy integer cents
        market(1, yes_bid_dollars=_DROP, yes_bid="29"),  # cents stored as a string (ccxt-style)
        market(2, yes_bid_dollars=1),  # a JSON number in a dollars field: its exact text
        market(3, yes_bid_dollars="0.5600", yes_bid=55),  # both: the dollars win
        market(4, settlement_timer_seconds="1800", volume_fp=_DROP, volume=12),
        market(5, yes_bid_dollars="", yes_bid=7),  # "" is "no value": the legacy field is read
    ]
    parsed = kp.parse_markets(records, **CTX)
    assert reasons(parsed) == []
    got = parsed.rows.get_column("yes_bid").to_list()
    assert got == [Decimal("0.56"), Decimal("0.29"), Decimal(1), Decimal("0.56"), Decimal("0.08"), Decimal("0.07")]
    assert parsed.rows.get_column("settlement_timer_seconds").to_list() == [1800] * 6
    assert parsed.rows.row(4, named=True)["volume"] == Decimal(12)


@pytest.mark.parametrize("status, stored", [("open", "active"), ("unopened", "initialized"), ("settled", "finalized")])
def test_legacy_status_values_are_mapped(status, stored):
    parsed = kp.parse_markets([market(0, status=status)], **CTX)
    row = parsed.rows.row(0, named=True)
    assert row["status"] == stored
    assert json.loads(row["raw_json"])["status"] == status


@pytest.mark.parametrize("status", sorted(kp.MARKET_STATUSES))
def test_every_lifecycle_status_is_accepted(status):
    assert kp.parse_markets([market(0, status=status)], **CTX).rows.item(0, "status") == status


@pytest.mark.parametrize("items", [[], None, ()])
def test_empty_input_gives_empty_frames(items):
    parsed = kp.parse_markets(items, **CTX)
    check_shapes(parsed, "raw.kalshi_markets")
    assert parsed.rows.is_empty() and parsed.rejects.is_empty()


@pytest.mark.parametrize("items", [{"markets": []}, "markets", 42])
def test_a_payload_that_is_not_a_list_is_one_reject(items):
    parsed = kp.parse_markets(items, **CTX)
    check_shapes(parsed, "raw.kalshi_markets")
    assert parsed.rows.is_empty()
    assert len(reasons(parsed)) == 1 and reasons(parsed)[0].startswith("expected a list of records")


def test_items_that_are_not_objects_are_rejected_and_the_rest_kept():
    parsed = kp.parse_markets([None, market(0), 5, "text", [market(1)], market(2)], **CTX)
    assert parsed.rows.get_column("ticker").to_list() == ["KXTEST-0", "KXTEST-2"]
    assert sorted(reasons(parsed)) == sorted(
        [
            "record is not a JSON object but NoneType",
            "record is not a JSON object but int",
            "record is not a JSON object but str",
            "record is not a JSON object but list",
        ]
    )


def test_records_json_cannot_hold_are_rejected_not_raised():
    parsed = kp.parse_markets(
        [market(0), {1: "int key", "ticker": "X"}, market(2, title="\ud800 lone surrogate"), market(3, big=10**40)], **CTX
    )
    assert parsed.rows.get_column("ticker").to_list() == ["KXTEST-0", "KXTEST-3"]
    assert json.loads(parsed.rows.row(1, named=True)["raw_json"])["big"] == 10**40
    assert len(reasons(parsed)) == 2
    assert all(r.startswith("record cannot be encoded as JSON") for r in reasons(parsed))


def test_unknown_fields_survive_in_raw_json_and_are_reported():
    record = market(0, brand_new_field={"nested": [1, "2"]}, another="x")
    parsed = kp.parse_markets([record], **CTX)
    assert json.loads(parsed.rows.item(0, "raw_json")) == record
    assert kp.unknown_keys([record, record], kp.KNOWN_MARKET_KEYS) == {"brand_new_field": 2, "another": 2}


def test_nested_structures_are_compact_json_text():
    legs = [{"event_ticker": "E", "market_ticker": "M", "side": "yes"}]
    row = kp.parse_markets([market(0, mve_selected_legs=legs, custom_strike={"a": "b"})], **CTX).rows.row(0, named=True)
    assert row["mve_selected_legs"] == '[{"event_ticker":"E","market_ticker":"M","side":"yes"}]'
    assert json.loads(row["price_ranges"]) == BASE_MARKET["price_ranges"]
    assert row["custom_strike"] == '{"a":"b"}'


def test_timestamps_in_every_form():
    records = [
        market(0, close_time="2026-06-11T02:00:00Z"),
        market(1, close_time=1781143200),
        market(2, close_time="1781143200"),
        market(3, close_time=1781143200000),
        market(4, close_time="2026-06-11T04:00:00+02:00"),
        market(5, close_time=""),  # not set
    ]
    got = kp.parse_markets(records, **CTX).rows.get_column("close_time").to_list()
    want = datetime(2026, 6, 11, 2, 0, tzinfo=UTC)
    assert got == [want] * 5 + [None]


def test_reject_ids_differ_per_record_and_repeat_for_the_same_record():
    bad = [market(1, status="weird"), market(2, status="weird")]
    first = kp.parse_markets(bad, **CTX).rejects.get_column("reject_id").to_list()
    again = kp.parse_markets(bad, **CTX).rejects.get_column("reject_id").to_list()
    assert len(set(first)) == 2 and first == again


def test_context_arguments_are_checked():
    with pytest.raises(ValueError):
        kp.parse_markets([], source="s", fetched_at=datetime(2026, 1, 1), batch_id="b")  # naive
    with pytest.raises(ValueError):
        kp.parse_markets([], source="s", fetched_at=CTX["fetched_at"], batch_id="")


def test_snapshot_rows_are_the_quote_columns():
    parsed = kp.parse_markets([market(0), market(1, yes_bid_dollars="0.0900")], **CTX)
    snaps = kp.market_snapshot_rows(parsed.rows)
    assert list(snaps.columns) == [
        "batch_id", "ticker", "event_ticker", "status", "yes_bid", "yes_ask", "no_bid", "no_ask", "yes_bid_size",
        "yes_ask_size", "last_price", "previous_price", "volume", "volume_24h", "open_interest", "liquidity",
        "updated_time", "fetched_at",
    ]
    assert dict(snaps.schema) == kp.RAW_TABLE_COLUMNS["raw.kalshi_market_snapshots"]
    assert snaps.get_column("yes_bid").to_list() == [Decimal("0.08"), Decimal("0.09")]
    assert snaps.get_column("batch_id").to_list() == ["batch-1", "batch-1"]


# --------------------------------------------------------------------------------------------------
# Events, series, trades
# --------------------------------------------------------------------------------------------------


def test_events_with_bad_records_and_nested_markets():
    events = [
        {"event_ticker": "E1", "series_ticker": "S", "mutually_exclusive": True, "markets": [market(0, event_ticker=_DROP)]},
        {"series_ticker": "S"},  # no event_ticker
        {"event_ticker": "E3", "strike_date": "soon", "markets": [market(1, status="weird")]},
        {"event_ticker": "E4", "markets": "not a list"},
        {"event_ticker": "E5", "markets": None},
    ]
    parsed, nested = kp.parse_events(events, **CTX)
    check_shapes(parsed, "raw.kalshi_events")
    check_shapes(nested, "raw.kalshi_markets")
    assert parsed.rows.get_column("event_ticker").to_list() == ["E1", "E4", "E5"]
    assert sorted(reasons(parsed)) == ["missing event_ticker", "strike_date 'soon' is not a timestamp"]
    assert nested.rows.get_column("ticker").to_list() == ["KXTEST-0"]
    assert nested.rows.item(0, "event_ticker") == "E1"  # inherited from its event
    assert sorted(reasons(nested)) == ["event 'E4': markets is not a list", "unknown status 'weird'"]
    assert "markets" not in json.loads(parsed.rows.item(0, "raw_json"))


def test_series_fee_multiplier_is_exact_and_checked():
    series = [
        {"ticker": "A", "fee_type": "quadratic", "fee_multiplier": 0.07},
        {"ticker": "B", "fee_type": "quadratic", "fee_multiplier": 1},
        {"ticker": "C", "fee_multiplier": -1},
        {"title": "no ticker"},
    ]
    parsed = kp.parse_series(series, **CTX)
    check_shapes(parsed, "raw.kalshi_series")
    assert parsed.rows.get_column("fee_multiplier").to_list() == [Decimal("0.07"), Decimal(1)]
    assert sorted(reasons(parsed)) == ["fee_multiplier '-1' is negative", "missing ticker"]


def test_trades_bad_values_and_legacy_cents():
    legacy = {"trade_id": "L", "ticker": "T", "count": 10, "yes_price": 56, "no_price": 44, "taker_side": "yes",
              "created_time": "2024-07-01T00:00:00Z"}
    trades = [
        BASE_TRADE,
        legacy,
        dict(BASE_TRADE, trade_id="bad-side", taker_side="maybe"),
        dict(BASE_TRADE, trade_id="bad-price", yes_price_dollars="1.5"),
        dict(BASE_TRADE, trade_id=None),
        dict(BASE_TRADE, trade_id="bad-count", count_fp="-1.00"),
    ]
    parsed = kp.parse_trades(trades, **CTX)
    check_shapes(parsed, "raw.kalshi_trades")
    assert parsed.rows.get_column("trade_id").to_list() == [BASE_TRADE["trade_id"], "L"]
    row = parsed.rows.row(1, named=True)
    assert (row["count"], row["yes_price"], row["no_price"]) == (Decimal(10), Decimal("0.56"), Decimal("0.44"))
    assert sorted(reasons(parsed)) == [
        "count_fp '-1.00' is negative",
        "missing trade_id",
        "unknown taker_side 'maybe'",
        "yes_price_dollars '1.5' outside [0, 1]",
    ]
    assert sorted(parsed.rejects.get_column("natural_key").to_list(), key=str) == sorted(
        ["bad-count", None, "bad-side", "bad-price"], key=str
    )


# --------------------------------------------------------------------------------------------------
# Order books
# --------------------------------------------------------------------------------------------------


def test_orderbook_ranks_best_bid_first_whatever_the_order():
    payload = {"orderbook_fp": {"yes_dollars": [["0.0100", "5.00"], ["0.0300", "1.50"], ["0.0200", "2.00"]], "no_dollars": []}}
    parsed = kp.parse_orderbook(payload, "T", **CTX)
    check_shapes(parsed, "raw.kalshi_orderbooks")
    rows = parsed.rows.sort("level_rank")
    assert rows.get_column("price").to_list() == [Decimal("0.03"), Decimal("0.02"), Decimal("0.01")]
    assert rows.get_column("level_rank").to_list() == [1, 2, 3]


def test_orderbook_bad_levels_are_rejected_and_good_ones_kept():
    payload = {
        "orderbook_fp": {
            "yes_dollars": [["0.0100", "5.00"], ["1.5000", "1.00"], ["0.0200"], "x", ["0.0300", "abc"], ["0.0400", None]],
            "no_dollars": [["0.5000", "1.00"], ["0.5000", "2.00"], ["0.6000", "-1.00"]],
        }
    }
    parsed = kp.parse_orderbook(payload, "T", **CTX)
    assert sorted(parsed.rows.select("side", "price").rows()) == [("no", Decimal("0.5")), ("yes", Decimal("0.01"))]
    assert sorted(reasons(parsed)) == sorted(
        [
            "orderbook_fp.yes_dollars[1]: price '1.5000' outside [0, 1]",
            "orderbook_fp.yes_dollars[2]: level is not a [price, count] pair",
            "orderbook_fp.yes_dollars[3]: level is not a [price, count] pair",
            "orderbook_fp.yes_dollars[4]: count 'abc' is not fixed point with at most 6 decimals",
            "orderbook_fp.yes_dollars[5]: level has a null price or count",
            "orderbook_fp.no_dollars[1]: price 0.500000 repeats a level already on the no side",
            "orderbook_fp.no_dollars[2]: count '-1.00' is negative",
        ]
    )
    assert set(parsed.rejects.get_column("natural_key")) == {"T"}
    assert set(parsed.rejects.get_column("kind")) == {"orderbook"}


@pytest.mark.parametrize(
    "payload, rows",
    [
        ({"orderbook": {"yes": [[56, 100]], "no": None}}, [("yes", Decimal("0.56"), Decimal(100), "orderbook_cents")]),
        ({"orderbook": {"yes": None, "no": None}}, []),
        ({"orderbook": {"yes": [[56, 100]], "yes_dollars": [["0.5600", 100]], "no": []}},
         [("yes", Decimal("0.56"), Decimal(100), "orderbook_dollars")]),
        ({"orderbook_fp": {}}, []),
        ({"orderbook_fp": None}, []),
        ({"orderbook_fp": {"yes_dollars": [["0.1000", "1.00"]]}, "orderbook": {"yes": [[99, 1]]}},
         [("yes", Decimal("0.1"), Decimal(1), "orderbook_fp")]),
    ],
)
def test_orderbook_formats(payload, rows):
    parsed = kp.parse_orderbook(payload, "T", **CTX)
    assert parsed.rejects.is_empty()
    assert parsed.rows.select("side", "price", "count", "format").rows() == rows


@pytest.mark.parametrize(
    "payload, reason",
    [
        (None, "order book payload is not a JSON object but NoneType"),
        ([], "order book payload is not a JSON object but list"),
        ({"error": "not found"}, "no orderbook_fp or orderbook in payload (keys: error)"),
        ({"orderbook_fp": []}, "orderbook_fp is not a JSON object but list"),
        ({"orderbook_fp": {"yes_dollars": "x"}}, "orderbook_fp.yes_dollars is not a list but str"),
    ],
)
def test_unreadable_orderbook_payloads_are_one_reject(payload, reason):
    parsed = kp.parse_orderbook(payload, "T", **CTX)
    check_shapes(parsed, "raw.kalshi_orderbooks")
    assert parsed.rows.is_empty()
    assert reasons(parsed) == [reason]


def test_legacy_cent_orderbook_bounds():
    parsed = kp.parse_orderbook({"orderbook": {"yes": [[101, 1], [5, 1]], "no": [["5", 1]]}}, "T", **CTX)
    assert parsed.rows.select("side", "price").rows() == [("yes", Decimal("0.05")), ("no", Decimal("0.05"))]
    assert reasons(parsed) == ["orderbook.yes[0]: price_cents '101' outside [0, 100] cents"]


# --------------------------------------------------------------------------------------------------
# Candlesticks, cutoff, limits
# --------------------------------------------------------------------------------------------------


def live_candle(ts: int = 1781143200, **changes) -> dict:
    candle = {
        "end_period_ts": ts,
        "open_interest_fp": "10.00",
        "volume_fp": "1.00",
        "price": {"open_dollars": "0.5000", "close_dollars": "0.5100", "previous_dollars": "0.4900"},
        "yes_bid": {"open_dollars": "0.4800", "high_dollars": "0.5000", "low_dollars": "0.4700", "close_dollars": "0.5000"},
        "yes_ask": {"open_dollars": "0.5200", "high_dollars": "0.5300", "low_dollars": "0.5100", "close_dollars": "0.5200"},
    }
    candle.update(changes)
    return candle


def test_candles_bad_values_are_rejected():
    candles = [
        live_candle(),
        live_candle(1781146800, price=None),  # no trades: nulls
        live_candle(1781150400, yes_bid="x"),
        live_candle(1781154000, end_period_ts=None),
        live_candle(1781157600, yes_ask={"open_dollars": "1.01"}),
        7,
    ]
    parsed = kp.parse_candlesticks(candles, "T", 60, "live", source="c", fetched_at=CTX["fetched_at"], batch_id="b")
    check_shapes(parsed, "raw.kalshi_candlesticks")
    assert parsed.rows.height == 2
    assert parsed.rows.get_column("price_open").to_list() == [Decimal("0.5"), None]
    assert parsed.rows.get_column("period_date").to_list() == [date(2026, 6, 11)] * 2
    assert sorted(reasons(parsed)) == [
        "candle is not a JSON object but int",
        "missing end_period_ts",
        "yes_ask.open_dollars '1.01' outside [0, 1]",
        "yes_bid is not a JSON object but str",
    ]
    assert set(parsed.rejects.get_column("natural_key")) == {"T"}


def test_candle_tiers_read_bare_names_differently():
    bare = {"end_period_ts": 1672894800, "volume": "618.00", "open_interest": "27877.50", "price": {"open": "0.9200"}}
    historical = kp.parse_candlesticks([bare], "T", 60, "historical", **CTX)
    assert historical.rows.item(0, "price_open") == Decimal("0.92")
    live = kp.parse_candlesticks([bare], "T", 60, "live", **CTX)  # live bare prices are integer cents
    assert reasons(live) == ["price.open '0.9200' is not integer cents"]
    legacy = dict(bare, price={"open": 92}, volume=618)
    assert kp.parse_candlesticks([legacy], "T", 60, "live", **CTX).rows.item(0, "price_open") == Decimal("0.92")


def test_candle_arguments_are_checked():
    with pytest.raises(ValueError):
        kp.parse_candlesticks([], "T", 60, "weekly", **CTX)
    with pytest.raises(ValueError):
        kp.parse_candlesticks([], "T", "60", "live", **CTX)
    parsed = kp.parse_candlesticks([live_candle()], "", 60, "live", **CTX)
    assert parsed.rows.is_empty() and reasons(parsed) == ["no market ticker for the candles (got '')"]


@pytest.mark.parametrize(
    "payload",
    [
        None,
        {},
        {"market_settled_ts": "2026-06-07T00:00:00Z", "trades_created_ts": "2026-06-07T00:00:00Z"},
        {"market_settled_ts": "bad", "trades_created_ts": "2026-06-07T00:00:00Z", "orders_updated_ts": "2026-06-07T00:00:00Z"},
    ],
)
def test_historical_cutoff_errors(payload):
    with pytest.raises(kp.KalshiPayloadError):
        kp.parse_historical_cutoff(payload)


def test_historical_cutoff_accepts_unix_seconds():
    got = kp.parse_historical_cutoff({"market_settled_ts": 1781143200, "trades_created_ts": "1781143200", "orders_updated_ts": 1781143200000})
    assert set(got.values()) == {datetime(2026, 6, 11, 2, 0, tzinfo=UTC)}


def test_account_limits():
    assert kp.parse_account_limits({"usage_tier": "basic", "read_limit": 20, "write_limit": 10}) == {
        "usage_tier": "basic", "read_limit": 20, "write_limit": 10,
    }
    for bad in (None, {"usage_tier": "basic", "read_limit": 0, "write_limit": 10}, {"read_limit": 20, "write_limit": 10},
                {"usage_tier": "basic", "read_limit": True, "write_limit": 10}, {"usage_tier": "basic", "read_limit": 2.5, "write_limit": 1}):
        with pytest.raises(kp.KalshiPayloadError):
            kp.parse_account_limits(bad)


def test_normalize_sdk_dump():
    dump = {"_event_ticker": "E", "_markets": [{"_ticker": "M", "discriminator": None}], "discriminator": None}
    assert kp.normalize_sdk_dump(dump) == {"event_ticker": "E", "markets": [{"ticker": "M"}]}


# --------------------------------------------------------------------------------------------------
# Properties: never raise, every item is accounted for
# --------------------------------------------------------------------------------------------------

_json_leaf = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=12),
    st.sampled_from(["0.5600", "1.2500", "-1", "abc", "", "2026-01-01T00:00:00Z", "1781143200", "active", "weird"]),
)
_json = st.recursive(_json_leaf, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3), max_leaves=8)
_market_keys = st.sampled_from(sorted(kp.KNOWN_MARKET_KEYS) + ["extra", "_private"])
_record = st.dictionaries(_market_keys | st.text(max_size=6), _json, max_size=12)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(_record, _json), max_size=6))
def test_parse_markets_never_raises_and_accounts_for_every_item(items):
    parsed = kp.parse_markets(items, **CTX)
    assert parsed.rows.height + parsed.rejects.height == len(items)
    assert dict(parsed.rows.schema) == kp.RAW_TABLE_COLUMNS["raw.kalshi_markets"]
    for row in parsed.rows.iter_rows(named=True):
        for name in ("yes_bid", "yes_ask", "no_bid", "no_ask", "last_price"):
            assert row[name] is None or Decimal(0) <= row[name] <= Decimal(1)
        assert row["ticker"] and row["event_ticker"]


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(_record, _json), max_size=6))
def test_parse_trades_and_events_never_raise(items):
    trades = kp.parse_trades(items, **CTX)
    assert trades.rows.height + trades.rejects.height == len(items)
    kp.parse_events(items, **CTX)
    kp.parse_series(items, **CTX)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_json, st.lists(_json, max_size=4))
def test_parse_orderbook_and_candles_never_raise(payload, candles):
    kp.parse_orderbook(payload, "T", **CTX)
    kp.parse_orderbook({"orderbook_fp": {"yes_dollars": candles, "no_dollars": payload}}, "T", **CTX)
    kp.parse_orderbook({"orderbook": {"yes": candles, "no": payload}}, "T", **CTX)
    parsed = kp.parse_candlesticks(candles, "T", 60, "live", **CTX)
    assert parsed.rows.height + parsed.rejects.height == len(candles)
    kp.parse_candlesticks([{"end_period_ts": 1, "price": payload, "yes_bid": payload}], "T", 1, "historical", **CTX)


def test_chunked_parsing_gives_the_same_output(monkeypatch):
    records = [market(i, status="weird" if i % 7 == 3 else "active", event_ticker=_DROP if i % 5 == 0 else "E") for i in range(23)]
    records[4] = None
    whole = kp.parse_markets(records, **CTX)
    events = [{"event_ticker": f"E{j}", "markets": records[j * 5 : (j + 1) * 5]} for j in range(5)]
    whole_events, whole_nested = kp.parse_events(events, **CTX)
    monkeypatch.setattr(kp, "CHUNK_RECORDS", 4)
    monkeypatch.setattr(kp, "_WORKERS", 2)
    chunked = kp.parse_markets(records, **CTX)
    assert chunked.rows.equals(whole.rows) and chunked.rejects.equals(whole.rejects)
    assert whole.rows.height + whole.rejects.height == len(records)
    chunked_events, chunked_nested = kp.parse_events(events, **CTX)
    assert chunked_nested.rows.equals(whole_nested.rows) and chunked_nested.rejects.equals(whole_nested.rejects)
    assert chunked_nested.rows.filter(pl.col("ticker") == "KXTEST-15").item(0, "event_ticker") == "E3"


def test_fast_and_careful_paths_agree():
    """One record orjson cannot encode (an int beyond 64 bits) sends the batch down the per-record
    path; the other records must come out exactly as on the one-shot path."""
    data = json.loads((FIXTURES / "kalshi_rest_markets_list_KXNFLGAME_demo_precog.json").read_text())["markets"]
    records = data + [market(0, floor_strike=4.25, cap_strike=1e-05), market(1, yes_bid_dollars=1, settlement_timer_seconds="60")]
    fast = kp.parse_markets(records, **CTX)
    careful = kp.parse_markets(records + [market(9, huge=10**30)], **CTX)
    assert fast.rejects.is_empty() and careful.rejects.is_empty()
    assert careful.rows.head(len(records)).equals(fast.rows)
    assert json.loads(careful.rows.item(len(records), "raw_json"))["huge"] == 10**30
