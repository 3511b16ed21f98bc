"""core.tickers properties: any string goes through without raising, parsing is deterministic, and the
vectorised parse of a batch equals the scalar parse of each of its tickers."""

from __future__ import annotations

import math

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kalshi_platform.core.tickers import CATEGORIES, FAMILIES, OUTPUT_SCHEMA, parse_ticker, parse_tickers

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

SERIES = ["KXNBAGAME", "KXNFLSPREAD", "KXNBATOTAL", "KXNBAPTS", "KXNBA", "KX2028DRUN", "KXHOUSERACE", "GOVPARTYAK",
          "FED", "KXFED", "KXFEDDECISION", "KXCPI", "ACPI", "KXHIGHNY", "HIGHNY", "KXBTCD", "BTCD", "KXBTC",
          "KXBTC15M", "KXBTCMINMON", "KXOSCARPIC", "APPLEFOLD", "KXMVECROSSCATEGORY", "KXAPRPOTUS", "KXRTSCORE",
          "KXELONMARS", "ZZUNKNOWN", ""]
MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC", "XXX"]

digits = st.text("0123456789", min_size=1, max_size=6)
letters = st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=1, max_size=8)
date_code = st.builds(lambda y, m, d, tail: f"{y}{m}{d}{tail}", st.text("0123456789", min_size=2, max_size=2),
                      st.sampled_from(MONTHS), st.text("0123456789", max_size=4),
                      st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ", max_size=9))
strike = st.builds(lambda p, n, num: f"{p}{n}{num}", st.sampled_from(["T", "B", "C", "P", "", "TOR", "NYK"]),
                   st.sampled_from(["", "N", "-"]),
                   st.one_of(digits, st.builds(lambda a, b: f"{a}.{b}", digits, digits)))
segment = st.one_of(date_code, strike, letters, digits, st.just(""), st.text(max_size=5))
# Ticker-shaped strings reach the deep branches (dates, strikes, team splits) that random text rarely does.
ticker_like = st.builds(lambda s, rest: "-".join([s, *rest]), st.sampled_from(SERIES),
                        st.lists(segment, max_size=4))
anything = st.one_of(st.none(), st.text(max_size=60), st.text(max_size=3000), ticker_like)
KIND = st.sampled_from([None, "series", "event", "market", "MARKET", "bogus", ""])


def _same(a: dict, b: dict) -> bool:
    for key in OUTPUT_SCHEMA:
        x, y = a[key], b[key]
        if isinstance(x, float) and isinstance(y, float) and math.isnan(x) and math.isnan(y):
            continue
        if x != y:
            return False
    return True


@SETTINGS
@given(anything, KIND)
def test_any_string_parses_without_raising(ticker, kind):
    row = parse_ticker(ticker, kind=kind)
    assert list(row) == list(OUTPUT_SCHEMA)
    assert row["ticker"] == ticker
    assert row["category"] in CATEGORIES
    assert row["family"] in FAMILIES
    assert row["parse_status"] in {"parsed", "partial", "unknown_family"}
    assert (row["family"] == "other") == (row["parse_status"] == "unknown_family")
    assert (row["category"] == "Other") <= (row["family"] == "other")
    if row["participants"] is not None:
        assert row["participants"] == [row["away_code"], row["home_code"]]
    if row["floor"] is not None and row["cap"] is not None:
        assert row["floor"] <= row["cap"]


@SETTINGS
@given(anything)
def test_parsing_is_deterministic(ticker):
    assert _same(parse_ticker(ticker), parse_ticker(ticker))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(anything, max_size=12), KIND)
def test_vectorised_equals_scalar(tickers, kind):
    batch = parse_tickers(tickers, kind=kind, resolve=False)
    assert batch.schema == pl.Schema(OUTPUT_SCHEMA)
    assert batch.height == len(tickers)
    rows = batch.rows(named=True)
    for ticker, row in zip(tickers, rows, strict=True):
        assert _same(row, parse_ticker(ticker, kind=kind)), ticker
    # The distinct-then-join path (mostly repeated tickers) gives the same rows as the direct one.
    repeated = parse_tickers(tickers * 3, kind=kind, resolve=False)
    assert repeated.head(len(tickers)).equals(batch)


@SETTINGS
@given(st.lists(ticker_like, max_size=25))
def test_bracket_resolution_only_finishes_ladders(tickers):
    plain = parse_tickers(tickers, resolve=False)
    resolved = parse_tickers(tickers)
    fixed = ["strike_kind", "floor", "cap"]
    assert resolved.drop(fixed).equals(plain.drop(fixed))
    for before, after in zip(plain.rows(named=True), resolved.rows(named=True), strict=True):
        if before["strike_kind"] not in ("tail", "between"):
            assert _same(before, after)
        elif before["strike_kind"] == "tail":
            assert after["strike_kind"] in ("tail", "less", "greater")
