# The portal's everyday commands. `make` or `make help` lists them.
PY ?= .venv/bin/python
PYBABEL ?= .venv/bin/pybabel
TRANSLATIONS := portal/translations
EXTRACT := $(PYBABEL) extract -F babel.cfg -k _ -k gettext -k ngettext:1,2 --no-location --sort-output \
	--project=portal --copyright-holder="The portal authors" -o $(TRANSLATIONS)/messages.pot .

.PHONY: help setup run demo test test-sqlite test-postgres e2e lint typecheck translations compile bench ci

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  %-16s %s\n", $$1, $$2}'

setup: ## create .venv and install the portal with its test tools
	python3 -m venv .venv
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'

run: ## migrate, load the demo data and serve on http://127.0.0.1:8000
	.venv/bin/portal demo
	.venv/bin/portal serve

demo: ## load (or refresh) the demo data
	.venv/bin/portal demo

test: ## the whole suite: unit, integration and browser tests (SQLite, and PostgreSQL when reachable)
	./scripts/test

lint: ## ruff (lint and format check)
	$(PY) -m ruff check portal tests e2e bench
	$(PY) -m ruff format --check portal tests e2e bench

typecheck: ## mypy on the portal package
	$(PY) -m mypy

translations: ## extract texts from code and templates, update the catalogues
	$(EXTRACT)
	$(PYBABEL) update -i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS) --no-wrap --ignore-obsolete

compile: ## compile the catalogues to .mo files (the portal also does it when they are stale)
	$(PYBABEL) compile -d $(TRANSLATIONS) --statistics

bench: ## benchmarks: pages against a bare Litestar app, sign-ins against raw argon2, document uploads against plain storage, messages against a bare page (ratios printed)
	$(PY) -m bench.run
	$(PY) -m bench.sign_in
	$(PY) -m bench.documents
	$(PY) -m bench.db_connections
	$(PY) -m bench.messages

ci: ## what CI runs, from a clean clone
	bash .ci/run
