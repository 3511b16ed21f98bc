"""Users' Kalshi accounts: encrypted credentials and portfolio assets (issue 7)."""

import dagster as dg

from kalshi_platform.settings import Settings


def build_defs(settings: Settings) -> dg.Definitions:
    return dg.Definitions()
