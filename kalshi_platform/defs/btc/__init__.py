"""BTC edge engine: spot ticks, composite spot, sigma, contracts, edges and 15-minute signals (issue 4)."""

import dagster as dg

from kalshi_platform.defs.btc.assets import ASSETS
from kalshi_platform.defs.btc.checks import CHECKS
from kalshi_platform.defs.btc.resources import BtcConfig, SpotApiResource
from kalshi_platform.settings import Settings

# One poll cycle: spot, the newest quotes, sigma, contracts, edges and signals (schedule it as you like).
BTC_POLL_JOB = "btc_poll_job"


def build_defs(settings: Settings) -> dg.Definitions:
    poll = dg.define_asset_job(
        BTC_POLL_JOB,
        selection=dg.AssetSelection.groups("btc")
        | dg.AssetSelection.assets(dg.AssetKey(["raw", "kalshi_market_snapshots"]), dg.AssetKey(["core", "quotes_latest"])),
        description="One BTC poll cycle: spot ticks, composite, sigma, quotes, contracts, edges and 15-minute signals.",
    )
    return dg.Definitions(
        assets=ASSETS,
        asset_checks=CHECKS,
        jobs=[poll],
        resources={"spot": SpotApiResource.from_settings(settings), "btc": BtcConfig.from_settings(settings)},
    )
