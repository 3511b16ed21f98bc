"""The dbt project's models as Dagster assets, dbt tests as asset checks.

Sources are the platform's tables, keyed [schema, table] like the assets that write them, so the
lineage runs unbroken from the raw assets through staging views to the marts. Models are keyed
[schema, model] (``staging`` views, ``marts`` tables), grouped ``dbt``, follow their inputs
(``AutomationCondition.eager()``) and write inside the ``duckdb_write`` pool.
"""

import json
import shutil
from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets

from kalshi_platform.defs.common import DUCKDB_WRITE_POOL
from kalshi_platform.defs.dbt.project import DBT_PROJECT_DIR, dbt_executable, dbt_vars, prepare
from kalshi_platform.settings import Settings
from kalshi_platform.warehouse.resource import WarehouseResource

GROUP = "dbt"
DBT_RESOURCE_KEY = "dbt"


class PlatformDbtTranslator(DagsterDbtTranslator):
    """Models keyed [schema, name] like every table of the warehouse; sources keep dagster-dbt's
    [source name, table] = [schema, table], the keys of the assets that write them."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return super().get_asset_key(dbt_resource_props)
        return dg.AssetKey([dbt_resource_props["schema"], dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "source":
            return super().get_group_name(dbt_resource_props)
        return GROUP

    def get_automation_condition(self, dbt_resource_props: Mapping[str, Any]) -> dg.AutomationCondition | None:
        # Staging views and marts simply follow their inputs.
        return dg.AutomationCondition.eager()


def build_dbt_defs(settings: Settings) -> dg.Definitions:
    manifest = prepare(duckdb_path=settings.duckdb_path)
    project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)

    @dbt_assets(
        manifest=manifest,
        project=project,
        name="dbt_models",
        dagster_dbt_translator=PlatformDbtTranslator(),
        pool=DUCKDB_WRITE_POOL,
    )
    def dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource):
        """``dbt build`` of the selected staging views and marts (tests included) on the warehouse."""
        variables = json.dumps(dbt_vars(warehouse.path))
        invocation = dbt.cli(["build", "--vars", variables], context=context)
        yield from invocation.stream()
        # Each invocation writes its artifacts to a directory of its own; with a poll every few
        # minutes they would pile up. A failed build keeps them for inspection (the stream raises).
        shutil.rmtree(invocation.target_path, ignore_errors=True)

    return dg.Definitions(
        assets=[dbt_models],
        resources={
            DBT_RESOURCE_KEY: DbtCliResource(
                project_dir=project, profiles_dir=str(DBT_PROJECT_DIR), dbt_executable=dbt_executable()
            )
        },
    )
