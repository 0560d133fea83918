"""Does every pinned package of the locks resolve on every laptop? (run by hand; needs PyPI)

    .venv/bin/python scripts/check_locks.py [--lock requirements-dev.lock] [--target linux-x86_64 ...]

For each target platform and Python version it keeps the lock lines whose environment markers
hold there (pip cannot be asked to: it evaluates markers for the machine it runs on), then runs

    pip download --no-deps --only-binary=:all: --platform TAG... --python-version X.Y.Z
                 --implementation cp -d build/lock-check/wheels -r <those lines>

A package pip finds no wheel for is retried as a source distribution (``--no-binary :all:``),
which is fine for pure-Python packages and recorded as such. Linux's ``torch==X+cpu`` lives on
PyTorch's own index, which this script does not contact: it is reported apart, and the
default-index build that ``FRCOURSE_TORCH=default`` installs is checked in its place.

Prints one line per target and writes the details to build/lock-check/results.json. The wheels
take several gigabytes (PyTorch for every platform); delete build/lock-check/ afterwards.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "build" / "lock-check"
PYTHONS = ("3.10.12", "3.11.2", "3.11.9", "3.12.3", "3.13.1")


@dataclass(frozen=True)
class Platform:
    name: str
    tags: tuple[str, ...]
    markers: dict = field(hash=False)


def _linux(machine: str) -> Platform:
    tags = tuple(f"manylinux_2_{minor}_{machine}" for minor in (28, 27, 26, 25, 24, 17, 12, 5)) + (
        f"manylinux2014_{machine}",) + ((f"manylinux2010_{machine}", f"manylinux1_{machine}") if machine == "x86_64" else ())
    return Platform(f"linux-{machine}", tags, {"sys_platform": "linux", "platform_system": "Linux",
                                               "platform_machine": machine, "os_name": "posix"})


PLATFORMS = {
    p.name: p
    for p in (
        _linux("x86_64"),
        _linux("aarch64"),
        # pip widens a macOS tag to every older macOS version and to universal2 by itself.
        Platform("macos-arm64", ("macosx_14_0_arm64",), {"sys_platform": "darwin", "platform_system": "Darwin",
                                                          "platform_machine": "arm64", "os_name": "posix"}),
        Platform("macos-x86_64", ("macosx_14_0_x86_64",), {"sys_platform": "darwin", "platform_system": "Darwin",
                                                            "platform_machine": "x86_64", "os_name": "posix"}),
        Platform("windows-amd64", ("win_amd64",), {"sys_platform": "win32", "platform_system": "Windows",
                                                   "platform_machine": "AMD64", "os_name": "nt"}),
    )
}


def marker_environment(platform: Platform, python: str) -> dict[str, str]:
    """The PEP 508 marker variables of CPython `python` (X.Y.Z) on `platform`."""
    major_minor = ".".join(python.split(".")[:2])
    return {
        **platform.markers,
        "python_version": major_minor,
        "python_full_version": python,
        "implementation_name": "cpython",
        "implementation_version": python,
        "platform_python_implementation": "CPython",
        "platform_release": "",
        "platform_version": "",
    }


def select(lock_text: str, environment: dict[str, str]) -> dict[str, str]:
    """``{canonical name: 'name==version'}`` of the lock lines whose marker holds in `environment`."""
    chosen: dict[str, str] = {}
    for line in lock_text.splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        requirement = Requirement(line)
        if requirement.marker is not None and not requirement.marker.evaluate(environment):
            continue
        name = canonicalize_name(requirement.name)
        if name in chosen:
            raise ValueError(f"two lines of the lock hold at once for {name}: {chosen[name]} and {line}")
        chosen[name] = f"{requirement.name}{requirement.specifier}"
    return chosen


# pip's two ways of saying it has nothing for a pin: none at all, or none within a constraint file's
# range (a machine's pip configuration may add one).
_NOT_FOUND = re.compile(r"(?:No matching distribution found for|Cannot install) ([A-Za-z0-9_.\-]+)==")


def pip_download(pins: list[str], platform: Platform, python: str, binary: bool) -> tuple[bool, str]:
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as handle:
        handle.write("\n".join(pins) + "\n")
    command = [sys.executable, "-m", "pip", "download", "--disable-pip-version-check", "--no-deps",
               "--progress-bar", "off", "-d", str(OUTPUT / "wheels"), "-r", handle.name]
    if binary:
        command += ["--only-binary=:all:", "--python-version", python, "--implementation", "cp",
                    *(arg for tag in platform.tags for arg in ("--platform", tag))]
    else:
        command += ["--no-binary=:all:"]
    done = subprocess.run(command, capture_output=True, text=True)
    Path(handle.name).unlink()
    return done.returncode == 0, done.stdout + done.stderr


def check_target(lock_text: str, platform: Platform, python: str) -> dict:
    """Download every selected pin for one target; report what has no wheel and what has only an sdist."""
    pins = select(lock_text, marker_environment(platform, python))
    result = {"platform": platform.name, "python": python, "pins": len(pins), "missing": [], "sdist_only": [],
              "torch": pins.get("torch", "")}
    if platform.markers["sys_platform"] == "linux" and pins.get("torch", "").endswith("+cpu"):
        # PyTorch's own index is not contacted: check the opt-in default-index build instead.
        result["torch_cpu_index_only"] = pins["torch"]
        pins["torch"] = pins["torch"].removesuffix("+cpu")
    todo = list(pins.values())
    while todo:
        ok, log = pip_download(todo, platform, python, binary=True)
        if ok:
            break
        found = _NOT_FOUND.search(log)
        if not found:
            result["error"] = log[-2000:]
            break
        name = canonicalize_name(found.group(1))
        pin = pins[name]
        todo.remove(pin)
        if pin.startswith("torch"):
            result["missing"].append(pin)
            continue
        sdist_ok, _ = pip_download([pin], platform, python, binary=False)
        result["sdist_only" if sdist_ok else "missing"].append(pin)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lock", action="append", help="lock files (default: both)")
    parser.add_argument("--target", action="append", choices=sorted(PLATFORMS), help="platforms (default: all)")
    parser.add_argument("--python", action="append", help=f"Python versions X.Y.Z (default: {', '.join(PYTHONS)})")
    args = parser.parse_args(argv)
    locks = [ROOT / lock for lock in (args.lock or ["requirements.lock", "requirements-dev.lock"])]
    (OUTPUT / "wheels").mkdir(parents=True, exist_ok=True)
    results = []
    for lock in locks:
        text = lock.read_text()
        for name in args.target or sorted(PLATFORMS):
            for python in args.python or PYTHONS:
                result = {"lock": lock.name, **check_target(text, PLATFORMS[name], python)}
                results.append(result)
                verdict = "OK" if not result["missing"] and "error" not in result else "FAILS"
                notes = []
                if result["missing"]:
                    notes.append("no wheel or sdist: " + ", ".join(result["missing"]))
                if result["sdist_only"]:
                    notes.append("sdist only: " + ", ".join(result["sdist_only"]))
                if result.get("torch_cpu_index_only"):
                    default_ok = not any(pin.startswith("torch==") for pin in result["missing"])
                    notes.append(f"{result['torch_cpu_index_only']}: PyTorch's CPU index, not checked; the "
                                 f"default build {'resolves' if default_ok else 'does not'}")
                if "error" in result:
                    notes.append("pip error: " + result["error"].strip().splitlines()[-1])
                print(f"{lock.name:22} {name:14} py{python:8} {result['pins']:4} pins  {verdict}"
                      + ("  (" + "; ".join(n for n in notes if n) + ")" if any(notes) else ""), flush=True)
                (OUTPUT / "results.json").write_text(json.dumps(results, indent=1))
    return 0 if all(not r["missing"] and "error" not in r for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
