"""The instrument master and market relations (DESIGN.md §2, core schema)."""

import dagster as dg

from kalshi_platform.defs.instruments.assets import ASSETS, CHECKS

defs = dg.Definitions(assets=ASSETS, asset_checks=CHECKS)
