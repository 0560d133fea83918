"""Notebooks are stored clean and follow the course's conventions.

Executing them is nbval's job: pytest collects notebooks/*.ipynb with --nbval-lax (see
pyproject.toml), so every lesson runs, in the quick setting, in the same test command.
"""

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
STORED = sorted(
    p for folder in ("notebooks", "solutions", "exercises") for p in (ROOT / folder).glob("*.ipynb")
)


def _cells(path):
    return json.loads(path.read_text())["cells"]


def test_the_first_lessons_exist():
    names = {p.stem for p in NOTEBOOKS}
    for lesson in ("00_welcome", "01_fairness_metrics", "02_poisoning_and_label_noise"):
        assert lesson in names, f"notebooks/{lesson}.ipynb is missing"


@pytest.mark.parametrize("path", STORED, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_stored_without_outputs(path):
    dirty = [
        i
        for i, cell in enumerate(_cells(path))
        if cell["cell_type"] == "code" and (cell.get("outputs") or cell.get("execution_count"))
    ]
    assert not dirty, f"{path.name}: cells {dirty} hold outputs or execution counts; strip them"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_lesson_structure(path):
    cells = _cells(path)
    markdown = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    code = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
    assert re.match(r"#\s*\d\d\b", "".join(cells[0]["source"])), "the first cell is the numbered title"
    assert "objectives" in markdown.lower(), "the lesson states its learning objectives"
    assert "## Summary" in markdown, "the lesson ends with a summary"
    assert "assert" in code, "the lesson asserts its claims"
    assert "os.environ" not in code, "read the quick setting through frlib.config, not os.environ"
    assert re.search(r"\bplt\.|\bplots\.", code), "the lesson draws at least one figure"
