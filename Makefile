# NAJMA: the two commands a newcomer needs are `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app app

.PHONY: install run test e2e test-postgres translations extract-messages benchmark clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# xstatic-bootstrap's sdist imports pkg_resources at build time, which setuptools 81 removed:
# build it without isolation against an older setuptools.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --upgrade pip "setuptools<81" wheel
	$(BIN)/pip install --quiet --no-build-isolation "xstatic-bootstrap>=5.3"
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@

install: $(VENV)/.installed

translations: install
	$(BIN)/pybabel compile -d najma/translations

extract-messages: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o najma/translations/messages.pot .
	$(BIN)/pybabel update -i najma/translations/messages.pot -d najma/translations --no-fuzzy-matching

run: translations
	$(FLASK) db upgrade
	$(FLASK) najma seed
	$(FLASK) najma demo --if-empty
	@echo "NAJMA is starting on http://127.0.0.1:5000 (Ctrl+C to stop)."
	$(FLASK) run --host 127.0.0.1 --port 5000

# Two workers (pytest-xdist): the machine has two cores; on PostgreSQL each worker gets its own
# database next to DATABASE_URL's (tests/conftest.py). TEST_WORKERS=0 runs in one process.
TEST_WORKERS ?= 2

test: translations
	$(BIN)/pytest -m "not e2e" -n $(TEST_WORKERS) --cov=najma --cov-report=term:skip-covered

test-postgres: translations
	$(BIN)/pytest -m "not e2e" -n $(TEST_WORKERS)

e2e: translations
	$(BIN)/pytest -m e2e tests/e2e

benchmark: translations
	$(BIN)/python -m benchmarks.run

clean:
	rm -rf $(VENV) .pytest_cache .coverage htmlcov
