"""Fault injection: what can go wrong on the wire, at which rates, drawn deterministically.

Request-level faults (5xx, 429, timeout) are decided before the handler runs, so a faulted write has
no effect; body faults (malformed, truncated) corrupt the body of a request that did run. Record
faults (drift, bad_record) alter single records of list responses. Every draw is a function of the
seed and the exchange's request sequence number, so a run replays exactly.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

from kalshi_platform.sandbox import rng


@dataclass(frozen=True)
class FaultSpec:
    """Probabilities in [0, 1]; request-level ones per request, drift and bad_record per record."""

    error_5xx: float = 0.0
    rate_429: float = 0.0
    timeout: float = 0.0
    malformed: float = 0.0  # body that is not JSON
    truncated: float = 0.0  # valid JSON cut off mid-way
    drift: float = 0.0  # per record: unknown extra fields added (schema drift)
    bad_record: float = 0.0  # per record: one invalid value

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if not isinstance(value, (int, float)) or not 0.0 <= float(value) <= 1.0:
                raise ValueError(f"fault rate {f.name}={value!r} must be a number in [0, 1]")

    @property
    def any(self) -> bool:
        return any(getattr(self, f.name) > 0 for f in fields(self))


PRESETS: dict[str, FaultSpec] = {
    "none": FaultSpec(),
    "light": FaultSpec(
        error_5xx=0.02, rate_429=0.02, timeout=0.01, malformed=0.01, truncated=0.01, drift=0.05, bad_record=0.002
    ),
    "heavy": FaultSpec(
        error_5xx=0.15, rate_429=0.10, timeout=0.05, malformed=0.05, truncated=0.05, drift=0.20, bad_record=0.01
    ),
}

# The names accepted in "kind=rate" items, mapped to FaultSpec fields.
KINDS: dict[str, str] = {
    "5xx": "error_5xx",
    "429": "rate_429",
    "timeout": "timeout",
    "malformed": "malformed",
    "truncated": "truncated",
    "drift": "drift",
    "bad_record": "bad_record",
}


def _help() -> str:
    return f"accepted presets: {', '.join(PRESETS)}; accepted kinds: {', '.join(KINDS)} (e.g. 'light,5xx=0.3')"


def parse_fault_spec(text: str | None) -> FaultSpec:
    """None/""/"none", a preset, "kind=rate,..." or "preset,kind=rate,..." -> FaultSpec."""
    if text is None or not text.strip():
        return PRESETS["none"]
    spec = PRESETS["none"]
    items = [item.strip() for item in text.replace("+", ",").split(",") if item.strip()]
    for pos, item in enumerate(items):
        if "=" not in item:
            name = item.lower()
            if pos != 0:
                raise ValueError(f"fault spec {text!r}: preset {item!r} must come first; {_help()}")
            if name not in PRESETS:
                raise ValueError(f"fault spec {text!r}: unknown preset {item!r}; {_help()}")
            spec = PRESETS[name]
            continue
        kind, _, raw = item.partition("=")
        kind = kind.strip().lower()
        if kind not in KINDS:
            raise ValueError(f"fault spec {text!r}: unknown fault kind {kind!r}; {_help()}")
        try:
            rate = float(raw)
        except ValueError:
            raise ValueError(f"fault spec {text!r}: rate {raw.strip()!r} for {kind} is not a number; {_help()}") from None
        if not 0.0 <= rate <= 1.0:
            raise ValueError(f"fault spec {text!r}: rate {rate} for {kind} is outside [0, 1]; {_help()}")
        spec = replace(spec, **{KINDS[kind]: rate})
    return spec


# Salts for the independent draws of each decision.
_T = {name: rng.tag(name) for name in ("5xx", "429", "timeout", "malformed", "truncated", "drift", "bad", "pick")}


class FaultInjector:
    """Draws the faults for request number ``seq`` (and its records) from the seed."""

    def __init__(self, spec: FaultSpec, seed: int) -> None:
        self.spec = spec
        self.seed = seed

    def _u(self, seq: int, what: str, *more: int) -> float:
        return float(rng.uniform(self.seed, _T[what], seq, *more)[0])

    def pick(self, seq: int, n: int, *more: int) -> int:
        return int(rng.hash64(self.seed, _T["pick"], seq, *more)[0] % n)

    def request_fault(self, seq: int) -> str | None:
        """'5xx', '429' or 'timeout' when this request fails before it is handled."""
        s = self.spec
        if s.error_5xx and self._u(seq, "5xx") < s.error_5xx:
            return "5xx"
        if s.rate_429 and self._u(seq, "429") < s.rate_429:
            return "429"
        if s.timeout and self._u(seq, "timeout") < s.timeout:
            return "timeout"
        return None

    def body_fault(self, seq: int) -> str | None:
        s = self.spec
        if s.malformed and self._u(seq, "malformed") < s.malformed:
            return "malformed"
        if s.truncated and self._u(seq, "truncated") < s.truncated:
            return "truncated"
        return None

    def record_faults(self, seq: int, n_records: int, list_no: int = 0) -> tuple[list[int], list[int]]:
        """Indices of records that drift and of records that carry a bad value."""
        s = self.spec
        if n_records == 0 or not (s.drift or s.bad_record):
            return [], []
        import numpy as np

        idx = np.arange(n_records, dtype=np.int64)
        drift = np.flatnonzero(rng.uniform(self.seed, _T["drift"], seq, list_no, idx) < s.drift).tolist() if s.drift else []
        bad = np.flatnonzero(rng.uniform(self.seed, _T["bad"], seq, list_no, idx) < s.bad_record).tolist() if s.bad_record else []
        return drift, bad


HTML_502 = (
    b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n"
    b"</body>\r\n</html>\r\n"
)
HTML_503 = (
    b"<html>\r\n<head><title>503 Service Temporarily Unavailable</title></head>\r\n<body>\r\n"
    b"<center><h1>503 Service Temporarily Unavailable</h1></center>\r\n</body>\r\n</html>\r\n"
)
MALFORMED_BODIES = (
    b"upstream connect error or disconnect/reset before headers. reset reason: connection termination",
    b"<!DOCTYPE html><html><body>Service error</body></html>",
    b"{\"markets\": [{\"ticker\": \"KX\" ,, }",
)
