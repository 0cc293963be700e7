# The two commands of the README: `make run` and `make test`. Everything else is their plumbing.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
# Tests run in parallel on every core; override with `make test PYTEST_WORKERS=0`.
PYTEST_WORKERS ?= auto
# Where `make run` serves: `make run PORT=8100` (and HOST=0.0.0.0 to reach it from elsewhere).
PORT ?= 8000
HOST ?= 127.0.0.1
export PORT HOST

.PHONY: run test e2e faults fuzz bench lint mutation typecheck clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.runtime: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.runtime

run: $(VENV)/.runtime
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	@echo
	@echo "Tandem is starting at http://$(HOST):$(PORT) (web, Celery worker and beat; Ctrl-C stops all)"
	@echo
	TANDEM_DEMO_MFA_CODE=000000 TANDEM_PORTAL_ERROR_PAGES=1 TANDEM_SITE_URL=$${TANDEM_SITE_URL:-http://$(HOST):$(PORT)} $(BIN)/honcho start --port $(PORT)

test: $(VENV)/.dev
	@if command -v npm >/dev/null; then cd e2e && npm install --no-audit --no-fund --silent; fi
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/mypy .
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/pytest -n $(PYTEST_WORKERS) -m "not faults" $(PYTEST_ARGS)

# The long fault suite with real processes (needs PostgreSQL and Redis, like CI): a 30-second
# Redis outage, 300 rows through two beats and four sweeps, a lost risk-alert hand-off, and the
# quick scenarios of `make test` again. TANDEM_FAULT_REPORT=file collects each scenario's tally.
# The journeys in a real browser (Debian's chromium, driven by Playwright) against gunicorn and a
# worker; `make test` runs them too. Screenshots of every step at 1280 and 375 px: e2e/screenshots/.
e2e: $(VENV)/.dev
	@command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium)
	cd e2e && npm install --no-audit --no-fund --silent
	$(BIN)/pytest -n $(PYTEST_WORKERS) -m e2e e2e/ $(PYTEST_ARGS)

faults: $(VENV)/.dev
	$(BIN)/pytest -n $(PYTEST_WORKERS) notifications/tests/test_faults.py $(PYTEST_ARGS)

# The benchmark suite (bench/README.md): needs DATABASE_URL (PostgreSQL) and REDIS_URL. QUICK=1
# runs every part tiny and short, as CI does: it checks the harness and the report, not figures.
bench: $(VENV)/.dev
	@command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)
	$(BIN)/python -m bench.run $(if $(QUICK),--quick)

# The hostile-input tests of issue 13 with many random examples instead of make test's few
# repeatable ones (TANDEM_FUZZ_EXAMPLES per form and service; a few minutes).
FUZZ_EXAMPLES ?= 300
fuzz: $(VENV)/.dev
	TANDEM_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/pytest -n $(PYTEST_WORKERS) -p no:cacheprovider \
		portal/tests/test_fuzz_forms.py portal/tests/test_fuzz_services.py $(PYTEST_ARGS)

lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/lint-imports

typecheck: $(VENV)/.dev
	$(BIN)/mypy .

# Mutation testing of the rule modules (tools/mutation.py, docs/mutation.md): every mutant of
# the instruments, routing, slots and eligibility, the cadence and the outbox, against their
# tests on SQLite. Fails on a survivor docs/mutation.md does not explain. Not part of `make
# test` (it takes about 25 minutes on two busy cores). MODULES=goals.cadence runs one module.
mutation: $(VENV)/.dev
	$(BIN)/python tools/mutation.py $(MODULES)

clean:
	rm -rf $(VENV) var
