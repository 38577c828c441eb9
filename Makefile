# The two commands of the README. Everything else is an implementation detail.
#   make run   set up (venv, install, migrate) and run the whole service on embedded defaults
#   make test  set up if needed and run the test suite
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/kp-licensing dev

test: $(STAMP)
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy kp_licensing workflows schemas edi bench

bench: $(STAMP)
	$(BIN)/python -m bench.licence_throughput

clean:
	rm -rf $(VENV) var
