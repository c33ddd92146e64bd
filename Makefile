# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# The official NATS JavaScript packages: the outside client in tests/outside (needs node and npm).
JS_DIR   := tests/outside
JS_STAMP := $(JS_DIR)/node_modules/.installed

.PHONY: install run up test test-fast test-faults lint typecheck bench browser clean smoke-live

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "need $(PYTHON) on PATH (or: make PYTHON=python3)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	@touch $(STAMP)

$(JS_STAMP): $(JS_DIR)/package.json $(JS_DIR)/package-lock.json
	@command -v npm >/dev/null 2>&1 || { echo "need npm (node 20+) for tests/outside"; exit 1; }
	cd $(JS_DIR) && npm ci --no-audit --no-fund --loglevel=error
	@touch $(JS_STAMP)

install: $(STAMP) $(JS_STAMP)

run: $(STAMP)
	$(BIN)/brandlens demo

up: $(STAMP)
	$(BIN)/brandlens up

test: $(STAMP) $(JS_STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/pytest -q

# The inner loop: everything but fault injection, benchmarks and slow tests, in 4 processes
# (each with its own nats-server fixtures). `make test` stays serial: fault tests time things.
test-fast: $(STAMP) $(JS_STAMP)
	$(BIN)/pytest -q -n 4 --dist worksteal -m "not faults and not bench and not slow"

test-faults: $(STAMP)
	$(BIN)/pytest -q tests/faults

lint: $(STAMP)
	$(BIN)/ruff check .

typecheck: $(STAMP)
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python -m bench

# Opt-in, for users with provider keys: one 2-question diagnosis on every real model whose key is
# set (spends money, needs the internet; never part of `make test` or CI). MODELS=gpt,claude narrows it.
smoke-live: $(STAMP)
	$(BIN)/python -m services.cli.smoke_live $(if $(MODELS),--models $(MODELS))

# Headless Chromium and a CJK font for the HTML report's browser tests; without root it only says what
# to run. With BRANDLENS_REQUIRE_BROWSER=1 (CI, .ci/run) a browser it cannot provide fails the target.
browser:
	@if command -v chromium >/dev/null 2>&1 && dpkg -s fonts-wqy-microhei >/dev/null 2>&1; then \
		echo "browser: $$(command -v chromium) and fonts-wqy-microhei present"; \
	elif [ "$$(id -u)" = 0 ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-microhei \
			|| { echo "browser: apt-get could not install chromium fonts-wqy-microhei"; \
			     [ "$${BRANDLENS_REQUIRE_BROWSER:-0}" != 1 ] || exit 1; echo "note: browser tests will skip"; }; \
	else \
		echo "browser: chromium/fonts-wqy-microhei missing and not root; run: sudo apt-get install -y chromium fonts-wqy-microhei"; \
		[ "$${BRANDLENS_REQUIRE_BROWSER:-0}" != 1 ] || exit 1; \
	fi
	@if [ "$${BRANDLENS_REQUIRE_BROWSER:-0}" = 1 ] && [ ! -x /usr/bin/chromium ]; then \
		echo "browser: /usr/bin/chromium is required (BRANDLENS_REQUIRE_BROWSER=1) and missing"; exit 1; fi

clean:
	rm -rf $(VENV) .brandlens .pytest_cache .mypy_cache .ruff_cache $(JS_DIR)/node_modules
