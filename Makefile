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

.PHONY: install run test ui bench clean help

help:
	@echo "make run    install, then materialize the whole asset graph on the embedded exchange"
	@echo "make test   install, then run the whole test suite"
	@echo "make ui     open the Dagster UI at http://127.0.0.1:3000"
	@echo "make bench  run the benchmarks in benchmarks/"

$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

# Re-sync only when the lock changes; bytecode is compiled because PYTHONDONTWRITEBYTECODE may be set.
$(VENV)/.installed: $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen --compile-bytecode
	@touch $@

install: $(VENV)/.installed
	@mkdir -p data

run: install
	$(BIN)/kalshi-platform run

test: install
	$(BIN)/pytest

ui: install
	$(BIN)/dagster dev -w workspace.yaml -h 127.0.0.1 -p 3000

bench: install
	$(BIN)/python -m benchmarks

clean:
	rm -rf data .dagster_home/storage .dagster_home/history .dagster_home/schedules .dagster_home/logs
