"""Users' Kalshi accounts: the encrypted key store and, per user, balance, positions, fills and settlements.

The portfolio assets are partitioned by user (dynamic partitions ``kalshi_accounts``, one per stored
user): each user loads in its own run, so a wrong or revoked key fails that user's partition with a
clear message while every other user still loads.
"""

from datetime import UTC, datetime, timedelta

import dagster as dg
import polars as pl

from kalshi_platform.clients.http import AuthError, HttpError
from kalshi_platform.core.credentials import CredentialError
from kalshi_platform.core.trading import portfolio as pf
from kalshi_platform.defs.accounts.resources import (
    AccountClientError,
    KalshiAccountsResource,
    account_client,
    ensure_sandbox_demo_user,
)
from kalshi_platform.defs.common import DUCKDB_WRITE_POOL, open_batch, table_result
from kalshi_platform.defs.resources import KalshiApiResource
from kalshi_platform.warehouse import accounts as store
from kalshi_platform.warehouse import writes
from kalshi_platform.warehouse.resource import WarehouseResource
from kalshi_platform.warehouse.trading_queries import table_exists

GROUP = "accounts"
USERS = dg.DynamicPartitionsDefinition(name="kalshi_accounts")
ACCOUNTS_KEY = dg.AssetKey(["meta", "kalshi_accounts"])
PORTFOLIO_TABLES = (
    "raw.portfolio_balances",
    "raw.portfolio_positions",
    "raw.portfolio_fills",
    "raw.portfolio_settlements",
)
PORTFOLIO_KEYS = [dg.AssetKey(t.split(".")) for t in PORTFOLIO_TABLES]
# Fills are read again from a little before the newest stored one (upserted, so the overlap is harmless).
FILLS_OVERLAP = timedelta(hours=1)
_DESCRIPTIONS = {
    "raw.portfolio_balances": "Cash balance and portfolio value of each user's Kalshi account, one row per read.",
    "raw.portfolio_positions": "Each user's current market positions (+YES / -NO contracts, exposure, realized P&L, fees).",
    "raw.portfolio_fills": "Each user's fills: order, market, side, count, price, fee, taker or maker.",
    "raw.portfolio_settlements": "Each user's settlements: market result, contracts held, cost, revenue, fees.",
}


def _display(accounts: list[store.StoredAccount]) -> pl.DataFrame:
    """The store without ciphertext: what metadata and previews may show."""
    return pl.DataFrame(
        [
            {
                "user_name": a.user_name, "key_id": a.key_id, "environment": a.environment, "origin": a.origin,
                "key_fingerprint": a.key_fingerprint, "status": "active" if a.active else "revoked",
                "created_at": a.created_at, "revoked_at": a.revoked_at, "revoked_reason": a.revoked_reason,
            }
            for a in accounts
        ],
        schema={
            "user_name": pl.String, "key_id": pl.String, "environment": pl.String, "origin": pl.String,
            "key_fingerprint": pl.String, "status": pl.String, "created_at": pl.Datetime("us", "UTC"),
            "revoked_at": pl.Datetime("us", "UTC"), "revoked_reason": pl.String,
        },
    )


def sync_user_partitions(instance: dg.DagsterInstance, active: list[str]) -> tuple[list[str], list[str]]:
    """Make the dynamic partitions exactly the users with an active key; returns (added, removed)."""
    existing = set(instance.get_dynamic_partitions(USERS.name))
    added = sorted(set(active) - existing)
    removed = sorted(existing - set(active))
    if added:
        instance.add_dynamic_partitions(USERS.name, added)
    for user in removed:
        instance.delete_dynamic_partition(USERS.name, user)
    return added, removed


@dg.asset(
    key=ACCOUNTS_KEY,
    group_name=GROUP,
    kinds={"duckdb", "polars"},
    pool=DUCKDB_WRITE_POOL,
    description=(
        "Users' Kalshi API keys, private keys Fernet-encrypted with KALSHI_CREDENTIALS_ENCRYPTION_KEY (managed with "
        "`kalshi-platform accounts add | list | remove | rotate`). On the embedded exchange the run makes sure the "
        "demo user exists with a fresh key, so signed requests run in every run. Keeps the per-user partitions "
        "of the portfolio assets in step with the store."
    ),
)
def kalshi_accounts(
    context: dg.AssetExecutionContext,
    warehouse: WarehouseResource,
    kalshi: KalshiApiResource,
    kalshi_accounts: KalshiAccountsResource,
) -> dg.MaterializeResult:
    """The account store, with the sandbox demo user ensured and user partitions synced."""
    sandbox = kalshi.env == "sandbox"
    with open_batch(warehouse, store.TABLE) as batch:
        extra: dict[str, object] = {}
        if sandbox:
            cipher, per_process = kalshi_accounts.cipher(sandbox=True)
            demo, action = ensure_sandbox_demo_user(batch.con, cipher, kalshi_accounts.demo_user)
            extra["demo_user"] = dg.MetadataValue.text(f"{demo.user_name} ({action}, key {demo.key_fingerprint})")
            extra["encryption"] = dg.MetadataValue.text(
                "a per-run key (KALSHI_CREDENTIALS_ENCRYPTION_KEY not set): the demo user is re-keyed each run"
                if per_process else "KALSHI_CREDENTIALS_ENCRYPTION_KEY"
            )
            batch.rows_written = 1 if action != "kept" else 0
        accounts = store.list_accounts(batch.con)
        active = store.active_users(batch.con)
        added, removed = sync_user_partitions(context.instance, active)
        shown = _display(accounts)
        context.log.info(f"{len(active)} active account(s); partitions added {added}, removed {removed}")
        return table_result(
            batch, store.TABLE, shown,
            extra={
                **extra,
                "active_users": dg.MetadataValue.json(active),
                "partitions_added": dg.MetadataValue.json(added),
                "partitions_removed": dg.MetadataValue.json(removed),
            },
        )


def _user_failure(user: str, what: str, detail: str) -> dg.Failure:
    return dg.Failure(
        description=f"account {user!r}: {what}: {detail}",
        metadata={"user": dg.MetadataValue.text(user)},
        allow_retries=False,
    )


def _latest_fill(con, user: str) -> datetime | None:
    rows = con.execute("SELECT max(created_time) FROM raw.portfolio_fills WHERE user_name = ?", [user]).fetchall()
    return rows[0][0] if rows else None


@dg.multi_asset(
    specs=[
        dg.AssetSpec(key, description=_DESCRIPTIONS[table], group_name=GROUP, kinds={"duckdb", "polars", "kalshi"},
                     deps=[ACCOUNTS_KEY])
        for key, table in zip(PORTFOLIO_KEYS, PORTFOLIO_TABLES, strict=True)
    ],
    partitions_def=USERS,
    pool=DUCKDB_WRITE_POOL,
    name="portfolio",
    description="One user's Kalshi portfolio, read with signed requests (the user's own key).",
)
def portfolio(
    context: dg.AssetExecutionContext,
    warehouse: WarehouseResource,
    kalshi: KalshiApiResource,
    kalshi_accounts: KalshiAccountsResource,
):
    """Balance, positions, fills and settlements of the partition's user."""
    user = context.partition_key
    sandbox = kalshi.env == "sandbox"
    fetched_at = datetime.now(UTC)
    with open_batch(warehouse, "raw.portfolio_balances") as batch:
        account = store.active_account(batch.con, user)
        if account is None:
            latest = store.latest_account(batch.con, user)
            if latest is None:
                raise _user_failure(user, "no such account", "add it with `kalshi-platform accounts add`")
            when = f"{latest.revoked_at:%Y-%m-%d %H:%M} UTC" if latest.revoked_at else "earlier"
            raise _user_failure(
                user, f"key {latest.key_id!r} was revoked ({latest.revoked_reason or 'revoked'}, {when})",
                f"rotate or add a key: `kalshi-platform accounts rotate {user}`",
            )
        try:
            cipher, _ = kalshi_accounts.cipher(sandbox=sandbox)
            if sandbox and account.origin == "sandbox" and user == kalshi_accounts.demo_user:
                account, _ = ensure_sandbox_demo_user(batch.con, cipher, user)
            client = account_client(account, cipher, kalshi, batch.reject_log)
        except (AccountClientError, CredentialError) as exc:
            raise _user_failure(user, f"key {account.key_id!r} cannot sign", str(exc)) from None
        since = _latest_fill(batch.con, user)
        source = f"kalshi portfolio of {user}"
        try:
            with client:
                balance = client.get_balance()
                positions = client.get_positions()
                fills = client.get_fills(min_ts=int((since - FILLS_OVERLAP).timestamp()) if since else None)
                settlements = client.get_settlements()
        except AuthError as exc:
            raise _user_failure(
                user, f"Kalshi refused key {account.key_id!r} (fingerprint {account.key_fingerprint})",
                f"{exc}. The key id or private key is wrong, or the key was deleted on Kalshi; "
                f"rotate it: `kalshi-platform accounts rotate {user}`",
            ) from None
        except HttpError as exc:
            raise _user_failure(user, "portfolio could not be read", str(exc)) from None
        common = dict(user=user, fetched_at=fetched_at, batch_id=batch.batch_id)
        parsed = {
            "raw.portfolio_balances": pf.parse_balance(balance, source=f"{source} /balance", **common),
            "raw.portfolio_positions": pf.parse_positions(positions.items, source=f"{source} /positions", **common),
            "raw.portfolio_fills": pf.parse_fills(fills.items, source=f"{source} /fills", **common),
            "raw.portfolio_settlements": pf.parse_settlements(settlements.items, source=f"{source} /settlements",
                                                              **common),
        }
        complete = {
            "raw.portfolio_positions": positions.complete,
            "raw.portfolio_fills": fills.complete,
            "raw.portfolio_settlements": settlements.complete,
        }
        table = "raw.portfolio_balances"
        rows = parsed[table]
        writes.upsert(batch.con, table, rows.rows, pf.NATURAL_KEYS[table])
        batch.rows_written = rows.rows.height
        batch.write_rejects([rows.rejects])
        yield _result(batch, table, rows.rows, user)
    for table in PORTFOLIO_TABLES[1:]:
        rows = parsed[table]
        with open_batch(warehouse, table) as batch:
            if not complete[table]:
                batch.incomplete(f"{table} of {user}: pagination did not complete")
            if table == "raw.portfolio_positions":
                # Current state: a position closed since the last read must disappear, so the user's rows
                # are replaced whole, unless the read was partial (then only what was read is upserted).
                if complete[table]:
                    writes.replace_partition(batch.con, table, rows.rows, "user_name", [user])
                else:
                    writes.upsert(batch.con, table, rows.rows, pf.NATURAL_KEYS[table])
            else:
                writes.upsert(batch.con, table, rows.rows, pf.NATURAL_KEYS[table])
            batch.rows_written = rows.rows.height
            batch.write_rejects([rows.rejects])
            yield _result(batch, table, rows.rows, user)


def _result(batch, table: str, rows: pl.DataFrame, user: str) -> dg.MaterializeResult:
    result = table_result(batch, table, rows.drop("raw_json"), extra={"user": dg.MetadataValue.text(user)})
    return dg.MaterializeResult(asset_key=dg.AssetKey(table.split(".")), metadata=result.metadata)


portfolio_job = dg.define_asset_job(
    "accounts_portfolio_job",
    selection=dg.AssetSelection.assets(*PORTFOLIO_KEYS),
    partitions_def=USERS,
    description="Read one user's Kalshi portfolio (pick the user as the partition).",
)


@dg.sensor(
    job=portfolio_job,
    minimum_interval_seconds=3600,
    default_status=dg.DefaultSensorStatus.STOPPED,
    description=(
        "Keeps the user partitions in step with the account store and refreshes every active user's portfolio "
        "hourly (one run per user, so one bad key never blocks the others)."
    ),
)
def kalshi_accounts_sensor(context: dg.SensorEvaluationContext, warehouse: WarehouseResource):
    with warehouse.connect(read_only=True) as con:
        # The table appears with the first run; until then there is nothing to do. Any other failure to
        # read the store fails the tick (visible in the UI) rather than passing for "no users".
        if not table_exists(con, store.TABLE):
            return dg.SkipReason(f"account store {store.TABLE} does not exist yet")
        active = store.active_users(con)
    existing = set(context.instance.get_dynamic_partitions(USERS.name))
    hour = datetime.now(UTC).strftime("%Y%m%d%H")
    return dg.SensorResult(
        dynamic_partitions_requests=[
            USERS.build_add_request(sorted(set(active) - existing)),
            USERS.build_delete_request(sorted(existing - set(active))),
        ],
        run_requests=[dg.RunRequest(run_key=f"{user}:{hour}", partition_key=user) for user in active],
    )


ASSETS = [kalshi_accounts, portfolio]
