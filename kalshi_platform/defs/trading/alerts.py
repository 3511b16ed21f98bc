"""trading.alert_events: Telegram digests of signals, paper orders, props gaps and failed runs.

Every message is recorded with its status (sent / failed / skipped) and reason. A failed send is
retried by the next cycle with the same text; the same alert is never sent twice (see core.alerts).
The run-failure sensor sends its alert as soon as a run fails and records it in the same table, so
the digest of the next cycle does not repeat it.
"""

import json
import os
from datetime import UTC, datetime, timedelta

import dagster as dg
import polars as pl

from kalshi_platform.clients.telegram import TelegramError
from kalshi_platform.core import alerts as al
from kalshi_platform.core.credentials import mask
from kalshi_platform.defs.common import DUCKDB_WRITE_POOL, open_batch, table_result
from kalshi_platform.defs.resources import KalshiApiResource
from kalshi_platform.defs.trading.orders import ORDERS_KEY
from kalshi_platform.defs.trading.resources import TelegramResource, TradingConfigResource
from kalshi_platform.defs.trading.signals import SIGNALS_KEY
from kalshi_platform.settings import VARIABLES, _secret
from kalshi_platform.warehouse import trading_queries as tq
from kalshi_platform.warehouse import writes
from kalshi_platform.warehouse.resource import WarehouseResource

GROUP = "trading"
TABLE = "trading.alert_events"
ALERTS_KEY = dg.AssetKey(["trading", "alert_events"])
PROPS_KEY = dg.AssetKey(["signals", "nba_prop_lines"])
TS = pl.Datetime("us", "UTC")
HISTORY_WINDOW = timedelta(days=7)
RUN_FAILURE_LOOKBACK = timedelta(hours=24)
ALERT_SCHEMA: dict[str, pl.DataType] = {
    "alert_id": pl.String(), "alert_type": pl.String(), "status": pl.String(), "reason": pl.String(),
    "destination": pl.String(), "chat_id": pl.String(), "message_text": pl.String(), "item_count": pl.Int32(),
    "identities": pl.String(), "subjects": pl.String(), "attempts": pl.Int32(), "telegram_message_id": pl.Int64(),
    "created_at": TS, "last_attempt_at": TS, "sent_at": TS, "batch_id": pl.String(),
}


def history_records(frame: pl.DataFrame) -> list[al.SentRecord]:
    return [
        al.SentRecord(
            dedup_key=r["alert_id"],
            identities=tuple(json.loads(r["identities"] or "[]")),
            subjects=tuple(json.loads(r["subjects"] or "[]")),
            status=r["status"],
            sent_at=r["sent_at"],
            attempts=int(r["attempts"] or 0),
        )
        for r in frame.iter_rows(named=True)
    ]


class Courier:
    """Sends through the configured destination and returns the columns to record."""

    def __init__(self, telegram: TelegramResource, kalshi: KalshiApiResource, secrets: list[str]) -> None:
        self.telegram = telegram
        self.chat = telegram.chat()
        self.secrets = secrets
        self.problem: str | None = None
        self._client = None
        if telegram.destination == "sandbox" and kalshi.env != "sandbox" and not telegram.base_url:
            self.problem = ("TELEGRAM_BOT_TOKEN is not set; without it alerts go to the embedded exchange, "
                            "which runs only with KALSHI_ENV=sandbox")
        elif self.chat is None:
            self.problem = "TELEGRAM_CHAT_ID is not set"
        else:
            self._client = telegram.client(exchange=kalshi.exchange())

    def close(self) -> None:
        if self._client is not None:
            self._client.close()

    def send(self, text: str, now: datetime) -> dict:
        if self._client is None:
            return {"status": al.STATUS_SKIPPED, "reason": self.problem}
        try:
            sent = self._client.send_message(self.chat, text)
        except TelegramError as exc:
            return {"status": al.STATUS_FAILED, "reason": mask(str(exc), self.secrets), "last_attempt_at": now}
        return {"status": al.STATUS_SENT, "reason": None, "telegram_message_id": sent.message_id,
                "sent_at": now, "last_attempt_at": now}


def _row(alert: al.Alert, courier: Courier, now: datetime, batch_id: str) -> dict:
    row = {
        "alert_id": alert.dedup_key, "alert_type": alert.alert_type, "status": alert.status,
        "reason": alert.reason, "destination": courier.telegram.destination, "chat_id": courier.chat,
        "message_text": mask(alert.text, courier.secrets), "item_count": len(alert.identities),
        "identities": json.dumps(list(alert.identities)), "subjects": json.dumps(list(alert.subjects)),
        "attempts": 0, "telegram_message_id": None, "created_at": now, "last_attempt_at": None, "sent_at": None,
        "batch_id": batch_id,
    }
    if alert.status == al.STATUS_PENDING:
        row.update(courier.send(row["message_text"], now))
        row["attempts"] = 1 if row["status"] != al.STATUS_SKIPPED else 0
    return row


def _retry(row: dict, courier: Courier, now: datetime, batch_id: str) -> dict:
    outcome = courier.send(row["message_text"], now)
    if outcome["status"] == al.STATUS_SKIPPED:
        return row  # nowhere to send now: stays failed, retried when the destination is back
    return {**row, **outcome, "attempts": int(row["attempts"] or 0) + 1, "batch_id": batch_id}


def _frame(rows: list[dict]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=ALERT_SCHEMA) if rows else pl.DataFrame(schema=ALERT_SCHEMA)


# --------------------------------------------------------------------------------------------------
# Items of each digest


def signal_items(con, trading: TradingConfigResource, actionable_only: bool, now: datetime) -> list[al.AlertItem]:
    engine = trading.bot().engine
    rows = tq.cycle_signals(con, now - engine.max_signal_age)
    if rows.is_empty():
        return []
    rows = rows.filter(pl.col("actionable") & pl.col("signal_type").is_in(list(engine.signal_types)))
    if actionable_only:
        rows = rows.filter(
            (pl.col("edge_bps") >= engine.min_edge_bps) & (pl.col("confidence") >= engine.min_confidence)
            & pl.col("expiry").gt(now)
        )
    titles = tq.instrument_titles(con, rows.get_column("ticker").drop_nulls().unique().to_list())
    return [signal_item_with_title(r, titles, now) for r in rows.iter_rows(named=True)]


def signal_item_with_title(row: dict, titles: dict[str, str], now: datetime) -> al.AlertItem:
    return al.signal_item({**row, "title": titles.get(row.get("ticker"))}, now)


def order_items(con, now: datetime) -> list[al.AlertItem]:
    return [al.order_item(r) for r in tq.cycle_orders(con, now).iter_rows(named=True)]


def props_items(con, min_gap: float, now: datetime, max_age: timedelta) -> list[al.AlertItem]:
    rows = tq.props_gaps(con, min_gap, now - max_age)
    return [al.props_item(r) for r in rows.iter_rows(named=True)]


def step_errors(events) -> str | None:
    """'step: error' of each failed step (the first line of each error), joined."""
    parts = []
    for event in events:
        error = getattr(event.event_specific_data, "error", None)
        while error is not None and error.cause is not None:  # Dagster wraps the user's error: show the user's
            error = error.cause
        if error is not None and event.step_key:
            first = (error.message or "").strip().splitlines()
            parts.append(f"{event.step_key}: {first[0] if first else type(error).__name__}")
    return "; ".join(parts) or None


def failed_run_items(instance: dg.DagsterInstance, since: datetime, secrets: list[str]) -> list[al.AlertItem]:
    records = instance.get_run_records(
        filters=dg.RunsFilter(statuses=[dg.DagsterRunStatus.FAILURE], updated_after=since), limit=20
    )
    items = []
    for record in records:
        run = record.dagster_run
        failures = [e.dagster_event for e in instance.all_logs(run.run_id, of_type=dg.DagsterEventType.STEP_FAILURE)
                    if e.dagster_event is not None]
        steps = sorted({e.step_key for e in failures if e.step_key})
        items.append(al.run_failure_item(run.job_name, run.run_id, steps, step_errors(failures)))
    return [al.AlertItem(i.identity, i.subject, mask(i.line, secrets), i.sort_key) for i in items]


def _secrets(telegram: TelegramResource) -> list[str]:
    # Run-failure text is arbitrary exception text, sent to Telegram and kept in alert_events: mask every
    # secret variable the process holds (an Odds API key, the encryption key and each of its keys), not
    # only the bot's token.
    values = [telegram.bot_token]
    for variable, (_, parser) in VARIABLES.items():
        raw = os.environ.get(variable, "").strip() if parser is _secret else ""
        values.extend([raw, *(part.strip() for part in raw.split(","))] if raw else [])
    # A fragment too short to be a key would mask ordinary words (real keys are tens of characters);
    # longest first, so a whole value is masked before its parts.
    return sorted({v for v in values if v and len(v) >= 8}, key=len, reverse=True)


@dg.asset(
    key=ALERTS_KEY,
    group_name=GROUP,
    kinds={"duckdb", "polars", "telegram"},
    pool=DUCKDB_WRITE_POOL,
    deps=[SIGNALS_KEY, ORDERS_KEY, PROPS_KEY],
    description=(
        "Telegram alerts (Bot API sendMessage; the embedded exchange's bot unless TELEGRAM_BOT_TOKEN is set): "
        "digests of actionable signals, this cycle's paper orders with failure reasons, NBA props gaps over "
        "ALERTS_PROPS_MIN_GAP points, and failed runs. Readable HTML with emoji, a cooldown per item, never the "
        "same alert twice; every message is recorded as sent, failed (retried next cycle) or skipped, with the reason."
    ),
)
def alert_events(
    context: dg.AssetExecutionContext,
    warehouse: WarehouseResource,
    kalshi: KalshiApiResource,
    telegram: TelegramResource,
    trading: TradingConfigResource,
) -> dg.MaterializeResult:
    """Retry failed alerts, then build, dedup and send this cycle's digests."""
    now = kalshi.now()
    secrets = _secrets(telegram)
    courier = Courier(telegram, kalshi, secrets)
    try:
        with open_batch(warehouse, TABLE) as batch:
            con = batch.con
            history = tq.alert_history(con, now - max(HISTORY_WINDOW, telegram.cooldown))
            records = history_records(history)
            rows: list[dict] = []
            by_id = {r["alert_id"]: r for r in history.iter_rows(named=True)}
            for record in al.due_retries(records):
                rows.append(_retry(by_id[record.dedup_key], courier, now, batch.batch_id))
            retried = {r["alert_id"] for r in rows}
            records = [r for r in records if r.dedup_key not in retried] + history_records(_frame(rows))
            digests = {
                "signals": (signal_items(con, trading, telegram.actionable_only, now),
                            "actionable only" if telegram.actionable_only else "every signal with a direction"),
                "executions": (order_items(con, now), ""),
                "props_arbitrage": (props_items(con, telegram.props_min_gap, now,
                                                trading.bot().engine.max_signal_age),
                                    f"Kalshi line vs sportsbook consensus, gap over {telegram.props_min_gap:g} pts"),
                "run_failure": (failed_run_items(context.instance, datetime.now(UTC) - RUN_FAILURE_LOOKBACK, secrets), ""),
            }
            planned: dict[str, str] = {}
            for alert_type, (items, note) in digests.items():
                alert = al.plan_digest(alert_type, items, records, now, cooldown=telegram.cooldown,
                                       max_items=telegram.max_items, note=note)
                if alert is None:
                    planned[alert_type] = "nothing new"
                    continue
                row = _row(alert, courier, now, batch.batch_id)
                rows.append(row)
                records.extend(history_records(_frame([row])))
                planned[alert_type] = row["status"]
            frame = _frame(rows)
            writes.upsert(con, TABLE, frame, ["alert_id"])
            batch.rows_written = frame.height
            statuses = dict(frame.group_by("status").len().iter_rows()) if frame.height else {}
            context.log.info(f"alerts: {planned}; retried {len(retried)}")
            return table_result(
                batch, TABLE, frame.drop("message_text", "identities", "subjects"),
                extra={
                    "destination": dg.MetadataValue.text(f"{telegram.destination} chat {courier.chat or '-'}"),
                    "digests": dg.MetadataValue.json(planned),
                    "by_status": dg.MetadataValue.json(statuses),
                    "retried": dg.MetadataValue.int(len(retried)),
                    "last_message": dg.MetadataValue.md(
                        "```\n" + next((r["message_text"] for r in reversed(rows) if r["status"] == "sent"), "-")
                        + "\n```"
                    ),
                },
            )
    finally:
        courier.close()


# --------------------------------------------------------------------------------------------------
# Run failures


def alert_run_failure(
    warehouse: WarehouseResource,
    kalshi: KalshiApiResource,
    telegram: TelegramResource,
    *,
    job: str,
    run_id: str,
    failed_steps: list[str],
    error: str | None,
) -> dict | None:
    """Send (once) the alert of a failed run and record it; returns the recorded row (None if already sent)."""
    now = kalshi.now()
    secrets = _secrets(telegram)
    item = al.run_failure_item(job, run_id, failed_steps, mask(error or "", secrets) or None)
    courier = Courier(telegram, kalshi, secrets)
    try:
        with warehouse.connect() as con:
            records = history_records(tq.alert_history(con, now - max(HISTORY_WINDOW, telegram.cooldown)))
            alert = al.plan_digest("run_failure", [item], records, now, cooldown=telegram.cooldown,
                                   max_items=telegram.max_items)
            if alert is None:
                return None
            row = _row(alert, courier, now, f"sensor-{run_id[:8]}")
            writes.upsert(con, TABLE, _frame([row]), ["alert_id"])
            return row
    finally:
        courier.close()


@dg.run_failure_sensor(
    name="telegram_run_failure_alert",
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Sends a Telegram alert (job, run, failed steps, error) when a run fails, once per run.",
)
def run_failure_alert(
    context: dg.RunFailureSensorContext,
    warehouse: WarehouseResource,
    kalshi: KalshiApiResource,
    telegram: TelegramResource,
):
    run = context.dagster_run
    failures = context.get_step_failure_events()
    steps = sorted({e.step_key for e in failures if e.step_key})
    error = step_errors(failures) or context.failure_event.message
    row = alert_run_failure(warehouse, kalshi, telegram, job=run.job_name, run_id=run.run_id, failed_steps=steps,
                            error=error)
    context.log.info(f"run {run.run_id}: alert {row['status'] if row else 'already sent'}")
