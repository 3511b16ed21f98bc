"""The Dagster UI against a materialized warehouse: the webserver on loopback lists, through GraphQL,
every asset, check, schedule, sensor and job of the platform, and the run `make run` made succeeded."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections import deque
from pathlib import Path

import httpx
import pytest

from kalshi_platform_tests.platform_run import PROJECT_ROOT, PlatformRun, platform_run  # noqa: F401

QUERY = """
{
  workspaceOrError { ... on Workspace { locationEntries { name loadStatus
      locationOrLoadError { __typename ... on PythonError { message } } } } }
  assetNodes {
    assetKey { path }
    isMaterializable
    dependencyKeys { path }
    assetChecksOrError { ... on AssetChecks { checks { name blocking } } }
  }
  repositoriesOrError { ... on RepositoryConnection { nodes {
      jobs { name } schedules { name } sensors { name } } } }
  runsOrError(limit: 20) { ... on Runs { results { runId jobName status } } }
}
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def webserver(platform_run: PlatformRun):  # noqa: F811
    platform_run.assert_succeeded()
    port = _free_port()
    log = open(platform_run.root / "webserver.log", "w")
    process = subprocess.Popen(
        [str(Path(sys.executable).with_name("dagster-webserver")), "-h", "127.0.0.1", "-p", str(port), "-w", "workspace.yaml"],
        cwd=PROJECT_ROOT, env=platform_run.env, stdout=log, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while True:
            assert process.poll() is None, (platform_run.root / "webserver.log").read_text()[-4000:]
            try:
                if httpx.get(f"{url}/server_info", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "webserver did not start in 180 s"
            time.sleep(0.5)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


@pytest.fixture(scope="module")
def graph(webserver) -> dict:
    deadline = time.monotonic() + 180
    while True:  # the code location loads after the server answers
        data = httpx.post(f"{webserver}/graphql", json={"query": QUERY}, timeout=120).json()["data"]
        [entry] = data["workspaceOrError"]["locationEntries"]
        if entry["loadStatus"] == "LOADED":
            break
        assert time.monotonic() < deadline, entry
        time.sleep(1)
    assert entry["locationOrLoadError"]["__typename"] == "RepositoryLocation", entry
    return data


@pytest.fixture(scope="module")
def expected(platform_run: PlatformRun):  # noqa: F811
    """The definitions the webserver should serve, built here from the same environment."""
    from kalshi_platform.definitions import build_definitions
    from kalshi_platform.settings import load_settings

    defs = build_definitions(load_settings(platform_run.env))
    repo = defs.get_repository_def()
    asset_graph = repo.asset_graph
    return {
        "assets": {tuple(k.path) for k in asset_graph.get_all_asset_keys()},
        "checks": {(tuple(k.asset_key.path), k.name) for k in asset_graph.asset_check_keys},
        "jobs": {j.name for j in repo.get_all_jobs()},
        "schedules": {s.name for s in repo.schedule_defs},
        "sensors": {s.name for s in repo.sensor_defs},
    }


def test_every_asset_and_check_is_listed(graph, expected):
    assets = {tuple(n["assetKey"]["path"]) for n in graph["assetNodes"]}
    assert assets == expected["assets"]
    checks = {
        (tuple(n["assetKey"]["path"]), c["name"]) for n in graph["assetNodes"] for c in n["assetChecksOrError"]["checks"]
    }
    assert checks == expected["checks"]
    blocking = {key for key, name in checks for n in graph["assetNodes"] if tuple(n["assetKey"]["path"]) == key
                for c in n["assetChecksOrError"]["checks"] if c["name"] == name and c["blocking"]}
    assert ("raw", "kalshi_market_snapshots") in blocking


def test_every_schedule_sensor_and_job_is_listed(graph, expected):
    [repo] = graph["repositoriesOrError"]["nodes"]
    assert {j["name"] for j in repo["jobs"]} - {"__ASSET_JOB"} == expected["jobs"] - {"__ASSET_JOB"}
    assert {s["name"] for s in repo["schedules"]} == expected["schedules"]
    assert {s["name"] for s in repo["sensors"]} == expected["sensors"]
    assert {"quotes_poll_schedule", "instruments_daily_schedule", "weather_hourly_schedule",
            "calibration_daily_schedule"} <= expected["schedules"]
    assert {"new_markets_sensor", "settlements_sensor", "automation_condition_sensor"} <= expected["sensors"]


def test_lineage_runs_from_raw_assets_through_dbt_to_the_marts(graph):
    parents = {tuple(n["assetKey"]["path"]): {tuple(d["path"]) for d in n["dependencyKeys"]} for n in graph["assetNodes"]}
    materializable = {tuple(n["assetKey"]["path"]) for n in graph["assetNodes"] if n["isMaterializable"]}

    def ancestors(key):
        seen, todo = set(), deque([key])
        while todo:
            for parent in parents.get(todo.popleft(), ()):
                if parent not in seen:
                    seen.add(parent)
                    todo.append(parent)
        return seen

    overview = ancestors(("marts", "market_overview"))
    assert {("staging", "stg_kalshi_market_snapshots"), ("raw", "kalshi_market_snapshots"), ("core", "instruments"),
            ("raw", "kalshi_markets")} <= overview
    # Every source of a dbt model is an asset some domain materializes: no stub in the lineage.
    dbt_models = {k for k in parents if k[0] in ("staging", "marts")}
    sources = {p for k in dbt_models for p in parents[k] if p[0] not in ("staging", "marts")}
    assert sources and sources <= materializable


def test_the_last_run_succeeded(graph):
    runs = graph["runsOrError"]["results"]  # newest first: the run(s) `kalshi-platform run` made
    assert runs, "no run in the instance"
    assert runs[0]["status"] == "SUCCESS", runs[0]
    assert all(r["status"] == "SUCCESS" for r in runs), runs
