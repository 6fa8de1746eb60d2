# Promise OMS: `make run` and `make test` are all a new user needs.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
E2E_STAMP := e2e/node_modules/.installed-stamp

.PHONY: install e2e-install run test test-spec test-sqlite test-postgres test-reference lint composition conformance format schema screenshots fuzz bench bench-quick bench-report clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

install: $(STAMP)

## Node packages of the supergraph suite (gateways, composers, clients), from the committed lock.
$(E2E_STAMP): e2e/package-lock.json
	cd e2e && npm ci --no-audit --no-fund --loglevel=error
	@touch $(E2E_STAMP)

e2e-install: $(E2E_STAMP)

## Migrate, seed the demo network when empty, serve GraphiQL on 127.0.0.1:8000.
run: install
	$(BIN)/oms serve --demo

## Lint, graphql-core's own execution tests against engine/, composition and conformance, then the whole suite on SQLite and on PostgreSQL + Redis
## (planned executor), and once more on SQLite under graphql-core's executor (OMS_EXECUTOR=reference).
test: install lint test-spec composition conformance test-sqlite test-postgres test-reference

## graphql-core 3.3.2's tests/execution (from its sdist, cached in var/) run against engine/: tests/spec/.
## ENGINE_SPEC_TARGET=graphql runs them on graphql-core itself; SPEC_ARGS passes pytest options (-k, -x, ...).
SPEC_DIR := var/graphql-core-3.3.2
test-spec: install
	$(BIN)/python tests/spec/fetch_graphql_core_tests.py
	cd $(SPEC_DIR) && PYTHONPATH=$(CURDIR)/tests/spec$${PYTHONPATH:+:$$PYTHONPATH} $(CURDIR)/$(BIN)/pytest -p engine_spec_plugin \
		-p no:cacheprovider -c pyproject.toml --rootdir . -o addopts= $(SPEC_ARGS) tests/execution

test-sqlite: install e2e-install
	$(BIN)/pytest --backend sqlite

test-postgres: install e2e-install
	$(BIN)/pytest --backend postgres

## The whole suite under the reference executor: graphql-core stays a working fallback.
test-reference: install e2e-install
	OMS_EXECUTOR=reference $(BIN)/pytest --backend sqlite

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .
	$(BIN)/pytest -q -p no:randomly tests/test_import_graph.py tests/test_architecture.py

## schema.graphql must compose with a catalog subgraph under Apollo's and the Guild's composers.
composition: e2e-install
	cd e2e && node compose.mjs --subgraph oms=../schema.graphql --subgraph catalog=catalog.graphql

## Conformance: graphql-http's GraphQL-over-HTTP audit (e2e/audit.mjs) against a live POST /graphql, no error
## and no warning; every name of ../shared/CONTRACT.md in the schema with the type written there.
conformance: install e2e-install
	$(BIN)/pytest -q -p no:cacheprovider --backend sqlite tests/e2e/test_graphql_over_http.py tests/test_contract.py

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## The README's screenshots of /demo and /console, taken by the browser tests.
screenshots: install
	OMS_SCREENSHOTS=docs/screenshots $(BIN)/pytest --backend sqlite tests/browser

schema: install
	$(BIN)/oms export-schema --output schema.graphql

## Long property-based fuzzing of the schema per kind of caller, and of planned vs graphql-core answers
## (make test runs short ones).
fuzz: install
	OMS_FUZZ_EXAMPLES=$${OMS_FUZZ_EXAMPLES:-1000} $(BIN)/pytest tests/api/test_fuzz_api.py
	OMS_DIFF_EXAMPLES=$${OMS_DIFF_EXAMPLES:-2000} $(BIN)/pytest --backend sqlite tests/differential/test_generated_differential.py

## Benchmarks (PostgreSQL and Redis on 127.0.0.1), each beside a floor measured in the same run:
## bench/results/*.json and bench/results/summary.md (the README's table). About 5 minutes on 2 cores, plus the
## 10-minute soak (bench/soak.py; --soak-seconds N to change it, --only soak for it alone);
## the first run also seeds the large network (~1.5 min) and caches it (var/bench-cache/, PostgreSQL template).
bench: install
	$(BIN)/python -m bench.suite

## The operations report over a year of hourly rollups on PostgreSQL, and the rollup job catching up on seeded history.
bench-report: install
	$(BIN)/python -m bench.operations_report

## Two configurations, shorter measurements, 100,000 import lines, a 60 s soak: about 2.5 minutes.
bench-quick: install
	$(BIN)/python -m bench.suite --quick

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache e2e/node_modules
