# The two commands of the README: `make run` and `make test`. Both set up whatever is
# missing first (virtual environment, Python and npm packages, browser, migrations) and
# are quick when everything is already in place.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
STAMP := $(VENV)/.installed
CLIENT_STAMP := web_client/node_modules/.installed

.PHONY: run test setup client browser migrate lint bench clean

# boardroom/serve.py sets daphne's options (frame limit, pings, timeouts) and prints
# the address to open.
run: setup migrate
	$(PY) -m boardroom.serve --host $(HOST) --port $(PORT)

test: setup browser
	$(PY) -m pytest $(PYTEST_ARGS)

setup: $(STAMP) client

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev,bench]'
	touch $(STAMP)

# The browser client's npm packages and build, once web_client/package.json exists.
client:
	@if [ -f web_client/package.json ]; then $(MAKE) --no-print-directory $(CLIENT_STAMP); fi

$(CLIENT_STAMP): web_client/package.json $(wildcard web_client/package-lock.json) $(wildcard web_client/src/*)
	cd web_client && npm ci --no-audit --no-fund && npm run build
	touch $(CLIENT_STAMP)

# Debian's Chromium for the browser tests (Playwright cannot download its own here).
browser:
	@command -v chromium >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq chromium; }

migrate: setup
	$(PY) manage.py migrate --noinput

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

bench: setup
	$(PY) -m bench

clean:
	rm -rf $(VENV) web_client/node_modules db.sqlite3
