"""exercises/ is generated from solutions/ exactly as nbgrader would (frlib.course.exercises).

* the repository's exercises/ is up to date (``python -m frlib exercises build --check``);
* --check finds changed solutions, hand-edited, missing and extra exercise notebooks, and the
  build repairs them (leaving README.md alone);
* the transformation on a small synthetic notebook: solution regions indented in a def, several
  regions in one cell, hidden tests, Markdown answers with and without markers, outputs cleared,
  metadata kept; malformed notebooks fail with an error naming the notebook and the cell;
* nbgrader itself (``nbgrader generate_assignment``, with the course's ``nbgrader_config.py``)
  writes the same student copy, for every solution notebook and for the synthetic one, in an
  nbgrader course folder in tmp_path (its own HOME and Jupyter folders, no network); the shipped
  configuration's stubs are the builder's.
"""

from __future__ import annotations

import copy
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from frlib import cli
from frlib.course import exercises
from frlib.course.exercises import CODE_STUB, TEXT_STUB, ExerciseError

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS = ROOT / "solutions"
EXERCISES = ROOT / "exercises"
SOLUTION_NOTEBOOKS = exercises.solution_notebooks(SOLUTIONS)
SYNTHETIC = "99_synthetic.ipynb"
NBGRADER_CONFIG = ROOT / "nbgrader_config.py"


# ---------------------------------------------------------------------------------------------
# A small synthetic solution notebook with every kind of cell
# ---------------------------------------------------------------------------------------------


def _meta(grade_id, *, grade=False, solution=False, locked=False, points=None):
    meta = {"grade": grade, "solution": solution, "locked": locked, "grade_id": grade_id, "schema_version": 3}
    if points is not None:
        meta["points"] = points
    return {"nbgrader": meta}


ANSWER_DEF = '''\
import numpy as np


def selection_rate(y_pred):
    """The share of positive predictions."""
    ### BEGIN SOLUTION
    y_pred = np.asarray(y_pred)
    return float(y_pred.mean())
    ### END SOLUTION


def disparate_impact(y_pred, z):
    if len(y_pred) == 0:
        raise ValueError("empty")
    ### BEGIN SOLUTION
    y_pred, z = np.asarray(y_pred), np.asarray(z)
    rates = [selection_rate(y_pred[z == g]) for g in (0, 1)]
    return min(rates[0] / rates[1], rates[1] / rates[0])
    ### END SOLUTION

### BEGIN SOLUTION
answer_1c = 0.5
### END SOLUTION
print("defined")'''

ANSWER_DEF_STUDENT = '''\
import numpy as np


def selection_rate(y_pred):
    """The share of positive predictions."""
    # YOUR CODE HERE
    ...


def disparate_impact(y_pred, z):
    if len(y_pred) == 0:
        raise ValueError("empty")
    # YOUR CODE HERE
    ...

# YOUR CODE HERE
...
print("defined")'''

TEST_CELL = '''\
from frlib.course.grading import check_value
check_value("1.a", selection_rate([1, 0, 1, 1]), expected=0.75)
### BEGIN HIDDEN TESTS
check_value("1.a", selection_rate([0, 0]), expected=0.0)
### END HIDDEN TESTS
for case in [[1], [1, 1]]:
    ### BEGIN HIDDEN TESTS
    check_value("1.a", selection_rate(case), expected=1.0)
    ### END HIDDEN TESTS
    pass
print("all visible checks passed")'''

TEST_CELL_STUDENT = '''\
from frlib.course.grading import check_value
check_value("1.a", selection_rate([1, 0, 1, 1]), expected=0.75)
for case in [[1], [1, 1]]:
    pass
print("all visible checks passed")'''


def synthetic_notebook():
    """A solution notebook exercising every rule (sources chosen to catch off-by-one lines)."""
    nb = new_notebook()
    nb.metadata = {
        "celltoolbar": "Create Assignment",
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    }
    output = new_output("stream", name="stdout", text="defined\n")
    nb.cells = [
        new_markdown_cell("# 99 Synthetic exercises\n\nPlain text, no nbgrader metadata."),
        new_code_cell("import math", metadata={**_meta("setup", locked=True), "tags": ["setup"]}),
        new_code_cell(
            ANSWER_DEF,
            metadata={**_meta("q1_answer", solution=True), "collapsed": False, "scrolled": True, "tags": ["answer"]},
            outputs=[output],
            execution_count=3,
        ),
        # the broken test cell of the fixtures below is cell 3
        new_code_cell(TEST_CELL, metadata=_meta("q1_test", grade=True, locked=True, points=2),
                      outputs=[output], execution_count=4),
        new_markdown_cell(
            "**Question 2.** Explain.\n\n### BEGIN SOLUTION\nThe model answer,\non two lines.\n### END SOLUTION\n\nEnd.",
            metadata=_meta("q2_prose", grade=True, solution=True, points=1.5),
        ),
        new_markdown_cell(
            "The whole model answer\nis replaced.", metadata=_meta("q3_prose", grade=True, solution=True, points=1)
        ),
        new_code_cell(
            "x = 1\n\n    ### BEGIN SOLUTION\ny = 2\n    ### END SOLUTION\n", metadata=_meta("q4_answer", solution=True)
        ),
        new_code_cell(
            "# a plain cell\nprint(math.pi)",
            outputs=[new_output("execute_result", data={"text/plain": "3.14"}, execution_count=5)],
            execution_count=5,
        ),
        new_markdown_cell("Read-only text.", metadata=_meta("readonly_md", locked=True)),
    ]
    return nb


EXPECTED_SOURCES = [
    "# 99 Synthetic exercises\n\nPlain text, no nbgrader metadata.",
    "import math",
    ANSWER_DEF_STUDENT,
    TEST_CELL_STUDENT,
    "**Question 2.** Explain.\n\n" + TEXT_STUB + "\n\nEnd.",
    TEXT_STUB,
    "x = 1\n\n    # YOUR CODE HERE\n    ...\n",
    "# a plain cell\nprint(math.pi)",
    "Read-only text.",
]


def _write(nb, path):
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(path))
    return path


def _check(solutions, exercises_dir, capsys):
    """Run ``python -m frlib exercises build --check`` in-process: (exit code, stdout + stderr)."""
    code = cli.main(
        ["exercises", "build", "--check", "--solutions", str(solutions), "--exercises", str(exercises_dir)]
    )
    out = capsys.readouterr()
    return code, out.out + out.err


# ---------------------------------------------------------------------------------------------
# 1. The repository's exercises/ is up to date
# ---------------------------------------------------------------------------------------------


def test_repository_exercises_are_up_to_date():
    result = subprocess.run(
        [sys.executable, "-m", "frlib", "exercises", "build", "--check"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, (
        f"exercises/ is stale (exit {result.returncode}); run `make exercises`.\n{result.stdout}{result.stderr}"
    )
    if not SOLUTION_NOTEBOOKS:
        pytest.skip("solutions/ has no notebook yet: nothing to check")


# ---------------------------------------------------------------------------------------------
# 2. Stale detection
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def course(tmp_path):
    """Copies of solutions/ and exercises/ (or, before solutions exist, the synthetic notebook)."""
    solutions, exercises_dir = tmp_path / "solutions", tmp_path / "exercises"
    if SOLUTION_NOTEBOOKS:
        shutil.copytree(SOLUTIONS, solutions)
        shutil.copytree(EXERCISES, exercises_dir)
        exercises.build(solutions, exercises_dir)  # the copies are up to date even if the repo's is not
    else:
        _write(synthetic_notebook(), solutions / SYNTHETIC)
        exercises_dir.mkdir()
        (exercises_dir / "README.md").write_text("never touched\n")
        exercises.build(solutions, exercises_dir)
    return solutions, exercises_dir


def test_check_passes_on_a_fresh_build(course, capsys):
    code, text = _check(*course, capsys)
    assert code == 0, text
    assert "up to date" in text


def test_changed_solution_is_stale(course, capsys):
    solutions, exercises_dir = course
    path = exercises.solution_notebooks(solutions)[0]
    nb = nbformat.read(str(path), as_version=4)
    cell = next(c for c in nb.cells if c.cell_type == "markdown")
    cell.source += "\n\nA sentence added to the solution."
    _write(nb, path)
    code, text = _check(solutions, exercises_dir, capsys)
    assert code == 1, text
    assert f"stale:   {exercises_dir / path.name}" in text
    assert "make exercises" not in text and "--solutions" in text  # the fix command for these folders
    # the build repairs it, and the student copy shows the new sentence
    assert cli.main(["exercises", "build", "--solutions", str(solutions), "--exercises", str(exercises_dir)]) == 0
    assert "A sentence added to the solution." in (exercises_dir / path.name).read_text()
    assert _check(solutions, exercises_dir, capsys)[0] == 0


def test_hand_edited_exercise_is_stale(course, capsys):
    solutions, exercises_dir = course
    target = exercises_dir / exercises.solution_notebooks(solutions)[0].name
    nb = nbformat.read(str(target), as_version=4)
    answer = next(c for c in nb.cells if c.source.count(CODE_STUB))
    answer.source = answer.source.replace(CODE_STUB, "# YOUR CODE HERE\nanswer = 0.5")
    _write(nb, target)
    code, text = _check(solutions, exercises_dir, capsys)
    assert code == 1 and f"stale:   {target}" in text, text


def test_missing_and_extra_exercises(course, capsys):
    solutions, exercises_dir = course
    first = exercises_dir / exercises.solution_notebooks(solutions)[0].name
    first.unlink()
    extra = exercises_dir / "00_orphan.ipynb"
    _write(new_notebook(), extra)
    code, text = _check(solutions, exercises_dir, capsys)
    assert code == 1, text
    assert f"missing: {first}" in text and f"extra:   {extra}" in text
    assert not first.exists() and extra.exists(), "--check must write nothing"

    readme = (exercises_dir / "README.md").read_bytes()
    assert cli.main(["exercises", "build", "--solutions", str(solutions), "--exercises", str(exercises_dir)]) == 0
    assert first.exists() and not extra.exists()
    assert (exercises_dir / "README.md").read_bytes() == readme
    assert _check(solutions, exercises_dir, capsys)[0] == 0


def test_build_is_deterministic(course):
    solutions, exercises_dir = course
    before = {p.name: p.read_bytes() for p in exercises_dir.glob("*.ipynb")}
    report = exercises.build(solutions, exercises_dir)
    assert report.written == [] and report.ok
    assert {p.name: p.read_bytes() for p in exercises_dir.glob("*.ipynb")} == before
    for path in exercises.solution_notebooks(solutions):
        assert exercises.student_copy_bytes(path) == before[path.name]


def test_broken_solution_stops_the_build_and_names_the_cell(tmp_path, capsys):
    nb = synthetic_notebook()
    nb.cells[3].source = nb.cells[3].source.replace("### END HIDDEN TESTS", "")
    solutions = tmp_path / "solutions"
    _write(nb, solutions / SYNTHETIC)
    code = cli.main(["exercises", "build", "--solutions", str(solutions), "--exercises", str(tmp_path / "exercises")])
    err = capsys.readouterr().err
    assert code == 2
    assert SYNTHETIC in err and "cell 3" in err and "q1_test" in err and "inside the region opened on line 3" in err
    assert not (tmp_path / "exercises").exists(), "nothing is written when a notebook is broken"


# ---------------------------------------------------------------------------------------------
# 3. The transformation
# ---------------------------------------------------------------------------------------------


def test_student_copy_of_the_synthetic_notebook():
    nb = synthetic_notebook()
    original = copy.deepcopy(nb)
    student = exercises.student_notebook(nb, SYNTHETIC)
    assert nb == original, "the solution notebook is not modified"

    assert [c.source for c in student.cells] == EXPECTED_SOURCES
    assert [c.cell_type for c in student.cells] == [c.cell_type for c in nb.cells]
    assert [c.get("id") for c in student.cells] == [c.get("id") for c in nb.cells]
    for cell in student.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None
    # notebook metadata kept, except nbgrader's celltoolbar
    assert "celltoolbar" not in student.metadata
    assert student.metadata.kernelspec == nb.metadata.kernelspec

    answer, test = student.cells[2].metadata, student.cells[3].metadata
    # metadata kept (tags, nbgrader flags, points) ...
    assert answer.tags == ["answer"] and "collapsed" not in answer and "scrolled" not in answer
    for old, new in zip(nb.cells, student.cells):
        for key, value in old.metadata.get("nbgrader", {}).items():
            assert new.metadata.nbgrader[key] == value
    # ... plus what nbgrader adds: locks, checksum, cell type
    assert answer.deletable is False and "editable" not in answer
    assert test.deletable is False and test.editable is False
    assert student.cells[1].metadata.editable is False  # read-only
    assert "deletable" not in student.cells[0].metadata and "deletable" not in student.cells[7].metadata
    assert len(test.nbgrader.checksum) == 32 and test.nbgrader.cell_type == "code"
    assert "nbgrader" not in student.cells[7].metadata


def test_marker_rules_follow_nbgrader():
    # indentation of the BEGIN line is kept, marker lines disappear, a trailing newline survives
    assert exercises.replace_solution_regions("  ### BEGIN SOLUTION\n  x\n  ### END SOLUTION\n", CODE_STUB) == (
        "  # YOUR CODE HERE\n  ...\n", 1)
    assert exercises.replace_solution_regions("a\n\t### BEGIN SOLUTION\n### END SOLUTION", TEXT_STUB) == (
        "a\n\tYOUR ANSWER HERE", 1)
    # hidden tests leave nothing behind, not even a blank line
    assert exercises.remove_hidden_tests("a\n### BEGIN HIDDEN TESTS\nb\n### END HIDDEN TESTS\nc") == ("a\nc", 1)
    assert exercises.remove_hidden_tests("no markers\n") == ("no markers\n", 0)


def test_checksum_is_nbgraders():
    # nbgrader.utils.compute_checksum: md5 of source, type, is_grade, is_solution, is_locked, id, points
    import hashlib

    cell = new_code_cell("check()", metadata=_meta("t", grade=True, locked=True, points=2))
    expected = hashlib.md5(b"check()" b"code" b"True" b"False" b"True" b"t" b"2.0").hexdigest()
    assert exercises.compute_checksum(cell) == expected


def _broken(index, change):
    nb = synthetic_notebook()
    change(nb.cells[index])
    return nb


BROKEN = {
    "unclosed solution": (2, lambda c: setattr(c, "source", c.source.replace("### END SOLUTION\nprint", "print")),
                          "never closed"),
    "nested solution": (6, lambda c: setattr(c, "source", "### BEGIN SOLUTION\n### BEGIN SOLUTION\n### END SOLUTION"),
                        "inside the region opened on line 1"),
    "stray end": (6, lambda c: setattr(c, "source", "### BEGIN SOLUTION\n### END SOLUTION\n### END SOLUTION"),
                  "without a '### BEGIN SOLUTION'"),
    "marker inside code": (6, lambda c: setattr(c, "source", "### BEGIN SOLUTION\ny = 2  # END SOLUTION"),
                           "is not the marker line"),
    "hidden tests in an answer cell": (
        6,
        lambda c: setattr(c, "source", c.source + "\n### BEGIN HIDDEN TESTS\n### END HIDDEN TESTS"),
        "not a graded test cell",
    ),
    "solution in a test cell": (3, lambda c: setattr(c, "source", "### BEGIN SOLUTION\n### END SOLUTION"),
                                "not an answer cell"),
    "solution in a plain cell": (7, lambda c: setattr(c, "source", "### BEGIN SOLUTION\nx\n### END SOLUTION"),
                                 "not an answer cell"),
    "answer code cell without region": (6, lambda c: setattr(c, "source", "y = 2"), "must hold its answer"),
    "no points": (3, lambda c: c.metadata.nbgrader.pop("points"), "points"),
    "old schema": (3, lambda c: c.metadata.nbgrader.update(schema_version=2), "schema_version"),
    "bad grade_id": (3, lambda c: c.metadata.nbgrader.update(grade_id="q 1"), "grade_id"),
    "unknown key": (3, lambda c: c.metadata.nbgrader.update(point=1), "unknown key"),
    "unknown kind": (3, lambda c: c.metadata.nbgrader.update(locked=False), "not one of the course's cell kinds"),
    "markdown solution not graded": (5, lambda c: c.metadata.nbgrader.update(grade=False), "cell kinds"),
    "duplicate grade_id": (6, lambda c: c.metadata.nbgrader.update(grade_id="q1_answer"), "already used by cell 2"),
    "task cell": (5, lambda c: c.metadata.nbgrader.update(task=True), "task"),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_malformed_notebooks_fail_naming_notebook_and_cell(case):
    index, change, message = BROKEN[case]
    nb = _broken(index, change)
    with pytest.raises(ExerciseError) as caught:
        exercises.student_notebook(nb, "solutions/" + SYNTHETIC)
    text = str(caught.value)
    assert f"solutions/{SYNTHETIC}, cell {index} (" in text, text
    assert message in text, text


def test_a_cell_without_id_is_refused(tmp_path):
    # nbformat would give it a random id on every read: the build would not be deterministic
    path = _write(synthetic_notebook(), tmp_path / SYNTHETIC)
    raw = json.loads(path.read_text())
    del raw["cells"][4]["id"]
    path.write_text(json.dumps(raw))
    with pytest.raises(ExerciseError, match=r"cell 4: no cell 'id'"):
        exercises.read_solution(path)


# ---------------------------------------------------------------------------------------------
# 4. nbgrader agrees
# ---------------------------------------------------------------------------------------------


def test_the_shipped_nbgrader_config_sets_the_builders_stubs():
    from traitlets.config.loader import PyFileConfigLoader

    config = PyFileConfigLoader(NBGRADER_CONFIG.name, path=str(NBGRADER_CONFIG.parent)).load_config()
    assert config.ClearSolutions.code_stub == {"python": CODE_STUB}
    assert config.ClearSolutions.text_stub == TEXT_STUB
    assert "raise" not in CODE_STUB, "a stub that raises stops Run All at the first answer cell"


def _nbgrader_generate(tmp_path, notebook: Path) -> Path:
    """Run ``nbgrader generate_assignment`` on ``notebook`` in a fresh course folder; return the
    student copy it releases. HOME and the Jupyter folders point into tmp_path: nothing of the
    user's configuration is read or written, and nothing needs the network."""
    course = tmp_path / "course"
    assignment = "ex"
    source = course / "source" / assignment
    source.mkdir(parents=True)
    shutil.copy(notebook, source / notebook.name)
    (course / "nbgrader_config.py").write_text(
        NBGRADER_CONFIG.read_text()  # the course's configuration, as INSTRUCTORS.md says to copy it
        + f"c.CourseDirectory.root = {str(course)!r}\n"
        + f"c.CourseDirectory.db_url = {'sqlite:///' + str(tmp_path / 'gradebook.db')!r}\n"
    )
    home = tmp_path / "home"
    env = {
        **os.environ,
        # nbgrader's gradebook runs the `alembic` command: find the environment's own, also when
        # the environment is not activated (make test runs .venv/bin/python directly)
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]),
        "HOME": str(home),
        "JUPYTER_CONFIG_DIR": str(home / ".jupyter"),
        "JUPYTER_DATA_DIR": str(home / "jupyter-data"),
        "JUPYTER_RUNTIME_DIR": str(home / "jupyter-runtime"),
        "IPYTHONDIR": str(home / ".ipython"),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "MPLCONFIGDIR": str(home / "matplotlib"),
    }
    result = subprocess.run(
        [sys.executable, "-m", "nbgrader", "generate_assignment", assignment, "--force"],
        cwd=course, env=env, capture_output=True, text=True, timeout=300,
    )
    released = course / "release" / assignment / notebook.name
    assert result.returncode == 0 and released.exists(), (
        f"nbgrader generate_assignment failed on {notebook.name} (exit {result.returncode}):\n"
        f"{result.stdout}\n{result.stderr}"
    )
    return released


def _assert_same_student_copy(nbgrader_path: Path, ours_path: Path) -> None:
    theirs = nbformat.read(str(nbgrader_path), as_version=4)
    ours = nbformat.read(str(ours_path), as_version=4)
    name = ours_path.name
    assert len(ours.cells) == len(theirs.cells), f"{name}: {len(ours.cells)} cells, nbgrader has {len(theirs.cells)}"
    for index, (mine, their) in enumerate(zip(ours.cells, theirs.cells)):
        assert mine.cell_type == their.cell_type, f"{name}, cell {index}: cell type differs from nbgrader's"
        assert mine.source == their.source, (
            f"{name}, cell {index}: source differs from nbgrader's\n--- ours\n{mine.source}\n--- nbgrader\n{their.source}"
        )
    # beyond the acceptance criterion: the whole notebook is nbgrader's (locks, checksums, outputs)
    for index, (mine, their) in enumerate(zip(ours.cells, theirs.cells)):
        assert mine == their, f"{name}, cell {index}: differs from nbgrader's\nours:    {mine}\nnbgrader: {their}"
    assert ours.metadata == theirs.metadata, f"{name}: notebook metadata differs from nbgrader's"


def test_nbgrader_agrees_on_the_synthetic_notebook(tmp_path):
    solution = _write(synthetic_notebook(), tmp_path / "solutions" / SYNTHETIC)
    ours = tmp_path / "exercises" / SYNTHETIC
    exercises.build(solution.parent, ours.parent)
    released = _nbgrader_generate(tmp_path, solution)
    _assert_same_student_copy(released, ours)
    assert ours.read_bytes() == released.read_bytes(), "same notebook, and even the same bytes"


@pytest.mark.parametrize(
    "solution",
    [pytest.param(p, id=p.name) for p in SOLUTION_NOTEBOOKS]
    or [pytest.param(None, id="none", marks=pytest.mark.skip(reason="solutions/ has no notebook yet"))],
)
def test_nbgrader_agrees_on_the_solution_notebooks(tmp_path, solution):
    ours = EXERCISES / solution.name
    assert ours.exists(), f"exercises/{solution.name} is missing; run `make exercises`"
    _assert_same_student_copy(_nbgrader_generate(tmp_path, solution), ours)
