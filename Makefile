# Promise OMS: `make run` and `make test` are all a new user needs.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: install run test test-sqlite test-postgres lint format schema fuzz bench clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

install: $(STAMP)

## Migrate, seed the demo network when empty, serve GraphiQL on 127.0.0.1:8000.
run: install
	$(BIN)/oms serve --demo

## Lint, then the whole suite on SQLite and again on PostgreSQL + Redis.
test: install lint test-sqlite test-postgres

test-sqlite: install
	$(BIN)/pytest --backend sqlite

test-postgres: install
	$(BIN)/pytest --backend postgres

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

schema: install
	$(BIN)/oms export-schema --output schema.graphql

## Long property-based fuzzing of the schema per kind of caller (make test runs a short one).
fuzz: install
	OMS_FUZZ_EXAMPLES=$${OMS_FUZZ_EXAMPLES:-1000} $(BIN)/pytest tests/api/test_fuzz_api.py

## Benchmarks (PostgreSQL and Redis on 127.0.0.1); figures go to bench/results/ and the README.
bench: install
	$(BIN)/python -m bench.sourcing
	$(BIN)/python -m bench.availability
	$(BIN)/python -m bench.place_order
	$(BIN)/python -m bench.import_inventory

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
