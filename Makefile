# boardkit — `make demo` serves the demo, `make test` runs every test. See README.md.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
export BOARDKIT_DATA_DIR ?= $(CURDIR)/var

.PHONY: demo serve test bench check install dev system-deps format messages

install: $(VENV)/.installed

dev: $(VENV)/.dev-installed

# A Debian Python may lack venv/ensurepip: fetch it from apt when missing.
$(VENV)/.installed: requirements.lock pyproject.toml
	@$(PY) -c 'import ensurepip, venv' 2>/dev/null || ($(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq python3-venv)
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip 'setuptools>=77'
	$(BIN)/python -m pip install -q -r requirements.lock
	PYTHONWARNINGS=ignore $(BIN)/python -m pip install -q --no-deps --no-build-isolation -e .
	@touch $@

$(VENV)/.dev-installed: $(VENV)/.installed requirements-dev.lock
	$(BIN)/python -m pip install -q -r requirements-dev.lock
	@touch $@

# Debian's Chromium for the browser tests (a Playwright browser download does not work here);
# qpdf and poppler-utils (pdftoppm) check and look at the PDFs the tests make; nginx-light runs the
# sample reverse-proxy config of docs/deploy.md (tests/test_deploy_proxy.py).
system-deps:
	@command -v chromium >/dev/null 2>&1 && command -v qpdf >/dev/null 2>&1 && command -v pdftoppm >/dev/null 2>&1 && test -x /usr/sbin/nginx || ($(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium qpdf poppler-utils nginx-light)

demo: install
	$(BIN)/boardkit demo
	$(BIN)/boardkit serve

serve: install
	$(BIN)/boardkit serve

# One pytest worker per core (pytest-xdist); each worker has its own PostgreSQL database.
# --dist worksteal: a worker that runs out takes tests from the other, so the run does not end
# waiting on one long module (the browser modules take 20-40 s each); it may split a module, whose
# module fixtures are then built on both workers (cheap: the browser servers start from a copy of
# the demo template). Database tests run on SQLite; those marked `postgres` also on PostgreSQL
# when BOARDKIT_TEST_POSTGRES_URL is set (BOARDKIT_TEST_ALL_BACKENDS=1: every database test on
# both). See tests/conftest.py.
test: dev system-deps
	$(BIN)/python -m pytest -n auto --dist worksteal

# wrk loads real pages next to a bare Starlette page (bench_throughput.py).
bench: dev
	@command -v wrk >/dev/null 2>&1 || ($(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq wrk)
	@set -e; for f in bench/bench_*.py; do echo "== $$f"; $(BIN)/python $$f; done

check: dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy boardkit
	$(BIN)/lint-imports

format: dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Refresh the translation template and the English catalog after changing UI strings.
messages: install
	$(BIN)/pybabel extract -F babel.cfg -k lazy_gettext --no-location --sort-output -o boardkit/locale/messages.pot .
	@test -f boardkit/locale/en/LC_MESSAGES/messages.po || $(BIN)/pybabel init -i boardkit/locale/messages.pot -d boardkit/locale -l en
	$(BIN)/pybabel update --no-fuzzy-matching --ignore-obsolete -i boardkit/locale/messages.pot -d boardkit/locale -l en
