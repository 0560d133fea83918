"""Build the course site: every lesson executed, as static pages that work offline (`make site`).

    .venv/bin/python scripts/build_site.py [--out build/site] [--lessons 00 01 ...]

Writes ``build/site/``: ``index.html`` (the syllabus), one page per lesson with its executed
outputs (figures, tables, the widgets' saved state), a navigation bar in syllabus order on every
page, the lesson notebooks and the exercise sets as downloads, and ``_static/`` with the widget
manager and MathJax copied from ``site/vendor/``: no page loads anything from the network, so the
site works from ``file://`` on a laptop with no connection, and from any static web server.

The lessons run in the setting of the environment: the full one unless ``FRLIB_QUICK=1``
(``make site`` builds the full setting; the test builds lesson 01 in the quick one). Executed
notebooks are kept in ``build/executed/<setting>/`` and reused while the lesson, frlib and the
setting are unchanged (``make slides`` reuses them too).

The pages use nbconvert's JupyterLab template through a small template of the course
(``site/templates/frcourse-lesson``), so the site needs nothing that the course environment does
not already hold. After building, every page is checked: it must exist, hold its figures, carry
the state of the widgets it shows, and load no script or style sheet from another host.

One workaround: the executing client waits for the kernel's replies in 1 s slices. A single long
wait can miss a reply that has already arrived and then sleep until the cell's whole timeout
(seen after `interact` cells; nbclient issue 312), which stalled builds for minutes.
"""

from __future__ import annotations

import argparse
import hashlib
import html
import json
import re
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from queue import Empty

import nbformat

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
EXERCISES = ROOT / "exercises"
SITE_SOURCES = ROOT / "site"
TEMPLATES = SITE_SOURCES / "templates"
VENDOR = SITE_SOURCES / "vendor"
BUILD = ROOT / "build"
OUTPUT = BUILD / "site"
EXECUTED = BUILD / "executed"
COURSE_TITLE = "Fair and robust training, from metrics to FR-Train"
CELL_TIMEOUT = 900  # s; the longest cell of the full setting (lesson 07's table) takes a few minutes
STATIC = {"mathjax": "mathjax/tex-svg-full.js", "widgets": "html-manager/embed.js"}


@dataclass(frozen=True)
class Lesson:
    """One lesson notebook: its number, file stem, title (its first heading) and path."""

    number: str
    stem: str
    title: str
    path: Path

    @property
    def page(self) -> str:
        return f"{self.stem}.html"


def first_heading(notebook: nbformat.NotebookNode) -> str:
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    raise ValueError("the notebook has no level-1 heading to use as its title")


def find_lessons(folder: Path = NOTEBOOKS, numbers: list[str] | None = None) -> list[Lesson]:
    """The lessons NN_name.ipynb in syllabus (file-name) order, optionally only some numbers."""
    lessons = []
    for path in sorted(folder.glob("[0-9][0-9]_*.ipynb")):
        number = path.name[:2]
        if numbers and number not in numbers:
            continue
        lessons.append(Lesson(number, path.stem, first_heading(nbformat.read(path, as_version=4)), path))
    unknown = set(numbers or []) - {lesson.number for lesson in lessons}
    if unknown:
        raise ValueError(f"--lessons: no lesson numbered {', '.join(sorted(unknown))} in {folder}")
    return lessons


def exercise_for(lesson: Lesson, folder: Path = EXERCISES) -> Path | None:
    matches = sorted(folder.glob(f"{lesson.number}_*.ipynb"))
    return matches[0] if matches else None


def setting_name() -> str:
    from frlib import config

    return "quick" if config.is_quick() else "full"


def _source_digest(notebook: Path, setting: str) -> str:
    """What an executed copy depends on: the lesson, frlib's code and data, and the setting."""
    hasher = hashlib.sha256(setting.encode())
    hasher.update(notebook.read_bytes())
    for path in sorted((ROOT / "frlib").rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            hasher.update(path.relative_to(ROOT).as_posix().encode())
            hasher.update(path.read_bytes())
    return hasher.hexdigest()


def _patch_nbclient_wait() -> None:
    from jupyter_client.channels import AsyncZMQSocketChannel

    if getattr(AsyncZMQSocketChannel.get_msg, "_frcourse_sliced", False):
        return
    wait_once = AsyncZMQSocketChannel.get_msg

    async def get_msg_in_slices(self, timeout=None):
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            left = 1.0 if deadline is None else min(1.0, max(0.0, deadline - time.monotonic()))
            try:
                return await wait_once(self, left)
            except Empty:
                if deadline is not None and time.monotonic() >= deadline:
                    raise

    get_msg_in_slices._frcourse_sliced = True
    AsyncZMQSocketChannel.get_msg = get_msg_in_slices


def executed(lesson: Lesson, cache: Path = EXECUTED) -> nbformat.NotebookNode:
    """The lesson run top to bottom in this environment's setting, with its widgets' state; cached."""
    from nbclient import NotebookClient

    setting = setting_name()
    key = _source_digest(lesson.path, setting)
    cached = cache / setting / f"{lesson.stem}.ipynb"
    if cached.exists():
        notebook = nbformat.read(cached, as_version=4)
        if notebook.metadata.get("frcourse_build", {}).get("key") == key:
            return notebook
    _patch_nbclient_wait()
    notebook = nbformat.read(lesson.path, as_version=4)
    started = time.monotonic()
    print(f"build_site: running {lesson.path.relative_to(ROOT)} ({setting} setting) ...", flush=True)
    NotebookClient(notebook, timeout=CELL_TIMEOUT, kernel_name="python3", store_widget_state=True,
                   resources={"metadata": {"path": str(lesson.path.parent)}}).execute()
    notebook.metadata["frcourse_build"] = {"key": key, "setting": setting,
                                           "seconds": round(time.monotonic() - started, 1)}
    cached.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, cached)
    print(f"build_site: ran {lesson.stem} in {time.monotonic() - started:.0f} s", flush=True)
    return notebook


def copy_static(names: list[str], target: Path) -> None:
    """Copy the named folders of site/vendor/ (with their licences) to target."""
    for name in names:
        if (target / name).exists():
            shutil.rmtree(target / name)
        shutil.copytree(VENDOR / name, target / name)


def lesson_exporter():
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(template_name="frcourse-lesson", extra_template_basedirs=[str(TEMPLATES)],
                            extra_template_paths=[str(TEMPLATES / "common")])
    exporter.mathjax_url = f"_static/{STATIC['mathjax']}"
    exporter.widget_renderer_url = f"_static/{STATIC['widgets']}"
    return exporter


def render_lesson(exporter, notebook, lesson: Lesson, lessons: list[Lesson], setting: str,
                  downloads: dict[str, str]) -> str:
    position = lessons.index(lesson)
    site = {
        "course_title": COURSE_TITLE,
        "page": lesson.page,
        "lessons": [{"page": item.page, "title": item.title, "number": item.number} for item in lessons],
        "previous": {"page": lessons[position - 1].page, "number": lessons[position - 1].number} if position else None,
        "next": ({"page": lessons[position + 1].page, "number": lessons[position + 1].number}
                 if position + 1 < len(lessons) else None),
        "notebook_download": downloads["notebook"],
        "exercise_download": downloads.get("exercise"),
        "setting": f"Outputs of the {setting} setting",
    }
    body, _ = exporter.from_notebook_node(notebook, resources={"frcourse": site})
    return body


def render_index(lessons: list[Lesson], downloads: dict[str, dict[str, str]], setting: str) -> str:
    rows = []
    for lesson in lessons:
        links = [f'<a href="{downloads[lesson.stem]["notebook"]}" download>notebook</a>']
        if "exercise" in downloads[lesson.stem]:
            links.append(f'<a class="frcourse-exercise" href="{downloads[lesson.stem]["exercise"]}" download>exercise set</a>')
        rows.append(f'<li><a href="{lesson.page}">{html.escape(lesson.title)}</a> '
                    f'<span class="frcourse-downloads">({" · ".join(links)})</span></li>')
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>{html.escape(COURSE_TITLE)}</title>
<link rel="stylesheet" href="_static/frcourse.css">
</head>
<body class="frcourse-index">
<main>
<h1>{html.escape(COURSE_TITLE)}</h1>
<p>An open, runnable course on fair and robust machine learning. These pages show every lesson
with its outputs ({setting} setting), so the course can be read without installing anything. To run
the lessons yourself, download a notebook (or the whole course) and follow the README's set-up.</p>
<h2>Lessons, in order</h2>
<ol class="frcourse-syllabus">
{chr(10).join(rows)}
</ol>
<p>The exercise sets are notebooks with questions and checks: open them in the course's
environment (JupyterLab) after the lesson.</p>
<footer class="frcourse-footer">Text and figures: CC BY 4.0; code: MIT (see LICENSE and
LICENSE-CONTENT in the course's repository). The scripts in <code>_static/</code> keep their own
licences, beside them.</footer>
</main>
</body>
</html>
"""


_EXTERNAL = re.compile(r"<(?:script|link|img|iframe)\b[^>]*?\b(?:src|href)=[\"']((?:https?:)?//[^\"']+)", re.I)


def page_problems(page: Path) -> list[str]:
    """What is wrong with one built page: missing, no figure, widgets without state, CDN loads."""
    if not page.exists():
        return [f"{page}: missing"]
    text = page.read_text(encoding="utf-8")
    problems = []
    if "data:image/png;base64," not in text:
        problems.append(f"{page.name}: no figure")
    if "application/vnd.jupyter.widget-view+json" in text:
        state = re.search(r'<script type="application/vnd.jupyter.widget-state\+json">(.*?)</script>', text, re.S)
        if not (state and json.loads(state.group(1)).get("state")):
            problems.append(f"{page.name}: widgets without their state")
    for url in _EXTERNAL.findall(text):
        problems.append(f"{page.name}: loads {url} from the network")
    return problems


def build_site(out: Path = OUTPUT, numbers: list[str] | None = None, cache: Path = EXECUTED) -> list[Path]:
    """Build the site into `out`; return the lesson pages. Raises SystemExit on a failed check."""
    lessons = find_lessons(numbers=numbers)
    setting = setting_name()
    out.mkdir(parents=True, exist_ok=True)
    static = out / "_static"
    static.mkdir(exist_ok=True)
    copy_static(["html-manager", "mathjax"], static)
    shutil.copy(SITE_SOURCES / "static" / "frcourse.css", static / "frcourse.css")
    downloads: dict[str, dict[str, str]] = {}
    for lesson in lessons:
        (out / "downloads" / "notebooks").mkdir(parents=True, exist_ok=True)
        shutil.copy(lesson.path, out / "downloads" / "notebooks" / lesson.path.name)
        downloads[lesson.stem] = {"notebook": f"downloads/notebooks/{lesson.path.name}"}
        exercise = exercise_for(lesson)
        if exercise is not None:
            (out / "downloads" / "exercises").mkdir(parents=True, exist_ok=True)
            shutil.copy(exercise, out / "downloads" / "exercises" / exercise.name)
            downloads[lesson.stem]["exercise"] = f"downloads/exercises/{exercise.name}"
    exporter = lesson_exporter()
    pages, failed = [], []
    for lesson in lessons:
        try:
            notebook = executed(lesson, cache)
        except Exception as error:  # a lesson that fails: build the others, then say which failed
            from nbclient.exceptions import CellExecutionError

            if not isinstance(error, CellExecutionError):
                raise
            failed.append(f"{lesson.stem} failed in a cell: {error.ename}: {error.evalue}".strip()[:400])
            print(f"build_site: {failed[-1]}", file=sys.stderr, flush=True)
            continue
        page = out / lesson.page
        page.write_text(render_lesson(exporter, notebook, lesson, lessons, setting, downloads[lesson.stem]),
                        encoding="utf-8")
        pages.append(page)
    (out / "index.html").write_text(render_index(lessons, downloads, setting), encoding="utf-8")
    problems = failed + [problem for page in pages for problem in page_problems(page)]
    if problems:
        raise SystemExit("build_site: " + "; ".join(problems))
    return pages


def report(script: str, what: str, out: Path, started: float) -> None:
    """One closing line: what was built where, its size on disk and the time it took."""
    size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file() and "_executed" not in p.parts)
    print(f"{script}: {what} and index.html in {out} ({size / 1e6:.1f} MB, "
          f"{time.monotonic() - started:.0f} s); open {out / 'index.html'}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=OUTPUT, help="output folder (build/site)")
    parser.add_argument("--lessons", nargs="+", metavar="NN", help="only these lesson numbers")
    args = parser.parse_args(argv)
    started = time.monotonic()
    pages = build_site(args.out, args.lessons)
    report("build_site", f"{len(pages)} lesson pages", args.out, started)
    return 0


if __name__ == "__main__":
    sys.exit(main())
