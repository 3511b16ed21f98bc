"""Schema drift: the keys Kalshi sent (each raw row's ``raw_json``) against the keys the parser reads.

- **new** keys: top-level keys no parser field reads (``kalshi_parse.unknown_keys``). Their values
  survive in ``raw_json`` but no column holds them: Kalshi added a field, or renamed one.
- **missing** keys: keys the parser knows that the older rows nearly always carried (at least
  ``min_baseline_share`` of them) and that none of the newest batch's rows carry (when that batch
  has at least ``min_records`` rows). Kalshi stopped sending a field the parser relies on.

Optional fields (``functional_strike``, ``mve_selected_legs``...) are sent only for some markets; a
baseline share keeps them from being reported as missing whenever a batch happens not to need them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

import orjson

from kalshi_platform.core.kalshi_parse import unknown_keys

MIN_BASELINE_SHARE = 0.9
MIN_RECORDS = 20
SHOWN_KEYS = 10  # in the summary; the check's metadata lists them all


@dataclass(frozen=True)
class KeyCensus:
    """How many records carried each top-level key, and how many records (and unreadable ones) there were."""

    records: int = 0
    counts: Counter = field(default_factory=Counter)
    unreadable: int = 0

    def share(self, key: str) -> float:
        return self.counts.get(key, 0) / self.records if self.records else 0.0


@dataclass(frozen=True)
class DriftReport:
    table: str
    latest: KeyCensus
    baseline: KeyCensus
    new_keys: dict[str, int]  # key -> records of the newest batch carrying it
    missing_keys: dict[str, float]  # key -> share of baseline records that carried it

    @property
    def drifted(self) -> bool:
        return bool(self.new_keys or self.missing_keys)

    def summary(self) -> str:
        if not self.latest.records:
            return f"{self.table}: no records to compare"
        parts = []
        if self.new_keys:
            ranked = sorted(self.new_keys.items(), key=lambda kv: (-kv[1], kv[0]))
            shown = ", ".join(f"{k} ({n} records)" for k, n in ranked[:SHOWN_KEYS])
            more = f" and {len(ranked) - SHOWN_KEYS} more" if len(ranked) > SHOWN_KEYS else ""
            parts.append(f"{len(ranked)} new keys: {shown}{more}")
        if self.missing_keys:
            parts.append("missing keys: " + ", ".join(sorted(self.missing_keys)))
        if not parts:
            return f"{self.table}: {self.latest.records} records carry only keys the parser knows"
        return f"{self.table}: " + "; ".join(parts)


def census(raw_json: Iterable[str | None], known: frozenset[str] | None = None) -> tuple[KeyCensus, dict[str, int]]:
    """Key counts over JSON texts, plus (when ``known`` is given) the unknown keys and their counts."""
    records: list[dict] = []
    unreadable = 0
    for text in raw_json:
        if text is None:
            continue
        try:
            value = orjson.loads(text)
        except orjson.JSONDecodeError:
            unreadable += 1
            continue
        if isinstance(value, dict):
            records.append(value)
        else:
            unreadable += 1
    counts: Counter = Counter()
    for record in records:
        counts.update(record.keys())
    unknown = unknown_keys(records, known) if known is not None else {}
    return KeyCensus(len(records), counts, unreadable), unknown


def drift_report(
    table: str,
    latest_json: Iterable[str | None],
    baseline_json: Iterable[str | None],
    known: frozenset[str],
    *,
    min_baseline_share: float = MIN_BASELINE_SHARE,
    min_records: int = MIN_RECORDS,
) -> DriftReport:
    latest, new_keys = census(latest_json, known)
    baseline, _ = census(baseline_json)
    missing: dict[str, float] = {}
    if latest.records >= min_records and baseline.records:
        for key in sorted(known):
            share = baseline.share(key)
            if share >= min_baseline_share and latest.counts.get(key, 0) == 0:
                missing[key] = round(share, 4)
    return DriftReport(table, latest, baseline, dict(sorted(new_keys.items())), missing)
