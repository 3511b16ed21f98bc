"""Cadence schedules. Each asks for a run of its job at its cron tick; a job that selects nothing yet
(its domain not shipped) is skipped with a reason, and a job over daily-partitioned assets runs the
newest partition as of the tick (the previous day for candlesticks, whose day must be complete)."""

from datetime import datetime, timedelta

import dagster as dg

from kalshi_platform.defs.automation.jobs import (
    CALIBRATION_JOB,
    CANDLESTICKS_DAILY_JOB,
    INSTRUMENTS_DAILY_JOB,
    QUOTES_POLL_JOB,
    WEATHER_HOURLY_JOB,
)
from kalshi_platform.settings import Settings, SettingsError

CANDLESTICKS_CRON = "30 0 * * *"  # half an hour after the UTC day they cover has ended


def job_is_empty(job: dg.JobDefinition) -> bool:
    return not job.graph.node_dict


def run_request_for(
    context: dg.ScheduleEvaluationContext | dg.SensorEvaluationContext,
    job_name: str,
    *,
    at: datetime,
    run_key: str | None = None,
    tags: dict[str, str] | None = None,
    partition_key: str | None = None,
) -> dg.RunRequest | dg.SkipReason:
    """A run of ``job_name`` at ``at``: skipped when the job selects nothing yet; for a job with
    time-window partitions, the given partition or else the newest one as of ``at``."""
    job = context.repository_def.get_job(job_name)
    if job_is_empty(job):
        return dg.SkipReason(f"{job_name} selects no assets yet: the domains it runs have not shipped")
    partitions = job.partitions_def
    if partitions is not None and partition_key is None:
        if not isinstance(partitions, dg.TimeWindowPartitionsDefinition):
            return dg.SkipReason(f"{job_name}: its assets are partitioned by {partitions}; it needs a partition to run")
        with dg.partition_loading_context(effective_dt=at):
            partition_key = partitions.get_last_partition_key()
    elif partitions is None:
        partition_key = None
    return dg.RunRequest(run_key=run_key, partition_key=partition_key, tags=tags or {})


def cadence_schedule(
    name: str, cron: str, variable: str, job_name: str, description: str, status: dg.DefaultScheduleStatus
) -> dg.ScheduleDefinition:
    def evaluate(context: dg.ScheduleEvaluationContext):
        at = context.scheduled_execution_time
        return run_request_for(context, job_name, at=at, tags={"kalshi/scheduled_for": at.isoformat()})

    try:
        return dg.ScheduleDefinition(
            name=name,
            cron_schedule=cron,
            job_name=job_name,
            execution_fn=evaluate,
            execution_timezone="UTC",
            default_status=status,
            description=f"{description} ({variable}={cron!r}, UTC)",
        )
    except dg.DagsterInvalidDefinitionError as exc:
        raise SettingsError(f"{variable}={cron!r} is not a cron schedule; accepted: five fields like '*/5 * * * *' ({exc})") from None


def candlesticks_schedule(status: dg.DefaultScheduleStatus) -> dg.ScheduleDefinition:
    def evaluate(context: dg.ScheduleEvaluationContext):
        at = context.scheduled_execution_time
        previous_day = (at - timedelta(days=1)).date().isoformat()
        return run_request_for(
            context, CANDLESTICKS_DAILY_JOB, at=at, partition_key=previous_day, run_key=f"candles-{previous_day}"
        )

    return dg.ScheduleDefinition(
        name="candlesticks_daily_schedule",
        cron_schedule=CANDLESTICKS_CRON,
        job_name=CANDLESTICKS_DAILY_JOB,
        execution_fn=evaluate,
        execution_timezone="UTC",
        default_status=status,
        description="Candlesticks of the UTC day that just ended (its daily partition).",
    )


def build_schedules(settings: Settings) -> list[dg.ScheduleDefinition]:
    status = dg.DefaultScheduleStatus.RUNNING if settings.automation_status == "running" else dg.DefaultScheduleStatus.STOPPED
    return [
        cadence_schedule("quotes_poll_schedule", settings.automation_quotes_cron, "AUTOMATION_QUOTES_CRON",
                         QUOTES_POLL_JOB, "Quote poll cycle", status),
        cadence_schedule("instruments_daily_schedule", settings.automation_instruments_cron, "AUTOMATION_INSTRUMENTS_CRON",
                         INSTRUMENTS_DAILY_JOB, "Universe and instrument master refresh", status),
        cadence_schedule("weather_hourly_schedule", settings.automation_weather_cron, "AUTOMATION_WEATHER_CRON",
                         WEATHER_HOURLY_JOB, "Weather ensembles and signals", status),
        cadence_schedule("calibration_daily_schedule", settings.automation_calibration_cron, "AUTOMATION_CALIBRATION_CRON",
                         CALIBRATION_JOB, "Calibration and paper P&L", status),
        candlesticks_schedule(status),
    ]
