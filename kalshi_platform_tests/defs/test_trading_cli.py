"""`kalshi-platform trading stats` (and `debug-stats`): orders by status, P&L, alerts by status."""

from __future__ import annotations

from kalshi_platform import cli
from kalshi_platform.sandbox.telegram_api import mount_telegram
from kalshi_platform.defs.resources import sandbox_exchange
from kalshi_platform_tests.defs.conftest import FROZEN_NOW
from kalshi_platform_tests.defs.test_trading_assets import Setup, market_db  # noqa: F401 - the module fixture


def test_trading_stats_shows_orders_pnl_and_alerts(tmp_path, market_db, capsys):  # noqa: F811
    setup = Setup(tmp_path, market_db)
    setup.signal_table("signals.btc_edges", setup.edges(3))
    mount_telegram(sandbox_exchange(7, "none", 1, "prime", FROZEN_NOW)).fail_next(1, status=500)
    assert setup.run().success
    setup.instance.dispose()
    assert cli.main(["trading", "stats", "--db", str(setup.path)]) == 0
    out = capsys.readouterr().out
    for title in ("signals:", "paper orders by status:", "P&L by mode ($):", "alerts by status:", "accounts:"):
        assert title in out
    orders = out.split("paper orders by status:")[1].split("P&L")[0]
    assert "kalshi_demo  executed  3" in orders and "simulate     executed  3" in orders
    pnl = out.split("P&L by mode ($):")[1].split("order failures")[0]
    assert "kalshi_demo" in pnl and "simulate" in pnl
    alerts = out.split("alerts by status:")[1].split("alert reasons")[0]
    assert "failed" in alerts and "sent" in alerts
    assert "HTTP 500" in out.split("alert reasons:")[1]
    assert cli.main(["debug-stats", "--db", str(setup.path)]) == 0
    assert capsys.readouterr().out == out


def test_trading_stats_without_a_warehouse(tmp_path, capsys):
    assert cli.main(["trading", "stats", "--db", str(tmp_path / "none.duckdb")]) == 2
    assert "run `make run` first" in capsys.readouterr().err
