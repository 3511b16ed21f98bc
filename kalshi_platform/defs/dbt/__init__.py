"""The dbt project's models as assets, dbt tests as checks (issue 8).

The Dagster wiring lives in ``assets.py`` and is imported when the definitions are built, so the
install step (``python -m kalshi_platform.defs.dbt.project``: dbt parse) does not pay for importing
Dagster.
"""

from typing import TYPE_CHECKING

from kalshi_platform.settings import Settings

if TYPE_CHECKING:
    import dagster as dg


def build_defs(settings: Settings) -> "dg.Definitions":
    from kalshi_platform.defs.dbt.assets import build_dbt_defs

    return build_dbt_defs(settings)
