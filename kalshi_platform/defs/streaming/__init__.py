"""Kalshi WebSocket capture and order books rebuilt from it (issue 9)."""

import dagster as dg

from kalshi_platform.settings import Settings


def build_defs(settings: Settings) -> dg.Definitions:
    return dg.Definitions()
