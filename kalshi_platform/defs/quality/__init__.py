"""Data-quality checks (Great Expectations inside asset checks) over raw and core tables (issue 8)."""

import dagster as dg

from kalshi_platform.settings import Settings


def build_defs(settings: Settings) -> dg.Definitions:
    return dg.Definitions()
