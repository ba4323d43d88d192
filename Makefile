# The portal's everyday commands. `make` or `make help` lists them.
PY ?= .venv/bin/python
PYBABEL ?= .venv/bin/pybabel
TRANSLATIONS := portal/translations
EXTRACT := $(PYBABEL) extract -F babel.cfg -k _ -k gettext -k ngettext:1,2 --no-location --sort-output \
	--project=portal --copyright-holder="The portal authors" -o $(TRANSLATIONS)/messages.pot .

.PHONY: help setup run demo test e2e lint typecheck translations compile bench ci

help: ## list the targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  %-16s %s\n", $$1, $$2}'

setup: ## create .venv and install the portal with its test tools and Chromium (the README's second command, without the tests)
	sh .ci/setup --test

run: ## set up, migrate, load the demo data and serve on http://127.0.0.1:8000 (the README's first command)
	sh .ci/setup && .venv/bin/portal demo && .venv/bin/portal serve

demo: ## load (or refresh) the demo data
	.venv/bin/portal demo

test: ## the whole suite: unit, integration and browser tests (SQLite, and PostgreSQL when reachable): the README's second command
	sh .ci/setup --test && .venv/bin/python -m pytest

e2e: ## the browser journeys only (Chromium, JavaScript on and off)
	$(PY) -m pytest e2e

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
