"""Kalshi tickers -> typed columns: family, category, dates, strikes, teams (pure, vectorised, no I/O).

    parse_tickers(tickers, *, kind=None, names=None, column="ticker", resolve=True) -> pl.DataFrame
    parse_ticker(ticker, *, kind=None, names=None) -> dict            (same code path, one row)
    learn_names(markets=None, events=None) -> pl.DataFrame[scope, code, name, n]
    resolve_brackets(parsed) -> pl.DataFrame                           (tails and bracket bounds from siblings)
    classify_series(series) -> pl.DataFrame                            (series name -> family/category/...)

Shapes covered (see ``tables.FAMILIES``): games ``KXNBAGAME-25NOV29TORCHA[-TOR]`` (7-char date, then
away+home codes split by the outcome, known or learned codes), spreads ``...-TOR8`` and totals ``...-221``
(YES = over N - 0.5), player props ``KXNBAPTS-25DEC26DETUTA-DETCCUNNINGHAM2-25``, champions ``KXNBA-26-BOS``,
elections ``KX2028DRUN-28-AOC`` / ``GOVPARTYAK-27-D`` / ``KXHOUSERACE-27CA01-D``, economics
``FED-25DEC-T3.75`` / ``KXCPI-26AUG-T1.0`` / ``CPI-22DEC-TN0.1``, weather ``KXHIGHNY-25NOV29-B49.5``
(49-50 °F) / ``-T57`` (tail), crypto ``KXBTCD-25SEP2117-T115749.99`` (5pm New York -> event_time UTC),
``KXBTC-..-B93250``, ``KXBTC15M-26FEB081915-15``, awards, companies ``APPLEFOLD-25DEC31``, parlays
``KXMVE...-S2026<hex>-<hex>`` and the legacy names without ``KX`` (HIGHNY, FED, BTCD...).

Ticker-derived strikes are model quantities (float64); the exact text is kept in ``threshold_text``.
Prefer the API's ``strike_type`` / ``floor_strike`` / ``cap_strike`` / ``rules_primary`` where present
(DESIGN.md §6): the ticker is the fallback and the join key.
"""

from kalshi_platform.core.tickers.names import LEARNED_SCHEMA, learn_names
from kalshi_platform.core.tickers.parse import (
    EXCHANGE_TZ,
    KINDS,
    OUTPUT_COLUMNS,
    OUTPUT_DESCRIPTIONS,
    OUTPUT_SCHEMA,
    classify_series,
    parse_ticker,
    parse_tickers,
    resolve_brackets,
)
from kalshi_platform.core.tickers.tables import CATEGORIES, FAMILIES, SERIES_RULES, SeriesRule

__all__ = [
    "CATEGORIES",
    "EXCHANGE_TZ",
    "FAMILIES",
    "KINDS",
    "LEARNED_SCHEMA",
    "OUTPUT_COLUMNS",
    "OUTPUT_DESCRIPTIONS",
    "OUTPUT_SCHEMA",
    "SERIES_RULES",
    "SeriesRule",
    "classify_series",
    "learn_names",
    "parse_ticker",
    "parse_tickers",
    "resolve_brackets",
]
