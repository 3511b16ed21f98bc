"""Test doubles for the client tests: a fake clock whose sleep advances time instantly, fixtures."""

from __future__ import annotations

import json
from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "kalshi" / "rest"
BASE_URL = "http://kalshi.test/trade-api/v2"


class FakeClock:
    """monotonic() and time() read one counter; sleep() advances it and remembers each nap."""

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def time(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        assert seconds >= 0, "slept a negative time"
        self.sleeps.append(seconds)
        self.now += seconds

    def advance(self, seconds: float) -> None:
        self.now += seconds


def load_fixture(name: str):
    return json.loads((FIXTURES / name).read_text())
