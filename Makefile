# Grondwerk: the two everyday commands are `make demo` and `make test`.
# Both create the virtual environment and install on first use.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.grondwerk-installed

.PHONY: demo test install airflow bench clean-demo constraints screenshots prodlike

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

## Run the demo tender through the whole halte (SQLite, local files, loopback stand-ins).
demo: $(STAMP)
	. ./env.sh && $(BIN)/grondwerk demo

## Run the test suite (needs PostgreSQL and Redis on 127.0.0.1, as on the development machines).
## Installs Debian's Chromium for the browser tests when it can (root); without it they are skipped.
test: $(STAMP)
	-bash scripts/install-browser.sh
	. ./env.sh && $(BIN)/pytest -q -p no:cacheprovider

## Refresh the screenshots in docs/screenshots/ from the browser tests.
screenshots: $(STAMP)
	. ./env.sh && GRONDWERK_SCREENSHOT_DIR=$(CURDIR)/docs/screenshots $(BIN)/pytest -q -p no:cacheprovider -m browser tests/web

## Start Airflow with its UI on http://127.0.0.1:8080 (api-server, scheduler, dag-processor, triggerer).
airflow: $(STAMP)
	. ./env.sh && bash scripts/airflow-local.sh

## Production-like run on loopback: PostgreSQL, Redis, Celery workers, 20 tenders, worker kills.
prodlike: $(STAMP)
	. ./env.sh && $(BIN)/python -m grondwerk.orchestration.prodlike --tenders 20

bench: $(STAMP)
	. ./env.sh && $(BIN)/python bench/dag_overhead.py

clean-demo:
	rm -rf dossiers var airflow_home

## Re-pin constraints.txt from the current virtual environment.
constraints:
	(echo "# Pinned working set for Python 3.11 with apache-airflow 3.3.2 (frozen from a verified environment;"; \
	 echo "# the official Airflow constraints file cannot be downloaded here). Regenerate: make constraints"; \
	 $(BIN)/pip freeze --exclude-editable | grep -v '^grondwerk') > constraints.txt
