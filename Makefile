# The README's commands. Only Python 3.11 and make are needed; everything else is installed
# into .venv by these rules.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app app
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test test-pg lint bench translations screenshots clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.runtime: requirements.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt $(VENV)/.runtime
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@

run: $(VENV)/.runtime
	$(BIN)/alembic upgrade head
	$(FLASK) instruments sync
	$(FLASK) dev-setup
	@if $(FLASK) surveys list | grep -qx 'No surveys.'; then $(FLASK) seed-demo; fi
	@# The web server and a worker (email, schedules, ballots) together; Ctrl-C stops both.
	$(BIN)/python -m app.worker.launcher --host $(HOST) --port $(PORT)

test: $(VENV)/.dev
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test-pg: $(VENV)/.dev
	TEST_DATABASE_URL=$${TEST_DATABASE_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test} \
	  $(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache
	$(BIN)/bandit -q -r app config.py --severity-level medium

bench: $(VENV)/.dev
	@for f in bench/bench_*.py; do echo "== $$f"; $(BIN)/python $$f || exit 1; done

# After changing translatable text: refresh the catalogs, translate the new entries in
# app/translations/*/LC_MESSAGES/messages.po, then run this again to compile them.
translations: $(VENV)/.dev
	$(BIN)/pybabel extract -F babel.cfg -k _l -k ngettext -k N_ --no-location --omit-header -o app/translations/messages.pot .
	$(BIN)/pybabel update -i app/translations/messages.pot -d app/translations --no-fuzzy-matching
	$(BIN)/pybabel compile -d app/translations

# The README's screenshots (needs /usr/bin/chromium); commit the PNGs in docs/img.
screenshots: $(VENV)/.dev
	$(BIN)/python docs/screenshots.py --out docs/img

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
