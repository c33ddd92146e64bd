# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install run up test test-faults lint typecheck bench browser clean smoke-live

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "need $(PYTHON) on PATH (or: make PYTHON=python3)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/brandlens demo

up: $(STAMP)
	$(BIN)/brandlens up

test: $(STAMP)
	$(BIN)/ruff check services shared tests
	$(BIN)/mypy
	$(BIN)/pytest -q

test-faults: $(STAMP)
	$(BIN)/pytest -q tests/faults

lint: $(STAMP)
	$(BIN)/ruff check services shared tests

typecheck: $(STAMP)
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python -m bench

# Opt-in, for users with provider keys: one 2-question diagnosis on every real model whose key is
# set (spends money, needs the internet; never part of `make test` or CI). MODELS=gpt,claude narrows it.
smoke-live: $(STAMP)
	$(BIN)/python -m services.cli.smoke_live $(if $(MODELS),--models $(MODELS))

# Headless Chromium and a CJK font for the HTML report's browser tests; without root it only says what to run.
browser:
	@if command -v chromium >/dev/null 2>&1 && dpkg -s fonts-wqy-microhei >/dev/null 2>&1; then \
		echo "browser: $$(command -v chromium) and fonts-wqy-microhei present"; \
	elif [ "$$(id -u)" = 0 ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-microhei \
			|| echo "note: apt-get could not install chromium fonts-wqy-microhei; browser tests will skip"; \
	else \
		echo "note: chromium/fonts-wqy-microhei missing and not root; run: sudo apt-get install -y chromium fonts-wqy-microhei"; \
	fi

clean:
	rm -rf $(VENV) .brandlens .pytest_cache .mypy_cache .ruff_cache
