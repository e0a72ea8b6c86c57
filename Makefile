# mnist_scratch: the two commands a learner needs are `make lab` and `make test`.
# Both build the same virtual environment in .venv (created if missing, refreshed
# when pyproject.toml changes). Instructors also have `make classroom` and `make slides`.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

# bash, so that a pipe fails when pip fails (pipefail).
SHELL := /bin/bash
.SHELLFLAGS := -o pipefail -c

export PIP_DISABLE_PIP_VERSION_CHECK := 1

# pip's own progress (what it collects, downloads and installs), less the "Requirement already
# satisfied" line per package of a refresh and setuptools' notice about editable installs.
PIP_INSTALL = PYTHONWARNINGS="ignore:Editable installation" $(BIN)/python -m pip install --progress-bar on
PIP_FILTER  = 2>&1 | { grep --line-buffered -v -e '^Requirement already satisfied' || [ $$? -eq 1 ]; }

LESSONS       := $(sort $(wildcard notebooks/*.ipynb))
CLASSROOM_OUT := build/classroom
# Lessons run at once by make classroom, slides and book when an executed copy must be made (tools/executed.py).
LESSON_JOBS   ?= 2
SLIDES_OUT    := build/slides
SLIDES_VENDOR := $(SLIDES_OUT)/vendor
# Node tools the tests run, pinned by tools/node/package-lock.json: configurable-http-proxy (the hub test)
# and axe-core (the accessibility test).
NODE_TOOLS    := build/node

.PHONY: help lab test test-fast figures bench classroom slides slides-vendor node-tools book book-serve wheel clean FORCE

help:
	@echo "make lab        create .venv if needed and open JupyterLab on notebooks/ (LAB_ARGS=\"--no-browser --port=8890\": JupyterLab's own flags)"
	@echo "make test       create or refresh .venv and run every test: the lessons first, then tests/"
	@echo "make test-fast  unit tests only, without the slow full-data ones and the browser tests"
	@echo "make figures    regenerate the README pictures in docs/img/"
	@echo "make bench      run the loading and training benchmarks"
	@echo "make classroom  build/classroom/: student/, instructor/ (executed) and nbgrader/ editions of the lessons"
	@echo "make slides     build/slides/: one reveal.js deck per lesson, opened offline (npm needed once)"
	@echo "make book       build the reading edition, the lessons with all their outputs, into build/book/"
	@echo "make book-serve serve build/book/ on http://127.0.0.1:$(BOOK_PORT)/"
	@echo "make wheel      build dist/mnist_scratch-X.Y.Z-py3-none-any.whl: pip install it where the release is not on PyPI yet"

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else "mnist_scratch needs Python 3.10 or newer, but $(PYTHON) is " + sys.version.split()[0] + ". Try: make PYTHON=python3.11 ...")'
	@echo "Creating the virtual environment $(VENV) ..."
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.notebook-installed: $(BIN)/python pyproject.toml
	@echo "Installing mnist_scratch and JupyterLab into $(VENV) (a minute or two the first time) ..."
	$(PIP_INSTALL) -e ".[notebook]" $(PIP_FILTER)
	@$(BIN)/python -c "import mnist_scratch, jupyterlab" || { echo "The installation failed: see pip's messages above."; exit 1; }
	@touch $@

# The test environment also holds the classroom tools (nbgrader, nbconvert) and the release tools
# (build, twine), since tests use them. nbgrader's Jupyter menus are switched off, so that
# `make lab` shows learners the same JupyterLab as before (tools/hide_nbgrader.py).
# The lessons run first, once: the run keeps their executed copies in build/executed/ (tools/executed.py),
# which the classroom, slide and reading-edition tests, and make classroom, slides and book, then reuse.
# TEST_EXTRAS names the extras it installs; CI adds `frameworks` (PyTorch and Keras, for lesson 11, whose
# framework cells are skipped without them): make test TEST_EXTRAS=notebook,test,classroom,release,book,frameworks
# $(VENV)/.test-extras holds the last list, rewritten only when it changes, so a new list reinstalls.
TEST_EXTRAS ?= notebook,test,classroom,release,book

$(VENV)/.test-extras: FORCE | $(BIN)/python
	@echo '$(TEST_EXTRAS)' | cmp -s - $@ || echo '$(TEST_EXTRAS)' > $@

$(VENV)/.test-installed: $(BIN)/python pyproject.toml $(VENV)/.test-extras
	@echo "Installing mnist_scratch with its $(TEST_EXTRAS) extras into $(VENV) (a few minutes the first time) ..."
	$(PIP_INSTALL) -e ".[$(TEST_EXTRAS)]" $(PIP_FILTER)
	@$(BIN)/python -c "import mnist_scratch, jupyterlab, nbclient, xdist, nbgrader, build, myst_nb" || { echo "The installation failed: see pip's messages above."; exit 1; }
	@$(BIN)/python -m tools.hide_nbgrader
	@touch $@ $(VENV)/.notebook-installed $(VENV)/.classroom-installed $(VENV)/.book-installed

$(VENV)/.classroom-installed: $(BIN)/python pyproject.toml
	@echo "Installing mnist_scratch with the classroom tools (nbgrader, nbconvert) into $(VENV) ..."
	$(PIP_INSTALL) -e ".[notebook,classroom]" $(PIP_FILTER)
	@$(BIN)/python -c "import mnist_scratch, nbgrader, nbconvert" || { echo "The installation failed: see pip's messages above."; exit 1; }
	@$(BIN)/python -m tools.hide_nbgrader
	@touch $@ $(VENV)/.notebook-installed

$(VENV)/.book-installed: $(BIN)/python pyproject.toml
	@echo "Installing mnist_scratch with the reading-edition tools (Sphinx, myst-nb) into $(VENV) ..."
	$(PIP_INSTALL) -e ".[notebook,book]" $(PIP_FILTER)
	@touch $@

# Jupyter refuses to run as root (common in containers) unless told it may.
ALLOW_ROOT := $(if $(filter 0,$(shell id -u 2>/dev/null)),--allow-root)

# The project's JupyterLab settings (tools/jupyterlab/overrides.json: "get Jupyter news?" answered no, so
# no pop-up covers the lesson), as the defaults of this environment; a learner's own settings still win.
LAB_OVERRIDES := $(VENV)/share/jupyter/lab/settings/overrides.json
$(LAB_OVERRIDES): tools/jupyterlab/overrides.json | $(BIN)/python
	@install -D -m 644 $< $@

# LAB_ARGS goes to JupyterLab as it is: make lab LAB_ARGS="--no-browser --ip=127.0.0.1 --port=8890".
LAB_ARGS ?=
lab: $(VENV)/.notebook-installed $(LAB_OVERRIDES)
	$(BIN)/jupyter lab $(ALLOW_ROOT) $(LAB_ARGS) notebooks/

# The slide tests need reveal.js (npm, once); without it they are skipped, except under CI.
# Two pytest runs, each on PYTEST_WORKERS processes (pytest-xdist; 0 runs everything in one process),
# one file per worker at a time (--dist loadfile): first the lessons (notebooks/conftest.py: each runs
# once, whole, in a fresh kernel), which leaves their executed copies in build/executed/; then tests/,
# whose classroom, slide and website tests reuse those copies. Both always run; the target fails if
# either failed. docs/contributing.md has the faster loops.
PYTEST_WORKERS ?= 2
test: $(VENV)/.test-installed $(LAB_OVERRIDES)
	@$(MAKE) --no-print-directory slides-vendor || echo "Could not install reveal.js: the slide deck tests will be skipped."
	@$(MAKE) --no-print-directory node-tools || echo "Could not install the node tools: the hub and accessibility tests will be skipped."
	@status=0; \
	echo "== the lessons =="; \
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadfile notebooks || status=1; \
	echo "== the tests =="; \
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadfile tests || status=1; \
	exit $$status

test-fast: $(VENV)/.test-installed
	$(BIN)/python -m pytest -m "not slow and not browser" tests

figures: $(VENV)/.test-installed
	$(BIN)/python docs/make_figures.py docs/img

bench: $(VENV)/.test-installed
	$(BIN)/python benchmarks/bench_load.py
	$(BIN)/python benchmarks/bench_train.py

# make classroom, slides and book take each lesson's outputs from its executed copies in build/executed/
# (tools/executed.py), which make test leaves: reused while up to date with the lesson, the package and the
# environment, made by running the lesson once (LESSON_JOBS at a time) otherwise, and then shared.
# CLASSROOM_ARGS sets the nbgrader configuration's defaults, e.g. make classroom CLASSROOM_ARGS="--course-id ml101
# --exchange /srv/nbgrader/exchange" (python -m tools.classroom --help; docs/teaching/grading.md).
CLASSROOM_ARGS ?=
classroom: $(VENV)/.classroom-installed
	$(BIN)/python -m tools.classroom --out $(CLASSROOM_OUT) --jobs $(LESSON_JOBS) $(CLASSROOM_ARGS) $(LESSONS)

# reveal.js, require.js, jQuery and MathJax 2, pinned by tools/reveal/package-lock.json, so that the
# decks load nothing from a CDN. The only step that needs the network (the npm registry), once.
$(SLIDES_VENDOR)/.installed: tools/reveal/package.json tools/reveal/package-lock.json
	@command -v npm >/dev/null 2>&1 || { echo "make slides needs npm (Node.js) once, to install reveal.js into $(SLIDES_VENDOR): apt-get install npm, or see nodejs.org"; exit 1; }
	@echo "Installing reveal.js and MathJax into $(SLIDES_VENDOR) (npm ci) ..."
	@mkdir -p $(SLIDES_VENDOR)
	cp tools/reveal/package.json tools/reveal/package-lock.json tools/reveal/.npmrc $(SLIDES_VENDOR)/
	cd $(SLIDES_VENDOR) && npm ci --ignore-scripts --no-audit --no-fund
	@touch $@

slides-vendor: $(SLIDES_VENDOR)/.installed

# configurable-http-proxy (JupyterHub's proxy) and axe-core, for the hub and accessibility tests: npm, once.
$(NODE_TOOLS)/.installed: tools/node/package.json tools/node/package-lock.json
	@command -v npm >/dev/null 2>&1 || { echo "the hub and accessibility tests need npm (Node.js) once, to install their tools into $(NODE_TOOLS): apt-get install npm, or see nodejs.org"; exit 1; }
	@echo "Installing configurable-http-proxy and axe-core into $(NODE_TOOLS) (npm ci) ..."
	@mkdir -p $(NODE_TOOLS)
	cp tools/node/package.json tools/node/package-lock.json tools/node/.npmrc $(NODE_TOOLS)/
	cd $(NODE_TOOLS) && npm ci --ignore-scripts --no-audit --no-fund
	@touch $@

node-tools: $(NODE_TOOLS)/.installed

# Decks are made from the executed instructor copies, so their figures are on the slides.
slides: $(VENV)/.classroom-installed slides-vendor
	$(BIN)/python -m tools.slides --out $(SLIDES_OUT) --jobs $(LESSON_JOBS) $(LESSONS)
	@echo "Open $(SLIDES_OUT)/<lesson>.slides.html in a browser (file:// works), or serve it: python3 -m http.server -d $(SLIDES_OUT)"

# Stops on a figure without alt text (docs/authoring.md).
book: $(VENV)/.book-installed
	$(BIN)/python -m tools.book --jobs $(LESSON_JOBS)

BOOK_PORT ?= 8000
book-serve:
	@test -f build/book/index.html || { echo "build/book/ is empty: run make book first"; exit 1; }
	@echo "serving the reading edition on http://127.0.0.1:$(BOOK_PORT)/ (Ctrl+C stops it)"
	$(PYTHON) -m http.server --bind 127.0.0.1 --directory build/book $(BOOK_PORT)

# The package as a wheel, for a hub image or a Colab runtime where `pip install mnist-scratch==X.Y.Z` finds
# nothing yet (the release is not published): pip install dist/mnist_scratch-X.Y.Z-py3-none-any.whl.
# docs/releasing.md builds the published wheel (with its source archive) the same way.
wheel: $(BIN)/python
	rm -f dist/mnist_scratch-*.whl
	$(BIN)/python -m pip wheel --quiet --no-deps --wheel-dir dist .
	@ls dist/mnist_scratch-*.whl

clean:
	rm -rf $(VENV) .pytest_cache build dist *.egg-info

FORCE:
