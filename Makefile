# `make run` and `make test` are all a newcomer needs: each creates .venv on first use.
# Python 3.11 to 3.13: the first of these that is 3.11 or newer (or PYTHON=...).
ifndef PYTHON
PYTHON := $(shell for p in python3 python3.13 python3.12 python3.11; do \
	command -v $$p >/dev/null && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
	2>/dev/null && command -v $$p && break; done)
endif
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell sha1sum pyproject.toml | cut -c1-12)

.PHONY: run test lint migrations bench clean

# The stamp appears only once an install succeeded. A .venv without one (an install
# that failed or was interrupted, a venv made without pip) or whose python no longer
# runs (the system Python was upgraded) is made again, never reused.
$(STAMP): pyproject.toml
	@test -n "$(PYTHON)" || { echo "Porte-voix needs Python 3.11 or newer: set PYTHON=/path/to/python3"; exit 1; }
	@if ! ls $(VENV)/.installed-* >/dev/null 2>&1 || ! $(BIN)/python -m pip --version >/dev/null 2>&1; then \
		rm -rf $(VENV) && echo "Creating $(VENV) with $(PYTHON)" && $(PYTHON) -m venv $(VENV); \
	fi
	@rm -f $(VENV)/.installed-*
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

run: $(STAMP)
	$(BIN)/portevoix run

test: $(STAMP)
	$(BIN)/pytest -q --durations=15 $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check app tests bench
	$(BIN)/mypy app
	$(BIN)/lint-imports

# Write a migration for model changes: make migrations
migrations: $(STAMP)
	$(BIN)/python -m tortoise -c app.db.MIGRATIONS_CONFIG makemigrations

bench: $(STAMP)
	@for script in bench/*.py; do $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) data .pytest_cache .mypy_cache .ruff_cache
