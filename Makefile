# The two commands a newcomer needs: `make report` and `make test`.
# Both bootstrap .venv from the pinned requirements on first use (and again whenever a
# requirements file or pyproject.toml changes). Only python3 (3.11) and make are needed.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: report test lab validate bench clean help

help:
	@echo "make report    execute every notebook, write figures/, render build/report/"
	@echo "make test      lint, then the whole test suite (unit, data, strict nbval over every notebook)"
	@echo "make lab       open JupyterLab on the collection"
	@echo "make validate  check the data package in data/"
	@echo "make bench     measure the simulation and report build (prints a table)"
	@echo "make clean     remove .venv, build/ and caches"

$(STAMP): requirements.txt requirements-dev.txt pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	@touch $(STAMP)

report: $(STAMP)
	$(BIN)/python -m dry_needling report

test: $(STAMP)
	$(BIN)/ruff check src tests notebooks benchmarks
	$(BIN)/python -m pytest

validate: $(STAMP)
	$(BIN)/python -m dry_needling validate

bench: $(STAMP)
	$(BIN)/python benchmarks/bench.py

lab: $(STAMP)
	$(BIN)/jupyter lab $(if $(filter 0,$(shell id -u)),--allow-root) notebooks/00_start_here.ipynb

clean:
	rm -rf $(VENV) build .pytest_cache .ruff_cache
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
	find . -name .ipynb_checkpoints -type d -prune -exec rm -rf {} +
