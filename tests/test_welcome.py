"""Lesson 00's first code cell: the environment check works, and explains, when the course's
packages cannot be imported."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LESSON = ROOT / "notebooks" / "00_welcome.ipynb"

# Make `import frlib` (and optionally torch) fail as in an environment without them.
BLOCKER = """
import importlib.abc, sys
class _Missing(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {blocked!r}:
            raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
        return None
sys.meta_path.insert(0, _Missing())
"""


def first_code_cell() -> str:
    cells = json.loads(LESSON.read_text())["cells"]
    code = [c for c in cells if c["cell_type"] == "code"]
    return "".join(code[0]["source"])


def run_check(blocked: set[str]) -> subprocess.CompletedProcess:
    program = BLOCKER.format(blocked=sorted(blocked)) + "\n" + first_code_cell()
    return subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=300)


def test_the_first_code_cell_is_the_environment_check_in_plain_python():
    source = first_code_cell()
    assert "environment" in source and "%" not in source, "the first code cell must be plain Python (no magics)"
    first_import = source.index("import ")
    assert source[first_import:].startswith(("import importlib", "import sys")), "only the standard library before the check"


@pytest.mark.parametrize("blocked", [{"frlib"}, {"frlib", "torch"}])
def test_a_broken_environment_gets_a_friendly_message(blocked):
    result = run_check(blocked)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Traceback" not in result.stdout + result.stderr
    out = result.stdout
    assert "This notebook is not running in the course's environment" in out
    assert "make course" in out and "Python 3 (frcourse)" in out
    assert "frlib (the course's own package) cannot be imported (ModuleNotFoundError" in out
    if "torch" in blocked:
        assert "PyTorch cannot be imported" in out


def test_a_working_environment_is_reported_ready():
    result = run_check(set())
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.startswith("Your environment is ready"), result.stdout
