"""Schedules and sensors evaluated with Dagster's test contexts: the right run requests for given
clocks and cursors, skips when there is nothing to do, and jobs that select what exists."""

import json
import subprocess
import sys
import time
from datetime import UTC, datetime

import dagster as dg
import polars as pl
import pytest

from kalshi_platform.defs.automation import build_defs as automation_defs
from kalshi_platform.defs.automation import jobs as automation_jobs
from kalshi_platform.defs.automation import sensors as automation_sensors
from kalshi_platform.settings import SettingsError, load_settings
from kalshi_platform.warehouse import Warehouse, writes
from kalshi_platform.warehouse.resource import WarehouseResource

DAILY = dg.DailyPartitionsDefinition(start_date="2025-01-01", end_offset=1, timezone="UTC")


def _asset(key: list[str], group: str = "default", partitions=None):
    @dg.asset(key=key, group_name=group, partitions_def=partitions)
    def _a():
        return None

    return _a


def _platform(*extra_keys: list[str], env: dict | None = None) -> dg.Definitions:
    """Stand-in domains with the real keys, plus the automation of this issue."""
    assets = [
        _asset(["raw", "kalshi_markets"], "markets"),
        _asset(["raw", "kalshi_market_snapshots"], "markets"),
        _asset(["raw", "kalshi_orderbooks"], "markets"),
        _asset(["raw", "kalshi_candlesticks"], "markets", DAILY),
        _asset(["core", "instruments"], "instruments"),
        _asset(["raw", "weather_ensembles"], "weather", DAILY),
        _asset(["signals", "weather_signals"], "weather"),
        *(_asset(k) for k in extra_keys),
    ]
    return dg.Definitions.merge(dg.Definitions(assets=assets), automation_defs(load_settings(env or {})))


def _tick(defs: dg.Definitions, name: str, at: datetime):
    schedule = defs.resolve_schedule_def(name)
    context = dg.build_schedule_context(scheduled_execution_time=at, repository_def=defs.get_repository_def())
    return schedule.evaluate_tick(context)


AT = datetime(2026, 11, 20, 15, 35, tzinfo=UTC)


def test_quote_poll_every_five_minutes_runs_the_poll_job():
    defs = _platform()
    schedule = defs.resolve_schedule_def("quotes_poll_schedule")
    assert schedule.cron_schedule == "*/5 * * * *" and schedule.job_name == automation_jobs.QUOTES_POLL_JOB
    data = _tick(defs, "quotes_poll_schedule", AT)
    [request] = data.run_requests
    assert request.partition_key is None
    assert request.tags["kalshi/scheduled_for"] == AT.isoformat()
    job = defs.resolve_job_def(automation_jobs.QUOTES_POLL_JOB)
    assert set(job.graph.node_dict) == {"raw__kalshi_markets", "raw__kalshi_market_snapshots", "raw__kalshi_orderbooks"}


def test_a_job_whose_domains_have_not_shipped_is_skipped():
    defs = _platform()
    data = _tick(defs, "calibration_daily_schedule", AT)
    assert not data.run_requests
    assert "selects no assets yet" in data.skip_message


def test_a_job_gains_assets_when_their_domain_ships():
    defs = _platform(["signals", "calibration"], ["signals", "btc_edges"], ["trading", "paper_orders"])
    assert _tick(defs, "calibration_daily_schedule", AT).run_requests
    poll = set(defs.resolve_job_def(automation_jobs.QUOTES_POLL_JOB).graph.node_dict)
    assert {"signals__btc_edges", "trading__paper_orders"} <= poll


def test_weather_hourly_runs_the_newest_daily_partition():
    defs = _platform()
    assert defs.resolve_schedule_def("weather_hourly_schedule").cron_schedule == "0 * * * *"
    [request] = _tick(defs, "weather_hourly_schedule", datetime(2026, 11, 20, 7, 0, tzinfo=UTC)).run_requests
    assert request.partition_key == "2026-11-20"


def test_candlesticks_run_the_day_that_just_ended():
    defs = _platform()
    [request] = _tick(defs, "candlesticks_daily_schedule", datetime(2026, 11, 21, 0, 30, tzinfo=UTC)).run_requests
    assert request.partition_key == "2026-11-20" and request.run_key == "candles-2026-11-20"


def test_instruments_daily_and_custom_crons():
    defs = _platform(env={"AUTOMATION_INSTRUMENTS_CRON": "15 4 * * *", "AUTOMATION_STATUS": "running"})
    schedule = defs.resolve_schedule_def("instruments_daily_schedule")
    assert schedule.cron_schedule == "15 4 * * *"
    assert schedule.default_status == dg.DefaultScheduleStatus.RUNNING
    assert defs.resolve_sensor_def("new_markets_sensor").default_status == dg.DefaultSensorStatus.RUNNING
    assert set(defs.resolve_job_def(automation_jobs.INSTRUMENTS_DAILY_JOB).graph.node_dict) >= {"raw__kalshi_markets", "core__instruments"}


def test_a_bad_cron_names_its_variable():
    with pytest.raises(SettingsError, match="AUTOMATION_QUOTES_CRON"):
        automation_defs(load_settings({"AUTOMATION_QUOTES_CRON": "every five minutes"}))


# --- sensors -------------------------------------------------------------------------------------


@pytest.fixture()
def warehouse(tmp_path) -> Warehouse:
    wh = Warehouse(tmp_path / "w.duckdb", tmp_path / "s.duckdb")
    wh.migrate()
    return wh


def _resource(wh: Warehouse) -> WarehouseResource:
    return WarehouseResource(path=wh.path, snapshot_path=wh.snapshot_path)


def _markets(wh: Warehouse, rows: list[tuple[str, str, str | None, datetime | None]]) -> None:
    frame = pl.DataFrame(
        {
            "ticker": [r[0] for r in rows],
            "status": [r[1] for r in rows],
            "result": [r[2] or "" for r in rows],
            "settlement_ts": [r[3] for r in rows],
        },
        schema={"ticker": pl.String, "status": pl.String, "result": pl.String, "settlement_ts": pl.Datetime("us", "UTC")},
    )
    with wh.connect() as con:
        writes.upsert(con, "raw.kalshi_markets", frame, key=["ticker"])


def _instruments(wh: Warehouse, tickers: list[str]) -> None:
    with wh.connect() as con:
        writes.upsert(con, "core.instruments", pl.DataFrame({"ticker": tickers}), key=["ticker"])


def _markets_loaded(instance: dg.DagsterInstance) -> None:
    instance.report_runless_asset_event(dg.AssetMaterialization(asset_key=["raw", "kalshi_markets"]))


def _sense(defs, name, instance, wh, cursor=None):
    context = dg.build_sensor_context(
        instance=instance, cursor=cursor, resources={"warehouse": _resource(wh)}, repository_def=defs.get_repository_def()
    )
    return defs.resolve_sensor_def(name).evaluate_tick(context)


def test_new_markets_request_the_instrument_master(warehouse):
    defs = _platform()
    with dg.instance_for_test() as instance:
        data = _sense(defs, "new_markets_sensor", instance, warehouse)
        assert "never been loaded" in data.skip_message and data.cursor is None

        _markets(warehouse, [("A", "active", None, None), ("B", "active", None, None)])
        _instruments(warehouse, ["A"])
        _markets_loaded(instance)
        data = _sense(defs, "new_markets_sensor", instance, warehouse)
        [request] = data.run_requests
        assert request.job_name in (None, automation_jobs.NEW_INSTRUMENTS_JOB)
        assert request.tags["kalshi/new_markets"] == "1"
        cursor = data.cursor
        assert request.run_key == f"new-markets-{json.loads(cursor)['markets_load']}"

        # Same load seen again: nothing to do, no warehouse read.
        data = _sense(defs, "new_markets_sensor", instance, warehouse, cursor)
        assert not data.run_requests and "no market load" in data.skip_message

        # Next load, every market has its instrument by now.
        _instruments(warehouse, ["A", "B"])
        _markets_loaded(instance)
        data = _sense(defs, "new_markets_sensor", instance, warehouse, cursor)
        assert not data.run_requests and "every market has an instrument" in data.skip_message
        assert json.loads(data.cursor)["markets_load"] > json.loads(cursor)["markets_load"]


def test_a_busy_warehouse_is_looked_at_again_next_tick(warehouse, monkeypatch):
    defs = _platform()
    monkeypatch.setattr(automation_sensors, "SENSOR_LOCK_TIMEOUT_S", 0.3)
    _markets(warehouse, [("A", "active", None, None)])
    holder = subprocess.Popen(
        [sys.executable, "-c", f"import duckdb, time; c = duckdb.connect({warehouse.path!r}); print('held', flush=True); time.sleep(30)"],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        with dg.instance_for_test() as instance:
            _markets_loaded(instance)
            data = _sense(defs, "new_markets_sensor", instance, warehouse, cursor=None)
            assert not data.run_requests and "not readable now" in data.skip_message
            assert data.cursor is None  # not moved: the next tick looks again
    finally:
        holder.kill()
        holder.wait()


def test_settled_markets_request_calibration_and_pnl_once(warehouse):
    defs = _platform(["signals", "calibration"])
    t1 = datetime(2026, 11, 19, 20, 0, tzinfo=UTC)
    t2 = datetime(2026, 11, 20, 20, 0, tzinfo=UTC)
    with dg.instance_for_test() as instance:
        _markets(warehouse, [("A", "finalized", "yes", t1), ("B", "active", None, None), ("C", "closed", None, None)])
        _markets_loaded(instance)
        data = _sense(defs, "settlements_sensor", instance, warehouse)
        [request] = data.run_requests
        assert request.run_key == f"settled-through-{t1.isoformat()}"
        assert request.tags["kalshi/settled_markets"] == "1"
        cursor = data.cursor
        assert json.loads(cursor)["settled_through"] == t1.isoformat()

        # A new load with no new settlement: nothing to do.
        _markets_loaded(instance)
        data = _sense(defs, "settlements_sensor", instance, warehouse, cursor)
        assert not data.run_requests and "no market settled" in data.skip_message
        cursor = data.cursor

        # B settles (determined, result no): one more request, for it alone.
        _markets(warehouse, [("B", "determined", "no", t2)])
        _markets_loaded(instance)
        data = _sense(defs, "settlements_sensor", instance, warehouse, cursor)
        [request] = data.run_requests
        assert request.run_key == f"settled-through-{t2.isoformat()}"
        assert request.tags["kalshi/settled_markets"] == "1"


def test_snapshot_is_republished_after_a_successful_run(warehouse):
    defs = _platform()
    _markets(warehouse, [("A", "active", None, None)])

    @dg.asset(key=["raw", "anything"])
    def anything():
        return None

    with dg.instance_for_test() as instance:
        result = dg.materialize([anything], instance=instance)
        context = dg.build_run_status_sensor_context(
            sensor_name="publish_snapshot_sensor",
            dagster_instance=instance,
            dagster_run=result.dagster_run,
            dagster_event=result.get_run_success_event(),
            resources={"warehouse": _resource(warehouse)},
        )
        defs.resolve_sensor_def("publish_snapshot_sensor")(context)
    snapshot = Warehouse(warehouse.snapshot_path, warehouse.snapshot_path + ".x")
    with snapshot.connect(read_only=True) as con:
        assert con.execute("SELECT ticker FROM raw.kalshi_markets").fetchall() == [("A",)]


def test_the_platform_has_every_schedule_sensor_and_job():
    from kalshi_platform.definitions import build_definitions

    defs = build_definitions(load_settings({}))
    repo = defs.get_repository_def()
    assert {s.name for s in repo.schedule_defs} >= {
        "quotes_poll_schedule", "instruments_daily_schedule", "weather_hourly_schedule",
        "calibration_daily_schedule", "candlesticks_daily_schedule",
    }
    assert {s.name for s in repo.sensor_defs} >= {
        "new_markets_sensor", "settlements_sensor", "publish_snapshot_sensor", "automation_condition_sensor",
        "freshness_checks_sensor",
    }
    poll = set(repo.get_job(automation_jobs.QUOTES_POLL_JOB).graph.node_dict)
    assert {"raw__kalshi_market_snapshots", "raw__kalshi_orderbooks"} <= poll
    # The blocking quote checks run in the poll cycle, in front of what prices from the quotes.
    assert "raw__kalshi_market_snapshots__quality" in poll
