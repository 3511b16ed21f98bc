"""Asset checks generated from the quality registry (``core/quality``): Great Expectations suites per
table, schema drift against the parsers' known keys, reject rates and freshness.

Every check that reads the warehouse claims the ``duckdb_write`` pool: DuckDB lets one process hold a
file for writing and a writer blocks readers in every other process, so a read from an overlapping
run waits its turn in the queue instead of failing on the lock (DESIGN.md §4).
"""

import warnings
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime, timedelta

import dagster as dg
import polars as pl

from kalshi_platform.core.quality import (
    CHECK_DESCRIPTIONS,
    LATEST_BATCH,
    CheckOutcome,
    DriftSource,
    TableRule,
    drift_report,
    reject_rates,
    validate,
)
from kalshi_platform.defs.common import DUCKDB_WRITE_POOL, markdown_preview
from kalshi_platform.defs.resources import KalshiApiResource
from kalshi_platform.warehouse import quality_queries as qq
from kalshi_platform.warehouse.resource import WarehouseResource

DRIFT_CHECK = "schema_drift"
REJECT_RATE_CHECK = "reject_rate"
REJECTS_KEY = dg.AssetKey(["raw", "rejects"])


def check_clock(kalshi: KalshiApiResource) -> datetime:
    """The later of the machine's clock and the source's: a frozen sandbox clock may lie either side
    of real time, and a timestamp is only insane if it is ahead of both."""
    return max(datetime.now(UTC), kalshi.now())


def _name(rule_table: str) -> str:
    return rule_table.replace(".", "__")


def _outcome_metadata(rule: TableRule, outcome: CheckOutcome) -> dict:
    rows = [
        {
            "expectation": e.expectation,
            "columns": ", ".join(e.columns),
            "ok": "yes" if e.success else "NO",
            "unexpected": e.unexpected_count,
            "sample": "; ".join(e.sample) or (e.error or ""),
        }
        for e in outcome.expectations
    ]
    failed = [e.describe() for e in outcome.failures]
    return {
        "rows_checked": dg.MetadataValue.int(outcome.rows),
        "scope": "newest batch" if rule.scope == LATEST_BATCH else "whole table",
        "expectations": dg.MetadataValue.int(len(outcome.expectations)),
        "failed_expectations": dg.MetadataValue.int(len(failed)),
        "summary": dg.MetadataValue.text(outcome.summary()),
        "results": markdown_preview(pl.DataFrame(rows, schema=list(rows[0])) if rows else pl.DataFrame(), rows=50),
    }


def table_checks(rule: TableRule) -> dg.AssetChecksDefinition:
    """One multi-check per table: one GX validation answers all of the table's checks."""
    key = dg.AssetKey(list(rule.asset_key))
    severity = "blocking" if rule.blocking else "non-blocking"
    specs = [
        dg.AssetCheckSpec(
            name,
            asset=key,
            blocking=rule.blocking,
            description=f"{CHECK_DESCRIPTIONS[name]} Great Expectations suite from the quality registry ({severity}).",
        )
        for name in rule.checks()
    ]

    @dg.multi_asset_check(
        name=f"{_name(rule.table)}__quality",
        specs=specs,
        can_subset=True,
        pool=DUCKDB_WRITE_POOL,
        description=f"Great Expectations suite of {rule.table}: {', '.join(rule.checks())}.",
    )
    def _checks(
        context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource, kalshi: KalshiApiResource
    ) -> Iterator[dg.AssetCheckResult]:
        selected = [k.name for k in context.selected_asset_check_keys if k.asset_key == key]
        latest_by = rule.batch_column if rule.scope == LATEST_BATCH else None
        with warehouse.connect(read_only=True) as con:
            frame = qq.check_frame(con, rule.table, rule.columns(), latest_by=latest_by)
        outcomes = validate(frame, rule, check_clock(kalshi), checks=selected)
        for name in selected:
            outcome = outcomes[name]
            if not outcome.passed:
                context.log.warning(outcome.summary())
            yield dg.AssetCheckResult(
                asset_key=key,
                check_name=name,
                passed=outcome.passed,
                severity=dg.AssetCheckSeverity.ERROR,
                metadata=_outcome_metadata(rule, outcome),
            )

    return _checks


def drift_check(source: DriftSource) -> dg.AssetChecksDefinition:
    key = dg.AssetKey(list(source.asset_key))

    @dg.asset_check(
        asset=key,
        name=DRIFT_CHECK,
        pool=DUCKDB_WRITE_POOL,
        description=(
            "Warns when the records Kalshi sent carry keys the parser does not read (new) or stopped "
            "carrying keys the parser reads (missing), comparing the newest batch's raw_json with the "
            "parser's known keys and with older batches."
        ),
    )
    def _drift(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource) -> dg.AssetCheckResult:
        with warehouse.connect(read_only=True) as con:
            latest, older = qq.raw_json_for_drift(con, source.table, source.json_column)
        report = drift_report(source.table, latest, older, source.known_keys)
        if report.drifted:
            context.log.warning(report.summary())
        return dg.AssetCheckResult(
            passed=not report.drifted,
            severity=dg.AssetCheckSeverity.WARN,
            metadata={
                "records_checked": dg.MetadataValue.int(report.latest.records),
                "baseline_records": dg.MetadataValue.int(report.baseline.records),
                "unreadable_json": dg.MetadataValue.int(report.latest.unreadable),
                "new_keys": dg.MetadataValue.json(report.new_keys),
                "missing_keys": dg.MetadataValue.json(report.missing_keys),
                "summary": dg.MetadataValue.text(report.summary()),
            },
        )

    return _drift


def reject_rate_check(warn_above: float, error_above: float) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=REJECTS_KEY,
        name=REJECT_RATE_CHECK,
        pool=DUCKDB_WRITE_POOL,
        description=(
            f"Share of unreadable records in each asset's newest batch: warns above {warn_above:.1%}, "
            f"fails above {error_above:.1%} (QUALITY_REJECT_RATE_WARN / QUALITY_REJECT_RATE_ERROR)."
        ),
    )
    def _reject_rate(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource) -> dg.AssetCheckResult:
        with warehouse.connect(read_only=True) as con:
            batches = qq.newest_batches(con)
            counts = qq.reject_counts(con, batches.get_column("batch_id").to_list())
        rates = reject_rates(batches, counts, warn_above=warn_above, error_above=error_above)
        level = rates.level
        if level != "ok":
            context.log.warning(rates.summary())
        return dg.AssetCheckResult(
            passed=level == "ok",
            severity=dg.AssetCheckSeverity.ERROR if level == "error" else dg.AssetCheckSeverity.WARN,
            metadata={
                "assets": dg.MetadataValue.int(rates.rates.height),
                "summary": dg.MetadataValue.text(rates.summary()),
                "rates": markdown_preview(
                    rates.rates.select("asset_key", "rows_written", "rejects", pl.col("reject_rate").round(5), "level"),
                    rows=50,
                ),
                "max_reject_rate": dg.MetadataValue.float(
                    float(rates.rates.get_column("reject_rate").max() or 0.0) if rates.rates.height else 0.0
                ),
            },
        )

    return _reject_rate


def freshness_checks(rules: Iterable[TableRule]) -> list[dg.AssetChecksDefinition]:
    """Last-update freshness checks for the time series, one group per allowed age."""
    by_age: dict[timedelta, list[dg.AssetKey]] = defaultdict(list)
    for rule in rules:
        if rule.freshness is not None:
            by_age[rule.freshness].append(dg.AssetKey(list(rule.asset_key)))
    checks: list[dg.AssetChecksDefinition] = []
    # Dagster would rather have a FreshnessPolicy on each asset, but these assets belong to other
    # domains; a check per time series keeps freshness in one registry.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", dg.SupersessionWarning)
        for age, keys in sorted(by_age.items()):
            checks.extend(dg.build_last_update_freshness_checks(assets=keys, lower_bound_delta=age))
    return checks


def build_checks(
    rules: Sequence[TableRule],
    drift_sources: Sequence[DriftSource],
    existing: set[tuple[str, ...]],
    *,
    reject_warn: float,
    reject_error: float,
) -> tuple[list[dg.AssetChecksDefinition], list[dg.AssetChecksDefinition]]:
    """(checks, freshness checks) for the registry entries whose asset is in the graph."""
    present = [r for r in rules if r.asset_key in existing]
    checks = [table_checks(r) for r in present]
    checks += [drift_check(s) for s in drift_sources if s.asset_key in existing]
    if tuple(REJECTS_KEY.path) in existing:
        checks.append(reject_rate_check(reject_warn, reject_error))
    return checks, freshness_checks(present)
