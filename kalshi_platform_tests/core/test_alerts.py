"""Alert digests: readable formatting, never the same alert twice, cooldown per item, retries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal as D

from kalshi_platform.core import alerts as al

NOW = datetime(2026, 11, 20, 15, 30, tzinfo=UTC)
COOLDOWN = timedelta(minutes=60)


def sig(n: int, ticker: str = "KXBTCD-26NOV2017-T95000", direction: str = "buy_yes", edge: float = 700.0) -> dict:
    return {"signal_id": f"btc_edge|{n}", "signal_type": "btc_edge", "ticker": ticker, "direction": direction,
            "model_prob": 0.62, "market_price": D("0.55"), "edge_bps": edge, "confidence": 0.9,
            "expiry": NOW + timedelta(hours=1, minutes=30), "title": "BTC above $95,000 <5pm>"}


def sent(alert: al.Alert, when: datetime) -> al.SentRecord:
    return al.SentRecord(alert.dedup_key, alert.identities, alert.subjects, al.STATUS_SENT, when, 1)


def test_signal_digest_is_readable_html_with_emoji_and_escapes():
    item = al.signal_item(sig(1), NOW)
    assert item.line.startswith("🟢 <b>BUY YES</b> <code>KXBTCD-26NOV2017-T95000</code>")
    assert "model 62.0% vs ask 55¢" in item.line and "edge +700 bps" in item.line and "⏳ 1h 30m" in item.line
    assert "&lt;5pm&gt;" in item.line and "<5pm>" not in item.line
    no = al.signal_item(sig(2, direction="buy_no"), NOW)
    assert no.line.startswith("🔴 <b>BUY NO</b>")
    text = al.render("signals", [item, no], NOW, max_items=10)
    assert text.startswith("📡 <b>Kalshi signals</b> · 2 signals · 20 Nov 15:30 UTC")


def test_order_lines_show_status_and_failure_reason():
    line = al.order_item({"order_id": "o1", "mode": "kalshi_demo", "side": "yes", "count": D("10"),
                          "ticker": "T", "limit_price": D("0.41"), "status": "rejected",
                          "failure_reason": "kalshi POST /portfolio/orders -> HTTP 400: market_closed"}).line
    assert line.startswith("❌ <b>kalshi_demo</b> BUY YES 10 × <code>T</code> @ 41¢ — rejected")
    assert "reason: kalshi POST /portfolio/orders -&gt; HTTP 400: market_closed" in line
    assert "⛔" in al.order_item({"order_id": "o2", "status": "blocked", "count": D(1)}).line


def test_digest_caps_items_and_stays_under_telegram_limit():
    items = [al.signal_item(sig(n, ticker=f"T{n}" * 40, edge=float(n)), NOW) for n in range(200)]
    text = al.render("signals", items, NOW, max_items=500)
    assert len(text) <= al.TELEGRAM_MAX_CHARS
    assert "more" in text.splitlines()[-1]
    short = al.render("signals", items, NOW, max_items=3)
    assert short.count("BUY YES") == 3 and short.endswith("… and 197 more")
    assert "T199" in short  # strongest edges first


def test_the_same_digest_is_the_same_alert_and_never_sent_twice():
    items = [al.signal_item(sig(1), NOW), al.signal_item(sig(2, ticker="OTHER"), NOW)]
    first = al.plan_digest("signals", items, [], NOW, cooldown=COOLDOWN, max_items=10)
    again = al.plan_digest("signals", list(reversed(items)), [], NOW, cooldown=COOLDOWN, max_items=10)
    assert first.status == al.STATUS_PENDING and first.dedup_key == again.dedup_key
    history = [sent(first, NOW)]
    assert al.plan_digest("signals", items, history, NOW, cooldown=COOLDOWN, max_items=10) is None
    # A failed alert still holds its items: they wait for the retry rather than going out in a new digest.
    failed = al.SentRecord(first.dedup_key, first.identities, first.subjects, al.STATUS_FAILED, None, 1)
    assert al.plan_digest("signals", items, [failed], NOW, cooldown=COOLDOWN, max_items=10) is None


def test_cooldown_per_item_then_skipped_with_reason_when_nothing_is_left():
    first = al.plan_digest("signals", [al.signal_item(sig(1), NOW)], [], NOW, cooldown=COOLDOWN, max_items=10)
    history = [sent(first, NOW)]
    later = NOW + timedelta(minutes=20)
    # Next cycle: the same ticker and direction again (a new signal id) plus a new market.
    items = [al.signal_item(sig(2), later), al.signal_item(sig(3, ticker="NEW"), later)]
    mixed = al.plan_digest("signals", items, history, later, cooldown=COOLDOWN, max_items=10)
    assert mixed.status == al.STATUS_PENDING
    assert mixed.identities == ("signal:btc_edge|3",) and "1 in cooldown not repeated" in mixed.text
    only_cooling = al.plan_digest("signals", items[:1], history, later, cooldown=COOLDOWN, max_items=10)
    assert only_cooling.status == al.STATUS_SKIPPED
    assert only_cooling.reason == "cooldown: 1 item(s) already alerted within 60 min"
    after = NOW + timedelta(minutes=61)
    assert al.plan_digest("signals", [al.signal_item(sig(4), after)], history, after, cooldown=COOLDOWN,
                          max_items=10).status == al.STATUS_PENDING


def test_failed_alerts_are_retried_until_the_attempt_budget():
    records = [al.SentRecord("a", ("x",), ("s",), al.STATUS_FAILED, None, 1),
               al.SentRecord("b", ("y",), ("s",), al.STATUS_FAILED, None, al.MAX_ATTEMPTS),
               al.SentRecord("c", ("z",), ("s",), al.STATUS_SENT, NOW, 1)]
    assert [r.dedup_key for r in al.due_retries(records)] == ["a"]


def test_run_failure_and_props_items():
    item = al.run_failure_item("kalshi_platform_job", "1a2b3c4d5e6f", ["signals__btc_edges"], "boom <here>")
    assert item.identity == "run:1a2b3c4d5e6f" and "1a2b3c4d" in item.line and "boom &lt;here&gt;" in item.line
    assert al.render("run_failure", [item], NOW, max_items=5).startswith("🚨 <b>Run failed</b>")
    props = al.props_item({"identity": "LeBron|points|T|x", "subject": "LeBron|points", "player": "LeBron James",
                           "stat": "points", "kalshi_line": 27.5, "book_line": 24.5, "gap": 3.0, "ticker": "T"})
    assert "Kalshi 27.5 vs books 24.5 (gap +3.0)" in props.line
    odd = al.props_item({"identity": "x", "subject": "y", "player": "P", "stat": "points",
                         "kalshi_line": 23.635802469135804, "book_line": 27.5, "gap": -3.864})
    assert "Kalshi 23.6 vs books 27.5 (gap -3.9)" in odd.line
