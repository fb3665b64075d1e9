# Two commands matter: `make run` and `make test`. Both set up .venv themselves.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

# Defaults for `make run`; anything already set in the environment wins (DESIGN §6).
# Without IKBOT_WORKBOOK, `make run` builds and serves the demo plans in $(IKBOT_DATA_DIR)/demo.
IKBOT_DATA_DIR ?= var
IKBOT_HOST ?= 127.0.0.1
IKBOT_PORT ?= 3978
export IKBOT_DATA_DIR IKBOT_HOST IKBOT_PORT

.PHONY: install run test lint playground bench bench-quick clean e2e postgresql report-pdf

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "Python 3.11 or newer is needed")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

# The official Teams manifest schemas for the app package's tests (package.json).
NODE_STAMP := node_modules/.installed
$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $(NODE_STAMP)

# `make run GRAPH=fake`: the same demo through the Graph backend and a fake Graph server.
run: $(STAMP)
ifeq ($(GRAPH),fake)
	$(BIN)/python -m tests.fakes.graph_demo
else
	$(BIN)/ikbot serve --demo
endif

# The store's tests run on SQLite and on a real PostgreSQL: Debian's postgresql package
# (installed here when missing), started as a throwaway server for the run by
# tests/pg_server.py and stopped afterwards. IKBOT_TEST_DATABASE_URL (a server where the
# user may CREATE DATABASE) is used instead when it is set.
postgresql:
ifndef IKBOT_TEST_DATABASE_URL
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null || { \
		echo "Installing PostgreSQL for the tests (Debian's postgresql package)"; \
		DEBIAN_FRONTEND=noninteractive apt-get update -q && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql; \
	} || { echo "make test needs PostgreSQL: install Debian's postgresql package" \
		"(apt-get install postgresql) or set IKBOT_TEST_DATABASE_URL." >&2; exit 1; }
endif

test: $(STAMP) $(NODE_STAMP) postgresql
	$(BIN)/python -m tests.pg_server run -- $(BIN)/python -m pytest

# `make e2e`: the bot in the Microsoft 365 Agents Playground, driven in headless Chromium,
# and every card through the Adaptive Cards renderer (see e2e/run.sh); then the follow-up
# reports through LibreOffice to PDF (see report-pdf below).
E2E_STAMP := e2e/node_modules/.installed

$(E2E_STAMP): e2e/package.json e2e/package-lock.json
	cd e2e && npm ci --no-audit --no-fund
	@touch $(E2E_STAMP)

/usr/bin/chromium:
	DEBIAN_FRONTEND=noninteractive apt-get update -q
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium

e2e: $(STAMP) $(E2E_STAMP) /usr/bin/chromium
	bash e2e/run.sh
	bash e2e/report_pdf.sh

# The follow-up reports through LibreOffice to PDF, checked with pdftotext, pages as images
# in e2e/artifacts/report/ (installs libreoffice-writer and poppler-utils when missing).
report-pdf: $(STAMP)
	bash e2e/report_pdf.sh

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/mypy --strict bot/domain bot/store

# The Playground's web UI; the bot's address comes from IKBOT_HOST and IKBOT_PORT, like `make run`.
PLAYGROUND_PORT ?= 56150

playground:
	@echo "Öppna http://localhost:$(PLAYGROUND_PORT) i webbläsaren (boten: http://$(IKBOT_HOST):$(IKBOT_PORT)/api/messages)."
	TEAMSAPPTESTER_BROWSER=none npx --yes @microsoft/m365agentsplayground start \
		-e http://$(IKBOT_HOST):$(IKBOT_PORT)/api/messages -c msteams --disable-telemetry \
		-p $(PLAYGROUND_PORT)

# bench/store.py starts a throwaway PostgreSQL like `make test` (or uses IKBOT_TEST_DATABASE_URL).
bench: $(STAMP) postgresql
	$(BIN)/python bench/turns.py
	$(BIN)/python bench/landing.py
	$(BIN)/python bench/landing.py --burst
	$(BIN)/python bench/graft.py
	$(BIN)/python bench/startup.py
	$(BIN)/python bench/plansize.py
	$(BIN)/python bench/profile_turn.py
	$(BIN)/python bench/graph.py
	$(BIN)/python bench/status.py
	$(BIN)/python bench/store.py
	$(BIN)/python bench/plans.py
	$(BIN)/python bench/report.py
	$(BIN)/python bench/reminders.py

bench-quick: $(STAMP) postgresql
	$(BIN)/python bench/turns.py --quick
	$(BIN)/python bench/landing.py --quick
	$(BIN)/python bench/graft.py --quick
	$(BIN)/python bench/startup.py --quick
	$(BIN)/python bench/plansize.py --quick
	$(BIN)/python bench/graph.py --quick
	$(BIN)/python bench/status.py --quick
	$(BIN)/python bench/store.py --quick
	$(BIN)/python bench/plans.py --quick
	$(BIN)/python bench/report.py --quick
	$(BIN)/python bench/reminders.py --quick

clean:
	rm -rf $(VENV) var dist node_modules e2e/node_modules e2e/artifacts
