# The two commands: `make demo` runs the product, `make test` runs the tests.
# Both need only Python 3.11+; everything else is installed into .venv.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test test-fast lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# make demo ARGS="--reset" (or any option of `slotwise demo --help`)
demo: $(STAMP)
	$(BIN)/slotwise demo $(ARGS)

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The inner loop: everything but the browser tests and those that start processes.
# `make test` (all of them) is what CI runs.
test-fast: $(STAMP)
	$(BIN)/python -m pytest -m "not browser and not slow" $(PYTEST_ARGS)

bench: $(STAMP)
	$(BIN)/python -m bench $(BENCH_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests
	$(BIN)/mypy src tests

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
