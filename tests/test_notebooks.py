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


# The claims policy (README, "Claims"): every claim runs in both settings, the seed comes from
# FRLIB_SEED, and the claims go through frlib.claims so that a learner gets an explanation.
QUICK_GUARD = re.compile(r"^\s*(el)?if\s+(not\s+)?(QUICK\b|config\.is_quick\(\))", re.M)
HARD_CODED_SEED = re.compile(
    r"\bseed\s*=\s*\d"                                                                # seed=0
    r"|(?i:seeds?)\s*=\s*(config\.budget\(\s*full\s*=\s*)?(\[\s*\d|range\(\s*\d)"    # SEEDS = [0, 1], seeds=range(5)
    r"|\b(default_rng|manual_seed)\(\s*\d"                                           # default_rng(3)
)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_claims_follow_the_policy(path):
    code = "\n".join("".join(c["source"]) for c in _cells(path) if c["cell_type"] == "code")
    guards = [m.group(0).strip() for m in QUICK_GUARD.finditer(code)]
    assert not guards, f"no claim may hide behind `if QUICK` / `if not QUICK` (budgets differ, claims do not): {guards}"
    assert "SEED = config.seed()" in code, "the lesson's seed comes from FRLIB_SEED: SEED = config.seed()"
    assert "claims.defaults(" in code, "the lesson registers the defaults its claims were checked with"
    assert re.search(r"\bclaims\.(check|at_least|at_most|above|below|between)\(", code), "claims go through frlib.claims"
    hard_coded = [m.group(0) for m in HARD_CODED_SEED.finditer(code)]
    assert not hard_coded, f"seeds derive from SEED (SEED + k), not literals: {hard_coded}"


def test_the_policy_checks_catch_what_they_should():
    assert QUICK_GUARD.search("x = 1\nif not QUICK:\n    assert x") and QUICK_GUARD.search("    if config.is_quick():")
    assert not QUICK_GUARD.search("QUICK = config.is_quick()\nprint(QUICK)")
    for bad in ("make_synthetic(seed=0)", "seeds=[0, 1]", "SEEDS = [0, 1]", "np.random.default_rng(3)", "seeds=range(5)",
                "DATA_SEEDS = config.budget(full=[0, 1, 2], quick=[0])", "manual_seed(1)"):
        assert HARD_CODED_SEED.search(bad), bad
    for fine in ("make_synthetic(seed=SEED)", "seeds=range(SEED, SEED + 3)", "default_rng(SEED + 1)", "N_SEEDS = config.budget(full=3, quick=1)",
                 "SEEDS = config.budget(full=[SEED, SEED + 1], quick=[SEED])", "default_rng(seed + 1000)"):
        assert not HARD_CODED_SEED.search(fine), fine


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_check_cells_are_marked(path):
    """Cross-checks that only guard frlib sit in cells tagged "check" that say so in their first line."""
    for i, cell in enumerate(_cells(path)):
        tagged = "check" in cell.get("metadata", {}).get("tags", [])
        marked = cell["cell_type"] == "code" and "".join(cell["source"]).startswith("# Check cell:")
        assert tagged == marked, f"cell {i}: a check cell is tagged 'check' and starts with '# Check cell:'"
