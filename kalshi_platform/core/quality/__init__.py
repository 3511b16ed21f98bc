"""Data quality, pure: the per-table rules (registry), Great Expectations suites built from them,
schema drift against the parsers' known keys, and reject rates. No I/O; the checks in
``defs/quality`` read the warehouse and call these."""

from kalshi_platform.core.quality.drift import DriftReport, KeyCensus, census, drift_report
from kalshi_platform.core.quality.registry import (
    BID_ASK,
    CHECK_DESCRIPTIONS,
    CHECK_NAMES,
    DRIFT_SOURCES,
    KEYS,
    LATEST_BATCH,
    REGISTRY,
    STATUSES,
    TIMESTAMPS,
    VALUES,
    WHOLE_TABLE,
    DriftSource,
    TableRule,
    TimeBound,
    rule_for,
)
from kalshi_platform.core.quality.rejects import RejectRates, reject_rates
from kalshi_platform.core.quality.suites import CheckOutcome, ExpectationOutcome, validate

__all__ = [
    "BID_ASK",
    "CHECK_DESCRIPTIONS",
    "CHECK_NAMES",
    "DRIFT_SOURCES",
    "KEYS",
    "LATEST_BATCH",
    "REGISTRY",
    "STATUSES",
    "TIMESTAMPS",
    "VALUES",
    "WHOLE_TABLE",
    "CheckOutcome",
    "DriftReport",
    "DriftSource",
    "ExpectationOutcome",
    "KeyCensus",
    "RejectRates",
    "TableRule",
    "TimeBound",
    "census",
    "drift_report",
    "reject_rates",
    "rule_for",
    "validate",
]
