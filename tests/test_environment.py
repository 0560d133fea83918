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


def _lock():
    return environment.locked_versions(ROOT / "requirements.lock")


def test_lock_pins_cpu_torch_2_13_and_satisfies_every_range():
    locked = _lock()
    assert locked["torch"].startswith("2.13.") and locked["torch"].endswith("+cpu")
    for requirement in environment.declared_requirements(extras=("course", "test")):
        version = locked.get(canonicalize_name(requirement.name))
        assert version is not None, f"{requirement.name} is not pinned in requirements.lock"
        assert requirement.specifier.contains(Version(version), prereleases=True), (
            f"requirements.lock pins {requirement.name}=={version}, outside {requirement.specifier}"
        )


def test_installed_versions_are_the_locked_ones():
    from importlib import metadata

    for name, version in _lock().items():
        if name in {"setuptools", "wheel"}:
            continue
        assert metadata.version(name) == version, f"{name}: installed {metadata.version(name)}, locked {version}"


def test_environment_yml_matches_the_lock():
    spec = yaml.safe_load((ROOT / "environment.yml").read_text())
    locked = _lock()
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
        if name in locked:
            assert version == locked[name], f"environment.yml pins {name}={version}, the lock {locked[name]}"
    required = {canonicalize_name(r.name) for r in environment.declared_requirements(("course", "test"))}
    named = set(pins) | {"torch"} | {canonicalize_name(Requirement(p).name) for p in pip_section if not p.startswith("-")}
    assert required <= named, f"environment.yml lacks {sorted(required - named)}"
