"""Fixtures shared by the client tests."""

from __future__ import annotations

import random

import pytest

from kalshi_platform.clients.kalshi.auth import generate_key_pair
from kalshi_platform_tests.clients.support import FakeClock


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def rng() -> random.Random:
    return random.Random(1234)


@pytest.fixture(scope="session")
def key_pair() -> tuple[bytes, bytes]:
    return generate_key_pair()
