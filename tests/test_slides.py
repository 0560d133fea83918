"""The tutorial's slide decks (`make slides`): the plan file, the sections it names, a deck offline.

The plan (site/slides.yml) chooses lesson sections by heading. The first test fails as soon as a
lesson's heading named there changes or disappears: update the plan with the lesson.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import nbformat
import pytest

from script_modules import load_script

from test_browser import chromium  # noqa: F401  (the fixture: the system's Chromium, or a skip)

ROOT = Path(__file__).resolve().parent.parent




build_slides = load_script("build_slides")


def _lessons():
    return {lesson.number: nbformat.read(lesson.path, as_version=4)
            for lesson in build_slides.build_site.find_lessons()}


def test_every_planned_section_heading_is_in_its_lesson():
    assert build_slides.missing_headings(build_slides.read_plan(), _lessons()) == []


def test_one_deck_per_block_of_the_instructors_plan():
    """Every time slot of INSTRUCTORS.md's table has its deck, except the break."""
    table = (ROOT / "INSTRUCTORS.md").read_text()
    slots = [(time, block) for time, block in
             re.findall(r"^\|[^|]*?(\d:\d\d-\d:\d\d) \| ([^|]+?) \|", table, re.M)]
    planned = {deck.time: deck for deck in build_slides.read_plan()}
    for time, block in slots:
        if block.strip().lower() == "break":
            assert time not in planned
        else:
            assert time in planned, f"the block {block!r} ({time}) has no deck in site/slides.yml"
    assert len(planned) == len(slots) - 1


def _notebook(*cells):
    notebook = nbformat.v4.new_notebook()
    for kind, source in cells:
        make = nbformat.v4.new_markdown_cell if kind == "md" else nbformat.v4.new_code_cell
        notebook.cells.append(make(source))
    return notebook


LESSON = _notebook(
    ("md", "# 01 · A lesson"),
    ("md", "## 1. First"),
    ("code", "a = 1"),
    ("md", "### 1.1 A subsection\nmore text"),
    ("code", "b = 2"),
    ("md", "## 2. Second"),
    ("code", "c = 3"),
)


def test_a_section_runs_to_the_next_heading_of_its_level():
    first = build_slides.section_cells(LESSON, "1. First")
    assert [cell.source for cell in first] == ["## 1. First", "a = 1", "### 1.1 A subsection\nmore text", "b = 2"]
    assert [c.source for c in build_slides.section_cells(LESSON, "1.1 A subsection")] == [
        "### 1.1 A subsection\nmore text", "b = 2"]
    assert [c.source for c in build_slides.section_cells(LESSON, "2. Second")] == ["## 2. Second", "c = 3"]
    with pytest.raises(KeyError):
        build_slides.section_cells(LESSON, "1. first")  # headings match exactly


def test_a_renamed_heading_is_reported_with_its_deck_and_lesson():
    deck = build_slides.Deck("d", "D", "0:00-0:10", (build_slides.Section("01", "1. First"),
                                                       build_slides.Section("01", "3. Gone"),
                                                       build_slides.Section("07", "1. Any")))
    assert build_slides.missing_headings([deck], {"01": LESSON}) == [
        'd: lesson 01 has no heading "3. Gone"', "d: there is no lesson 07"]


def test_deck_notebook_marks_slides_and_hides_code_where_asked():
    executed = _notebook(*[(("md" if c.cell_type == "markdown" else "code"), c.source) for c in LESSON.cells])
    executed.cells[2].outputs = [nbformat.v4.new_output("stream", text="1\n")]  # a = 1 printed something
    deck = build_slides.Deck("d", "Deck", "0:00-0:10", (build_slides.Section("01", "1. First", hide_code=True),
                                                          build_slides.Section("01", "2. Second")))
    notebook = build_slides.deck_notebook(deck, {"01": executed})
    kinds = [(cell.source.splitlines()[0], cell.metadata["slideshow"]["slide_type"], cell.metadata.get("tags", []))
             for cell in notebook.cells]
    assert kinds == [
        ("# Deck", "slide", []),
        ("## 1. First", "slide", []),
        ("a = 1", "-", [build_slides.HIDE_INPUT]),           # output kept, code hidden
        ("### 1.1 A subsection", "slide", []),              # after a code cell's output: a new slide
        # "b = 2" printed nothing and its code is hidden: left out
        ("## 2. Second", "slide", []),
        ("c = 3", "-", []),
    ]


def test_the_plan_file_is_checked(tmp_path):
    plan = tmp_path / "slides.yml"
    plan.write_text("decks:\n  - {slug: a, title: A, time: '0:00-0:10', sections: [{lesson: '01', heading: x, code: maybe}]}\n")
    with pytest.raises(ValueError, match="code must be show or hide, got 'maybe'"):
        build_slides.read_plan(plan)
    plan.write_text("decks:\n  - {slug: a, title: A, sections: []}\n")
    with pytest.raises(ValueError, match="deck 1 lacks time"):
        build_slides.read_plan(plan)


def test_welcome_deck_offline_in_a_real_browser(tmp_path, chromium):  # noqa: F811
    from offline_browser import offline_page

    saved = os.environ.get("FRLIB_QUICK")
    os.environ["FRLIB_QUICK"] = "1"  # the kernel inherits it
    try:
        [deck] = build_slides.build_slides(tmp_path / "slides", ["1-welcome"], cache=tmp_path / "executed")
    finally:
        if saved is None:
            del os.environ["FRLIB_QUICK"]
        else:
            os.environ["FRLIB_QUICK"] = saved
    assert (tmp_path / "slides" / "_static" / "reveal.js" / "LICENSE").is_file()
    with offline_page(chromium, deck, viewport=(1280, 800)) as opened:
        page = opened.page
        page.wait_for_function("() => window.Reveal && Reveal.isReady()")
        total = page.evaluate("() => Reveal.getTotalSlides()")
        assert total >= 5, f"the welcome deck has {total} slides"
        assert page.evaluate("() => Reveal.getIndices().h") == 0
        assert "Welcome" in page.locator(".reveal .slides > section.present").text_content()
        page.keyboard.press("ArrowRight")
        page.wait_for_function("() => Reveal.getIndices().h === 1")
        assert "3. The problem in one picture" in page.locator(".reveal .slides > section.present").text_content()
        page.wait_for_function("() => document.querySelectorAll('mjx-container').length > 0")
        assert opened.blocked == [], f"the deck asked the network for {opened.blocked}"
        assert opened.errors == [], f"JavaScript errors: {opened.errors}"
