# haicap: the two commands are `make run` and `make test`; everything else serves them
# (`make check` is `make test` without the real-process tests, for the inner loop).
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PACKAGES := shared services/org-structure services/personnel services/assets services/reporting gateway scenario
STAMP := $(VENV)/.installed
PYPROJECTS := $(foreach p,$(PACKAGES),$(p)/pyproject.toml)
# The suite's worker processes (pytest-xdist): one runs every module of tests/ (the real processes),
# the others a module at a time (tests/conftest.py); TEST_WORKERS=0 runs them all in this process.
TEST_WORKERS ?= 2
PYTEST := $(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile

.PHONY: run test check install lint typecheck pytest clean import-country

## run: install, migrate, load the Cao Bằng demo, start the gateway and every service
run: install
	$(BIN)/python tools/run_stack.py

## test: install, then ruff, mypy and the whole suite on SQLite and PostgreSQL
test: install lint typecheck pytest

## check: install, then ruff, mypy and every in-process test (all but the real-process ones, marked `processes`)
check: install lint typecheck
	$(PYTEST) -m "not processes"

install: $(STAMP)

$(STAMP): constraints.txt requirements-dev.txt $(PYPROJECTS)
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "haicap needs Python 3.11 or newer"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -r requirements-dev.txt $(foreach p,$(PACKAGES),-e $(p))
	touch $(STAMP)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy -p haicap_shared -p haicap_org_structure -p haicap_personnel -p haicap_assets -p haicap_reporting -p haicap_gateway -p haicap_scenario

pytest: install
	$(PYTEST)

## import-country: import all 34 provinces and 3,321 communes into org-structure
import-country: install
	$(BIN)/haicap-org migrate
	$(BIN)/haicap-org import-units --all

clean:
	rm -rf var $(VENV)
