# The course's commands. A fresh machine needs only Python 3 (>= 3.10) and make.
#   make course   create the environment if missing, then open JupyterLab on the course
#   make test     create the environment if missing, then run every test (quick setting)

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.frcourse-installed
JUPYTER_ARGS ?=
# JupyterLab refuses to run as root (containers, some CI machines) unless told to.
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root)

.PHONY: course test env html clean-env exercises

course: $(STAMP)
	$(BIN)/jupyter lab --notebook-dir=. $(ROOT_FLAG) $(JUPYTER_ARGS) notebooks/00_welcome.ipynb

test: $(STAMP) browser
	FRLIB_QUICK=1 $(BIN)/python -m pytest

env: $(STAMP)

# The browser test (tests/test_browser.py) drives Debian's chromium, never a downloaded browser.
# When it is missing and we are root with apt-get (containers, CI), install it; otherwise say why
# the browser test will be skipped (the test itself fails instead of skipping when CI=true).
CHROMIUM ?= /usr/bin/chromium
.PHONY: browser
browser:
	@if [ -x "$(CHROMIUM)" ]; then \
	  :; \
	elif [ "$$(id -u)" != 0 ]; then \
	  echo "make: $(CHROMIUM) is missing and you are not root (no sudo is tried): the browser test will be skipped; install Debian's 'chromium' package (apt-get install chromium) to run it"; \
	elif ! command -v apt-get > /dev/null 2>&1; then \
	  echo "make: $(CHROMIUM) is missing and there is no apt-get: the browser test will be skipped; install a Chromium at $(CHROMIUM) to run it"; \
	else \
	  echo "make: installing Debian's chromium for the browser test (apt-get) ..."; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  if apt-get update -qq && apt-get install -y -qq --no-install-recommends chromium > /dev/null; then \
	    echo "make: installed $$($(CHROMIUM) --version 2>/dev/null)"; \
	  else \
	    echo "make: apt-get could not install chromium: the browser test will be skipped (it fails when CI=true)"; \
	  fi; \
	fi

# The environment: a virtual environment with the exact tested versions of requirements.lock
# (CPU PyTorch) and frlib installed in editable mode. Rebuilt when the lock or pyproject changes.
# JupyterLab's settings overrides turn off its news pop-up and update check (it would cover the
# first figures, and the course runs offline).
LAB_OVERRIDES := scripts/jupyterlab_overrides.json
$(STAMP): requirements.lock pyproject.toml $(LAB_OVERRIDES)
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else "Python >= 3.10 is needed, found " + sys.version.split()[0])'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --disable-pip-version-check --quiet -r requirements.lock
	$(BIN)/python -m pip install --disable-pip-version-check --quiet --no-deps --no-build-isolation -e .
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (frcourse)" > /dev/null
	mkdir -p $(VENV)/share/jupyter/lab/settings
	cp $(LAB_OVERRIDES) $(VENV)/share/jupyter/lab/settings/overrides.json
	touch $(STAMP)

# Executed copies of the lessons, for reading and projecting (written to build/html/), with the
# widgets' state saved so that their last view (sliders and output) shows in the page. The check
# after nbconvert fails the target if a page lacks its figures or the state of its widgets.
html: $(STAMP)
	$(BIN)/python scripts/render_html.py notebooks/*.ipynb

# The student copies of the graded exercises, written from solutions/ (see frlib/exercises.py).
exercises: $(STAMP)
	$(BIN)/python -m frlib exercises build

clean-env:
	rm -rf $(VENV)
