"""NBA player props: Kalshi ladders against sportsbook lines (issue 6)."""

import dagster as dg

from kalshi_platform.defs.nba_props.assets import ASSETS, CHECKS
from kalshi_platform.defs.nba_props.resources import NbaPropsConfig, OddsApiResource
from kalshi_platform.defs.nba_props.schedules import build_schedules, nba_props_job
from kalshi_platform.settings import Settings


def build_defs(settings: Settings) -> dg.Definitions:
    running = getattr(settings, "automation_status", "stopped") == "running"
    status = dg.DefaultScheduleStatus.RUNNING if running else dg.DefaultScheduleStatus.STOPPED
    return dg.Definitions(
        assets=ASSETS,
        asset_checks=CHECKS,
        jobs=[nba_props_job()],
        schedules=build_schedules(status),
        resources={
            "odds_api": OddsApiResource.from_settings(settings),
            "nba_props": NbaPropsConfig.from_settings(settings),
        },
    )
