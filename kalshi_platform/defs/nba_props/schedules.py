"""The props domain's cadence: a daily run at 07:00 UTC (2 AM ET, lines for the coming night are up)
and hourly runs through the US afternoon and evening, when lines move most before tip-off."""

import dagster as dg

NBA_PROPS_JOB = "nba_props_job"
DAILY_CRON = "0 7 * * *"  # UTC
EVENING_CRON = "0 12-23 * * *"  # America/New_York: noon to 11 PM ET, every hour
EVENING_TIMEZONE = "America/New_York"

# The props assets and the Kalshi data they compare against: the market universe (incremental),
# a quote poll and the newest quote per market. Selection by string matches nothing for an asset a
# deployment does not define, so the job resolves with or without the markets domain.
SELECTION = (
    'group:"nba_props" or key:"raw/kalshi_series" or key:"raw/kalshi_events" or key:"raw/kalshi_markets" '
    'or key:"raw/kalshi_market_snapshots" or key:"core/quotes_latest"'
)


def nba_props_job():
    return dg.define_asset_job(
        NBA_PROPS_JOB,
        selection=dg.AssetSelection.from_string(SELECTION).materializable(),
        description="Sportsbook lines, Kalshi quotes and the NBA prop comparison.",
        tags={"kalshi/cadence": "nba_props"},
    )


def _schedule(name: str, cron: str, timezone: str, description: str,
              status: dg.DefaultScheduleStatus) -> dg.ScheduleDefinition:
    def evaluate(context: dg.ScheduleEvaluationContext):
        at = context.scheduled_execution_time
        return dg.RunRequest(run_key=f"{name}-{at.isoformat()}", tags={"kalshi/scheduled_for": at.isoformat()})

    return dg.ScheduleDefinition(
        name=name, cron_schedule=cron, job_name=NBA_PROPS_JOB, execution_fn=evaluate,
        execution_timezone=timezone, default_status=status, description=description,
    )


def build_schedules(status: dg.DefaultScheduleStatus) -> list[dg.ScheduleDefinition]:
    return [
        _schedule("nba_props_daily_schedule", DAILY_CRON, "UTC",
                  "NBA props daily at 07:00 UTC (2 AM ET): the coming night's lines.", status),
        _schedule("nba_props_evening_schedule", EVENING_CRON, EVENING_TIMEZONE,
                  "NBA props hourly from noon to 11 PM ET, as lines move toward tip-off.", status),
    ]
