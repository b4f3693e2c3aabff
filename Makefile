# The project's vocabulary. Every target installs what it needs first.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export ANONYMIZED_TELEMETRY := False
export GRADIO_ANALYTICS_ENABLED := False

.PHONY: install run index test test-fast eval bench bench-load lint format browser clean

install: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet --constraint constraints.txt --editable '.[dev]'
	@touch $(STAMP)
	@echo "Installed into $(VENV)."

## The web app on http://127.0.0.1:7860 (builds the index on first start).
run: install
	$(PY) app.py

index: install
	$(PY) -m assistant index

## The whole suite, browser tests included (installs Debian's chromium when missing).
test: install browser
	$(PY) -m pytest

## Only the fast tests (no real model, server or browser).
test-fast: install
	$(PY) -m pytest -m "not slow"

eval: install
	$(PY) -m evals.run

## Speed and memory: bench/report.md (about 20 minutes on 2 CPUs).
bench: install
	$(PY) -m bench.run

## 20 concurrent API clients against app.py: bench/load_report.md (about 2 minutes).
bench-load: install
	$(PY) -m bench.load

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy assistant bench evals app.py

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing Debian's chromium for the browser tests..."; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }
	@command -v chromium >/dev/null 2>&1 || { echo "error: chromium is not installed and could not be installed" >&2; exit 1; }

clean:
	rm -rf $(VENV) index .pytest_cache .mypy_cache .ruff_cache
