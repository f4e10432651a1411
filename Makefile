# Fresh machine: `make demo` and `make test` each create .venv when it is missing.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test test-all compat bench lint venv clean

venv: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q torch==2.14.1 torchvision==0.29.1
	$(BIN)/pip install -q -e '.[test,bench]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/python -m crucible_torch demo

test: $(STAMP)
	$(BIN)/python -m pytest -q -p no:cacheprovider

# The drop-in test against the real tinker-cookbook: its pinned set goes into a side directory (see
# tests/compat/requirements-cookbook.txt for why not into the venv), then its own batches are compared.
COMPAT_SITE := $(VENV)/cookbook-compat
$(COMPAT_SITE)/.installed: tests/compat/requirements-cookbook.txt | $(STAMP)
	$(BIN)/pip install -q --no-deps --target $(COMPAT_SITE) -r tests/compat/requirements-cookbook.txt
	touch $@

compat: $(COMPAT_SITE)/.installed
	$(BIN)/python -m pytest -q -p no:cacheprovider -m compat tests/compat

test-all: $(STAMP)
	$(BIN)/python -m pytest -q -p no:cacheprovider -m 'not compat'

bench: $(STAMP)
	$(BIN)/python -m benchmarks.run_all --write-readme

lint: $(STAMP)
	$(BIN)/lint-imports
	$(BIN)/ruff check crucible_torch tests benchmarks examples
	$(BIN)/ruff format --check crucible_torch tests benchmarks examples

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
