# Two commands set everything up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SCENARIO ?= scenarios/palmira-2023.yaml
OUT ?= out

.PHONY: run test check validate clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Stamp files re-run the install only when pyproject.toml changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@ $(VENV)/.installed

run: $(VENV)/.installed
	@mkdir -p $(OUT)
	$(BIN)/pazos-budget solve $(SCENARIO) --marginal --json $(OUT)/palmira-2023.json --output $(OUT)/palmira-2023.xlsx

validate: $(VENV)/.installed
	$(BIN)/pazos-budget validate scenarios/*.yaml examples/*.yaml

# Two workers: the suite is solver-bound, and CI (like a developer's laptop) has 2 cores.
test: $(VENV)/.installed-test
	$(BIN)/python -m pytest -q -n 2

check: $(VENV)/.installed-test
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy src benchmarks

clean:
	rm -rf $(VENV) $(OUT) .pytest_cache .mypy_cache .ruff_cache
