"""Build the tutorial's slide decks from the lessons, offline (`make slides`).

    .venv/bin/python scripts/build_slides.py [--out build/slides] [--decks 1-welcome ...]

One reveal.js deck per block of INSTRUCTORS.md's 3-hour plan, as ``site/slides.yml`` lists them:
each deck gathers lesson sections chosen by their headings (never by cell positions, which change
whenever a lesson is edited), with the lessons' executed outputs, into ``build/slides/<slug>.html``,
plus ``index.html`` listing the decks with their times. reveal.js, RequireJS, MathJax and the
widget manager are copied beside the decks from ``site/vendor/``: nothing comes from a CDN,
so the decks run from ``file://`` on a projector laptop with no network.

Slides: the section's heading starts a slide; after a code cell's output the next cell starts a
new one, so a slide is an explanation with the code and output it leads to. Long slides scroll.
Press ``s`` for the speaker view, ``Esc`` for the overview.

The lessons are executed as for the site (scripts/build_site.py), in the environment's setting
(the full one unless ``FRLIB_QUICK=1``), and the executed copies are shared with ``make site``.
"""

from __future__ import annotations

import argparse
import copy
import html
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import nbformat
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
import build_site  # noqa: E402  (a sibling script)

ROOT = build_site.ROOT
PLAN = build_site.SITE_SOURCES / "slides.yml"
OUTPUT = build_site.BUILD / "slides"
HIDE_INPUT, HIDE_CELL = "frcourse-hide-input", "frcourse-hide-cell"


@dataclass(frozen=True)
class Section:
    lesson: str
    heading: str
    hide_code: bool = False


@dataclass(frozen=True)
class Deck:
    slug: str
    title: str
    time: str
    sections: tuple[Section, ...]

    @property
    def page(self) -> str:
        return f"{self.slug}.html"


def read_plan(path: Path = PLAN) -> list[Deck]:
    """The decks of the plan file, validated: every field present, slugs unique."""
    decks = []
    for number, entry in enumerate(yaml.safe_load(path.read_text(encoding="utf-8"))["decks"], start=1):
        missing = {"slug", "title", "time", "sections"} - set(entry)
        if missing:
            raise ValueError(f"{path.name}: deck {number} lacks {', '.join(sorted(missing))}")
        sections = []
        for item in entry["sections"]:
            if set(item) - {"lesson", "heading", "code"} or "lesson" not in item or "heading" not in item:
                raise ValueError(f"{path.name}: deck {entry['slug']}: a section needs lesson and heading "
                                 f"(and optionally code: hide), got {item}")
            if item.get("code", "show") not in ("show", "hide"):
                raise ValueError(f"{path.name}: deck {entry['slug']}: code must be show or hide, got {item['code']!r}")
            sections.append(Section(str(item["lesson"]).zfill(2), item["heading"], item.get("code") == "hide"))
        decks.append(Deck(entry["slug"], entry["title"], str(entry["time"]), tuple(sections)))
    slugs = [deck.slug for deck in decks]
    if len(set(slugs)) != len(slugs):
        raise ValueError(f"{path.name}: deck slugs repeat: {slugs}")
    return decks


def headings(cell) -> list[tuple[int, str]]:
    """(level, text) of the Markdown headings in a cell."""
    if cell.cell_type != "markdown":
        return []
    found = []
    for line in cell.source.splitlines():
        stripped = line.lstrip()
        if stripped.startswith("#"):
            level = len(stripped) - len(stripped.lstrip("#"))
            if stripped[level:level + 1] == " ":
                found.append((level, stripped[level:].strip()))
    return found


def section_cells(notebook, heading: str) -> list:
    """The cell with `heading` and those after it, up to the next heading of the same or a higher level."""
    cells = notebook.cells
    for start, cell in enumerate(cells):
        for level, text in headings(cell):
            if text == heading:
                end = start + 1
                while end < len(cells) and not any(other <= level for other, _ in headings(cells[end])):
                    end += 1
                return cells[start:end]
    raise KeyError(heading)


def missing_headings(decks: list[Deck], lessons: dict[str, object]) -> list[str]:
    """'deck: lesson NN has no heading "..."' for every planned section that is not in its lesson."""
    problems = []
    for deck in decks:
        for section in deck.sections:
            notebook = lessons.get(section.lesson)
            if notebook is None:
                problems.append(f"{deck.slug}: there is no lesson {section.lesson}")
                continue
            try:
                section_cells(notebook, section.heading)
            except KeyError:
                problems.append(f'{deck.slug}: lesson {section.lesson} has no heading "{section.heading}"')
    return problems


def deck_notebook(deck: Deck, executed: dict[str, object]):
    """A notebook of the deck's sections with slide metadata, and the widget state they need."""
    notebook = nbformat.v4.new_notebook()
    title = nbformat.v4.new_markdown_cell(
        f"# {deck.title}\n\n{deck.time} · from lesson{'s' if len({s.lesson for s in deck.sections}) > 1 else ''} "
        + ", ".join(dict.fromkeys(s.lesson for s in deck.sections)))
    title.metadata["slideshow"] = {"slide_type": "slide"}
    notebook.cells.append(title)
    widget_states = {}
    for section in deck.sections:
        source = executed[section.lesson]
        state = source.metadata.get("widgets", {}).get("application/vnd.jupyter.widget-state+json", {})
        widget_states.update(state.get("state", {}))
        previous_was_code = False
        for position, original in enumerate(section_cells(source, section.heading)):
            cell = copy.deepcopy(original)
            if position == 0 or previous_was_code:
                slide_type = "slide"
            else:
                slide_type = "-"
            cell.metadata["slideshow"] = {"slide_type": slide_type}
            if section.hide_code and cell.cell_type == "code":
                tags = cell.metadata.setdefault("tags", [])
                tags.append(HIDE_INPUT if cell.get("outputs") else HIDE_CELL)
            if section.hide_code and cell.cell_type == "code" and not cell.get("outputs"):
                continue  # nothing to show: do not let it start or continue a slide
            previous_was_code = cell.cell_type == "code"
            notebook.cells.append(cell)
    if widget_states:
        notebook.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {
            "version_major": 2, "version_minor": 0, "state": widget_states}}
    notebook.metadata["title"] = deck.title
    return notebook


def slides_exporter(static: str = "_static"):
    from nbconvert import SlidesExporter
    from traitlets.config import Config

    config = Config()
    config.TagRemovePreprocessor.enabled = True
    config.TagRemovePreprocessor.remove_input_tags = {HIDE_INPUT}
    config.TagRemovePreprocessor.remove_cell_tags = {HIDE_CELL}
    exporter = SlidesExporter(config=config, template_name="frcourse-slides",
                              extra_template_basedirs=[str(build_site.TEMPLATES)],
                              extra_template_paths=[str(build_site.TEMPLATES / "common")])
    exporter.reveal_url_prefix = f"{static}/reveal.js"
    exporter.reveal_theme = "white"
    exporter.reveal_scroll = True
    exporter.require_js_url = f"{static}/requirejs/require.js"
    exporter.mathjax_url = f"{static}/{build_site.STATIC['mathjax']}"
    exporter.widget_renderer_url = f"{static}/{build_site.STATIC['widgets']}"
    return exporter


def render_index(decks: list[Deck]) -> str:
    rows = "\n".join(f'<li><a href="{deck.page}">{html.escape(deck.title)}</a> <span>({deck.time})</span></li>'
                     for deck in decks)
    return f"""<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>Tutorial slides: {html.escape(build_site.COURSE_TITLE)}</title>
<link rel="stylesheet" href="_static/frcourse.css"></head>
<body class="frcourse-index"><main>
<h1>A 3-hour tutorial: {html.escape(build_site.COURSE_TITLE)}</h1>
<p>One deck per block of the plan in INSTRUCTORS.md (the break, 1:40-1:50, has none). Arrow keys
or space move through a deck, <kbd>s</kbd> opens the speaker view, <kbd>Esc</kbd> the overview.</p>
<ol>
{rows}
</ol>
<footer class="frcourse-footer">Text and figures: CC BY 4.0; code: MIT. reveal.js, MathJax and the
other scripts in <code>_static/</code> keep their own licences, beside them.</footer>
</main></body></html>
"""


def build_slides(out: Path = OUTPUT, slugs: list[str] | None = None, cache: Path = build_site.EXECUTED,
                 plan: Path = PLAN) -> list[Path]:
    decks = read_plan(plan)
    if slugs:
        unknown = set(slugs) - {deck.slug for deck in decks}
        if unknown:
            raise SystemExit(f"build_slides: no deck {', '.join(sorted(unknown))} in {plan.name}")
        decks = [deck for deck in decks if deck.slug in slugs]
    lessons = {lesson.number: lesson for lesson in build_site.find_lessons()}
    sources = {number: nbformat.read(lesson.path, as_version=4) for number, lesson in lessons.items()}
    problems = missing_headings(decks, sources)
    if problems:
        raise SystemExit("build_slides: " + "; ".join(problems))
    needed = sorted({section.lesson for deck in decks for section in deck.sections})
    executed = {number: build_site.executed(lessons[number], cache) for number in needed}
    out.mkdir(parents=True, exist_ok=True)
    static = out / "_static"
    static.mkdir(exist_ok=True)
    build_site.copy_static(["reveal.js", "requirejs", "mathjax", "html-manager"], static)
    (static / "frcourse.css").write_bytes((build_site.SITE_SOURCES / "static" / "frcourse.css").read_bytes())
    exporter = slides_exporter()
    pages = []
    for deck in decks:
        body, _ = exporter.from_notebook_node(deck_notebook(deck, executed))
        page = out / deck.page
        page.write_text(body, encoding="utf-8")
        pages.append(page)
    (out / "index.html").write_text(render_index(decks), encoding="utf-8")
    problems = [p for page in pages for p in build_site.page_problems(page) if not p.endswith("no figure")]
    if problems:
        raise SystemExit("build_slides: " + "; ".join(problems))
    return pages


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=OUTPUT, help="output folder (build/slides)")
    parser.add_argument("--decks", nargs="+", metavar="SLUG", help="only these decks of site/slides.yml")
    args = parser.parse_args(argv)
    started = time.monotonic()
    pages = build_slides(args.out, args.decks)
    build_site.report("build_slides", f"{len(pages)} decks", args.out, started)
    return 0


if __name__ == "__main__":
    sys.exit(main())
