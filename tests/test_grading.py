"""frlib.course.grading: every check, every way an answer can fail, and what a learner sees in Jupyter."""

from __future__ import annotations

import contextlib
import doctest
import signal
import threading
import time

import nbformat
import numpy as np
import pandas as pd
import pytest
import torch
from nbclient import NotebookClient

from frlib.course import grading
from frlib.course.grading import AnswerError


@contextlib.contextmanager
def fails(question: str, *fragments: str):
    """Expect an AnswerError whose message starts with the question and holds the fragments."""
    with pytest.raises(AnswerError) as info:
        yield info
    message = str(info.value)
    assert message.startswith(f"Question {question}: "), message
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in {message!r}"


def _grading_threads():
    return [t for t in threading.enumerate() if t.name == "frlib-grading-answer" and t.is_alive()]


def test_docstring_examples():
    result = doctest.testmod(grading, optionflags=doctest.ELLIPSIS)
    assert result.attempted >= 5 and result.failed == 0


def test_exercise_notebooks_handed_out_earlier_still_import_frlib_grading():
    # They write `from frlib import grading`: the one old name frlib keeps.
    import frlib

    namespace: dict = {}
    exec("from frlib import grading", namespace)
    assert namespace["grading"] is grading is frlib.grading
    with pytest.raises(AttributeError, match="no attribute 'exercises'"):
        frlib.exercises  # noqa: B018 (other old names are gone: frlib.course.exercises)


def test_answer_error_is_an_assertion_error_that_renders_as_its_message():
    error = grading._fail("1.a", "wrong", hint="look again")
    assert isinstance(error, AssertionError)
    rendered = error._render_traceback_()
    assert rendered[0].endswith("AnswerError\x1b[0m: Question 1.a: wrong")
    assert rendered[1:] == ["Hint: look again"]
    assert not any("Traceback" in line or "grading.py" in line for line in rendered)


# --- compare and check_value --------------------------------------------------------------------


@pytest.mark.parametrize(
    "actual, expected",
    [
        (0.5, 0.5),
        (0.5 + 1e-8, 0.5),
        (np.float32(0.25), 0.25),
        (1, 1.0),
        ([0.9, 0.1], np.array([0.9, 0.1])),
        (np.array([[1, 0], [0, 1]]), np.eye(2)),
        (torch.tensor([0.5, 0.5]), [0.5, 0.5]),
        (pd.Series([1.0, 2.0]), [1.0, 2.0]),
        (np.array([], dtype=int), []),
        (True, True),
        (np.bool_(False), False),
        ("  Ratio ", "ratio"),
        (float("nan"), float("nan")),
    ],
)
def test_compare_accepts_right_answers(actual, expected):
    grading.compare("1.a", actual, expected)


def test_compare_wrong_number_says_expected_got_and_hint():
    with fails("1.a", "the answer is not right", "expected 0.5", "got 0.3", "Hint: a rate is a fraction"):
        grading.compare("1.a", 0.3, 0.5, hint="a rate is a fraction")


def test_compare_respects_the_tolerance():
    grading.compare("1.a", 0.5004, 0.5, tol=1e-3)
    with fails("1.a", "expected 0.5, got 0.502"):
        grading.compare("1.a", 0.502, 0.5, tol=1e-3)


def test_compare_none_asks_for_a_return():
    with fails("1.c", "is None", "return"):
        grading.compare("1.c", None, 0.5)


@pytest.mark.parametrize("actual", ["0.5", {"di": 0.5}, object(), [1, [2, 3]]])
def test_compare_wrong_type(actual):
    with fails("1.a", "should be a number", type(actual).__name__):
        grading.compare("1.a", actual, 0.5)


def test_compare_array_expected_but_text_given():
    with fails("2.b", "should be an array of numbers of shape (2, 2)", "got str"):
        grading.compare("2.b", "identity", np.eye(2))


def test_compare_wrong_shape():
    with fails("2.b", "has shape (3, 3), expected shape (2, 2)"):
        grading.compare("2.b", np.eye(3), np.eye(2))
    with fails("1.c", "should be a single number", "got tuple of shape (2,)"):
        grading.compare("1.c", (0.25, 0.5), 0.5)


def test_compare_nan_is_reported_as_such():
    with fails("1.c", "contains NaN", "division by zero"):
        grading.compare("1.c", float("nan"), 1.0)


def test_compare_array_names_every_wrong_entry():
    with fails("2.b", "1 of 4 entries differ", "at [0, 1] expected 0.1, got 0.2"):
        grading.compare("2.b", [[0.9, 0.2], [0.1, 0.9]], [[0.9, 0.1], [0.1, 0.9]])
    with fails("2.b", "3 of 4 entries differ", "at [0] expected 1, got 0", "at [2] expected 3, got 0",
               "at [3] expected 4, got 0"):
        grading.compare("2.b", [0, 2, 0, 0], [1, 2, 3, 4])


def test_compare_lists_at_most_a_few_entries_then_counts_the_rest():
    with fails("2.b", "20 of 20 entries differ", "at [7] expected 1", "and 12 more") as info:
        grading.compare("2.b", np.zeros(20), np.ones(20))
    assert "at [8]" not in str(info.value)


def test_compare_right_values_in_the_wrong_order():
    with fails("2.e", "right values in the wrong order"):
        grading.compare("2.e", [4, 0], [0, 4])


def test_compare_bool_and_word():
    with fails("1.x", "should be True or False", "got str"):
        grading.compare("1.x", "yes", True)
    with fails("1.x", "expected True, got False"):
        grading.compare("1.x", False, True)
    with fails("1.x", "should be a string"):
        grading.compare("1.x", 3, "ratio")
    with fails("1.x", "expected 'ratio', got 'difference'"):
        grading.compare("1.x", "difference", "ratio")


def test_compare_refuses_an_unsupported_expected_value():
    with pytest.raises(TypeError, match="cannot compare"):
        grading.compare("1.a", {"a": 1}, {"a": 1})


def test_check_value_confirms_with_the_name(capsys):
    grading.check_value("1.a", 0.2, 1 / 5, name="rate_0")
    grading.check_value("1.b", 2, 2)
    out = capsys.readouterr().out
    assert out == "Question 1.a: `rate_0` is correct.\nQuestion 1.b: the answer is correct.\n"


def test_check_value_failure_names_the_variable(capsys):
    with fails("1.a", "`rate_0` is not right", "expected 0.2, got 1"):
        grading.check_value("1.a", 1, 0.2, name="rate_0")
    assert capsys.readouterr().out == ""


# --- answered and require -----------------------------------------------------------------------


def test_answered_returns_the_value():
    assert grading.answered("1.a", {"rate_0": 0.25}, "rate_0") == 0.25


def test_answered_says_not_answered_yet():
    with fails("2.b", "not answered yet", "`rate_0` is not defined", "in place of the `...` under `# YOUR CODE HERE`"):
        grading.answered("2.b", {}, "rate_0")
    with fails("2.b", "not answered yet", "placeholder"):
        grading.answered("2.b", {"rate_0": ...}, "rate_0")


def test_require():
    grading.require("1.e", True, "never shown")
    with fails("1.e", "DI is 0.7", "Hint: lower t_0"):
        grading.require("1.e", False, "DI is 0.7", hint="lower t_0")


# --- calling the learner's function -------------------------------------------------------------


def test_call_answer_returns_the_value():
    assert grading.call_answer("1.c", lambda a, b: a + b, (1, 2)) == 3


def test_call_answer_not_a_function():
    with fails("1.c", "expected a function, got float"):
        grading.call_answer("1.c", 0.5, ())


def test_call_answer_not_implemented_yet():
    def disparate_impact(y_pred, z):
        # YOUR CODE HERE
        raise NotImplementedError()

    with fails("1.c", "not answered yet", "`disparate_impact` still raises NotImplementedError"):
        grading.call_answer("1.c", disparate_impact, ([1], [0]))


def test_call_answer_reports_an_exception_with_its_line():
    def broken(y_pred, z):
        rates = [0.5, 0.0]
        return rates[0] / rates[1]

    with fails("1.c", "`broken` raised ZeroDivisionError", "float division by zero",
               "return rates[0] / rates[1]", "called with ([1, 0], [0, 1])", "Hint: check empty groups"):
        grading.call_answer("1.c", broken, ([1, 0], [0, 1]), hint="check empty groups")


def test_call_answer_reports_an_exception_raised_deep_inside_numpy():
    def reshaping(x):
        return np.reshape(x, (4, 4))

    with fails("2.b", "`reshaping` raised ValueError", "np.reshape(x, (4, 4))"):
        grading.call_answer("2.b", reshaping, (np.arange(3),))


def test_call_answer_survives_system_exit():
    def leaving():
        raise SystemExit(3)

    with fails("1.c", "raised SystemExit"):
        grading.call_answer("1.c", leaving, ())


def test_time_limit_stops_an_endless_loop():
    def endless(x):
        while True:
            pass

    start = time.perf_counter()
    with fails("1.d", "`endless` ran longer than the time limit of 0.5 s", "was stopped", "Hint: vectorise"):
        grading.call_answer("1.d", endless, (1,), time_limit=0.5, hint="vectorise")
    assert time.perf_counter() - start < 3
    assert not _grading_threads(), "the learner's thread is still running"
    assert grading.call_answer("1.d", lambda x: x + 1, (1,)) == 2  # still usable


def test_time_limit_when_the_learners_code_cannot_be_stopped():
    release = threading.Event()

    def blocked(x):  # waits inside one long C call, where the stop request cannot reach it
        release.wait(30)

    try:
        with fails("1.d", "time limit of 0.5 s", "still running in the background", "restart the kernel"):
            grading.call_answer("1.d", blocked, (1,), time_limit=0.5)
    finally:
        release.set()
    time.sleep(0.1)
    assert not _grading_threads()


def test_interrupting_the_kernel_stops_the_learners_code():
    started = threading.Event()

    def endless():
        started.set()
        while True:
            pass

    main = threading.main_thread().ident

    def interrupt():
        started.wait(5)
        time.sleep(0.2)
        signal.pthread_kill(main, signal.SIGINT)  # what Jupyter's "interrupt the kernel" sends

    # A process started in the background by a non-interactive shell (as CI may be) inherits
    # SIGINT as ignored; a Jupyter kernel handles it. Install Python's handler for the test.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        threading.Thread(target=interrupt, daemon=True).start()
        with pytest.raises(KeyboardInterrupt):
            grading.call_answer("1.d", endless, (), time_limit=20)
    finally:
        signal.signal(signal.SIGINT, previous)
    time.sleep(0.05)
    assert not _grading_threads()


# --- check_function -----------------------------------------------------------------------------


def _di(y_pred, z):
    y_pred, z = np.asarray(y_pred), np.asarray(z)
    r0, r1 = y_pred[z == 0].mean(), y_pred[z == 1].mean()
    return 1.0 if max(r0, r1) == 0 else min(r0, r1) / max(r0, r1)


CASES = [([1, 0, 1, 1], [0, 0, 1, 1]), ([1, 1, 1, 0], [0, 0, 1, 1]), ([0, 0], [0, 1])]


def test_check_function_confirms(capsys):
    grading.check_function("1.c", _di, reference=_di, cases=CASES)
    grading.check_function("1.c", _di, reference=_di, cases=CASES[:1])
    assert capsys.readouterr().out == "Question 1.c: correct on 3 cases.\nQuestion 1.c: correct on 1 case.\n"


def test_check_function_with_a_list_of_expected_results(capsys):
    grading.check_function("1.c", _di, reference=[0.5, 0.5, 1.0], cases=CASES)
    assert "correct on 3 cases" in capsys.readouterr().out
    with fails("1.c", "case 3 of 3", "expected 0, got 1"):
        grading.check_function("1.c", _di, reference=[0.5, 0.5, 0.0], cases=CASES)


def test_check_function_names_the_failing_case():
    def one_sided(y_pred, z):  # r_0 / r_1: wrong when group 0 is ahead
        y_pred, z = np.asarray(y_pred), np.asarray(z)
        return y_pred[z == 0].mean() / y_pred[z == 1].mean()

    with fails("1.c", "the result on case 2 of 3", "called with ([1, 1, 1, 0], [0, 0, 1, 1])",
               "expected 0.5, got 2", "Hint: min over max"):
        grading.check_function("1.c", one_sided, reference=_di, cases=CASES, hint="min over max")


def test_check_function_none_wrong_type_wrong_shape():
    with fails("1.c", "is None", "return"):
        grading.check_function("1.c", lambda y_pred, z: None, reference=_di, cases=CASES)
    with fails("1.c", "should be a number", "got str"):
        grading.check_function("1.c", lambda y_pred, z: "0.5", reference=_di, cases=CASES)
    with fails("1.c", "should be a single number", "shape (2,)"):
        grading.check_function("1.c", lambda y_pred, z: (0.5, 1.0), reference=_di, cases=CASES)


def test_check_function_exception_and_time_limit():
    with fails("1.c", "raised IndexError"):
        grading.check_function("1.c", lambda y_pred, z: y_pred[10], reference=_di, cases=CASES)

    def slow(y_pred, z):
        time.sleep(5)

    with fails("1.c", "time limit of 0.3 s"):
        grading.check_function("1.c", slow, reference=_di, cases=CASES, time_limit=0.3)


def test_check_function_gives_the_learner_copies():
    def vandal(y_pred, z):  # modifies its inputs, then answers right
        result = _di(y_pred, z)
        y_pred[0] = 1 - y_pred[0]
        z[-1] = 1 - z[-1]
        return result

    cases = [(np.array([1, 0, 1, 1]), np.array([0, 0, 1, 1])), ([1, 1, 1, 0], [0, 0, 1, 1])]
    grading.check_function("1.c", vandal, reference=_di, cases=cases)
    assert cases[0][0].tolist() == [1, 0, 1, 1] and cases[1][0] == [1, 1, 1, 0]


def test_check_function_not_answered_yet():
    def equalized_odds_difference(y_true, y_pred, z):
        raise NotImplementedError()

    with fails("1.d", "not answered yet"):
        grading.check_function("1.d", equalized_odds_difference, reference=[0.0], cases=[([1], [1], [0])])


def test_check_function_refuses_bad_arguments():
    with pytest.raises(ValueError, match="cases is empty"):
        grading.check_function("1.c", _di, reference=_di, cases=[])
    with pytest.raises(ValueError, match="2 expected results for 3 cases"):
        grading.check_function("1.c", _di, reference=[0.5, 0.5], cases=CASES)


def test_check_function_names_every_wrong_case():
    def r1_over_r0(y_pred, z):  # the ratio one way round: right only when group 1 is ahead
        y_pred, z = np.asarray(y_pred), np.asarray(z)
        return y_pred[z == 1].mean() / y_pred[z == 0].mean()

    cases = CASES + [([1, 0, 0, 1], [0, 0, 1, 1])]
    with fails("1.c", "wrong on 2 of 4 cases:", "- the result on case 1 of 4", "expected 0.5, got 2",
               "- the result on case 3 of 4", "contains NaN", "Hint: min over max") as info:
        grading.check_function("1.c", r1_over_r0, reference=_di, cases=cases, hint="min over max")
    assert "case 2 of 4" not in str(info.value) and "case 4 of 4" not in str(info.value)
    assert str(info.value).count("Hint:") == 1


def test_check_function_reports_exceptions_among_wrong_cases():
    def fragile(y_pred, z):
        y_pred, z = np.asarray(y_pred), np.asarray(z)
        if y_pred.sum() == 0:
            raise ZeroDivisionError("nobody selected")
        return 0.5

    with fails("1.c", "wrong on 2 of 3 cases", "on case 3 of 3: `fragile` raised ZeroDivisionError: nobody selected",
               "the result on case 2 of 3"):
        grading.check_function("1.c", fragile, reference=[0.5, 0.25, 1.0], cases=CASES)


def test_check_function_stops_after_a_timeout():
    calls = []

    def slow(y_pred, z):
        calls.append(1)
        time.sleep(5)

    with fails("1.c", "on case 1 of 3", "time limit of 0.3 s"):
        grading.check_function("1.c", slow, reference=_di, cases=CASES, time_limit=0.3)
    assert len(calls) == 1


def test_check_raises(capsys):
    def strict(counts):
        if min(counts) == 0:
            raise ValueError("a group has no positives")
        return 1.0

    grading.check_raises("1.b", strict, ([0, 3],))
    assert capsys.readouterr().out == "Question 1.b: `strict` refuses ([0, 3],) with ValueError: a group has no positives\n"
    with fails("1.b", "`lenient` returned 1 when called with ([0, 3],); it should raise a ValueError", "Hint: check"):
        def lenient(counts):
            return 1.0
        grading.check_raises("1.b", lenient, ([0, 3],), hint="check")
    with fails("1.b", "raised ZeroDivisionError", "it should raise a ValueError"):
        grading.check_raises("1.b", lambda counts: 1 / min(counts), ([0, 3],))
    with fails("1.b", "not answered yet"):
        grading.check_raises("1.b", unanswered_function, ([1], [0]))


def test_warnings_of_the_learners_code_go_to_stdout_not_stderr(capsys):
    def warns(y):
        import warnings as w
        w.warn("slow path", UserWarning)
        w.warn("slow path", UserWarning)
        return sum(y) / len(y)

    grading.check_function("9.h", warns, reference=[0.5, 0.5], cases=[([1, 0],), ([0, 1],)])
    out, err = capsys.readouterr()
    assert err == "", "nbgrader scores a cell with stderr output 0"
    assert out.count("Note: `warns` warned UserWarning: slow path") == 2 and "correct on 2 cases" in out


# --- the student copy's placeholder ---------------------------------------------------------------


def unanswered_function(y_pred, z):
    """A learner's function as the student copy shows it."""
    # YOUR CODE HERE
    ...


def half_answered(y_pred, z):
    rates = [0.5, 0.5]
    # YOUR CODE HERE
    ...
    return rates[0] / ratio  # noqa: F821 (the learner has not defined it yet)


def test_the_placeholder_is_the_configured_stub():
    assert grading.CODE_STUB == "# YOUR CODE HERE\n..."
    from frlib.course import exercises
    assert exercises.CODE_STUB == grading.CODE_STUB


def test_a_function_still_holding_the_placeholder_is_not_answered_yet():
    with fails("1.c", "not answered yet", "`unanswered_function` still holds the placeholder `...`") as info:
        grading.check_function("1.c", unanswered_function, reference=_di, cases=CASES, hint="never shown")
    assert "Hint" not in str(info.value)
    with fails("1.c", "not answered yet", "`half_answered`"):  # raises NameError below the placeholder
        grading.call_answer("1.c", half_answered, ([1], [0]))


def test_a_function_that_returns_none_without_the_placeholder_forgot_its_return():
    def forgot(y_pred, z):
        result = 0.5  # noqa: F841

    with fails("1.c", "is None", "forget to `return`"):
        grading.check_function("1.c", forgot, reference=_di, cases=CASES)


def test_an_answer_that_works_despite_a_leftover_placeholder_passes(capsys):
    def kept_the_stub(y_pred, z):
        # YOUR CODE HERE
        ...
        return _di(y_pred, z)

    grading.check_function("1.c", kept_the_stub, reference=_di, cases=CASES)
    assert "correct on 3 cases" in capsys.readouterr().out


# --- several answers of one question ----------------------------------------------------------------


CHOICES = {"a": "no: a ratio does not care about the group sizes", "b": "yes: both rates shrink by the same factor",
           "c": "no: DI cannot exceed 1"}


def test_check_answers_confirms_each_answer_with_its_explanation(capsys):
    grading.check_answers("1.c", {"guess": 0.3, "why": " (B) ", "rate_0": 0.2}, {
        "guess": grading.in_range(0.2, 0.45, explanation="the mechanism."),
        "why": grading.choice(CHOICES, correct="b"),
        "rate_0": 0.2,
    })
    assert capsys.readouterr().out == (
        "Question 1.c: `guess` = 0.3 is in the accepted range [0.2, 0.45]. the mechanism.\n"
        "Question 1.c: `why` = 'b' is right: yes: both rates shrink by the same factor\n"
        "Question 1.c: `rate_0` is correct.\n"
    )


def test_check_answers_names_every_wrong_answer():
    namespace = {"guess": 0.9, "why": "a", "rate_0": 0.25, "rate_1": 0.5}
    with fails("1.c", "3 of 4 answers are not right:",
               "- `guess` = 0.9 is above the accepted range [0.2, 0.45]. the mechanism.",
               "- `why` = 'a' is not right: no: a ratio does not care about the group sizes",
               "- `rate_0` is not right: expected 0.2, got 0.25. Hint: a fraction of the group") as info:
        grading.check_answers("1.c", namespace, {
            "guess": grading.in_range(0.2, 0.45, explanation="the mechanism."),
            "why": grading.choice(CHOICES, correct="b"),
            "rate_0": grading.value(0.2, hint="a fraction of the group"),
            "rate_1": grading.value(0.5),
        })
    assert "rate_1" not in str(info.value)
    assert "yes: both rates shrink" not in str(info.value), "the right option's feedback is not given away"


def test_check_answers_not_answered_yet():
    with fails("1.c", "not answered yet", "`guess`, `why` are not defined"):
        grading.check_answers("1.c", {"guess": ...}, {"guess": grading.in_range(0, 1), "why": grading.choice(CHOICES, "b")})
    with fails("1.c", "1 of 2 answers are not right", "- `why` is not answered yet"):
        grading.check_answers("1.c", {"guess": 0.3}, {"guess": grading.in_range(0, 1), "why": grading.choice(CHOICES, "b")})


@pytest.mark.parametrize("given, fragment", [
    ("0.3", "should be one number (your prediction), got str '0.3'"),
    (None, "should be one number"),
    (True, "should be one number"),
    ([0.2, 0.4], "should be one number"),
    (float("nan"), "is NaN"),
    (0.1, "is below the accepted range [0.2, 0.45]"),
])
def test_in_range_refuses_what_is_not_a_prediction_in_range(given, fragment):
    with fails("3.b", fragment):
        grading.check_answers("3.b", {"guess": given}, {"guess": grading.in_range(0.2, 0.45)})


@pytest.mark.parametrize("given, fragment", [
    (2, "should be one of the letters 'a', 'b', 'c' (a string), got int 2"),
    ("d", "'d' is not one of the options 'a', 'b', 'c'"),
    ("c", "'c' is not right: no: DI cannot exceed 1"),
])
def test_choice_refuses_unknown_and_wrong_options(given, fragment):
    with fails("4.c", fragment):
        grading.check_answers("4.c", {"why": given}, {"why": grading.choice(CHOICES, correct="b")})


def test_choice_with_several_right_letters(capsys):
    grading.check_answers("4.c", {"why": "c"}, {"why": grading.choice(CHOICES, correct=["b", "c"])})
    assert "'c' is right" in capsys.readouterr().out


def test_satisfies_checks_a_property_and_survives_malformed_answers(capsys):
    at_least_08 = grading.satisfies(lambda di: di >= 0.8, "DI {value} is below 0.8", hint="lower t_0")
    grading.check_answers("1.d", {"di": 0.85}, {"di": at_least_08})
    assert "`di` is correct" in capsys.readouterr().out
    with fails("1.d", "`di` = 0.7: DI 0.7 is below 0.8. Hint: lower t_0"):
        grading.check_answers("1.d", {"di": 0.7}, {"di": at_least_08})
    with fails("1.d", "could not be checked (TypeError"):
        grading.check_answers("1.d", {"di": "high"}, {"di": at_least_08})


def test_expectations_refuse_bad_specifications():
    with pytest.raises(ValueError, match="low <= high"):
        grading.in_range(0.5, 0.2)
    with pytest.raises(ValueError, match="must name options"):
        grading.choice(CHOICES, correct="z")
    with pytest.raises(TypeError, match="cannot compare"):
        grading.value({"a": 1})


# --- in a real kernel ---------------------------------------------------------------------------

KERNEL_CELLS = [
    "from frlib import grading\nimport numpy as np\nimport time",
    "def rate(y):\n    total = 0\n    return sum(y) / total",
    "grading.check_function('9.a', rate, reference=[0.5], cases=[([1, 0],)], hint='divide by len(y)')",
    "grading.check_value('9.b', 0.3, 0.5, name='di_table', hint='smaller over larger')",
    "def endless(y):\n    while True:\n        pass",
    "start = time.time()\n"
    "grading.check_function('9.c', endless, reference=[0.5], cases=[([1, 0],)], time_limit=0.5)",
    "print(f'still alive after {time.time() - start:.1f} s')",
    "grading.answered('9.d', globals(), 'not_defined_anywhere')",
    "grading.check_function('9.e', lambda y: sum(y) / len(y), reference=[0.5], cases=[([1, 0],)])",
    "def rate_of(y):\n    \"\"\"The share of ones.\"\"\"\n    # YOUR CODE HERE\n    ...",
    "grading.check_function('9.f', rate_of, reference=[0.5], cases=[([1, 0],)], hint='never shown')",
    "grading.check_answers('9.g', {'a': 0.9, 'b': 'x'}, {'a': grading.in_range(0, 0.5, explanation='why.'), "
    "'b': grading.choice({'x': 'no, because.', 'y': 'yes.'}, 'y')})",
]


@pytest.fixture(scope="module")
def executed_kernel_notebook():
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source) for source in KERNEL_CELLS])
    NotebookClient(nb, timeout=60, kernel_name="python3", allow_errors=True).execute()
    return nb


def _error(cell):
    errors = [o for o in cell.outputs if o.output_type == "error"]
    return errors[0] if errors else None


def _text(cell):
    return "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")


@pytest.mark.parametrize(
    "index, fragments",
    [
        (2, ["Question 9.a: `rate` raised ZeroDivisionError", "return sum(y) / total",
             "Hint: divide by len(y)"]),
        (3, ["Question 9.b: `di_table` is not right: expected 0.5, got 0.3", "Hint: smaller over larger"]),
        (5, ["Question 9.c: `endless` ran longer than the time limit of 0.5 s"]),
        (7, ["Question 9.d: not answered yet"]),
        (10, ["Question 9.f: not answered yet: `rate_of` still holds the placeholder"]),
        (11, ["Question 9.g: 2 of 2 answers are not right:", "- `a` = 0.9 is above the accepted range [0, 0.5]. why.",
              "- `b` = 'x' is not right: no, because."]),
    ],
)
def test_a_failing_check_in_a_kernel_shows_the_message_not_a_frlib_traceback(
    executed_kernel_notebook, index, fragments
):
    error = _error(executed_kernel_notebook.cells[index])
    assert error is not None and error.ename == "AnswerError"
    shown = "\n".join(error.traceback)
    for fragment in fragments:
        assert fragment in shown
    for leak in ("Traceback", "grading.py", "frlib/", "site-packages", "File "):
        assert leak not in shown, f"{leak!r} leaks into what the learner sees:\n{shown}"
    assert len(error.traceback) <= 4  # the message, its list of wrong answers, a hint line


def test_the_kernel_stays_usable_after_a_time_limit(executed_kernel_notebook):
    cell = executed_kernel_notebook.cells[6]
    assert _error(cell) is None
    seconds = float(_text(cell).split("after ")[1].split(" s")[0])
    assert seconds < 3


def test_a_passing_check_in_a_kernel_prints_a_confirmation(executed_kernel_notebook):
    cell = executed_kernel_notebook.cells[8]
    assert _error(cell) is None
    assert _text(cell) == "Question 9.e: correct on 1 case.\n"
