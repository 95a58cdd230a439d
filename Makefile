# listwarden — `make help` lists the targets. Every target sets up what it needs.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_HOME ?= .listwarden-demo
# The equality dashboard compares against a census baseline; the shared data has one.
LISTWARDEN_CENSUS_BASELINE ?= $(wildcard ../shared/data/census2011_london_boroughs_ethnic_group.csv)
export LISTWARDEN_CENSUS_BASELINE
NODE_STAMP := node_modules/.installed
STATIC := src/listwarden/web/static
STATIC_STAMP := $(STATIC)/.built

.DEFAULT_GOAL := help

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[postgres,hsm,dlp,dev]'
	@touch $(STAMP)

venv: $(STAMP) ## Create .venv and install the package with its extras

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $(NODE_STAMP)

$(STATIC_STAMP): $(NODE_STAMP) scripts/build-assets.sh $(wildcard src/listwarden/web/frontend/*)
	@bash scripts/build-assets.sh
	@touch $(STATIC_STAMP)

assets: $(STATIC_STAMP) ## Install the npm packages (GOV.UK Frontend, htmx, axe-core) and build the web pages' static folder

system-deps: ## Install Debian packages the tests need when missing (PostgreSQL, softhsm2, age, Chromium)
	@bash scripts/system-deps.sh

postgres: ## Make sure a PostgreSQL server answers on 127.0.0.1:5432
	@bash scripts/ensure-postgres.sh

demo: venv assets ## Generate the synthetic Matrix in $(DEMO_HOME), print the summary and serve
	rm -rf $(DEMO_HOME)
	LISTWARDEN_HOME=$(DEMO_HOME) $(BIN)/listwarden demo $(DEMO_ARGS)

test: venv system-deps postgres assets ## Run the whole test suite on SQLite and PostgreSQL
	$(BIN)/pytest -q -W error

lint: venv ## ruff, mypy and the layer contracts
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests
	$(BIN)/mypy src
	$(BIN)/lint-imports

bench: venv ## Run the benchmarks (BENCH_ARGS="--only core --json")
	$(BIN)/listwarden bench $(BENCH_ARGS)

clean: ## Remove the virtual environment, npm packages, built assets and demo data
	rm -rf $(VENV) $(DEMO_HOME) node_modules $(STATIC) test-artifacts

.PHONY: help venv assets system-deps postgres demo test lint bench clean
