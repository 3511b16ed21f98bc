"""NBA player props: Kalshi ladders against sportsbook lines (issue 6)."""

import dagster as dg

from kalshi_platform.settings import Settings


def build_defs(settings: Settings) -> dg.Definitions:
    return dg.Definitions()
