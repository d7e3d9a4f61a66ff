# Two commands do all set-up on a fresh Debian machine: `make demo` and `make test`.
# Both create .venv, install the Python deps and Debian's Chromium when missing; safe to re-run.

VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
PYTEST_ARGS ?=

.PHONY: setup demo test lint services clean

setup: $(STAMP)
	@scripts/ensure-system-packages chromium

$(STAMP): pyproject.toml
	@test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

demo: setup
	$(VENV)/bin/testforge demo

services:
	@scripts/ensure-system-packages services
	@scripts/start-services

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

test: setup services lint
	. .testforge/services.env 2>/dev/null; $(PY) -m pytest $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) testforge-out .pytest_cache .mypy_cache .ruff_cache
