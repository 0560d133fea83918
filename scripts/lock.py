"""Regenerate the two pip locks, for every laptop, with one command (`make lock`).

    .venv/bin/python scripts/lock.py            # run inside the developer's environment

writes

* ``requirements.lock``: the learner's install (frlib's dependencies and the ``course`` extra);
* ``requirements-dev.lock``: the developer's and instructor's install (adds the ``test`` extra),
  with every package the learner's lock pins at the same version.

Each is one *universal* lock: a single file whose environment markers select, at install time,
what Linux (x86-64, aarch64), macOS (arm64) and Windows (x86-64) need on Python 3.10 to 3.13
(`uv pip compile --universal`, which evaluates markers for every platform; pip cannot, since it
evaluates them for the machine it runs on). The versions already in the locks are kept wherever
they still resolve (uv reads an existing output file as preferences); Python 3.10 gets its own
versions where a tested one needs a newer Python.

PyTorch: the locks pin the CPU build (``torch==X+cpu``) on Linux, where the default index only
has the multi-gigabyte CUDA build, and the default-index build elsewhere (which is the CPU build
on macOS and Windows). The ``+cpu`` wheels live on PyTorch's own index, which uv would have to
read for every Python version; instead the script resolves the dependencies of the CPU build,
read from the ``+cpu`` torch installed in this environment, as Linux-only requirements, and adds
the ``torch==X+cpu`` line itself. Run it in an environment whose torch is that CPU build.

uv is a tool of this script only (``pip install uv==UV_VERSION`` into the environment that runs
it); it never downloads a Python (``UV_PYTHON_DOWNLOADS=never``).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COURSE_LOCK = ROOT / "requirements.lock"
DEV_LOCK = ROOT / "requirements-dev.lock"
UV_VERSION = "0.13.9"
LOWEST_PYTHON = "3.10"

HEADER = """\
# {title}
# One universal lock: environment markers select the lines for this machine's platform and Python
# (Linux x86-64/aarch64: PyTorch's CPU build; macOS arm64 and Windows x86-64: the default index's
# build; Python 3.10-3.13). Installed by {installed_by}.
# Ranges live in pyproject.toml. Regenerate both locks with `make lock` (scripts/lock.py); never
# edit by hand.
"""


def torch_cpu_requirements() -> tuple[str, list[str]]:
    """The installed CPU torch's version and its requirements (extras dropped)."""
    try:
        version = metadata.version("torch")
    except metadata.PackageNotFoundError:
        sys.exit("scripts/lock.py: torch is not installed here; run it with the developer environment's Python")
    if not version.endswith("+cpu"):
        sys.exit(f"scripts/lock.py: the installed torch is {version}, not a '+cpu' build; run it in an "
                 "environment with PyTorch's CPU build (the developer environment on Linux)")
    requires = [r for r in metadata.requires("torch") or [] if "extra ==" not in r]
    return version, requires


def linux_only(requirement: str) -> str:
    """``name>=1 ; marker`` -> ``name>=1 ; (marker) and sys_platform == "linux"``."""
    spec, _, marker = requirement.partition(";")
    marker = marker.strip()
    linux = 'sys_platform == "linux"'
    return f"{spec.strip()} ; ({marker}) and {linux}" if marker else f"{spec.strip()} ; {linux}"


def frlib_requirements(extras: list[str]) -> list[str]:
    """frlib's declared requirements (pyproject.toml, via the installed metadata) for these extras."""
    from packaging.requirements import Requirement

    chosen = []
    for line in metadata.requires("frlib") or []:
        requirement = Requirement(line)
        marker = requirement.marker
        if marker is not None and not any(marker.evaluate({"extra": extra}) for extra in extras):
            continue
        requirement.marker = None  # frlib declares no marker but its extras'
        chosen.append(str(requirement))
    return chosen


def resolution_input(extras: list[str], version: str, requires: list[str]) -> str:
    """What uv resolves: frlib's requirements, torch off Linux only, the CPU build's requirements
    on Linux, and setuptools (frlib's editable install runs without build isolation)."""
    public = version.split("+", 1)[0]
    lines = []
    for requirement in frlib_requirements(extras):
        if requirement.startswith("torch") and not requirement[5:6].isalnum():
            lines.append(f'{requirement} ; sys_platform != "linux"')
            lines.append(f'torch=={public} ; sys_platform != "linux"')
        else:
            lines.append(requirement)
    lines += [linux_only(r) for r in requires]
    lines.append("setuptools")
    return "\n".join(lines) + "\n"


def add_cpu_torch(lock_text: str, version: str) -> str:
    """Insert the Linux CPU torch line next to the other torch line(s), in sorted position."""
    lines = lock_text.splitlines()
    cpu_line = f'torch=={version} ; sys_platform == "linux"'
    index = next((i for i, line in enumerate(lines) if line.lower().startswith("torch==")), len(lines))
    lines.insert(index, cpu_line)
    return "\n".join(lines) + "\n"


def uv_command() -> list[str]:
    uv = shutil.which("uv", path=str(Path(sys.executable).parent)) or shutil.which("uv")
    if uv is None:
        sys.exit(f"scripts/lock.py needs uv: {sys.executable} -m pip install uv=={UV_VERSION}")
    found = subprocess.run([uv, "--version"], capture_output=True, text=True).stdout.split()
    if len(found) < 2 or found[1] != UV_VERSION:
        sys.exit(f"scripts/lock.py: found uv {' '.join(found[1:2]) or '?'}, wants {UV_VERSION} "
                 f"(another uv can resolve differently): {sys.executable} -m pip install uv=={UV_VERSION}")
    return [uv]


def compile_lock(uv: list[str], extras: list[str], output: Path, constraints: Path | None,
                 title: str, installed_by: str, cpu_version: str, cpu_requires: list[str],
                 find_links: list[str]) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        # uv keeps the versions of an existing output file where they still resolve: give it the
        # current lock without the CPU torch line, which it cannot resolve for every Python.
        draft = Path(scratch) / output.name
        requirements_in = Path(scratch) / "requirements.in"
        requirements_in.write_text(resolution_input(extras, cpu_version, cpu_requires))
        if output.exists():
            draft.write_text("".join(line for line in output.read_text().splitlines(keepends=True)
                                     if "+cpu" not in line))
        command = [
            *uv, "pip", "compile", str(requirements_in),
            "--universal", f"--python-version={LOWEST_PYTHON}",
            "--no-header", "--no-annotate", "--quiet",
            *(f"--find-links={link}" for link in find_links),
            "-o", str(draft),
        ]
        if constraints is not None:
            kept = Path(scratch) / "constraints.txt"
            kept.write_text("".join(line for line in constraints.read_text().splitlines(keepends=True)
                                    if "+cpu" not in line))
            command += ["-c", str(kept)]
        env = dict(os.environ, UV_PYTHON_DOWNLOADS="never")
        subprocess.run(command, cwd=ROOT, env=env, check=True)
        body = add_cpu_torch(draft.read_text(), cpu_version)
    output.write_text(HEADER.format(title=title, installed_by=installed_by) + body)
    print(f"scripts/lock.py: wrote {output.relative_to(ROOT)} ({sum(1 for l in body.splitlines() if '==' in l)} pins)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--find-links", action="append", default=[],
                        help="extra wheel folders or pages for uv (none by default)")
    args = parser.parse_args(argv)
    uv = uv_command()
    cpu_version, requires = torch_cpu_requirements()
    compile_lock(uv, ["course"], COURSE_LOCK, None,
                 "The learner's install: frlib, JupyterLab, PyTorch; nothing for testing or grading.",
                 "'make course' (scripts/setup_env.py course)", cpu_version, requires, args.find_links)
    compile_lock(uv, ["course", "test"], DEV_LOCK, COURSE_LOCK,
                 "The developer's and instructor's install: the learner's lock plus pytest, nbval, "
                 "nbgrader, playwright, ...",
                 "'make test' (scripts/setup_env.py test)", cpu_version, requires, args.find_links)
    return 0


if __name__ == "__main__":
    sys.exit(main())
