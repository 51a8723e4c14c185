# Two commands for a newcomer: `make run` and `make test`. Both create .venv on first use.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
RUN_STAMP := $(VENV)/.installed-run

.PHONY: run test check lint typecheck pytest bench test-azure-functions-2 clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# `make run` needs only portside itself; `make test` adds the test and lint tools ([dev]).
$(RUN_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $(RUN_STAMP)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP) $(RUN_STAMP)

run: $(RUN_STAMP)  ## serve examples/orders on http://127.0.0.1:8000 (Ctrl-C stops)
	$(BIN)/portside run examples/orders/main.py

test: $(STAMP) check pytest  ## lint, type-check and run the whole suite

check: lint typecheck

lint: $(STAMP)
	$(BIN)/ruff check .

typecheck: $(STAMP)
	$(BIN)/mypy core/portside adapters/aws/portside_aws adapters/gcp/portside_gcp adapters/azure/portside_azure

pytest: $(STAMP)
	$(BIN)/python -m pytest

SHARED_BENCH := ../shared/bench/run.py

# Cold-start figures assume compiled .pyc files, as a deployed package has: compile them first,
# and let the benchmark's fresh interpreters write theirs even where the environment forbids it.
bench: export PYTHONDONTWRITEBYTECODE =
bench: $(STAMP)  ## benchmarks (ratios against hand-written handlers and peers)
	$(BIN)/python -m compileall -q core adapters bench
	$(BIN)/python bench/core_dispatch.py
	$(BIN)/python bench/aws_lambda.py
	$(BIN)/python bench/gcp_functions.py
	$(BIN)/python bench/azure_functions.py
	@if [ -f $(SHARED_BENCH) ]; then \
	  $(BIN)/python -m pip install --quiet -r ../shared/bench/requirements.txt && \
	  BENCH_PORTSIDE_PLAIN=1 $(BIN)/python $(SHARED_BENCH) --cases raw,portside --out bench/results/shared-raw-portside.md; \
	else echo "skipping the shared benchmark: $(SHARED_BENCH) not found beside this checkout"; fi

test-azure-functions-2:  ## the azure adapter's tests once more on Python 3.13+ with azure-functions 2.x
	bash adapters/azure/test-azure-functions-2.sh

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
