"""Time every lesson in the quick and the full setting, in one run, and print the ratios.

Usage (inside the course environment):

    .venv/bin/python benchmarks/notebook_times.py [--quick-only] [notebooks/01_*.ipynb ...]

Each notebook is executed in a fresh kernel with nbclient, once with FRLIB_QUICK=1 and once
without it. The quick setting's target is under 30 s per lesson (issue 2); the script prints the
measured times, full / quick ratios and quick / target ratios, and exits 0 whatever they are
(speed targets are reported, not asserted).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
QUICK_TARGET_SECONDS = 30.0


def execute_seconds(path: Path, quick: bool) -> float:
    """Wall time to execute the notebook in a fresh kernel."""
    notebook = nbformat.read(path, as_version=4)
    previous = os.environ.get("FRLIB_QUICK")
    os.environ["FRLIB_QUICK"] = "1" if quick else "0"
    try:
        start = time.perf_counter()
        NotebookClient(notebook, timeout=3600, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}).execute()
        return time.perf_counter() - start
    finally:
        if previous is None:
            del os.environ["FRLIB_QUICK"]
        else:
            os.environ["FRLIB_QUICK"] = previous


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="*", type=Path)
    parser.add_argument("--quick-only", action="store_true", help="skip the full setting")
    args = parser.parse_args()
    paths = args.notebooks or sorted((ROOT / "notebooks").glob("*.ipynb"))
    print(f"{'notebook':<40} {'quick s':>8} {'quick/30s':>9} {'full s':>8} {'full/quick':>10}")
    for path in paths:
        quick = execute_seconds(path, quick=True)
        line = f"{path.name:<40} {quick:>8.1f} {quick / QUICK_TARGET_SECONDS:>9.2f}"
        if not args.quick_only:
            full = execute_seconds(path, quick=False)
            line += f" {full:>8.1f} {full / quick:>10.1f}"
        print(line, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
