"""The student copies of the graded exercises: ``exercises/`` written from ``solutions/``.

``solutions/`` is the single source. Each notebook there is a valid nbgrader source notebook:
model answers between ``### BEGIN SOLUTION`` / ``### END SOLUTION``, extra checks between
``### BEGIN HIDDEN TESTS`` / ``### END HIDDEN TESTS``, and nbgrader cell metadata (schema 3).
:func:`build` writes ``exercises/<same name>.ipynb`` for each of them, doing what
``nbgrader generate_assignment`` (nbgrader 0.9) does to a notebook, so that the student copy an
instructor gets from nbgrader and the one in ``exercises/`` are the same notebook:

====================  ===========================================================================
nbgrader step         what it does (and what :func:`student_notebook` does)
====================  ===========================================================================
``LockCells``         sets ``deletable: false`` on answer cells, and ``deletable`` and
                      ``editable: false`` on test cells and read-only cells
``ClearSolutions``    replaces each solution region by the stub, indented like the BEGIN line;
                      an answer cell without markers is replaced whole (Markdown only, here)
``ClearOutput``       outputs ``[]``, ``execution_count`` None, drops ``collapsed`` / ``scrolled``
``ClearHiddenTests``  removes each hidden-test region, marker lines included
``ComputeChecksums``  ``checksum`` and ``cell_type`` in the nbgrader metadata of grade, solution
                      and read-only cells (nbgrader runs it before and again after
                      ClearHiddenTests; the second, on the final source, is what is kept)
(both clear steps)    ``celltoolbar`` removed from the notebook metadata
====================  ===========================================================================

The result is the notebook nbgrader releases, cell ids, metadata and all; written with
``nbformat.writes`` as nbgrader's writer does, it is even the same bytes.

The stubs are the course's nbgrader configuration (``nbgrader_config.py`` at the top of the
repository, which an instructor copies into the nbgrader course folder):
``ClearSolutions.code_stub["python"]`` is :data:`CODE_STUB`, ``"# YOUR CODE HERE\\n..."``
(nbgrader's default, ``raise NotImplementedError()``, would stop *Run All* at the first answer
cell of a blank copy; ``...`` does nothing, so every check runs and says "not answered yet"), and
``ClearSolutions.text_stub`` is nbgrader's default ``"YOUR ANSWER HERE"``. nbgrader itself is not
imported here (it is only a test dependency); ``tests/test_exercises.py`` runs it with that
configuration and checks that its student copies equal ours.

The builder is stricter than nbgrader, so that a mistake in a solution notebook fails loudly
with the notebook and the cell named, instead of leaking an answer or silently dropping code:

* nbgrader treats *any* line that contains ``BEGIN SOLUTION`` (``END SOLUTION``, ...) as a
  marker, wherever the text sits (``x = 1  # END SOLUTION`` swallows ``x = 1``); here a line that
  mentions a marker must be exactly the marker (``### BEGIN SOLUTION``, indentation allowed);
* nbgrader drops an ``END`` line outside a region without a word; here it is an error, as are
  nested and unclosed regions (nbgrader raises on those too, without naming the notebook);
* each cell must be one of the kinds of :data:`CELL_KINDS`, with ``schema_version: 3`` and a
  ``grade_id`` unique in its notebook; an answer code cell must hold at least one region.

Command line: ``python -m frlib exercises build [--check] [--solutions DIR] [--exercises DIR]``
(see :mod:`frlib.cli`); ``make exercises`` runs the build.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat

from .grading import CODE_STUB  # ``ClearSolutions.code_stub["python"]`` of nbgrader_config.py

#: ``ClearSolutions.text_stub``, nbgrader's default (nbgrader_config.py sets it explicitly).
TEXT_STUB = "YOUR ANSWER HERE"

BEGIN_SOLUTION = "BEGIN SOLUTION"
END_SOLUTION = "END SOLUTION"
BEGIN_HIDDEN_TESTS = "BEGIN HIDDEN TESTS"
END_HIDDEN_TESTS = "END HIDDEN TESTS"
#: Delimiters nbgrader knows but the course does not use (marking schemes need task cells).
UNSUPPORTED_DELIMITERS = ("BEGIN MARK SCHEME", "END MARK SCHEME")
MARKER_PREFIX = "### "

SCHEMA_VERSION = 3
#: Keys allowed in a cell's ``metadata.nbgrader`` (nbgrader's ``nbgraderformat/v3.json``).
NBGRADER_KEYS = {
    "schema_version", "grade", "solution", "locked", "task", "grade_id", "points", "checksum",
    "cell_type",
}
GRADE_ID_PATTERN = re.compile(r"^[a-zA-Z0-9_\-]*$")  # as in v3.json

#: The kinds of cell a solution notebook may hold: (cell type, grade, solution, locked) -> name.
#: Cells without nbgrader metadata are plain cells and are copied unchanged.
CELL_KINDS = {
    ("code", False, True, False): "answer code cell",
    ("code", True, False, True): "graded test cell",
    ("markdown", True, True, False): "Markdown answer cell",
    ("code", False, False, True): "read-only cell",
    ("markdown", False, False, True): "read-only cell",
    ("raw", False, False, True): "read-only cell",
}

FIX_COMMAND = "make exercises  (or: .venv/bin/python -m frlib exercises build)"


class ExerciseError(ValueError):
    """A solution notebook breaks the exercise conventions; the message names notebook and cell."""


def _where(notebook: str, index: int, cell: Any) -> str:
    meta = cell.get("metadata", {}).get("nbgrader")
    grade_id = meta.get("grade_id") if isinstance(meta, dict) else None
    named = f", grade_id {grade_id!r}" if grade_id else ""
    return f"{notebook}, cell {index} ({cell.get('cell_type', '?')}{named})"


# --------------------------------------------------------------------------------------------
# The two source transformations, line by line as nbgrader does them
# --------------------------------------------------------------------------------------------


def replace_solution_regions(source: str, stub: str) -> tuple[str, int]:
    """Replace each ``BEGIN SOLUTION`` ... ``END SOLUTION`` region of ``source`` by ``stub``.

    As ``nbgrader.preprocessors.ClearSolutions._replace_solution_region``: the source is split
    on ``"\\n"``; the BEGIN line is replaced by the stub lines, each prefixed with the leading
    whitespace of the BEGIN line (``re.match(r"\\s*", line)``), so a region indented inside a
    ``def`` keeps its indentation; the lines of the region and the END line are dropped; the
    lines are joined again with ``"\\n"`` (a trailing newline survives). Returns the new source
    and the number of regions replaced.

    Call :func:`check_markers` first: nbgrader matches the delimiters as substrings of any line
    and drops a stray END line silently; this function does the same, the check refuses both.
    """
    return _replace_regions(source, BEGIN_SOLUTION, END_SOLUTION, stub.split("\n"))


def remove_hidden_tests(source: str) -> tuple[str, int]:
    """Remove each ``BEGIN HIDDEN TESTS`` ... ``END HIDDEN TESTS`` region of ``source``.

    As ``nbgrader.preprocessors.ClearHiddenTests._remove_hidden_test_region``: the marker lines
    and everything between them are dropped, nothing is put in their place (no stub, no blank
    line). Returns the new source and the number of regions removed.
    """
    return _replace_regions(source, BEGIN_HIDDEN_TESTS, END_HIDDEN_TESTS, [])


def _replace_regions(source: str, begin: str, end: str, stub_lines: list[str]) -> tuple[str, int]:
    """Replace each ``begin`` ... ``end`` region by ``stub_lines``, indented like its begin line.

    Any line containing the marker counts, as in nbgrader; returns the new source and the number
    of regions.
    """
    new_lines: list[str] = []
    inside = False
    regions = 0
    for line in source.split("\n"):
        if begin in line:
            if inside:
                raise ExerciseError(f"nested {begin}")
            inside = True
            regions += 1
            indent = re.match(r"\s*", line).group(0)
            new_lines.extend(indent + stub_line for stub_line in stub_lines)
        elif end in line:
            inside = False
        elif not inside:
            new_lines.append(line)
    if inside:
        raise ExerciseError(f"{begin} without {end}")
    return "\n".join(new_lines), regions


def check_markers(source: str, begin: str, end: str) -> int:
    """Check the ``begin`` / ``end`` regions of ``source``; return how many there are.

    Raises :class:`ExerciseError` (with the line number, counted from 1) for a line that
    mentions a delimiter without being exactly the marker ``### <delimiter>`` (leading
    whitespace allowed), for nested or unclosed regions and for an END without a BEGIN.
    """
    regions = 0
    open_line = None
    for number, line in enumerate(source.split("\n"), start=1):
        for delimiter in (begin, end):
            if delimiter in line and line.strip() != MARKER_PREFIX + delimiter:
                raise ExerciseError(
                    f"line {number} mentions {delimiter!r} but is not the marker line "
                    f"'{MARKER_PREFIX}{delimiter}' (nbgrader would take it for one): {line.strip()!r}"
                )
        if begin in line:
            if open_line is not None:
                raise ExerciseError(
                    f"line {number}: '{MARKER_PREFIX}{begin}' inside the region opened on line "
                    f"{open_line}; close it first with '{MARKER_PREFIX}{end}'"
                )
            open_line = number
            regions += 1
        elif end in line:
            if open_line is None:
                raise ExerciseError(
                    f"line {number}: '{MARKER_PREFIX}{end}' without a '{MARKER_PREFIX}{begin}' before it"
                )
            open_line = None
    if open_line is not None:
        raise ExerciseError(
            f"line {open_line}: '{MARKER_PREFIX}{begin}' is never closed by '{MARKER_PREFIX}{end}'"
        )
    return regions


# --------------------------------------------------------------------------------------------
# Cell metadata: the conventions, and nbgrader's flags and checksum
# --------------------------------------------------------------------------------------------


def _flags(cell: Any) -> tuple[bool, bool, bool] | None:
    """(grade, solution, locked) of a cell, or None when it has no nbgrader metadata."""
    meta = cell.get("metadata", {}).get("nbgrader")
    if meta is None:
        return None
    return bool(meta.get("grade")), bool(meta.get("solution")), bool(meta.get("locked"))


def _is_locked(grade: bool, solution: bool, locked: bool) -> bool:
    """``nbgrader.utils.is_locked``: solution cells never, grade cells always, else ``locked``."""
    if solution:
        return False
    return grade or locked


def check_cell(cell: Any) -> str | None:
    """Check one cell against the conventions; return its kind (None for a plain cell).

    The nbgrader metadata must follow nbgrader's schema 3 (``schema_version: 3``; ``grade``,
    ``solution``, ``locked`` booleans; no unknown key; a ``grade_id`` of letters, digits, ``_``
    and ``-``; ``points >= 0`` on graded cells), and the flags must make one of the kinds of
    :data:`CELL_KINDS`. Markers: solution markers only in answer cells (an answer code cell needs
    at least one region), hidden-test markers only in graded test cells, all well formed (see
    :func:`check_markers`). Raises :class:`ExerciseError` without the location (the caller adds
    it).
    """
    source = cell.get("source", "")
    cell_type = cell.get("cell_type")
    for delimiter in UNSUPPORTED_DELIMITERS:
        if delimiter in source:
            raise ExerciseError(f"{delimiter!r} regions (nbgrader task cells) are not used by the course")
    if cell_type == "code" and "AUTOTEST" in source:
        raise ExerciseError("'AUTOTEST' lines (nbgrader's generated tests) are not used by the course")

    meta = cell.get("metadata", {}).get("nbgrader")
    kind = None
    if meta is not None:
        if not isinstance(meta, dict):
            raise ExerciseError("metadata.nbgrader must be an object")
        unknown = sorted(set(meta) - NBGRADER_KEYS)
        if unknown:
            raise ExerciseError(f"unknown key(s) in metadata.nbgrader: {', '.join(unknown)}")
        if meta.get("schema_version") != SCHEMA_VERSION:
            raise ExerciseError(
                f"metadata.nbgrader.schema_version is {meta.get('schema_version')!r}; it must be {SCHEMA_VERSION}"
            )
        for key in ("grade", "solution", "locked"):
            if not isinstance(meta.get(key), bool):
                raise ExerciseError(f"metadata.nbgrader.{key} must be true or false, got {meta.get(key)!r}")
        if meta.get("task"):
            raise ExerciseError("nbgrader task cells are not used by the course")
        grade, solution, locked = meta["grade"], meta["solution"], meta["locked"]
        if grade or solution or locked:
            grade_id = meta.get("grade_id")
            if not isinstance(grade_id, str) or not grade_id or not GRADE_ID_PATTERN.match(grade_id):
                raise ExerciseError(
                    f"metadata.nbgrader.grade_id must be a non-empty string of letters, digits, "
                    f"'_' and '-', got {grade_id!r}"
                )
        if grade:
            points = meta.get("points")
            if isinstance(points, bool) or not isinstance(points, (int, float)) or points < 0:
                raise ExerciseError(f"a graded cell needs metadata.nbgrader.points >= 0, got {points!r}")
        kind = CELL_KINDS.get((cell_type, grade, solution, locked))
        if kind is None and (grade or solution or locked):
            allowed = "; ".join(
                f"{name}: {ctype} with grade={g}, solution={s}, locked={lk}".lower()
                for (ctype, g, s, lk), name in CELL_KINDS.items()
            )
            raise ExerciseError(
                f"grade={grade}, solution={solution}, locked={locked} on a {cell_type} cell is not "
                f"one of the course's cell kinds ({allowed})"
            )

    solutions = check_markers(source, BEGIN_SOLUTION, END_SOLUTION)
    hidden = check_markers(source, BEGIN_HIDDEN_TESTS, END_HIDDEN_TESTS)
    if solutions and kind not in ("answer code cell", "Markdown answer cell"):
        raise ExerciseError(
            "'### BEGIN SOLUTION' in a cell that is not an answer cell (nbgrader metadata "
            "solution: true is needed, or the answer would not be replaced in nbgrader's copy)"
        )
    if hidden and kind != "graded test cell":
        raise ExerciseError(
            "'### BEGIN HIDDEN TESTS' in a cell that is not a graded test cell "
            "(nbgrader metadata grade: true, solution: false, locked: true)"
        )
    if kind == "answer code cell" and not solutions:
        raise ExerciseError(
            "an answer code cell must hold its answer between '### BEGIN SOLUTION' and "
            "'### END SOLUTION' (nbgrader would replace the whole cell)"
        )
    return kind


def compute_checksum(cell: Any) -> str:
    """``nbgrader.utils.compute_checksum``: the md5 nbgrader stores in a student copy.

    Fed, in order, with the source, the cell type, ``str()`` of is_grade, is_solution and
    is_locked, the grade_id and, for a graded cell, ``str(float(points))``, each UTF-8 encoded.
    nbgrader's autograde uses it to spot answer cells left unchanged.
    """
    meta = cell["metadata"]["nbgrader"]
    grade, solution, locked = bool(meta.get("grade")), bool(meta.get("solution")), bool(meta.get("locked"))
    digest = hashlib.md5()
    digest.update(cell["source"].encode("utf-8"))
    digest.update(cell["cell_type"].encode("utf-8"))
    digest.update(str(grade).encode("utf-8"))
    digest.update(str(solution).encode("utf-8"))
    digest.update(str(_is_locked(grade, solution, locked)).encode("utf-8"))
    digest.update(meta["grade_id"].encode("utf-8"))
    if grade:
        digest.update(str(float(meta["points"])).encode("utf-8"))
    return digest.hexdigest()


# --------------------------------------------------------------------------------------------
# Notebooks
# --------------------------------------------------------------------------------------------


def student_cell(cell: Any) -> Any:
    """The student copy of one (checked) cell, as nbgrader's preprocessors leave it.

    In nbgrader's order: ``LockCells`` (answer cells: ``deletable: false``; test and read-only
    cells: ``deletable`` and ``editable: false``), ``ClearSolutions`` (regions -> stub; a
    solution cell without regions -> the stub alone: code stub in code cells, text stub in
    Markdown), ``ClearOutput`` (code cells: no outputs, ``execution_count`` None, no
    ``collapsed`` / ``scrolled`` metadata), ``ClearHiddenTests``, and ``ComputeChecksums``
    (``checksum`` and ``cell_type`` added to the nbgrader metadata of grade, solution and
    locked cells, computed on the final source). Other metadata is kept as it is.
    """
    cell = copy.deepcopy(cell)
    flags = _flags(cell)
    grade, solution, locked = flags if flags is not None else (False, False, False)

    # LockCells, with its defaults (lock_solution_cells, lock_grade_cells, lock_readonly_cells).
    if solution:
        cell.metadata["deletable"] = False
    elif grade or (flags is not None and _is_locked(grade, solution, locked)):
        cell.metadata["deletable"] = False
        cell.metadata["editable"] = False

    # ClearSolutions.
    stub = CODE_STUB if cell.cell_type == "code" else TEXT_STUB
    cell.source, replaced = replace_solution_regions(cell.source, stub)
    if solution and not replaced:
        cell.source = stub

    # ClearOutput (nbconvert's ClearOutputPreprocessor).
    if cell.cell_type == "code":
        cell.outputs = []
        cell.execution_count = None
        for key in ("collapsed", "scrolled"):
            cell.metadata.pop(key, None)

    # ClearHiddenTests.
    cell.source, _ = remove_hidden_tests(cell.source)

    # ComputeChecksums.
    if flags is not None and (grade or solution or _is_locked(grade, solution, locked)):
        cell.metadata.nbgrader["checksum"] = compute_checksum(cell)
        cell.metadata.nbgrader["cell_type"] = cell.cell_type
    return cell


def check_notebook(nb: Any, name: str = "notebook") -> None:
    """Check every cell of a solution notebook and the uniqueness of its grade_ids.

    Raises :class:`ExerciseError` naming ``name`` and the cell (index from 0, type, grade_id).
    """
    language = nb.get("metadata", {}).get("kernelspec", {}).get("language", "python")
    if language != "python":
        raise ExerciseError(f"{name}: the kernel language is {language!r}; the exercises are Python")
    seen: dict[str, int] = {}
    for index, cell in enumerate(nb.cells):
        try:
            kind = check_cell(cell)
        except ExerciseError as error:
            raise ExerciseError(f"{_where(name, index, cell)}: {error}") from None
        if kind is not None:
            grade_id = cell.metadata.nbgrader["grade_id"]
            if grade_id in seen:
                raise ExerciseError(
                    f"{_where(name, index, cell)}: grade_id {grade_id!r} is already used by cell "
                    f"{seen[grade_id]}; grade_ids must be unique in a notebook"
                )
            seen[grade_id] = index


def student_notebook(nb: Any, name: str = "notebook") -> Any:
    """The student copy of a solution notebook (checked first; see :func:`check_notebook`).

    Every cell goes through :func:`student_cell`; the notebook metadata is kept except
    ``celltoolbar``, which nbgrader's ClearSolutions and ClearHiddenTests remove.
    """
    check_notebook(nb, name)
    nb = copy.deepcopy(nb)
    nb.cells = [student_cell(cell) for cell in nb.cells]
    nb.metadata.pop("celltoolbar", None)
    return nb


def read_solution(path: Path) -> Any:
    """Read a solution notebook, refusing what would make the build non-deterministic.

    nbformat gives a cell without an ``id`` in an nbformat >= 4.5 notebook a *random* id when
    reading it; such a notebook would give a different student copy on every build.
    """
    text = path.read_text(encoding="utf-8")
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as error:
        raise ExerciseError(f"{path}: not a valid notebook (JSON error: {error})") from None
    if (raw.get("nbformat"), raw.get("nbformat_minor", 0)) >= (4, 5):
        for index, cell in enumerate(raw.get("cells", [])):
            if "id" not in cell:
                raise ExerciseError(
                    f"{path}, cell {index}: no cell 'id' (required by nbformat 4.5); open and save "
                    f"the notebook in Jupyter, or run nbformat.validator.normalize on it"
                )
    return nbformat.reads(text, as_version=4)


def notebook_bytes(nb: Any) -> bytes:
    """The notebook as stored: ``nbformat.writes`` (as Jupyter saves it) plus a final newline."""
    text = nbformat.writes(nb, version=4)
    if not text.endswith("\n"):
        text += "\n"
    return text.encode("utf-8")


def student_copy_bytes(solution: Path) -> bytes:
    """The bytes of ``exercises/<name>.ipynb`` for the solution notebook at ``solution``."""
    return notebook_bytes(student_notebook(read_solution(solution), str(solution)))


# --------------------------------------------------------------------------------------------
# The folders
# --------------------------------------------------------------------------------------------


@dataclass
class BuildReport:
    """What :func:`build` found: file names (``NN_name.ipynb``) in each state."""

    solutions_dir: Path
    exercises_dir: Path
    written: list[str] = field(default_factory=list)
    up_to_date: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)  # exists, differs from the build
    missing: list[str] = field(default_factory=list)  # solution without exercise
    extra: list[str] = field(default_factory=list)  # exercise without solution

    @property
    def ok(self) -> bool:
        """True when exercises/ equals what the build writes."""
        return not (self.stale or self.missing or self.extra)

    def problems(self) -> list[str]:
        """One line per file that is not up to date."""
        lines = [
            f"stale:   {self.exercises_dir / n} differs from the build of {self.solutions_dir / n}"
            for n in self.stale
        ]
        lines += [f"missing: {self.exercises_dir / n} (from {self.solutions_dir / n})" for n in self.missing]
        lines += [f"extra:   {self.exercises_dir / n} has no {self.solutions_dir / n}" for n in self.extra]
        return lines


def solution_notebooks(solutions_dir: Path) -> list[Path]:
    """The solution notebooks: ``*.ipynb`` directly in ``solutions_dir``, sorted by name."""
    return sorted(p for p in Path(solutions_dir).glob("*.ipynb") if p.is_file())


def build(solutions_dir: Path, exercises_dir: Path, *, check: bool = False) -> BuildReport:
    """Write ``exercises_dir/<name>.ipynb`` for every ``solutions_dir/<name>.ipynb``.

    Also removes the ``*.ipynb`` of ``exercises_dir`` that have no solution notebook (other files,
    such as ``README.md``, are left alone). With ``check=True`` nothing is written or removed;
    the report says which files are stale, missing or extra. Every solution notebook is
    transformed (and so checked) before anything is written: a broken notebook raises
    :class:`ExerciseError` and leaves ``exercises_dir`` untouched.
    """
    solutions_dir, exercises_dir = Path(solutions_dir), Path(exercises_dir)
    if not solutions_dir.is_dir():
        raise ExerciseError(f"{solutions_dir} is not a folder")
    report = BuildReport(solutions_dir, exercises_dir)
    wanted = {path.name: student_copy_bytes(path) for path in solution_notebooks(solutions_dir)}
    existing = {p.name for p in exercises_dir.glob("*.ipynb") if p.is_file()} if exercises_dir.is_dir() else set()

    for name, data in wanted.items():
        target = exercises_dir / name
        if name not in existing:
            report.missing.append(name)
        elif target.read_bytes() != data:
            report.stale.append(name)
        else:
            report.up_to_date.append(name)
    report.extra = sorted(existing - set(wanted))

    if not check:
        exercises_dir.mkdir(parents=True, exist_ok=True)
        for name in report.missing + report.stale:
            (exercises_dir / name).write_bytes(wanted[name])
            report.written.append(name)
        for name in report.extra:
            (exercises_dir / name).unlink()
    return report
