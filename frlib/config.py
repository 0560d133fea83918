"""The course's switches: the quick setting and the seed.

Every notebook and command of the course has two budgets:

* the **full** setting (the default) reproduces the numbers of the lessons and the paper;
* the **quick** setting (``FRLIB_QUICK=1`` in the environment, or ``--quick`` on the command
  line) uses fewer epochs, seeds and grid points so that tests, CI and a short classroom
  session run in seconds.

Every lesson draws its data and initialises its models from one seed, ``SEED = config.seed()``:
``FRLIB_SEED`` in the environment (a non-negative integer, default 0). The lessons' claims are
checked for seeds 0-4 (:mod:`frlib.claims`); other seeds are for exploring.

This module is the only place in the course that reads the environment (``FRLIB_QUICK``,
``FRLIB_SEED``, the two variables of :mod:`frlib.claims`' record, and what the FR-Train kernel's
build reads: ``FRLIB_CACHE_DIR``, ``CC``, ``ATEN_CPU_CAPABILITY``, and how many threads it trains
on, ``FRLIB_THREADS``, :func:`kernel_threads`; and where lesson 08 finds the
authors' crowdsourcing files, ``FRLIB_CROWD_DIR``, :func:`crowd_dir`). Everything else asks
:func:`is_quick`, :func:`seed`, or picks a value with :func:`budget`.

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
SEED_VAR = "FRLIB_SEED"
# Set by scripts/check_claims.py: where frlib.claims appends one JSON line per claim, and whether
# a failed claim is only recorded (the script then reports it) instead of raised.
CLAIMS_RECORD_VAR = "FRLIB_CLAIMS_RECORD"
CLAIMS_RECORD_ONLY_VAR = "FRLIB_CLAIMS_RECORD_ONLY"
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
    return _flag(ENV_VAR)


def _flag(name: str) -> bool:
    """An on/off environment variable; anything unrecognised is an error naming the variable."""
    raw = os.environ.get(name, "").strip().lower()
    if raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    raise ValueError(f"{name} must be one of 1/0, true/false, yes/no, on/off; got {os.environ[name]!r}")


def seed() -> int:
    """The lessons' seed: ``FRLIB_SEED`` from the environment, 0 when unset or empty.

    Every lesson starts with ``SEED = config.seed()`` and derives every other seed from it
    (``SEED + 1``, ``range(SEED, SEED + n)``, ...). Anything but a non-negative integer (such as
    ``-1``, ``1.5`` or ``one``) is an error naming the variable, so that a typo does not silently
    run seed 0.

    Examples
    --------
    >>> SEED = seed()   # 0 unless FRLIB_SEED says otherwise
    """
    raw = os.environ.get(SEED_VAR, "").strip()
    if raw == "":
        return 0
    if not raw.isdecimal():  # digits only: no sign, no decimal point, no exponent
        raise ValueError(f"{SEED_VAR} must be a non-negative integer such as 0 or 3; got {os.environ[SEED_VAR]!r}")
    return int(raw)


def claims_record() -> tuple[str | None, bool]:
    """Where :mod:`frlib.claims` records each claim, and whether a failed claim is only recorded.

    ``(path or None, record_only)`` from ``FRLIB_CLAIMS_RECORD`` (a file to append JSON lines to;
    unset or empty: no record) and ``FRLIB_CLAIMS_RECORD_ONLY`` (on/off like ``FRLIB_QUICK``).
    Recording only is allowed only together with a record file, so that no setting can make a
    failed claim pass unseen. ``scripts/check_claims.py`` sets both.
    """
    path = os.environ.get(CLAIMS_RECORD_VAR, "").strip() or None
    record_only = _flag(CLAIMS_RECORD_ONLY_VAR)
    if record_only and path is None:
        raise ValueError(f"{CLAIMS_RECORD_ONLY_VAR} is on but {CLAIMS_RECORD_VAR} names no file to record failed claims in")
    return path, record_only


def kernel_build_environment() -> dict[str, str | None]:
    """What the FR-Train kernel's build reads from the environment (:mod:`frlib.frtrain_compiled`).

    ``cache_dir``: ``FRLIB_CACHE_DIR`` (where built kernels are kept; None: ``~/.cache/frlib``);
    ``compiler``: ``CC`` (None: the first of cc, gcc, clang on the PATH); ``cpu_capability``:
    ``ATEN_CPU_CAPABILITY`` in lower case (torch's choice of vector instructions, which the kernel
    follows; None when unset).
    """
    def read(name: str) -> str | None:
        return os.environ.get(name, "").strip() or None

    capability = read("ATEN_CPU_CAPABILITY")
    return {"cache_dir": read("FRLIB_CACHE_DIR"), "compiler": read("CC"),
            "cpu_capability": capability.lower() if capability else None}


THREADS_VAR = "FRLIB_THREADS"


def kernel_threads() -> int:
    """How many threads the FR-Train kernel trains its runs on: ``FRLIB_THREADS``, else every core.

    The kernel's runs are independent, so they are shared out between threads (results do not
    depend on the count). Unset or empty: the cores this process may use. Anything but a
    positive integer is an error naming the variable.
    """
    raw = os.environ.get(THREADS_VAR, "").strip()
    if not raw:
        cores = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else None
        return max(1, len(cores) if cores else (os.cpu_count() or 1))
    if not raw.isdigit() or int(raw) < 1:
        raise ValueError(f"{THREADS_VAR} must be a positive integer (threads of the FR-Train kernel); got {raw!r}")
    return int(raw)


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
