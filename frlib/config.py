"""The course's one budget switch: the quick setting.

Every notebook and command of the course has two budgets:

* the **full** setting (the default) reproduces the numbers of the lessons and the paper;
* the **quick** setting (``FRLIB_QUICK=1`` in the environment, or ``--quick`` on the command
  line) uses fewer epochs, seeds and grid points so that tests, CI and a short classroom
  session run in seconds.

This module is the only place in the course that reads ``FRLIB_QUICK``. Everything else asks
:func:`is_quick` or picks a value with :func:`budget`. It also says where lesson 08 finds the
authors' crowdsourcing files (``FRLIB_CROWD_DIR``, :func:`crowd_dir`).

Examples
--------
>>> from frlib.config import budget
>>> epochs = budget(full=2000, quick=200)
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, TypeVar

T = TypeVar("T")

ENV_VAR = "FRLIB_QUICK"
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"", "0", "false", "no", "off"}

# Set by quick_mode(); None means "follow the environment variable".
_override: bool | None = None


def is_quick() -> bool:
    """Return True when the quick setting is active.

    ``quick_mode(...)`` takes precedence; otherwise ``FRLIB_QUICK`` decides: ``1``, ``true``,
    ``yes`` or ``on`` (any case) turn it on; unset, empty, ``0``, ``false``, ``no`` or ``off``
    leave it off. Any other value is an error, so that a typo does not silently run the
    full (slow) setting.
    """
    if _override is not None:
        return _override
    raw = os.environ.get(ENV_VAR, "").strip().lower()
    if raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    raise ValueError(
        f"{ENV_VAR} must be one of 1/0, true/false, yes/no, on/off; got {os.environ[ENV_VAR]!r}"
    )


def budget(full: T, quick: T) -> T:
    """Pick the full or the quick value of a budget (epochs, seeds, grid sizes, ...).

    Parameters
    ----------
    full
        The value that reproduces the lesson's or the paper's numbers.
    quick
        The small value used by tests, CI and ``--quick``.

    Examples
    --------
    >>> n_seeds = budget(full=5, quick=2)
    """
    return quick if is_quick() else full


@contextmanager
def quick_mode(enabled: bool = True) -> Iterator[None]:
    """Force the quick (or full) setting inside a ``with`` block, whatever the environment says.

    The command line uses it for ``--quick``; tests use it to exercise both settings.
    """
    if not isinstance(enabled, bool):
        raise TypeError(f"enabled must be True or False, got {enabled!r}")
    global _override
    previous = _override
    _override = enabled
    try:
        yield
    finally:
        _override = previous


# --- where the authors' crowdsourcing files are (lesson 08) -------------------------------------

CROWD_DIR_VAR = "FRLIB_CROWD_DIR"
# The course's data folder for them, used when FRLIB_CROWD_DIR is not set (frlib run from a
# checkout of the course; see data/crowdsourcing/README.md there).
COURSE_CROWD_DIR = Path(__file__).resolve().parent.parent / "data" / "crowdsourcing"
CROWD_FILES = {"compas": "COMPAS_crowdsourcing_data.csv", "adult": "AdultCensus_crowdsourcing_data.csv"}


def crowd_dir() -> Path:
    """The folder where lesson 08 looks for the authors' crowdsourcing files.

    ``FRLIB_CROWD_DIR`` in the environment when it is set (``~`` is expanded); otherwise the
    course's ``data/crowdsourcing/`` folder. The files themselves cannot ship with the course
    (the authors' repository carries no licence): a learner downloads them from the authors'
    public repository and puts them there. Whether they are there is :func:`crowd_files`' job.
    """
    raw = os.environ.get(CROWD_DIR_VAR, "").strip()
    if raw:
        return Path(raw).expanduser()
    return COURSE_CROWD_DIR


def crowd_files(folder: Path | str | None = None) -> dict[str, Path] | None:
    """``{"compas": path, "adult": path}`` when both of the authors' files are in the folder, else None.

    ``folder`` defaults to :func:`crowd_dir`. A folder that does not exist counts as "not there".
    """
    if folder is None:
        folder = crowd_dir()
    elif isinstance(folder, (str, os.PathLike)):
        folder = Path(folder).expanduser()
    else:
        raise TypeError(f"folder must be a path (str or pathlib.Path), got {type(folder).__name__}")
    paths = {name: folder / file for name, file in CROWD_FILES.items()}
    return paths if all(path.is_file() for path in paths.values()) else None
