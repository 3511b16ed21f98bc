"""Telegram alerts, pure: readable digests, dedup keys, per-alert cooldown and the retry rule.

A digest is built from *items* (a signal, a paper order, a props gap, a failed run). Each item has
an ``identity`` (what it is: a signal id, an order id, a run id) and a ``subject`` (what it is about:
a ticker and direction, a job). Two rules keep a phone quiet:

- never twice: an item whose identity is already in an alert that was sent, or is waiting to be
  retried, is left out; a digest's ``dedup_key`` hashes its identities, so the same digest built
  again (a re-run of the same cycle) is the same alert;
- cooldown: an item whose subject was in an alert sent within the cooldown is left out; when that
  leaves nothing, the digest is recorded as skipped with the reason.

A send that failed is retried by the next cycle with the same text, up to ``MAX_ATTEMPTS`` sends.
Messages are Telegram HTML (``parse_mode=HTML``): dynamic text is escaped, and a message never
exceeds Telegram's 4096 characters.
"""

from __future__ import annotations

import hashlib
import html
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

ALERT_TYPES = ("signals", "executions", "props_arbitrage", "run_failure")
TELEGRAM_MAX_CHARS = 4096
MAX_ATTEMPTS = 5

STATUS_SENT = "sent"
STATUS_FAILED = "failed"
STATUS_SKIPPED = "skipped"
STATUS_PENDING = "pending"  # planned, not yet attempted


@dataclass(frozen=True)
class AlertItem:
    identity: str
    subject: str
    line: str  # Telegram HTML, already escaped
    sort_key: float = 0.0  # larger first


@dataclass(frozen=True)
class Alert:
    alert_type: str
    dedup_key: str
    identities: tuple[str, ...]
    subjects: tuple[str, ...]
    text: str
    status: str = STATUS_PENDING
    reason: str | None = None


@dataclass(frozen=True)
class SentRecord:
    """A past alert as the history keeps it: what it covered, its status and when it was last sent."""

    dedup_key: str
    identities: tuple[str, ...]
    subjects: tuple[str, ...]
    status: str
    sent_at: datetime | None
    attempts: int = 0


def dedup_key(alert_type: str, identities: Iterable[str]) -> str:
    digest = hashlib.sha256(alert_type.encode())
    for identity in sorted(set(identities)):
        digest.update(b"\x00" + identity.encode("utf-8", "surrogatepass"))
    return digest.hexdigest()[:32]


# --------------------------------------------------------------------------------------------------
# Formatting


def esc(value: object) -> str:
    return html.escape("" if value is None else str(value), quote=False)


def cents(price: Decimal | float | None) -> str:
    """0.55 -> '55¢', 0.555 -> '55.5¢'."""
    if price is None:
        return "–"
    value = (Decimal(str(price)) * 100).normalize()
    text = f"{value:f}"
    return f"{text}¢"


def percent(p: float | None) -> str:
    return "–" if p is None else f"{p * 100:.1f}%"


def duration(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    if seconds <= 0:
        return "expired"
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {minutes:02d}m"
    return f"{minutes}m"


def _points(value: object) -> str:
    return "–" if value is None else f"{float(value):.1f}"


def _stamp(now: datetime) -> str:
    return now.strftime("%d %b %H:%M UTC")


DIRECTION_LABELS = {"buy_yes": "🟢 <b>BUY YES</b>", "buy_no": "🔴 <b>BUY NO</b>"}
STATUS_ICONS = {
    "executed": "✅", "filled": "✅", "resting": "⏸", "submitted": "📨", "simulated": "🧪", "canceled": "🚫",
    "failed": "❌", "rejected": "❌", "blocked": "⛔",
}


def signal_item(row: Mapping[str, object], now: datetime) -> AlertItem:
    """One signal: direction, market, model vs price, edge, confidence, time left."""
    direction = str(row.get("direction") or "")
    label = DIRECTION_LABELS.get(direction, esc(direction or "—"))
    title = row.get("title")
    name = f"<code>{esc(row.get('ticker'))}</code>" + (f" — {esc(title)}" if title else "")
    expiry = row.get("expiry")
    left = f" · ⏳ {duration(expiry - now)}" if isinstance(expiry, datetime) else ""
    edge = row.get("edge_bps")
    confidence = row.get("confidence")
    detail = (
        f"model {percent(row.get('model_prob'))} vs ask {cents(row.get('market_price'))}"
        f" · edge {'+' if (edge or 0) >= 0 else ''}{edge or 0:.0f} bps"
        f" · conf {confidence if confidence is None else f'{confidence:.2f}'}{left}"
    )
    kind = esc(row.get("signal_type"))
    return AlertItem(
        identity=f"signal:{row.get('signal_id')}",
        subject=f"signal:{row.get('ticker')}:{direction}",
        line=f"{label} {name}\n    {detail} · <i>{kind}</i>",
        sort_key=float(edge or 0),
    )


def order_item(row: Mapping[str, object]) -> AlertItem:
    """One paper order: mode, direction, size x market @ limit, status and any failure reason."""
    status = str(row.get("status") or "")
    icon = STATUS_ICONS.get(status, "•")
    side = str(row.get("side") or "")
    count = row.get("count")
    count_text = f"{Decimal(str(count)).normalize():f}" if count is not None else "?"
    line = (
        f"{icon} <b>{esc(row.get('mode'))}</b> BUY {esc(side.upper())} {count_text} × "
        f"<code>{esc(row.get('ticker'))}</code> @ {cents(row.get('limit_price'))} — {esc(status)}"
    )
    filled = row.get("filled_count")
    if filled is not None and Decimal(str(filled)) > 0 and status not in ("simulated",):
        line += f" ({Decimal(str(filled)).normalize():f} filled)"
    if row.get("failure_reason"):
        line += f"\n    reason: {esc(row.get('failure_reason'))}"
    return AlertItem(
        identity=f"order:{row.get('order_id')}",
        subject=f"order:{row.get('order_id')}",
        line=line,
        sort_key=1.0 if status in ("failed", "rejected", "blocked") else 0.0,
    )


def props_item(row: Mapping[str, object]) -> AlertItem:
    """One props gap: player, stat, Kalshi line against the books' line."""
    gap = float(row.get("gap") or 0.0)
    who = " ".join(esc(v) for v in (row.get("player"), row.get("stat")) if v)
    line = (
        f"🏀 {who or esc(row.get('ticker'))}: Kalshi {_points(row.get('kalshi_line'))} vs books "
        f"{_points(row.get('book_line'))} (gap {gap:+.1f})"
    )
    if row.get("ticker"):
        line += f" · <code>{esc(row.get('ticker'))}</code>"
    return AlertItem(
        identity=f"props:{row.get('identity') or row.get('ticker')}",
        subject=f"props:{row.get('subject') or row.get('ticker')}",
        line=line,
        sort_key=abs(gap),
    )


def run_failure_item(job: str, run_id: str, failed_steps: Sequence[str], error: str | None) -> AlertItem:
    steps = ", ".join(failed_steps) or "(no step failed: the run itself did)"
    line = f"job <b>{esc(job)}</b> · run <code>{esc(run_id[:8])}</code>\nfailed steps: {esc(steps)}"
    if error:
        line += f"\nerror: {esc(error[:600])}"
    return AlertItem(identity=f"run:{run_id}", subject=f"run:{job}", line=line)


HEADERS = {
    "signals": "📡 <b>Kalshi signals</b>",
    "executions": "🧾 <b>Paper orders</b>",
    "props_arbitrage": "🏀 <b>NBA props arbitrage</b>",
    "run_failure": "🚨 <b>Run failed</b>",
}

NOUNS = {"signals": "signals", "executions": "orders", "props_arbitrage": "gaps", "run_failure": "failed runs"}


def render(alert_type: str, items: Sequence[AlertItem], now: datetime, *, max_items: int, note: str = "") -> str:
    """Header, the strongest ``max_items`` items, and how many more there were; under 4096 characters."""
    shown = sorted(items, key=lambda i: -i.sort_key)[: max(1, max_items)]
    noun = NOUNS.get(alert_type, "items")
    header = f"{HEADERS.get(alert_type, esc(alert_type))} · {len(items)} {noun} · {_stamp(now)}"
    if note:
        header += f"\n<i>{esc(note)}</i>"
    lines = [header, ""]
    budget = TELEGRAM_MAX_CHARS - len(header) - 64
    used = 0
    count = 0
    for item in shown:
        if used + len(item.line) + 1 > budget:
            break
        lines.append(item.line)
        used += len(item.line) + 1
        count += 1
    if len(items) > count:
        lines.append(f"… and {len(items) - count} more")
    return "\n".join(lines)[:TELEGRAM_MAX_CHARS]


# --------------------------------------------------------------------------------------------------
# Planning: dedup, cooldown


def plan_digest(
    alert_type: str,
    items: Sequence[AlertItem],
    history: Sequence[SentRecord],
    now: datetime,
    *,
    cooldown: timedelta,
    max_items: int,
    note: str = "",
) -> Alert | None:
    """The digest to send now (status pending), a skipped one (with the reason), or None (nothing new)."""
    taken = {i for r in history if r.status in (STATUS_SENT, STATUS_FAILED, STATUS_PENDING) for i in r.identities}
    fresh = [i for i in items if i.identity not in taken]
    fresh = list({i.identity: i for i in fresh}.values())
    if not fresh:
        return None
    cooling = {
        s for r in history
        if r.status == STATUS_SENT and r.sent_at is not None and now - r.sent_at < cooldown
        for s in r.subjects
    }
    ready = [i for i in fresh if i.subject not in cooling]
    cooled = [i for i in fresh if i.subject in cooling]
    if not ready:
        identities = tuple(sorted(i.identity for i in cooled))
        minutes = cooldown.total_seconds() / 60
        return Alert(
            alert_type=alert_type,
            dedup_key=dedup_key(alert_type, identities),
            identities=identities,
            subjects=tuple(sorted({i.subject for i in cooled})),
            text=render(alert_type, cooled, now, max_items=max_items, note=note),
            status=STATUS_SKIPPED,
            reason=f"cooldown: {len(cooled)} item(s) already alerted within {minutes:g} min",
        )
    identities = tuple(sorted(i.identity for i in ready))
    note_all = note
    if cooled:
        note_all = (note + "; " if note else "") + f"{len(cooled)} in cooldown not repeated"
    return Alert(
        alert_type=alert_type,
        dedup_key=dedup_key(alert_type, identities),
        identities=identities,
        subjects=tuple(sorted({i.subject for i in ready})),
        text=render(alert_type, ready, now, max_items=max_items, note=note_all),
    )


def due_retries(history: Sequence[SentRecord]) -> list[SentRecord]:
    """Failed alerts that get another send this cycle."""
    return [r for r in history if r.status == STATUS_FAILED and r.attempts < MAX_ATTEMPTS]
