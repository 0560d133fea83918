"""The set-up for every laptop: the two universal locks and scripts/setup_env.py's choices.

What this machine cannot run (a Mac, Windows, other Pythons) is checked on the locks' text: for
every target platform and Python the lines whose markers hold (as pip would keep them there) must
pin each package once, satisfy frlib's declared ranges, and agree between the two locks.
scripts/check_locks.py goes further and downloads every pin for every target (by hand: needs PyPI).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from frlib.course import environment
from script_modules import load_script

ROOT = Path(__file__).resolve().parent.parent




setup_env = load_script("setup_env")
check_locks = load_script("check_locks")

COURSE_LOCK = (ROOT / "requirements.lock").read_text()
DEV_LOCK = (ROOT / "requirements-dev.lock").read_text()
TARGETS = [(platform, python) for platform in sorted(check_locks.PLATFORMS) for python in check_locks.PYTHONS]


def _version(pin: str) -> str:
    return pin.split("==", 1)[1]


@pytest.mark.parametrize("platform, python", TARGETS)
def test_each_target_gets_one_pin_per_package_within_frlibs_ranges(platform, python):
    env = check_locks.marker_environment(check_locks.PLATFORMS[platform], python)
    course = check_locks.select(COURSE_LOCK, env)  # raises if two lines hold for one package
    dev = check_locks.select(DEV_LOCK, env)
    for name, pin in course.items():
        assert dev.get(name) == pin, f"{platform}/{python}: the locks disagree on {name}: {pin} vs {dev.get(name)}"
    for extras, pins in ((("course",), course), (("course", "test"), dev)):
        for requirement in environment.declared_requirements(extras):
            pin = pins.get(canonicalize_name(requirement.name))
            assert pin is not None, f"{platform}/{python}: {requirement.name} is not pinned"
            assert requirement.specifier.contains(Version(_version(pin)), prereleases=True), (
                f"{platform}/{python}: {pin} is outside frlib's range {requirement.specifier}")


@pytest.mark.parametrize("platform", sorted(check_locks.PLATFORMS))
def test_torch_is_the_cpu_build_on_linux_and_the_default_build_elsewhere(platform):
    env = check_locks.marker_environment(check_locks.PLATFORMS[platform], "3.11.9")
    torch = _version(check_locks.select(COURSE_LOCK, env)["torch"])
    assert Version(torch).public.startswith("2.13.")
    assert (Version(torch).local == "cpu") == platform.startswith("linux"), torch


def test_the_learners_lock_has_nothing_for_testing_or_grading():
    env = check_locks.marker_environment(check_locks.PLATFORMS["linux-x86_64"], "3.11.9")
    course, dev = check_locks.select(COURSE_LOCK, env), check_locks.select(DEV_LOCK, env)
    for name in ("pytest", "nbval", "nbgrader", "playwright", "coverage"):
        assert name not in course and name in dev, name
    assert "fairlearn" in course  # lesson 04 runs fairlearn live next to frlib (section 12)


def test_platform_specific_lines_follow_their_platform():
    def pins(platform, python="3.12.3"):
        return check_locks.select(DEV_LOCK, check_locks.marker_environment(check_locks.PLATFORMS[platform], python))

    assert "colorama" in pins("windows-amd64") and "colorama" not in pins("linux-x86_64")
    assert "appnope" in pins("macos-arm64") and "appnope" not in pins("windows-amd64")
    assert "pexpect" in pins("linux-aarch64") and "pexpect" not in pins("windows-amd64")
    # Python 3.10 gets its own versions where a tested one needs a newer Python.
    assert Version(_version(pins("linux-x86_64", "3.10.12")["numpy"])) < Version(_version(pins("linux-x86_64")["numpy"]))


def test_this_machine_installs_what_the_lock_selects_for_it():
    """frlib.environment and check_locks read the lock alike: this environment's own pins."""
    ours = environment.locked_versions(ROOT / "requirements-dev.lock")
    import platform

    here = {"sys_platform": sys.platform, "platform_machine": platform.machine(),
            "python_full_version": platform.python_version(), "python_version": "%d.%d" % sys.version_info[:2]}
    assert {name: _version(pin) for name, pin in check_locks.select(DEV_LOCK, here).items()} == ours


def test_select_refuses_a_lock_where_two_lines_hold_at_once():
    with pytest.raises(ValueError, match="two lines of the lock hold at once for torch"):
        check_locks.select("torch==2.13.0\ntorch==2.13.0+cpu ; sys_platform == 'linux'\n",
                           {"sys_platform": "linux"})


def test_the_default_torch_opt_in_replaces_only_linuxs_cpu_build():
    text = 'numpy==2.4.6\ntorch==2.13.0+cpu ; sys_platform == "linux"\ntorch==2.13.0 ; sys_platform != \'linux\'\n'
    assert setup_env.lock_requirements(text, "cpu") == text
    swapped = setup_env.lock_requirements(text, "default").splitlines()
    assert swapped == ["numpy==2.4.6", 'torch==2.13.0 ; sys_platform == "linux"', "torch==2.13.0 ; sys_platform != 'linux'"]
    for line in swapped:
        Requirement(line)  # still valid requirement lines
    with pytest.raises(setup_env.SetupError, match="FRCOURSE_TORCH must be one of cpu, default, not 'cuda'"):
        setup_env.lock_requirements(text, "cuda")


@pytest.mark.parametrize(
    "wanted, stamp, expected",
    [
        ("learner", {}, "learner"),                                   # fresh: the learner's install
        ("dev", {}, "dev"),
        ("learner", {"profile": "learner", "digest": "L"}, None),     # up to date
        ("learner", {"profile": "learner", "digest": "old"}, "learner"),
        ("dev", {"profile": "learner", "digest": "L"}, "dev"),        # make test after make course
        ("learner", {"profile": "dev", "digest": "D"}, None),         # the developer's serves the learner
        ("learner", {"profile": "dev", "digest": "old"}, "dev"),      # never shrunk to the learner's
        ("dev", {"profile": "dev", "digest": "D"}, None),
    ],
)
def test_which_profile_to_install(wanted, stamp, expected):
    assert setup_env.profile_to_install(wanted, stamp, {"learner": "L", "dev": "D"}) == expected


def test_the_digest_follows_the_lock_pyproject_overrides_and_torch_choice(tmp_path):
    for name in ("requirements.lock", "requirements-dev.lock", "pyproject.toml", "scripts/jupyterlab_overrides.json"):
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_bytes((ROOT / name).read_bytes())
    before = setup_env.digest("learner", "cpu", tmp_path)
    assert setup_env.digest("learner", "cpu", tmp_path) == before
    assert setup_env.digest("learner", "default", tmp_path) != before
    assert setup_env.digest("dev", "cpu", tmp_path) != before
    (tmp_path / "requirements.lock").write_text(COURSE_LOCK + "# changed\n")
    changed_lock = setup_env.digest("learner", "cpu", tmp_path)
    assert changed_lock != before
    (tmp_path / "scripts/jupyterlab_overrides.json").write_text("{}\n")
    assert setup_env.digest("learner", "cpu", tmp_path) != changed_lock


def test_the_stamp_of_this_environment_is_readable(tmp_path):
    assert setup_env.read_stamp(tmp_path) == {}
    (tmp_path / setup_env.STAMP_NAME).write_text(json.dumps({"profile": "dev", "digest": "x"}))
    assert setup_env.read_stamp(tmp_path) == {"profile": "dev", "digest": "x"}
    (tmp_path / setup_env.STAMP_NAME).write_text("touched by an older Makefile\n")
    assert setup_env.read_stamp(tmp_path) == {}


def test_venv_python_per_system():
    assert setup_env.venv_python(Path("v"), "Windows") == Path("v/Scripts/python.exe")
    assert setup_env.venv_python(Path("v"), "Linux") == Path("v/bin/python")
    assert setup_env.venv_python(Path("v"), "Darwin") == Path("v/bin/python")


def test_platform_checks():
    assert setup_env.check_platform("Linux", "x86_64", (3, 11)) == []
    assert setup_env.check_platform("Darwin", "arm64", (3, 13), "14.5") == []
    assert setup_env.check_platform("Windows", "AMD64", (3, 10)) == []
    with pytest.raises(setup_env.SetupError, match="no wheels for Intel Macs"):
        setup_env.check_platform("Darwin", "x86_64", (3, 11), "13.6")
    with pytest.raises(setup_env.SetupError, match="need macOS 14 or newer; this is macOS 13.6"):
        setup_env.check_platform("Darwin", "arm64", (3, 11), "13.6")
    with pytest.raises(setup_env.SetupError, match=r"Python >= 3.10 is needed, this is 3.9"):
        setup_env.check_platform("Linux", "x86_64", (3, 9))
    assert "outside the locks' range" in setup_env.check_platform("Linux", "x86_64", (3, 14))[0]
    assert "not ppc64le" in setup_env.check_platform("Linux", "ppc64le", (3, 11))[0]


def test_lab_command_opens_lesson_00_and_allows_root_only_for_root():
    command = setup_env.lab_command(Path("py"), ["--no-browser"], is_root=False)
    assert command == [Path("py"), "-m", "jupyter", "lab", "--notebook-dir=.", "--no-browser",
                       "notebooks/00_welcome.ipynb"]
    assert "--allow-root" in setup_env.lab_command(Path("py"), [], is_root=True)
