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

.PHONY: course test env html clean-env

course: $(STAMP)
	$(BIN)/jupyter lab --notebook-dir=. $(ROOT_FLAG) $(JUPYTER_ARGS) notebooks/00_welcome.ipynb

test: $(STAMP)
	FRLIB_QUICK=1 $(BIN)/python -m pytest

env: $(STAMP)

# The environment: a virtual environment with the exact tested versions of requirements.lock
# (CPU PyTorch) and frlib installed in editable mode. Rebuilt when the lock or pyproject changes.
$(STAMP): requirements.lock pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else "Python >= 3.10 is needed, found " + sys.version.split()[0])'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --disable-pip-version-check --quiet -r requirements.lock
	$(BIN)/python -m pip install --disable-pip-version-check --quiet --no-deps --no-build-isolation -e .
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (frcourse)" > /dev/null
	touch $(STAMP)

# Executed copies of the lessons, for reading and projecting (written to build/html/).
html: $(STAMP)
	$(BIN)/jupyter nbconvert --to html --execute --ExecutePreprocessor.timeout=600 --output-dir build/html notebooks/*.ipynb

clean-env:
	rm -rf $(VENV)
