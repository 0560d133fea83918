"""frlib.config: the FRLIB_QUICK switch, budget() and quick_mode()."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import frlib
from frlib import config
from frlib.config import budget, is_quick, quick_mode


@pytest.fixture(autouse=True)
def _no_leftover_override():
    # A quick_mode() block that forgot to restore would make every other test meaningless.
    assert config._override is None
    yield
    assert config._override is None


def test_unset_means_full(monkeypatch):
    monkeypatch.delenv("FRLIB_QUICK", raising=False)
    assert is_quick() is False


@pytest.mark.parametrize("value", ["", "0", "false", "FALSE", "no", "off", " Off ", "  "])
def test_false_values(monkeypatch, value):
    monkeypatch.setenv("FRLIB_QUICK", value)
    assert is_quick() is False


@pytest.mark.parametrize("value", ["1", "true", "True", "TRUE", "yes", "on", " 1 ", "On\n"])
def test_true_values(monkeypatch, value):
    monkeypatch.setenv("FRLIB_QUICK", value)
    assert is_quick() is True


@pytest.mark.parametrize("value", ["2", "maybe", "tru", "1.0", "y", "-1", "quick"])
def test_garbage_raises_naming_the_variable_and_value(monkeypatch, value):
    monkeypatch.setenv("FRLIB_QUICK", value)
    with pytest.raises(ValueError, match="FRLIB_QUICK") as info:
        is_quick()
    assert repr(value) in str(info.value)
    # budget() goes through is_quick(), so a typo can never silently pick the full setting.
    with pytest.raises(ValueError, match="FRLIB_QUICK"):
        budget(full=1, quick=2)


def test_budget_picks_the_value_of_the_setting(monkeypatch):
    full, quick = object(), object()
    monkeypatch.setenv("FRLIB_QUICK", "0")
    assert budget(full=full, quick=quick) is full
    monkeypatch.setenv("FRLIB_QUICK", "1")
    assert budget(full=full, quick=quick) is quick
    monkeypatch.delenv("FRLIB_QUICK")
    assert budget(full=2000, quick=200) == 2000


def test_the_environment_is_read_at_call_time(monkeypatch):
    monkeypatch.setenv("FRLIB_QUICK", "1")
    assert is_quick()
    monkeypatch.setenv("FRLIB_QUICK", "0")
    assert not is_quick()


def test_quick_mode_overrides_and_restores(monkeypatch):
    monkeypatch.setenv("FRLIB_QUICK", "0")
    with quick_mode():
        assert is_quick() is True
        assert budget(full="full", quick="quick") == "quick"
    assert is_quick() is False

    monkeypatch.setenv("FRLIB_QUICK", "1")
    with quick_mode(False):
        assert is_quick() is False
        assert budget(full="full", quick="quick") == "full"
    assert is_quick() is True


def test_quick_mode_takes_precedence_over_a_garbage_environment(monkeypatch):
    monkeypatch.setenv("FRLIB_QUICK", "garbage")
    with quick_mode(True):
        assert is_quick() is True
    with pytest.raises(ValueError, match="FRLIB_QUICK"):
        is_quick()


def test_quick_mode_nests_and_restores_each_level(monkeypatch):
    monkeypatch.setenv("FRLIB_QUICK", "0")
    with quick_mode(True):
        with quick_mode(False):
            assert is_quick() is False
            with quick_mode(True):
                assert is_quick() is True
            assert is_quick() is False
        assert is_quick() is True
    assert is_quick() is False


def test_quick_mode_restores_after_an_exception(monkeypatch):
    monkeypatch.setenv("FRLIB_QUICK", "0")
    with pytest.raises(RuntimeError, match="boom"):
        with quick_mode(True):
            raise RuntimeError("boom")
    assert is_quick() is False


@pytest.mark.parametrize("enabled", [1, 0, "yes", None])
def test_quick_mode_rejects_non_bool(enabled):
    with pytest.raises(TypeError, match="enabled"):
        with quick_mode(enabled):
            pass


def test_config_is_the_only_module_reading_the_environment():
    """The guide's convention: FRLIB_QUICK is read in one place; no os.environ reads elsewhere."""
    package = Path(frlib.__file__).parent
    readers = re.compile(r"os\.environ|os\.getenv|getenv\(")
    offenders = [
        str(path.relative_to(package))
        for path in sorted(package.rglob("*.py"))  # subpackages too
        if path != package / "config.py" and readers.search(path.read_text())
    ]
    assert offenders == []


def test_kernel_threads_default_to_the_cores_this_process_may_use(monkeypatch):
    monkeypatch.delenv("FRLIB_THREADS", raising=False)
    import os

    expected = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    assert config.kernel_threads() == expected
    monkeypatch.setenv("FRLIB_THREADS", " 3 ")
    assert config.kernel_threads() == 3


@pytest.mark.parametrize("value", ["0", "-2", "1.5", "two", "all"])
def test_bad_kernel_threads_raise_naming_the_variable(monkeypatch, value):
    monkeypatch.setenv("FRLIB_THREADS", value)
    with pytest.raises(ValueError, match=r"FRLIB_THREADS must be a positive integer") as info:
        config.kernel_threads()
    assert repr(value) in str(info.value)
