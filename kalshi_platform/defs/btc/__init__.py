"""BTC edge engine: spot ticks, composite spot, sigma, contracts, edges and 15-minute signals (issue 4)."""

import dagster as dg

from kalshi_platform.settings import Settings


def build_defs(settings: Settings) -> dg.Definitions:
    return dg.Definitions()
