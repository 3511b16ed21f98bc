"""Schema drift: keys Kalshi sent against the keys the parser reads."""

from __future__ import annotations

import json

from kalshi_platform.core.kalshi_parse import KNOWN_MARKET_KEYS
from kalshi_platform.core.quality import census, drift_report

KNOWN = frozenset({"ticker", "status", "yes_bid_dollars", "yes_bid", "close_time", "functional_strike"})


def _records(n: int, **extra) -> list[str]:
    base = {"ticker": "T", "status": "active", "yes_bid_dollars": "0.5", "close_time": "2026-11-20T00:00:00Z"}
    return [json.dumps({**base, **extra}) for _ in range(n)]


def test_only_known_keys_is_no_drift():
    report = drift_report("raw.t", _records(30), _records(30), KNOWN)
    assert not report.drifted
    assert report.latest.records == 30 and report.baseline.records == 30
    assert "only keys the parser knows" in report.summary()


def test_a_new_key_is_reported_with_its_count():
    latest = _records(25) + _records(5, fee_waiver_v2="x")
    report = drift_report("raw.t", latest, [], KNOWN)
    assert report.new_keys == {"fee_waiver_v2": 5}
    assert report.drifted and "fee_waiver_v2 (5 records)" in report.summary()


def test_a_key_the_baseline_always_had_and_the_newest_batch_lacks_is_missing():
    baseline = _records(40)
    latest = [json.dumps({k: v for k, v in json.loads(r).items() if k != "close_time"}) for r in _records(30)]
    report = drift_report("raw.t", latest, baseline, KNOWN)
    assert report.missing_keys == {"close_time": 1.0}
    assert "missing keys: close_time" in report.summary()


def test_optional_keys_and_small_batches_are_not_reported_missing():
    # functional_strike is in 10% of the baseline: optional, so its absence says nothing.
    baseline = _records(36) + _records(4, functional_strike="f")
    latest = _records(30)
    assert drift_report("raw.t", latest, baseline, KNOWN).missing_keys == {}
    # A batch of 5 records is too small to conclude a field is gone.
    few = [json.dumps({"ticker": "T"}) for _ in range(5)]
    assert drift_report("raw.t", few, baseline, KNOWN).missing_keys == {}


def test_no_baseline_means_no_missing_verdict():
    latest = [json.dumps({"ticker": "T"}) for _ in range(50)]
    report = drift_report("raw.t", latest, [], KNOWN)
    assert report.missing_keys == {} and not report.drifted


def test_unreadable_and_non_object_json_are_counted_not_raised():
    counted, unknown = census(['{"ticker": "A"}', "not json", "[1, 2]", None], KNOWN)
    assert counted.records == 1 and counted.unreadable == 2 and unknown == {}


def test_the_parsers_known_market_keys_cover_a_real_market():
    real = json.load(open("kalshi_platform_tests/fixtures/kalshi/rest/kalshi_rest_market_KXELONMARS-99_ccxt.json"))
    market = real.get("market", real)
    report = drift_report("raw.kalshi_markets", [json.dumps(market)], [], KNOWN_MARKET_KEYS)
    assert report.new_keys == {}, report.new_keys
