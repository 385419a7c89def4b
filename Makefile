# Shopfloor: `make run` to try it, `make test` to prove it. See README.md.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 5000
HTTPS_PORT ?= 5443
WORKERS ?= 2
export FLASK_APP := shopfloor

.PHONY: install install-test run test test-sqlite test-postgres test-browser lint translations bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

## install: the virtual environment .venv with the app, its dependencies and compiled translations
install: $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	$(BIN)/pybabel compile --use-fuzzy -d shopfloor/translations --statistics 2>&1 | tail -n 1

## install-test: install plus what the tests need (Python packages, PostgreSQL, Chromium)
install-test: install
	$(BIN)/python -m pip install --quiet -e '.[test]'
	scripts/system-deps

## run: migrate, load demo data into an empty database, and serve HTTP on $(PORT) and HTTPS
## (a local certificate authority under instance/tls/) on $(HTTPS_PORT); SHOPFLOOR_TLS=off: HTTP only
run: install
	$(BIN)/flask --app shopfloor db upgrade
	$(BIN)/flask --app shopfloor demo --if-empty
	$(BIN)/flask --app shopfloor serve --port $(PORT) --https-port $(HTTPS_PORT) --workers $(WORKERS)

## test: the whole suite on SQLite, then again on a throw-away PostgreSQL
test: install-test
	$(BIN)/ruff check shopfloor tests
	scripts/run-tests

test-sqlite: install-test
	scripts/run-tests sqlite

test-postgres: install-test
	scripts/run-tests postgres

## test-browser: only the phone-app tests, in Debian's Chromium (SQLite)
test-browser: install-test
	scripts/run-tests sqlite tests/browser

lint: install-test
	$(BIN)/ruff check shopfloor tests

## bench: the benchmark of issue 8 on synthetic histories (kept in bench-results/cache),
## SQLite and PostgreSQL; BENCH_ARGS="--strict" fails on a missed target (see BENCHMARKS.md)
bench: install
	$(BIN)/python bench/run.py $(BENCH_ARGS)

## translations: extract strings and update the catalogues after changing text
translations: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k t -k N_ -o shopfloor/translations/messages.pot .
	$(BIN)/pybabel update -i shopfloor/translations/messages.pot -d shopfloor/translations --no-fuzzy-matching

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
