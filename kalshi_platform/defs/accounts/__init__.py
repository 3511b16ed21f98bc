"""Users' Kalshi accounts: encrypted credentials and portfolio assets (issue 7)."""

import dagster as dg

from kalshi_platform.defs.accounts.assets import (
    ASSETS,
    PORTFOLIO_KEYS,
    USERS,
    kalshi_accounts_sensor,
    portfolio_job,
)
from kalshi_platform.defs.accounts.resources import KalshiAccountsResource, secret_config
from kalshi_platform.settings import Settings

# The per-user portfolio assets have their own (dynamic, per-user) partitions, so a job over the whole
# graph must leave them out (Dagster runs one partitions definition per job); they run in
# accounts_portfolio_job, one run per user.
PER_USER_SELECTION = dg.AssetSelection.assets(*PORTFOLIO_KEYS)

__all__ = ["PER_USER_SELECTION", "PORTFOLIO_KEYS", "USERS", "build_defs"]


def build_defs(settings: Settings) -> dg.Definitions:
    return dg.Definitions(
        assets=ASSETS,
        jobs=[portfolio_job],
        sensors=[kalshi_accounts_sensor],
        resources={
            "kalshi_accounts": KalshiAccountsResource(
                encryption_key=secret_config(settings.credentials_encryption_key, "KALSHI_CREDENTIALS_ENCRYPTION_KEY"),
                demo_user=settings.trading_account,
            )
        },
    )
