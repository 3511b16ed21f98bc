"""Schedules, sensors and automation conditions that keep the warehouse fresh (issue 8)."""

import dagster as dg

from kalshi_platform.settings import Settings


def build_defs(settings: Settings) -> dg.Definitions:
    return dg.Definitions()
