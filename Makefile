# City Tools. `make run` and `make test` do all the set-up on a fresh machine.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
DB     ?= data/citytools.duckdb
SURVEYS   := data/inputs/surveys
CONTRACTS := data/inputs/contracts
HOST ?= 127.0.0.1
PORT ?= 8050

.PHONY: run serve loadtest test data sample lint bench bench-quick clean

$(BIN)/.runtime: requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(BIN)/.dev: requirements-dev.txt $(BIN)/.runtime
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

# Sample inputs when there are none; a build when the database is missing or older than its
# inputs (data files, the ETL code or its reference data).
data: $(BIN)/.runtime
	@test -d $(SURVEYS) || $(BIN)/python -m etl sample --out data/inputs
	@if [ ! -f $(DB) ] || [ -n "$$(find data/inputs etl -type f -newer $(DB) | head -n 1)" ]; then \
		$(BIN)/python -m etl build --surveys $(SURVEYS) \
			$$(test -d $(CONTRACTS) && echo --contracts $(CONTRACTS)) \
			--out $(DB) --report data/build-report.json; \
	else echo "$(DB) is up to date"; fi

sample: $(BIN)/.runtime
	$(BIN)/python -m etl sample --out data/inputs

# Demo mode (everyone a member) is honoured only while the database holds nothing but the
# sample: on real returns the app is closed to the public whatever DEMO says. DEMO=0 turns it off.
DEMO ?= 1
run: data
	CITYTOOLS_DB=$(DB) CITYTOOLS_HOST=$(HOST) CITYTOOLS_PORT=$(PORT) CITYTOOLS_DEMO=$(DEMO) $(BIN)/python app.py

# Beyond one user: gunicorn, WORKERS processes (each its own read-only connection) of a few threads.
WORKERS ?= 4
serve: data
	CITYTOOLS_DB=$(DB) CITYTOOLS_HOST=$(HOST) CITYTOOLS_PORT=$(PORT) WORKERS=$(WORKERS) \
		$(BIN)/gunicorn -c gunicorn.conf.py app:server

$(BIN)/.loadtest: requirements-loadtest.txt $(BIN)/.runtime
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-loadtest.txt
	touch $@

# USERS simulated users for DURATION against a `make serve` of its own on a London-scale database
# (LOADTEST_CONTRACTS contracts: the database `make bench` builds by the real ETL), 127.0.0.1 only; prints requests,
# failures and p95 per endpoint, then stops the server. LOADTEST_SKIP=my_borough leaves a view out.
USERS ?= 50
DURATION ?= 60
LOADTEST_CONTRACTS ?= 50000
LOADTEST_PORT ?= 8051
LOADTEST_SKIP ?=
loadtest: $(BIN)/.loadtest
	$(BIN)/python loadtest/run.py --users $(USERS) --duration $(DURATION) --contracts $(LOADTEST_CONTRACTS) \
		--port $(LOADTEST_PORT) --workers $(WORKERS) --skip "$(LOADTEST_SKIP)"

lint: $(BIN)/.dev
	$(BIN)/ruff check .

# Browser tests drive Debian's Chromium (Playwright cannot download its own browsers here) and
# audit pages with axe-core from npm; both are installed when missing (CI runs as root).
test: $(BIN)/.dev node_modules/axe-core/axe.min.js
	@test -x /usr/bin/chromium || { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium chromium-driver; }
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

node_modules/axe-core/axe.min.js:
	npm install --no-save --no-audit --no-fund axe-core@4.14

# Timings belong here, not in tests (issue 14): `make bench` at London (50k) and UK (1M) scale,
# `make bench-quick` at London scale only; both write docs/performance.json and docs/performance.md.
bench: $(BIN)/.dev
	$(BIN)/python -m bench

bench-quick: $(BIN)/.dev
	$(BIN)/python -m bench --quick

clean:
	rm -rf $(VENV) $(DB) data/build-report.json .pytest_cache .ruff_cache
