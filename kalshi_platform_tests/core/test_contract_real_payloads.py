"""Contract: every real Kalshi REST payload in fixtures/kalshi/rest parses, losslessly.

The fixtures are copies of ../shared/data/real/kalshi/rest (see SOURCES.md there: some are
re-serialized, e.g. ccxt stores some ints as strings; the lognorman20 files are SDK dumps with
'_'-prefixed keys; the bracket-kal markets file is a dict of lists). For each parsed row the test walks
the source record field by field and recomputes the expected value with the scalar reference
functions (money.parse_fixed / cents_to_dollars, timeutil.parse_ts): every stored price and count must
equal Decimal(source string) exactly, legacy integer cents must equal cents/100, and raw_json must
round-trip to the source record.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest

from kalshi_platform.core import kalshi_parse as kp
from kalshi_platform.core.kalshi.fields import Field
from kalshi_platform.core.money import cents_to_dollars, parse_fixed
from kalshi_platform.core.rejects import REJECT_SCHEMA
from kalshi_platform.core.timeutil import parse_ts

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "kalshi" / "rest"
CTX = dict(source="kalshi contract test", fetched_at=datetime(2026, 11, 1, 12, 0, tzinfo=UTC), batch_id="contract")


def load(name: str):
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


# Every fixture file, and what it is. A new file fails test_every_fixture_is_covered until added here.
MARKET_FILES = {
    "kalshi_rest_market_KXELONMARS-99_ccxt.json": lambda d: [d["market"]],
    "kalshi_rest_market_KXFED-27APR-T4.25_trimmed_apinotes.json": lambda d: [d],
    "kalshi_rest_markets_by_series_ncaab_2026_bracket-kal.json": lambda d: [m for ms in d.values() for m in ms],
    "kalshi_rest_markets_list_KXNFLGAME_demo_precog.json": lambda d: d["markets"],
    "kalshi_rest_markets_list_KXNFLGAME_prod_precog.json": lambda d: d["markets"],
    "kalshi_rest_markets_list_MVE_KXMVESPORTSMULTIGAMEEXTENDED_calchas.json": lambda d: d["markets"],
    "kalshi_rest_markets_list_tickers_KXELONMARS_KXCOLONIZEMARS_ccxt.json": lambda d: d["markets"],
    "kalshi_rest_events_and_markets_KXNCAAMBGAME_2026_bracket-kal.json": lambda d: d["markets"],
}
EVENT_FILES = {
    "kalshi_rest_events_and_markets_KXNCAAMBGAME_2026_bracket-kal.json": lambda d: d["events"],
    "kalshi_rest_events_demo_2024_sdkdump_lognorman20-kalshi-data.json": kp.normalize_sdk_dump,
}
SERIES_FILES = {
    "kalshi_rest_series_KXHIGHLAX_kalshi_weather.json": lambda d: [d["series"]],
    "kalshi_rest_series_KXHIGHNY_trimmed_legendary-kaiju.json": lambda d: [d],
}
ORDERBOOK_FP_FILES = {
    "kalshi_rest_orderbook_fp_KXBTCMINMON-BTC-26JUN30-5750000_btc_pm_arb.json": "KXBTCMINMON-BTC-26JUN30-5750000",
    "kalshi_rest_orderbook_fp_KXELONMARS-99_ccxt.json": "KXELONMARS-99",
    "kalshi_rest_orderbook_fp_small_apinotes.json": "UNSTATED-TICKER",
}
LEGACY_ORDERBOOK_FILE = "kalshi_rest_orderbook_demo_2024_sdkdump_lognorman20-kalshi-data.json"
TRADE_FILES = ["kalshi_rest_trades_KXCPI-26AUG-T1.0_apinotes.json", "kalshi_rest_trades_KXELONMARS-99_ccxt.json"]
CANDLE_FILES = {
    # file: (records, ticker, period_interval, tier)
    "kalshi_rest_candlesticks_1h_KXELONMARS-99_ccxt.json": (lambda d: d["candlesticks"], "KXELONMARS-99", 60, "live"),
    "kalshi_rest_candlesticks_daily_KXNYKCOACH-25-MNORI_tail-end-analysis.json": (
        lambda d: d["candlesticks"], "KXNYKCOACH-25-MNORI", 1440, "live"
    ),
    "kalshi_rest_historical_candlestick_FED-23FEB-T4.50_apinotes.json": (lambda d: [d], "FED-23FEB-T4.50", 60, "historical"),
}
CUTOFF_FILE = "kalshi_rest_historical_cutoff_apinotes.json"
LOAD_ONLY_FILES = {  # portfolio endpoints are parsed elsewhere (later); here they must at least be JSON
    "kalshi_rest_portfolio_balance_demo_precog.json",
    "kalshi_rest_portfolio_fills_demo_precog.json",
    "kalshi_rest_portfolio_order_cancel_precog.json",
    "kalshi_rest_portfolio_order_create_precog.json",
    "kalshi_rest_portfolio_order_get_precog.json",
    "kalshi_rest_portfolio_positions_demo_precog.json",
    "kalshi_rest_portfolio_settlements_empty_demo_precog.json",
    "kalshi_rest_series_fee_changes_KXHIGHLAX_empty_kalshi_weather.json",
}


def test_every_fixture_is_covered():
    covered = (
        set(MARKET_FILES) | set(EVENT_FILES) | set(SERIES_FILES) | set(ORDERBOOK_FP_FILES) | {LEGACY_ORDERBOOK_FILE}
        | set(TRADE_FILES) | set(CANDLE_FILES) | {CUTOFF_FILE} | LOAD_ONLY_FILES
    )
    on_disk = {p.name for p in FIXTURES.glob("*.json")}
    assert on_disk, f"no fixtures under {FIXTURES}"
    assert on_disk == covered


@pytest.mark.parametrize("name", sorted(LOAD_ONLY_FILES))
def test_load_only_files_are_json(name):
    assert isinstance(load(name), dict)


# --------------------------------------------------------------------------------------------------
# The oracle: what a field must hold, computed from the source record with the scalar functions.
# --------------------------------------------------------------------------------------------------


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "")


def expected_value(field: Field, record: dict, lookup=None):
    get = lookup or record.get
    main = get(field.source)
    if field.kind in ("text", "enum"):
        value = main if main is None or isinstance(main, str) else str(main)
        return field.aliases.get(value, value) if field.kind == "enum" else value
    if field.kind == "json":
        return main
    if field.kind == "bool":
        return None if main is None else main
    if field.kind == "int":
        return None if _blank(main) else int(main)
    if field.kind == "ts":
        return None if _blank(main) else parse_ts(main)
    # money: the *_dollars / *_fp value when there is one, else the legacy field
    if not _blank(main):
        return parse_fixed(main if not isinstance(main, float) else repr(main), field=field.source)
    old = get(field.legacy) if field.legacy else None
    if _blank(old):
        return None
    if field.kind in ("price", "amount") and field.legacy_unit == "cents":
        return cents_to_dollars(int(old) if isinstance(old, str) else old, field=field.legacy)
    return parse_fixed(old, field=field.legacy)


def assert_row_matches(row: dict, record: dict, fields, lookup=None, *, raw: dict | None = None):
    for field in fields:
        want = expected_value(field, record, lookup)
        got = row[field.name]
        if field.kind == "json":
            assert (None if got is None else json.loads(got)) == want, field.name
        elif isinstance(want, Decimal):
            assert isinstance(got, Decimal), (field.name, got)
            assert got == want, (field.name, got, want)
        else:
            assert got == want, (field.name, got, want)
    assert json.loads(row["raw_json"]) == (record if raw is None else raw)
    assert row["fetched_at"] == CTX["fetched_at"]
    assert row["batch_id"] == CTX["batch_id"]


def assert_schema(frame: pl.DataFrame, table: str):
    assert dict(frame.schema) == kp.RAW_TABLE_COLUMNS[table]


def assert_no_rejects(parsed: kp.Parsed):
    assert dict(parsed.rejects.schema) == REJECT_SCHEMA
    assert parsed.rejects.is_empty(), parsed.rejects.select("natural_key", "reason").to_dicts()[:5]


# --------------------------------------------------------------------------------------------------
# Markets, events, series, trades
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(MARKET_FILES))
def test_market_files_parse_losslessly(name):
    records = MARKET_FILES[name](load(name))
    parsed = kp.parse_markets(records, **CTX)
    assert_no_rejects(parsed)
    assert_schema(parsed.rows, "raw.kalshi_markets")
    assert parsed.rows.height == len(records)
    for row, record in zip(parsed.rows.iter_rows(named=True), records, strict=True):
        assert_row_matches(row, record, kp.MARKET_FIELDS)
        for key, value in record.items():  # every money field Kalshi sent is stored exactly
            if (key.endswith("_dollars") or key.endswith("_fp")) and not _blank(value):
                column = key.rsplit("_", 1)[0]
                if column in row:
                    assert row[column] == Decimal(value), (key, value, row[column])


def test_deci_cent_prices_are_exact():
    parsed = kp.parse_markets(load("kalshi_rest_markets_list_tickers_KXELONMARS_KXCOLONIZEMARS_ccxt.json")["markets"], **CTX)
    prices = {p for row in parsed.rows.iter_rows(named=True) for p in (row["yes_bid"], row["yes_ask"], row["no_bid"], row["no_ask"])}
    assert Decimal("0.1630") in prices and Decimal("0.8370") in prices


def test_legacy_integer_cents_parse_to_cents_over_100():
    """The demo NFL page carries both forms; with every *_dollars / *_fp key removed (pre-2026 data),
    the integer cents alone must give the same exact prices, and integer volumes the same counts."""
    records = load("kalshi_rest_markets_list_KXNFLGAME_prod_precog.json")["markets"] + load(
        "kalshi_rest_markets_list_KXNFLGAME_demo_precog.json"
    )["markets"]
    legacy = [{k: v for k, v in r.items() if not (k.endswith("_dollars") or k.endswith("_fp"))} for r in records]
    both = kp.parse_markets(records, **CTX)
    old = kp.parse_markets(legacy, **CTX)
    assert_no_rejects(old)
    money = [f.name for f in kp.MARKET_FIELDS if f.kind in ("price", "amount") and f.legacy]
    for new_row, old_row, record in zip(both.rows.iter_rows(named=True), old.rows.iter_rows(named=True), records, strict=True):
        for name in money:
            if isinstance(record.get(name), int):
                assert old_row[name] == Decimal(record[name]) / 100
                assert old_row[name] == new_row[name], name
    prod = old.rows.row(0, named=True)
    assert prod["yes_bid"] == Decimal("0.61") and prod["last_price"] == Decimal("0.62")
    assert prod["liquidity"] == Decimal("4098487.86") and prod["volume"] == Decimal(16126)


def test_market_keys_are_all_known():
    for name, get in MARKET_FILES.items():
        assert kp.unknown_keys(get(load(name)), kp.KNOWN_MARKET_KEYS) == {}, name


def test_finalized_markets_with_negative_book_sizes_are_kept():
    parsed = kp.parse_markets(load("kalshi_rest_events_and_markets_KXNCAAMBGAME_2026_bracket-kal.json")["markets"], **CTX)
    negative = parsed.rows.filter((pl.col("yes_ask_size") < 0) | (pl.col("yes_bid_size") < 0))
    assert negative.height > 0 and set(negative["status"]) == {"finalized"}


@pytest.mark.parametrize("name", sorted(EVENT_FILES))
def test_event_files_parse_losslessly(name):
    records = EVENT_FILES[name](load(name))
    events, nested = kp.parse_events(records, **CTX)
    assert_no_rejects(events)
    assert_no_rejects(nested)
    assert nested.rows.is_empty()
    assert_schema(events.rows, "raw.kalshi_events")
    assert_schema(nested.rows, "raw.kalshi_markets")
    assert events.rows.height == len(records)
    for row, record in zip(events.rows.iter_rows(named=True), records, strict=True):
        assert_row_matches(row, record, kp.EVENT_FIELDS)
    assert kp.unknown_keys(records, kp.KNOWN_EVENT_KEYS) == {}


def test_sdk_dump_round_trips_to_the_normalized_record():
    original = load("kalshi_rest_events_demo_2024_sdkdump_lognorman20-kalshi-data.json")
    normalized = kp.normalize_sdk_dump(original)
    assert all(not k.startswith("_") and k != "discriminator" for e in normalized for k in e)
    events, _ = kp.parse_events(normalized, **CTX)
    fed = events.rows.filter(pl.col("event_ticker") == "FED-25JAN").row(0, named=True)
    assert fed["strike_date"] == datetime(2025, 1, 29, 19, 0, tzinfo=UTC)
    assert fed["series_ticker"] == "FED"


def test_events_with_nested_markets():
    """with_nested_markets=true: the bracket-kal events and markets, nested by event ticker."""
    data = load("kalshi_rest_events_and_markets_KXNCAAMBGAME_2026_bracket-kal.json")
    by_event: dict[str, list[dict]] = {}
    for market in data["markets"]:
        by_event.setdefault(market["event_ticker"], []).append(market)
    events = [dict(e, markets=by_event.get(e["event_ticker"], [])) for e in data["events"]]
    # One nested market without its event_ticker: it takes its event's.
    with_markets = next(e for e in events if e["markets"])
    orphan = {k: v for k, v in with_markets["markets"][0].items() if k != "event_ticker"}
    with_markets["markets"][0] = orphan
    parsed_events, nested = kp.parse_events(events, **CTX)
    assert_no_rejects(parsed_events)
    assert_no_rejects(nested)
    expected = sum(len(e["markets"]) for e in events)
    assert nested.rows.height == expected > 0
    for row, event in zip(parsed_events.rows.iter_rows(named=True), events, strict=True):
        assert json.loads(row["raw_json"]) == {k: v for k, v in event.items() if k != "markets"}
    markets = [m for e in events for m in e["markets"]]
    for row, market in zip(nested.rows.iter_rows(named=True), markets, strict=True):
        if market is orphan:
            assert row["event_ticker"] == with_markets["event_ticker"]
            assert json.loads(row["raw_json"]) == orphan
        else:
            assert_row_matches(row, market, kp.MARKET_FIELDS)


@pytest.mark.parametrize("name", sorted(SERIES_FILES))
def test_series_files_parse_losslessly(name):
    records = SERIES_FILES[name](load(name))
    parsed = kp.parse_series(records, **CTX)
    assert_no_rejects(parsed)
    assert_schema(parsed.rows, "raw.kalshi_series")
    for row, record in zip(parsed.rows.iter_rows(named=True), records, strict=True):
        assert_row_matches(row, record, kp.SERIES_FIELDS)
        assert row["fee_multiplier"] == Decimal(record["fee_multiplier"])
    assert kp.unknown_keys(records, kp.KNOWN_SERIES_KEYS) == {}


@pytest.mark.parametrize("name", TRADE_FILES)
def test_trade_files_parse_losslessly(name):
    records = load(name)["trades"]
    parsed = kp.parse_trades(records, **CTX)
    assert_no_rejects(parsed)
    assert_schema(parsed.rows, "raw.kalshi_trades")
    assert parsed.rows.height == len(records)
    for row, record in zip(parsed.rows.iter_rows(named=True), records, strict=True):
        assert_row_matches(row, record, kp.TRADE_FIELDS)
        assert row["count"] == Decimal(record["count_fp"])
        assert row["yes_price"] + row["no_price"] == 1
    assert kp.unknown_keys(records, kp.KNOWN_TRADE_KEYS) == {}


# --------------------------------------------------------------------------------------------------
# Order books
# --------------------------------------------------------------------------------------------------


def _levels_by_side(rows: pl.DataFrame) -> dict[str, list[dict]]:
    return {side: rows.filter(pl.col("side") == side).sort("level_rank").to_dicts() for side in ("yes", "no")}


@pytest.mark.parametrize("name", sorted(ORDERBOOK_FP_FILES))
def test_orderbook_fp_files_parse_losslessly(name):
    payload = load(name)
    ticker = ORDERBOOK_FP_FILES[name]
    parsed = kp.parse_orderbook(payload, ticker, **CTX)
    assert_no_rejects(parsed)
    assert_schema(parsed.rows, "raw.kalshi_orderbooks")
    sides = _levels_by_side(parsed.rows)
    for side in ("yes", "no"):
        levels = payload["orderbook_fp"][f"{side}_dollars"]
        # ascending on the wire, best bid LAST: rank 1 is the last level
        stored = sides[side]
        assert len(stored) == len(levels)
        for rank, (price, count) in enumerate(reversed(levels), start=1):
            row = stored[rank - 1]
            assert row["level_rank"] == rank
            assert row["price"] == Decimal(price) and row["count"] == Decimal(count)
            assert row["ticker"] == ticker and row["format"] == "orderbook_fp"
            assert json.loads(row["raw_json"]) == [price, count]


def test_legacy_cent_orderbooks_parse_to_cents_over_100():
    books = load(LEGACY_ORDERBOOK_FILE)
    assert len(books) == 100
    for entry in books:
        (ticker, dump), = entry.items()
        book = kp.normalize_sdk_dump(dump)
        parsed = kp.parse_orderbook({"orderbook": book}, ticker, **CTX)
        assert_no_rejects(parsed)
        sides = _levels_by_side(parsed.rows)
        for side in ("yes", "no"):
            levels = book.get(side) or []
            assert len(sides[side]) == len(levels)
            best_first = sorted(levels, key=lambda level: level[0], reverse=True)
            for row, (cents, quantity) in zip(sides[side], best_first, strict=True):
                assert row["price"] == Decimal(cents) / 100
                assert row["count"] == Decimal(quantity)
                assert row["format"] == "orderbook_cents"


# --------------------------------------------------------------------------------------------------
# Candlesticks, cutoff
# --------------------------------------------------------------------------------------------------


def _candle_lookup(candle: dict):
    """Flattened view of a candle: 'yes_bid.open_dollars' -> candle['yes_bid']['open_dollars']."""

    def get(key: str):
        if "." not in key:
            return candle.get(key)
        block, name = key.split(".", 1)
        values = candle.get(block)
        return values.get(name) if isinstance(values, dict) else None

    return get


@pytest.mark.parametrize("name", sorted(CANDLE_FILES))
def test_candle_files_parse_losslessly(name):
    get_records, ticker, period, tier = CANDLE_FILES[name]
    records = get_records(load(name))
    parsed = kp.parse_candlesticks(records, ticker, period, tier, **CTX)
    assert_no_rejects(parsed)
    assert_schema(parsed.rows, "raw.kalshi_candlesticks")
    assert parsed.rows.height == len(records)
    fields = kp.candle_fields(tier)
    for row, candle in zip(parsed.rows.iter_rows(named=True), records, strict=True):
        assert_row_matches(row, candle, fields, _candle_lookup(candle))
        end = parse_ts(candle["end_period_ts"])
        assert row["end_period_ts"] == end and row["period_date"] == end.date()
        assert (row["ticker"], row["period_interval"], row["source_tier"]) == (ticker, period, tier)


def test_historical_candle_reads_bare_dollar_names():
    candle = load("kalshi_rest_historical_candlestick_FED-23FEB-T4.50_apinotes.json")
    row = kp.parse_candlesticks([candle], "FED-23FEB-T4.50", 60, "historical", **CTX).rows.row(0, named=True)
    assert row["price_mean"] == Decimal("0.9767") and row["yes_ask_high"] == Decimal("1.0000")
    assert row["volume"] == Decimal("618.00") and row["open_interest"] == Decimal("27877.50")


def test_daily_legacy_candles_with_cents_only_parse_to_cents_over_100():
    candles = load("kalshi_rest_candlesticks_daily_KXNYKCOACH-25-MNORI_tail-end-analysis.json")["candlesticks"]
    cents_only = [
        {k: ({kk: vv for kk, vv in v.items() if not kk.endswith("_dollars")} if isinstance(v, dict) else v) for k, v in c.items()}
        for c in candles
    ]
    both = kp.parse_candlesticks(candles, "KXNYKCOACH-25-MNORI", 1440, "live", **CTX)
    old = kp.parse_candlesticks(cents_only, "KXNYKCOACH-25-MNORI", 1440, "live", **CTX)
    assert_no_rejects(old)
    for row_old, row_new, candle in zip(old.rows.iter_rows(named=True), both.rows.iter_rows(named=True), cents_only, strict=True):
        for block in ("yes_bid", "yes_ask"):
            for stat in ("open", "high", "low", "close"):
                assert row_old[f"{block}_{stat}"] == Decimal(candle[block][stat]) / 100
                assert row_old[f"{block}_{stat}"] == row_new[f"{block}_{stat}"]
    traded = old.rows.filter(pl.col("price_close").is_not_null())
    assert traded.height == 3
    # where cents and dollars disagree (the mean is rounded to a cent), the dollars win
    mean_new = both.rows.filter(pl.col("price_mean").is_not_null())["price_mean"].to_list()
    assert mean_new == [Decimal("0.0501"), Decimal("0.0892"), Decimal("0.0179")]
    # no trade in the period: a null price block, kept as nulls
    quiet = both.rows.filter(pl.col("volume") == 0)
    assert quiet.height == 8 and quiet["price_close"].null_count() == 8


def test_historical_cutoff():
    got = kp.parse_historical_cutoff(load(CUTOFF_FILE))
    june_7 = datetime(2026, 6, 7, tzinfo=UTC)
    assert got == {
        "market_positions_last_updated_ts": june_7,
        "market_settled_ts": june_7,
        "orders_updated_ts": june_7,
        "trades_created_ts": june_7,
    }
