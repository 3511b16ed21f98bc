"""Kalshi WebSocket capture and order books rebuilt from it (issue 9)."""

import dagster as dg

from kalshi_platform.settings import Settings


def build_defs(settings: Settings) -> dg.Definitions:
    from kalshi_platform.defs.streaming.assets import ASSETS, CHECKS
    from kalshi_platform.defs.streaming.resources import KalshiStreamResource, check_settings

    check_settings(settings)
    return dg.Definitions(
        assets=ASSETS,
        asset_checks=CHECKS,
        resources={"kalshi_stream": KalshiStreamResource.from_settings(settings)},
    )
