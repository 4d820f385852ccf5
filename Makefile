# The two commands a newcomer needs: `make report` and `make test`.
# Both bootstrap .venv from the pinned requirements on first use (and again whenever a
# requirements file or pyproject.toml changes). Only python3 (3.11) and make are needed.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: report test test-hub lab validate bench mutation classroom clean help

help:
	@echo "make report    execute every notebook, write figures/, render build/report/"
	@echo "make test      lint and type check, then the whole test suite in parallel (unit, data, strict nbval, browser)"
	@echo "make lab       open JupyterLab on the repository at the start-here notebook (clean workspace)"
	@echo "make test-hub  build the wheel, install it outside the repository, run a class of ten on a real JupyterHub"
	@echo "make classroom write the student and teacher editions to build/classroom/ (and a zip of each)"
	@echo "make validate  check the data package in data/"
	@echo "make bench     measure the tests, the report build and the simulation (prints a table)"
	@echo "make mutation mutation testing of the statistics, verdict rules, validator and prose (kill rate per module)"
	@echo "make clean     remove .venv, build/ and caches"

$(STAMP): requirements.txt requirements-dev.txt pyproject.toml
	@echo "[1/3] Creating the Python environment in $(VENV)/ (only the first time)"
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "[2/3] Installing the pinned packages into $(VENV)/ (first run: about 2 minutes; pip shows its progress)"
	$(BIN)/python -m pip install --disable-pip-version-check --progress-bar on -r requirements-dev.txt
	@echo "[3/3] Installing the dry_needling package (editable)"
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	@# The report's Vega script bundle, made once per environment from the installed vl-convert (docs/maintenance.md).
	$(BIN)/python -c "from dry_needling.report.explorer import install_bundle; print('Made', install_bundle())"
	@touch $(STAMP)
	@echo "Environment ready."

report: $(STAMP)
	$(BIN)/python -m dry_needling report

test: $(STAMP)
	$(BIN)/ruff check conftest.py src tests notebooks benchmarks tools
	$(BIN)/mypy   # type check of src/ (configuration: [tool.mypy] in pyproject.toml)
	$(BIN)/python -m pytest   # in parallel on every core (-n auto --dist loadfile, see pyproject.toml)

# The teacher's route (tests/test_hub.py, a few minutes): `python -m build`, a fresh environment outside the
# repository from the wheel and the pins, a student notebook there; then JupyterHub with ten students (proxy from the
# npm registry into build/hub/proxy). Prints and writes the memory figures to build/bench/hub.json.
test-hub: $(STAMP)
	$(BIN)/python -m pytest tests/test_hub.py -m hub -n 0 -s

classroom: $(STAMP)
	$(BIN)/python -m dry_needling classroom

validate: $(STAMP)
	$(BIN)/python -m dry_needling validate

bench: $(STAMP)
	$(BIN)/python benchmarks/bench.py

# Not part of make test (it takes tens of minutes): a measurement of how many deliberate bugs the tests catch.
mutation: $(STAMP)
	$(BIN)/python tools/mutation.py

# Serves the repository root (so data/, figures/ and docs/ open too) and opens the start-here notebook, in a
# clean workspace kept in build/lab/ (never the layout the machine's last JupyterLab user left in ~/.jupyter).
# No news pop-up: the notification settings say "do not fetch news" before JupyterLab first asks (news_url: null
# in jupyter_lab_config.json only stops the fetching). No "notebook is not trusted" warnings: the repository's own
# notebooks are signed into a trust database kept in build/lab/ (so ~/.local is left alone). LAB_ARGS adds
# options (the tests: --no-browser --port=...).
LAB      := $(CURDIR)/build/lab
NOTARY   := --NotebookNotary.db_file="$(LAB)/nbsignatures.db" --NotebookNotary.secret_file="$(LAB)/notebook_secret"
LAB_ARGS ?=
lab: $(STAMP)
	rm -rf "$(LAB)/workspaces"
	mkdir -p "$(LAB)/user-settings/@jupyterlab/apputils-extension"
	printf '{"fetchNews": "false", "checkForUpdates": false}\n' \
		> "$(LAB)/user-settings/@jupyterlab/apputils-extension/notification.jupyterlab-settings"
	$(BIN)/jupyter trust $(NOTARY) notebooks/*.ipynb
	$(BIN)/jupyter lab --config=jupyter_lab_config.json $(if $(filter 0,$(shell id -u)),--allow-root) \
		--ServerApp.root_dir="$(CURDIR)" --LabApp.workspaces_dir="$(LAB)/workspaces" \
		--LabApp.user_settings_dir="$(LAB)/user-settings" $(NOTARY) $(LAB_ARGS) notebooks/00_start_here.ipynb

clean:
	rm -rf $(VENV) build .pytest_cache .ruff_cache
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
	find . -name .ipynb_checkpoints -type d -prune -exec rm -rf {} +
