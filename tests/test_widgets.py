"""frlib.widgets.quiet: interact shows what the function prints, not what it returns."""

import inspect

import ipywidgets
import pytest

from frlib.widgets import quiet


def show_rate(rate=0.1, attack="targeted"):
    print(f"{attack}, rate {rate:.2f}")
    return rate, {"attack": attack}


def test_quiet_keeps_the_signature_and_drops_the_return_value(capsys):
    wrapped = quiet(show_rate)
    assert inspect.signature(wrapped) == inspect.signature(show_rate)
    assert wrapped.__name__ == "show_rate"
    assert wrapped(0.25, attack="random") is None
    assert capsys.readouterr().out == "random, rate 0.25\n"


def test_interact_builds_the_same_controls_and_shows_no_result():
    plain = ipywidgets.interactive(show_rate, rate=(0.0, 0.3, 0.05), attack=["random", "targeted"])
    wrapped = ipywidgets.interactive(quiet(show_rate), rate=(0.0, 0.3, 0.05), attack=["random", "targeted"])
    assert [type(c) for c in wrapped.children[:-1]] == [type(c) for c in plain.children[:-1]]
    assert plain.result == (0.1, {"attack": "targeted"})   # interact would display this tuple
    assert wrapped.result is None


def test_quiet_needs_a_function():
    with pytest.raises(TypeError, match="function must be callable"):
        quiet(0.1)
