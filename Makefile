# Engage: `make run` sets everything up and serves the app with its scheduler;
# `make test` sets everything up and runs lint and every test.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := engage

.PHONY: setup run test lint pytest test-postgres test-browser system-deps assets clean-db format

setup: $(VENV)/.installed node_modules/.installed static/govuk/govuk-frontend.min.css

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

static/govuk/govuk-frontend.min.css: node_modules/.installed scripts/build-assets.mjs
	npm run --silent build

assets: node_modules/.installed
	npm run --silent build

# Chromium for the browser tests comes from Debian (playwright's own download cannot work here).
system-deps:
	@if ! command -v chromium >/dev/null 2>&1; then \
	  echo "Installing Chromium from Debian for the browser tests"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium fonts-liberation >/dev/null; \
	fi
	@# Dovecot for the mail-in tests (tests/mailin/dovecot.py runs its own, never the service).
	@if ! command -v dovecot >/dev/null 2>&1 && [ ! -x /usr/sbin/dovecot ]; then \
	  echo "Installing Dovecot (IMAP) from Debian for the mail-in tests"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dovecot-imapd >/dev/null; \
	fi

run: setup
	$(BIN)/flask db upgrade
	$(BIN)/flask seed-demo
	./scripts/run-local.sh

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/bandit -q -c pyproject.toml -r engage

pytest: setup system-deps
	$(BIN)/python -m pytest -n 2 --dist loadfile $(PYTEST_ARGS)

test: lint pytest

# Only the browser journeys (Chromium + axe-core); screenshots land in test-artifacts/screenshots/.
test-browser: setup system-deps
	$(BIN)/python -m pytest -n 2 --dist loadfile -m browser tests/browser $(PYTEST_ARGS)

# The whole suite against PostgreSQL (each run creates and drops its own database).
test-postgres: setup system-deps
	DATABASE_URL=$${DATABASE_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test} \
	  $(BIN)/python -m pytest -n 2 --dist loadfile $(PYTEST_ARGS)

format: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean-db:
	rm -f instance/engage.sqlite
