"""The environment check of lesson 00: is everything the course needs installed, in the right versions?

:func:`check_environment` compares what is installed with

* the version ranges frlib declares (pyproject.toml, read back from the installed package's
  metadata): a version outside its range is a failure;
* the exact versions the course was tested with (``requirements.lock`` beside the sources,
  when frlib runs from a checkout of the course): a different version is reported, not failed.
"""

from __future__ import annotations

import platform
import sys
from importlib import metadata
from pathlib import Path

import pandas as pd
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

MIN_PYTHON = (3, 10)
LOCK_FILE = Path(__file__).resolve().parents[2] / "requirements.lock"


def declared_requirements(extras: tuple[str, ...] = ("course",)) -> list[Requirement]:
    """frlib's requirements from its installed metadata: the core ones plus the given extras."""
    requirements = []
    for line in metadata.requires("frlib") or []:
        requirement = Requirement(line)
        if requirement.marker is None or any(
            requirement.marker.evaluate({"extra": extra}) for extra in extras
        ):
            requirements.append(requirement)
    return requirements


def locked_versions(lock_file: Path = LOCK_FILE, environment: dict[str, str] | None = None) -> dict[str, str]:
    """``{canonical name: version}`` from a pip lock file of ``name==version[ ; marker]`` lines.

    A line whose environment marker does not hold for ``environment`` (default: this Python on
    this machine) is left out, as pip leaves it out, so a universal lock gives this machine's pins.
    """
    if not lock_file.is_file():
        return {}
    versions = {}
    for line in lock_file.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if "==" not in line:
            continue
        requirement = Requirement(line)
        if requirement.marker is None or requirement.marker.evaluate(environment):
            versions[canonicalize_name(requirement.name)] = str(requirement.specifier).removeprefix("==")
    return versions


def _installed(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def check_environment(extras: tuple[str, ...] = ("course",), lock_file: Path = LOCK_FILE) -> pd.DataFrame:
    """One row per required package: required range, installed version, tested version, ok.

    ``ok`` is True when the package is installed in its required range. ``tested`` is the
    version in the lock file ('' when there is no lock file); ``as_tested`` says whether the
    installed version is exactly that one.
    """
    locked = locked_versions(lock_file)
    rows = []
    for requirement in declared_requirements(extras):
        installed = _installed(requirement.name)
        tested = locked.get(canonicalize_name(requirement.name), "")
        rows.append(
            {
                "package": requirement.name,
                "required": str(requirement.specifier) or "any",
                "installed": installed or "missing",
                "tested": tested,
                "as_tested": bool(installed) and installed == tested,
                "ok": installed is not None
                and requirement.specifier.contains(Version(installed), prereleases=True),
            }
        )
    return pd.DataFrame(rows).set_index("package")


def python_ok() -> bool:
    """True when this Python is at least :data:`MIN_PYTHON`."""
    return sys.version_info[:2] >= MIN_PYTHON


def torch_summary() -> dict[str, object]:
    """Facts about PyTorch that the course relies on: version, CPU threads, whether CUDA is used."""
    import torch

    return {
        "version": torch.__version__,
        "cuda_available": torch.cuda.is_available(),
        "cpu_threads": torch.get_num_threads(),
    }


def environment_report() -> str:
    """A short human-readable summary: Python, platform, PyTorch, and any package problem."""
    table = check_environment()
    problems = table[~table["ok"]]
    lines = [
        f"Python {platform.python_version()} ({'ok' if python_ok() else 'too old: need >= 3.10'})",
        f"Platform {platform.system()} {platform.machine()}",
        "PyTorch {version}, CUDA available: {cuda_available}, CPU threads: {cpu_threads}".format(
            **torch_summary()
        ),
        f"{int(table['ok'].sum())} of {len(table)} required packages in range; "
        f"{int(table['as_tested'].sum())} exactly as tested",
    ]
    for name, row in problems.iterrows():
        lines.append(f"PROBLEM: {name} {row['installed']} is not in {row['required']}")
    return "\n".join(lines)
