# The two commands a newcomer needs: `make run` and `make test`. Both install everything first
# (uv included) on a machine with only Python 3.11 and make.
SHELL := /bin/bash
PYTHON ?= python3
UV_VERSION := 0.13.8
UV := .tools/bin/uv
VENV := .venv
BIN := $(VENV)/bin

export DO_NOT_TRACK := 1
export DAGSTER_HOME := $(CURDIR)/.dagster_home
export UV_PYTHON_DOWNLOADS := never

.PHONY: install run test ui ui-snapshot dbt-build bench clean help

help:
	@echo "make run    install, then materialize the whole asset graph on the embedded exchange"
	@echo "make test   install, then run the whole test suite"
	@echo "make ui     open the Dagster UI at http://127.0.0.1:3000"
	@echo "make ui-snapshot  save a headless-Chromium screenshot of the asset graph ($(UI_SNAPSHOT))"
	@echo "make dbt-build    run dbt build (staging views, marts, tests) on the warehouse"
	@echo "make bench  run the benchmarks in benchmarks/"

$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

# Re-sync only when the lock changes; bytecode is compiled because PYTHONDONTWRITEBYTECODE may be set.
$(VENV)/.installed: $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen --compile-bytecode
	@touch $@

# dbt's manifest (dbt parse) is part of the install: Dagster loads the dbt models from it. The step
# re-parses only when dbt_project/ or the warehouse migrations changed (a stamp records both).
install: $(VENV)/.installed
	@mkdir -p data
	@$(BIN)/python -m kalshi_platform.defs.dbt.project

run: install
	$(BIN)/kalshi-platform run

test: install
	$(BIN)/pytest

ui: install
	$(BIN)/dagster dev -w workspace.yaml -h 127.0.0.1 -p 3000

dbt-build: install
	$(BIN)/python -m kalshi_platform.defs.dbt.project build

# A screenshot of the global asset graph, from the webserver on UI_PORT (started here for the shot if
# none is running). Chromium comes from Debian's packages, installed on first use.
UI_PORT ?= 3000
UI_SNAPSHOT ?= data/ui/asset_graph.png
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
ui-snapshot: install
	@command -v chromium >/dev/null || { $(SUDO) apt-get update && $(SUDO) apt-get install -y chromium; }
	@mkdir -p $(dir $(UI_SNAPSHOT))
	@set -euo pipefail; started=""; \
	if ! curl -sf -o /dev/null http://127.0.0.1:$(UI_PORT)/server_info; then \
		$(BIN)/dagster-webserver -w workspace.yaml -h 127.0.0.1 -p $(UI_PORT) >data/ui/webserver.log 2>&1 & started=$$!; \
		trap 'kill $$started 2>/dev/null || true' EXIT; \
		for _ in $$(seq 120); do curl -sf -o /dev/null http://127.0.0.1:$(UI_PORT)/server_info && break; sleep 1; done; \
	fi; \
	curl -sf -o /dev/null http://127.0.0.1:$(UI_PORT)/server_info || { echo "no webserver on port $(UI_PORT); see data/ui/webserver.log"; exit 1; }; \
	url=$$($(BIN)/python -c "$$UI_GRAPH_URL" http://127.0.0.1:$(UI_PORT)); \
	chromium --headless --no-sandbox --disable-gpu --disable-dev-shm-usage --hide-scrollbars \
		--window-size=2400,1400 --virtual-time-budget=30000 --screenshot=$(abspath $(UI_SNAPSHOT)) \
		"$$url" 2>/dev/null; \
	test -s $(UI_SNAPSHOT) && echo "asset graph saved to $(UI_SNAPSHOT)"

# The global lineage (one box per group: markets, instruments, btc, weather, nba_props, streaming,
# accounts, trading, dbt), once the welcome dialog is marked as seen (as its Skip button does) and the
# code location has loaded.
define UI_GRAPH_URL
import sys, time, httpx
base = sys.argv[1]
gql = lambda q: httpx.post(base + "/graphql", json={"query": q}, timeout=120).json()["data"]
gql("mutation { setNuxSeen }")
for _ in range(180):
    entries = gql("{ workspaceOrError { ... on Workspace { locationEntries { loadStatus } } } }")["workspaceOrError"]["locationEntries"]
    if entries and all(e["loadStatus"] == "LOADED" for e in entries):
        break
    time.sleep(1)
print(base + "/asset-groups")
endef
export UI_GRAPH_URL

bench: install
	$(BIN)/python -m benchmarks

clean:
	rm -rf data .dagster_home/storage .dagster_home/history .dagster_home/schedules .dagster_home/logs
