# `make run` and `make test` are all a newcomer needs: each creates .venv on first use.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell sha1sum pyproject.toml | cut -c1-12)

.PHONY: run test lint migrations bench clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@rm -f $(VENV)/.installed-*
	@touch $(STAMP)

run: $(STAMP)
	$(BIN)/portevoix run

test: $(STAMP)
	$(BIN)/pytest -q --durations=15 $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check app tests bench
	$(BIN)/mypy app

# Write a migration for model changes: make migrations
migrations: $(STAMP)
	$(BIN)/python -m tortoise -c app.db.MIGRATIONS_CONFIG makemigrations

bench: $(STAMP)
	@for script in bench/*.py; do $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) data .pytest_cache .mypy_cache .ruff_cache
