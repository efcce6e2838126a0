# Doorstep — two commands: `make run` and `make test`. Both bootstrap .venv from pyproject.toml.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000
# Where absolute links (messages, "keep this link", carrier pages) point: this server,
# unless PORTAL_PUBLIC_BASE_URL is set in the environment (e.g. behind a proxy).
PORTAL_PUBLIC_BASE_URL ?= http://$(HOST):$(PORT)

.PHONY: run test lint format worker static messages clean

# The virtualenv is rebuilt when pyproject.toml changes.
$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed-run: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml tests/plugins/doorstep_example_carrier/pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	$(BIN)/pip install --quiet --no-deps -e tests/plugins/doorstep_example_carrier
	touch $(VENV)/.installed-run $@

# Front-end libraries come from the npm registry (package.json); nothing third-party is committed.
static/vendor/.installed: package.json
	npm ci --no-audit --no-fund --loglevel=error
	mkdir -p static/vendor
	cp node_modules/htmx.org/dist/htmx.min.js static/vendor/htmx.min.js
	cp node_modules/axe-core/axe.min.js static/vendor/axe.min.js
	touch $@

static: static/vendor/.installed

run: $(VENV)/.installed-run static
	$(BIN)/portal migrate
	PORTAL_PUBLIC_BASE_URL="$(PORTAL_PUBLIC_BASE_URL)" $(BIN)/portal demo
	PORTAL_PUBLIC_BASE_URL="$(PORTAL_PUBLIC_BASE_URL)" $(BIN)/portal run --host $(HOST) --port $(PORT)

worker: $(VENV)/.installed-run
	$(BIN)/portal worker

test: $(VENV)/.installed-test static
	$(BIN)/ruff check portal carriers tests benchmarks
	$(BIN)/mypy
	$(BIN)/pytest

lint: $(VENV)/.installed-test
	$(BIN)/ruff check portal carriers tests benchmarks
	$(BIN)/ruff format --check portal carriers tests benchmarks
	$(BIN)/mypy

format: $(VENV)/.installed-test
	$(BIN)/ruff format portal carriers tests benchmarks
	$(BIN)/ruff check --fix portal carriers tests benchmarks

clean:
	rm -rf $(VENV) node_modules static/vendor var .pytest_cache .ruff_cache

# Extract translatable strings and merge them into every shipped language's catalogue.
messages: $(VENV)/.installed-test
	$(BIN)/pybabel extract -F babel.cfg -k lazy -k _ -k gettext -k ngettext:1,2 -k pgettext:1c,2 \
		--no-location --sort-output -o portal/locale/messages.pot .
	for lang in pl ro ru el uk bg; do \
		$(BIN)/pybabel update -i portal/locale/messages.pot -d portal/locale -l $$lang \
			--no-fuzzy-matching --ignore-obsolete --width 100; \
	done
