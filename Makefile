# KOK-Wissensportal. Every target sets up what it needs; `make help` lists them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
APP := $(BIN)/flask --app portal
HOST ?= 127.0.0.1
PORT ?= 5000

.DEFAULT_GOAL := help
.PHONY: help run test test-postgres test-fast lint format translations update-translations bench bench-load bench-relevance clean-venv

help: ## List the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  make %-20s %s\n", $$1, $$2}'

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.run-deps: requirements.txt | $(BIN)/activate
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev-deps: requirements.txt requirements-dev.txt | $(BIN)/activate
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $(VENV)/.run-deps $@

translations: $(VENV)/.run-deps ## Compile the message catalogues
	$(BIN)/pybabel compile --use-fuzzy -d portal/translations -f

run: $(VENV)/.run-deps translations ## Set up and start the portal on http://127.0.0.1:5000 (or: make run HOST=… PORT=5101)
	PORTAL_HOST=$(HOST) PORTAL_PORT=$(PORT) $(APP) bootstrap
	PORTAL_HOST=$(HOST) PORTAL_PORT=$(PORT) $(APP) run --host $(HOST) --port $(PORT)

# Tests run in parallel on every core (pytest-xdist; the browser tests share one worker and
# one Chromium); tests marked `slow` (timing assertions, killed processes) run afterwards alone.
XDIST := -n auto --dist loadgroup

test: $(VENV)/.dev-deps translations ## Set up and run the whole test suite
	./scripts/ensure-test-tools.sh
	./scripts/ensure-deploy-tools.sh
	$(BIN)/python -m pytest $(XDIST) -m "not slow"
	$(BIN)/python -m pytest -m slow

test-postgres: $(VENV)/.dev-deps translations ## Run the whole suite on a throw-away PostgreSQL server (and Redis)
	./scripts/ensure-test-tools.sh
	./scripts/ensure-deploy-tools.sh
	./scripts/with-services.sh --postgres --redis -- sh -c '$(BIN)/python -m pytest $(XDIST) -m "not slow" $(PYTEST_ARGS) && { $(BIN)/python -m pytest -m slow $(PYTEST_ARGS); rc=$$?; [ $$rc -eq 0 ] || [ $$rc -eq 5 ]; }'

test-fast: $(VENV)/.dev-deps translations ## Run the tests without the browser and slow tests
	$(BIN)/python -m pytest $(XDIST) -m "not browser and not slow"

lint: $(VENV)/.dev-deps ## Check code style and formatting with ruff
	$(BIN)/ruff check portal tests bench config.py
	$(BIN)/ruff format --check portal tests bench config.py

format: $(VENV)/.dev-deps ## Format the code with ruff
	$(BIN)/ruff format portal tests bench config.py

update-translations: $(VENV)/.dev-deps ## Extract strings and update the catalogues
	$(BIN)/pybabel extract --no-location --sort-output -F babel.cfg -k _l -k lazy_gettext -o portal/translations/messages.pot .
	$(BIN)/pybabel update -i portal/translations/messages.pot -d portal/translations

bench: $(VENV)/.dev-deps translations ## Run the benchmarks (prints figures)
	$(BIN)/python bench/search_bench.py

LOAD_ARGS ?=
bench-load: $(VENV)/.dev-deps translations ## Load test: 50 users for 5 min on gunicorn + PostgreSQL + Redis, then on SQLite
	./scripts/with-services.sh --postgres --redis -- $(BIN)/python bench/load.py $(LOAD_ARGS)
	./scripts/with-services.sh --redis -- $(BIN)/python bench/load.py $(LOAD_ARGS)

clean-venv: ## Remove the virtual environment
	rm -rf $(VENV)

bench-relevance: $(VENV)/.dev-deps translations ## Run the relevance benchmark (portal vs BM25; --quick: make bench-relevance ARGS=--quick)
	$(BIN)/python bench/relevance_bench.py $(ARGS)
