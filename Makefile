# The two commands: `make demo` runs the product, `make test` runs the tests.
# Both need Python 3.11+ and Node.js 20 with npm; everything else is installed into .venv
# (Python, from requirements.lock) and frontend/node_modules (the pages' libraries, from
# frontend/package-lock.json).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

WEB_BUILD := src/slotwise/web/static/build/.built

.PHONY: demo test test-fast lint bench clean web lock

# Every Python package at the version and hash the lock file names; then the project itself.
$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

# After a change of the dependencies in pyproject.toml: the lock file anew (pip-tools runs in
# a venv of its own, so it never enters the project's).
lock:
	$(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install --quiet pip-tools
	.lock-venv/bin/pip-compile --quiet --extra dev --generate-hashes --strip-extras \
		--allow-unsafe --no-emit-index-url --no-emit-find-links \
		--output-file requirements.lock pyproject.toml
	rm -rf .lock-venv

# The calendar component and its style sheet, bundled from the lock file.
$(WEB_BUILD): frontend/package.json frontend/package-lock.json frontend/event-calendar.js
	cd frontend && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	cd frontend && npm run --silent build -- --log-level=warning
	touch $@

web: $(WEB_BUILD)

# make demo ARGS="--reset" (or any option of `slotwise demo --help`)
demo: $(STAMP) $(WEB_BUILD)
	$(BIN)/slotwise demo $(ARGS)

test: $(STAMP) $(WEB_BUILD)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The inner loop: everything but the browser tests and those that start processes.
# `make test` (all of them) is what CI runs.
test-fast: $(STAMP) $(WEB_BUILD)
	$(BIN)/python -m pytest -m "not browser and not slow" $(PYTEST_ARGS)

bench: $(STAMP)
	$(BIN)/python -m bench $(BENCH_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests
	$(BIN)/mypy src tests

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache frontend/node_modules src/slotwise/web/static/build
