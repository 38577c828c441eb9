# The two commands of the README. Everything else is an implementation detail.
#   make run   set up (venv, install, migrate) and run the whole service on embedded defaults
#   make test  set up if needed and run the test suite
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench messages clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/kp-licensing dev

# One test process per core (pytest-xdist); each has its own database, Temporal server and API.
# Bytecode is cached even where the environment says PYTHONDONTWRITEBYTECODE: the suite starts
# some thirty Python processes, and each would compile the project's modules again (seconds).
test: $(STAMP)
	PYTHONDONTWRITEBYTECODE= $(BIN)/python -m pytest -n auto

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy kp_licensing workflows schemas edi bench

# The message catalogue: the codes said in the code (the first argument of these callables) into
# the template, then into each language's .po (new codes added untranslated, gone ones dropped).
# tests/test_messages.py checks that this list names every callable that takes a code.
MESSAGE_KEYWORDS := say invalid t DomainError RuleViolation NotFound Conflict Forbidden Unauthenticated Unavailable TooLarge TooManyRequests
LOCALE := kp_licensing/locale
messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg --no-default-keywords $(addprefix -k ,$(MESSAGE_KEYWORDS)) \
		--sort-output --no-wrap --project kp-licensing -o $(LOCALE)/messages.pot .
	$(BIN)/pybabel update -i $(LOCALE)/messages.pot -d $(LOCALE) -D messages \
		--no-fuzzy-matching --ignore-obsolete --no-wrap

bench: $(STAMP)
	$(BIN)/python -m bench.licence_throughput

clean:
	rm -rf $(VENV) var
