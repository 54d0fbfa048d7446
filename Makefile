# Two commands for a new machine: `make run` (the app on SQLite with demo data) and
# `make test` (the whole suite). Everything else here is what they are made of.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.setup-stamp
NODE_STAMP := node_modules/.setup-stamp
BUNDLE := webui/static/dist/instance-diagram.js
FRONTEND_SOURCES := $(wildcard webui/frontend/*.js webui/frontend/*.mjs)
HOST ?= 127.0.0.1
PORT ?= 5000
# `make run WORKERS=2`: gunicorn, one process per core (docs/webui.md)
WORKERS ?= 1

.PHONY: setup run test lint format diagrams clean

setup: $(STAMP) $(BUNDLE)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,postgres]'
	touch $(STAMP)

# The browser bundles (webui/static/dist/, git-ignored): bpmn-js and friends, built by esbuild.
$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $(NODE_STAMP)

$(BUNDLE): $(NODE_STAMP) $(FRONTEND_SOURCES) webui/static/THIRD-PARTY-NOTICES.txt
	npm run build

run: setup
	$(BIN)/sroflow db upgrade
	$(BIN)/sroflow demo --if-empty
	$(BIN)/sroflow serve --host $(HOST) --port $(PORT) --workers $(WORKERS) --with-scheduler

# The pictures in docs/processes/, drawn by our bpmn-js bundle in chromium (Playwright).
diagrams: setup
	$(BIN)/python -m webui.render_diagrams

test: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache node_modules webui/static/dist

# Benchmarks (bench/README.md): `make bench` writes bench/results/latest.json and the table in
# docs/performance.md; `make bench QUICK=1` is the same figures from a run under a minute.
.PHONY: bench
bench: $(STAMP)
	$(BIN)/python -m bench $(if $(QUICK),--quick) --docs docs/performance.md
