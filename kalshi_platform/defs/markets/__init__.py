"""Raw Kalshi market data (DESIGN.md §2, raw schema) and the newest quote per market."""

import dagster as dg

from kalshi_platform.defs.markets.assets import ASSETS
from kalshi_platform.defs.markets.quotes import quotes_latest

defs = dg.Definitions(assets=[*ASSETS, quotes_latest])
