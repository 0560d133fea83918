"""``pip install .`` without the course's and the tests' extras runs ``python -m frlib table``.

The check builds a fresh virtual environment, offline, that holds frlib's declared runtime
requirements (pyproject's ``dependencies``) and everything they require in turn, at the versions
of ``requirements.lock``, and nothing else: no nbformat, pytest, nbgrader or playwright. The
packages are the ones this test environment installed from the lock, linked into the new
environment (downloading them again would need the network, and copying 1.6 GB would cost more
than the test); frlib itself is built and installed into it by pip, non-editable, from a copy of
the sources, as ``pip install .`` would. Then the command line runs there, in a subprocess.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest
from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from frlib.course.environment import declared_requirements, locked_versions

ROOT = Path(__file__).resolve().parent.parent
TEST_ONLY = ("nbformat", "pytest", "nbgrader", "playwright", "nbval", "fairlearn")


def runtime_closure() -> dict[str, metadata.Distribution]:
    """frlib's core requirements and, recursively, theirs (extras and other platforms' markers off)."""
    environment = {**default_environment(), "extra": ""}
    closure: dict[str, metadata.Distribution] = {}
    pending = [requirement.name for requirement in declared_requirements(extras=())]
    while pending:
        name = canonicalize_name(pending.pop())
        if name in closure:
            continue
        closure[name] = metadata.distribution(name)
        for line in closure[name].requires or []:
            requirement = Requirement(line)
            if requirement.marker is None or requirement.marker.evaluate(environment):
                pending.append(requirement.name)
    return closure


def link_distribution(dist: metadata.Distribution, site_packages: Path) -> None:
    """Make an installed distribution importable from ``site_packages``: link its top-level entries."""
    if dist.files is None:
        raise AssertionError(f"{dist.metadata['Name']} has no RECORD of its files; cannot link it")
    tops = {file.parts[0] for file in dist.files if file.parts[0] != ".."}
    for top in sorted(tops):
        source = Path(dist.locate_file(top))
        target = site_packages / top
        if target.is_symlink() and target.resolve() == source.resolve():
            continue
        assert not target.exists(), f"{top} is provided by two distributions, {dist.metadata['Name']} and another"
        target.symlink_to(source, target_is_directory=source.is_dir())


@pytest.fixture(scope="module")
def minimal_python(tmp_path_factory) -> Path:
    """A fresh virtual environment with frlib and its runtime closure only; returns its python."""
    closure = runtime_closure()
    assert not set(TEST_ONLY) & set(closure), f"frlib's runtime needs {sorted(set(TEST_ONLY) & set(closure))}"
    locked = locked_versions(ROOT / "requirements.lock")
    for name, dist in closure.items():
        assert name in locked, f"{name} (needed at run time) is not in requirements.lock"
        assert dist.version == locked[name], f"{name}: installed {dist.version}, locked {locked[name]}"

    base = tmp_path_factory.mktemp("minimal")
    venv = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    site_packages = Path(subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True, capture_output=True, text=True, timeout=60,
    ).stdout.strip())
    for dist in closure.values():
        link_distribution(dist, site_packages)

    # `pip install .` (no dependencies: they are linked above), from a copy of the sources so that
    # the build writes nothing into the checkout.
    source = base / "source"
    shutil.copytree(ROOT / "frlib", source / "frlib", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-deps",
         "--no-index", "--no-build-isolation", "--target", str(site_packages), str(source)],
        check=True, timeout=300,
    )
    return python


def run(python: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("PYTHON", "VIRTUAL_ENV"))}
    env.update(OMP_NUM_THREADS="1", FRLIB_QUICK="0")
    return subprocess.run([str(python), *args], capture_output=True, text=True, env=env, cwd=cwd, timeout=600)


def test_the_minimal_environment_lacks_the_test_packages(minimal_python, tmp_path):
    code = ("import importlib.util, frlib; "
            f"print(frlib.__file__); print([m for m in {TEST_ONLY!r} if importlib.util.find_spec(m)])")
    completed = run(minimal_python, "-c", code, cwd=tmp_path)
    assert completed.returncode == 0, completed.stderr
    location, present = completed.stdout.splitlines()
    assert Path(location).resolve().is_relative_to(minimal_python.parent.parent.resolve())  # not the checkout
    assert present == "[]"


def test_python_dash_m_frlib_table_runs_without_the_test_packages(minimal_python, tmp_path):
    completed = run(minimal_python, "-m", "frlib", "table", "--dataset", "synthetic", "--methods", "LR",
                    "--seeds", "2", "--no-progress", cwd=tmp_path)  # the full setting: 1,000 epochs
    assert completed.returncode == 0, completed.stderr
    rows = [line.split() for line in completed.stdout.splitlines() if line.startswith("LR ")]
    assert [(row[1], row[-1]) for row in rows] == [("clean", "2"), ("poisoned", "2")]
    clean_accuracy, poisoned_accuracy = float(rows[0][2]), float(rows[1][2])
    assert 0.8 < clean_accuracy < 0.95 and poisoned_accuracy < clean_accuracy  # LR and the paper's attack
    # The exercise builder is the one command that needs nbformat, and says so (no traceback).
    completed = run(minimal_python, "-m", "frlib", "exercises", "build", "--check", cwd=tmp_path)
    assert completed.returncode == 2 and "needs nbformat" in completed.stderr
    assert "Traceback" not in completed.stderr
