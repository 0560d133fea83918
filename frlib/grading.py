"""Checks for the graded exercises: feedback for the learner, a pass or fail for the grader.

A test cell of an exercise notebook calls one of these checks. The check

* prints a short confirmation when the answer is right;
* raises ``AssertionError`` naming the question, with what was expected, what came back and a
  hint, when it is wrong (nbgrader then gives the cell zero points);
* says "not answered yet" when the answer still raises ``NotImplementedError`` or was never
  defined;
* reports an exception raised inside the learner's code, a wrong type or shape, ``None``, or a
  function that runs longer than its time limit, always as an ``AssertionError`` naming the
  question, never as a traceback from inside frlib.

The same checks serve self-study (run the cell, read the feedback) and nbgrader (autograde runs
the cell; an AssertionError fails it).

Examples
--------
>>> check_value("1.a", 0.5, expected=0.5)
Question 1.a: correct.
>>> def my_di(y_pred, z): return 0.5
>>> check_function("1.b", my_di, reference=lambda y_pred, z: 0.5, cases=[([1, 0], [0, 1])])
Question 1.b: correct on 1 case.
"""

from __future__ import annotations

import ctypes
import math
import threading
from typing import Any, Callable, Sequence

import numpy as np

DEFAULT_TIME_LIMIT = 30.0  # seconds a learner's function may run on one case


class AnswerError(AssertionError):
    """A wrong or missing answer; the message is the learner's feedback."""


def _fail(question: str, message: str, hint: str = "") -> AnswerError:
    text = f"Question {question}: {message}"
    if hint:
        text += f"\nHint: {hint}"
    return AnswerError(text)


def _describe(value: Any) -> str:
    if isinstance(value, np.ndarray):
        shown = np.array2string(value, threshold=8, precision=4)
        return f"array of shape {value.shape} {shown}"
    if isinstance(value, float):
        return f"{value:.6g}"
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _as_numbers(value: Any) -> np.ndarray | None:
    """The value as a float array, or None when it is not numeric (None, text, objects)."""
    if value is None or isinstance(value, (str, bytes, dict)):
        return None
    if hasattr(value, "detach"):  # torch tensor
        value = value.detach().cpu().numpy()
    elif hasattr(value, "to_numpy"):  # pandas
        value = value.to_numpy()
    try:
        array = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        return None
    return array


def compare(question: str, actual: Any, expected: Any, *, tol: float = 1e-6, hint: str = "", what: str = "the answer") -> None:
    """Raise an AnswerError unless ``actual`` equals ``expected`` (numbers: within ``tol``)."""
    __tracebackhide__ = True  # noqa: F841 (IPython and pytest hide this frame)
    if actual is None:
        raise _fail(question, f"{what} is None. Did you forget to `return` it?", hint)
    if isinstance(expected, (bool, np.bool_)):
        if not isinstance(actual, (bool, np.bool_)):
            raise _fail(question, f"{what} should be True or False, got {_describe(actual)}", hint)
        if bool(actual) != bool(expected):
            raise _fail(question, f"{what} is {actual}, expected {expected}.", hint)
        return
    if isinstance(expected, str):
        if not isinstance(actual, str) or actual.strip().lower() != expected.strip().lower():
            raise _fail(question, f"{what} is {_describe(actual)}, expected {expected!r}.", hint)
        return
    want = _as_numbers(expected)
    got = _as_numbers(actual)
    if got is None:
        raise _fail(
            question, f"{what} should be a number or an array of numbers, got {type(actual).__name__} {_describe(actual)}", hint
        )
    if want.shape != got.shape:
        raise _fail(question, f"{what} has shape {got.shape}, expected shape {want.shape} ({_describe(actual)}).", hint)
    if np.isnan(got).any() and not np.isnan(want).any():
        raise _fail(question, f"{what} contains NaN: {_describe(actual)}", hint)
    if not np.allclose(got, want, atol=tol, rtol=0, equal_nan=True):
        if want.ndim == 0:
            detail = f"expected {float(want):.6g}, got {float(got):.6g}"
        else:
            wrong = np.flatnonzero(~np.isclose(got, want, atol=tol, rtol=0, equal_nan=True).ravel())
            detail = (
                f"{len(wrong)} of {want.size} entries differ; first at position {int(wrong[0])}: "
                f"expected {want.ravel()[wrong[0]]:.6g}, got {got.ravel()[wrong[0]]:.6g}"
            )
        raise _fail(question, f"{what} is not right: {detail} (tolerance {tol:g}).", hint)


def check_value(question: str, actual: Any, expected: Any, *, tol: float = 1e-6, hint: str = "") -> None:
    """Check a computed answer (a number, an array, a bool or a word) against the expected one."""
    __tracebackhide__ = True  # noqa: F841
    compare(question, actual, expected, tol=tol, hint=hint)
    print(f"Question {question}: correct.")


class _Timeout(Exception):
    pass


def _run_with_time_limit(function: Callable, args: tuple, seconds: float) -> Any:
    """Call function(*args) in a worker thread; raise _Timeout after ``seconds``.

    The worker is asked to stop (an asynchronous exception) when the limit passes; pure Python
    loops stop at once, a long call inside NumPy or torch stops when that call returns.
    """
    outcome: dict[str, Any] = {}

    def target() -> None:
        try:
            outcome["value"] = function(*args)
        except BaseException as error:  # noqa: BLE001 (reported to the learner below)
            outcome["error"] = error

    worker = threading.Thread(target=target, daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(worker.ident), ctypes.py_object(_Timeout))
        worker.join(1.0)
        raise _Timeout
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")


def call_answer(question: str, function: Any, args: tuple, *, time_limit: float = DEFAULT_TIME_LIMIT, hint: str = "") -> Any:
    """Call the learner's function on ``args`` and turn every way it can fail into feedback."""
    __tracebackhide__ = True  # noqa: F841
    if not callable(function):
        raise _fail(question, f"expected a function, got {type(function).__name__} {_describe(function)}", hint)
    name = getattr(function, "__name__", "your function")
    try:
        return _run_with_time_limit(function, args, time_limit)
    except NotImplementedError:
        raise _fail(question, f"not answered yet: `{name}` still raises NotImplementedError. "
                    "Replace `raise NotImplementedError()` with your code.") from None
    except _Timeout:
        raise _fail(question, f"`{name}` ran longer than the time limit of {time_limit:g} s "
                    "(an endless loop? a very slow loop over examples?)", hint) from None
    except Exception as error:  # noqa: BLE001
        raise _fail(
            question,
            f"`{name}` raised {type(error).__name__}: {error} (on input {_describe(args)})",
            hint,
        ) from None


def check_function(
    question: str,
    function: Any,
    reference: Callable,
    cases: Sequence[tuple],
    *,
    tol: float = 1e-6,
    hint: str = "",
    time_limit: float = DEFAULT_TIME_LIMIT,
) -> None:
    """Check the learner's function against a reference implementation on several inputs.

    Each case is a tuple of positional arguments. The learner's function gets copies, so that
    an answer that modifies its input does not change the next check.
    """
    __tracebackhide__ = True  # noqa: F841
    if not cases:
        raise ValueError("cases is empty; give at least one tuple of arguments")
    for number, case in enumerate(cases, start=1):
        args = tuple(np.copy(a) if isinstance(a, np.ndarray) else a for a in case)
        actual = call_answer(question, function, args, time_limit=time_limit, hint=hint)
        expected = reference(*case)
        compare(question, actual, expected, tol=tol, hint=hint,
                what=f"the result on case {number} of {len(cases)} (input {_describe(case)})")
    count = len(cases)
    print(f"Question {question}: correct on {count} case{'s' if count > 1 else ''}.")


def answered(question: str, namespace: dict, name: str) -> Any:
    """Fetch ``name`` from the notebook's namespace, or say the question is not answered yet.

    Use it in a test cell as ``answer = answered("2.c", globals(), "flip_rate")``.
    """
    __tracebackhide__ = True  # noqa: F841
    if name not in namespace:
        raise _fail(question, f"not answered yet: `{name}` is not defined. Run your answer cell first.")
    value = namespace[name]
    if value is NotImplemented or value is Ellipsis:
        raise _fail(question, f"not answered yet: `{name}` still holds a placeholder.")
    return value


def is_close(a: float, b: float, tol: float = 1e-6) -> bool:
    """Plain helper for hidden tests: |a - b| <= tol."""
    return math.isclose(float(a), float(b), abs_tol=tol, rel_tol=0.0)
