# Two commands do everything on a fresh machine with Python 3.11+:
#   make up     install into .venv and run the whole system (chengnuo up)
#   make test   install into .venv and run every check and test
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: up test test-any-day lint types protos check-protos unit integration e2e demo bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[embedded,dev]'
	touch $(STAMP)

up: $(STAMP)
	$(BIN)/chengnuo up

# Every test, with branch coverage of services/ measured in the test process and in every service
# process the end-to-end tests start; the run fails below the floor (fail_under in pyproject.toml).
test: $(STAMP) lint types check-protos
	rm -rf .coverage-data
	$(BIN)/coverage run -m pytest
	$(BIN)/coverage combine --quiet
	@echo "branch coverage of services/ (per file: .venv/bin/coverage report):"
	$(BIN)/coverage report --format=total

# The integration and end-to-end suites once more, every stack's clock starting on a late-December
# day of a year whose holiday schedule is not loaded: proof that the suite passes on any date.
ANY_DAY ?= 2027-12-27
test-any-day: $(STAMP)
	CHENGNUO_CLOCK_START=$(ANY_DAY) $(BIN)/pytest tests/integration tests/e2e

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

types: $(STAMP)
	$(BIN)/mypy

protos: $(STAMP)
	$(BIN)/python scripts/protogen.py

check-protos: $(STAMP)
	$(BIN)/python scripts/protogen.py --check

unit: $(STAMP)
	$(BIN)/pytest tests/unit

integration: $(STAMP)
	$(BIN)/pytest tests/integration

e2e: $(STAMP)
	$(BIN)/pytest tests/e2e

# Every benchmark against its baseline on an embedded stack (a few minutes); figures go to
# bench/results/. Not part of `make test`, which runs only the harness's smoke test.
bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
