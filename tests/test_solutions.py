"""The graded exercise sets: solutions/ pass every check, blank copies fail only the way they should.

* Structure: one exercise set per lesson 01-09, each a valid nbgrader source (schema 3, unique
  grade ids) with at least four graded code-test cells, each checking one question and tagged
  ``raises-exception`` (so that *Run All* goes on past a failed check). The title cell names its
  lesson, its expected time (30-45 minutes) and its total of points, and its table gives each
  question's kind and points (equal to the metadata); at least two thirds of the points are on
  the kinds that test transfer, and exactly one question is the optional challenge.
* solutions/: executed in the quick setting, no cell raises and every graded test cell prints a
  confirmation and nothing on stderr (nbgrader's autograde scores a cell with stderr output 0)
  ("solutions/<name>: P of P points").
* exercises/ (written from solutions/ by ``python -m frlib exercises build``, identical to
  nbgrader's copy: tests/test_exercises.py): run as *Run All* does (a cell that raises stops the
  run unless it is tagged ``raises-exception``), every cell is reached, answer cells raise
  nothing, and every graded test cell says "Question X: not answered yet" without a traceback
  through frlib ("exercises/<name>: 0 of P points, N questions unanswered").
* Wrong answers: three planted per set (:data:`PLANTED`), each gets feedback that names the
  question and what is wrong, and the other questions still pass.
* frlib's namesakes: where an answer is a function with the name of a function in frlib, putting
  frlib's function in its place does not pass the question's test (the questions ask for
  something frlib does not already do).
"""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
import re
import time
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbgrader.nbgraderformat import MetadataValidator

import frlib

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS = sorted((ROOT / "solutions").glob("*.ipynb"))
EXERCISES = sorted((ROOT / "exercises").glob("*.ipynb"))
LESSONS = [f"{n:02d}" for n in range(1, 10)]
CELL_TIMEOUT = 300  # seconds; a notebook takes a few seconds in the quick setting
QUESTION = re.compile(r"""grading\.\w+\(\s*["'](\d+\.[a-z])["']""")
GRADE_ID = re.compile(r"^ex(\d\d)-q(\d)([a-z])-")
TABLE_ROW = re.compile(r"^\| (\d\.[a-z]) \| (.+?) \| (.+?) \| (\d+(?:\.\d+)?) \|$", re.M)
TRANSFER_KINDS = {"predict, then run", "modify and compare", "diagnose", "choose and defend",
                  "implement something new"}
OTHER_KINDS = {"warm-up"}
CHALLENGE = "optional challenge"


def _meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def _is_test(cell) -> bool:
    return cell.cell_type == "code" and _meta(cell).get("grade") and not _meta(cell).get("solution")


def _is_code_answer(cell) -> bool:
    return cell.cell_type == "code" and _meta(cell).get("solution") and not _meta(cell).get("grade")


def _is_written_answer(cell) -> bool:
    return cell.cell_type == "markdown" and _meta(cell).get("grade") and _meta(cell).get("solution")


def _points(nb) -> float:
    return sum(_meta(cell).get("points", 0) for cell in nb.cells if _meta(cell).get("grade"))


def _question_of(cell) -> str | None:
    """'1.b' for the cells whose grade_id is ex01-q1b-..."""
    match = GRADE_ID.match(_meta(cell).get("grade_id", ""))
    return f"{match.group(2)}.{match.group(3)}" if match else None


def _points_by_question(nb) -> dict[str, float]:
    points: dict[str, float] = {}
    for cell in nb.cells:
        if _meta(cell).get("grade"):
            question = _question_of(cell)
            assert question, f"graded cell {cell.id}: its grade_id must read exNN-qXY-..."
            points[question] = points.get(question, 0) + _meta(cell)["points"]
    return points


def _questions(cell) -> set[str]:
    return set(QUESTION.findall(cell.source))


def _fmt(points: float) -> str:
    return f"{points:g}"


def _errors(cell) -> list:
    return [o for o in cell.get("outputs", []) if o.output_type == "error"]


def _stdout(cell) -> str:
    return "".join(o.get("text", "") for o in cell.get("outputs", []) if o.output_type == "stream")


def _execute(nb, folder: Path, allow_errors: bool):
    """Run the notebook in a fresh kernel (quick setting) inside ``folder``; return it and the time.

    With ``allow_errors=False`` it runs as Jupyter's *Run All* does: the first cell that raises
    stops the run (nbclient raises), unless the cell is tagged ``raises-exception``.
    """
    start = time.perf_counter()
    NotebookClient(
        nb, timeout=CELL_TIMEOUT, kernel_name="python3", allow_errors=allow_errors,
        resources={"metadata": {"path": str(folder)}},
    ).execute()
    return nb, time.perf_counter() - start


@pytest.fixture(autouse=True)
def _quick(monkeypatch):
    monkeypatch.setenv("FRLIB_QUICK", "1")  # the kernels inherit it


def _ids(path: Path) -> str:
    return f"{path.parent.name}/{path.name}"


def _read(path: Path):
    return nbformat.read(path, as_version=4)


# --- structure ----------------------------------------------------------------------------------


def test_every_lesson_has_an_exercise_set():
    lessons = {p.stem.split("_")[0] for p in SOLUTIONS}
    assert lessons == set(LESSONS), f"exercise sets for lessons {sorted(lessons)}, expected {LESSONS}"
    for path in SOLUTIONS:
        assert (ROOT / "notebooks" / path.name).exists(), f"{path.name} has no lesson of the same name"


def _table(title: str) -> dict[str, tuple[str, str, float]]:
    return {q: (topic, kind, float(points)) for q, topic, kind, points in TABLE_ROW.findall(title)}


@pytest.mark.parametrize("path", SOLUTIONS, ids=_ids)
def test_solution_structure(path):
    nb = _read(path)
    nbformat.validate(nb)
    MetadataValidator().validate_nb(nb)  # nbgrader's own check (grade ids, points, cell kinds)

    grade_ids = [_meta(cell).get("grade_id") for cell in nb.cells]
    assert all(_meta(cell).get("schema_version") == 3 for cell in nb.cells), "every cell: nbgrader schema 3"
    assert None not in grade_ids and len(set(grade_ids)) == len(grade_ids), "grade ids must be unique"
    assert [cell.id for cell in nb.cells] == grade_ids, "cell ids are the (deterministic) grade ids"

    tests = [cell for cell in nb.cells if _is_test(cell)]
    assert len(tests) >= 4, f"{path.name} has {len(tests)} graded code-test cells, at least 4 needed"
    labels = []
    for cell in tests:
        assert _meta(cell).get("locked") and _meta(cell).get("points", 0) > 0, cell.id
        assert "raises-exception" in cell.metadata.get("tags", []), \
            f"{cell.id}: a test cell needs the tag raises-exception, or a failed check stops Run All"
        found = _questions(cell)
        assert found == {_question_of(cell)}, f"{cell.id} checks questions {found}; one test cell per question"
        labels += found
    assert labels == sorted(labels) and len(set(labels)) == len(labels), f"questions out of order: {labels}"
    lesson = path.stem.split("_")[0]
    assert all(label.split(".")[0] == str(int(lesson)) for label in labels), labels

    for cell in nb.cells:
        if _is_code_answer(cell) or _is_written_answer(cell):
            assert "### BEGIN SOLUTION" in cell.source and "### END SOLUTION" in cell.source, cell.id
        elif "BEGIN SOLUTION" in cell.source or "END SOLUTION" in cell.source:
            pytest.fail(f"{cell.id}: a solution marker outside an answer cell")
        if not _is_test(cell):
            assert "HIDDEN TESTS" not in cell.source, f"{cell.id}: hidden tests outside a test cell"

    title = nb.cells[0].source
    assert title.startswith(f"# Exercises {lesson}"), "the first cell is the title"
    assert f"notebooks/{path.name}" in title, "the title cell names the lesson the exercises belong to"
    assert "How to check your work" in title
    minutes = re.search(r"\*\*Expected time:\*\* about (\d+) minutes", title)
    assert minutes and 30 <= int(minutes.group(1)) <= 45, "the title states an expected time of 30-45 minutes"
    assert f"Total: **{_fmt(_points(nb))} points**" in title, "the stated total matches the metadata"
    automatic = sum(_meta(cell)["points"] for cell in nb.cells if _is_test(cell))
    written = sum(_meta(cell)["points"] for cell in nb.cells if _is_written_answer(cell))
    assert f"({_fmt(automatic)} checked automatically, {_fmt(written)} for written answers" in title, \
        f"the title must say {_fmt(automatic)} points checked automatically and {_fmt(written)} written"

    table, points = _table(title), _points_by_question(nb)
    assert set(table) == set(points), f"the table lists {sorted(table)}, the metadata {sorted(points)}"
    for question, (topic, kind, stated) in table.items():
        assert stated == points[question], f"{question}: the table says {stated} points, the metadata {points[question]}"
        assert kind in TRANSFER_KINDS | OTHER_KINDS, f"{question}: unknown kind {kind!r}"
    challenges = [q for q, (topic, _, _) in table.items() if CHALLENGE in topic]
    assert len(challenges) == 1, f"exactly one optional challenge question, found {challenges}"
    heading = next(c.source for c in nb.cells if c.source.startswith(f"## Question {challenges[0]} "))
    assert CHALLENGE in heading.splitlines()[0], "the challenge question says so in its heading"
    transfer = sum(p for q, (_, kind, p) in table.items() if kind in TRANSFER_KINDS)
    assert transfer / _points(nb) >= 2 / 3, f"{transfer} of {_points(nb)} points on transfer kinds"


def test_the_course_has_written_answers():
    notebooks = [_read(path) for path in SOLUTIONS]
    written = [cell for nb in notebooks for cell in nb.cells if _is_written_answer(cell)]
    assert written, "at least one Markdown answer question in the course"
    assert all(_meta(cell).get("points", 0) > 0 and not _meta(cell).get("locked") for cell in written)


# --- solutions pass -----------------------------------------------------------------------------


@pytest.mark.parametrize("path", SOLUTIONS, ids=_ids)
def test_solution_notebook_passes_every_check(path, capsys):
    nb, seconds = _execute(_read(path), path.parent, allow_errors=True)
    failures = [(cell.id, e.ename, e.evalue) for cell in nb.cells for e in _errors(cell)]
    assert not failures, f"{path.name}: cells raised {failures}"
    for cell in nb.cells:
        if _is_test(cell):
            label = _questions(cell).pop()
            assert f"Question {label}:" in _stdout(cell) and "not right" not in _stdout(cell), \
                f"{cell.id} printed no confirmation: {_stdout(cell)!r}"
            stderr = [o.text for o in cell.outputs if o.output_type == "stream" and o.name == "stderr"]
            assert not stderr, f"{cell.id} writes to stderr, and nbgrader scores such a cell 0: {stderr}"
    table = _table(nb.cells[0].source)
    transfer = sum(p for _, kind, p in table.values() if kind in TRANSFER_KINDS)
    total = _points(nb)
    with capsys.disabled():
        print(f"\nsolutions/{path.name}: {_fmt(total)} of {_fmt(total)} points ({seconds:.1f} s); "
              f"{len(table)} questions, {transfer / total:.0%} of the points on transfer kinds")


# --- exercises fail cleanly ---------------------------------------------------------------------


def _check_unanswered(nb, name: str) -> int:
    """Assert how a blank exercise notebook fails; return the number of unanswered questions."""
    unanswered = 0
    for cell in nb.cells:
        errors = _errors(cell)
        if _is_test(cell):
            label = _questions(cell).pop()
            assert len(errors) == 1, f"{name}, {cell.id}: an unanswered question passes its test cell"
            error = errors[0]
            assert error.ename == "AnswerError", f"{name}, {cell.id}: {error.ename}: {error.evalue}"
            assert error.evalue.startswith(f"Question {label}: not answered yet"), error.evalue
            shown = "\n".join(error.traceback)
            assert "Traceback" not in shown and "grading.py" not in shown, \
                f"{name}, {cell.id}: the learner sees a traceback through frlib:\n{shown}"
            unanswered += 1
        else:
            assert not errors, f"{name}, {cell.id} raised {[(e.ename, e.evalue) for e in errors]}"
            if _is_written_answer(cell):
                assert "YOUR ANSWER HERE" in cell.source
                unanswered += 1
    return unanswered


@pytest.mark.parametrize("path", EXERCISES or [None], ids=lambda p: _ids(p) if p else "none")
def test_run_all_on_a_blank_exercise_reaches_every_check(path, capsys):
    if path is None:
        pytest.skip("exercises/ holds no notebook yet: build it with `python -m frlib exercises build`")
    nb, seconds = _execute(_read(path), path.parent, allow_errors=False)   # Run All: stops at an untagged error
    for cell in nb.cells:
        assert "BEGIN SOLUTION" not in cell.source and "HIDDEN TESTS" not in cell.source, cell.id
        if cell.cell_type == "code":
            assert cell.execution_count is not None, f"Run All did not reach {cell.id}"
    unanswered = _check_unanswered(nb, f"exercises/{path.name}")
    assert unanswered == sum(1 for cell in nb.cells if _is_test(cell) or _is_written_answer(cell))
    with capsys.disabled():
        print(f"\nexercises/{path.name}: 0 of {_fmt(_points(nb))} points, "
              f"{unanswered} graded cells unanswered, each saying so ({seconds:.1f} s)")


# --- planted wrong answers ----------------------------------------------------------------------

# For each set, three wrong answers: (answer cell id, its new source, the fragments of the feedback).
# Each plant replaces the model answer of one question; the question's test cell must fail with
# feedback naming the question and holding the fragments, and every other question must pass.
from planted_answers import PLANTED  # noqa: E402 (the plants are long: a module of their own)


def _apply(nb, plants):
    cells = {cell.id: cell for cell in nb.cells}
    for answer_id, source, _ in plants:
        assert answer_id in cells and _is_code_answer(cells[answer_id]), f"{answer_id} is not an answer cell"
        cells[answer_id].source = source
    return nb


@pytest.mark.parametrize("path", SOLUTIONS, ids=_ids)
def test_planted_wrong_answers_get_feedback(path, capsys):
    plants = PLANTED.get(path.stem, [])
    assert len(plants) >= 3, f"{path.stem}: plant three wrong answers"
    nb, _ = _execute(_apply(_read(path), plants), path.parent, allow_errors=True)
    planted_questions = {_question_of(next(c for c in nb.cells if c.id == answer_id)) for answer_id, _, _ in plants}
    shown = []
    for cell in nb.cells:
        if _is_test(cell):
            label = _question_of(cell)
            errors = _errors(cell)
            if label not in planted_questions:
                assert not errors, f"{cell.id}: fails although its answer was not touched: {errors[0].evalue if errors else ''}"
                continue
            assert len(errors) == 1 and errors[0].ename == "AnswerError", f"{cell.id}: {errors}"
            message = errors[0].evalue
            assert message.startswith(f"Question {label}: ") and "not answered yet" not in message, message
            fragments = [f for a, _, frags in plants if _question_of(next(c for c in nb.cells if c.id == a)) == label
                         for f in frags]
            for fragment in fragments:
                assert fragment in message, f"{cell.id}: {fragment!r} not in the feedback:\n{message}"
            shown.append(message)
        else:
            assert not _errors(cell), f"{cell.id}: {[(e.ename, e.evalue) for e in _errors(cell)]}"
    assert len(shown) == len(planted_questions)
    with capsys.disabled():
        for message in shown:
            print(f"\n{path.name}, planted wrong answer, the learner reads:\n{message}")


# --- frlib's namesakes --------------------------------------------------------------------------


def _frlib_functions() -> dict[str, str]:
    """Public functions of frlib by name -> the module that defines them."""
    found: dict[str, str] = {}
    for info in pkgutil.walk_packages(frlib.__path__, prefix="frlib."):
        if info.name.endswith("__main__"):
            continue
        module = importlib.import_module(info.name)
        for name, obj in vars(module).items():
            if not name.startswith("_") and inspect.isfunction(obj) and obj.__module__ == module.__name__:
                found.setdefault(name, module.__name__)
    return found


def _answer_functions(cell) -> list[str]:
    return [node.name for node in ast.parse(cell.source).body if isinstance(node, ast.FunctionDef)]


def _namesakes(nb) -> list[tuple[str, str, str]]:
    """(answer cell id, function name, frlib module) for every answer function frlib also names."""
    frlib_functions = _frlib_functions()
    return [(cell.id, name, frlib_functions[name]) for cell in nb.cells if _is_code_answer(cell)
            for name in _answer_functions(cell) if name in frlib_functions]


def test_some_answers_share_a_name_with_frlib():
    # otherwise the next test would check nothing
    assert sum(len(_namesakes(_read(path))) for path in SOLUTIONS) >= 1


@pytest.mark.parametrize("path", SOLUTIONS, ids=_ids)
def test_frlib_namesakes_do_not_pass(path):
    nb = _read(path)
    namesakes = _namesakes(nb)
    if not namesakes:
        return  # no answer of this set is named like an frlib function
    cells = {cell.id: cell for cell in nb.cells}
    for answer_id, name, module in namesakes:
        cells[answer_id].source += f"\nfrom {module} import {name}  # frlib's function in place of the answer"
    nb, _ = _execute(nb, path.parent, allow_errors=True)
    swapped = {_question_of(cells[answer_id]) for answer_id, _, _ in namesakes}
    for cell in nb.cells:
        if _is_test(cell) and _question_of(cell) in swapped:
            errors = _errors(cell)
            assert errors and errors[0].ename == "AnswerError", \
                f"{cell.id}: frlib's namesake passes the question ({[n for _, n, _ in namesakes]})"
