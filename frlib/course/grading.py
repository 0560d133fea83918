"""Checks for the graded exercises: feedback for the learner, a pass or a fail for the grader.

A test cell of an exercise notebook (``solutions/``, ``exercises/``) calls these checks. A check

* prints a short confirmation when the answer is right (for a prediction or a choice, with the
  explanation of the mechanism behind it);
* raises :class:`AnswerError` (an ``AssertionError``) naming the question when it is wrong, with
  *every* wrong value of the question, each with what was expected and what came back, and a
  hint;
* says "not answered yet" when the answer was never defined or its function still holds the
  student copy's placeholder (:data:`CODE_STUB`, ``...`` under ``# YOUR CODE HERE``);
* turns every other way an answer can go wrong into the same kind of message: a wrong type or
  shape, ``None``, an exception inside the learner's code (with the line of their code), a
  function that runs past its time limit. Warnings the learner's code raises become a note on
  stdout, never output on stderr, which nbgrader's autograde would score as a failure.

In Jupyter the learner sees only the message, never a traceback through frlib: IPython shows
what :meth:`AnswerError._render_traceback_` returns. Under pytest, ``__tracebackhide__`` hides
these frames. nbgrader's autograder needs nothing more: a test cell that raises gets zero
points, one that runs through gets its points. The same cells serve self-study. (The course's
test cells carry the ``raises-exception`` tag, so that *Run All* goes on past a failed check and
the learner sees every check's message.)

The checks: :func:`answered` fetches an answer (or says it is missing); :func:`check_answers`
checks several named answers of one question at once, each against an expectation:
:func:`value` (a number, an array, a bool or a word), :func:`in_range` (a prediction),
:func:`choice` (a multiple choice with feedback per option) or :func:`satisfies` (a property);
:func:`check_value` checks one computed answer; :func:`check_function` runs the learner's
function on several inputs against a reference (each call in a thread with a time limit,
:data:`DEFAULT_TIME_LIMIT` seconds) and names every case it gets wrong; :func:`check_raises`
checks that it refuses an input; :func:`require` checks a property, and :func:`compare` is the
comparison they share. Typical test cells::

    grading.check_answers("1.c", globals(), {
        "predicted_di": grading.in_range(0.2, 0.45, explanation="..."),
        "mechanism": grading.choice({"a": "...", "b": "..."}, correct="b"),
    })
    answer = grading.answered("1.d", globals(), "equal_opportunity_gap")
    grading.check_function("1.d", answer, reference=..., cases=[...])

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
>>> check_answers("1.c", {"guess": 0.3, "why": "b"}, {
...     "guess": in_range(0.2, 0.45, explanation="the rates scale together"),
...     "why": choice({"a": "no: the ratio ignores sizes", "b": "yes: both rates shrink"}, correct="b")})
Question 1.c: `guess` = 0.3 is in the accepted range [0.2, 0.45]. the rates scale together
Question 1.c: `why` = 'b' is right: yes: both rates shrink
"""

from __future__ import annotations

import copy
import ctypes
import inspect
import linecache
import threading
import traceback
import warnings
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

import numpy as np

DEFAULT_TIME_LIMIT = 10.0  # seconds a learner's function may run on one case

#: What replaces a code answer in the student copy: nbgrader's ``ClearSolutions.code_stub`` as
#: the course configures it (``nbgrader_config.py`` at the top of the repository). ``...`` is a
#: statement that does nothing, so *Run All* on a blank copy runs every cell, and the checks
#: recognise an unanswered function by these two lines in its source.
CODE_STUB = "# YOUR CODE HERE\n..."
MAX_LISTED = 8  # wrong entries (of an array) or wrong cases (of a function) listed one by one

__all__ = [
    "CODE_STUB",
    "AnswerError",
    "Expectation",
    "answered",
    "call_answer",
    "check_answers",
    "check_function",
    "check_raises",
    "check_value",
    "choice",
    "compare",
    "in_range",
    "require",
    "satisfies",
    "value",
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


def _not_answered(question: str, names: Sequence[str]) -> AnswerError:
    listed = ", ".join(f"`{name}`" for name in names)
    verb = "is" if len(names) == 1 else "are"
    return _fail(
        question,
        f"not answered yet: {listed} {verb} not defined. Write your answer in the cell above, in place "
        "of the `...` under `# YOUR CODE HERE`, and run that cell; if it stops with an error, fix "
        "that first.",
    )


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


def _difference(actual: Any, expected: Any, tol: float, what: str) -> str | None:
    """What is wrong with ``actual`` against ``expected`` (a sentence about ``what``), or None.

    Every differing entry of an array is named (up to :data:`MAX_LISTED` of them). Raises
    ``TypeError`` when ``expected`` is of a kind that cannot be compared (a bug in the test).
    """
    if actual is None:
        return f"{what} is None. Did you forget to `return` it (or to assign it)?"
    if isinstance(expected, (bool, np.bool_)):
        if not isinstance(actual, (bool, np.bool_)):
            return f"{what} should be True or False, got {_kind(actual)}."
        if bool(actual) != bool(expected):
            return f"{what} is not right: expected {bool(expected)}, got {bool(actual)}."
        return None
    if isinstance(expected, str):
        if not isinstance(actual, str):
            return f"{what} should be a string, got {_kind(actual)}."
        if actual.strip().lower() != expected.strip().lower():
            return f"{what} is not right: expected {expected!r}, got {actual!r}."
        return None

    want, got = _as_numbers(expected), _as_numbers(actual)
    if want is None:
        raise TypeError(f"compare() cannot compare with an expected {type(expected).__name__}")
    if got is None:
        kind = "a number" if want.ndim == 0 else f"an array of numbers of shape {want.shape}"
        return f"{what} should be {kind}, got {_kind(actual)}."
    if want.shape != got.shape:
        if want.ndim == 0:
            problem = f"should be a single number, got {type(actual).__name__} of shape {got.shape}"
        else:
            problem = f"has shape {got.shape}, expected shape {want.shape}"
        return f"{what} {problem}: {_describe(actual, 200)}."
    if np.isnan(got).any() and not np.isnan(want).any():
        return f"{what} contains NaN: {_describe(got, 200)} (a division by zero? an empty group?)"

    def close(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return np.isclose(a, b, atol=tol, rtol=0, equal_nan=True)

    if close(got, want).all():
        return None
    shown = f"expected {_describe(want, 200)}, got {_describe(got, 200)}"
    if want.ndim == 1 and close(np.sort(got), np.sort(want)).all():
        return f"{what} has the right values in the wrong order: {shown}."
    if want.ndim == 0:
        return f"{what} is not right: expected {float(want):.6g}, got {float(got):.6g}."
    wrong = np.flatnonzero(~close(got, want))
    entries = []
    for flat in wrong[:MAX_LISTED]:
        position = np.unravel_index(int(flat), want.shape)
        index = ", ".join(str(int(i)) for i in position)
        entries.append(f"at [{index}] expected {want[position]:.6g}, got {got[position]:.6g}")
    more = f"; and {len(wrong) - MAX_LISTED} more" if len(wrong) > MAX_LISTED else ""
    return (
        f"{what} is not right: {len(wrong)} of {want.size} entries differ: "
        f"{'; '.join(entries)}{more} ({shown})."
    )


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
    word (case and surrounding spaces ignored). Every differing entry of an array is named.

    >>> compare("2.b", [0.9, 0.1], [0.9, 0.1])
    >>> compare("2.b", [0.1, 0.9], [0.9, 0.1])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    frlib.course.grading.AnswerError: Question 2.b: the answer has the right values in the wrong order: ...
    """
    __tracebackhide__ = True  # noqa: F841
    problem = _difference(actual, expected, tol, what)
    if problem is not None:
        raise _fail(question, problem, hint)


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

    ``name`` is the variable the learner assigned; it appears in the messages. (For several
    answers of one question use :func:`check_answers`, which names every wrong one.)

    >>> check_value("2.a", 0.4 + 1e-9, expected=0.4, name="noisy_positive_rate")
    Question 2.a: `noisy_positive_rate` is correct.
    """
    __tracebackhide__ = True  # noqa: F841
    compare(question, actual, expected, tol=tol, hint=hint, what=f"`{name}`" if name else "the answer")
    print(f"Question {question}: {f'`{name}` is' if name else 'the answer is'} correct.")


def answered(question: str, namespace: Mapping[str, Any], name: str) -> Any:
    """Fetch ``name`` from the notebook's namespace, or say the question is not answered yet.

    In a test cell: ``rate_0 = answered("1.a", globals(), "rate_0")``. In a learner's blank copy
    the answer cell holds only the placeholder (:data:`CODE_STUB`), so the name is undefined;
    the learner then reads "Question 1.a: not answered yet" instead of a ``NameError``.

    >>> answered("1.a", {"rate_0": 0.25}, "rate_0")
    0.25
    """
    __tracebackhide__ = True  # noqa: F841
    if name not in namespace:
        raise _not_answered(question, [name])
    found = namespace[name]
    if found is NotImplemented or found is Ellipsis:
        raise _fail(question, f"not answered yet: `{name}` still holds a placeholder ({found!r}).")
    return found


# --- several named answers of one question --------------------------------------------------------


@dataclass(frozen=True)
class Expectation:
    """What one named answer must be; :func:`check_answers` applies it.

    ``check(name, actual)`` returns ``(problem, note)``: ``problem`` is None when the answer is
    right, else a sentence saying what is wrong; ``note`` is printed with the confirmation (an
    explanation for a prediction or a choice), or shown with the problem.
    """

    hint: str = ""

    def check(self, name: str, actual: Any) -> tuple[str | None, str]:  # pragma: no cover (abstract)
        raise NotImplementedError


@dataclass(frozen=True)
class _Value(Expectation):
    expected: Any = None
    tol: float = 1e-6

    def check(self, name: str, actual: Any) -> tuple[str | None, str]:
        return _difference(actual, self.expected, self.tol, f"`{name}`"), ""


@dataclass(frozen=True)
class _InRange(Expectation):
    low: float = 0.0
    high: float = 1.0
    explanation: str = ""

    def check(self, name: str, actual: Any) -> tuple[str | None, str]:
        got = _as_numbers(actual)
        if isinstance(actual, (bool, np.bool_)) or got is None or got.ndim != 0:
            return f"`{name}` should be one number (your prediction), got {_kind(actual)}.", ""
        if np.isnan(got):
            return f"`{name}` is NaN; write your prediction as a number.", ""
        where = f"[{self.low:g}, {self.high:g}]"
        if self.low <= float(got) <= self.high:
            return None, f"`{name}` = {float(got):.4g} is in the accepted range {where}. {self.explanation}".rstrip()
        side = "above" if float(got) > self.high else "below"
        return f"`{name}` = {float(got):.4g} is {side} the accepted range {where}.", self.explanation


@dataclass(frozen=True)
class _Choice(Expectation):
    options: Mapping[str, str] = field(default_factory=dict)
    correct: frozenset = frozenset()

    def check(self, name: str, actual: Any) -> tuple[str | None, str]:
        letters = ", ".join(repr(key) for key in self.options)
        if not isinstance(actual, str):
            return f"`{name}` should be one of the letters {letters} (a string), got {_kind(actual)}.", ""
        picked = actual.strip().strip("()").strip().lower()
        if picked not in self.options:
            return f"`{name}` = {actual!r} is not one of the options {letters}.", ""
        if picked in self.correct:
            return None, f"`{name}` = {picked!r} is right: {self.options[picked]}"
        return f"`{name}` = {picked!r} is not right: {self.options[picked]}", ""


@dataclass(frozen=True)
class _Satisfies(Expectation):
    predicate: Callable[[Any], Any] = bool
    message: str = ""

    def check(self, name: str, actual: Any) -> tuple[str | None, str]:
        if actual is None:
            return f"`{name}` is None. Did you forget to assign it?", ""
        try:
            holds = bool(self.predicate(actual))
        except Exception as error:  # noqa: BLE001 (a malformed answer: reported, not raised)
            return f"`{name}` = {_describe(actual)} could not be checked ({type(error).__name__}: {error}).", ""
        if holds:
            return None, ""
        message = self.message.format(value=_describe(actual)) if self.message else "is not right"
        return f"`{name}` = {_describe(actual)}: {message.rstrip('.')}.", ""


def value(expected: Any, *, tol: float = 1e-6, hint: str = "") -> Expectation:
    """The answer must equal ``expected`` (as in :func:`compare`: numbers, arrays, bools, words)."""
    _difference(expected, expected, tol, "the expected value")  # refuses what cannot be compared
    return _Value(hint=hint, expected=expected, tol=tol)


def in_range(low: float, high: float, *, explanation: str = "", hint: str = "") -> Expectation:
    """A prediction: one number in ``[low, high]``, with the explanation of the mechanism.

    The range is the course's tolerance around what happens (measured over seeds and machines),
    wide enough for a sound reasoning, narrow enough to be wrong; ``explanation`` is shown
    whether the prediction is in it or not.
    """
    if not low <= high:
        raise ValueError(f"in_range needs low <= high, got [{low}, {high}]")
    return _InRange(hint=hint, low=float(low), high=float(high), explanation=explanation)


def choice(options: Mapping[str, str], correct: str | Sequence[str], *, hint: str = "") -> Expectation:
    """A multiple choice: ``options`` maps each letter to its feedback; ``correct`` is the right
    letter (or letters). The learner's letter may be written ``"b"``, ``"B"`` or ``"(b)"``."""
    options = {key.strip().lower(): text for key, text in options.items()}
    right = frozenset([correct] if isinstance(correct, str) else correct)
    right = frozenset(letter.strip().lower() for letter in right)
    if not right or not right <= set(options):
        raise ValueError(f"correct={sorted(right)} must name options among {sorted(options)}")
    return _Choice(hint=hint, options=options, correct=right)


def satisfies(predicate: Callable[[Any], Any], message: str, *, hint: str = "") -> Expectation:
    """The answer must satisfy ``predicate``; ``message`` (``{value}`` is the answer) says why
    not. An answer that makes the predicate raise is reported as not checkable."""
    return _Satisfies(hint=hint, predicate=predicate, message=message)


def check_answers(question: str, namespace: Mapping[str, Any], expectations: Mapping[str, Any]) -> None:
    """Check every named answer of a question and report every wrong one at once.

    ``expectations`` maps each variable name to an :class:`Expectation` (or to a plain value,
    read as :func:`value`). When none of the names is defined the question is "not answered
    yet"; otherwise each undefined, wrong or malformed answer gets its line in one
    :class:`AnswerError`, with its hint; when all are right, a confirmation per answer is printed.
    """
    __tracebackhide__ = True  # noqa: F841
    checks = {name: e if isinstance(e, Expectation) else value(e) for name, e in expectations.items()}
    missing = [name for name in checks if name not in namespace or namespace[name] is Ellipsis]
    if len(missing) == len(checks):
        raise _not_answered(question, missing)
    problems, confirmations = [], []
    for name, expectation in checks.items():
        if name in missing:
            problems.append((f"`{name}` is not answered yet (not defined).", ""))
            continue
        problem, note = expectation.check(name, namespace[name])
        if problem is None:
            confirmations.append(note or f"`{name}` is correct.")
        else:
            extra = " ".join(part for part in (note, f"Hint: {expectation.hint}" if expectation.hint else "") if part)
            problems.append((problem, extra))
    if problems:
        count = f"{len(problems)} of {len(checks)} answers are" if len(checks) > 1 else "the answer is"
        lines = [f"Question {question}: {count} not right" + (":" if len(checks) > 1 else ".")]
        for problem, extra in problems:
            lines.append(f"- {problem}" + (f" {extra}" if extra else ""))
        raise AnswerError("\n".join(lines))
    for line in confirmations:
        print(f"Question {question}: {line}")


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
        # Warnings of the learner's code are caught, not written to stderr: nbgrader's autograde
        # scores a test cell with stderr output 0, even when the answer is right.
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                outcome["value"] = function(*args)
            except BaseException as error:  # noqa: BLE001 (reported to the learner)
                outcome["error"] = error
        _note_warnings(function, caught)

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


def _note_warnings(function: Callable, caught: list) -> None:
    """Print (to stdout) the distinct warnings the learner's function raised, once each."""
    name = getattr(function, "__name__", "your function")
    seen = set()
    for warning in caught:
        text = f"{warning.category.__name__}: {warning.message}"
        if text not in seen:
            seen.add(text)
            print(f"Note: `{name}` warned {text} (a warning does not count against the answer).")


def _where(error: BaseException, function: Callable) -> str:
    """', at line N of its cell: `source`', for the innermost frame of the learner's code."""
    filename = getattr(getattr(function, "__code__", None), "co_filename", None)
    frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename == filename]
    if not frames:
        return ""
    frame = frames[-1]
    source = (frame.line or linecache.getline(frame.filename, frame.lineno)).strip()
    return f", at line {frame.lineno} of its cell" + (f": `{source}`" if source else "")


def _holds_placeholder(function: Callable) -> bool:
    """True when the source of ``function`` still holds the student copy's placeholder.

    The placeholder (:data:`CODE_STUB`) is the line ``# YOUR CODE HERE`` followed by a line
    ``...``, at any indentation. Functions defined in a Jupyter cell have their source in
    ``linecache`` (IPython puts it there), so ``inspect`` finds it.
    """
    try:
        lines = [line.strip() for line in inspect.getsource(function).splitlines()]
    except (OSError, TypeError):
        return False
    stub = CODE_STUB.splitlines()
    return any(lines[i : i + len(stub)] == stub for i in range(len(lines) - len(stub) + 1))


def _outcome(function: Any, args: tuple, time_limit: float) -> tuple[Any, str, str]:
    """Call the learner's function: ``(value, kind, problem)``.

    ``kind`` is ``"ok"``, ``"not callable"``, ``"unanswered"``, ``"timeout"`` or ``"raised"``;
    ``problem`` the sentence that says so (empty when ``"ok"``). When ``kind`` is ``"raised"``,
    ``value`` is the exception the function raised.
    """
    if not callable(function):
        return None, "not callable", f"expected a function, got {_kind(function)}."
    name = getattr(function, "__name__", "your function")
    unanswered = (
        f"not answered yet: `{name}` still holds the placeholder `...` under `# YOUR CODE HERE`. "
        "Write your code in its place and run that cell."
    )
    try:
        result = _run_with_time_limit(function, args, time_limit)
    except _Timeout as timeout:
        extra = (
            " It is still running in the background; if the notebook gets slow, restart the kernel."
            if timeout.still_running else ""
        )
        return None, "timeout", (
            f"`{name}` ran longer than the time limit of {time_limit:g} s (an endless loop? "
            f"a slow Python loop over many examples?) and was stopped.{extra}"
        )
    except _RaisedInAnswer as raised:
        error = raised.error
        if isinstance(error, NotImplementedError):
            return None, "unanswered", (
                f"not answered yet: `{name}` still raises NotImplementedError. "
                "Replace `raise NotImplementedError()` with your code and run that cell."
            )
        if _holds_placeholder(function):
            return None, "unanswered", unanswered
        return error, "raised", (
            f"`{name}` raised {type(error).__name__}: {error}{_where(error, function)} "
            f"(called with {_describe(args, limit=300)})"
        )
    if result is None and _holds_placeholder(function):
        return None, "unanswered", unanswered
    return result, "ok", ""


def call_answer(
    question: str, function: Any, args: tuple, *, time_limit: float = DEFAULT_TIME_LIMIT, hint: str = ""
) -> Any:
    """Call the learner's ``function(*args)`` and turn every way it can fail into feedback.

    Returns what the function returned. The call runs in a separate thread with a time limit of
    ``time_limit`` seconds, so an endless loop ends with a message and the kernel stays usable.
    A function that still holds the placeholder (it returns None or fails) is "not answered yet".
    """
    __tracebackhide__ = True  # noqa: F841
    result, kind, problem = _outcome(function, args, time_limit)
    if kind == "ok":
        return result
    raise _fail(question, problem, "" if kind == "unanswered" else hint)


def check_raises(
    question: str,
    function: Any,
    args: tuple,
    exception: type[BaseException] = ValueError,
    *,
    hint: str = "",
    time_limit: float = DEFAULT_TIME_LIMIT,
) -> None:
    """The learner's function must refuse ``args`` by raising ``exception`` (or a subclass).

    For the edge cases a question names ("raise a ValueError when a group has no positives").

    >>> def rate(selected, size):
    ...     if size == 0:
    ...         raise ValueError("size is 0")
    ...     return selected / size
    >>> check_raises("1.g", rate, (0, 0))
    Question 1.g: `rate` refuses (0, 0) with ValueError: size is 0
    """
    __tracebackhide__ = True  # noqa: F841
    result, kind, problem = _outcome(function, copy.deepcopy(tuple(args)), time_limit)
    name = getattr(function, "__name__", "your function")
    wanted = exception.__name__
    if kind in ("unanswered", "not callable", "timeout"):
        raise _fail(question, problem, "" if kind == "unanswered" else hint)
    if kind == "ok":
        raise _fail(
            question,
            f"`{name}` returned {_describe(result)} when called with {_describe(tuple(args), 300)}; "
            f"it should raise a {wanted}.",
            hint,
        )
    if not isinstance(result, exception):
        raise _fail(question, f"{problem}; it should raise a {wanted}.", hint)
    print(f"Question {question}: `{name}` refuses {_describe(tuple(args), 300)} with {wanted}: {result}")


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

    Every case is tried, and every wrong case is named (up to :data:`MAX_LISTED`), except that
    an unanswered function stops at the first case and a function that runs out of time stops
    the check (the next cases would only wait as long).

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
    count = len(cases)
    problems = []
    for number, case in enumerate(cases, start=1):
        args = copy.deepcopy(tuple(case))
        result, kind, problem = _outcome(function, args, time_limit)
        if kind in ("unanswered", "not callable"):
            raise _fail(question, problem, "" if kind == "unanswered" else hint)
        if kind == "ok":
            expected = reference(*case) if callable(reference) else reference[number - 1]
            where = f" on case {number} of {count}" if count > 1 else ""
            problem = _difference(
                result, expected, tol, f"the result{where} (called with {_describe(tuple(case), limit=300)})"
            )
        elif count > 1:
            problem = f"on case {number} of {count}: {problem}"
        if problem is not None:
            problems.append(problem)
        if kind == "timeout":
            break
    if problems:
        if len(problems) == 1:
            raise _fail(question, problems[0], hint)
        shown = problems[:MAX_LISTED]
        more = [f"- and {len(problems) - MAX_LISTED} more wrong cases"] if len(problems) > MAX_LISTED else []
        lines = [f"wrong on {len(problems)} of {count} cases:", *(f"- {p}" for p in shown), *more]
        raise _fail(question, "\n".join(lines), hint)
    print(f"Question {question}: correct on {count} case{'s' if count > 1 else ''}.")
