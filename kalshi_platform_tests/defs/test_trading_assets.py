"""The trading domain end to end on the embedded exchange, with hand-made signal tables (the signals contract)."""

from __future__ import annotations

import json
import logging
import shutil
from datetime import datetime, timedelta
from decimal import Decimal as D
from pathlib import Path

import dagster as dg
import pytest

from kalshi_platform.clients.telegram import TelegramClient
from kalshi_platform.defs.accounts.assets import kalshi_accounts
from kalshi_platform.defs.accounts.resources import KalshiAccountsResource
from kalshi_platform.defs.markets.assets import kalshi_events, kalshi_market_snapshots, kalshi_markets, kalshi_series
from kalshi_platform.defs.markets.quotes import quotes_latest
from kalshi_platform.defs.nba_props.resources import OddsApiResource
from kalshi_platform.defs.resources import KalshiApiResource, UniverseConfig, sandbox_exchange
from kalshi_platform.defs.trading import ASSETS as TRADING_ASSETS
from kalshi_platform.defs.trading.alerts import alert_events, run_failure_alert
from kalshi_platform.defs.trading.calibration import calibration
from kalshi_platform.defs.trading.orders import paper_orders
from kalshi_platform.defs.trading.resources import TelegramResource, TradingConfigResource
from kalshi_platform.defs.trading.signals import signals
from kalshi_platform.sandbox.telegram_api import SANDBOX_CHAT_ID, mount_telegram
from kalshi_platform.sandbox.transport import SandboxTransport
from kalshi_platform.warehouse import Warehouse
from kalshi_platform.warehouse.resource import WarehouseResource
from kalshi_platform_tests.defs.conftest import ALL_STATUSES, FROZEN_NOW

NOW = datetime.fromisoformat(FROZEN_NOW)
CONTRACT_DDL = """
    as_of TIMESTAMPTZ, ticker VARCHAR, model_prob DOUBLE, yes_ask DECIMAL(18,6), no_ask DECIMAL(18,6),
    direction VARCHAR, edge_bps DOUBLE, confidence DOUBLE, expiry TIMESTAMPTZ, skip_reason VARCHAR,
    own_column VARCHAR
"""


@pytest.fixture(scope="module")
def market_db(tmp_path_factory) -> Path:
    """A warehouse with the sandbox's markets and quotes at FROZEN_NOW, built once for the module."""
    folder = tmp_path_factory.mktemp("markets")
    resources = {
        "warehouse": WarehouseResource(path=str(folder / "w.duckdb"), snapshot_path=str(folder / "s.duckdb")),
        "kalshi": kalshi_resource(),
        "universe": UniverseConfig(market_statuses=ALL_STATUSES),
    }
    result = dg.materialize([kalshi_series, kalshi_events, kalshi_markets, kalshi_market_snapshots, quotes_latest],
                            resources=resources)
    assert result.success
    return folder / "w.duckdb"


def kalshi_resource(now: str = FROZEN_NOW, env: str = "sandbox") -> KalshiApiResource:
    return KalshiApiResource(env=env, sandbox_faults="none", sandbox_now=now, rate_tier="prime")


class Setup:
    def __init__(self, folder: Path, market_db: Path) -> None:
        self.folder = folder
        self.path = folder / "w.duckdb"
        shutil.copy(market_db, self.path)
        self.instance = dg.DagsterInstance.ephemeral()

    def warehouse(self) -> Warehouse:
        return Warehouse(str(self.path), str(self.folder / "s.duckdb"))

    def resources(self, now: str = FROZEN_NOW, env: str = "sandbox", trading: TradingConfigResource | None = None,
                  telegram: TelegramResource | None = None) -> dict:
        return {
            "warehouse": WarehouseResource(path=str(self.path), snapshot_path=str(self.folder / "s.duckdb")),
            "kalshi": kalshi_resource(now, env),
            "odds_api": OddsApiResource(sandbox_faults="none", sandbox_now=now, rate_tier="prime",
                                        api_key="trading-tests-key"),  # its own quota on the shared exchange
            "kalshi_accounts": KalshiAccountsResource(encryption_key="9y6zyDHuLyWPmPXvUlEfD0ju6V8oZkmq3VNQ0V7qB1M="),
            "trading": trading or TradingConfigResource(),
            "telegram": telegram or TelegramResource(),
        }

    def run(self, assets=None, **kwargs) -> dg.ExecuteInProcessResult:
        assets = assets or [kalshi_accounts, *TRADING_ASSETS]
        return dg.materialize(assets, resources=self.resources(**kwargs), instance=self.instance, raise_on_error=False)

    def query(self, sql: str, params: list | None = None) -> list[tuple]:
        with self.warehouse().connect(read_only=True) as con:
            return con.execute(sql, params or []).fetchall()

    def open_markets(self, n: int) -> list[tuple]:
        return self.query(
            """SELECT ticker, yes_ask, no_ask FROM core.quotes_latest
               WHERE status = 'active' AND yes_ask BETWEEN 0.10 AND 0.80 AND no_ask < 0.95
               ORDER BY ticker LIMIT ?""", [n])

    def signal_table(self, table: str, rows: list[tuple]) -> None:
        """Create a signal table with the contract's columns and these rows."""
        with self.warehouse().connect() as con:
            con.execute(f"CREATE OR REPLACE TABLE {table} ({CONTRACT_DDL})")
            for row in rows:
                con.execute(f"INSERT INTO {table} VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'x')", list(row))

    def edges(self, n: int, as_of: datetime = NOW, edge: float = 900.0, lift: float = 0.12) -> list[tuple]:
        return [
            (as_of, t, float(ya) + lift, ya, na, "buy_yes", edge, 0.8, as_of + timedelta(hours=6), None)
            for t, ya, na in self.open_markets(n)
        ]


@pytest.fixture
def setup(tmp_path, market_db) -> Setup:
    s = Setup(tmp_path, market_db)
    yield s
    s.instance.dispose()


def metadata(result: dg.ExecuteInProcessResult, node: str) -> dict:
    return {k: v.value for k, v in result.asset_materializations_for_node(node)[0].metadata.items()}


def demo_account_orders(setup: Setup, now: str = FROZEN_NOW) -> dict:
    key_id = setup.query("SELECT key_id FROM meta.kalshi_accounts WHERE user_name='demo' AND revoked_at IS NULL")[0][0]
    exchange = sandbox_exchange(7, "none", 1, "prime", now)
    return exchange.portfolio.accounts[key_id].orders


def test_a_cycle_places_simulated_and_signed_sandbox_demo_orders(setup):
    setup.signal_table("signals.btc_edges", setup.edges(8))
    setup.signal_table("signals.weather_signals", [
        (NOW, None, 0.5, None, None, None, None, 0.9, NOW + timedelta(hours=5), "no market for the bracket"),
    ])
    result = setup.run()
    assert result.success
    stored = setup.query("SELECT count(*), count(*) FILTER (WHERE actionable) FROM signals.signals")[0]
    assert stored == (9, 8)
    orders = setup.query("""SELECT mode, status, count, limit_price, external_order_id, filled_count, avg_price,
                                   fees_paid, unrealized_pnl, account, failure_reason
                            FROM trading.paper_orders ORDER BY mode, ticker""")
    by_mode = {m: [o for o in orders if o[0] == m] for m in ("simulate", "kalshi_demo")}
    assert len(by_mode["simulate"]) == len(by_mode["kalshi_demo"]) == 5  # demo_safe caps 5 orders a cycle
    for _, status, count, limit, external, filled, avg, fees, unrealized, account, reason in by_mode["kalshi_demo"]:
        assert status == "executed" and external and filled == count and avg <= limit and fees > 0
        assert account == "account:demo" and reason is None and unrealized is not None
    for _, status, count, limit, external, filled, avg, fees, _, account, _ in by_mode["simulate"]:
        assert status == "executed" and external is None and filled == count and avg == limit and fees > 0
    # The exchange holds the demo user's signed orders, under our client order ids.
    exchange_orders = demo_account_orders(setup)
    ids = {o[0] for o in setup.query("SELECT order_id FROM trading.paper_orders WHERE mode='kalshi_demo'")}
    assert {o.client_order_id for o in exchange_orders.values()} == ids
    meta = metadata(result, "trading__paper_orders")
    assert meta["orders_placed_now"] == 10
    assert meta["cycle_orders_by_status"] == {"kalshi_demo/executed": 5, "simulate/executed": 5}
    assert meta["skip_reasons"]["kalshi_demo"] == {"cap_reached": 3, "no_market": 1}


def test_rerunning_a_cycle_orders_nothing_new_and_alerts_nothing_twice(setup):
    # More signals than the cap: a re-run must place the same 5, not the next strongest ones.
    setup.signal_table("signals.btc_edges", setup.edges(8))
    telegram = mount_telegram(sandbox_exchange(7, "none", 1, "prime", FROZEN_NOW))
    before = len(telegram.messages)
    assert setup.run().success
    first = setup.query("SELECT order_id, status, filled_count FROM trading.paper_orders ORDER BY 1")
    assert len(first) == 10
    alerts = setup.query("SELECT alert_type, status, attempts FROM trading.alert_events ORDER BY 1")
    assert alerts == [("executions", "sent", 1), ("signals", "sent", 1)]
    delivered = telegram.messages[before:]
    assert len(delivered) == 2 and all(m.chat_id == SANDBOX_CHAT_ID for m in delivered)
    assert any("Paper orders" in m.text for m in delivered) and any("Kalshi signals" in m.text for m in delivered)
    exchange_orders = len(demo_account_orders(setup))
    assert setup.run().success
    assert setup.query("SELECT order_id, status, filled_count FROM trading.paper_orders ORDER BY 1") == first
    assert setup.query("SELECT alert_type, status, attempts FROM trading.alert_events ORDER BY 1") == alerts
    assert len(telegram.messages) == before + 2
    assert len(demo_account_orders(setup)) == exchange_orders


def test_a_failed_telegram_send_is_recorded_and_retried_next_cycle(setup):
    setup.signal_table("signals.btc_edges", setup.edges(2))
    telegram = mount_telegram(sandbox_exchange(7, "none", 1, "prime", FROZEN_NOW))
    telegram.fail_next(2, status=502)
    assert setup.run().success
    failed = setup.query("SELECT alert_type, status, reason, attempts, sent_at FROM trading.alert_events ORDER BY 1")
    assert [(a, s, n, t) for a, s, _, n, t in failed] == [("executions", "failed", 1, None), ("signals", "failed", 1, None)]
    assert all("HTTP 502" in reason for _, _, reason, _, _ in failed)
    before = len(telegram.messages)
    assert setup.run([alert_events]).success
    retried = setup.query("SELECT alert_type, status, reason, attempts FROM trading.alert_events ORDER BY 1")
    assert retried == [("executions", "sent", None, 2), ("signals", "sent", None, 2)]
    assert len(telegram.messages) == before + 2
    assert setup.run([alert_events]).success  # and never a third time
    assert len(telegram.messages) == before + 2


def test_next_cycle_cooldowns_orders_and_alerts_on_the_same_markets(setup, market_db):
    setup.signal_table("signals.btc_edges", setup.edges(2))
    assert setup.run().success
    later = (NOW + timedelta(minutes=10)).isoformat()
    setup.signal_table("signals.btc_edges", setup.edges(2, as_of=NOW + timedelta(minutes=10)))
    result = setup.run(now=later)
    assert result.success
    assert setup.query("SELECT count(*) FROM trading.paper_orders")[0][0] == 4  # 2 markets x 2 modes, once
    skipped = metadata(result, "trading__paper_orders")["skip_reasons"]
    assert skipped == {"simulate": {"cooldown": 2}, "kalshi_demo": {"cooldown": 2}}
    alerts = setup.query("SELECT alert_type, status, reason FROM trading.alert_events WHERE status = 'skipped'")
    assert alerts == [("signals", "skipped", "cooldown: 2 item(s) already alerted within 60 min")]


def test_live_orders_are_blocked_without_both_opt_ins_and_never_leave_the_platform(setup):
    from kalshi_platform.core.trading.config import REAL_MONEY_CONFIRMATION

    setup.signal_table("signals.btc_edges", setup.edges(2))
    live = TradingConfigResource(bot_mode="live_safe", min_edge_bps=100.0, min_confidence=0.5)
    assert setup.run([kalshi_accounts, signals, paper_orders], trading=live).success
    rows = setup.query("SELECT mode, status, failure_reason FROM trading.paper_orders WHERE mode = 'kalshi_live'")
    assert rows and all(s == "blocked" and "KALSHI_ENV=prod" in r for _, s, r in rows)
    # Even with both opt-ins: the signals come from the simulated exchange, so no real order.
    opted = TradingConfigResource(bot_mode="live_auto", real_money_enabled=True,
                                  real_money_confirm=REAL_MONEY_CONFIRMATION, min_confidence=0.5)
    setup.signal_table("signals.btc_edges", setup.edges(3, as_of=NOW + timedelta(minutes=1)))
    assert setup.run([signals, paper_orders], trading=opted, now=(NOW + timedelta(minutes=1)).isoformat()).success
    statuses = setup.query("SELECT DISTINCT status FROM trading.paper_orders WHERE mode = 'kalshi_live'")
    assert statuses == [("blocked",)]


def test_actionable_only_controls_the_signal_digest(setup):
    rows = setup.edges(2) + [(NOW, t, float(ya) + 0.01, ya, na, "buy_yes", 120.0, 0.9, NOW + timedelta(hours=6), None)
                             for t, ya, na in setup.open_markets(4)[2:]]
    setup.signal_table("signals.btc_edges", rows)
    assert setup.run([kalshi_accounts, signals, paper_orders, alert_events]).success
    text = setup.query("SELECT message_text FROM trading.alert_events WHERE alert_type = 'signals'")[0][0]
    assert text.count("BUY YES") == 2 and "actionable only" in text
    every = TelegramResource(actionable_only=False)
    setup.signal_table("signals.btc_edges", [(NOW + timedelta(minutes=61), *r[1:]) for r in rows])
    later = (NOW + timedelta(minutes=61)).isoformat()
    assert setup.run([signals, alert_events], telegram=every, now=later).success
    texts = [t for (t,) in setup.query(
        "SELECT message_text FROM trading.alert_events WHERE alert_type = 'signals' ORDER BY created_at")]
    assert texts[-1].count("BUY YES") == 4 and "every signal with a direction" in texts[-1]


def test_calibration_of_recorded_forecasts_on_settled_markets_hand_checked(setup):
    settled = setup.query(
        """SELECT ticker, result, close_time FROM raw.kalshi_markets
           WHERE status IN ('determined', 'finalized') AND result IN ('yes', 'no') ORDER BY ticker LIMIT 6""")
    assert len(settled) == 6
    probs = [0.9, 0.2, 0.7, 0.4, 0.6, 0.1]
    rows = []
    for (ticker, result, close), p in zip(settled, probs, strict=True):
        as_of = close - timedelta(hours=2)
        rows.append((as_of, ticker, p, D("0.50"), D("0.48"), None, None, 0.5, close, None))
    setup.signal_table("signals.weather_signals", rows)
    result = setup.run([calibration])
    assert result.success
    outcomes = [1 if r == "yes" else 0 for _, r, _ in settled]
    brier = sum((p - y) ** 2 for p, y in zip(probs, outcomes, strict=True)) / 6
    market = 0.51  # mid of YES ask 0.50 and YES bid 1 - 0.48
    brier_market = sum((market - y) ** 2 for y in outcomes) / 6
    stored = setup.query("""SELECT method, n, brier_model, brier_market, brier_skill, reliability
                            FROM signals.calibration WHERE model = 'weather_ensemble' AND horizon = 'all'""")
    assert len(stored) == 1
    method, n, b_model, b_market, skill, reliability = stored[0]
    assert (method, n) == ("recorded", 6)
    assert b_model == pytest.approx(brier) and b_market == pytest.approx(brier_market)
    assert skill == pytest.approx(1 - brier / brier_market)
    assert sum(b["n"] for b in json.loads(reliability)) == 6
    assert setup.query("SELECT horizon FROM signals.calibration WHERE model='weather_ensemble' ORDER BY horizon_order") \
        == [("1-6h",), ("all",)]
    meta = metadata(result, "signals__calibration")
    assert meta["method_by_model"]["weather_ensemble"].startswith("recorded: 6 forecasts")
    assert meta["reliability_diagram"].startswith("![reliability diagram](data:image/png;base64,")
    assert meta["reliability_png_bytes"] > 1000


def test_bot_token_never_reaches_logs_metadata_or_the_warehouse(setup, monkeypatch, caplog):
    caplog.set_level(logging.DEBUG)
    token = "6111111111:AAHsecretTOKENvalueNEVERprintedXYZ12345"
    exchange = sandbox_exchange(7, "none", 1, "prime", FROZEN_NOW)
    api = mount_telegram(exchange)
    api.register_bot(token, "secret_bot")

    def client(self, exchange=None, reject_log=None):
        # The real Bot API host, reached through the embedded exchange instead of the network.
        return TelegramClient(self.bot_token, transport=SandboxTransport(exchange or exchange_), reject_log=reject_log)

    exchange_ = exchange
    monkeypatch.setattr(TelegramResource, "client", client)
    setup.signal_table("signals.btc_edges", setup.edges(2))
    api.fail_next(1, status=400, description="Bad Request: chat not found")
    telegram = TelegramResource(bot_token=token, chat_id="-100123")
    result = setup.run(telegram=telegram)
    assert result.success
    rows = setup.query("SELECT * FROM trading.alert_events")
    assert {r[2] for r in rows} == {"sent", "failed"} and any("chat not found" in str(r) for r in rows)
    events = "\n".join(f"{e.message} {e.event_specific_data!r}" for e in result.all_events)
    everything = "\n".join([str(rows), events, caplog.text])
    assert token not in everything and token.split(":")[1] not in everything
    assert api.delivered_to("-100123")


def test_run_failure_sensor_alerts_once_per_run(setup):
    @dg.op
    def explode():
        raise RuntimeError("the upstream is on fire")

    @dg.job
    def doomed():
        explode()

    result = doomed.execute_in_process(instance=setup.instance, raise_on_error=False)
    assert not result.success
    failure = next(iter(setup.instance.all_logs(result.run_id, of_type=dg.DagsterEventType.RUN_FAILURE)))
    resources = setup.resources()
    telegram = mount_telegram(sandbox_exchange(7, "none", 1, "prime", FROZEN_NOW))
    before = len(telegram.messages)
    for _ in range(2):
        context = dg.build_run_status_sensor_context(
            sensor_name="telegram_run_failure_alert", dagster_event=failure.dagster_event,
            dagster_instance=setup.instance, dagster_run=setup.instance.get_run_by_id(result.run_id),
            resources={k: resources[k] for k in ("warehouse", "kalshi", "telegram")},
        ).for_run_failure()
        run_failure_alert(context)
    rows = setup.query("SELECT alert_type, status, message_text FROM trading.alert_events")
    assert len(rows) == 1 and rows[0][:2] == ("run_failure", "sent")
    assert "doomed" in rows[0][2] and "explode" in rows[0][2] and "the upstream is on fire" in rows[0][2]
    assert len(telegram.messages) == before + 1
    # The next cycle's digest of failed runs knows it was sent: nothing new.
    assert setup.run([alert_events]).success
    assert setup.query("SELECT count(*) FROM trading.alert_events WHERE alert_type = 'run_failure'")[0][0] == 1


def test_run_failure_alert_masks_every_secret_variable(setup, monkeypatch):
    odds_key = "oddsKEYthatMUSTnotLEAK0123456789"
    monkeypatch.setenv("ODDS_API_KEY", odds_key)

    @dg.op
    def leak():
        raise RuntimeError(f"GET https://api.the-odds-api.com/v4/sports?apiKey={odds_key} failed")

    @dg.job
    def leaky():
        leak()

    result = leaky.execute_in_process(instance=setup.instance, raise_on_error=False)
    failure = next(iter(setup.instance.all_logs(result.run_id, of_type=dg.DagsterEventType.RUN_FAILURE)))
    resources = setup.resources()
    telegram = mount_telegram(sandbox_exchange(7, "none", 1, "prime", FROZEN_NOW))
    before = len(telegram.messages)
    run_failure_alert(dg.build_run_status_sensor_context(
        sensor_name="telegram_run_failure_alert", dagster_event=failure.dagster_event,
        dagster_instance=setup.instance, dagster_run=setup.instance.get_run_by_id(result.run_id),
        resources={k: resources[k] for k in ("warehouse", "kalshi", "telegram")},
    ).for_run_failure())
    rows = setup.query("SELECT message_text FROM trading.alert_events WHERE alert_type = 'run_failure'")
    assert len(rows) == 1 and "apiKey=***" in rows[0][0] and odds_key not in rows[0][0]
    assert len(telegram.messages) == before + 1 and odds_key not in str(telegram.messages[-1])


def test_nba_props_gaps_over_the_threshold_are_alerted_once(setup):
    with setup.warehouse().connect() as con:
        con.execute(f"""CREATE OR REPLACE TABLE signals.nba_prop_lines ({CONTRACT_DDL}, game_id VARCHAR,
                        player_lookup VARCHAR, player_name VARCHAR, stat VARCHAR, consensus_line DOUBLE,
                        kalshi_implied_line DOUBLE, kalshi_line DOUBLE, line_discrepancy DOUBLE)""")
        rows = [
            ("KXNBAPTS-26NOV20DENCHA-CHALBALL1-30", "lamelo ball", "LaMelo Ball", 27.5, 23.64, -3.86),
            ("KXNBAPTS-26NOV20HOUWAS-HOUKDURANT7-20", "kevin durant", "Kevin Durant", 17.5, 19.2, 1.7),
            (None, "nobody", "No Kalshi Ladder", 22.5, None, None),
        ]
        for ticker, lookup, name, book, implied, gap in rows:
            con.execute(
                "INSERT INTO signals.nba_prop_lines VALUES (?, ?, 0.5, NULL, NULL, NULL, NULL, 0.5, ?, NULL, 'x', "
                "'26NOV20DENCHA', ?, ?, 'points', ?, ?, ?, ?)",
                [NOW, ticker, NOW + timedelta(hours=4), lookup, name, book, implied, implied, gap],
            )
    assert setup.run([signals, alert_events]).success
    sent = setup.query("SELECT status, item_count, message_text FROM trading.alert_events "
                       "WHERE alert_type = 'props_arbitrage'")
    assert len(sent) == 1 and sent[0][:2] == ("sent", 1)
    assert "LaMelo Ball points: Kalshi 23.6 vs books 27.5 (gap -3.9)" in sent[0][2]
    assert "Durant" not in sent[0][2]  # 1.7 points: under ALERTS_PROPS_MIN_GAP
    assert setup.run([alert_events]).success
    assert setup.query("SELECT count(*) FROM trading.alert_events WHERE alert_type = 'props_arbitrage'")[0][0] == 1


def test_refresh_records_an_unreadable_order_state_instead_of_skipping_it():
    import polars as pl

    from kalshi_platform.clients.http import HttpError
    from kalshi_platform.defs.trading.orders import _refresh_live

    class FakeClient:
        def get_order(self, order_id):
            if order_id == "ext-bad":
                return {"status": "executed", "order_id": "ext-bad", "fill_count": "two"}
            if order_id == "ext-down":
                raise HttpError("GET /portfolio/orders/ext-down: 503")
            return {"status": "executed", "order_id": order_id, "fill_count": 2, "taker_fill_cost": 90}

    orders = pl.DataFrame({
        "order_id": ["a", "b", "c"], "external_order_id": ["ext-bad", "ext-down", "ext-ok"],
        "ticker": ["T"] * 3, "failure_reason": ["first send timed out", None, None],
    })
    updates = _refresh_live(FakeClient(), orders)
    assert updates["a"] == {"failure_reason": "first send timed out; unreadable order state from Kalshi: "
                                              "fill_count is 'two', not a whole count (and fill_count_fp is empty)"}
    assert "b" not in updates  # a transient error: asked again next cycle
    assert updates["c"]["filled_count"] == D("2") and updates["c"]["avg_price"] == D("0.45")
    # Asked again next cycle, the reason is not repeated.
    again = _refresh_live(FakeClient(), orders.with_columns(pl.Series("failure_reason", [updates["a"]["failure_reason"],
                                                                                          None, None])))
    assert again["a"] == updates["a"]
