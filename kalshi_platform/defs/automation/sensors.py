"""Event sensors: new markets -> instruments, settled markets -> calibration and P&L, and the notebook
snapshot republished after every successful run.

The market sensors wake on a new materialization of ``raw.kalshi_markets`` (cheap: the event log, no
warehouse access), and only then read the warehouse, read-only with a short lock wait. When a run holds
the file they skip without moving their cursor, so the next tick looks again.
"""

import json
from datetime import UTC, datetime

import dagster as dg

from kalshi_platform.core.timeutil import parse_ts
from kalshi_platform.defs.automation.jobs import CALIBRATION_JOB, NEW_INSTRUMENTS_JOB
from kalshi_platform.defs.automation.schedules import run_request_for
from kalshi_platform.warehouse import Warehouse, WarehouseLockedError
from kalshi_platform.warehouse import quality_queries as qq
from kalshi_platform.warehouse.resource import WarehouseResource

MARKETS_KEY = dg.AssetKey(["raw", "kalshi_markets"])
# A sensor tick must end quickly; a run holding the file will release it between steps.
SENSOR_LOCK_TIMEOUT_S = 5.0


def newest_markets_load(instance: dg.DagsterInstance) -> int | None:
    """Storage id of the newest materialization of raw.kalshi_markets (None: never loaded)."""
    result = instance.fetch_materializations(dg.AssetRecordsFilter(asset_key=MARKETS_KEY), limit=1)
    return result.records[0].storage_id if result.records else None


def _cursor(context: dg.SensorEvaluationContext) -> dict:
    try:
        return json.loads(context.cursor) if context.cursor else {}
    except ValueError:
        return {}


def _reader(warehouse: WarehouseResource) -> Warehouse:
    return Warehouse(warehouse.path, warehouse.snapshot_path, lock_timeout_s=SENSOR_LOCK_TIMEOUT_S,
                     config=warehouse.connection_config)


def _new_markets_load(context: dg.SensorEvaluationContext) -> tuple[dict, int] | dg.SkipReason:
    """(cursor, newest load) when raw.kalshi_markets was loaded since this sensor last looked."""
    cursor = _cursor(context)
    newest = newest_markets_load(context.instance)
    if newest is None:
        return dg.SkipReason("raw.kalshi_markets has never been loaded")
    if newest <= cursor.get("markets_load", -1):
        return dg.SkipReason("no market load since the last look")
    return cursor, newest


def build_sensors(status: dg.DefaultSensorStatus) -> list[dg.SensorDefinition]:
    @dg.sensor(
        name="new_markets_sensor",
        job_name=NEW_INSTRUMENTS_JOB,
        minimum_interval_seconds=60,
        default_status=status,
        description=(
            "After each load of raw.kalshi_markets, requests the instrument master (and BTC contracts) "
            "when markets arrived that core.instruments does not describe yet."
        ),
    )
    def new_markets_sensor(context: dg.SensorEvaluationContext, warehouse: WarehouseResource):
        load = _new_markets_load(context)
        if isinstance(load, dg.SkipReason):
            return load
        cursor, newest = load
        try:
            with _reader(warehouse).connect(read_only=True) as con:
                missing, example = qq.markets_missing_instruments(con)
        except (WarehouseLockedError, FileNotFoundError) as exc:
            return dg.SkipReason(f"warehouse not readable now ({type(exc).__name__}); will look again")
        context.update_cursor(json.dumps({**cursor, "markets_load": newest}))
        if not missing:
            return dg.SkipReason("every market has an instrument")
        context.log.info(f"{missing} markets without an instrument (e.g. {example})")
        return run_request_for(
            context, NEW_INSTRUMENTS_JOB, at=datetime.now(UTC), run_key=f"new-markets-{newest}",
            tags={"kalshi/new_markets": str(missing)},
        )

    @dg.sensor(
        name="settlements_sensor",
        job_name=CALIBRATION_JOB,
        minimum_interval_seconds=60,
        default_status=status,
        description=(
            "After each load of raw.kalshi_markets, requests calibration and paper P&L when markets "
            "settled (status determined/finalized with a result) since the last request."
        ),
    )
    def settlements_sensor(context: dg.SensorEvaluationContext, warehouse: WarehouseResource):
        load = _new_markets_load(context)
        if isinstance(load, dg.SkipReason):
            return load
        cursor, newest = load
        since = parse_ts(cursor["settled_through"]) if cursor.get("settled_through") else None
        try:
            with _reader(warehouse).connect(read_only=True) as con:
                settled, settled_through = qq.settled_since(con, since)
        except (WarehouseLockedError, FileNotFoundError) as exc:
            return dg.SkipReason(f"warehouse not readable now ({type(exc).__name__}); will look again")
        moved = {**cursor, "markets_load": newest}
        if not settled:
            context.update_cursor(json.dumps(moved))
            return dg.SkipReason("no market settled since the last request")
        context.update_cursor(json.dumps({**moved, "settled_through": settled_through.isoformat()}))
        context.log.info(f"{settled} markets settled, the newest at {settled_through.isoformat()}")
        return run_request_for(
            context, CALIBRATION_JOB, at=datetime.now(UTC), run_key=f"settled-through-{settled_through.isoformat()}",
            tags={"kalshi/settled_markets": str(settled)},
        )

    @dg.run_status_sensor(
        run_status=dg.DagsterRunStatus.SUCCESS,
        name="publish_snapshot_sensor",
        minimum_interval_seconds=30,
        default_status=status,
        description=(
            "Republishes the read-only warehouse snapshot (KALSHI_SNAPSHOT_PATH) after every successful "
            "run, so notebooks see scheduled runs' data without ever opening the live file."
        ),
    )
    def publish_snapshot_sensor(context: dg.RunStatusSensorContext, warehouse: WarehouseResource):
        try:
            info = _reader(warehouse).publish_snapshot()
        except (WarehouseLockedError, FileNotFoundError) as exc:
            return dg.SkipReason(f"snapshot not published after run {context.dagster_run.run_id}: {exc}")
        context.log.info(f"snapshot {info.path}: {info.table_count} tables, {info.row_count} rows ({info.method})")
        return None

    return [new_markets_sensor, settlements_sensor, publish_snapshot_sensor]
