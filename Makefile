# Crisis Desk. Quick start: `make run` (serve on http://127.0.0.1:5000) and `make test`.
# Tool settings (ruff, mypy) and the package metadata live in pyproject.toml.
PYTHON ?= python3.11
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
INDEX  ?= $(or $(CRISIS_DESK_INDEX),index)
HOST   ?= 127.0.0.1
PORT   ?= 5000
# Production WSGI server: one single-threaded worker process per core, serving one shared queue (serving.py).
WORKERS ?= 2

.PHONY: run dev test lint format index setup browser clean

# The pinned requirements, then the project itself (editable, no further dependencies): the `crisis-desk`
# command, the same CLI as `python -m indexer`.
$(STAMP): requirements.txt requirements-dev.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt -r requirements-dev.txt
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $(STAMP)

setup: $(STAMP)

# Build the index from seeds/ only when there is none; `python -m indexer build` re-indexes.
$(INDEX)/CURRENT: | $(STAMP)
	$(PY) -m indexer build seeds --index $(INDEX)

index: $(INDEX)/CURRENT

run: $(STAMP) $(INDEX)/CURRENT
	CRISIS_DESK_INDEX=$(INDEX) $(PY) -m gunicorn --config serving.py --bind $(HOST):$(PORT) \
	  --workers $(WORKERS) 'app:create_app()'

# Flask's development server with the debugger off and reloading on: for working on templates.
dev: $(STAMP) $(INDEX)/CURRENT
	CRISIS_DESK_INDEX=$(INDEX) $(PY) -m flask --app app run --host $(HOST) --port $(PORT) --reload

# Browser tests drive Debian's chromium; install it when it is missing (never a downloaded build).
browser:
	@test -x /usr/bin/chromium || { \
	  echo "Installing Debian's chromium for the browser tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core >/dev/null; }

# Lint (ruff), layout (import order and ruff's formatter) and the type check of search/ and indexer/ (mypy).
lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff check --select I .
	$(PY) -m ruff format --check .
	$(PY) -m mypy

# Sort imports and format the code in place (what `lint` checks for layout).
format: $(STAMP)
	$(PY) -m ruff check --select I --fix .
	$(PY) -m ruff format .

test: $(STAMP) browser lint
	$(PY) -m pytest

clean:
	rm -rf $(VENV) index .pytest_cache .mypy_cache .ruff_cache test-output *.egg-info
