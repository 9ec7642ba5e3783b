# Accord — every target sets itself up: a fresh machine needs only Python 3.11 and the package
# registries. uv is installed into .tools/ from PyPI and never downloads a Python of its own.
PYTHON ?= python3.11
UV_VERSION := 0.13.9
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
export UV_PYTHON_DOWNLOADS := never
export UV_PYTHON_PREFERENCE := only-system
export UV_PROJECT_ENVIRONMENT := $(VENV)
# Playwright for Python drives Debian's chromium (`make chromium`); it never downloads a browser.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD := 1
NPM ?= npm
# The workbench (web/, docs/workbench.md): npm packages from the lockfile, built by Vite into
# the Python package, where the node serves it at /. The build output is not committed.
WEB_DIST := src/accord/web/dist/index.html
WEB_SOURCES := web/index.html web/vite.config.js $(wildcard web/src/*.js web/src/*.css web/src/screens/*.js)
# Compile bytecode at install: a command then starts without compiling its imports, also where
# PYTHONDONTWRITEBYTECODE keeps Python from caching them (about 3 s of every `accord` command).
export UV_COMPILE_BYTECODE := 1

.PHONY: install web chromium lint format test demo bench clean

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet uv==$(UV_VERSION)

$(VENV)/.synced: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --python $(PYTHON)
	$(VENV)/bin/python -m compileall -q src
	touch $@

web/node_modules/.package-lock.json: web/package.json web/package-lock.json
	cd web && $(NPM) ci --no-audit --no-fund

$(WEB_DIST): web/node_modules/.package-lock.json $(WEB_SOURCES)
	cd web && $(NPM) run build

web: $(WEB_DIST)

install: $(VENV)/.synced $(WEB_DIST)

# The browser the workbench's tests drive (tests/web), from Debian's packages when missing.
chromium:
	command -v chromium >/dev/null || (apt-get update && apt-get install -y chromium)

lint: install
	$(VENV)/bin/ruff check src tests benchmarks
	$(VENV)/bin/ruff format --check src tests benchmarks
	$(VENV)/bin/mypy src

format: install
	$(VENV)/bin/ruff check --fix src tests benchmarks
	$(VENV)/bin/ruff format src tests benchmarks

# The suite runs in one process per core (pytest-xdist), each test file whole in one process
# so that a file's shared fixtures (a federation of node servers, a browser) start once.
TEST_WORKERS ?= auto

test: lint chromium
	$(VENV)/bin/pytest -n $(TEST_WORKERS) --dist loadfile --durations=15

demo: install
	$(VENV)/bin/accord demo

bench: install
	$(UV) sync --frozen --group bench --python $(PYTHON)
	$(VENV)/bin/python benchmarks/run_all.py

clean:
	rm -rf $(VENV) $(TOOLS) .accord .pytest_cache .mypy_cache .ruff_cache web/node_modules src/accord/web/dist
