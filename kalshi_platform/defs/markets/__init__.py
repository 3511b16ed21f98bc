"""Raw Kalshi market data (DESIGN.md §2, raw schema)."""

import dagster as dg

from kalshi_platform.defs.markets.assets import ASSETS

defs = dg.Definitions(assets=ASSETS)
