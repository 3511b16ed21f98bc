"""trading.paper_orders: one cycle of the paper-trading engine, and the follow-up of earlier orders."""

from datetime import datetime

import dagster as dg
import polars as pl

from kalshi_platform.clients.http import AuthError, ClientRequestError, HttpError, RejectLog, RetryPolicy
from kalshi_platform.clients.kalshi.auth import KalshiKeyError, KalshiSigner
from kalshi_platform.clients.kalshi.client import KALSHI_BASE_URLS, KalshiClient
from kalshi_platform.core.credentials import CredentialError
from kalshi_platform.core.money import DECIMAL_DTYPE, MoneyError
from kalshi_platform.core.trading.config import BotConfig, OrderRoute
from kalshi_platform.core.trading.engine import plan_orders
from kalshi_platform.core.trading.orders import order_body, order_id, order_state
from kalshi_platform.core.trading.pnl import order_pnl, simulated_fill
from kalshi_platform.defs.accounts.resources import (
    AccountClientError,
    KalshiAccountsResource,
    account_client,
)
from kalshi_platform.defs.common import DUCKDB_WRITE_POOL, open_batch, table_result
from kalshi_platform.defs.resources import KalshiApiResource
from kalshi_platform.defs.trading.resources import TradingConfigResource
from kalshi_platform.defs.trading.signals import SIGNALS_KEY
from kalshi_platform.warehouse import accounts as store
from kalshi_platform.warehouse import trading_queries as tq
from kalshi_platform.warehouse import writes
from kalshi_platform.warehouse.resource import WarehouseResource

GROUP = "trading"
TABLE = "trading.paper_orders"
ORDERS_KEY = dg.AssetKey(["trading", "paper_orders"])
TS = pl.Datetime("us", "UTC")
ORDER_SCHEMA: dict[str, pl.DataType] = {
    "order_id": pl.String(), "cycle_at": TS, "mode": pl.String(), "target": pl.String(), "account": pl.String(),
    "bot_mode": pl.String(), "trading_profile": pl.String(), "signal_id": pl.String(), "signal_type": pl.String(),
    "ticker": pl.String(), "direction": pl.String(), "side": pl.String(), "model_prob": pl.Float64(),
    "edge_bps": pl.Float64(), "confidence": pl.Float64(), "ask": DECIMAL_DTYPE, "limit_price": DECIMAL_DTYPE,
    "clamped": pl.Boolean(), "count": DECIMAL_DTYPE, "notional": DECIMAL_DTYPE, "fee_estimate": DECIMAL_DTYPE,
    "kelly_fraction": pl.Float64(), "stake_fraction": pl.Float64(), "status": pl.String(),
    "external_order_id": pl.String(), "failure_reason": pl.String(), "filled_count": DECIMAL_DTYPE,
    "avg_price": DECIMAL_DTYPE, "fees_paid": DECIMAL_DTYPE, "market_result": pl.String(),
    "realized_pnl": DECIMAL_DTYPE, "unrealized_pnl": DECIMAL_DTYPE, "created_at": TS, "updated_at": TS,
    "batch_id": pl.String(),
}
LIVE_STATUSES = ("resting",)
# Earlier orders looked up again each cycle (GET /portfolio/orders/{id}), oldest first.
MAX_REFRESH_CALLS = 200


class OrderSetupError(Exception):
    """Orders of a route cannot be signed or sent; the reason is recorded on each order."""


# --------------------------------------------------------------------------------------------------
# Clients per route


def _client(base_url: str, signer: KalshiSigner | None, kalshi: KalshiApiResource, reject_log, transport=None):
    return KalshiClient(
        base_url, transport=transport, signer=signer, tier=kalshi.rate_tier,
        retry=RetryPolicy(max_attempts=kalshi.retry_max_attempts, max_total_s=kalshi.retry_max_total_s),
        timeout_s=kalshi.timeout_s, reject_log=reject_log,
    )


def _host(route: OrderRoute, trading: TradingConfigResource, kalshi: KalshiApiResource) -> str:
    if route.target == "prod":
        return KALSHI_BASE_URLS["prod"]
    if trading.demo_base_url:
        return trading.demo_base_url
    if kalshi.env == "demo" and kalshi.base_url:
        return kalshi.base_url
    return KALSHI_BASE_URLS["demo"]


def order_client(
    route: OrderRoute,
    bot: BotConfig,
    trading: TradingConfigResource,
    kalshi: KalshiApiResource,
    accounts: KalshiAccountsResource,
    con,
    reject_log: RejectLog,
) -> tuple[KalshiClient, str]:
    """(client, account label) that signs this route's orders with the key profile's key."""
    sandbox_target = route.target == "sandbox"
    if bot.key_profile == "direct":
        if not (kalshi.api_key_id and kalshi.private_key_path):
            raise OrderSetupError("KALSHI_KEY_PROFILE=direct needs KALSHI_API_KEY_ID and KALSHI_PRIVATE_KEY_PATH")
        if sandbox_target:
            return kalshi.client(reject_log), "direct"
        return _client(_host(route, trading, kalshi), kalshi.signer(), kalshi, reject_log), "direct"
    bundle = (
        (trading.paper_api_key_id, trading.paper_private_key_path, "KALSHI_PAPER")
        if bot.key_profile == "paper" else
        (trading.real_api_key_id, trading.real_private_key_path, "KALSHI_REAL")
    )
    key_id, key_path, prefix = bundle
    if bool(key_id) != bool(key_path):
        raise OrderSetupError(f"{prefix}_API_KEY_ID and {prefix}_PRIVATE_KEY_PATH go together: set both or neither")
    if key_id and key_path:
        try:
            signer = KalshiSigner.from_pem_file(key_id, key_path)
        except KalshiKeyError as exc:
            raise OrderSetupError(str(exc)) from None
        if sandbox_target:
            from kalshi_platform.sandbox.transport import SANDBOX_KALSHI_BASE_URL, SandboxTransport

            exchange = kalshi.exchange()
            exchange.register_key(signer.key_id, signer.public_key_pem())
            return _client(SANDBOX_KALSHI_BASE_URL, signer, kalshi, reject_log, SandboxTransport(exchange)), bot.key_profile
        return _client(_host(route, trading, kalshi), signer, kalshi, reject_log), bot.key_profile
    if bot.key_profile == "real":
        raise OrderSetupError("KALSHI_KEY_PROFILE=real needs KALSHI_REAL_API_KEY_ID and KALSHI_REAL_PRIVATE_KEY_PATH")
    # Paper orders without a paper bundle: the stored account TRADING_ACCOUNT signs (the sandbox demo user).
    user = trading.trading_account
    account = store.active_account(con, user)
    if account is None:
        raise OrderSetupError(
            f"no paper key: set KALSHI_PAPER_API_KEY_ID / KALSHI_PAPER_PRIVATE_KEY_PATH or add account {user!r} "
            "(`kalshi-platform accounts add`)"
        )
    try:
        cipher, _ = accounts.cipher(sandbox=kalshi.env == "sandbox")
        base_url = None if sandbox_target else _host(route, trading, kalshi)
        return account_client(account, cipher, kalshi, reject_log, base_url=base_url), f"account:{user}"
    except (AccountClientError, CredentialError) as exc:
        raise OrderSetupError(str(exc)) from None


# --------------------------------------------------------------------------------------------------
# Sending and following orders


def _find_by_client_id(client: KalshiClient, ticker: str, client_order_id: str) -> dict | None:
    found = client.get_orders(ticker=ticker, max_pages=5)
    return next((o for o in found.items if o.get("client_order_id") == client_order_id), None)


def _state_update(order: dict) -> dict:
    state = order_state(order)
    return {
        "status": state.status,
        "external_order_id": state.external_order_id,
        "filled_count": state.filled_count,
        "avg_price": state.avg_price,
        "fees_paid": state.fees_paid,
        "failure_reason": None,
    }


def submit(client: KalshiClient, row: dict) -> dict:
    """POST /portfolio/orders for one planned order; the updates to record (never raises for the order)."""
    body = order_body(ticker=row["ticker"], side=row["side"], count=row["count"], limit_price=row["limit_price"],
                      client_order_id=row["order_id"])
    try:
        reply = client.create_order(**body)
        return _state_update(reply["order"])
    except AuthError as exc:
        return {"status": "failed", "failure_reason": f"the exchange refused the key: {exc}"}
    except ClientRequestError as exc:
        if exc.status == 409:
            # Sent before (a retry after a lost reply): the exchange already holds it under our id.
            try:
                existing = _find_by_client_id(client, row["ticker"], row["order_id"])
            except HttpError as lookup:
                return {"status": "failed", "failure_reason": f"{exc}; lookup failed: {lookup}"}
            if existing is not None:
                return _state_update(existing)
        return {"status": "rejected", "failure_reason": str(exc)}
    except HttpError as exc:
        return {"status": "failed", "failure_reason": str(exc)}
    except MoneyError as exc:
        return {"status": "failed", "failure_reason": f"unreadable order reply: {exc}"}


def _refresh_live(client: KalshiClient, orders: pl.DataFrame) -> dict[str, dict]:
    """Kalshi's current state of resting orders, and orders whose send failed in a way that may have
    reached the exchange (found by client_order_id)."""
    updates: dict[str, dict] = {}
    for row in orders.head(MAX_REFRESH_CALLS).iter_rows(named=True):
        try:
            if row["external_order_id"]:
                updates[row["order_id"]] = _state_update(client.get_order(row["external_order_id"]))
            else:
                found = _find_by_client_id(client, row["ticker"], row["order_id"])
                if found is not None:
                    updates[row["order_id"]] = _state_update(found)
        except HttpError:
            continue  # still unknown: the next cycle asks again
        except MoneyError as exc:
            # Not transient: say so on the order (it stays live and is asked again) instead of a silent skip.
            unreadable = "unreadable order state from Kalshi"
            before = (row.get("failure_reason") or "").split(unreadable)[0].rstrip("; ")  # once, not per cycle
            reason = f"{before}; {unreadable}: {exc}" if before else f"{unreadable}: {exc}"
            updates[row["order_id"]] = {"failure_reason": reason}
    return updates


def _new_rows(plan: pl.DataFrame, route: OrderRoute, bot: BotConfig, now: datetime, batch_id: str) -> pl.DataFrame:
    planned = plan.filter(pl.col("decision") == "order")
    ids = [order_id(s, route.mode) for s in planned.get_column("signal_id").to_list()]
    return planned.select(
        pl.Series("order_id", ids, dtype=pl.String),
        pl.lit(now).cast(TS).alias("cycle_at"),
        pl.lit(route.mode).alias("mode"),
        pl.lit(route.target).alias("target"),
        pl.lit(None, pl.String).alias("account"),
        pl.lit(bot.bot_mode).alias("bot_mode"),
        pl.lit(bot.engine.profile.name).alias("trading_profile"),
        "signal_id", "signal_type", "ticker", "direction", "side", "model_prob", "edge_bps", "confidence",
        "ask", "limit_price", "clamped", "count", "notional", "fee_estimate",
        pl.col("kelly_full").alias("kelly_fraction"), "stake_fraction",
        pl.lit(now).cast(TS).alias("created_at"),
        pl.lit(batch_id).alias("batch_id"),
    )


def _conform(frame: pl.DataFrame) -> pl.DataFrame:
    missing = [pl.lit(None, t).alias(c) for c, t in ORDER_SCHEMA.items() if c not in frame.columns]
    frame = frame.with_columns(missing) if missing else frame
    return frame.select(pl.col(c).cast(t) for c, t in ORDER_SCHEMA.items())


def _apply_updates(frame: pl.DataFrame, updates: dict[str, dict]) -> pl.DataFrame:
    if not updates or frame.is_empty():
        return frame
    rows = []
    for row in frame.iter_rows(named=True):
        change = updates.get(row["order_id"])
        rows.append({**row, **change} if change else row)
    return pl.DataFrame(rows, schema=frame.schema)


def follow_up(orders: pl.DataFrame, markets: pl.DataFrame, now: datetime) -> pl.DataFrame:
    """Simulated fills, cancellations at close, market results and P&L for orders not final yet."""
    if orders.is_empty():
        return orders
    m = markets.select(
        "ticker", pl.col("status").alias("_market_status"), pl.col("result").alias("_result"),
        pl.col("yes_bid"), pl.col("no_bid"), pl.col("yes_ask").alias("_yes_ask"), pl.col("no_ask").alias("_no_ask"),
    )
    frame = orders.join(m, on="ticker", how="left")
    current_ask = pl.when(pl.col("side") == "yes").then(pl.col("_yes_ask")).otherwise(pl.col("_no_ask"))
    market_open = (pl.col("_market_status") == "active").fill_null(False)
    filled, avg = simulated_fill(pl.col("limit_price"), pl.col("ask"), current_ask, pl.col("count"), market_open)
    simulate = pl.col("mode") == "simulate"
    settled = pl.col("_result").is_in(["yes", "no", "void"]).fill_null(False)
    closed = pl.col("_market_status").is_in(["closed", "determined", "finalized", "amended", "disputed"]).fill_null(False)
    frame = frame.with_columns((simulate & (pl.col("filled_count").fill_null(0) == 0)).alias("_sim_unfilled"))
    sim_unfilled = pl.col("_sim_unfilled")
    frame = frame.with_columns(
        pl.when(sim_unfilled).then(filled).otherwise(pl.col("filled_count")).alias("filled_count"),
        pl.when(sim_unfilled).then(avg).otherwise(pl.col("avg_price")).alias("avg_price"),
    ).with_columns(
        # A simulated fill pays the taker fee estimated at its limit price.
        pl.when(sim_unfilled & (pl.col("filled_count") > 0)).then(pl.col("fee_estimate"))
        .otherwise(pl.col("fees_paid")).alias("fees_paid"),
        pl.when(simulate & (pl.col("filled_count") > 0)).then(pl.lit("executed"))
        .when(simulate & closed).then(pl.lit("canceled"))
        .when(simulate).then(pl.lit("resting"))
        .otherwise(pl.col("status")).alias("status"),
        pl.when(settled).then(pl.col("_result")).otherwise(pl.col("market_result")).alias("market_result"),
    )
    frame = order_pnl(frame).with_columns(pl.lit(now).cast(TS).alias("updated_at"))
    return frame.drop("_market_status", "_result", "yes_bid", "no_bid", "_yes_ask", "_no_ask", "_sim_unfilled")


# --------------------------------------------------------------------------------------------------
# The asset


@dg.asset(
    key=ORDERS_KEY,
    group_name=GROUP,
    kinds={"duckdb", "polars", "kalshi"},
    pool=DUCKDB_WRITE_POOL,
    deps=[
        SIGNALS_KEY,
        dg.AssetKey(["core", "quotes_latest"]),
        dg.AssetKey(["raw", "kalshi_markets"]),
        dg.AssetKey(["raw", "kalshi_series"]),
        dg.AssetKey(["meta", "kalshi_accounts"]),
    ],
    description=(
        "The paper-trading engine, one cycle per run: signals filtered by type allowlist, minimum edge and "
        "confidence, cooldown per ticker and direction and a cap per cycle; limit price = the ask clamped to "
        "[min, max] cents; size = fractional Kelly of the trading profile. Every order attempt per execution "
        "mode (simulate: recorded; kalshi_demo: signed POST /portfolio/orders on the embedded exchange or "
        "Kalshi's demo host; kalshi_live: real money, only with both opt-ins) with its status, Kalshi order id "
        "and failure reason; fills, results and P&L follow from the exchange's fills and the markets' settlement."
    ),
)
def paper_orders(
    context: dg.AssetExecutionContext,
    warehouse: WarehouseResource,
    kalshi: KalshiApiResource,
    trading: TradingConfigResource,
    kalshi_accounts: KalshiAccountsResource,
) -> dg.MaterializeResult:
    """Plan and place this cycle's orders; bring earlier orders up to date."""
    now = kalshi.now()
    bot = trading.bot()
    routes = trading.routes(kalshi.env)
    engine = bot.engine
    with open_batch(warehouse, TABLE) as batch:
        con = batch.con
        signals = tq.cycle_signals(con, now - engine.max_signal_age)
        signals = signals.drop("yes_ask", "no_ask").rename({"yes_ask_now": "yes_ask", "no_ask_now": "no_ask"})
        new_frames: list[pl.DataFrame] = []
        skipped: dict[str, dict[str, int]] = {}
        clients: dict[tuple[str, str], tuple[KalshiClient, str] | OrderSetupError] = {}
        for route in routes:
            recent = tq.recent_orders(con, route.mode, now - engine.cooldown, now)
            plan = plan_orders(signals, recent, engine, now)
            codes = plan.filter(pl.col("decision") == "skip").get_column("skip_code")
            skipped[route.mode] = dict(codes.value_counts(sort=True).iter_rows()) if codes.len() else {}
            rows = _conform(_new_rows(plan, route, bot, now, batch.batch_id))
            rows = rows.filter(~pl.col("order_id").is_in(sorted(tq.existing_order_ids(con, rows["order_id"].to_list()))))
            if rows.is_empty():
                continue
            if route.target == "none":
                rows = rows.with_columns(pl.lit("resting").alias("status"))
            elif route.blocked:
                rows = rows.with_columns(pl.lit("blocked").alias("status"), pl.lit(route.blocked).alias("failure_reason"))
            else:
                key = (route.mode, route.target)
                if key not in clients:
                    try:
                        clients[key] = order_client(route, bot, trading, kalshi, kalshi_accounts, con, batch.reject_log)
                    except OrderSetupError as exc:
                        clients[key] = exc
                setup = clients[key]
                if isinstance(setup, OrderSetupError):
                    rows = rows.with_columns(pl.lit("failed").alias("status"), pl.lit(str(setup)).alias("failure_reason"))
                else:
                    client, label = setup
                    updates = {r["order_id"]: submit(client, r) for r in rows.iter_rows(named=True)}
                    rows = _apply_updates(rows.with_columns(pl.lit(label).alias("account")), updates)
            new_frames.append(rows)
        new = pl.concat(new_frames) if new_frames else _conform(pl.DataFrame())

        # Earlier orders: Kalshi's state of the live ones, then simulated fills, results and P&L.
        earlier = _conform(tq.open_orders(con))
        earlier = earlier.filter(~pl.col("order_id").is_in(new.get_column("order_id").implode()))
        refreshed: dict[str, dict] = {}
        for (mode, target), setup in _clients_for_refresh(earlier, routes, clients, bot, trading, kalshi,
                                                          kalshi_accounts, con, batch.reject_log).items():
            pending = earlier.filter(
                (pl.col("mode") == mode) & (pl.col("target") == target)
                & (pl.col("status").is_in(LIVE_STATUSES) | ((pl.col("status") == "failed")
                                                          & pl.col("external_order_id").is_null()))
            )
            if not pending.is_empty():
                refreshed.update(_refresh_live(setup[0], pending))
        earlier = _apply_updates(earlier, refreshed)
        touched = pl.concat([new, earlier])
        markets = tq.market_states(con, sorted(set(touched.get_column("ticker").drop_nulls().to_list())))
        touched = _conform(follow_up(touched, markets, now)).with_columns(pl.lit(batch.batch_id).alias("batch_id"))
        for setup in clients.values():
            if not isinstance(setup, OrderSetupError):
                setup[0].close()
        writes.upsert(con, TABLE, touched, ["order_id"])
        batch.rows_written = touched.height
        cycle = touched.filter(pl.col("cycle_at") == now)
        by_status = {f"{m}/{s}": n for m, s, n in cycle.group_by("mode", "status").len().sort("mode", "status").iter_rows()}
        context.log.info(f"cycle {now.isoformat()}: {new.height} order(s) placed now; the cycle holds {by_status}; "
                         f"{earlier.height} followed up")
        return table_result(
            batch, TABLE, cycle,
            extra={
                "cycle_at": dg.MetadataValue.text(now.isoformat()),
                "bot_mode": dg.MetadataValue.text(bot.bot_mode),
                "modes": dg.MetadataValue.json({r.mode: {"target": r.target, "blocked": r.blocked} for r in routes}),
                "trading_profile": dg.MetadataValue.text(engine.profile.name),
                "signals_in_cycle": dg.MetadataValue.int(signals.height),
                "orders_placed_now": dg.MetadataValue.int(new.height),
                "cycle_orders_by_status": dg.MetadataValue.json(by_status),
                "skip_reasons": dg.MetadataValue.json(skipped),
                "orders_followed_up": dg.MetadataValue.int(earlier.height),
                "live_orders_refreshed": dg.MetadataValue.int(len(refreshed)),
            },
        )


def _clients_for_refresh(earlier, routes, clients, bot, trading, kalshi, accounts, con, reject_log):
    """A client per (mode, target) of earlier live orders that the current configuration can still sign."""
    out = {}
    wanted = {
        (m, t) for m, t in earlier.filter(pl.col("mode") != "simulate").select("mode", "target").unique().iter_rows()
    }
    for route in routes:
        key = (route.mode, route.target)
        if key not in wanted or route.blocked or route.target == "none":
            continue
        if key not in clients:
            try:
                clients[key] = order_client(route, bot, trading, kalshi, accounts, con, reject_log)
            except OrderSetupError as exc:
                clients[key] = exc
        if not isinstance(clients[key], OrderSetupError):
            out[key] = clients[key]
    return out

