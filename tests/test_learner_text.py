"""What a learner reads carries no development words.

The lessons (notebooks/), the graded exercises (solutions/) and their student copies
(exercises/) are read by learners. Words from the course's development (the tracker's
"issue" and "acceptance", the maintainers' notes PAPER_FACTS and "reference notes", paths into
a folder beside the repository such as ../shared) mean nothing to them, and a path to a folder
they do not have is an error waiting to happen. This test fails on any of them, naming the file,
the cell and the line.

    .venv/bin/python -m pytest -q tests/test_learner_text.py
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LEARNER_FOLDERS = ("notebooks", "solutions", "exercises")

# One pattern per development word; case-insensitive, on whole words where that matters.
DEVELOPMENT_WORDS = {
    "issue": r"\bissues?\b",
    "acceptance": r"\bacceptance\b",
    "PAPER_FACTS": r"paper_facts",
    "reference notes": r"\breference notes\b",
    "../shared": r"\.\./shared\b",
    "the shared reference folder": r"\bshared\b\W{1,6}reference\b",
}


def learner_notebooks() -> list[Path]:
    return sorted(p for folder in LEARNER_FOLDERS for p in (ROOT / folder).glob("*.ipynb"))


def development_words(path: Path) -> list[str]:
    """Every hit in a notebook, as 'cell N, line M: word: the line'."""
    hits = []
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    for index, cell in enumerate(cells):
        for number, line in enumerate("".join(cell["source"]).splitlines(), start=1):
            for word, pattern in DEVELOPMENT_WORDS.items():
                if re.search(pattern, line, flags=re.IGNORECASE):
                    hits.append(f"cell {index}, line {number}: {word!r}: {line.strip()[:120]}")
    return hits


def test_the_learner_folders_hold_notebooks():
    found = {p.parent.name for p in learner_notebooks()}
    assert found == set(LEARNER_FOLDERS), f"no notebooks found in {set(LEARNER_FOLDERS) - found}"


@pytest.mark.parametrize("path", learner_notebooks(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_no_development_words(path):
    hits = development_words(path)
    assert not hits, f"{path.relative_to(ROOT)} has development words a learner should not read:\n" + "\n".join(hits)


@pytest.mark.parametrize(
    "line, word",
    [
        ("# the issue asks for three", "issue"),
        ("assert x  # issue 9's acceptance", "acceptance"),
        ("(the authors' implementation, PAPER_FACTS section 5)", "PAPER_FACTS"),
        ("the course's reference notes measured .883", "reference notes"),
        ("see ../shared/reference/x.csv", "../shared"),
        ('Path.cwd().parent / "shared" / "reference"', "the shared reference folder"),
    ],
)
def test_the_check_catches_each_word(tmp_path, line, word):
    notebook = tmp_path / "lesson.ipynb"
    notebook.write_text(json.dumps({"cells": [{"cell_type": "markdown", "source": ["fine\n", line]}]}))
    hits = development_words(notebook)
    assert len(hits) >= 1 and any(f"{word!r}" in hit for hit in hits), hits
    assert hits[0].startswith("cell 0, line 2:"), hits


def test_ordinary_prose_passes(tmp_path):
    notebook = tmp_path / "lesson.ipynb"
    text = "Tissue, reissued: no. The shared pattern of clean examples; a reference to Zafar et al."
    notebook.write_text(json.dumps({"cells": [{"cell_type": "markdown", "source": [text]}]}))
    assert development_words(notebook) == []
