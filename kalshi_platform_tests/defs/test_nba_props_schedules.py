"""The props cadence: daily at 07:00 UTC and hourly through the US afternoon and evening."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import islice

import dagster as dg
from dagster._utils.schedules import schedule_execution_time_iterator

from kalshi_platform.defs import nba_props
from kalshi_platform.defs.nba_props.schedules import NBA_PROPS_JOB
from kalshi_platform.settings import load_settings


def defs() -> dg.Definitions:
    return nba_props.build_defs(load_settings({}))


def schedule(name: str) -> dg.ScheduleDefinition:
    return next(s for s in defs().schedules if s.name == name)


def fire_times(s: dg.ScheduleDefinition, start: datetime, n: int) -> list[datetime]:
    times = schedule_execution_time_iterator(start.timestamp(), s.cron_schedule, s.execution_timezone)
    return [t.astimezone(UTC) for t in islice(times, n)]


def test_daily_run_at_seven_utc_is_two_am_eastern():
    s = schedule("nba_props_daily_schedule")
    assert s.job_name == NBA_PROPS_JOB and s.execution_timezone == "UTC"
    times = fire_times(s, datetime(2026, 11, 20, 8, 0, tzinfo=UTC), 3)
    assert times == [datetime(2026, 11, d, 7, 0, tzinfo=UTC) for d in (21, 22, 23)]
    at = times[0]
    with dg.build_schedule_context(scheduled_execution_time=at) as context:
        request = s.evaluate_tick(context).run_requests[0]
    assert request.run_key == f"nba_props_daily_schedule-{at.isoformat()}"
    assert request.tags["kalshi/scheduled_for"] == at.isoformat()


def test_hourly_from_noon_to_eleven_pm_eastern_in_winter_and_summer():
    s = schedule("nba_props_evening_schedule")
    assert s.execution_timezone == "America/New_York"
    winter = fire_times(s, datetime(2026, 11, 20, 5, 0, tzinfo=UTC), 12)
    assert winter[0] == datetime(2026, 11, 20, 17, 0, tzinfo=UTC)  # noon EST
    assert winter[-1] == datetime(2026, 11, 21, 4, 0, tzinfo=UTC)  # 11 PM EST
    assert all(b - a == timedelta(hours=1) for a, b in zip(winter, winter[1:], strict=False))
    assert fire_times(s, winter[-1] + timedelta(minutes=1), 1) == [datetime(2026, 11, 21, 17, 0, tzinfo=UTC)]
    summer = fire_times(s, datetime(2026, 4, 10, 5, 0, tzinfo=UTC), 12)
    assert summer[0] == datetime(2026, 4, 10, 16, 0, tzinfo=UTC)  # noon EDT
    assert summer[-1] == datetime(2026, 4, 11, 3, 0, tzinfo=UTC)
    with dg.build_schedule_context(scheduled_execution_time=winter[3]) as context:
        assert s.evaluate_tick(context).run_requests


def test_job_runs_the_props_and_the_kalshi_data_they_compare_against():
    from kalshi_platform.definitions import build_definitions

    job = build_definitions(load_settings({})).resolve_job_def(NBA_PROPS_JOB)
    keys = {k.to_user_string() for k in job.asset_layer.executable_asset_keys}
    assert keys == {"raw/sportsbook_props", "raw/sportsbook_events", "raw/sportsbook_requests",
                    "signals/nba_prop_lines", "raw/kalshi_series", "raw/kalshi_events", "raw/kalshi_markets",
                    "raw/kalshi_market_snapshots", "core/quotes_latest"}


def test_schedules_follow_the_platforms_automation_switch():
    stopped = nba_props.build_defs(load_settings({}))
    assert all(s.default_status == dg.DefaultScheduleStatus.STOPPED for s in stopped.schedules)
    settings = load_settings({})
    if hasattr(settings, "automation_status"):
        running = nba_props.build_defs(load_settings({"AUTOMATION_STATUS": "running"}))
        assert all(s.default_status == dg.DefaultScheduleStatus.RUNNING for s in running.schedules)


def test_resources_use_the_key_from_the_environment_without_copying_it(monkeypatch):
    monkeypatch.setenv("ODDS_API_KEY", "env-secret-key")
    d = nba_props.build_defs(load_settings())
    odds = d.resources["odds_api"]
    assert isinstance(odds.api_key, dg.EnvVar) and odds.api_key.env_var_name == "ODDS_API_KEY"
    assert odds.process_config_and_initialize().key() == "env-secret-key"  # read at run time


def test_the_key_never_prints_from_settings():
    from kalshi_platform.settings import describe

    settings = load_settings({"ODDS_API_KEY": "printed-nowhere"})
    assert "printed-nowhere" not in repr(settings) and "printed-nowhere" not in str(describe(settings))
    assert nba_props.build_defs(settings).resources["odds_api"].key() == "printed-nowhere"
