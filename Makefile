# mnist_scratch: the two commands a learner needs are `make lab` and `make test`.
# Both build the same virtual environment in .venv (created if missing, refreshed
# when pyproject.toml changes).

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PYTEST_NB := --nbval-lax --nbval-current-env --nbval-cell-timeout=600

export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: help lab test test-fast figures bench book book-serve clean

help:
	@echo "make lab        create .venv if needed and open JupyterLab on notebooks/"
	@echo "make test       create or refresh .venv and run every test: unit tests and notebooks (nbval)"
	@echo "make test-fast  unit tests only, without the slow full-data ones and the browser test"
	@echo "make figures    regenerate the README pictures in docs/img/"
	@echo "make bench      run the loading and training benchmarks"
	@echo "make book       build the reading edition, the lessons with all their outputs, into build/book/"
	@echo "make book-serve serve build/book/ on http://127.0.0.1:$(BOOK_PORT)/"

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else "mnist_scratch needs Python 3.10 or newer, but $(PYTHON) is " + sys.version.split()[0] + ". Try: make PYTHON=python3.11 ...")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.notebook-installed: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e ".[notebook]"
	@touch $@

$(VENV)/.test-installed: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e ".[notebook,test,book]"
	@touch $@ $(VENV)/.notebook-installed $(VENV)/.book-installed

$(VENV)/.book-installed: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e ".[notebook,book]"
	@touch $@

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

# Reuses the executed lessons the notebook tests leave in build/executed/; a lesson without
# an up-to-date copy is run once first. Stops on a figure without alt text (docs/authoring.md).
book: $(VENV)/.book-installed
	$(BIN)/python docs/build_book.py

BOOK_PORT ?= 8000
book-serve:
	@test -f build/book/index.html || { echo "build/book/ is empty: run make book first"; exit 1; }
	@echo "serving the reading edition on http://127.0.0.1:$(BOOK_PORT)/ (Ctrl+C stops it)"
	$(PYTHON) -m http.server --bind 127.0.0.1 --directory build/book $(BOOK_PORT)

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info
