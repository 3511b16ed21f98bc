"""Weather: ensemble forecasts to high-temperature bracket edges (issue 5)."""

import dagster as dg

from kalshi_platform.settings import Settings


def build_defs(settings: Settings) -> dg.Definitions:
    return dg.Definitions()
