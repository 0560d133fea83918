# The course's commands. A fresh machine needs only Python 3 (>= 3.10) and make.
#   make course   the learner's install (requirements.lock) if missing, then JupyterLab on the course
#   make test     the developer's install (requirements-dev.lock) if missing, then every test (quick)
# Without make (Windows): py scripts/setup_env.py course | test, which also does the installs here.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
SETUP  := $(PYTHON) scripts/setup_env.py --venv $(VENV)
JUPYTER_ARGS ?=
# JupyterLab refuses to run as root (containers, some CI machines) unless told to.
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root)

.PHONY: course test env course-env lock site html slides vendor clean-env exercises

course: course-env
	$(BIN)/jupyter lab --notebook-dir=. $(ROOT_FLAG) $(JUPYTER_ARGS) notebooks/00_welcome.ipynb

# Every lesson runs twice (the claims hold for seeds 0-4): under nbval with the default seed, and
# with FRLIB_SEED=1 in the browser test (tests/test_browser.py, JupyterLab and Chromium), both in
# the first pytest. Where the browser test cannot run (no Chromium or Playwright: it says why), the
# second pass runs under nbval instead. scripts/setup_env.py test does all of it (the install too),
# so that make and Windows' `py scripts/setup_env.py test` run the same steps.
test: browser
	@$(SETUP) test

# The environments (scripts/setup_env.py): a virtual environment with the exact versions of a lock
# and frlib installed in editable mode, redone when the lock or pyproject.toml changes.
# course-env is the learner's (requirements.lock), env the developer's (requirements-dev.lock: adds
# pytest, nbval, nbgrader, playwright); the developer's serves the learner's commands.
course-env:
	@$(SETUP) install learner

env:
	@$(SETUP) install dev

# Regenerate both universal locks (Linux, macOS, Windows; Python 3.10-3.13) from pyproject.toml.
lock: env
	$(BIN)/python scripts/lock.py

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

# The course site (build/site/): every lesson executed in the full setting, with its figures and
# widgets, navigation in syllabus order, the notebooks and exercise sets as downloads; it works
# from file:// with no network (its scripts come from site/vendor/, never from a CDN).
# `make html` is the same pages (it was nbconvert's plain copies).
site: course-env
	$(BIN)/python scripts/build_site.py

html: site

# The 3-hour tutorial of INSTRUCTORS.md as reveal.js decks (build/slides/), one per block of the
# plan in site/slides.yml, with reveal.js shipped beside them; reuses the site's executed lessons.
slides: course-env
	$(BIN)/python scripts/build_slides.py

# Refresh site/vendor/ from the pinned npm packages of site/package-lock.json (needs npm).
vendor:
	$(PYTHON) scripts/vendor_js.py

# The student copies of the graded exercises, written from solutions/ (see frlib/course/exercises.py).
exercises: course-env
	$(BIN)/python -m frlib exercises build

clean-env:
	rm -rf $(VENV)
