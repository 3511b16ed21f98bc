"""Data-quality checks (Great Expectations inside asset checks) over raw and core tables (issue 8).

Generated from the registry in ``core/quality/registry.py``: a table gets its checks by having an
entry there and an asset in the graph.
"""

import warnings

import dagster as dg

from kalshi_platform.core.quality import DRIFT_SOURCES, REGISTRY
from kalshi_platform.defs.quality.checks import build_checks
from kalshi_platform.defs.quality.graph import domain_asset_keys
from kalshi_platform.settings import Settings

FRESHNESS_SENSOR = "freshness_checks_sensor"


def build_defs(settings: Settings) -> dg.Definitions:
    checks, freshness = build_checks(
        REGISTRY,
        DRIFT_SOURCES,
        domain_asset_keys(settings),
        reject_warn=settings.quality_reject_rate_warn,
        reject_error=settings.quality_reject_rate_error,
    )
    sensors = []
    if freshness:
        status = (
            dg.DefaultSensorStatus.RUNNING if settings.automation_status == "running" else dg.DefaultSensorStatus.STOPPED
        )
        with warnings.catch_warnings():  # superseded by FreshnessPolicy: see checks.freshness_checks
            warnings.simplefilter("ignore", dg.SupersessionWarning)
            sensors.append(
                dg.build_sensor_for_freshness_checks(
                    freshness_checks=freshness, name=FRESHNESS_SENSOR, minimum_interval_seconds=120, default_status=status
                )
            )
    return dg.Definitions(asset_checks=[*checks, *freshness], sensors=sensors)
