"""Schedules, sensors and automation conditions that keep the warehouse fresh (issue 8).

- schedules: quote poll cycle (AUTOMATION_QUOTES_CRON, every 5 minutes), universe and instruments
  daily, weather hourly, calibration and P&L daily, candlesticks of the previous day;
- sensors: new markets -> instruments, settled markets -> calibration and P&L, snapshot republished
  after every successful run, and the automation-condition sensor that runs what simply follows its
  inputs (the dbt models);
- overlapping runs queue on the ``duckdb_write`` pool (limit 1, .dagster_home/dagster.yaml) instead
  of failing on DuckDB's file lock (DESIGN.md §4).

Not here: the NBA props schedules (nba_props) and the run-failure alert sensor (trading).
"""

import dagster as dg

from kalshi_platform.defs.automation.jobs import build_jobs
from kalshi_platform.defs.automation.schedules import build_schedules
from kalshi_platform.defs.automation.sensors import build_sensors
from kalshi_platform.settings import Settings

AUTOMATION_SENSOR = "automation_condition_sensor"


def build_defs(settings: Settings) -> dg.Definitions:
    running = settings.automation_status == "running"
    sensor_status = dg.DefaultSensorStatus.RUNNING if running else dg.DefaultSensorStatus.STOPPED
    automation = dg.AutomationConditionSensorDefinition(
        AUTOMATION_SENSOR,
        target=dg.AssetSelection.all(),
        default_status=sensor_status,
        minimum_interval_seconds=60,
        description="Materializes the assets whose AutomationCondition says so (the dbt models follow their inputs).",
    )
    return dg.Definitions(
        jobs=build_jobs(),
        schedules=build_schedules(settings),
        sensors=[*build_sensors(sensor_status), automation],
    )
