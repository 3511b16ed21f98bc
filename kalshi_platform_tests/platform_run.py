"""One whole-platform run on the embedded exchange, shared by the tests that need a materialized
warehouse, its snapshot and a Dagster instance with a finished run (dbt, notebook, UI).

It runs exactly what `make run` runs (`kalshi-platform run`), in a subprocess with private paths:
its own DAGSTER_HOME (with the project's instance config: run queue and the duckdb_write pool), its own
warehouse and snapshot, and the sandbox clock frozen so the world is the same every time.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parent.parent
FROZEN_NOW = "2026-11-20T15:30:00+00:00"
PARTITION = "2026-11-20"


@dataclass(frozen=True)
class PlatformRun:
    root: Path
    home: Path
    warehouse: Path
    snapshot: Path
    env: dict[str, str]
    returncode: int
    output: str

    def assert_succeeded(self) -> None:
        assert self.returncode == 0, f"`kalshi-platform run` failed ({self.returncode}):\n{self.output[-8000:]}"


def platform_env(root: Path) -> dict[str, str]:
    home = root / "dagster_home"
    home.mkdir(parents=True, exist_ok=True)
    shutil.copy(PROJECT_ROOT / ".dagster_home" / "dagster.yaml", home / "dagster.yaml")
    env = {
        key: value
        for key, value in os.environ.items()
        # The run must not inherit a developer's exchange or warehouse settings.
        if not key.startswith(("KALSHI_", "SANDBOX_", "DAGSTER_"))
    }
    env.update(
        DAGSTER_HOME=str(home),
        DO_NOT_TRACK="1",
        KALSHI_DUCKDB_PATH=str(root / "warehouse.duckdb"),
        KALSHI_SNAPSHOT_PATH=str(root / "warehouse_snapshot.duckdb"),
        SANDBOX_NOW=FROZEN_NOW,
        KALSHI_RATE_TIER="prime",
        KALSHI_ORDERBOOK_MARKETS="10",
        KALSHI_CANDLE_MARKETS="4",
    )
    return env


def run_platform(root: Path) -> PlatformRun:
    env = platform_env(root)
    executable = Path(sys.executable).with_name("kalshi-platform")
    done = subprocess.run(
        [str(executable), "run", "--partition", PARTITION],
        cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=1800,
    )
    return PlatformRun(
        root=root,
        home=Path(env["DAGSTER_HOME"]),
        warehouse=Path(env["KALSHI_DUCKDB_PATH"]),
        snapshot=Path(env["KALSHI_SNAPSHOT_PATH"]),
        env=env,
        returncode=done.returncode,
        output=done.stdout + done.stderr,
    )


_RUNS: dict[int, PlatformRun] = {}


@pytest.fixture(scope="session")
def platform_run(tmp_path_factory) -> PlatformRun:
    """The whole graph materialized once per test session (see the module note).

    Test modules import this fixture, and pytest keeps one instance per importing module; the run
    itself is cached per session so it happens once.
    """
    key = id(tmp_path_factory)
    if key not in _RUNS:
        _RUNS[key] = run_platform(tmp_path_factory.mktemp("platform"))
    return _RUNS[key]
