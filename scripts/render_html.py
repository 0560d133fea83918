"""Render every lesson, executed, to HTML for reading and projecting (`make html`).

    .venv/bin/python scripts/render_html.py [notebooks/*.ipynb]

Runs nbconvert (execute, store the widgets' state, HTML) into build/html/, then checks that
every page exists, holds its figures, and carries the state of the widgets it shows; exits
non-zero otherwise.

One workaround: the executing client waits for the kernel's replies in 1 s slices. A single long
wait can miss a reply that has already arrived and then sleep until the cell's whole timeout
(seen after `interact` cells; nbclient issue 312), which stalled `make html` for minutes.
"""

from __future__ import annotations

import json
import re
import sys
import time
from pathlib import Path
from queue import Empty

from jupyter_client.channels import AsyncZMQSocketChannel
from nbconvert.nbconvertapp import NbConvertApp

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "build" / "html"
_wait_once = AsyncZMQSocketChannel.get_msg


async def _get_msg_in_slices(self, timeout=None):
    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        left = 1.0 if deadline is None else min(1.0, max(0.0, deadline - time.monotonic()))
        try:
            return await _wait_once(self, left)
        except Empty:
            if deadline is not None and time.monotonic() >= deadline:
                raise


def page_problems(page: Path) -> list[str]:
    """What is wrong with one rendered page: missing, no figure, widgets without their state."""
    if not page.exists():
        return [f"{page}: missing"]
    text = page.read_text(encoding="utf-8")
    problems = []
    if "data:image/png;base64," not in text:
        problems.append(f"{page}: no figure")
    if "application/vnd.jupyter.widget-view+json" in text:
        state = re.search(r'<script type="application/vnd.jupyter.widget-state\+json">(.*?)</script>', text, re.S)
        if not (state and json.loads(state.group(1)).get("state")):
            problems.append(f"{page}: widgets without their state")
    return problems


def main(argv: list[str]) -> int:
    notebooks = [Path(p) for p in argv] or sorted((ROOT / "notebooks").glob("*.ipynb"))
    AsyncZMQSocketChannel.get_msg = _get_msg_in_slices
    NbConvertApp.launch_instance(
        [
            "--to", "html", "--execute",
            "--ExecutePreprocessor.timeout=600",
            "--ExecutePreprocessor.store_widget_state=True",
            "--output-dir", str(OUTPUT),
            *map(str, notebooks),
        ]
    )
    problems = [p for notebook in notebooks for p in page_problems(OUTPUT / f"{notebook.stem}.html")]
    if problems:
        print("make html: " + "; ".join(problems), file=sys.stderr)
        return 1
    print(f"make html: {len(notebooks)} pages in {OUTPUT.relative_to(ROOT)}/, with their figures and widget state")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
