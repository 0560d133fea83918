"""Widgets that show what a lesson's function draws and prints, never its raw return value.

The lessons wire a plain function ``show_something(param=...)`` to sliders with
``ipywidgets.interact``. ``interact`` displays whatever the function returns under its figure: a
tuple, a pandas Series, a list of dicts. The lessons' functions return their numbers so that a
cell can check them, and print them formatted for the reader; :func:`quiet` keeps the second
and drops the first::

    widgets.interact(quiet(show_attack), rate=widgets.FloatSlider(...))
"""

from __future__ import annotations

import functools
from typing import Any, Callable


def quiet(function: Callable[..., Any]) -> Callable[..., None]:
    """``function`` with the same signature (what ``interact`` reads) that returns None.

    Everything ``function`` draws or prints still shows; only its return value is dropped.
    """
    if not callable(function):
        raise TypeError(f"function must be callable, got {type(function).__name__}")

    @functools.wraps(function)
    def shown(*args: Any, **kwargs: Any) -> None:
        function(*args, **kwargs)

    return shown
