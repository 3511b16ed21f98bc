"""Two runs that overlap (an instrument refresh and a calibration with its dbt marts, as the new-markets
and settlements sensors would start them together) both succeed on one warehouse: their DuckDB steps,
dbt's included, queue on the duckdb_write pool instead of failing on the file lock, and nothing is
written twice."""

from __future__ import annotations

import shutil
import subprocess
import sys

import dagster as dg
import duckdb

from kalshi_platform.defs.automation.jobs import CALIBRATION_JOB, NEW_INSTRUMENTS_JOB
from kalshi_platform_tests.platform_run import PROJECT_ROOT, PlatformRun, platform_env, platform_run  # noqa: F401

RUN_JOB = """
import sys, warnings
warnings.simplefilter("ignore")
from dagster import DagsterInstance
from kalshi_platform.definitions import build_definitions
from kalshi_platform.settings import load_settings
job = build_definitions(load_settings()).resolve_job_def(sys.argv[1])
with DagsterInstance.get() as instance:
    result = job.execute_in_process(instance=instance, raise_on_error=False)
print("RUN", result.run_id, result.success, flush=True)
sys.exit(0 if result.success else 1)
"""


def _pool_steps(instance: dg.DagsterInstance, run_id: str, pool_steps: set[str]) -> list[tuple[float, float, str]]:
    starts, ends = {}, {}
    for record in instance.all_logs(run_id):
        event = record.dagster_event
        if event is None or event.step_key not in pool_steps:
            continue
        if event.event_type_value == "STEP_START":
            starts[event.step_key] = record.timestamp
        elif event.event_type_value in ("STEP_SUCCESS", "STEP_FAILURE"):
            ends[event.step_key] = record.timestamp
    return [(starts[k], ends[k], k) for k in starts if k in ends]


def test_overlapping_runs_queue_on_the_pool_and_both_succeed(platform_run: PlatformRun, tmp_path):  # noqa: F811
    platform_run.assert_succeeded()
    env = platform_env(tmp_path)
    shutil.copy(platform_run.warehouse, env["KALSHI_DUCKDB_PATH"])  # a warehouse with data, of its own
    # The instance exists before the runs, as it does once `make run` has run (two processes creating
    # a new SQLite instance at the same moment would race on its schema, which is not what is tested).
    dg.DagsterInstance.from_config(env["DAGSTER_HOME"]).dispose()
    runs = [
        subprocess.Popen([sys.executable, "-c", RUN_JOB, job], cwd=PROJECT_ROOT, env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        for job in (NEW_INSTRUMENTS_JOB, CALIBRATION_JOB)
    ]
    outputs = [run.communicate(timeout=900)[0] for run in runs]
    for run, output in zip(runs, outputs):
        assert run.returncode == 0, output[-6000:]
    run_ids = [next(line.split()[1] for line in out.splitlines() if line.startswith("RUN ")) for out in outputs]

    from kalshi_platform.definitions import build_definitions
    from kalshi_platform.defs.common import DUCKDB_WRITE_POOL
    from kalshi_platform.settings import load_settings

    defs = build_definitions(load_settings(env))
    pool_steps = set()
    for name in (NEW_INSTRUMENTS_JOB, CALIBRATION_JOB):
        job = defs.resolve_job_def(name)
        pool_steps |= {node.name for node in job.graph.node_dict.values() if node.definition.pool == DUCKDB_WRITE_POOL}
    with dg.DagsterInstance.from_config(env["DAGSTER_HOME"]) as instance:
        intervals = sorted(i for run_id in run_ids for i in _pool_steps(instance, run_id, pool_steps))
    assert {"dbt_models", "core__instruments"} <= {k for _, _, k in intervals}
    # One pool slot: no two DuckDB steps (of either run) ran at the same time.
    for (start_a, end_a, a), (start_b, _, b) in zip(intervals, intervals[1:]):
        assert start_b >= end_a - 0.01, f"{a} and {b} overlapped"

    with duckdb.connect(env["KALSHI_DUCKDB_PATH"], read_only=True) as con:
        for table, key in (("raw.kalshi_markets", "ticker"), ("core.instruments", "ticker"),
                           ("raw.kalshi_market_snapshots", "batch_id, ticker")):
            dupes = con.execute(f"SELECT count(*) FROM (SELECT {key} FROM {table} GROUP BY ALL HAVING count(*) > 1)").fetchone()[0]
            assert dupes == 0, table
