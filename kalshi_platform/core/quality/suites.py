"""Great Expectations 1.x suites built from a :class:`TableRule`, run on a pandas frame.

One ephemeral GX context per :func:`validate` call (creating one costs milliseconds; importing GX
costs seconds, so it is imported on first use, never at module import). Each expectation carries the
name of the check it belongs to in its ``meta``, so one validation run answers every check of a table.

Prices are DECIMAL in the warehouse; here they are compared as float64. That is exact for these
comparisons: two DECIMAL(18,6) values that differ differ by at least 1e-6, far above float64's
resolution for numbers of this size, so no value changes side of a bound.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import polars as pl

from kalshi_platform.core.quality.registry import (
    BID_ASK,
    KEYS,
    STATUSES,
    TIMESTAMPS,
    VALUES,
    TableRule,
)

if TYPE_CHECKING:
    import pandas as pd

SAMPLE_SIZE = 5


@dataclass(frozen=True)
class ExpectationOutcome:
    """One expectation's verdict: which check, what it expected of which columns, what failed."""

    check: str
    expectation: str
    columns: tuple[str, ...]
    success: bool
    unexpected_count: int = 0
    unexpected_percent: float = 0.0
    sample: tuple[str, ...] = ()
    error: str | None = None

    def describe(self) -> str:
        where = ", ".join(self.columns)
        if self.error:
            return f"{self.expectation}({where}): could not run: {self.error}"
        if self.success:
            return f"{self.expectation}({where}): ok"
        sample = f"; e.g. {', '.join(self.sample)}" if self.sample else ""
        return (
            f"{self.expectation}({where}): {self.unexpected_count} rows "
            f"({self.unexpected_percent:.3g}%) unexpected{sample}"
        )


@dataclass(frozen=True)
class CheckOutcome:
    """A check of one table: passed when each of its expectations did."""

    table: str
    check: str
    rows: int
    expectations: tuple[ExpectationOutcome, ...]

    @property
    def passed(self) -> bool:
        return all(e.success for e in self.expectations)

    @property
    def failures(self) -> tuple[ExpectationOutcome, ...]:
        return tuple(e for e in self.expectations if not e.success)

    def summary(self) -> str:
        if not self.rows:
            return f"{self.table}: no rows to check"
        if self.passed:
            return f"{self.table}: {len(self.expectations)} expectations met on {self.rows} rows"
        return f"{self.table}: " + "; ".join(e.describe() for e in self.failures)


def expectations_for(rule: TableRule, now: datetime) -> list[tuple[str, Any]]:
    """(check name, GX expectation) for every rule of the table, evaluated against clock ``now``."""
    import great_expectations.expectations as gxe

    out: list[tuple[str, Any]] = []

    def add(check: str, expectation) -> None:
        expectation.meta = {"check": check}
        out.append((check, expectation))

    required = [k for k in rule.keys if k not in rule.nullable_keys]
    for column in required:
        add(KEYS, gxe.ExpectColumnValuesToNotBeNull(column=column))
    if len(rule.keys) == 1:
        add(KEYS, gxe.ExpectColumnValuesToBeUnique(column=rule.keys[0], mostly=rule.mostly(KEYS)))
    elif rule.keys:
        add(KEYS, gxe.ExpectCompoundColumnsToBeUnique(column_list=list(rule.keys), mostly=rule.mostly(KEYS)))

    for column in rule.prices:
        add(VALUES, gxe.ExpectColumnValuesToBeBetween(column=column, min_value=0, max_value=1, mostly=rule.mostly(VALUES)))
    for column in rule.non_negative:
        add(VALUES, gxe.ExpectColumnValuesToBeBetween(column=column, min_value=0, mostly=rule.mostly(VALUES)))
    for column, (low, high) in rule.ranges.items():
        add(VALUES, gxe.ExpectColumnValuesToBeBetween(column=column, min_value=low, max_value=high, mostly=rule.mostly(VALUES)))

    for bid, ask in rule.bid_ask:
        add(
            BID_ASK,
            gxe.ExpectColumnPairValuesAToBeGreaterThanB(
                column_A=ask,
                column_B=bid,
                or_equal=True,
                ignore_row_if="either_value_is_missing",
                mostly=rule.mostly(BID_ASK),
            ),
        )

    for column, values in rule.enums.items():
        add(STATUSES, gxe.ExpectColumnValuesToBeInSet(column=column, value_set=sorted(values), mostly=rule.mostly(STATUSES)))

    for bound in rule.timestamps:
        low, high = bound.bounds(now)
        add(
            TIMESTAMPS,
            gxe.ExpectColumnValuesToBeBetween(column=bound.column, min_value=low, max_value=high, mostly=rule.mostly(TIMESTAMPS)),
        )
    return out


def prepare(frame: pl.DataFrame, rule: TableRule) -> pl.DataFrame:
    """Derived columns added, decimals as float64 (see the module note), ready for pandas."""
    if rule.derive is not None and not frame.is_empty():
        frame = rule.derive(frame)
    decimals = [name for name, dtype in frame.schema.items() if isinstance(dtype, pl.Decimal)]
    if decimals:
        frame = frame.with_columns(pl.col(decimals).cast(pl.Float64))
    return frame


def missing_columns(frame: pl.DataFrame, rule: TableRule) -> list[str]:
    return [c for c in (*rule.columns(), *rule.derived_columns) if c not in frame.columns]


def validate(frame: pl.DataFrame, rule: TableRule, now: datetime, checks: Iterable[str] | None = None) -> dict[str, CheckOutcome]:
    """Run the rule's expectations on ``frame``; one :class:`CheckOutcome` per check of the rule.

    ``checks`` limits the run to some of the rule's checks. A column the rule names that the frame
    lacks fails the checks that need it (a table that lost a column is a failure, never a skip).
    """
    wanted = [c for c in rule.checks() if checks is None or c in set(checks)]
    if not wanted:
        return {}
    if frame.is_empty() and not missing_columns(frame, rule):
        return {c: CheckOutcome(rule.table, c, 0, ()) for c in wanted}
    prepared = prepare(frame, rule) if not frame.is_empty() else frame
    planned = [(c, e) for c, e in expectations_for(rule, now) if c in wanted]
    outcomes: dict[str, list[ExpectationOutcome]] = {c: [] for c in wanted}
    runnable = []
    for check, expectation in planned:
        columns = _columns_of(expectation)
        absent = [c for c in columns if c not in prepared.columns]
        if absent:
            outcomes[check].append(
                ExpectationOutcome(check, expectation.expectation_type, columns, False,
                                   error=f"column {', '.join(absent)} missing from {rule.table}")
            )
        else:
            runnable.append((check, expectation))
    if runnable:
        for outcome in _run(prepared.to_pandas(), rule.table, runnable):
            outcomes[outcome.check].append(outcome)
    return {c: CheckOutcome(rule.table, c, prepared.height, tuple(outcomes[c])) for c in wanted}


def _columns_of(expectation) -> tuple[str, ...]:
    for attribute in ("column", "column_list"):
        value = getattr(expectation, attribute, None)
        if value:
            return (value,) if isinstance(value, str) else tuple(value)
    return tuple(getattr(expectation, a) for a in ("column_A", "column_B") if getattr(expectation, a, None))


def _context():
    import great_expectations as gx
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    config = DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(),
        analytics_enabled=False,
        progress_bars=ProgressBarsConfig(globally=False),
    )
    return gx.get_context(mode="ephemeral", project_config=config)


def _run(df: pd.DataFrame, table: str, planned: list[tuple[str, Any]]) -> list[ExpectationOutcome]:
    import great_expectations as gx

    context = _context()
    name = table.replace(".", "__")
    batch = (
        context.data_sources.add_pandas(f"{name}__source")
        .add_dataframe_asset(name)
        .add_batch_definition_whole_dataframe("rows")
    )
    suite = context.suites.add(gx.ExpectationSuite(name=f"{name}__suite"))
    for _, expectation in planned:
        suite.add_expectation(expectation)
    validation = context.validation_definitions.add(gx.ValidationDefinition(name=f"{name}__validation", data=batch, suite=suite))
    result = validation.run(
        batch_parameters={"dataframe": df},
        result_format={"result_format": "SUMMARY", "partial_unexpected_count": SAMPLE_SIZE},
    )
    outcomes = []
    for item in result.results:
        config = item.expectation_config
        check = (config.meta or {}).get("check", "")
        columns = tuple(
            v for k in ("column", "column_A", "column_B") if (v := config.kwargs.get(k))
        ) or tuple(config.kwargs.get("column_list") or ())
        raised = (item.exception_info or {}).get("raised_exception")
        details = item.result or {}
        outcomes.append(
            ExpectationOutcome(
                check=check,
                expectation=config.type,
                columns=columns,
                success=bool(item.success) and not raised,
                unexpected_count=int(details.get("unexpected_count") or 0),
                unexpected_percent=float(details.get("unexpected_percent") or 0.0),
                sample=tuple(_short(v) for v in (details.get("partial_unexpected_list") or [])[:SAMPLE_SIZE]),
                error=(item.exception_info or {}).get("exception_message") if raised else None,
            )
        )
    return outcomes


def _short(value: object) -> str:
    text = str(value)
    return text if len(text) <= 60 else text[:57] + "..."
