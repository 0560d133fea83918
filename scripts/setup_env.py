"""Create the course environment and run the course or the tests, on Linux, macOS and Windows.

    python scripts/setup_env.py course   # the learner's install, then JupyterLab on lesson 00
    python scripts/setup_env.py test     # the developer's install, then every test (quick setting)
    python scripts/setup_env.py install learner|dev    # only the install

(on Windows: ``py scripts\\setup_env.py course``). ``make course`` and ``make test`` call the
``install`` step of this script, so there is one implementation of the set-up. Standard library
only: it runs with whatever Python 3.10+ the machine has, before anything is installed.

The install, in ``.venv`` (``--venv``):

1. create the virtual environment if it is missing;
2. ``pip install -r`` the profile's lock: ``requirements.lock`` for the learner (frlib's
   dependencies, JupyterLab, PyTorch: nothing for testing or grading), ``requirements-dev.lock``
   for developers and instructors (adds pytest, nbval, nbgrader, playwright, ...).
   Both are universal locks: pip keeps the lines whose environment markers hold here;
3. install frlib from this checkout in editable mode;
4. register the environment's Jupyter kernel.

A stamp file in the environment records the profile and a digest of what it was installed from;
nothing is reinstalled while both hold (the developer's install serves the learner's commands too).

PyTorch on Linux: the locks pin the CPU build (``torch==X+cpu``), published on PyTorch's own
index, which this script never contacts by itself. Either point pip at that index
(``PIP_EXTRA_INDEX_URL``, see the README), or opt in to the default index's build with
``FRCOURSE_TORCH=default`` (on Linux x86-64 that is the CUDA build, several gigabytes).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCKS = {"learner": ROOT / "requirements.lock", "dev": ROOT / "requirements-dev.lock"}
STAMP_NAME = ".frcourse-installed"
# JupyterLab's settings overrides, copied into the environment: its news pop-up (which would cover
# the first figures) and its update check (the course runs offline) are off.
LAB_OVERRIDES = ROOT / "scripts" / "jupyterlab_overrides.json"
MIN_PYTHON = (3, 10)
TESTED_PYTHONS = ((3, 10), (3, 11), (3, 12), (3, 13))
TORCH_CHOICES = ("cpu", "default")
KERNEL_ARGS = ["-m", "ipykernel", "install", "--sys-prefix", "--name", "python3",
               "--display-name", "Python 3 (frcourse)"]
PIP = ["-m", "pip", "--disable-pip-version-check"]


class SetupError(Exception):
    """A problem the learner can act on; printed without a traceback."""


def venv_python(venv: Path, system: str | None = None) -> Path:
    """The environment's Python: Scripts\\python.exe on Windows, bin/python elsewhere."""
    system = platform.system() if system is None else system
    return venv / "Scripts" / "python.exe" if system == "Windows" else venv / "bin" / "python"


def check_platform(system: str, machine: str, python: tuple[int, int], mac_version: str = "") -> list[str]:
    """Warnings for a platform the locks may not serve; SetupError where they cannot."""
    if python < MIN_PYTHON:
        raise SetupError(f"Python >= {'.'.join(map(str, MIN_PYTHON))} is needed, this is "
                         f"{'.'.join(map(str, python))}: run the script with a newer Python")
    machine = machine.lower()
    if system == "Darwin" and machine in ("x86_64", "amd64", "i386"):
        raise SetupError(
            "PyTorch publishes no wheels for Intel Macs (x86-64) since version 2.3, so the pip locks "
            "cannot be installed here. On Apple silicon, run the script with an arm64 Python (not "
            "under Rosetta); on an Intel Mac use the conda route of the README (environment.yml).")
    if system == "Darwin" and mac_version:
        major = int(mac_version.split(".")[0])
        if major < 14:
            raise SetupError(f"PyTorch's wheels for macOS need macOS 14 or newer; this is macOS {mac_version}. "
                             "Use the conda route of the README (environment.yml).")
    warnings = []
    if python not in TESTED_PYTHONS:
        warnings.append(f"Python {python[0]}.{python[1]} is outside the locks' range (3.10-3.13); "
                        "pip may find no wheel for some package")
    if machine not in ("x86_64", "amd64", "aarch64", "arm64"):
        warnings.append(f"the locks are made for x86-64 and arm64 machines, not {machine}")
    return warnings


def lock_requirements(lock_text: str, torch: str = "cpu") -> str:
    """The lock as pip should read it: as is, or with Linux's CPU torch replaced by the default build."""
    if torch not in TORCH_CHOICES:
        raise SetupError(f"FRCOURSE_TORCH must be one of {', '.join(TORCH_CHOICES)}, not {torch!r}")
    if torch == "cpu":
        return lock_text
    lines = []
    for line in lock_text.splitlines():
        spec, sep, marker = line.partition(";")
        if spec.strip().lower().startswith("torch==") and spec.strip().endswith("+cpu"):
            line = spec.strip().removesuffix("+cpu") + (f" ;{marker}" if sep else "")
        lines.append(line)
    return "\n".join(lines) + "\n"


def digest(profile: str, torch: str, root: Path = ROOT) -> str:
    """What an install of this profile depends on: its lock, pyproject.toml, JupyterLab's settings
    overrides and the torch choice."""
    hasher = hashlib.sha256()
    for path in (LOCKS[profile].relative_to(ROOT), Path("pyproject.toml"), LAB_OVERRIDES.relative_to(ROOT)):
        hasher.update((root / path).read_bytes())
    hasher.update(torch.encode())
    return hasher.hexdigest()


def read_stamp(venv: Path) -> dict:
    try:
        return json.loads((venv / STAMP_NAME).read_text())
    except (OSError, ValueError):
        return {}


def profile_to_install(wanted: str, stamp: dict, digests: dict[str, str]) -> str | None:
    """Which profile to install for `wanted`, or None when the environment already serves it.

    The developer's install serves the learner's commands; an out-of-date developer install is
    brought up to date as a developer install (never shrunk to the learner's).
    """
    installed = stamp.get("profile")
    if installed == "dev":
        return None if stamp.get("digest") == digests["dev"] else "dev"
    if installed == wanted == "learner" and stamp.get("digest") == digests["learner"]:
        return None
    return wanted


def run(command: list, **kwargs) -> None:
    print("+", " ".join(str(c) for c in command), flush=True)
    subprocess.run([str(c) for c in command], check=True, **kwargs)


def install(profile: str, venv: Path, torch: str) -> Path:
    """Make `venv` serve `profile`; return its Python."""
    python = venv_python(venv)
    digests = {name: digest(name, torch) for name in LOCKS}
    target = profile_to_install(profile, read_stamp(venv), digests)
    if target is None:
        return python
    if not python.exists():
        try:
            run([sys.executable, "-m", "venv", venv])
        except subprocess.CalledProcessError:
            raise SetupError(f"{sys.executable} could not create a virtual environment (its message is above); "
                             "on Debian and Ubuntu, install the python3-venv package") from None
    lock = LOCKS[target]
    with tempfile.TemporaryDirectory() as scratch:
        requirements = Path(scratch) / lock.name
        requirements.write_text(lock_requirements(lock.read_text(), torch))
        try:
            run([python, *PIP, "install", "--quiet", "-r", requirements])
        except subprocess.CalledProcessError:
            hint = ""
            if platform.system() == "Linux" and torch == "cpu":
                hint = ("\nIf pip found no torch==...+cpu: that CPU build is on PyTorch's own index. Rerun with "
                        "PIP_EXTRA_INDEX_URL set to it (see the README), or with FRCOURSE_TORCH=default to "
                        "take the default index's build (CUDA on x86-64, several gigabytes).")
            raise SetupError(f"pip could not install {lock.name} (its message is above).{hint}") from None
    run([python, *PIP, "install", "--quiet", "--no-deps", "--no-build-isolation", "-e", ROOT])
    run([python, *KERNEL_ARGS], stdout=subprocess.DEVNULL)
    settings = venv / "share" / "jupyter" / "lab" / "settings"
    settings.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(LAB_OVERRIDES, settings / "overrides.json")
    (venv / STAMP_NAME).write_text(json.dumps({"profile": target, "digest": digests[target]}) + "\n")
    print(f"setup_env: {venv} holds the {target} install of {lock.name}", flush=True)
    return python


def lab_command(python: Path, extra: list[str], is_root: bool) -> list:
    command = [python, "-m", "jupyter", "lab", "--notebook-dir=."]
    if is_root:  # JupyterLab refuses to run as root (containers, some CI machines) unless told
        command.append("--allow-root")
    return [*command, *extra, "notebooks/00_welcome.ipynb"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Set up and run the course (see the module docstring).")
    parser.add_argument("--venv", type=Path, default=ROOT / ".venv", help="the environment's folder (.venv)")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("course", help="learner's install, then JupyterLab (extra arguments go to jupyter lab)")
    sub.add_parser("test", help="developer's install, then pytest with FRLIB_QUICK=1; the browser test runs the lessons again with FRLIB_SEED=1, or nbval does without a browser (extra arguments go to pytest and skip that second pass)")
    installer = sub.add_parser("install", help="only install a profile")
    installer.add_argument("profile", choices=sorted(LOCKS))
    args, extra = parser.parse_known_args(argv)
    if args.command == "install" and extra:
        parser.error(f"unexpected arguments: {' '.join(extra)}")
    torch = os.environ.get("FRCOURSE_TORCH", "cpu").strip().lower() or "cpu"
    try:
        for warning in check_platform(platform.system(), platform.machine(), sys.version_info[:2],
                                      platform.mac_ver()[0]):
            print(f"setup_env: warning: {warning}", file=sys.stderr)
        venv = args.venv if args.venv.is_absolute() else Path.cwd() / args.venv
        profile = {"course": "learner", "test": "dev"}.get(args.command) or args.profile
        python = install(profile, venv, torch)
    except SetupError as error:
        print(f"setup_env: {error}", file=sys.stderr)
        return 1
    except subprocess.CalledProcessError as error:
        print(f"setup_env: a step failed ({error}); its message is above", file=sys.stderr)
        return 1
    if args.command == "course":
        is_root = hasattr(os, "getuid") and os.getuid() == 0
        return subprocess.call([str(c) for c in lab_command(python, extra, is_root)], cwd=ROOT)
    if args.command == "test":  # as make test: everything, with the lessons' second seed pass
        quick = dict(os.environ, FRLIB_QUICK="1")
        status = subprocess.call([str(python), "-m", "pytest", *extra], cwd=ROOT, env=quick)
        if extra:
            return status
        return second_seed_pass(python, quick) or status
    return 0


def second_seed_pass(python: Path, env: dict[str, str]) -> int:
    """Every lesson a second time with FRLIB_SEED=1, as `make test`: the browser test (part of the
    first pytest) did it when it could run here; otherwise nbval does it now."""
    check = subprocess.run([str(python), "tests/test_browser.py", "--available"], cwd=ROOT, env=env,
                           capture_output=True, text=True)
    if check.returncode == 0:
        print("setup_env: the lessons' second seed pass (FRLIB_SEED=1) ran in the browser test")
        return 0
    print(f"setup_env: no browser test here ({check.stdout.strip() or check.stderr.strip()}): "
          "the lessons run again under nbval with FRLIB_SEED=1 (FRLIB_QUICK=1 FRLIB_SEED=1 python -m pytest notebooks)")
    return subprocess.call([str(python), "-m", "pytest", "notebooks"], cwd=ROOT, env=dict(env, FRLIB_SEED="1"))


if __name__ == "__main__":
    sys.exit(main())
