"""The environment check of lesson 00 and the consistency of the set-up files."""

from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from frlib.course import environment

ROOT = Path(__file__).resolve().parent.parent


def test_check_environment_reports_every_declared_package_in_range():
    table = environment.check_environment()
    assert {"numpy", "torch", "pandas", "matplotlib", "ipywidgets", "jupyterlab"} <= set(table.index)
    assert table["ok"].all(), table[~table["ok"]]
    assert environment.python_ok()


def test_check_environment_flags_a_version_outside_its_range(monkeypatch):
    real = environment._installed
    monkeypatch.setattr(environment, "_installed", lambda name: "1.0" if name == "numpy" else real(name))
    table = environment.check_environment()
    assert not table.loc["numpy", "ok"]
    assert table.loc["numpy", "installed"] == "1.0"
    assert "PROBLEM: numpy 1.0" in environment.environment_report()


def test_check_environment_flags_a_missing_package(monkeypatch):
    real = environment._installed
    monkeypatch.setattr(environment, "_installed", lambda name: None if name == "tqdm" else real(name))
    table = environment.check_environment()
    assert table.loc["tqdm", "installed"] == "missing" and not table.loc["tqdm", "ok"]


def test_locked_versions_parse_the_lock_file(tmp_path):
    lock = tmp_path / "requirements.lock"
    lock.write_text("# comment\nNumPy==2.0.1\ntorch==2.13.0+cpu  # cpu build\n\n")
    assert environment.locked_versions(lock) == {"numpy": "2.0.1", "torch": "2.13.0+cpu"}
    assert environment.locked_versions(tmp_path / "absent.lock") == {}


def test_locked_versions_keep_the_lines_whose_marker_holds(tmp_path):
    lock = tmp_path / "requirements.lock"
    lock.write_text(
        "numpy==2.2.6 ; python_full_version < '3.11'\n"
        "numpy==2.4.6 ; python_full_version >= '3.11'\n"
        'torch==2.13.0+cpu ; sys_platform == "linux"\n'
        "torch==2.13.0 ; sys_platform != 'linux'\n"
        "colorama==0.4.6 ; sys_platform == 'win32'\n"
    )
    mac_310 = {"sys_platform": "darwin", "python_full_version": "3.10.12", "python_version": "3.10"}
    linux_312 = {"sys_platform": "linux", "python_full_version": "3.12.3", "python_version": "3.12"}
    windows_313 = {"sys_platform": "win32", "python_full_version": "3.13.1", "python_version": "3.13"}
    assert environment.locked_versions(lock, mac_310) == {"numpy": "2.2.6", "torch": "2.13.0"}
    assert environment.locked_versions(lock, linux_312) == {"numpy": "2.4.6", "torch": "2.13.0+cpu"}
    assert environment.locked_versions(lock, windows_313) == {"numpy": "2.4.6", "torch": "2.13.0", "colorama": "0.4.6"}


LINUX_311 = {"sys_platform": "linux", "platform_machine": "x86_64", "python_full_version": "3.11.9",
             "python_version": "3.11"}


def _lock(name="requirements.lock", where=None):
    return environment.locked_versions(ROOT / name, where)


@pytest.mark.parametrize("lock, extras", [("requirements.lock", ("course",)),
                                          ("requirements-dev.lock", ("course", "test"))])
def test_each_lock_pins_cpu_torch_2_13_on_linux_and_satisfies_its_ranges(lock, extras):
    locked = _lock(lock, LINUX_311)
    assert locked["torch"].startswith("2.13.") and locked["torch"].endswith("+cpu")
    for requirement in environment.declared_requirements(extras=extras):
        version = locked.get(canonicalize_name(requirement.name))
        assert version is not None, f"{requirement.name} is not pinned in {lock}"
        assert requirement.specifier.contains(Version(version), prereleases=True), (
            f"{lock} pins {requirement.name}=={version}, outside {requirement.specifier}"
        )


def test_installed_versions_are_the_locked_ones():
    """The tests run in the developer's install: every package at requirements-dev.lock's version here."""
    from importlib import metadata

    for name, version in _lock("requirements-dev.lock").items():
        if name in {"setuptools", "wheel"}:
            continue
        assert metadata.version(name) == version, f"{name}: installed {metadata.version(name)}, locked {version}"


def test_environment_yml_matches_the_learners_lock_and_names_its_platforms():
    """environment.yml is the learner's install for conda (and Binder), on Linux x86-64 at Python 3.11."""
    text = (ROOT / "environment.yml").read_text()
    spec = yaml.safe_load(text)
    locked = _lock("requirements.lock", LINUX_311)
    pins = {}
    pip_section = []
    for entry in spec["dependencies"]:
        if isinstance(entry, dict):
            pip_section = entry.get("pip", [])
        elif "=" in entry:
            name, version = entry.split("=", 1)
            pins[canonicalize_name(name)] = version
    assert pins.pop("python").startswith("3.11")
    torch_pin = pins.pop("pytorch")
    assert torch_pin.startswith(locked["torch"].split("+")[0])
    for name, version in pins.items():
        assert name in locked, f"environment.yml pins {name}, which the learner's lock does not"
        assert version == locked[name], f"environment.yml pins {name}={version}, the lock {locked[name]}"
    required = {canonicalize_name(r.name) for r in environment.declared_requirements(("course",))}
    named = set(pins) | {"torch"} | {canonicalize_name(Requirement(p).name) for p in pip_section if not p.startswith("-")}
    assert required <= named, f"environment.yml lacks {sorted(required - named)}"
    for platform in ("linux-64", "linux-aarch64", "osx-64", "osx-arm64", "win-64"):
        assert platform in text, f"environment.yml does not say whether it serves {platform}"
