"""The quality checks as Dagster runs them: generated from the registry for the assets in the graph,
reading the warehouse, failing on bad rows (and, when blocking, stopping what is downstream)."""

import json
from datetime import UTC, datetime, timedelta

import dagster as dg
import polars as pl
import pytest

from kalshi_platform.core.quality import BID_ASK, CHECK_NAMES, DRIFT_SOURCES, REGISTRY, rule_for
from kalshi_platform.defs.common import DUCKDB_WRITE_POOL
from kalshi_platform.defs.quality.checks import (
    DRIFT_CHECK,
    REJECT_RATE_CHECK,
    build_checks,
    drift_check,
    reject_rate_check,
    table_checks,
)
from kalshi_platform.defs.resources import KalshiApiResource
from kalshi_platform.warehouse import Warehouse, writes
from kalshi_platform.warehouse.resource import WarehouseResource
from kalshi_platform_tests.core.quality.conftest import bad_frame, good_frame, table_types  # noqa: F401

FROZEN_NOW = "2026-11-20T15:30:00+00:00"
GENERIC = [r for r in REGISTRY if r.derive is None]


@pytest.fixture()
def warehouse(tmp_path) -> Warehouse:
    wh = Warehouse(tmp_path / "w.duckdb", tmp_path / "s.duckdb")
    wh.migrate()
    return wh


def _resources(wh: Warehouse) -> dict:
    return {
        "warehouse": WarehouseResource(path=wh.path, snapshot_path=wh.snapshot_path),
        "kalshi": KalshiApiResource(sandbox_now=FROZEN_NOW),
    }


def _run_checks(wh: Warehouse, checks, keys) -> dg.ExecuteInProcessResult:
    specs = [dg.AssetSpec(list(k)) for k in keys]
    return dg.materialize(
        [*specs, *checks], selection=dg.AssetSelection.all_asset_checks(), resources=_resources(wh), raise_on_error=False
    )


def _verdicts(result) -> dict[tuple[str, str], dg.AssetCheckEvaluation]:
    return {(e.asset_key.to_user_string(), e.check_name): e for e in result.get_asset_check_evaluations()}


def test_checks_are_generated_only_for_assets_in_the_graph():
    existing = {("raw", "kalshi_markets")}
    checks, freshness = build_checks(REGISTRY, DRIFT_SOURCES, existing, reject_warn=0.02, reject_error=0.25)
    keys = {(k.asset_key.to_user_string(), k.name) for c in checks for k in c.check_keys}
    assert keys == {("raw/kalshi_markets", n) for n in rule_for("raw.kalshi_markets").checks()} | {
        ("raw/kalshi_markets", DRIFT_CHECK)
    }
    assert freshness == []  # raw.kalshi_markets is no time series
    every = {r.asset_key for r in REGISTRY} | {("raw", "rejects")}
    checks, freshness = build_checks(REGISTRY, DRIFT_SOURCES, every, reject_warn=0.02, reject_error=0.25)
    assert {k.name for c in checks for k in c.check_keys} >= {*CHECK_NAMES, DRIFT_CHECK, REJECT_RATE_CHECK}
    fresh = {k.asset_key.to_user_string() for c in freshness for k in c.check_keys}
    assert fresh == {"/".join(r.asset_key) for r in REGISTRY if r.freshness is not None}


def test_blocking_rules_give_blocking_checks_in_the_pool():
    snapshots = table_checks(rule_for("raw.kalshi_market_snapshots"))
    assert all(spec.blocking for spec in snapshots.check_specs)
    assert snapshots.op.pool == DUCKDB_WRITE_POOL
    markets = table_checks(rule_for("raw.kalshi_markets"))
    assert not any(spec.blocking for spec in markets.check_specs)


def test_good_rows_pass_and_a_bad_row_fails_its_check_in_every_table(warehouse, table_types):  # noqa: F811
    # One table per check name in turn gets a bad row; all the others keep good rows.
    expected_failures = set()
    with warehouse.connect() as con:
        for i, rule in enumerate(GENERIC):
            frame = good_frame(rule, table_types[rule.table])
            checks = rule.checks()
            bad_check = checks[i % len(checks)]
            frame = bad_frame(rule, bad_check, frame)
            expected_failures.add(("/".join(rule.asset_key), bad_check))
            writes.append(con, rule.table, frame)
    result = _run_checks(warehouse, [table_checks(r) for r in GENERIC], [r.asset_key for r in GENERIC])
    verdicts = _verdicts(result)
    assert len(verdicts) == sum(len(r.checks()) for r in GENERIC)
    failed = {key for key, e in verdicts.items() if not e.passed}
    assert failed == expected_failures
    for key in failed:
        assert verdicts[key].severity == dg.AssetCheckSeverity.ERROR
        assert verdicts[key].metadata["failed_expectations"].value >= 1
        assert "unexpected" in verdicts[key].metadata["summary"].value


def test_time_series_are_judged_by_their_newest_batch(warehouse, table_types):  # noqa: F811
    rule = rule_for("raw.kalshi_market_snapshots")
    good = good_frame(rule, table_types[rule.table])
    old_bad = bad_frame(rule, BID_ASK, good).with_columns(pl.format("20261120T000000000000Z-old{}", pl.int_range(pl.len())).alias("batch_id"))
    new_good = good.with_columns(pl.lit("20261120T010000000000Z-new").alias("batch_id"))
    with warehouse.connect() as con:
        writes.append(con, rule.table, old_bad)
        writes.append(con, rule.table, new_good)
    verdicts = _verdicts(_run_checks(warehouse, [table_checks(rule)], [rule.asset_key]))
    assert all(e.passed for e in verdicts.values())
    assert verdicts[("raw/kalshi_market_snapshots", BID_ASK)].metadata["rows_checked"].value == 3


def _snapshot_writer(rows: pl.DataFrame):
    @dg.asset(key=["raw", "kalshi_market_snapshots"], pool=DUCKDB_WRITE_POOL)
    def snapshots(warehouse: WarehouseResource):
        with warehouse.connect() as con:
            writes.append(con, "raw.kalshi_market_snapshots", rows)

    @dg.asset(key=["core", "downstream_of_quotes"], deps=[snapshots])
    def downstream():
        return None

    return snapshots, downstream


@pytest.mark.parametrize("crossed", [False, True])
def test_a_blocking_check_stops_what_is_downstream(warehouse, table_types, crossed):  # noqa: F811
    rule = rule_for("raw.kalshi_market_snapshots")
    rows = good_frame(rule, table_types[rule.table])
    if crossed:
        rows = bad_frame(rule, BID_ASK, rows)
    snapshots, downstream = _snapshot_writer(rows)
    result = dg.materialize([snapshots, downstream, table_checks(rule)], resources=_resources(warehouse), raise_on_error=False)
    materialized = {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}
    if crossed:
        assert not result.success
        assert materialized == {"raw/kalshi_market_snapshots"}
        assert not _verdicts(result)[("raw/kalshi_market_snapshots", BID_ASK)].passed
    else:
        assert result.success
        assert materialized == {"raw/kalshi_market_snapshots", "core/downstream_of_quotes"}


def _market_json(batch: str, n: int, drop: str | None = None, **extra) -> pl.DataFrame:
    base = {"ticker": "T", "event_ticker": "E", "status": "active", "yes_bid_dollars": "0.5", "close_time": "2026-11-21T00:00:00Z"}
    records = []
    for i in range(n):
        record = {**base, "ticker": f"{batch}-{i}", **extra}
        if drop:
            record.pop(drop)
        records.append(json.dumps(record))
    return pl.DataFrame({"ticker": [f"{batch}-{i}" for i in range(n)], "raw_json": records, "batch_id": [batch] * n})


def test_schema_drift_warns_on_new_and_missing_keys(warehouse):
    with warehouse.connect() as con:
        writes.append(con, "raw.kalshi_markets", _market_json("20261119T000000000000Z-a", 40))
        writes.append(con, "raw.kalshi_markets", _market_json("20261120T000000000000Z-b", 30, drop="close_time", yes_bid_v3="0.5"))
    source = next(s for s in DRIFT_SOURCES if s.table == "raw.kalshi_markets")
    verdict = _verdicts(_run_checks(warehouse, [drift_check(source)], [source.asset_key]))[("raw/kalshi_markets", DRIFT_CHECK)]
    assert not verdict.passed and verdict.severity == dg.AssetCheckSeverity.WARN
    assert verdict.metadata["new_keys"].value == {"yes_bid_v3": 30}
    assert verdict.metadata["missing_keys"].value == {"close_time": 1.0}
    assert verdict.metadata["records_checked"].value == 30


def test_schema_drift_passes_when_kalshi_sends_what_the_parser_reads(warehouse):
    with warehouse.connect() as con:
        writes.append(con, "raw.kalshi_markets", _market_json("20261120T000000000000Z-b", 30))
    source = next(s for s in DRIFT_SOURCES if s.table == "raw.kalshi_markets")
    verdict = _verdicts(_run_checks(warehouse, [drift_check(source)], [source.asset_key]))[("raw/kalshi_markets", DRIFT_CHECK)]
    assert verdict.passed


def _batches_and_rejects(con, rows_written: int, rejects: int) -> None:
    now = datetime(2026, 11, 20, tzinfo=UTC)
    writes.append(con, "meta.batches", pl.DataFrame({
        "batch_id": ["b-old", "b-new"], "asset_key": ["raw.kalshi_trades"] * 2,
        "started_at": [now - timedelta(hours=1), now], "finished_at": [now - timedelta(hours=1), now],
        "rows_written": [10, rows_written], "complete": [True, True],
    }))
    writes.append(con, "raw.rejects", pl.DataFrame({
        "batch_id": ["b-old"] * 10 + ["b-new"] * rejects,
        "reject_id": [f"r{i}" for i in range(10 + rejects)],
        "source": ["kalshi GET /markets/trades"] * (10 + rejects),
        "kind": ["trade"] * (10 + rejects), "reason": ["bad"] * (10 + rejects), "body": ["{}"] * (10 + rejects),
        "fetched_at": [now] * (10 + rejects),
    }))


@pytest.mark.parametrize(("rows", "rejects", "passed", "severity"), [
    (1000, 5, True, dg.AssetCheckSeverity.WARN),  # 0.5%: fine (the old batch's 50% no longer counts)
    (900, 100, False, dg.AssetCheckSeverity.WARN),  # 10%: warn
    (500, 500, False, dg.AssetCheckSeverity.ERROR),  # 50%: fail
])
def test_reject_rate_of_each_assets_newest_batch(warehouse, rows, rejects, passed, severity):
    with warehouse.connect() as con:
        _batches_and_rejects(con, rows, rejects)
    verdict = _verdicts(_run_checks(warehouse, [reject_rate_check(0.02, 0.25)], [("raw", "rejects")]))[("raw/rejects", REJECT_RATE_CHECK)]
    assert verdict.passed is passed
    assert verdict.severity == severity
    assert verdict.metadata["max_reject_rate"].value == pytest.approx(rejects / (rows + rejects))


def test_an_empty_time_series_has_nothing_to_check(warehouse):
    # raw.kalshi_market_snapshots exists but holds no batch yet: every check passes on zero rows.
    rule = rule_for("raw.kalshi_market_snapshots")
    verdicts = _verdicts(_run_checks(warehouse, [table_checks(rule)], [rule.asset_key]))
    assert all(e.passed and e.metadata["rows_checked"].value == 0 for e in verdicts.values())
