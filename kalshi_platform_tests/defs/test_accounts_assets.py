"""Per-user portfolio assets: signed reads per stored user, one bad key never blocks the others, no secret leaks."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import dagster as dg
import pytest

from kalshi_platform.core.credentials import generate_encryption_key, generate_private_key_pem, load_cipher
from kalshi_platform.defs.accounts.assets import kalshi_accounts, portfolio
from kalshi_platform.defs.accounts import resources as account_resources
from kalshi_platform.defs.accounts.resources import KalshiAccountsResource, account_client
from kalshi_platform.defs.resources import KalshiApiResource
from kalshi_platform.warehouse import Warehouse
from kalshi_platform.warehouse import accounts as store
from kalshi_platform.warehouse.resource import WarehouseResource
from kalshi_platform_tests.defs.conftest import FROZEN_NOW

ENCRYPTION_KEY = generate_encryption_key()


def _resources(tmp_path, key: str | None = ENCRYPTION_KEY) -> dict:
    return {
        "warehouse": WarehouseResource(path=str(tmp_path / "w.duckdb"), snapshot_path=str(tmp_path / "s.duckdb")),
        "kalshi": KalshiApiResource(sandbox_faults="none", sandbox_now=FROZEN_NOW, rate_tier="prime"),
        "kalshi_accounts": KalshiAccountsResource(encryption_key=key),
    }


def _warehouse(tmp_path) -> Warehouse:
    return Warehouse(str(tmp_path / "w.duckdb"), str(tmp_path / "s.duckdb"))


def _event_text(result: dg.ExecuteInProcessResult) -> str:
    parts = []
    for event in result.all_events:
        parts.append(event.message or "")
        parts.append(repr(event.event_specific_data))
    return "\n".join(parts)


def _buy_something(resources, user: str) -> str:
    """Place one marketable order for the user through the sandbox, as the paper engine would."""
    with _warehouse_from(resources).connect() as con:
        account = store.active_account(con, user)
    cipher = load_cipher(ENCRYPTION_KEY)
    kalshi = resources["kalshi"]
    with account_client(account, cipher, kalshi) as client:
        markets = client.get_markets(status="open", series_ticker="KXNBAGAME").items
        market = next(m for m in markets if m["yes_ask_dollars"] not in ("0.0000", "1.0000"))
        client.create_order(ticker=market["ticker"], side="yes", action="buy", count=3, type="limit",
                            yes_price_dollars=market["yes_ask_dollars"], client_order_id=f"t-{user}")
    return market["ticker"]


def _warehouse_from(resources) -> Warehouse:
    wh = resources["warehouse"]
    return Warehouse(wh.path, wh.snapshot_path)


@pytest.fixture
def instance():
    with dg.DagsterInstance.ephemeral() as inst:
        yield inst


def test_demo_user_is_created_and_its_portfolio_loads_through_signed_requests(tmp_path, instance, caplog, capsys):
    caplog.set_level(logging.DEBUG)
    resources = _resources(tmp_path)
    first = dg.materialize([kalshi_accounts], resources=resources, instance=instance)
    assert first.success
    assert instance.get_dynamic_partitions("kalshi_accounts") == ["demo"]
    ticker = _buy_something(resources, "demo")
    result = dg.materialize([portfolio], resources=resources, instance=instance, partition_key="demo")
    assert result.success
    with _warehouse(tmp_path).connect(read_only=True) as con:
        balance = con.execute("SELECT balance FROM raw.portfolio_balances WHERE user_name = 'demo'").fetchall()
        positions = con.execute("SELECT ticker, position FROM raw.portfolio_positions WHERE user_name='demo'").fetchall()
        fills = con.execute("SELECT ticker, count, is_taker FROM raw.portfolio_fills WHERE user_name='demo'").fetchall()
        stored = con.execute("SELECT * FROM meta.kalshi_accounts").fetchall()
    assert len(balance) == 1 and balance[0][0] < 10_000  # the order's cost left the $10,000 account
    assert positions == [(ticker, 3)]
    assert fills and all(t == ticker for t, _, _ in fills) and sum(c for _, c, _ in fills) == 3
    # Nothing secret in the warehouse, the events or the logs: not the key, not the encryption key.
    with _warehouse(tmp_path).connect() as con:
        pem = store.active_account(con, "demo").private_key_pem(load_cipher(ENCRYPTION_KEY)).decode()
    body = pem.split("-----")[2].strip().splitlines()[1]
    everything = "\n".join([str(stored), _event_text(first), _event_text(result), caplog.text, capsys.readouterr().out])
    assert body not in everything and ENCRYPTION_KEY not in everything and "PRIVATE KEY" not in everything


def test_a_wrong_or_revoked_key_fails_only_its_user(tmp_path, instance):
    resources = _resources(tmp_path)
    assert dg.materialize([kalshi_accounts], resources=resources, instance=instance).success
    cipher = load_cipher(ENCRYPTION_KEY)
    now = datetime(2026, 11, 20, tzinfo=UTC)
    with _warehouse(tmp_path).connect() as con:
        # bob's key was never issued by the exchange: Kalshi answers 401 unknown API key.
        store.add_account(con, cipher, user="bob", key_id="bob-key", private_key_pem=generate_private_key_pem(),
                          environment="sandbox", origin="user", now=now)
        store.add_account(con, cipher, user="carol", key_id="carol-key", private_key_pem=generate_private_key_pem(),
                          environment="sandbox", origin="sandbox", now=now)
        store.remove_account(con, "carol", now=now)
        store.add_account(con, cipher, user="alice", key_id="alice-key", private_key_pem=generate_private_key_pem(),
                          environment="sandbox", origin="sandbox", now=now)
    instance.add_dynamic_partitions("kalshi_accounts", ["alice", "bob", "carol"])
    outcomes = {}
    for user in ("alice", "bob", "carol", "demo"):
        result = dg.materialize([portfolio], resources=resources, instance=instance, partition_key=user,
                                raise_on_error=False)
        failures = [e for e in result.all_events if e.is_step_failure]
        outcomes[user] = (result.success, failures[0].event_specific_data.error.message if failures else "")
    assert outcomes["alice"][0] and outcomes["demo"][0]
    assert not outcomes["bob"][0]
    assert "account 'bob'" in outcomes["bob"][1] and "refused key 'bob-key'" in outcomes["bob"][1]
    assert "HTTP 401" in outcomes["bob"][1] and "rotate" in outcomes["bob"][1]
    assert not outcomes["carol"][0]
    assert "account 'carol'" in outcomes["carol"][1] and "revoked" in outcomes["carol"][1]
    with _warehouse(tmp_path).connect(read_only=True) as con:
        loaded = {u for (u,) in con.execute("SELECT DISTINCT user_name FROM raw.portfolio_balances").fetchall()}
    assert loaded == {"alice", "demo"}


def test_rematerializing_a_user_never_duplicates_rows(tmp_path, instance):
    resources = _resources(tmp_path)
    assert dg.materialize([kalshi_accounts], resources=resources, instance=instance).success
    _buy_something(resources, "demo")
    for _ in range(2):
        assert dg.materialize([portfolio], resources=resources, instance=instance, partition_key="demo").success
    with _warehouse(tmp_path).connect(read_only=True) as con:
        fills = con.execute("SELECT count(*), count(DISTINCT fill_id) FROM raw.portfolio_fills").fetchone()
        positions = con.execute("SELECT count(*) FROM raw.portfolio_positions").fetchone()[0]
        balances = con.execute("SELECT count(*) FROM raw.portfolio_balances").fetchone()[0]
    assert fills[0] == fills[1] > 0
    assert positions == 1
    assert balances == 2  # the balance is a time series: one row per read


def test_without_an_encryption_key_the_sandbox_rekeys_its_demo_user(tmp_path, instance, monkeypatch):
    resources = _resources(tmp_path, key=None)
    result = dg.materialize([kalshi_accounts], resources=resources, instance=instance)
    assert result.success
    metadata = result.asset_materializations_for_node("meta__kalshi_accounts")[0].metadata
    assert "per-run key" in metadata["encryption"].value
    assert dg.materialize([portfolio], resources=resources, instance=instance, partition_key="demo").success
    with _warehouse(tmp_path).connect(read_only=True) as con:
        first_key = store.active_account(con, "demo").key_id
    # A new process has a new per-run key: the old ciphertext is unreadable, so the demo user is re-keyed.
    monkeypatch.setattr(account_resources, "_process_key", [])
    assert dg.materialize([kalshi_accounts], resources=resources, instance=instance).success
    assert dg.materialize([portfolio], resources=resources, instance=instance, partition_key="demo").success
    with _warehouse(tmp_path).connect(read_only=True) as con:
        rows = {a.key_id: a for a in store.list_accounts(con) if a.user_name == "demo"}
    assert len(rows) == 2 and rows[first_key].revoked_reason == "rotated"
    assert [k for k, a in rows.items() if a.active] != [first_key]


def test_accounts_sensor_follows_the_store_and_does_not_hide_read_errors(tmp_path, monkeypatch):
    from kalshi_platform.defs.accounts import assets as account_assets

    warehouse = _resources(tmp_path)["warehouse"]
    with _warehouse(tmp_path).connect() as con:
        store.add_account(con, load_cipher(ENCRYPTION_KEY), user="eve", key_id="eve-key",
                          private_key_pem=generate_private_key_pem(), environment="sandbox", origin="user",
                          now=datetime(2026, 11, 20, tzinfo=UTC))
    with dg.DagsterInstance.ephemeral() as instance:
        def tick():
            return account_assets.kalshi_accounts_sensor(
                dg.build_sensor_context(instance=instance, resources={"warehouse": warehouse}))

        result = tick()
        added = [r for r in result.dynamic_partitions_requests if isinstance(r, dg.AddDynamicPartitionsRequest)]
        assert added[0].partition_keys == ["eve"]
        # Before the first run creates the store there is nothing to do ...
        monkeypatch.setattr(account_assets, "table_exists", lambda con, table: False)
        assert isinstance(tick(), dg.SkipReason)
        # ... but a store that exists and cannot be read fails the tick instead of passing for "no users".
        monkeypatch.setattr(account_assets, "table_exists", lambda con, table: True)

        def broken(con):
            raise RuntimeError("store unreadable")

        monkeypatch.setattr(account_assets.store, "active_users", broken)
        with pytest.raises(Exception, match="store unreadable"):
            tick()
