# mnist_scratch: the two commands a learner needs are `make lab` and `make test`.
# Both build the same virtual environment in .venv (created if missing, refreshed
# when pyproject.toml changes).

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PYTEST_NB := --nbval-lax --nbval-current-env --nbval-cell-timeout=600

export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: help lab test test-fast figures bench clean

help:
	@echo "make lab        create .venv if needed and open JupyterLab on notebooks/"
	@echo "make test       create or refresh .venv and run every test: unit tests and notebooks (nbval)"
	@echo "make test-fast  unit tests only, without the slow full-data ones and the browser test"
	@echo "make figures    regenerate the README pictures in docs/img/"
	@echo "make bench      run the loading and training benchmarks"

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else "mnist_scratch needs Python 3.10 or newer, but $(PYTHON) is " + sys.version.split()[0] + ". Try: make PYTHON=python3.11 ...")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.notebook-installed: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e ".[notebook]"
	@touch $@

$(VENV)/.test-installed: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e ".[notebook,test]"
	@touch $@ $(VENV)/.notebook-installed

# Jupyter refuses to run as root (common in containers) unless told it may.
ALLOW_ROOT := $(if $(filter 0,$(shell id -u 2>/dev/null)),--allow-root)

lab: $(VENV)/.notebook-installed
	$(BIN)/jupyter lab $(ALLOW_ROOT) notebooks/

test: $(VENV)/.test-installed
	$(BIN)/python -m pytest $(PYTEST_NB) tests notebooks

test-fast: $(VENV)/.test-installed
	$(BIN)/python -m pytest -m "not slow and not browser" tests

figures: $(VENV)/.test-installed
	$(BIN)/python docs/make_figures.py docs/img

bench: $(VENV)/.test-installed
	$(BIN)/python benchmarks/bench_load.py
	$(BIN)/python benchmarks/bench_train.py

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info
