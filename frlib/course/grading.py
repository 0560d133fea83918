"""Checks for the graded exercises: feedback for the learner, a pass or a fail for the grader.

A test cell of an exercise notebook (``solutions/``, ``exercises/``) calls these checks. A check

* prints a short confirmation when the answer is right;
* raises :class:`AnswerError` (an ``AssertionError``) naming the question, with what was
  expected, what came back and a hint, when it is wrong;
* says "not answered yet" when the answer was never defined or still raises
  ``NotImplementedError``;
* turns every other way an answer can go wrong into the same kind of message: a wrong type or
  shape, ``None``, an exception inside the learner's code (with the line of their code), a
  function that runs past its time limit.

In Jupyter the learner sees only the message, never a traceback through frlib: IPython shows
what :meth:`AnswerError._render_traceback_` returns. Under pytest, ``__tracebackhide__`` hides
these frames. nbgrader's autograder needs nothing more: a test cell that raises gets zero
points, one that runs through gets its points. The same cells serve self-study.

The checks: :func:`answered` fetches an answer (or says it is missing), :func:`check_value`
checks a computed answer, :func:`check_function` runs the learner's function on several inputs
against a reference (each call in a thread with a time limit, :data:`DEFAULT_TIME_LIMIT`
seconds), :func:`require` checks a property, and :func:`compare` is the comparison they share.
A typical test cell::

    answer = grading.answered("1.c", globals(), "disparate_impact")
    grading.check_function("1.c", answer, reference=metrics.disparate_impact,
                           cases=[([1, 0, 1, 1], [0, 0, 1, 1]), ...])

Examples
--------
>>> check_value("1.a", 0.5, expected=0.5, name="rate_0")
Question 1.a: `rate_0` is correct.
>>> def my_di(y_pred, z):
...     return 0.5
>>> check_function("1.b", my_di, reference=lambda y_pred, z: 0.5, cases=[([1, 0], [0, 1])])
Question 1.b: correct on 1 case.
>>> check_value("1.a", 0.25, expected=0.5, hint="a rate, not a count")
Traceback (most recent call last):
...
frlib.course.grading.AnswerError: Question 1.a: the answer is not right: expected 0.5, got 0.25.
Hint: a rate, not a count
"""

from __future__ import annotations

import copy
import ctypes
import linecache
import threading
import traceback
from typing import Any, Callable, Sequence

import numpy as np

DEFAULT_TIME_LIMIT = 10.0  # seconds a learner's function may run on one case

__all__ = [
    "AnswerError",
    "answered",
    "call_answer",
    "check_function",
    "check_value",
    "compare",
    "require",
]


class AnswerError(AssertionError):
    """A wrong or missing answer; the message is the learner's feedback.

    It is an ``AssertionError``, so nbgrader and pytest count it as a failed test.
    """

    def _render_traceback_(self) -> list[str]:
        """What IPython shows instead of a traceback: the message alone, name in red."""
        first, *rest = str(self).split("\n")
        return [f"\x1b[0;31m{type(self).__name__}\x1b[0m: {first}", *rest]


def _fail(question: str, message: str, hint: str = "") -> AnswerError:
    text = f"Question {question}: {message}"
    if hint:
        text += f"\nHint: {hint}"
    return AnswerError(text)


def require(question: str, condition: Any, message: str, *, hint: str = "") -> None:
    """Raise an :class:`AnswerError` with ``message`` unless ``condition`` is true.

    For checks that are properties rather than values, e.g. "DI at your threshold is at
    least 0.8".

    >>> require("1.e", 0.85 >= 0.8, "DI is below 0.8")
    """
    __tracebackhide__ = True  # noqa: F841 (pytest hides this frame)
    if not condition:
        raise _fail(question, message, hint)


# --- describing values --------------------------------------------------------------------------


def _describe(value: Any, limit: int = 100) -> str:
    """A short text for a value in a message: arrays summarised, long text cut."""
    if isinstance(value, np.ndarray):
        shown = np.array2string(value, threshold=8, edgeitems=3, precision=4, separator=", ")
        shown = " ".join(shown.split())  # one line
        text = f"array of shape {value.shape} {shown}" if value.size > 8 else f"array({shown})"
    elif isinstance(value, (float, np.floating)):
        text = f"{float(value):.6g}"
    elif isinstance(value, tuple):
        items = [_describe(item, limit) for item in value]
        text = "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"
    else:
        text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _kind(value: Any) -> str:
    """'str '0.5'': the type and the value, for "should be a number, got ..."."""
    return f"{type(value).__name__} {_describe(value)}"


def _as_numbers(value: Any) -> np.ndarray | None:
    """The value as a float array, or None when it is not numeric (None, text, objects)."""
    if value is None or isinstance(value, (str, bytes, dict, set)):
        return None
    if hasattr(value, "detach") and hasattr(value, "cpu"):  # a torch tensor
        value = value.detach().cpu().numpy()
    elif hasattr(value, "to_numpy"):  # pandas
        value = value.to_numpy()
    try:
        return np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        return None


def compare(
    question: str,
    actual: Any,
    expected: Any,
    *,
    tol: float = 1e-6,
    hint: str = "",
    what: str = "the answer",
) -> None:
    """Raise an :class:`AnswerError` unless ``actual`` equals ``expected``.

    Numbers and arrays (NumPy, lists, pandas, torch) must have the expected shape and agree
    within the absolute tolerance ``tol``; a bool must be a bool; a word must be the same
    word (case and surrounding spaces ignored).

    >>> compare("2.b", [0.9, 0.1], [0.9, 0.1])
    >>> compare("2.b", [0.1, 0.9], [0.9, 0.1])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    frlib.course.grading.AnswerError: Question 2.b: the answer has the right values in the wrong order: ...
    """
    __tracebackhide__ = True  # noqa: F841
    if actual is None:
        raise _fail(question, f"{what} is None. Did you forget to `return` it (or to assign it)?", hint)
    if isinstance(expected, (bool, np.bool_)):
        if not isinstance(actual, (bool, np.bool_)):
            raise _fail(question, f"{what} should be True or False, got {_kind(actual)}.", hint)
        if bool(actual) != bool(expected):
            detail = f"expected {bool(expected)}, got {bool(actual)}"
            raise _fail(question, f"{what} is not right: {detail}.", hint)
        return
    if isinstance(expected, str):
        if not isinstance(actual, str):
            raise _fail(question, f"{what} should be a string, got {_kind(actual)}.", hint)
        if actual.strip().lower() != expected.strip().lower():
            raise _fail(question, f"{what} is not right: expected {expected!r}, got {actual!r}.", hint)
        return

    want, got = _as_numbers(expected), _as_numbers(actual)
    if want is None:
        raise TypeError(f"compare() cannot compare with an expected {type(expected).__name__}")
    if got is None:
        kind = "a number" if want.ndim == 0 else f"an array of numbers of shape {want.shape}"
        raise _fail(question, f"{what} should be {kind}, got {_kind(actual)}.", hint)
    if want.shape != got.shape:
        if want.ndim == 0:
            problem = f"should be a single number, got {type(actual).__name__} of shape {got.shape}"
        else:
            problem = f"has shape {got.shape}, expected shape {want.shape}"
        raise _fail(question, f"{what} {problem}: {_describe(actual, 200)}.", hint)
    if np.isnan(got).any() and not np.isnan(want).any():
        cause = "a division by zero? an empty group?"
        raise _fail(question, f"{what} contains NaN: {_describe(got, 200)} ({cause})", hint)

    def close(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return np.isclose(a, b, atol=tol, rtol=0, equal_nan=True)

    if close(got, want).all():
        return
    shown = f"expected {_describe(want, 200)}, got {_describe(got, 200)}"
    if want.ndim == 1 and close(np.sort(got), np.sort(want)).all():
        raise _fail(question, f"{what} has the right values in the wrong order: {shown}.", hint)
    if want.ndim == 0:
        detail = f"expected {float(want):.6g}, got {float(got):.6g}"
    else:
        wrong = np.flatnonzero(~close(got, want))
        first = np.unravel_index(int(wrong[0]), want.shape)
        index = ", ".join(str(int(i)) for i in first)
        detail = (
            f"{len(wrong)} of {want.size} entries differ, the first at index [{index}]: "
            f"expected {want[first]:.6g}, got {got[first]:.6g} ({shown})"
        )
    raise _fail(question, f"{what} is not right: {detail}.", hint)


def check_value(
    question: str,
    actual: Any,
    expected: Any,
    *,
    tol: float = 1e-6,
    hint: str = "",
    name: str | None = None,
) -> None:
    """Check a computed answer (a number, an array, a bool or a word) against the expected one.

    ``name`` is the variable the learner assigned; it appears in the messages.

    >>> check_value("2.a", 0.4 + 1e-9, expected=0.4, name="noisy_positive_rate")
    Question 2.a: `noisy_positive_rate` is correct.
    """
    __tracebackhide__ = True  # noqa: F841
    compare(question, actual, expected, tol=tol, hint=hint, what=f"`{name}`" if name else "the answer")
    print(f"Question {question}: {f'`{name}` is' if name else 'the answer is'} correct.")


def answered(question: str, namespace: dict, name: str) -> Any:
    """Fetch ``name`` from the notebook's namespace, or say the question is not answered yet.

    In a test cell: ``rate_0 = answered("1.a", globals(), "rate_0")``. In a learner's copy the
    answer cell raises ``NotImplementedError`` before assigning, so the name is undefined; the
    learner then reads "Question 1.a: not answered yet" instead of a ``NameError``.

    >>> answered("1.a", {"rate_0": 0.25}, "rate_0")
    0.25
    """
    __tracebackhide__ = True  # noqa: F841
    if name not in namespace:
        raise _fail(
            question,
            f"not answered yet: `{name}` is not defined. Write your answer in the cell above "
            "(replace `raise NotImplementedError()`) and run it; if it stops with an error, "
            "fix that first.",
        )
    value = namespace[name]
    if value is NotImplemented or value is Ellipsis:
        raise _fail(question, f"not answered yet: `{name}` still holds a placeholder ({value!r}).")
    return value


# --- calling the learner's code -----------------------------------------------------------------


class _Timeout(Exception):
    """The learner's function ran past its time limit (also what is raised in its thread)."""

    def __init__(self, still_running: bool = False) -> None:
        super().__init__()
        self.still_running = still_running


class _RaisedInAnswer(Exception):
    """Wraps an exception raised by the learner's function."""

    def __init__(self, error: BaseException) -> None:
        super().__init__(error)
        self.error = error


def _stop(worker: threading.Thread, attempts: int = 10) -> bool:
    """Ask the worker thread to stop by raising _Timeout in it; True if it stopped.

    A pure-Python loop stops at once; a long call inside NumPy or torch stops when that call
    returns. The exception is sent again a few times in case the learner's code catches it.
    """
    for _ in range(attempts):
        ctypes.pythonapi.PyThreadState_SetAsyncExc(
            ctypes.c_ulong(worker.ident), ctypes.py_object(_Timeout)
        )
        worker.join(0.1)
        if not worker.is_alive():
            return True
    return False


def _run_with_time_limit(function: Callable, args: tuple, seconds: float) -> Any:
    """Call ``function(*args)`` in a worker thread and wait at most ``seconds`` for it.

    Raises _Timeout after ``seconds`` (the worker is stopped), _RaisedInAnswer when the
    function raised; an interrupt of the kernel stops the worker too.
    """
    outcome: dict[str, Any] = {}

    def target() -> None:
        try:
            outcome["value"] = function(*args)
        except BaseException as error:  # noqa: BLE001 (reported to the learner)
            outcome["error"] = error

    worker = threading.Thread(target=target, name="frlib-grading-answer", daemon=True)
    worker.start()
    try:
        worker.join(seconds)
    except KeyboardInterrupt:  # the learner interrupted the kernel: stop their code as well
        _stop(worker)
        raise
    if worker.is_alive():
        raise _Timeout(still_running=not _stop(worker))
    if "error" in outcome:
        raise _RaisedInAnswer(outcome["error"])
    return outcome.get("value")


def _where(error: BaseException, function: Callable) -> str:
    """', at line N of its cell: `source`', for the innermost frame of the learner's code."""
    filename = getattr(getattr(function, "__code__", None), "co_filename", None)
    frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename == filename]
    if not frames:
        return ""
    frame = frames[-1]
    source = (frame.line or linecache.getline(frame.filename, frame.lineno)).strip()
    return f", at line {frame.lineno} of its cell" + (f": `{source}`" if source else "")


def call_answer(
    question: str, function: Any, args: tuple, *, time_limit: float = DEFAULT_TIME_LIMIT, hint: str = ""
) -> Any:
    """Call the learner's ``function(*args)`` and turn every way it can fail into feedback.

    Returns what the function returned. The call runs in a separate thread with a time limit of
    ``time_limit`` seconds, so an endless loop ends with a message and the kernel stays usable.
    """
    __tracebackhide__ = True  # noqa: F841
    if not callable(function):
        raise _fail(question, f"expected a function, got {_kind(function)}.", hint)
    name = getattr(function, "__name__", "your function")
    try:
        return _run_with_time_limit(function, args, time_limit)
    except _Timeout as timeout:
        extra = (
            " It is still running in the background; if the notebook gets slow, restart the kernel."
            if timeout.still_running else ""
        )
        raise _fail(
            question,
            f"`{name}` ran longer than the time limit of {time_limit:g} s (an endless loop? "
            f"a slow Python loop over many examples?) and was stopped.{extra}",
            hint,
        ) from None
    except _RaisedInAnswer as raised:
        error = raised.error
        if isinstance(error, NotImplementedError):
            raise _fail(
                question,
                f"not answered yet: `{name}` still raises NotImplementedError. "
                "Replace `raise NotImplementedError()` with your code and run that cell.",
            ) from None
        raise _fail(
            question,
            f"`{name}` raised {type(error).__name__}: {error}{_where(error, function)} "
            f"(called with {_describe(args, limit=300)})",
            hint,
        ) from None


def check_function(
    question: str,
    function: Any,
    reference: Callable | Sequence[Any],
    cases: Sequence[tuple],
    *,
    tol: float = 1e-6,
    hint: str = "",
    time_limit: float = DEFAULT_TIME_LIMIT,
) -> None:
    """Check the learner's function against a reference on several inputs.

    Parameters
    ----------
    question : str
        The question's label, e.g. ``"1.c"``.
    function
        The learner's function.
    reference : callable or sequence
        A reference implementation (often the tested one in frlib), called on each case; or
        the list of expected results, one per case.
    cases : sequence of tuples
        Each case is a tuple of positional arguments. The learner's function gets deep copies,
        so an answer that modifies its input does not change the next check.
    tol, hint, time_limit
        Absolute tolerance of the comparison, a hint shown with every failure, and the time
        limit in seconds of one call.
    """
    __tracebackhide__ = True  # noqa: F841
    if not cases:
        raise ValueError("cases is empty; give at least one tuple of arguments")
    if not callable(reference) and len(reference) != len(cases):
        raise ValueError(f"{len(reference)} expected results for {len(cases)} cases")
    for number, case in enumerate(cases, start=1):
        args = copy.deepcopy(tuple(case))
        actual = call_answer(question, function, args, time_limit=time_limit, hint=hint)
        expected = reference(*case) if callable(reference) else reference[number - 1]
        where = f" on case {number} of {len(cases)}" if len(cases) > 1 else ""
        compare(
            question, actual, expected, tol=tol, hint=hint,
            what=f"the result{where} (called with {_describe(tuple(case), limit=300)})",
        )
    count = len(cases)
    print(f"Question {question}: correct on {count} case{'s' if count > 1 else ''}.")
